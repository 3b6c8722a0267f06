//! The orchestrator: the stages in order, timed, with their diagnostics.
//!
//! `build` reads like the table of contents of a build. Each stage gets
//! plain data and returns plain data plus diagnostics; an error in any
//! stage stops the build *before* writing, so the last good output stays.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, Diagnostics};
use crate::discover::{FileKind, Sources};
use crate::{analyse, discover, figures, history, link, model, parse, render, write};

/// What to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// Site root (holds `content/`).
    pub root: PathBuf,
    /// Output folder; `None` means do not write (check mode).
    pub output: Option<PathBuf>,
    /// Override of the site's base URL.
    pub base_url: Option<String>,
    /// Include draft pages.
    pub drafts: bool,
    /// Replace a non-empty output folder that has no
    /// [`write::MARKER`] (never a protected folder: see [`mod@write`]).
    pub force: bool,
    /// Keep the rendered files in [`Report::output`] (for `appraise serve`,
    /// which serves them from memory).
    pub keep_files: bool,
    /// Use the build cache across runs ([`crate::cache`]): render only the
    /// pages whose inputs changed since the last build into `output`.
    pub cache: bool,
    /// Show what changed since the latest released version ("Changes
    /// since version N") on topic pages and `/changes/`: `serve` and
    /// `build --drafts` do, a plain build does not.
    pub unreleased: bool,
    /// The day of `SOURCE_DATE_EPOCH` (read by the command line): the
    /// reference date of "results overdue", before the site's own dates.
    pub source_date: Option<model::Date>,
}

impl Options {
    /// Build in memory, touching no disk (the output kept in
    /// [`Report::output`]): what tests, fuzz targets and previews start from.
    pub fn in_memory(root: PathBuf) -> Self {
        Options {
            root,
            output: None,
            base_url: None,
            drafts: false,
            force: false,
            keep_files: true,
            cache: false,
            unreleased: false,
            source_date: None,
        }
    }

    /// What the command line sets over the site's configuration.
    pub fn overrides(&self) -> model::Overrides {
        model::Overrides {
            drafts: self.drafts,
            base_url: self.base_url.clone(),
            source_date: self.source_date,
        }
    }
}

/// Time per stage, for [`Report::timings`].
pub(crate) struct Laps(Instant);

impl Laps {
    /// Start timing the first stage.
    pub(crate) fn start() -> Self {
        Laps(Instant::now())
    }
    /// The stage `name` ends now; the next starts.
    pub(crate) fn lap(&mut self, r: &mut Report, name: &'static str) {
        r.timings.push((name, self.0.elapsed()));
        self.0 = Instant::now();
    }
}

