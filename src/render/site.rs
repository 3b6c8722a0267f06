//! Site context and URLs: the base path of `base_url`, the render
//! environment ([`Env`]: the input, the site context, the compiled theme)
//! with the helpers that turn a page or a tag into a URL and find a
//! page's figures, and the site
//! context every template gets ([`site_ctx`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::figures::{Figure, FigureLookup, FigureRef};
use crate::model::{PageKind, Site};
use crate::parse::markdown::slugify;

use super::context::{LinkCtx, SiteCtx};
use super::RenderInput;

/// The path part of a base URL: `https://x.github.io/repo/` → `/repo/`.
pub fn base_path(base_url: &str) -> String {
    let rest = match base_url.find("://") {
        Some(i) => &base_url[i + 3..],
        None => base_url,
    };
    let path = if base_url.contains("://") {
        rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
    } else {
        rest
    };
    let mut p = path.to_string();
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// What every page renders with: the input, the site context and the
/// compiled theme.
pub(super) struct Env<'a> {
    /// The site, its analyses and figures, the theme.
    pub(super) input: &'a RenderInput<'a>,
    /// The site context every template gets.
    pub(super) site: SiteCtx,
    /// The theme's templates, compiled.
    pub(super) tera: std::sync::Arc<tera::Tera>,
    /// List pages rendered by an earlier build, when the incremental
    /// engine keeps them.
    pub(super) lists: Option<&'a super::ListMemo>,
    /// The theme's accent and background colours (manifest, `theme-color`).
    pub(super) colours: (String, String),
}

impl Env<'_> {
    /// All figures of page `page`, in [`crate::link::FigureKey`] order:
    /// from the store, or drawn now ([`RenderInput::on_demand`]).
    pub(super) fn figures_of(&self, page: usize) -> Arc<[Figure]> {
        match self.input.on_demand {
            Some(d) => d.of(page),
            None => self.input.figures.shared_of(page),
        }
    }

    /// The figure `key` of page `page`, if it has one ([`Env::figures_of`]).
    pub(super) fn figure(&self, page: usize, key: impl FigureLookup) -> Option<FigureRef> {
        FigureRef::find(self.figures_of(page), key)
    }

    /// The absolute path of `rel` under the base path.
    pub(super) fn url(&self, rel: &str) -> String {
        format!("{}{}", self.site.base_path, rel)
    }

    /// The full URL of `rel` when `base_url` has a scheme, else its path.
    pub(super) fn permalink(&self, rel: &str) -> String {
        let b = &self.site.base_url;
        if b.contains("://") {
            format!("{b}{rel}")
        } else {
            self.url(rel)
        }
    }

    /// A link to page `i`, titled with its title.
    pub(super) fn page_link(&self, i: usize) -> LinkCtx {
        let p = &self.input.site.pages[i];
        LinkCtx {
            title: p.title.clone(),
            url: self.url(&p.url_path),
        }
    }

    /// Links to the pages `pages` (none when absent).
    pub(super) fn page_links(&self, pages: Option<&Vec<usize>>) -> Vec<LinkCtx> {
        pages
            .map(|v| v.iter().map(|&j| self.page_link(j)).collect())
            .unwrap_or_default()
    }

    /// A link to the page of tag `t`.
    pub(super) fn tag_link(&self, t: &str) -> LinkCtx {
        LinkCtx {
            title: t.to_string(),
            url: self.url(&format!("tags/{}/", slugify(t))),
        }
    }
}

/// What `map` holds for page `i` (nothing when it has no entry).
pub(super) fn of_page<T>(map: &BTreeMap<usize, Vec<T>>, i: usize) -> &[T] {
    map.get(&i).map(Vec::as_slice).unwrap_or(&[])
}

/// The site context: configuration and the navigation (the sections that
/// have pages, tags when any page has one, `/changes/` when a version was
/// released, top-level plain pages).
pub(super) fn site_ctx(site: &Site, released: bool) -> SiteCtx {
    let cfg = &site.config;
    let base_path = base_path(&cfg.base_url);
    let mut nav: Vec<LinkCtx> = Vec::new();
    for (sec, title) in [
        ("trials", "Trials"),
        ("appraisals", "Appraisals"),
        ("topics", "Topics"),
    ] {
        if site.pages.iter().any(|p| p.section == sec) {
            let t = site
                .sections
                .get(sec)
                .map(|s| s.title.clone())
                .unwrap_or_else(|| title.to_string());
            nav.push(LinkCtx {
                title: t,
                url: format!("{base_path}{sec}/"),
            });
        }
    }
    if site.pages.iter().any(|p| !p.tags.is_empty()) {
        nav.push(LinkCtx {
            title: "Tags".into(),
            url: format!("{base_path}tags/"),
        });
    }
    if released {
        nav.push(LinkCtx {
            title: "Changes".into(),
            url: format!("{base_path}{}", super::history::CHANGES),
        });
    }
    for p in &site.pages {
        if p.section.is_empty() && matches!(p.kind, PageKind::Plain) {
            nav.push(LinkCtx {
                title: p.title.clone(),
                url: format!("{base_path}{}", p.url_path),
            });
        }
    }
    SiteCtx {
        title: cfg.title.clone(),
        description: cfg.description.clone(),
        author: cfg.author.clone(),
        base_url: cfg.base_url.clone(),
        base_path: base_path.clone(),
        language: cfg.language.clone(),
        nav,
        stylesheet: format!("{base_path}static/style.css"),
        feed: format!("{base_path}feed.xml"),
        generator: format!("appraise {}", env!("CARGO_PKG_VERSION")),
        offline: None,
        social_images: cfg.social_images,
    }
}
