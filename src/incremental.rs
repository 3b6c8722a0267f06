//! Incremental rebuilds: the pipeline run again on changed sources, redoing
//! only the work whose inputs changed.
//!
//! [`Engine`] keeps what the last build computed, each result under a key
//! that hashes everything it was computed from:
//!
//! - **parse**: a file's path and bytes. Only new or edited files are parsed.
//! - **model**: a page's *own key*: its page file, the CSV files of its
//!   bundle, and the site-wide inputs (every `_index.md`, the templates and
//!   theme files, the version files under `history/`, `--drafts`, whether
//!   unreleased changes are shown, the base URL, the appraise version).
//! - **analyse**: a trial's own key; a topic's own key with the own keys of
//!   the trials it gathers, in order.
//! - **figures**: a page's *dependency key*: its own key and the own keys of
//!   the pages it is linked with in either direction (below).
//! - **render**: a page's dependency key and the site-wide context every
//!   page shows (title, navigation). The pages linked with a page are those
//!   of [`Links::depends_on`], both ways: trials it cites or pools,
//!   appraisals and topics that cite it, its registry records, pages whose
//!   charts or URLs it shows.
//!
//! The site-wide part of the model (configuration, sections, URL clashes)
//! and the link stage are redone whole: they are cheap, and they are what
//! tells which pages depend on which. The contexts of the lists (home,
//! sections, tags, 404) are built again on every build, since any page can
//! change them, but a list page whose context is unchanged is not rendered
//! again ([`render::ListMemo`]); the feed and the sitemap are redone.
//!
//! The invariant, tested by a property test over random edits
//! (`tests/it/incremental.rs`): whatever the sequence of builds, the output
//! and the diagnostics equal those of a clean [`pipeline::build_sources`].
//! A result whose key is not used by the current build is dropped, so the
//! memory held is that of one site.
//!
//! Keys are [`crate::key`]s: 128-bit, stable across runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::analyse::{self, Analyses, OutcomeResult, PooledResult};
use crate::diag::Diagnostics;
use crate::discover::{FileKind, Sources};
use crate::figures::{self, Figure, Figures};
use crate::key::{hash_bytes, Key, KeyHasher};
use crate::link::{self, Links};
use crate::model::{self, PageKind, Site};
use crate::parse::{self, Parsed, ParsedCsv, ParsedDoc};
use crate::pipeline::{self, Options, Report};
use crate::{render, write};

/// A parsed file and its diagnostics, under the hash of its bytes.
struct ParsedFile<T> {
    hash: Key,
    value: Option<T>,
    diags: Diagnostics,
}

/// A result and the diagnostics computing it made. While a build uses the
/// result it is moved out (`value` left empty) and put back at the end.
struct Done<T> {
    value: T,
    diags: Diagnostics,
}

/// One page's rendered files (shared with [`Engine::output`]) and the
/// diagnostics rendering made. It holds its own bytes: a page rendered in
/// a build that then fails is kept, and must not depend on an output that
/// was not updated.
#[derive(Clone)]
struct RenderedPage {
    files: Vec<(String, Arc<[u8]>)>,
    diags: Diagnostics,
}

/// What the last build computed, kept for the next one.
#[derive(Default)]
pub struct Engine {
    hashes: HashMap<String, Key>,
    docs: HashMap<String, ParsedFile<ParsedDoc>>,
    csvs: HashMap<String, ParsedFile<ParsedCsv>>,
    models: HashMap<Key, model::PageOut>,
    trials: HashMap<Key, Done<Vec<OutcomeResult>>>,
    topics: HashMap<Key, Done<Vec<PooledResult>>>,
    figures: HashMap<Key, Arc<[Figure]>>,
    pages: HashMap<Key, RenderedPage>,
    lists: HashMap<Key, Vec<u8>>,
    output: BTreeMap<String, Arc<[u8]>>,
}

