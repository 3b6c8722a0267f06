//! Incremental rebuilds: the pipeline run again on changed sources, redoing
//! only the work whose inputs changed.
//!
//! [`Engine`] keeps what the last build computed, each result under a key
//! that hashes everything it was computed from:
//!
//! - **parse**: a file's path and bytes. Only new or edited files are parsed.
//!   With `build --cache`, a page whose file kept its stamp is not even
//!   read: its key and parse are the build cache's ([`Engine::with_parsed`]).
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
//! The reference date of "results overdue" is found once per build
//! ([`analyse::reference_date`]), for the render keys of the pages with a
//! registry record and for the registry reports.
//!
//! The site-wide part of the model (configuration, sections, URL clashes)
//! and the link stage are redone whole: they are cheap, and they are what
//! tells which pages depend on which. The contexts of the lists (home,
//! sections, tags, 404) are built again on every build, since any page can
//! change them, but a list page whose context is unchanged is not rendered
//! again ([`render::ListMemo`]); the feed and the sitemap are redone.
//! With `build --cache` the memo is the build cache's
//! ([`Engine::with_lists`]), dropped when the site-wide inputs differ.
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
use crate::cache::{BuildCache, CachedPage, CachedTrial, Listing};
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
    /// A trial's "ok:" lines ([`pipeline::reproduced_lines_of`]); none for
    /// a topic.
    lines: Vec<String>,
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
    /// The search index's term shards of the last build.
    terms: render::terms::TermMemo,
    /// The site-wide inputs the list memo `lists` was made under (by the
    /// last build, or by the build cache's, [`Engine::with_lists`]): the
    /// next build drops it unless its site-wide inputs are the same, since
    /// a list page's key names its template but not the template's text.
    lists_guard: Option<Key>,
    output: Arc<BTreeMap<String, Arc<[u8]>>>,
    /// The key of each output file's bytes, by path, with the bytes it was
    /// computed from (see `NextOutput::digests`).
    digests: HashMap<String, (Arc<[u8]>, Key)>,
    disk: Option<Disk>,
    /// Pages discover did not read (their bytes are empty): their keys and
    /// parses are the build cache's ([`Engine::with_parsed`]).
    unread: std::collections::HashSet<String>,
}

/// The build cache of `appraise build --cache` ([`crate::cache`]): the
/// pages the last output holds, and what this build took from it.
struct Disk {
    cache: BuildCache,
    /// The output folder as this build found it.
    listing: Listing,
    /// Output files this build keeps from the last output unchanged.
    kept: Vec<String>,
    /// This build's page records, for the next build's cache.
    records: Vec<(Key, CachedPage)>,
    /// How many pages this build kept from the last output.
    kept_pages: usize,
    /// This build's trial records, for the next build's cache.
    trial_records: Vec<(Key, CachedTrial)>,
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

    /// An engine for one build into an output folder that the build cache
    /// `cache` describes, found as `listing` says: a page whose render key
    /// the cache records, with all its files still as the last build left
    /// them, is neither drawn nor rendered, and its files are listed in
    /// [`Engine::kept`] instead of [`Engine::output`].
    pub fn with_cache(cache: BuildCache, listing: Listing) -> Self {
        Engine {
            disk: Some(Disk {
                cache,
                listing,
                kept: Vec::new(),
                records: Vec::new(),
                kept_pages: 0,
                trial_records: Vec::new(),
            }),
            ..Engine::default()
        }
    }

    /// Take the pages `revived` from the build cache's parsed pages
    /// ([`crate::cache::SourceCache`]): each one's path, the key of its
    /// bytes, its parse and parse's diagnostics. Discover did not read
    /// them, so their bytes in the sources of the next build are empty;
    /// they are neither hashed nor parsed.
    pub fn with_parsed(
        mut self,
        revived: Vec<(String, Key, ParsedDoc, Vec<crate::diag::Diagnostic>)>,
    ) -> Self {
        for (path, hash, doc, diags) in revived {
            self.hashes.insert(path.clone(), hash);
            self.unread.insert(path.clone());
            let parsed = ParsedFile {
                hash,
                value: Some(doc),
                diags: Diagnostics(diags),
            };
            self.docs.insert(path, parsed);
        }
        self
    }

