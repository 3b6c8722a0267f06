//! The site as a whole: the loop over every parsed document, the site's
//! configuration (`content/_index.md`, with the command line's
//! [`Overrides`]), section front pages, and the checks that need every page
//! at once (two pages claiming one URL, CSV files no trial uses).

use std::collections::{BTreeMap, BTreeSet};

use super::context::{hint, Cx};
use super::page::page;
use super::{Section, Site, SiteConfig};
use crate::diag::{Diagnostic, Diagnostics};
use rayon::prelude::*;

use crate::parse::{Parsed, ParsedCsv, ParsedDoc};

/// What the command line sets over the site's own configuration: an input
/// of this stage, so no later stage edits the site it built.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Keep draft pages (`--drafts`, `serve`).
    pub drafts: bool,
    /// Replace `base_url` of `content/_index.md` (`--base-url`).
    pub base_url: Option<String>,
    /// The day of `SOURCE_DATE_EPOCH`, read by the command line.
    pub source_date: Option<super::Date>,
}

/// One document taken in as a page: the page (`None` when it was
/// rejected), the problems found, and the CSV files it read. It depends only
/// on the document, the CSV files of its bundle and the site's HTML policy,
/// so an earlier build's can be reused ([`build_with`]).
#[derive(Debug, Clone, Default)]
pub struct PageOut {
    /// The page, before drafts are dropped.
    pub page: Option<super::Page>,
    /// Its diagnostics.
    pub diags: Diagnostics,
    /// Paths of the CSV files it read.
    pub used_csv: Vec<String>,
}

impl PageOut {
    /// Give the page of a [`PageOut`] read back from the build cache,
    /// which keeps no body, the body of its document `doc` under the site's
    /// HTML policy (`unsafe_html`, [`unsafe_html`]) as [`build_with`] would.
    pub fn restore_body(&mut self, doc: &ParsedDoc, unsafe_html: bool) {
        if let Some(page) = &mut self.page {
            page.body = doc
                .body
                .with_html(super::context::body_under(doc, unsafe_html));
        }
    }
}

/// Build the typed site.
pub fn build(parsed: &Parsed, over: &Overrides) -> (Site, Diagnostics) {
    let (site, diags, _) = build_with(parsed, over, None);
    (site, diags)
}

/// Build the typed site, taking each page from `earlier` when it has it
/// (the incremental engine's memo, which must only answer for a document
/// whose bytes, bundle CSV files and site-wide inputs are unchanged). Pages
/// are taken in in parallel. When `earlier` is given, every document's
/// [`PageOut`] is returned too (by path) for the memo, without its page,
/// which is in the site (a draft left out of it has none: without
/// `--drafts` it shows nowhere).
pub fn build_with(
    parsed: &Parsed,
    over: &Overrides,
    earlier: Option<&(dyn Fn(&ParsedDoc) -> Option<PageOut> + Sync)>,
) -> (Site, Diagnostics, Vec<(String, PageOut)>) {
    let csv_by_path = csvs_by_path(&parsed.csvs);
    let unsafe_html = unsafe_html(&parsed.docs);
    let (index, pages): (Vec<&ParsedDoc>, Vec<&ParsedDoc>) =
        parsed.docs.iter().partition(|d| is_index(d));
    let outs: Vec<(String, PageOut)> = pages
        .par_iter()
        .map(|doc| {
            let out = earlier.and_then(|e| e(doc)).unwrap_or_else(|| {
                // A document the build cache left without its front
                // matter is deserialised now that its model is made again.
                match doc.with_front() {
                    Ok(whole) => take_in(whole.as_ref().unwrap_or(doc), &csv_by_path, unsafe_html),
                    Err(d) => PageOut {
                        diags: Diagnostics(vec![d]),
                        ..PageOut::default()
                    },
                }
            });
            (doc.rel_path.clone(), out)
        })
        .collect();
    let mut memo = Vec::new();
    if earlier.is_some() {
        for (path, out) in &outs {
            let kept = PageOut {
                page: None,
                diags: out.diags.clone(),
                used_csv: out.used_csv.clone(),
            };
            memo.push((path.clone(), kept));
        }
    }
    let (site, diags) = assemble(&index, outs, &parsed.csvs, over, unsafe_html);
    (site, diags, memo)
}