/// How much of the last build an incremental build did again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Redone {
    /// Files parsed (pages and CSV tables).
    pub parsed: usize,
    /// Trials and topics analysed.
    pub analysed: usize,
    /// Pages whose figures were drawn.
    pub drawn: usize,
    /// Pages rendered.
    pub rendered: usize,
    /// Output files whose bytes changed, appeared or disappeared.
    pub changed_files: usize,
}

impl Engine {
    /// An engine that has built nothing yet: its first build is a full one.
    pub fn new() -> Self {
        Self::default()
    }

    /// The site as last built successfully: output path → bytes. A build
    /// with errors leaves it as it was.
    pub fn output(&self) -> &BTreeMap<String, Arc<[u8]>> {
        &self.output
    }

    /// Build `sources` reusing what is still valid from the last build.
    /// The report is the one a full build would give; [`Report::output`]
    /// stays empty (the files are in [`Engine::output`]) and nothing is
    /// written to disk whatever `opts.output` says.
    pub fn build(
        &mut self,
        sources: &Sources,
        diags: Diagnostics,
        opts: &Options,
    ) -> (Report, Redone) {
        self.rebuild(sources, None, diags, opts)
    }

    /// [`Engine::build`], told which files changed since the last build:
    /// `changed` lists paths relative to the site root (a folder stands for
    /// everything under it), and every other file is taken to hold the
    /// bytes it held then, so it is not even hashed again. `None` means
    /// anything may have changed. The file watcher of `serve` knows.
    pub fn rebuild(
        &mut self,
        sources: &Sources,
        changed: Option<&[String]>,
        diags: Diagnostics,
        opts: &Options,
    ) -> (Report, Redone) {
        let start = Instant::now();
        let mut r = Report::default();
        let mut redone = Redone::default();
        let mut diags = diags;
        let mut laps = pipeline::Laps::start();
        let hashes = self.hash(sources, changed);
        let by_path: BTreeMap<&str, Key> = sources
            .files
            .iter()
            .zip(&hashes)
            .map(|(f, &h)| (f.rel_path.as_str(), h))
            .collect();
        let (parsed, n) = self.parse(sources, &hashes, &mut diags);
        redone.parsed = n;
        laps.lap(&mut r, "parse");
        let keys = OwnKeys::new(sources, &by_path, opts);
        let (site, doc_keys) = self.model(&parsed, &keys, opts, &mut diags);
        laps.lap(&mut r, "model");
        let (links, d) = link::link(&site);
        diags.extend(d);
        laps.lap(&mut r, "link");
        let own: Vec<Key> = site
            .pages
            .iter()
            .map(|p| doc_keys[p.source.as_str()])
            .collect();
        let (analyses, n) = self.analyse(&site, &links, &own, &mut diags);
        redone.analysed = n;
        laps.lap(&mut r, "analyse");
        r.reproduced = pipeline::reproduced_lines(&site, &analyses);
        let timeline =
            pipeline::history_stage(sources, &site, &links, &analyses, opts, &mut r, &mut diags);
        let deps = dependency_keys(&links, &own);
        let (figs, n) = self.figures(&site, &links, &analyses, &deps);
        redone.drawn = n;
        r.charts = figs.count();
        laps.lap(&mut r, "chart");
        let (theme, d) = render::theme::resolve(sources, &site.config.theme);
        diags.extend(d);
        let input =
            pipeline::render_input(sources, &site, &links, &analyses, &figs, &theme, &timeline);
        if let Some((rendered, changed)) = self.render(&input, &deps, &mut diags, &mut r, &mut laps)
        {
            redone.rendered = rendered;
            redone.changed_files = changed;
        }
        r.pages = self.output.keys().filter(|p| p.ends_with(".html")).count();
        r.files = self.output.len();
        laps.lap(&mut r, "render");
        diags.sort();
        r.diagnostics = diags;
        drop(input);
        self.keep(parsed, site, analyses, &own, &links);
        r.elapsed = start.elapsed();
        (r, redone)
    }