    /// The shard files of the parsed pages to save in the build cache
    /// after the last build ([`crate::cache::sources_shards`]: name,
    /// bytes), for the pages `stamps` gives a stamp (as discover listed
    /// them): those the build parsed without error. Only the shards whose
    /// records differ from the `before` digests (the shards as read) are
    /// given.
    pub fn parsed_after(
        &self,
        stamps: &HashMap<String, crate::cache::FileStamp>,
        before: &[Option<Key>],
    ) -> Vec<(String, Vec<u8>)> {
        let records: Vec<(&str, crate::cache::SourceRecord)> = (self.docs.iter())
            .filter_map(|(path, p)| {
                let doc = p.value.as_ref()?;
                let stamp = *stamps.get(path)?;
                let rec = crate::cache::SourceRecord::of(doc, &p.diags.0, p.hash, stamp);
                Some((path.as_str(), rec))
            })
            .collect();
        crate::cache::sources_shards(&records, before)
    }

    /// Take the list memo of an earlier build from the build cache
    /// ([`crate::cache::ListsCache`]): list pages, search entries and the
    /// home page's social image by the key of what they are made of, made
    /// under the site-wide inputs `guard`. The next build uses it only when
    /// its own site-wide inputs (appraise version, options, templates,
    /// theme, `_index.md` files, versions) have that key.
    pub fn with_lists(mut self, lists: crate::cache::ListsCache) -> Self {
        self.lists = lists.entries;
        self.lists_guard = Some(lists.guard);
        self
    }

    /// The list memo the last build left, with the key of the site-wide
    /// inputs it was made under, for the build cache.
    pub fn lists_after(&self) -> (Key, &HashMap<Key, Vec<u8>>) {
        (self.lists_guard.unwrap_or_default(), &self.lists)
    }

    /// The output files the last build took unchanged from the output
    /// folder (with [`Engine::with_cache`]; none otherwise): the write
    /// stage keeps them ([`write::Staging::sync`]).
    pub fn kept(&self) -> &[String] {
        self.disk.as_ref().map_or(&[], |d| d.kept.as_slice())
    }

    /// The stamps the files of [`Engine::kept`] had when the output was
    /// listed for the last build (with [`Engine::with_cache`]): the files
    /// the write stage keeps are links of those very files, so they still
    /// have them (one edited since has another stamp, and is rendered
    /// again by the next build).
    pub fn kept_stamps(&self) -> Listing {
        let Some(d) = &self.disk else {
            return Listing::new();
        };
        (d.kept.iter())
            .filter_map(|p| Some((p.clone(), *d.listing.get(p)?)))
            .collect()
    }

    /// How many pages the last build took from the output folder unchanged.
    pub fn kept_pages(&self) -> usize {
        self.disk.as_ref().map_or(0, |d| d.kept_pages)
    }

    /// The build cache to save after the last build was written, the
    /// output then being as `listing` says (with [`Engine::with_cache`]).
    pub fn cache_after(&self, output: &str, listing: Listing) -> BuildCache {
        let mut cache = BuildCache::new(output);
        if let Some(d) = &self.disk {
            for (key, page) in &d.records {
                cache.record(*key, page.clone());
            }
            for (key, trial) in &d.trial_records {
                cache.record_trial(*key, trial.clone());
            }
        }
        cache.stamp(listing);
        cache
    }