/// Build the typed site from `parsed`, taken by value: each document is
/// freed as soon as its page is built, so the build never holds every
/// document and every page at once. Gives what [`build`] gives.
pub fn build_owned(parsed: Parsed, over: &Overrides) -> (Site, Diagnostics) {
    let Parsed { docs, csvs } = parsed;
    let csv_by_path = csvs_by_path(&csvs);
    let unsafe_html = unsafe_html(&docs);
    // The `_index.md` documents taken out in place: partitioning would
    // hold the documents' list twice while it grows the two halves.
    let mut pages = docs;
    let index: Vec<ParsedDoc> = pages.extract_if(.., |d| is_index(d)).collect();
    let outs: Vec<(String, PageOut)> = pages
        .into_par_iter()
        .map(|doc| {
            let out = take_in(&doc, &csv_by_path, unsafe_html);
            (doc.rel_path, out)
        })
        .collect();
    let index: Vec<&ParsedDoc> = index.iter().collect();
    assemble(&index, outs, &csvs, over, unsafe_html)
}

/// Whether `doc` is an `_index.md` (the site's or a section's front page).
fn is_index(doc: &ParsedDoc) -> bool {
    doc.rel_path.rsplit('/').next() == Some("_index.md")
}

/// The site's HTML policy, read from `content/_index.md` before any body is
/// taken in: whether the site set `unsafe_html: true`.
pub fn unsafe_html(docs: &[ParsedDoc]) -> bool {
    docs.iter()
        .find(|d| d.rel_path == "content/_index.md")
        .is_some_and(|d| d.front.unsafe_html)
}

/// The CSV tables by path.
fn csvs_by_path(csvs: &[ParsedCsv]) -> BTreeMap<&str, &ParsedCsv> {
    csvs.iter().map(|c| (c.rel_path.as_str(), c)).collect()
}

/// The site from its `_index.md` documents and every other document's
/// [`PageOut`] (in path order): configuration, sections, the pages (drafts
/// left out unless asked for), and the checks that need every page.
fn assemble(
    index: &[&ParsedDoc],
    outs: Vec<(String, PageOut)>,
    csvs: &[ParsedCsv],
    over: &Overrides,
    unsafe_html: bool,
) -> (Site, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut site = Site::default();
    let mut root_seen = false;
    for doc in index {
        let rel = doc
            .rel_path
            .strip_prefix("content/")
            .unwrap_or(&doc.rel_path);
        let mut cx = Cx::new(doc, &mut diags, unsafe_html);
        root_seen |= index_page(&mut cx, rel, over, &mut site);
    }
    let mut used_csv: BTreeSet<String> = BTreeSet::new();
    site.pages.reserve_exact(outs.len());
    for (_, out) in outs {
        diags.extend(out.diags);
        used_csv.extend(out.used_csv);
        if let Some(page) = out.page {
            if page.draft && !over.drafts {
                continue;
            }
            site.pages.push(page);
        }
    }
    if !root_seen {
        diags.push(
            Diagnostic::warning("content/_index.md", 0, 0, "no site front page; using a default title")
                .with_hint("create content/_index.md with `title`, `description`, `author` and `base_url` in its front matter"),
        );
        site.config = default_config(over);
    }
    url_clashes(&site.pages, &mut diags);
    unused_csvs(csvs, &used_csv, &mut diags);
    (site, diags)
}

/// Take in one document that is not an `_index.md`.
fn take_in(doc: &ParsedDoc, csvs: &BTreeMap<&str, &ParsedCsv>, unsafe_html: bool) -> PageOut {
    let mut diags = Diagnostics::new();
    let mut used = BTreeSet::new();
    let mut cx = Cx::new(doc, &mut diags, unsafe_html);
    if doc.front.unsafe_html {
        site_only(&mut cx, "unsafe_html");
    }
    if doc.front.offline.is_some() {
        site_only(&mut cx, "offline");
    }
    if doc.front.social_images.is_some() {
        site_only(&mut cx, "social_images");
    }
    let page = page(&mut cx, csvs, &mut used);
    PageOut {
        page,
        diags,
        used_csv: used.into_iter().collect(),
    }
}