    /// The key of every file's bytes, hashing only the files `changed`
    /// names (all when `None`) and those the last build did not have.
    fn hash(&mut self, sources: &Sources, changed: Option<&[String]>) -> Vec<Key> {
        let old = &self.hashes;
        let touched = |path: &str| {
            changed.is_none_or(|c| {
                c.iter().any(|c| {
                    path == c
                        || path
                            .strip_prefix(c.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                })
            })
        };
        let hashes: Vec<Key> = sources
            .files
            .par_iter()
            .map(|f| match old.get(&f.rel_path) {
                Some(&k) if !touched(&f.rel_path) => k,
                _ => hash_bytes(&f.bytes),
            })
            .collect();
        // Update in place: most paths are the last build's, with their keys.
        for (f, &k) in sources.files.iter().zip(&hashes) {
            match self.hashes.get_mut(&f.rel_path) {
                Some(old) => *old = k,
                None => {
                    self.hashes.insert(f.rel_path.clone(), k);
                }
            }
        }
        if self.hashes.len() > sources.files.len() {
            let present: std::collections::HashSet<&str> =
                sources.files.iter().map(|f| f.rel_path.as_str()).collect();
            self.hashes.retain(|p, _| present.contains(p.as_str()));
        }
        hashes
    }

    /// Parse the files whose bytes changed; take the others from the last
    /// build. Returns the parsed site and how many files were parsed.
    fn parse(
        &mut self,
        sources: &Sources,
        hashes: &[Key],
        diags: &mut Diagnostics,
    ) -> (Parsed, usize) {
        // Files gone since the last build are forgotten.
        let present = |kind: FileKind| -> std::collections::HashSet<&str> {
            sources.of_kind(kind).map(|f| f.rel_path.as_str()).collect()
        };
        let pages = present(FileKind::Page);
        self.docs.retain(|p, _| pages.contains(p.as_str()));
        let tables = present(FileKind::DataCsv);
        self.csvs.retain(|p, _| tables.contains(p.as_str()));
        let mut todo_docs = Vec::new();
        let mut todo_csvs = Vec::new();
        for (f, &h) in sources.files.iter().zip(hashes) {
            let same = match f.kind {
                FileKind::Page => self.docs.get(&f.rel_path).map(|p| p.hash),
                FileKind::DataCsv => self.csvs.get(&f.rel_path).map(|p| p.hash),
                _ => continue,
            } == Some(h);
            match f.kind {
                FileKind::Page if !same => todo_docs.push((f, h)),
                FileKind::DataCsv if !same => todo_csvs.push((f, h)),
                _ => {}
            }
        }
        let n = todo_docs.len() + todo_csvs.len();
        let docs: Vec<_> = todo_docs
            .par_iter()
            .map(|(f, h)| {
                let (value, diags) = parse::parse_page(&f.rel_path, &f.bytes);
                (
                    f.rel_path.clone(),
                    ParsedFile {
                        hash: *h,
                        value,
                        diags,
                    },
                )
            })
            .collect();
        self.docs.extend(docs);
        for (f, h) in todo_csvs {
            let (value, diags) = parse::parse_csv(&f.rel_path, &f.bytes);
            self.csvs.insert(
                f.rel_path.clone(),
                ParsedFile {
                    hash: h,
                    value,
                    diags,
                },
            );
        }
        // Lend the parsed files to the model in path order; `keep` takes
        // them back.
        let mut parsed = Parsed::default();
        for f in &sources.files {
            let (docs, csvs) = (&mut self.docs, &mut self.csvs);
            match f.kind {
                FileKind::Page => {
                    if let Some(p) = docs.get_mut(&f.rel_path) {
                        diags.extend(p.diags.clone());
                        parsed.docs.extend(p.value.take());
                    }
                }
                FileKind::DataCsv => {
                    if let Some(p) = csvs.get_mut(&f.rel_path) {
                        diags.extend(p.diags.clone());
                        parsed.csvs.extend(p.value.take());
                    }
                }
                _ => {}
            }
        }
        (parsed, n)
    }

    /// Take in the documents whose own keys are new; take the other pages
    /// from the last build. Returns the site and every document's own key
    /// (by path: a page's source is its document's path).
    fn model<'p>(
        &mut self,
        parsed: &'p Parsed,
        keys: &OwnKeys,
        opts: &Options,
        diags: &mut Diagnostics,
    ) -> (Site, HashMap<&'p str, Key>) {
        let over = opts.overrides();
        let old = std::sync::Mutex::new(std::mem::take(&mut self.models));
        let doc_keys: HashMap<&str, Key> = parsed
            .docs
            .iter()
            .map(|d| (d.rel_path.as_str(), keys.of(&d.rel_path)))
            .collect();
        // A page reused is moved out of the memo; `keep` puts it back.
        let earlier = |doc: &ParsedDoc| {
            let mut old = old.lock().unwrap_or_else(|e| e.into_inner());
            old.remove(&doc_keys[doc.rel_path.as_str()])
        };
        let (site, d, outs) = model::build_with(parsed, &over, Some(&earlier));
        diags.extend(d);
        // Keep the documents of this build only.
        for (path, out) in outs {
            self.models.insert(doc_keys[path.as_str()], out);
        }
        (site, doc_keys)
    }