/// What a build produced.
#[derive(Debug, Default)]
pub struct Report {
    /// Every diagnostic, sorted.
    pub diagnostics: Diagnostics,
    /// Pages rendered (HTML files).
    pub pages: usize,
    /// Charts drawn.
    pub charts: usize,
    /// Files in the output.
    pub files: usize,
    /// Whether the output was written.
    pub written: bool,
    /// One line per printed effect that adds up (or, when it cannot be
    /// recomputed, is internally consistent), naming the method that
    /// reproduces it (`appraise check` prints them).
    pub reproduced: Vec<String>,
    /// Time per stage.
    pub timings: Vec<(&'static str, Duration)>,
    /// Total time.
    pub elapsed: Duration,
    /// The rendered site, when [`Options::keep_files`] was set.
    pub output: Vec<write::OutputFile>,
    /// With [`Options::cache`]: the pages rendered, and the pages whose
    /// files were kept from the last output unchanged.
    pub cached: Option<(usize, usize)>,
    /// With [`Options::cache`]: the page and CSV files read and parsed
    /// (the other pages' parses were the build cache's).
    pub parsed: Option<usize>,
    /// With [`Options::cache`]: the pages whose model was made (the
    /// others' were the build cache's: their files and their bundles' CSV
    /// files, and the site-wide inputs, were unchanged).
    pub modelled: Option<usize>,
    /// The evidence state this build computed (what `appraise release`
    /// records).
    pub evidence: history::State,
    /// The number the next released version gets.
    pub next_version: u32,
    /// The evidence state of the latest released version, if any.
    pub latest_evidence: Option<history::State>,
}

impl Report {
    /// Whether the build failed.
    pub fn failed(&self) -> bool {
        self.diagnostics.has_errors()
    }
    /// The one-line summary printed at the end of a build.
    pub fn summary(&self) -> String {
        let verb = if self.written || !self.output.is_empty() {
            "built"
        } else {
            "checked"
        };
        let warn = self.diagnostics.warning_count();
        let warn = if warn > 0 {
            format!(", {warn} warning{}", if warn == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        let cache = match self.cached {
            Some((rendered, kept)) => {
                format!(" ({rendered} pages rendered, {kept} unchanged from the cache)")
            }
            None => String::new(),
        };
        format!(
            "{verb} {} pages, {} charts, {} files in {:.2} s{cache}{warn}",
            self.pages,
            self.charts,
            self.files,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Run the pipeline. Writes only when `opts.output` is set and there is no error.
pub fn build(opts: &Options) -> Report {
    let start = Instant::now();
    let (mut sources, d) = discover::discover(&opts.root);
    let mut r = Report::default();
    let mut laps = Laps::start();
    r.timings.push(("discover", start.elapsed()));
    let mut diags = d;
    // Each page's bytes are freed once it is parsed: they are not needed again.
    let (parsed, d) = parse::parse_taking(&mut sources);
    diags.extend(d);
    laps.lap(&mut r, "parse");
    from_parsed(&sources, parsed, diags, opts, r, laps, start)
}

/// Run the pipeline with the build cache ([`Options::cache`]; `opts.output`
/// must be set): the incremental engine renders only the pages whose
/// inputs changed since the build that wrote the cache, the write stage
/// keeps the other pages' files from the last output, and the cache is
/// saved for the next build. The output is the one [`build`] would write.
/// [`Report::evidence`] lacks the primary results of trials that were not
/// analysed again unless `opts.unreleased` (which needs them all, and so
/// analyses every trial); `appraise release` builds without the cache.
pub fn build_cached(opts: &Options) -> Report {
    use crate::cache::{BuildCache, SourceCache, FILE};
    let start = Instant::now();
    let Some(out) = opts.output.as_deref() else {
        let (sources, diags) = discover::discover(&opts.root);
        return build_sources(&sources, diags, opts);
    };
    let parsed =
        SourceCache::read(|n| discover::map_cache(&opts.root, &crate::cache::sources_file(n)));
    let shards_read = parsed.digests.clone();
    let (mut sources, mut diags, listed) =
        discover::discover_known(&opts.root, |p| parsed.stamp(p));
    let (revived, stale) = revive(parsed, &listed.unread);
    if !stale.is_empty() {
        let paths: Vec<PathBuf> = stale.iter().map(|p| opts.root.join(p)).collect();
        diags.extend(discover::refresh(&opts.root, &mut sources, &paths));
    }
    let discovered = start.elapsed();
    // The output is locked before it is listed, so no other build changes
    // it between the listing and the switch.
    let staging = open_staging(opts, true, &mut diags);
    let name = out.display().to_string();
    // The output's listing and the build cache, and the list memo, are
    // read side by side; the files' bytes as read are kept, so that one
    // the build leaves the same is not written again.
    let ((listing, cache, cache_bytes), (lists, lists_bytes)) = rayon::join(
        || {
            let listing = discover::output_listing(out);
            let bytes = discover::read_cache(&opts.root, FILE);
            (listing, BuildCache::read(bytes.as_deref(), &name), bytes)
        },
        || {
            let bytes = discover::read_cache(&opts.root, crate::cache::LISTS_FILE);
            let lists = (bytes.as_deref()).and_then(crate::cache::ListsCache::read);
            (lists, bytes)
        },
    );
    let mut engine = crate::incremental::Engine::with_cache(cache, listing).with_parsed(revived);
    if let Some(lists) = lists {
        engine = engine.with_lists(lists);
    }
    let (mut r, redone) = engine.build(&sources, diags, opts);
    r.timings.insert(0, ("discover", discovered));
    r.cached = Some((redone.rendered, engine.kept_pages()));
    r.parsed = Some(redone.parsed);
    r.modelled = Some(redone.modelled);
    let mut laps = Laps::start();
    if let (Some(st), false) = (staging, r.failed()) {
        let written = st
            .sync(engine.output(), engine.kept())
            .and_then(|()| st.commit());
        match written {
            Ok(()) => {
                r.written = true;
                // The files written are stamped again; the kept ones are
                // links of the files listed before the build.
                let written = engine.output().keys().map(String::as_str);
                let mut listing = discover::output_stamps(out, written);
                listing.extend(engine.kept_stamps());
                let cache = engine.cache_after(&name, listing).to_bytes();
                let before = Before {
                    cache: cache_bytes.as_deref(),
                    lists: lists_bytes.as_deref(),
                };
                let saved =
                    save_caches(opts, &engine, &cache, before, &listed.stamps, &shards_read);
                if let Err(e) = saved {
                    r.diagnostics.push(Diagnostic::warning(
                        crate::cache::DIR,
                        0,
                        0,
                        format!("cannot save the build cache: {e}"),
                    ));
                }
            }
            Err(e) => r.diagnostics.push(write_failed(opts, e)),
        }
        laps.lap(&mut r, "write");
    }
    // Freeing what 10,000 pages took is a tenth of a build that renders
    // one: another thread does it, which the end of the process does not
    // wait for.
    std::thread::spawn(move || drop((engine, sources, cache_bytes, lists_bytes)));
    r.elapsed = start.elapsed();
    r
}

/// Save the build cache after a build: `cache` (the bytes of
/// [`crate::cache::FILE`]), the shards of the parsed pages that changed
/// ([`crate::incremental::Engine::parsed_after`], from discover's `stamps`
/// and the digests of the shards `shards_read`) and the list memo. A file
/// whose bytes are those it had when read (`before`) is not written again.
fn save_caches(
    opts: &Options,
    engine: &crate::incremental::Engine,
    cache: &[u8],
    before: Before,
    stamps: &std::collections::HashMap<String, crate::cache::FileStamp>,
    shards_read: &[Option<crate::key::Key>],
) -> std::io::Result<()> {
    use crate::cache::{FILE, LISTS_FILE, OLD_SOURCES_FILE};
    let save = |name: &str, bytes: &[u8], before: Option<&[u8]>| {
        if before == Some(bytes) {
            return Ok(());
        }
        write::save_cache(&opts.root, name, bytes)
    };
    save(FILE, cache, before.cache)?;
    // Only the shards whose pages changed are written.
    for (name, bytes) in engine.parsed_after(stamps, shards_read) {
        write::save_cache(&opts.root, &name, &bytes)?;
    }
    write::remove_cache(&opts.root, OLD_SOURCES_FILE)?;
    let (guard, lists) = engine.lists_after();
    save(
        LISTS_FILE,
        &crate::cache::ListsCache::to_bytes(guard, lists),
        before.lists,
    )
}

/// The bytes the build cache's files had when this build read them.
struct Before<'a> {
    /// [`crate::cache::FILE`].
    cache: Option<&'a [u8]>,
    /// [`crate::cache::LISTS_FILE`].
    lists: Option<&'a [u8]>,
}

/// The pages of the build cache's `parsed` pages that discover left
/// `unread`, as the engine takes them ([`crate::incremental::Engine::with_parsed`]),
/// and the paths of those that cannot be revived (read them again).
fn revive(
    parsed: crate::cache::SourceCache,
    unread: &std::collections::HashSet<String>,
) -> (Vec<(String, crate::cache::Revived)>, Vec<String>) {
    use rayon::prelude::*;
    let wanted: Vec<(String, crate::cache::CachedSource)> = (parsed.pages.into_iter())
        .filter(|(p, _)| unread.contains(p))
        .collect();
    let revived: Vec<(String, Option<_>)> = wanted
        .into_par_iter()
        .map(|(p, rec)| {
            let r = rec.revive(&p);
            (p, r)
        })
        .collect();
    // Every page left unread has a record: discover found its stamp there.
    let mut stale = Vec::new();
    let mut ok = Vec::with_capacity(revived.len());
    for (p, r) in revived {
        match r {
            Some(r) => ok.push((p, r)),
            None => stale.push(p),
        }
    }
    (ok, stale)
}

/// Run every stage after discover on files already in memory: parse,
/// model, link, analyse, charts, render, and write when `opts.output` is
/// set and there is no error (`opts.root` is then the site root the output
/// is checked against). `diags` are discover's diagnostics (empty for
/// sources that were not read from a disk); with `opts.output` `None`
/// nothing touches the disk, which is how the `build_page` fuzz target
/// builds a page.
pub fn build_sources(sources: &Sources, diags: Diagnostics, opts: &Options) -> Report {
    let start = Instant::now();
    let mut r = Report::default();
    let mut diags = diags;
    let mut laps = Laps::start();
    let (parsed, d) = parse::parse(sources);
    diags.extend(d);
    laps.lap(&mut r, "parse");
    from_parsed(sources, parsed, diags, opts, r, laps, start)
}

/// The stages after parse; the model consumes `parsed`, freeing each
/// document once its page is built.
fn from_parsed(
    sources: &Sources,
    parsed: parse::Parsed,
    mut diags: Diagnostics,
    opts: &Options,
    mut r: Report,
    mut laps: Laps,
    start: Instant,
) -> Report {
    let mut site = model_stage(parsed, opts, &mut diags);
    laps.lap(&mut r, "model");
    let (links, d) = link::link(&site);
    diags.extend(d);
    laps.lap(&mut r, "link");
    let (analyses, d) = analyse::analyse(&site, &links);
    diags.extend(d);
    laps.lap(&mut r, "analyse");
    r.reproduced = reproduced_lines(&site, &analyses);
    let (hist, d) = history::load(sources);
    diags.extend(d);
    let timeline = history_stage(&hist, &site, &links, &analyses, opts, &mut r);
    // Each page's body and charts are let go once it is rendered: the
    // charts are drawn then.
    let bodies = render::Bodies::from_site(&mut site);
    let figs = figures::OnDemand::new(&site, &links, &analyses);
    laps.lap(&mut r, "chart");
    let (theme, d) = render::theme::resolve(sources, &site.config.theme);
    diags.extend(d);
    let drawn = figures::Figures::default();
    let input = render::RenderInput {
        on_demand: Some(&figs),
        bodies: Some(&bodies),
        ..render_input(sources, &site, &links, &analyses, &drawn, &theme, &timeline)
    };
    // Pages are written into the staging folder as they are rendered.
    let staging = open_staging(opts, false, &mut diags);
    let kept = Mutex::new(Vec::new());
    let write_error = Mutex::new(None);
    let sink = |files: Vec<write::OutputFile>| {
        if let Some(st) = &staging {
            if let Err(e) = st.put(&files) {
                write_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
        }
        if opts.keep_files {
            kept.lock().unwrap_or_else(|e| e.into_inner()).extend(files);
        }
    };
    let (paths, d) = render::render_into(&input, &sink);
    diags.extend(d);
    r.charts = figs.count();
    r.pages = paths.iter().filter(|p| p.ends_with(".html")).count();
    r.files = paths.len();
    laps.lap(&mut r, "render");
    diags.sort();
    drop(input);
    drop(figs);
    // The site and its results (about 45 ms to free at 10,000 pages) are
    // let go on a thread of their own while the output is switched in and
    // the old one removed.
    let model = (site, links, analyses, hist, timeline, bodies, theme, drawn);
    std::thread::scope(|s| {
        s.spawn(move || drop(model));
        if let Some(st) = staging {
            let error = write_error.into_inner().unwrap_or_else(|e| e.into_inner());
            let result = match error {
                Some(e) => Err(e),
                None if diags.has_errors() => Ok(()),
                None => st.commit().map(|()| r.written = true),
            };
            if let Err(e) = result {
                diags.push(write_failed(opts, e));
            }
            laps.lap(&mut r, "write");
        }
    });
    r.diagnostics = diags;
    r.elapsed = start.elapsed();
    if opts.keep_files {
        let mut files = kept.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        r.output = files;
    }
    r
}

/// The model stage with the build's overrides (`--drafts`, `--base-url`),
/// consuming the parsed documents.
pub(crate) fn model_stage(
    parsed: parse::Parsed,
    opts: &Options,
    diags: &mut Diagnostics,
) -> model::Site {
    let (site, d) = model::build_owned(parsed, &opts.overrides());
    diags.extend(d);
    site
}

/// The history stage, given the released versions ([`history::load`]):
/// record this build's evidence state in the report (with the next
/// version's number), and give the timeline render shows (with the
/// unreleased changes when `opts.unreleased`).
pub(crate) fn history_stage(
    hist: &history::History,
    site: &model::Site,
    links: &link::Links,
    analyses: &analyse::Analyses,
    opts: &Options,
    r: &mut Report,
) -> history::Timeline {
    r.evidence = history::state(site, links, analyses);
    r.next_version = hist.next_number();
    r.latest_evidence = hist.latest().map(|v| v.evidence.clone());
    history::timeline(hist, opts.unreleased.then_some(&r.evidence))
}

/// Everything render reads.
pub(crate) fn render_input<'a>(
    sources: &'a Sources,
    site: &'a model::Site,
    links: &'a link::Links,
    analyses: &'a analyse::Analyses,
    figures: &'a figures::Figures,
    theme: &'a render::theme::Theme,
    timeline: &'a history::Timeline,
) -> render::RenderInput<'a> {
    render::RenderInput {
        site,
        links,
        analyses,
        figures,
        glances: None,
        on_demand: None,
        bodies: None,
        theme,
        timeline,
        assets: copied(sources, FileKind::Asset, "content/"),
        statics: copied(sources, FileKind::Static, "static/"),
    }
}

/// One line per printed effect that adds up or is consistent (what
/// `appraise check` prints as "ok:"), decided by each check's verdict.
pub(crate) fn reproduced_lines(site: &model::Site, analyses: &analyse::Analyses) -> Vec<String> {
    (analyses.trials.iter())
        .flat_map(|(&i, outcomes)| reproduced_lines_of(site, i, outcomes))
        .collect()
}

/// [`reproduced_lines`] of the trial on page `i`, whose results are `outcomes`.
pub(crate) fn reproduced_lines_of(
    site: &model::Site,
    i: usize,
    outcomes: &[analyse::OutcomeResult],
) -> Vec<String> {
    use crate::stats::check::Verdict;
    let mut lines = Vec::new();
    for o in outcomes {
        for c in &o.check {
            match c.verdict {
                Verdict::Reproduced => lines.push(format!(
                    "ok: {}: outcome `{}`: the printed {} adds up: {}",
                    site.pages[i].source, o.id, c.measure, c.summary
                )),
                Verdict::Consistent => lines.push(format!(
                    "ok: {}: outcome `{}`: the printed {} is consistent ({}); it cannot be recomputed from the arm data",
                    site.pages[i].source,
                    o.id,
                    c.measure,
                    if c.p_printed { "its CI and p agree" } else { "its estimate is the middle of its CI" }
                )),
                _ => {}
            }
        }
    }
    lines
}

/// The files of one kind copied into the output, with their path there
/// (`prefix` removed).
pub(crate) fn copied<'s>(
    sources: &'s Sources,
    kind: FileKind,
    prefix: &str,
) -> Vec<(String, &'s [u8])> {
    sources
        .of_kind(kind)
        .map(|f| {
            (
                f.rel_path
                    .strip_prefix(prefix)
                    .unwrap_or(&f.rel_path)
                    .to_string(),
                f.bytes.as_slice(),
            )
        })
        .collect()
}

/// The staging folder of the output, when the build writes one
/// (`opts.output` set, and no error so far), starting from the spare tree
/// when `reuse` ([`write::Staging::open_reusing`]); a refusal (a protected
/// or foreign folder, the lock) becomes an error.
fn open_staging(opts: &Options, reuse: bool, diags: &mut Diagnostics) -> Option<write::Staging> {
    let out = opts.output.as_ref()?;
    if diags.has_errors() {
        return None;
    }
    let dest = write::Destination {
        out,
        root: &opts.root,
        force: opts.force,
    };
    let opened = if reuse {
        write::Staging::open_reusing(&dest)
    } else {
        write::Staging::open(&dest)
    };
    match opened {
        Ok(s) => Some(s),
        Err(e) => {
            diags.push(write_failed(opts, e));
            None
        }
    }
}

/// "cannot write the site", located at the output folder.
fn write_failed(opts: &Options, e: std::io::Error) -> Diagnostic {
    let out = opts.output.as_deref().unwrap_or(std::path::Path::new("."));
    Diagnostic::error(
        &out.display().to_string(),
        0,
        0,
        format!("cannot write the site: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::SourceFile;

    /// Builds a home page and `content/trials/x.md` in memory.
    fn build_page(text: &str) -> Report {
        let page = |rel_path: &str, text: &str| SourceFile {
            rel_path: rel_path.to_string(),
            kind: FileKind::Page,
            bytes: text.as_bytes().to_vec(),
        };
        let sources = Sources {
            files: vec![
                page("content/_index.md", "---\ntitle: In memory\n---\nHello.\n"),
                page("content/trials/x.md", text),
            ],
        };
        let opts = Options::in_memory(PathBuf::from("/nonexistent"));
        build_sources(&sources, Diagnostics::new(), &opts)
    }

    #[test]
    fn a_site_in_memory_builds_without_a_disk() {
        let r = build_page(
            "---\ntitle: X\ntrial:\n  acronym: X\n  arms:\n    - { id: a, label: A, n: 10 }\n    - { id: b, label: B, n: 10, control: true }\n  outcomes:\n    - { id: death, label: Death, binary: { a: 2/10, b: 4/10 } }\n---\nBody.\n",
        );
        assert!(!r.failed(), "{:?}", r.diagnostics);
        assert!(!r.written);
        assert!(r.pages >= 2, "{}", r.summary());
        assert!(r.output.iter().any(|f| f.path.starts_with("trials/x")));
    }

    /// Found by the `build_page` fuzz target: a NUL byte in a page's body
    /// (or a `"\0"` escape in a YAML string) reached the HTML, the
    /// description meta tag and the feed unchanged.
    #[test]
    fn a_nul_in_a_page_never_reaches_the_output() {
        let r = build_page(
            "---\ntitle: \"Ab\\0out\"\ndescription: \"de\\0sc\"\n---\n\nplain a\u{0}b text\n\n`co\u{0}de`\n\n```\nfen\u{0}ced\n```\n\n<b>ht\u{0}ml</b>\n",
        );
        assert!(!r.failed(), "{:?}", r.diagnostics);
        // A social image is binary: NUL bytes are part of PNG.
        for f in r.output.iter().filter(|f| !f.path.ends_with(".png")) {
            assert!(!f.bytes.contains(&0), "NUL byte in {}", f.path);
        }
        let page = r
            .output
            .iter()
            .find(|f| f.path == "trials/x/index.html")
            .unwrap();
        let html = String::from_utf8(page.bytes.clone()).unwrap();
        // The sanitiser's rule: a NUL is removed (crate::sanitize::strip_nul).
        for shown in ["About", "plain ab text", "code", "desc"] {
            assert!(html.contains(shown), "{shown} not in {html}");
        }
    }
}