    /// The site as last built successfully: output path → bytes. A build
    /// with errors leaves it as it was. Shared: `serve` holds it while the
    /// next build makes the one after.
    pub fn output(&self) -> &Arc<BTreeMap<String, Arc<[u8]>>> {
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
        let mut b = Building {
            r: Report::default(),
            redone: Redone::default(),
            diags,
            laps: pipeline::Laps::start(),
        };
        let (parsed, site, own) = self.read(sources, changed, opts, &mut b);
        let (links, d) = link::link(&site);
        b.diags.extend(d);
        b.laps.lap(&mut b.r, "link");
        let (hist, d) = crate::history::load(sources);
        b.diags.extend(d);
        let plan = Plan::new(&site, &links, own, !hist.versions.is_empty());
        let cached = self.cached(&plan.keys);
        let (analyses, lines, n) = self.analyse(&site, &links, &plan, &cached, opts, &mut b.diags);
        b.redone.analysed = n;
        b.laps.lap(&mut b.r, "analyse");
        b.r.reproduced = lines;
        let timeline = pipeline::history_stage(&hist, &site, &links, &analyses, opts, &mut b.r);
        let (figs, n) = self.figures(&site, &links, &analyses, &plan.deps, &cached);
        b.redone.drawn = n;
        b.r.charts = figs.count() + cached.iter().flatten().map(|c| c.charts).sum::<usize>();
        b.laps.lap(&mut b.r, "chart");
        let (theme, d) = render::theme::resolve(sources, &site.config.theme);
        b.diags.extend(d);
        let input =
            pipeline::render_input(sources, &site, &links, &analyses, &figs, &theme, &timeline);
        let keyed = Keyed {
            deps: &plan.deps,
            keys: &plan.keys,
            site_key: plan.site_key,
            cached: &cached,
        };
        self.render_site(&input, &keyed, &mut b);
        drop(input);
        self.keep(parsed, site, analyses, &plan.own, &links);
        let mut r = b.r;
        b.diags.sort();
        r.diagnostics = b.diags;
        r.elapsed = start.elapsed();
        (r, b.redone)
    }

    /// Hash, parse and model the sources (each only as far as it changed):
    /// the parsed files (lent to the site; `keep` takes them back), the
    /// site, and each page's own key.
    fn read(
        &mut self,
        sources: &Sources,
        changed: Option<&[String]>,
        opts: &Options,
        b: &mut Building,
    ) -> (Parsed, Site, Vec<Key>) {
        let hashes = self.hash(sources, changed);
        let by_path: BTreeMap<&str, Key> = (sources.files.iter())
            .zip(&hashes)
            .map(|(f, &h)| (f.rel_path.as_str(), h))
            .collect();
        let (parsed, n) = self.parse(sources, &hashes, &mut b.diags);
        b.redone.parsed = n;
        b.laps.lap(&mut b.r, "parse");
        let keys = OwnKeys::new(sources, &by_path, opts);
        if self.lists_guard.is_some_and(|g| g != keys.site_wide) {
            // A list memo made under other site-wide inputs (an edited
            // template in `serve`, or the build cache's from another
            // build): its keys do not cover those, so drop it.
            self.lists.clear();
        }
        self.lists_guard = Some(keys.site_wide);
        let (site, doc_keys) = self.model(&parsed, &keys, opts, &mut b.diags);
        let own: Vec<Key> = (site.pages.iter())
            .map(|p| doc_keys[p.source.as_str()])
            .collect();
        drop(doc_keys);
        b.laps.lap(&mut b.r, "model");
        (parsed, site, own)
    }

    /// Render what changed and count the site's pages and files (the kept
    /// ones too).
    fn render_site(&mut self, input: &render::RenderInput, keyed: &Keyed, b: &mut Building) {
        if let Some((rendered, changed)) =
            self.render(input, keyed, &mut b.diags, &mut b.r, &mut b.laps)
        {
            b.redone.rendered = rendered;
            b.redone.changed_files = changed;
        }
        let kept = self.kept();
        b.r.pages = (self.output.keys().chain(kept))
            .filter(|p| p.ends_with(".html"))
            .count();
        b.r.files = self.output.len() + kept.len();
        b.laps.lap(&mut b.r, "render");
    }