    /// Analyse the trials and topics whose keys are new; take the others
    /// from the last build (moved out; `keep` puts them back). Returns the
    /// analyses and how many were done.
    fn analyse(
        &mut self,
        site: &Site,
        links: &Links,
        own: &[Key],
        diags: &mut Diagnostics,
    ) -> (Analyses, usize) {
        let mut out = Analyses::default();
        let mut old = std::mem::take(&mut self.trials);
        let mut todo = Vec::new();
        for (i, p) in site.pages.iter().enumerate() {
            if let PageKind::Trial(_) = p.kind {
                match old.remove(&own[i]) {
                    Some(mut done) => {
                        diags.extend(done.diags.clone());
                        out.trials.insert(i, std::mem::take(&mut done.value));
                        self.trials.insert(own[i], done);
                    }
                    None => todo.push(i),
                }
            }
        }
        let mut n = todo.len();
        let fresh: Vec<(usize, (Vec<OutcomeResult>, Diagnostics))> = todo
            .par_iter()
            .map(|&i| match &site.pages[i].kind {
                PageKind::Trial(t) => (i, analyse::trial_results(t)),
                _ => unreachable!("only trial pages are queued"),
            })
            .collect();
        for (i, (value, d)) in fresh {
            diags.extend(d.clone());
            out.trials.insert(i, value);
            let done = Done {
                value: Vec::new(),
                diags: d,
            };
            self.trials.insert(own[i], done);
        }
        let mut old = std::mem::take(&mut self.topics);
        for (i, p) in site.pages.iter().enumerate() {
            if let PageKind::Topic(_) = p.kind {
                let key = topic_key(links, own, i);
                let mut done = old.remove(&key).unwrap_or_else(|| {
                    n += 1;
                    let (value, diags) = analyse::topic_results(site, links, i);
                    Done { value, diags }
                });
                diags.extend(done.diags.clone());
                out.topics.insert(i, std::mem::take(&mut done.value));
                self.topics.insert(key, done);
            }
        }
        (out, n)
    }

    /// Draw the figures of pages whose dependency keys are new; share the
    /// others with the last build.
    fn figures(
        &mut self,
        site: &Site,
        links: &Links,
        analyses: &Analyses,
        deps: &[Key],
    ) -> (Figures, usize) {
        let old = std::mem::take(&mut self.figures);
        let wanted = figures::Requests::of(links);
        let drawn: Vec<(usize, Arc<[Figure]>, bool)> = (0..site.pages.len())
            .into_par_iter()
            .map(|i| match old.get(&deps[i]) {
                Some(f) => (i, Arc::clone(f), false),
                None => {
                    let v = figures::page_figures(site, links, analyses, &wanted, i);
                    (i, Figures::page(v), true)
                }
            })
            .collect();
        let n = drawn.iter().filter(|d| d.2).count();
        for (i, f, _) in &drawn {
            self.figures.insert(deps[*i], Arc::clone(f));
        }
        (
            Figures::shared(drawn.into_iter().map(|(i, f, _)| (i, f))),
            n,
        )
    }