/// Take in an `_index.md` (`rel` is its path under `content/`): the site's
/// configuration for the root one, a section's front page otherwise.
/// Returns whether it was the root one.
fn index_page(cx: &mut Cx, rel: &str, over: &Overrides, site: &mut Site) -> bool {
    let doc = cx.doc;
    if rel == "_index.md" {
        site.config = site_config(cx, over.base_url.as_deref());
        site.config.source_date = over.source_date;
        return true;
    }
    let section = rel
        .trim_end_matches("_index.md")
        .trim_end_matches('/')
        .to_string();
    let title = doc
        .front
        .title
        .clone()
        .unwrap_or_else(|| super::capitalise(&section));
    site.sections.insert(
        section,
        Section {
            title,
            intro_html: cx.body_html(),
            paginate_by: doc.front.paginate_by.map(|n| n as usize),
        },
    );
    if doc.front.unsafe_html {
        site_only(cx, "unsafe_html");
    }
    if doc.front.offline.is_some() {
        site_only(cx, "offline");
    }
    if doc.front.social_images.is_some() {
        site_only(cx, "social_images");
    }
    false
}

/// A warning for a site setting written on another page (it has no effect there).
fn site_only(cx: &mut Cx, key: &str) {
    let d = cx.warn(
        key,
        format!("`{key}` is a site setting and is read only from content/_index.md; it has no effect here"),
    );
    hint(
        d,
        format!("move `{key}` to the front matter of content/_index.md"),
    );
}

/// The configuration written in `content/_index.md`; `base_url` is the
/// command line's, when it gives one.
fn site_config(cx: &mut Cx, base_url: Option<&str>) -> SiteConfig {
    let f = &cx.doc.front;
    let written = cx.url("base_url", f.base_url.as_ref());
    // The command line's --base-url wins over the file's (checked there).
    let mut base = base_url
        .map(str::to_string)
        .or(written)
        .unwrap_or_else(|| "/".into());
    if !base.ends_with('/') {
        base.push('/');
    }
    let title = match &f.title {
        Some(t) => t.clone(),
        None => {
            let d = cx.error("title", "the site has no title");
            hint(
                d,
                "add `title: ...` to the front matter of content/_index.md",
            );
            "Evidence".into()
        }
    };
    SiteConfig {
        title,
        description: f.description.clone().unwrap_or_default(),
        author: f.author.clone().unwrap_or_default(),
        base_url: base,
        theme: f.theme.clone().unwrap_or_else(|| "default".into()),
        language: f.language.clone().unwrap_or_else(|| "en".into()),
        intro_html: cx.body_html(),
        paginate_by: f
            .paginate_by
            .map_or(super::DEFAULT_PAGINATE_BY, |n| n as usize),
        unsafe_html: f.unsafe_html,
        offline: f.offline.unwrap_or(true),
        source_date: None,
        social_images: f.social_images.unwrap_or(true),
    }
}

/// The configuration of a site without `content/_index.md`.
fn default_config(over: &Overrides) -> SiteConfig {
    SiteConfig {
        title: "Evidence".into(),
        theme: "default".into(),
        language: "en".into(),
        base_url: match over.base_url.as_deref() {
            Some(b) if b.ends_with('/') => b.to_string(),
            Some(b) => format!("{b}/"),
            None => "/".into(),
        },
        paginate_by: super::DEFAULT_PAGINATE_BY,
        offline: true,
        source_date: over.source_date,
        social_images: true,
        ..Default::default()
    }
}

/// Two pages may not claim the same URL: an error at the later one.
fn url_clashes(pages: &[super::Page], diags: &mut Diagnostics) {
    let mut urls: BTreeMap<&str, &str> = BTreeMap::new();
    for p in pages {
        if let Some(other) = urls.insert(&p.url_path, &p.source) {
            diags.push(
                Diagnostic::error(
                    &p.source,
                    1,
                    1,
                    format!("this page's URL /{} is already used by {other}", p.url_path),
                )
                .with_hint("give one of them a different `slug`"),
            );
        }
    }
}

/// A warning for every CSV file under content/ that no trial read.
fn unused_csvs(csvs: &[ParsedCsv], used: &BTreeSet<String>, diags: &mut Diagnostics) {
    for csv in csvs {
        if !used.contains(&csv.rel_path) {
            diags.push(
                Diagnostic::warning(
                    &csv.rel_path,
                    0,
                    0,
                    "this CSV file is not used by any trial",
                )
                .with_hint(
                    "name it outcomes.csv beside the trial's index.md, or set `trial.outcomes_csv`",
                ),
            );
        }
    }
}
