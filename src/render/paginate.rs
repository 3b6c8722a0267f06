//! Pagination: a list that may run over several pages (a section, a tag;
//! [`Paged`]) is cut into pages of so many items, each with a pager, and
//! every page rendered.

use rayon::prelude::*;

use crate::diag::Diagnostics;
use crate::key::KeyHasher;

use super::context::{Ctx, PageNumCtx, PagerCtx};
use super::engine::{render_file, render_list_file, SiteFile};
use super::list::{empty_list, Items};
use super::page::{ctx_for, simple_page};
use super::site::Env;

/// A list page that may run over several pages (a section, a tag).
pub(super) struct Paged<'a> {
    /// `page.kind` for the template.
    pub(super) kind: &'static str,
    /// Template name.
    pub(super) template: &'a str,
    /// Where a template error is reported.
    pub(super) source: &'a str,
    /// Folder of the first page (`trials/`).
    pub(super) base: &'a str,
    /// Heading; later pages add "(page k of n)".
    pub(super) title: &'a str,
    /// Introduction HTML, shown on the first page only.
    pub(super) intro: &'a str,
    /// Items per page (0 = one page).
    pub(super) per: usize,
}

/// Render every page of a paginated list of the pages `members`, in
/// parallel (`all` holds every page's list item).
pub(super) fn render_paged(
    env: &Env,
    list: Paged,
    members: &[usize],
    all: &Items,
) -> (Vec<SiteFile>, Diagnostics) {
    let pages: Vec<(Option<SiteFile>, Diagnostics)> = paginate(env, list.base, members, list.per)
        .into_par_iter()
        .map(|(rel, chunk, pager)| {
            let mut diags = Diagnostics::new();
            let file = render_list_page(env, &list, rel, chunk, all, pager, &mut diags);
            (file, diags)
        })
        .collect();
    let mut files = Vec::with_capacity(pages.len());
    let mut diags = Diagnostics::new();
    for (f, d) in pages {
        files.extend(f);
        diags.extend(d);
    }
    (files, diags)
}

/// One page of a paginated list: the pages `chunk`. With the incremental
/// engine's memo it is keyed by what it shows (the list's heading,
/// introduction and pager, and the dependency keys of its pages), so an
/// unchanged page is neither built nor rendered again.
fn render_list_page(
    env: &Env,
    list: &Paged,
    rel: String,
    chunk: &[usize],
    all: &Items,
    pager: Option<PagerCtx>,
    diags: &mut Diagnostics,
) -> Option<SiteFile> {
    let path = format!("{rel}index.html");
    let key = env.lists.and_then(|m| {
        let keys = m.page_keys.as_deref()?;
        let mut h = KeyHasher::default();
        h.key(m.site_key)
            .bytes(list.template.as_bytes())
            .bytes(path.as_bytes())
            .bytes(list.title.as_bytes())
            .bytes(list.intro.as_bytes())
            .bytes(&serde_json::to_vec(&pager).unwrap_or_default());
        for &i in chunk {
            h.key(keys[i]);
        }
        Some((m, h.finish()))
    });
    let ctx = move || {
        let mut l = empty_list();
        let title = match &pager {
            Some(p) if p.current > 1 => {
                format!("{} (page {} of {})", list.title, p.current, p.total)
            }
            _ => {
                l.intro_html = list.intro.to_string();
                list.title.to_string()
            }
        };
        l.items = chunk.iter().map(|&i| all.get(i)).collect();
        l.pager = pager;
        Ctx {
            list: Some(l),
            ..ctx_for(env, simple_page(env, list.kind, title, &rel, String::new()))
        }
    };
    match key {
        Some((memo, key)) => memo.file(key, path, |path| {
            render_file(env, list.template, &ctx(), list.source, path, diags)
        }),
        None => render_list_file(env, list.template, &ctx(), list.source, path, diags),
    }
}

/// Split the pages `members` into pages of `per` (0 = one page). Returns,
/// for each page, its folder, its pages and its pager (`None` when there is
/// one page). Page 1 is `<base>`; page k is `<base>page/<k>/`.
fn paginate<'m>(
    env: &Env,
    base: &str,
    members: &'m [usize],
    per: usize,
) -> Vec<(String, &'m [usize], Option<PagerCtx>)> {
    let n = members.len();
    if per == 0 || n <= per {
        return vec![(base.to_string(), members, None)];
    }
    let total = n.div_ceil(per);
    let rel = |k: usize| {
        if k == 1 {
            base.to_string()
        } else {
            format!("{base}page/{k}/")
        }
    };
    let mut out = Vec::with_capacity(total);
    for (k, chunk) in (1..=total).zip(members.chunks(per)) {
        let pager = PagerCtx {
            current: k,
            total,
            items_total: n,
            prev: (k > 1).then(|| env.url(&rel(k - 1))),
            next: (k < total).then(|| env.url(&rel(k + 1))),
            pages: page_numbers(env, &rel, k, total),
        };
        out.push((rel(k), chunk, Some(pager)));
    }
    out
}

/// The pager's page numbers on page `k` of `total`: the first, the last
/// and those within two of `k`, with one gap for each run left out.
fn page_numbers(
    env: &Env,
    rel: &dyn Fn(usize) -> String,
    k: usize,
    total: usize,
) -> Vec<PageNumCtx> {
    let mut pages = Vec::new();
    for j in 1..=total {
        let shown = j == 1 || j == total || j.abs_diff(k) <= 2;
        if shown {
            pages.push(PageNumCtx {
                number: j,
                url: env.url(&rel(j)),
                current: j == k,
                gap: false,
            });
        } else if pages.last().is_some_and(|p: &PageNumCtx| !p.gap) {
            pages.push(PageNumCtx {
                number: 0,
                url: String::new(),
                current: false,
                gap: true,
            });
        }
    }
    pages
}