    /// Render the pages whose render keys are new and every site-wide file,
    /// and update [`Engine::output`] when there is no error. Returns the
    /// pages rendered and the output files changed, or `None` when the
    /// build failed (the last good output stays).
    fn render(
        &mut self,
        input: &render::RenderInput,
        deps: &[Key],
        diags: &mut Diagnostics,
        r: &mut Report,
        laps: &mut pipeline::Laps,
    ) -> Option<(usize, usize)> {
        let renderer = match render::Renderer::new(input) {
            Ok(r) => r,
            Err(d) => {
                diags.extend(d);
                return None;
            }
        };
        let site_key = hash_bytes(renderer.site_summary().as_bytes());
        let memo = render::ListMemo::new(std::mem::take(&mut self.lists))
            .with_page_keys(deps.to_vec(), site_key);
        let renderer = renderer.with_lists(&memo);
        let n = input.site.pages.len();
        let keys: Vec<Key> = deps
            .iter()
            .map(|&k| KeyHasher::default().key(site_key).key(k).finish())
            .collect();
        let todo: Vec<usize> = (0..n)
            .filter(|i| !self.pages.contains_key(&keys[*i]))
            .collect();
        let fresh: Vec<(usize, (Vec<write::OutputFile>, Diagnostics))> =
            todo.par_iter().map(|&i| (i, renderer.page(i))).collect();
        laps.lap(r, "render pages");
        let (site_files, d) = renderer.site_files();
        laps.lap(r, "render lists");
        diags.extend(d);
        drop(renderer);
        self.lists = memo.into_kept();
        // The new output: kept pages, fresh pages, site-wide files. Kept
        // pages move from the last build's memo; on failure they go back,
        // with the fresh ones (each holds its own bytes).
        let mut next: BTreeMap<String, Arc<[u8]>> = BTreeMap::new();
        let mut pages: HashMap<Key, RenderedPage> = HashMap::with_capacity(n);
        let mut put = |next: &mut BTreeMap<String, Arc<[u8]>>, path: String, bytes: Arc<[u8]>| {
            if next.contains_key(&path) {
                diags.push(render::duplicate_output(&path));
            } else {
                next.insert(path, bytes);
            }
        };
        let mut fresh: HashMap<usize, (Vec<write::OutputFile>, Diagnostics)> =
            fresh.into_iter().collect();
        for (i, &key) in keys.iter().enumerate() {
            let rp = match fresh.remove(&i) {
                Some((files, diags)) => RenderedPage {
                    files: files
                        .into_iter()
                        .map(|f| (f.path, Arc::from(f.bytes)))
                        .collect(),
                    diags,
                },
                None => match self.pages.remove(&key) {
                    Some(rp) => rp,
                    None => continue,
                },
            };
            for (p, b) in &rp.files {
                put(&mut next, p.clone(), Arc::clone(b));
            }
            pages.insert(key, rp);
        }
        for f in site_files {
            put(&mut next, f.path, Arc::from(f.bytes));
        }
        for rp in pages.values() {
            diags.extend(rp.diags.clone());
        }
        if diags.has_errors() {
            self.pages.extend(pages);
            return None;
        }
        let same = |a: &Arc<[u8]>, b: &Arc<[u8]>| Arc::ptr_eq(a, b) || a[..] == b[..];
        let changed = next
            .iter()
            .filter(|(p, b)| !self.output.get(*p).is_some_and(|old| same(old, b)))
            .count()
            + self
                .output
                .keys()
                .filter(|p| !next.contains_key(*p))
                .count();
        self.pages = pages;
        self.output = next;
        Some((todo.len(), changed))
    }

