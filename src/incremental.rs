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
//!   With `build --cache` the build cache keeps each page's model under its
//!   own key too ([`Engine::with_parsed`]), so a one-shot build models
//!   only the pages whose own key changed.
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
//! again ([`render::ListMemo`]), and a page's list item is the last
//! build's while its dependency key is ([`render::ItemMemo`]); the feed and
//! the sitemap are redone. The theme's templates are compiled again only
//! when their text changed ([`render::Templates`]).
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

/// A parsed file and its diagnostics, under the hash of its bytes. Once
/// a build has placed the parse in [`Engine::parsed`], `value` is empty
/// (it is also empty for a file that does not parse).
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
    /// Every file that parsed, in path order: the model's input, kept
    /// whole between builds and updated in place, so an unchanged page's
    /// parse is never moved.
    parsed: Parsed,
    models: HashMap<Key, model::PageOut>,
    /// Models read from the build cache ([`Engine::with_parsed`]), by the
    /// own key they were made under, without their pages' bodies: the next
    /// build takes a page's from here when its memo has none.
    stored_models: HashMap<Key, model::PageOut>,
    /// The own key of each page file's model in the last build, by path
    /// (to save the models with the parses, [`Engine::parsed_after`]).
    model_keys: HashMap<String, Key>,
    trials: HashMap<Key, Done<Vec<OutcomeResult>>>,
    topics: HashMap<Key, Done<Vec<PooledResult>>>,
    figures: HashMap<Key, Arc<[Figure]>>,
    pages: HashMap<Key, RenderedPage>,
    lists: HashMap<Key, Arc<[u8]>>,
    /// The search index's term shards of the last build.
    terms: render::terms::TermMemo,
    /// The list items of the last build (kept and dropped with `lists`).
    items: render::ItemMemo,
    /// The theme's templates as the last build compiled them.
    templates: Option<render::Templates>,
    /// The site-wide inputs the list memo `lists` was made under (by the
    /// last build, or by the build cache's, [`Engine::with_lists`]): the
    /// next build drops it unless its site-wide inputs are the same, since
    /// a list page's key names its template but not the template's text.
    lists_guard: Option<Key>,
    output: Arc<BTreeMap<String, Arc<[u8]>>>,
    /// The key of each output file's bytes, in path order, with the bytes
    /// it was computed from (see `NextOutput::digests`).
    digests: Vec<(String, Arc<[u8]>, Key)>,
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
    /// The lines in a list of the trials taken from the cache instead of
    /// analysed, by page (see [`render::RenderInput::glances`]).
    glances: BTreeMap<usize, render::GlanceCtx>,
}