    /// The key of every file's bytes, hashing only the files `changed`
    /// names (all when `None`) and those the last build did not have.
    fn hash(&mut self, sources: &Sources, changed: Option<&[String]>) -> Vec<Key> {
        let old = &self.hashes;
        let unread = &self.unread;
        let touched = |path: &str| {
            !unread.contains(path)
                && changed.is_none_or(|c| {
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
    /// from the last build (moved out; `keep` puts them back), or, for a
    /// trial no page rendered again needs, from the build cache. Returns
    /// the analyses, the "ok:" lines, and how many were done.
    fn analyse(
        &mut self,
        site: &Site,
        links: &Links,
        plan: &Plan,
        cached: &[Option<CachedPage>],
        opts: &Options,
        diags: &mut Diagnostics,
    ) -> (Analyses, Vec<String>, usize) {
        // A page rendered again needs its own analysis and its linked pages';
        // the unreleased changes need every trial's.
        let needed: Vec<bool> = (0..plan.own.len())
            .map(|i| {
                opts.unreleased
                    || cached[i].is_none()
                    || plan.linked[i].iter().any(|&j| cached[j].is_none())
            })
            .collect();
        let mut out = Analyses::default();
        let (lines, n) = self.analyse_trials(site, &plan.own, &needed, &mut out, diags);
        let m = self.analyse_topics(site, links, &plan.own, &mut out, diags);
        out.reference = plan.reference.clone();
        diags.extend(analyse::registry_given(site, links, &mut out));
        (out, lines, n + m)
    }

    /// The trials of [`Engine::analyse`], into `out`: their "ok:" lines,
    /// in page order, and how many were analysed.
    fn analyse_trials(
        &mut self,
        site: &Site,
        own: &[Key],
        needed: &[bool],
        out: &mut Analyses,
        diags: &mut Diagnostics,
    ) -> (Vec<String>, usize) {
        let mut lines: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut records = Vec::new();
        let disk = self.disk.is_some();
        let record = |done: &Done<Vec<OutcomeResult>>| CachedTrial {
            diags: done.diags.0.clone(),
            reproduced: done.lines.clone(),
        };
        let mut old = std::mem::take(&mut self.trials);
        let mut todo = Vec::new();
        for (i, p) in site.pages.iter().enumerate() {
            if !matches!(p.kind, PageKind::Trial(_)) {
                continue;
            }
            if let Some(mut done) = old.remove(&own[i]) {
                diags.extend(done.diags.clone());
                out.trials.insert(i, std::mem::take(&mut done.value));
                lines.insert(i, done.lines.clone());
                if disk {
                    records.push((own[i], record(&done)));
                }
                self.trials.insert(own[i], done);
                continue;
            }
            let from_disk = (self.disk.as_ref())
                .filter(|_| !needed[i])
                .and_then(|d| d.cache.trial(own[i]));
            match from_disk {
                Some(t) => {
                    diags.extend(Diagnostics(t.diags.clone()));
                    lines.insert(i, t.reproduced.clone());
                    records.push((own[i], t.clone()));
                }
                None => todo.push(i),
            }
        }
        let fresh: Vec<(usize, (Vec<OutcomeResult>, Diagnostics))> = todo
            .par_iter()
            .map(|&i| match &site.pages[i].kind {
                PageKind::Trial(t) => (i, analyse::trial_results(t)),
                _ => unreachable!("only trial pages are queued"),
            })
            .collect();
        for (i, (value, d)) in fresh {
            diags.extend(d.clone());
            let reproduced = pipeline::reproduced_lines_of(site, i, &value);
            out.trials.insert(i, value);
            let done = Done {
                value: Vec::new(),
                diags: d,
                lines: reproduced.clone(),
            };
            if disk {
                records.push((own[i], record(&done)));
            }
            lines.insert(i, reproduced);
            self.trials.insert(own[i], done);
        }
        if let Some(d) = &mut self.disk {
            d.trial_records = records;
        }
        (lines.into_values().flatten().collect(), todo.len())
    }

    /// The topics of [`Engine::analyse`], into `out`: how many were
    /// analysed.
    fn analyse_topics(
        &mut self,
        site: &Site,
        links: &Links,
        own: &[Key],
        out: &mut Analyses,
        diags: &mut Diagnostics,
    ) -> usize {
        let mut n = 0;
        let mut old = std::mem::take(&mut self.topics);
        for (i, p) in site.pages.iter().enumerate() {
            if let PageKind::Topic(_) = p.kind {
                let key = topic_key(links, own, i);
                let mut done = old.remove(&key).unwrap_or_else(|| {
                    n += 1;
                    let (value, diags) = analyse::topic_results(site, links, i);
                    Done {
                        value,
                        diags,
                        lines: Vec::new(),
                    }
                });
                diags.extend(done.diags.clone());
                out.topics.insert(i, std::mem::take(&mut done.value));
                self.topics.insert(key, done);
            }
        }
        n
    }

    /// The record of each page the build cache lets this build take from
    /// the last output (none for a page this engine rendered itself).
    fn cached(&self, keys: &[Key]) -> Vec<Option<CachedPage>> {
        keys.iter()
            .map(|k| match &self.disk {
                Some(d) if !self.pages.contains_key(k) => d.cache.reusable(*k, &d.listing).cloned(),
                _ => None,
            })
            .collect()
    }

    /// Draw the figures of pages whose dependency keys are new; share the
    /// others with the last build. A page `cached` from the last output
    /// needs none.
    fn figures(
        &mut self,
        site: &Site,
        links: &Links,
        analyses: &Analyses,
        deps: &[Key],
        cached: &[Option<CachedPage>],
    ) -> (Figures, usize) {
        let old = std::mem::take(&mut self.figures);
        let wanted = figures::Requests::of(links);
        let drawn: Vec<(usize, Arc<[Figure]>, bool)> = (0..site.pages.len())
            .into_par_iter()
            .filter(|&i| cached[i].is_none())
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
        keyed: &Keyed,
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
        let memo = render::ListMemo::new(std::mem::take(&mut self.lists))
            .with_page_keys(keyed.deps.to_vec(), keyed.site_key)
            .with_terms(std::mem::take(&mut self.terms));
        let renderer = renderer.with_lists(&memo);
        let keys = keyed.keys;
        let todo: Vec<usize> = (0..keys.len())
            .filter(|&i| !self.pages.contains_key(&keys[i]) && keyed.cached[i].is_none())
            .collect();
        let fresh: Vec<(usize, (Vec<write::OutputFile>, Diagnostics))> =
            todo.par_iter().map(|&i| (i, renderer.page(i))).collect();
        laps.lap(r, "render pages");
        let (site_files, d) = renderer.site_files();
        laps.lap(r, "render lists");
        diags.extend(d);
        drop(renderer);
        self.terms = memo.take_terms();
        self.lists = memo.into_kept();
        let mut next = NextOutput::default();
        let pages = self.gather(fresh, keyed, &mut next, diags);
        // A site-wide file with the bytes it had shares the last build's
        // allocation: one comparison here spares a copy, and the worker's
        // version and the count of changed files then see it by pointer.
        for f in site_files {
            let bytes = match self.output.get(&f.path) {
                Some(old) if old[..] == f.bytes[..] => Arc::clone(old),
                _ => Arc::from(f.bytes),
            };
            next.put(f.path, bytes, diags);
        }
        laps.lap(r, "output map");
        if let Some(sw) =
            render::offline::service_worker(input.site, next.digests(&mut self.digests))
        {
            next.put(sw.path, Arc::from(sw.bytes), diags);
        }
        laps.lap(r, "worker");
        for rp in pages.values() {
            diags.extend(rp.diags.clone());
        }
        if diags.has_errors() {
            self.pages.extend(pages);
            return None;
        }
        let same = |a: &Arc<[u8]>, b: &Arc<[u8]>| Arc::ptr_eq(a, b) || a[..] == b[..];
        let changed = (next.files.iter())
            .filter(|(p, b)| !self.output.get(*p).is_some_and(|old| same(old, b)))
            .count()
            + (self.output.keys())
                .filter(|p| !next.files.contains_key(*p))
                .count();
        if let Some(disk) = &mut self.disk {
            disk.kept = next.kept;
            disk.records = next.records;
            disk.kept_pages = keyed.cached.iter().flatten().count();
        }
        self.pages = pages;
        self.output = Arc::new(next.files);
        Some((todo.len(), changed))
    }

    /// The output of every page, in page order: freshly rendered, kept in
    /// memory from the last build, or kept in the last output folder (the
    /// build cache's); with the records of the pages for the next cache.
    /// Returns the pages rendered or kept in memory, for the next build.
    fn gather(
        &mut self,
        fresh: Vec<(usize, (Vec<write::OutputFile>, Diagnostics))>,
        keyed: &Keyed,
        next: &mut NextOutput,
        diags: &mut Diagnostics,
    ) -> HashMap<Key, RenderedPage> {
        let mut pages: HashMap<Key, RenderedPage> = HashMap::with_capacity(keyed.keys.len());
        let mut fresh: HashMap<usize, (Vec<write::OutputFile>, Diagnostics)> =
            fresh.into_iter().collect();
        for (i, &key) in keyed.keys.iter().enumerate() {
            if let Some(c) = &keyed.cached[i] {
                for p in &c.files {
                    next.keep(p, diags);
                }
                diags.extend(Diagnostics(c.diags.clone()));
                next.records.push((key, c.clone()));
                continue;
            }
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
                next.put(p.clone(), Arc::clone(b), diags);
            }
            if self.disk.is_some() {
                let charts = self.figures.get(&keyed.deps[i]).map_or(0, |f| f.len());
                let files = rp.files.iter().map(|(p, _)| p.clone()).collect();
                let digests = (rp.files.iter())
                    .map(|(_, b)| format!("{:032x}", crate::key::hash_bytes(b)))
                    .collect();
                let diags = rp.diags.0.clone();
                next.records.push((
                    key,
                    CachedPage {
                        files,
                        charts,
                        diags,
                        digests,
                    },
                ));
            }
            pages.insert(key, rp);
        }
        pages
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

/// What one build is gathering as it goes: the report, how much was done
/// again, the diagnostics, and the time per stage.
struct Building {
    r: Report,
    redone: Redone,
    diags: Diagnostics,
    laps: pipeline::Laps,
}

/// The keys of a build's pages, from the site and its links: each page's
/// own key, the pages linked with it, its dependency key and its render
/// key; the site-wide context's key; and the reference date of "results
/// overdue", found once here for the keys and for the analysis.
struct Plan {
    own: Vec<Key>,
    linked: Vec<BTreeSet<usize>>,
    deps: Vec<Key>,
    keys: Vec<Key>,
    site_key: Key,
    reference: Option<analyse::ReferenceDate>,
}

impl Plan {
    /// The plan of `site`, linked as `links` says, whose pages have the
    /// own keys `own`; `released` when the site has released versions.
    fn new(site: &Site, links: &Links, own: Vec<Key>, released: bool) -> Self {
        let linked = linked_pages(links, own.len());
        let deps = dependency_keys(&linked, &own);
        let site_key = hash_bytes(render::Renderer::site_summary(site, released).as_bytes());
        // "Results overdue" is judged against a date any page can move (the
        // newest `updated` or `checked`): a page with a registry record
        // depends on it, the others do not.
        let reference = analyse::reference_date(site, site.config.source_date);
        let reference_key = hash_bytes(format!("{reference:?}").as_bytes());
        let keys: Vec<Key> = (deps.iter().zip(&site.pages))
            .map(|(&k, p)| {
                let mut h = KeyHasher::default();
                h.key(site_key).key(k);
                if matches!(&p.kind, PageKind::Trial(t) if t.registry.is_some()) {
                    h.key(reference_key);
                }
                h.finish()
            })
            .collect();
        Plan {
            own,
            linked,
            deps,
            keys,
            site_key,
            reference,
        }
    }
}

/// The keys render works with, one per page: its dependency key, its
/// render key (that and the site-wide context), and what the build cache
/// holds for it.
struct Keyed<'k> {
    deps: &'k [Key],
    keys: &'k [Key],
    site_key: Key,
    cached: &'k [Option<CachedPage>],
}

/// The output a build is gathering: files rendered (or kept in memory),
/// files kept in the last output folder, and the pages' cache records.
#[derive(Default)]
struct NextOutput {
    files: BTreeMap<String, Arc<[u8]>>,
    kept: Vec<String>,
    kept_set: BTreeSet<String>,
    records: Vec<(Key, CachedPage)>,
}

impl NextOutput {
    /// Add a file with its bytes; a second file at one path is an error.
    fn put(&mut self, path: String, bytes: Arc<[u8]>, diags: &mut Diagnostics) {
        if self.files.contains_key(&path) || self.kept_set.contains(&path) {
            diags.push(render::duplicate_output(&path));
        } else {
            self.files.insert(path, bytes);
        }
    }

    /// Every output file's path and the key of its bytes (for the service
    /// worker's version; a file kept in the last output folder by the key
    /// its record gives). A file whose bytes are those `known` keyed last
    /// time (the very allocation, for a page kept from the last build, or
    /// equal bytes, for a list page or shard rendered or taken from a memo
    /// again: comparing is much cheaper than hashing) is not hashed again;
    /// `known` becomes this build's.
    fn digests(&self, known: &mut HashMap<String, (Arc<[u8]>, Key)>) -> Vec<(String, Key)> {
        let last = std::mem::take(known);
        let fresh: Vec<(String, Arc<[u8]>, Key)> = (self.files.par_iter())
            .map(|(p, b)| {
                let k = match last.get(p) {
                    Some((old, k)) if Arc::ptr_eq(old, b) || old[..] == b[..] => *k,
                    _ => crate::key::hash_bytes(b),
                };
                (p.clone(), Arc::clone(b), k)
            })
            .collect();
        let mut v = Vec::with_capacity(fresh.len());
        for (p, b, k) in fresh {
            v.push((p.clone(), k));
            known.insert(p, (b, k));
        }
        for (_, c) in &self.records {
            for (p, d) in c.files.iter().zip(&c.digests) {
                if self.kept_set.contains(p) {
                    v.push((p.clone(), Key::from_str_radix(d, 16).unwrap_or(0)));
                }
            }
        }
        v
    }

    /// Add a file the last output folder holds unchanged.
    fn keep(&mut self, path: &str, diags: &mut Diagnostics) {
        if self.files.contains_key(path) || !self.kept_set.insert(path.to_string()) {
            diags.push(render::duplicate_output(path));
        } else {
            self.kept.push(path.to_string());
        }
    }
}

/// The site-wide inputs every page depends on.
fn site_key(sources: &Sources, by_path: &BTreeMap<&str, Key>, opts: &Options) -> Key {
    let mut h = KeyHasher::default();
    h.bytes(env!("CARGO_PKG_VERSION").as_bytes());
    h.bytes(&[u8::from(opts.drafts), u8::from(opts.unreleased)]);
    h.bytes(opts.base_url.as_deref().unwrap_or("\u{0}").as_bytes());
    // SOURCE_DATE_EPOCH decides which trials show "results overdue".
    h.bytes(
        opts.source_date
            .map(|d| d.iso())
            .unwrap_or_default()
            .as_bytes(),
    );
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

/// The pages linked with each page in either direction
/// ([`Links::depends_on`]).
fn linked_pages(links: &Links, n: usize) -> Vec<BTreeSet<usize>> {
    let mut linked: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (&i, deps) in &links.depends_on {
        for &j in deps {
            linked[i].insert(j);
            linked[j].insert(i);
        }
    }
    linked
}

/// Each page's dependency key: its own key and the own keys of the pages
/// `linked` with it, which is everything its figures and its rendered
/// files are made from (with the site-wide context, for the latter).
fn dependency_keys(linked: &[BTreeSet<usize>], own: &[Key]) -> Vec<Key> {
    (0..own.len())
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