    /// Take back what this build lent out: the parsed files, the pages, the
    /// analyses.
    fn keep(&mut self, parsed: Parsed, site: Site, analyses: Analyses, own: &[Key], links: &Links) {
        for d in parsed.docs {
            if let Some(p) = self.docs.get_mut(&d.rel_path) {
                p.value = Some(d);
            }
        }
        for c in parsed.csvs {
            if let Some(p) = self.csvs.get_mut(&c.rel_path) {
                p.value = Some(c);
            }
        }
        for (i, v) in analyses.trials {
            if let Some(done) = self.trials.get_mut(&own[i]) {
                done.value = v;
            }
        }
        for (i, v) in analyses.topics {
            if let Some(done) = self.topics.get_mut(&topic_key(links, own, i)) {
                done.value = v;
            }
        }
        for (page, key) in site.pages.into_iter().zip(own) {
            if let Some(out) = self.models.get_mut(key) {
                out.page = Some(page);
            }
        }
    }
}

/// The site-wide inputs every page depends on.
fn site_key(sources: &Sources, by_path: &BTreeMap<&str, Key>, opts: &Options) -> Key {
    let mut h = KeyHasher::default();
    h.bytes(env!("CARGO_PKG_VERSION").as_bytes());
    h.bytes(&[u8::from(opts.drafts), u8::from(opts.unreleased)]);
    h.bytes(opts.base_url.as_deref().unwrap_or("\u{0}").as_bytes());
    for f in &sources.files {
        let site_wide = match f.kind {
            FileKind::Page => f.rel_path.ends_with("/_index.md"),
            // A version file changes every topic page's history and feed.
            FileKind::SiteTemplate | FileKind::ThemeFile | FileKind::History => true,
            _ => false,
        };
        if site_wide {
            h.bytes(f.rel_path.as_bytes())
                .key(by_path[f.rel_path.as_str()]);
        }
    }
    h.finish()
}

/// The own keys of a build: those of every page and CSV file, from the
/// site-wide inputs, the file, and the CSV files of its bundle (the folder
/// of an `index.md`, where the model looks for `outcomes.csv` or
/// `trial.outcomes_csv`).
struct OwnKeys<'s> {
    site_wide: Key,
    by_path: &'s BTreeMap<&'s str, Key>,
    csvs: BTreeMap<&'s str, Key>,
}

impl<'s> OwnKeys<'s> {
    fn new(sources: &'s Sources, by_path: &'s BTreeMap<&'s str, Key>, opts: &Options) -> Self {
        let csvs = sources
            .of_kind(FileKind::DataCsv)
            .map(|f| (f.rel_path.as_str(), by_path[f.rel_path.as_str()]))
            .collect();
        OwnKeys {
            site_wide: site_key(sources, by_path, opts),
            by_path,
            csvs,
        }
    }

    /// The own key of the page file at `source`.
    fn of(&self, source: &str) -> Key {
        let mut h = KeyHasher::default();
        h.key(self.site_wide).bytes(source.as_bytes());
        h.key(self.by_path.get(source).copied().unwrap_or(0));
        if let Some(bundle) = source.strip_suffix("index.md") {
            let csvs = self
                .csvs
                .range(bundle..)
                .take_while(|(c, _)| c.starts_with(bundle));
            for (path, &k) in csvs {
                h.bytes(path.as_bytes()).key(k);
            }
        }
        h.finish()
    }
}

/// Each page's dependency key: its own key and the own keys of the pages
/// linked with it in either direction ([`Links::depends_on`]), which is
/// everything its figures and its rendered files are made from (with the
/// site-wide context, for the latter).
fn dependency_keys(links: &Links, own: &[Key]) -> Vec<Key> {
    let n = own.len();
    let mut linked: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (&i, deps) in &links.depends_on {
        for &j in deps {
            linked[i].insert(j);
            linked[j].insert(i);
        }
    }
    (0..n)
        .map(|i| {
            let mut h = KeyHasher::default();
            h.key(own[i]);
            let mut others: Vec<Key> = linked[i].iter().map(|&j| own[j]).collect();
            others.sort_unstable();
            for k in others {
                h.key(k);
            }
            h.finish()
        })
        .collect()
}

/// A topic's analysis key: its own key and those of its trials, in order.
fn topic_key(links: &Links, own: &[Key], i: usize) -> Key {
    let mut h = KeyHasher::default();
    h.key(own[i]);
    for &j in links.topic_trials.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
        h.key(own[j]);
    }
    h.finish()
}