/// How much of the last build an incremental build did again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Redone {
    /// Files parsed (pages and CSV tables).
    pub parsed: usize,
    /// Pages whose model was made (not taken from the last build's, or
    /// the build cache's).
    pub modelled: usize,
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
                glances: BTreeMap::new(),
            }),
            ..Engine::default()
        }
    }

    /// Take the pages `revived` from the build cache's parsed pages
    /// ([`crate::cache::SourceCache`]): each one's path, the key of its
    /// bytes, its parse, parse's diagnostics and its model when the cache
    /// has it. Discover did not read them, so their bytes in the sources
    /// of the next build are empty; they are neither hashed nor parsed,
    /// and a model is made again only when its own key changed.
    pub fn with_parsed(mut self, revived: Vec<(String, crate::cache::Revived)>) -> Self {
        for (path, (hash, doc, diags, model)) in revived {
            self.hashes.insert(path.clone(), hash);
            self.unread.insert(path.clone());
            if let Some((key, out)) = model {
                self.stored_models.insert(key, out);
            }
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
                let doc = self.parsed_doc(path)?;
                let stamp = *stamps.get(path)?;
                let model =
                    (self.model_keys.get(path)).and_then(|k| Some((*k, self.models.get(k)?)));
                let rec = crate::cache::SourceRecord::of(doc, &p.diags.0, p.hash, stamp, model);
                Some((path.as_str(), rec))
            })
            .collect();
        crate::cache::sources_shards(&records, before)
    }

    /// The parse of the page at `path`, as the last build placed it.
    fn parsed_doc(&self, path: &str) -> Option<&ParsedDoc> {
        let docs = &self.parsed.docs;
        let i = (docs.binary_search_by(|d| d.rel_path.as_str().cmp(path))).ok()?;
        Some(&docs[i])
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
    pub fn lists_after(&self) -> (Key, &HashMap<Key, Arc<[u8]>>) {
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
        let glances = self.disk.as_mut().map(|d| std::mem::take(&mut d.glances));
        let input = render::RenderInput {
            glances: glances.as_ref(),
            ..pipeline::render_input(sources, &site, &links, &analyses, &figs, &theme, &timeline)
        };
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
    /// the parsed files ([`Engine::parsed`], taken out for the build;
    /// `keep` puts them back), the site, and each page's own key.
    fn read(
        &mut self,
        sources: &Sources,
        changed: Option<&[String]>,
        opts: &Options,
        b: &mut Building,
    ) -> (Parsed, Site, Vec<Key>) {
        let (hashes, moved) = self.hash(sources, changed);
        let by_path: BTreeMap<&str, Key> = (sources.files.iter())
            .zip(&hashes)
            .map(|(f, &h)| (f.rel_path.as_str(), h))
            .collect();
        let n = self.parse(sources, &hashes, moved, &mut b.diags);
        let parsed = std::mem::take(&mut self.parsed);
        b.redone.parsed = n;
        b.laps.lap(&mut b.r, "parse");
        let keys = OwnKeys::new(sources, &by_path, opts);
        if self.lists_guard.is_some_and(|g| g != keys.site_wide) {
            // A list memo made under other site-wide inputs (an edited
            // template in `serve`, or the build cache's from another
            // build): its keys do not cover those, so drop it.
            self.lists.clear();
            self.items = render::ItemMemo::default();
        }
        self.lists_guard = Some(keys.site_wide);
        let (site, doc_keys, modelled) = self.model(&parsed, &keys, opts, &mut b.diags);
        b.redone.modelled = modelled;
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
    /// names (all when `None`) and those the last build did not have; and
    /// whether files appeared or disappeared since the last build.
    fn hash(&mut self, sources: &Sources, changed: Option<&[String]>) -> (Vec<Key>, bool) {
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
        let mut moved = false;
        for (f, &k) in sources.files.iter().zip(&hashes) {
            match self.hashes.get_mut(&f.rel_path) {
                Some(old) => *old = k,
                None => {
                    moved = true;
                    self.hashes.insert(f.rel_path.clone(), k);
                }
            }
        }
        if self.hashes.len() > sources.files.len() {
            moved = true;
            let present: std::collections::HashSet<&str> =
                sources.files.iter().map(|f| f.rel_path.as_str()).collect();
            self.hashes.retain(|p, _| present.contains(p.as_str()));
        }
        (hashes, moved)
    }

    /// Parse the files whose bytes changed and put them in
    /// [`Engine::parsed`] (`moved`: files appeared or disappeared since the
    /// last build, which [`Engine::parsed`] then forgets). Returns how many
    /// files were parsed.
    fn parse(
        &mut self,
        sources: &Sources,
        hashes: &[Key],
        moved: bool,
        diags: &mut Diagnostics,
    ) -> usize {
        if moved {
            // Files gone since the last build are forgotten.
            let present = |kind: FileKind| -> std::collections::HashSet<&str> {
                sources.of_kind(kind).map(|f| f.rel_path.as_str()).collect()
            };
            let pages = present(FileKind::Page);
            self.docs.retain(|p, _| pages.contains(p.as_str()));
            (self.parsed.docs).retain(|d| pages.contains(d.rel_path.as_str()));
            let tables = present(FileKind::DataCsv);
            self.csvs.retain(|p, _| tables.contains(p.as_str()));
            (self.parsed.csvs).retain(|c| tables.contains(c.rel_path.as_str()));
        }
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
        for (f, h) in todo_csvs.iter() {
            let (value, diags) = parse::parse_csv(&f.rel_path, &f.bytes);
            self.csvs.insert(
                f.rel_path.clone(),
                ParsedFile {
                    hash: *h,
                    value,
                    diags,
                },
            );
        }
        let todo = |t: &[(&crate::discover::SourceFile, Key)]| {
            t.iter()
                .map(|(f, _)| f.rel_path.clone())
                .collect::<Vec<_>>()
        };
        place(
            &mut self.parsed.docs,
            &mut self.docs,
            todo(&todo_docs),
            |d| &d.rel_path,
        );
        place(
            &mut self.parsed.csvs,
            &mut self.csvs,
            todo(&todo_csvs),
            |c| &c.rel_path,
        );
        // Every file's parse diagnostics, in path order.
        let mut noted: Vec<(&str, &Diagnostics)> = (self.docs.iter())
            .map(|(p, f)| (p.as_str(), &f.diags))
            .filter(|(_, d)| !d.is_empty())
            .collect();
        noted.extend(
            (self.csvs.iter())
                .map(|(p, f)| (p.as_str(), &f.diags))
                .filter(|(_, d)| !d.is_empty()),
        );
        noted.sort_by_key(|(p, _)| *p);
        for (_, d) in noted {
            diags.extend(d.clone());
        }
        n
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
    ) -> (Site, HashMap<&'p str, Key>, usize) {
        let over = opts.overrides();
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let old = std::sync::Mutex::new(std::mem::take(&mut self.models));
        let doc_keys: HashMap<&str, Key> = parsed
            .docs
            .iter()
            .map(|d| (d.rel_path.as_str(), keys.of(&d.rel_path)))
            .collect();
        let stored = std::sync::Mutex::new(std::mem::take(&mut self.stored_models));
        let unsafe_html = model::unsafe_html(&parsed.docs);
        // A page reused is moved out of the memo; `keep` puts it back. One
        // the build cache kept is given its body.
        let earlier = |doc: &ParsedDoc| {
            let key = &doc_keys[doc.rel_path.as_str()];
            let mut old = old.lock().unwrap_or_else(|e| e.into_inner());
            let out = match old.remove(key) {
                Some(out) => out,
                None => {
                    drop(old);
                    let mut stored = stored.lock().unwrap_or_else(|e| e.into_inner());
                    let mut out = stored.remove(key)?;
                    drop(stored);
                    out.restore_body(doc, unsafe_html);
                    out
                }
            };
            taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(out)
        };
        let (site, d, outs) = model::build_with(parsed, &over, Some(&earlier));
        diags.extend(d);
        let modelled = outs.len() - taken.into_inner();
        // Keep the documents of this build only (room made at once: a
        // page's record is large, and growing the table step by step
        // copied every record several times).
        self.model_keys.clear();
        self.models.reserve(outs.len());
        for (path, out) in outs {
            let key = doc_keys[path.as_str()];
            self.models.insert(key, out);
            self.model_keys.insert(path, key);
        }
        (site, doc_keys, modelled)
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
        let record = |done: &Done<Vec<OutcomeResult>>, results: &[OutcomeResult]| CachedTrial {
            diags: done.diags.0.clone(),
            reproduced: done.lines.clone(),
            glance: render::card::trial_glance(results),
        };
        let mut glances = BTreeMap::new();
        let mut old = std::mem::take(&mut self.trials);
        self.trials.reserve(old.len().max(own.len() / 2));
        let mut todo = Vec::new();
        for (i, p) in site.pages.iter().enumerate() {
            if !matches!(p.kind, PageKind::Trial(_)) {
                continue;
            }
            if let Some(mut done) = old.remove(&own[i]) {
                diags.extend(done.diags.clone());
                if disk {
                    records.push((own[i], record(&done, &done.value)));
                }
                out.trials.insert(i, std::mem::take(&mut done.value));
                lines.insert(i, done.lines.clone());
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
                    if let Some(g) = &t.glance {
                        glances.insert(i, g.clone());
                    }
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
            let done = Done {
                value: Vec::new(),
                diags: d,
                lines: reproduced.clone(),
            };
            if disk {
                records.push((own[i], record(&done, &value)));
            }
            out.trials.insert(i, value);
            lines.insert(i, reproduced);
            self.trials.insert(own[i], done);
        }
        if let Some(d) = &mut self.disk {
            d.trial_records = records;
            d.glances = glances;
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
        self.figures.reserve(drawn.len());
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
        let templates = match render::Templates::compile(input.theme, self.templates.take()) {
            Ok(t) => self.templates.insert(t),
            Err(d) => {
                diags.extend(d);
                return None;
            }
        };
        let renderer = render::Renderer::with_templates(input, templates);
        let mut memo = render::ListMemo::new(std::mem::take(&mut self.lists))
            .with_page_keys(keyed.deps.to_vec(), keyed.site_key)
            .with_items(std::mem::take(&mut self.items));
        // The term shards are kept between builds of one engine (`serve`),
        // not in the build cache: a build with it makes them from scratch.
        if self.disk.is_none() {
            memo = memo.with_terms(std::mem::take(&mut self.terms));
        }
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
        self.items = memo.take_items();
        self.lists = memo.into_kept();
        let mut next = NextOutput::default();
        let pages = self.gather(fresh, keyed, &mut next, diags);
        // A site-wide file the memo held is shared with it (and with the
        // last output, when it was there too). One made again with the
        // bytes it had shares the last build's allocation: one comparison
        // here spares a copy, and the worker's version and the count of
        // changed files then see it by pointer.
        for f in site_files {
            let bytes = match f.bytes {
                render::SiteBytes::Shared(b) => b,
                render::SiteBytes::Fresh(b) => match self.output.get(&f.path) {
                    Some(old) if old[..] == b[..] => Arc::clone(old),
                    _ => Arc::from(b),
                },
            };
            next.put(f.path, bytes);
        }
        next.seal(diags);
        laps.lap(r, "output map");
        if let Some(sw) =
            render::offline::service_worker(input.site, next.digests(&mut self.digests))
        {
            next.put_sealed(sw.path, Arc::from(sw.bytes), diags);
        }
        laps.lap(r, "worker");
        for rp in pages.values() {
            diags.extend(rp.diags.clone());
        }
        if diags.has_errors() {
            self.pages.extend(pages);
            return None;
        }
        let changed = changed_files(&self.output, &next.files);
        if let Some(disk) = &mut self.disk {
            disk.kept = next.kept;
            disk.records = next.records;
            disk.kept_pages = keyed.cached.iter().flatten().count();
        }
        self.pages = pages;
        // In path order, without duplicates: built in one pass.
        self.output = Arc::new(next.files.into_iter().collect());
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
                next.put(p.clone(), Arc::clone(b));
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
        self.parsed = parsed;
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
/// The files are gathered in any order, then put in path order at once
/// ([`NextOutput::seal`]).
#[derive(Default)]
struct NextOutput {
    files: Vec<(String, Arc<[u8]>)>,
    kept: Vec<String>,
    kept_set: BTreeSet<String>,
    records: Vec<(Key, CachedPage)>,
}

impl NextOutput {
    /// Add a file with its bytes (a second file at one path is an error
    /// [`NextOutput::seal`] reports).
    fn put(&mut self, path: String, bytes: Arc<[u8]>) {
        self.files.push((path, bytes));
    }

    /// Put the files in path order; a second file at one path (or at the
    /// path of a kept file) is an error, and the first one stays.
    fn seal(&mut self, diags: &mut Diagnostics) {
        // Stable: of two files at one path, the first given stays first.
        self.files.sort_by(|a, b| a.0.cmp(&b.0));
        let kept = &self.kept_set;
        let mut last: Option<&str> = None;
        let mut dup = Vec::new();
        for (i, (p, _)) in self.files.iter().enumerate() {
            if last == Some(p.as_str()) || (!kept.is_empty() && kept.contains(p)) {
                diags.push(render::duplicate_output(p));
                dup.push(i);
            }
            last = Some(p.as_str());
        }
        for i in dup.into_iter().rev() {
            self.files.remove(i);
        }
    }

    /// Add a file once the files are in path order.
    fn put_sealed(&mut self, path: String, bytes: Arc<[u8]>, diags: &mut Diagnostics) {
        match self.files.binary_search_by(|(p, _)| p.cmp(&path)) {
            Ok(_) => diags.push(render::duplicate_output(&path)),
            Err(_) if self.kept_set.contains(&path) => diags.push(render::duplicate_output(&path)),
            Err(i) => self.files.insert(i, (path, bytes)),
        }
    }

    /// Every output file's path and the key of its bytes (for the service
    /// worker's version; a file kept in the last output folder by the key
    /// its record gives), once the files are in path order. A file whose
    /// bytes are those `known` keyed last time (the very allocation, for a
    /// page kept from the last build or a list page taken from the memo,
    /// or equal bytes, for a file made again: comparing is much cheaper
    /// than hashing) is not hashed again; `known` (in path order too)
    /// becomes this build's.
    fn digests(&self, known: &mut Vec<(String, Arc<[u8]>, Key)>) -> Vec<(String, Key)> {
        let last = std::mem::take(known);
        // Both lists are in path order: one pass pairs each file with the
        // last build's at its path.
        let mut j = 0;
        let before: Vec<Option<&(String, Arc<[u8]>, Key)>> = (self.files.iter())
            .map(|(p, _)| {
                while j < last.len() && last[j].0 < *p {
                    j += 1;
                }
                last.get(j).filter(|l| l.0 == *p)
            })
            .collect();
        let keys: Vec<Key> = (self.files.par_iter().zip(before))
            .map(|((_, b), old)| match old {
                Some((_, old, k)) if Arc::ptr_eq(old, b) || old[..] == b[..] => *k,
                _ => crate::key::hash_bytes(b),
            })
            .collect();
        let mut v = Vec::with_capacity(self.files.len());
        known.reserve(self.files.len());
        for ((p, b), k) in self.files.iter().zip(keys) {
            v.push((p.clone(), k));
            known.push((p.clone(), Arc::clone(b), k));
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

    /// Add a file the last output folder holds unchanged (a file at its
    /// path given before or after is an error).
    fn keep(&mut self, path: &str, diags: &mut Diagnostics) {
        if !self.kept_set.insert(path.to_string()) {
            diags.push(render::duplicate_output(path));
        } else {
            self.kept.push(path.to_string());
        }
    }
}

/// Put the parses `files` holds (those of the paths `fresh`, parsed by
/// this build, and any not placed yet) into `kept`, which is in path order
/// (`path` gives an item's): each replaces the item of its path, or is
/// inserted, or, for a file that did not parse, takes the item out.
/// Unchanged items are not moved, unless many files changed at once.
fn place<T>(
    kept: &mut Vec<T>,
    files: &mut HashMap<String, ParsedFile<T>>,
    mut fresh: Vec<String>,
    path: impl Fn(&T) -> &String,
) {
    fresh.extend(
        (files.iter())
            .filter(|(_, f)| f.value.is_some())
            .map(|(p, _)| p.clone()),
    );
    fresh.sort_unstable();
    fresh.dedup();
    let mut take = |p: &str| files.get_mut(p).and_then(|f| f.value.take());
    if fresh.len() <= 64 {
        for p in &fresh {
            let at = kept.binary_search_by(|d| path(d).as_str().cmp(p));
            match (at, take(p)) {
                (Ok(i), Some(v)) => kept[i] = v,
                (Ok(i), None) => {
                    kept.remove(i);
                }
                (Err(i), Some(v)) => kept.insert(i, v),
                (Err(_), None) => {}
            }
        }
        return;
    }
    // Many: one merge of the two sorted lists.
    let old = std::mem::take(kept);
    kept.reserve(old.len() + fresh.len());
    let mut old = old.into_iter().peekable();
    for p in &fresh {
        while let Some(d) = old.next_if(|d| path(d) < p) {
            kept.push(d);
        }
        old.next_if(|d| path(d) == p);
        kept.extend(take(p));
    }
    kept.extend(old);
}

/// How many files differ between the outputs `old` and `new` (both in
/// path order): changed, new or gone. A file shared with the last output
/// is the same without a look at its bytes.
fn changed_files(old: &BTreeMap<String, Arc<[u8]>>, new: &[(String, Arc<[u8]>)]) -> usize {
    let same = |a: &Arc<[u8]>, b: &Arc<[u8]>| Arc::ptr_eq(a, b) || a[..] == b[..];
    let mut old = old.iter().peekable();
    let mut n = 0;
    for (p, b) in new {
        while old.next_if(|(q, _)| *q < p).is_some() {
            n += 1;
        }
        match old.next_if(|(q, _)| *q == p) {
            Some((_, a)) if same(a, b) => {}
            _ => n += 1,
        }
    }
    n + old.count()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(path: &str, n: u8) -> (String, ParsedFile<(String, u8)>) {
        let file = ParsedFile {
            hash: Key::from(n),
            value: Some((path.to_string(), n)),
            diags: Diagnostics::new(),
        };
        (path.to_string(), file)
    }

    /// `place` with `fresh` parsed into `files`, `failed` not parsing.
    fn placed(kept: &mut Vec<(String, u8)>, fresh: &[(&str, u8)], failed: &[&str]) {
        let mut files: HashMap<String, ParsedFile<(String, u8)>> =
            fresh.iter().map(|&(p, n)| parsed(p, n)).collect();
        for p in failed {
            let (path, mut f) = parsed(p, 0);
            f.value = None;
            files.insert(path, f);
        }
        let mut paths: Vec<String> = fresh.iter().map(|(p, _)| p.to_string()).collect();
        paths.extend(failed.iter().map(|p| p.to_string()));
        place(kept, &mut files, paths, |d| &d.0);
        assert!(
            files.values().all(|f| f.value.is_none()),
            "every parse is placed"
        );
    }

    #[test]
    fn parses_are_placed_in_path_order_replacing_inserting_and_removing() {
        let mut kept: Vec<(String, u8)> = vec![("b".into(), 1), ("d".into(), 1), ("f".into(), 1)];
        placed(&mut kept, &[("d", 2), ("a", 2), ("e", 2)], &["f"]);
        let want = [("a", 2), ("b", 1), ("d", 2), ("e", 2)];
        let want: Vec<(String, u8)> = want.iter().map(|&(p, n)| (p.to_string(), n)).collect();
        assert_eq!(kept, want);
    }

    #[test]
    fn many_parses_are_merged_as_few_are() {
        // Over the threshold the lists are merged; the result is the same.
        let old: Vec<(String, u8)> = (0..300).map(|i| (format!("p{i:03}"), 1)).collect();
        let fresh: Vec<(String, u8)> = (0..600)
            .filter(|i| i % 3 == 0)
            .map(|i| (format!("p{i:03}"), 2))
            .collect();
        let fresh_refs: Vec<(&str, u8)> = fresh.iter().map(|(p, n)| (p.as_str(), *n)).collect();
        let mut many = old.clone();
        placed(&mut many, &fresh_refs, &["p001", "p299"]);
        let mut few = old;
        for chunk in fresh_refs.chunks(50) {
            placed(&mut few, chunk, &[]);
        }
        placed(&mut few, &[], &["p001", "p299"]);
        assert_eq!(many, few);
        assert!(many.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(many.len(), 300 + 100 - 2);
    }

    fn file(path: &str, bytes: &[u8]) -> (String, Arc<[u8]>) {
        (path.to_string(), Arc::from(bytes))
    }

    #[test]
    fn changed_files_counts_edits_additions_and_removals() {
        let old: BTreeMap<String, Arc<[u8]>> = [file("a", b"1"), file("b", b"2"), file("c", b"3")]
            .into_iter()
            .collect();
        let shared = Arc::clone(&old["a"]);
        let new = vec![
            ("a".to_string(), shared),
            file("b", b"2"),
            file("bb", b"new"),
            file("c", b"changed"),
        ];
        // bb is new, c changed; a (shared) and b (equal bytes) did not.
        assert_eq!(changed_files(&old, &new), 2);
        assert_eq!(changed_files(&old, &new[..2]), 1, "c is gone");
        assert_eq!(changed_files(&BTreeMap::new(), &new), 4);
    }

    #[test]
    fn sealing_sorts_the_files_and_reports_a_second_one_at_a_path() {
        let mut next = NextOutput::default();
        let mut diags = Diagnostics::new();
        let (p, first) = file("b", b"first");
        next.put(p, Arc::clone(&first));
        let (p, b) = file("a", b"a");
        next.put(p, b);
        let (p, b) = file("b", b"second");
        next.put(p, b);
        next.seal(&mut diags);
        let paths: Vec<&str> = next.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["a", "b"]);
        assert!(Arc::ptr_eq(&next.files[1].1, &first), "the first one stays");
        assert_eq!(diags.0, vec![render::duplicate_output("b")]);
        let (p, b) = file("a", b"again");
        next.put_sealed(p, b, &mut diags);
        let (p, b) = file("ab", b"ab");
        next.put_sealed(p, b, &mut diags);
        let paths: Vec<&str> = next.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["a", "ab", "b"]);
        assert_eq!(diags.0.len(), 2);
    }

    #[test]
    fn digests_reuse_the_keys_of_unchanged_files() {
        let mut next = NextOutput::default();
        for (p, b) in [file("a", b"1"), file("b", b"2"), file("c", b"3")] {
            next.put(p, b);
        }
        next.seal(&mut Diagnostics::new());
        let mut known = Vec::new();
        let first = next.digests(&mut known);
        let want: Vec<(String, Key)> = (next.files.iter())
            .map(|(p, b)| (p.clone(), hash_bytes(b)))
            .collect();
        assert_eq!(first, want);
        // A stale key under the same bytes shows that it is taken, not
        // computed again; new bytes at a path are hashed.
        known[0].2 = 7;
        let mut again = NextOutput::default();
        again.put("a".into(), Arc::clone(&next.files[0].1));
        again.put("b".into(), Arc::from(&b"2"[..]));
        again.put("c".into(), Arc::from(&b"changed"[..]));
        again.put("d".into(), Arc::from(&b"4"[..]));
        again.seal(&mut Diagnostics::new());
        let keys: Vec<Key> = again
            .digests(&mut known)
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        assert_eq!(
            keys,
            [
                7,
                hash_bytes(b"2"),
                hash_bytes(b"changed"),
                hash_bytes(b"4")
            ]
        );
        assert_eq!(known.len(), 4);
    }
}
