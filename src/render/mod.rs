//! Render: fill the theme's Tera templates with typed contexts.
//!
//! Input is the linked site, the analyses and the drawn figures; output is
//! a list of [`OutputFile`](crate::write::OutputFile)s in memory (HTML
//! pages, `index.json` twins, the search index, the Atom feed, the
//! sitemap, theme static files, copied assets, the offline files:
//! manifest, service worker). Nothing is written here; `check` stops after
//! this stage. Pages render in parallel.
//! Every internal URL is an absolute path under the base path of
//! `base_url` (`/appraise-demo/trials/leopards/`), so the site works both at
//! a domain's root and under a GitHub Pages project path.
//!
//! # Files
//!
//! - `engine`: [`Renderer`], [`render`], [`render_into`],
//!   [`duplicate_outputs`], and rendering one template into a file.
//! - `site`: [`base_path`], the render environment with its URL helpers,
//!   and the site context.
//! - `page`: one page's files and the page context every template gets.
//! - `trial`: the trial view (registry, design, PICO, outcomes, checks).
//! - `appraisal`: the appraisal view.
//! - `topic`: the topic view and its pooled analyses.
//! - `figure`: a drawn figure as the template sees it.
//! - `list`: the home page, section and tag lists, the tags index, 404.
//! - `paginate`: a list cut into pages with a pager.
//! - `html`: finishing a page body (charts placed in the prose, links).
//! - `feed`: the Atom feeds (the site's, each topic's) and the sitemap.
//! - `history`: a topic's version history, `/changes/`, and the versions' feed entries.
//! - [`card`]: the result cards that open trial, appraisal and topic pages.
//! - [`search`]: the offline search index (`search/index.json`) and the
//!   search page.
//! - [`terms`]: the search index's term shards, and their memo between
//!   the builds of `serve`.
//! - [`context`]: the typed template contexts.
//! - [`json`]: the `index.json` twins of trial and topic pages.
//! - [`meta`]: sharing and indexing metadata (OpenGraph, Twitter card,
//!   Google Scholar tags, schema.org JSON-LD).
//! - [`social`]: the social images (`social.png`) of trial, appraisal, topic
//!   and home pages.
//! - [`theme`]: the theme's templates and static files.
//! - [`offline`]: the web app manifest, the offline page and the service worker.

mod appraisal;
pub mod card;
pub mod context;
mod engine;
mod escape;
mod evidence;
mod feed;
mod figure;
mod history;
mod html;
pub mod json;
mod list;
pub mod meta;
pub mod offline;
mod page;
mod paginate;
pub mod registry;
pub mod rob;
pub mod search;
pub mod sensitivity;
mod site;
pub mod social;
pub mod terms;
pub mod theme;
mod topic;
mod trial;

use std::collections::BTreeMap;

use crate::analyse::Analyses;
use crate::figures::Figures;
use crate::link::Links;
use crate::model::Site;

pub use card::GlanceCtx;
pub use engine::{
    duplicate_output, duplicate_outputs, render, render_into, ListMemo, Renderer, SiteBytes,
    SiteFile, Templates,
};
pub use list::ItemMemo;
pub use site::base_path;

// What the body finisher (`html`) uses of its siblings, by these paths.
use engine::error_chain;
use figure::figure_ctx;
use site::Env;

/// The pages' bodies (HTML, shortcodes, headings, typed numbers) taken
/// out of the site for render, so that each is freed once its page is
/// rendered: no site-wide file (lists, search index, feed, sitemap) reads
/// a body, and a 10,000-page site's bodies are about 230 MB.
#[derive(Debug, Default)]
pub struct Bodies(Vec<std::sync::Mutex<Option<crate::parse::markdown::Markdown>>>);

impl Bodies {
    /// Take every page's body out of `site` (each left empty).
    pub fn from_site(site: &mut Site) -> Bodies {
        let taken = site.pages.iter_mut().map(|p| std::mem::take(&mut p.body));
        Bodies(taken.map(|b| std::sync::Mutex::new(Some(b))).collect())
    }

    /// Page `i`'s body, given once: `None` if it was given already.
    fn take_page(&self, i: usize) -> Option<crate::parse::markdown::Markdown> {
        let slot = self.0.get(i)?;
        slot.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What render needs besides the site.
#[derive(Debug, Clone)]
pub struct RenderInput<'a> {
    /// The site.
    pub site: &'a Site,
    /// Resolved references.
    pub links: &'a Links,
    /// Recomputed numbers.
    pub analyses: &'a Analyses,
    /// Drawn charts.
    pub figures: &'a Figures,
    /// The lines in a list of trials not analysed again (with the build
    /// cache, a trial whose pages are all kept has no entry in
    /// `analyses`), by page.
    pub glances: Option<&'a BTreeMap<usize, GlanceCtx>>,
    /// When set, the charts are drawn as pages ask for them instead, each
    /// page's let go once it is rendered (a full build), and `figures` is
    /// not read.
    pub on_demand: Option<&'a crate::figures::OnDemand<'a>>,
    /// When set, the pages' bodies, taken out of `site` ([`Bodies::from_site`]):
    /// each page's is let go once the page is rendered (a full build).
    pub bodies: Option<&'a Bodies>,
    /// The theme.
    pub theme: &'a theme::Theme,
    /// The released versions and what each changed (and, in a preview,
    /// the changes not yet released).
    pub timeline: &'a crate::history::Timeline,
    /// Content assets: (path under content/, bytes), copied to the same path in the output.
    pub assets: Vec<(String, &'a [u8])>,
    /// Files under `static/`: (path under static/, bytes), copied to the output root.
    pub statics: Vec<(String, &'a [u8])>,
}

#[cfg(test)]
mod tests {
    use super::Bodies;

    #[test]
    fn each_body_is_taken_out_of_the_site_and_given_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (sources, _) = crate::discover::discover(root);
        let (parsed, _) = crate::parse::parse(&sources);
        let (mut site, _) = crate::model::build(&parsed, &Default::default());
        let before: Vec<String> = site.pages.iter().map(|p| p.body.html.to_string()).collect();
        assert!(before.iter().any(|h| !h.is_empty()));
        let bodies = Bodies::from_site(&mut site);
        assert!(site.pages.iter().all(|p| p.body.html.is_empty()));
        for (i, html) in before.iter().enumerate() {
            assert_eq!(
                bodies.take_page(i).map(|b| b.html.to_string()).as_ref(),
                Some(html)
            );
            assert!(bodies.take_page(i).is_none());
        }
        assert!(bodies.take_page(before.len()).is_none());
    }
}
