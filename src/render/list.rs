//! The lists: the home page (the latest of each kind, with links to the
//! full lists), one list per section and per tag (paginated by
//! [`super::paginate`]), the tags index, and the 404 page; and a page as
//! an item of a list ([`ItemCtx`]), kept by `serve` between builds
//! ([`ItemMemo`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::diag::{Diagnostic, Diagnostics};
use crate::key::{Key, KeyHasher};
use crate::link::TrialStatus;
use crate::model::{PageKind, Site, Style};
use crate::parse::markdown::slugify;

use super::context::{Ctx, HomeMoreCtx, ItemCtx, ListCtx, MoreCtx, TagCount};
use super::engine::{render_list_file, SiteFile};
use super::html;
use super::page::{ctx_for, simple_page};
use super::paginate::{render_paged, Paged};
use super::site::{of_page, Env};

/// Items per list on the home page.
const HOME_ITEMS: usize = 10;

/// The home page, the section and tag lists, the tags index and the 404 page.
pub(super) fn list_files(env: &Env) -> (Vec<SiteFile>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut files = Vec::new();
    // Every page as a list item, once (a page is in several lists).
    let all = Items::new(env);
    // Every page's place newest first, sorted once for every list.
    let newest = Newest::of(env.input.site);
    files.extend(home_page(env, &newest, &mut diags));
    section_pages(env, &all, &newest, &mut files, &mut diags);
    if !env.input.links.tags.is_empty() {
        files.extend(tags_index(env, &mut diags));
        tag_pages(env, &all, &newest, &mut files, &mut diags);
    }
    files.extend(not_found_page(env, &mut diags));
    all.finish();
    (files, diags)
}

/// A list with nothing in it.
pub(super) fn empty_list() -> ListCtx {
    ListCtx {
        intro_html: String::new(),
        items: vec![],
        appraisals: vec![],
        trials: vec![],
        ongoing: vec![],
        topics: vec![],
        tags: vec![],
        pager: None,
        more: None,
    }
}

/// The home page: the site's introduction and the latest few appraisals,
/// published and ongoing trials, and topics; and its social image.
fn home_page(env: &Env, newest: &Newest, diags: &mut Diagnostics) -> Vec<SiteFile> {
    let site = env.input.site;
    let status = |i: usize| env.input.links.status(i);
    let appraisals = newest.pages_where(|i| matches!(site.pages[i].kind, PageKind::Appraisal(_)));
    let topics = newest.pages_where(|i| matches!(site.pages[i].kind, PageKind::Topic(_)));
    let trials = newest.pages_where(|i| {
        matches!(
            status(i),
            Some(TrialStatus::Published | TrialStatus::ResultsPosted)
        )
    });
    let ongoing = newest.pages_where(|i| status(i) == Some(TrialStatus::Ongoing));
    let mut home = empty_list();
    home.intro_html = html::rewrite_links(env, &site.config.intro_html);
    let latest = |v: &[usize]| items(env, &v[..v.len().min(HOME_ITEMS)]);
    home.appraisals = latest(&appraisals);
    home.trials = latest(&trials);
    home.ongoing = latest(&ongoing);
    home.topics = latest(&topics);
    home.more = Some(HomeMoreCtx {
        appraisals: more(env, &appraisals, "appraisals"),
        trials: more(env, &trials, "published trials"),
        ongoing: more(env, &ongoing, "ongoing trials"),
        topics: more(env, &topics, "topics"),
    });
    let page = simple_page(
        env,
        "home",
        site.config.title.clone(),
        "",
        site.config.description.clone(),
    );
    let source = "content/_index.md";
    let cfg = &site.config;
    let address = cfg
        .base_url
        .split_once("://")
        .map_or(&cfg.base_url[..], |x| x.1);
    let card = super::social::home_card(&cfg.title, &cfg.description, address);
    let image = super::social::home_image(env, &card, source, diags);
    let mut ctx = Ctx {
        list: Some(home),
        ..ctx_for(env, page)
    };
    let mut files = Vec::new();
    if let Some((file, image)) = image {
        files.push(SiteFile::from(file));
        ctx.page.share.set_image(image);
    }
    files.extend(render_list_file(
        env,
        "index.html",
        &ctx,
        source,
        "index.html".into(),
        diags,
    ));
    files
}

/// The site's pages newest first ([`by_date_desc`] of all of them), and
/// each page's place in that order: a list of pages in page order is in
/// that order when sorted by place, without comparing dates and titles.
struct Newest {
    order: Vec<usize>,
    place: Vec<u32>,
}

impl Newest {
    /// The order of `site`'s pages.
    fn of(site: &Site) -> Self {
        let mut order: Vec<usize> = (0..site.pages.len()).collect();
        by_date_desc(site, &mut order);
        let mut place = vec![0; order.len()];
        for (k, &i) in order.iter().enumerate() {
            place[i] = k as u32;
        }
        Newest { order, place }
    }

    /// The pages for which `f` holds, newest first.
    fn pages_where(&self, f: impl Fn(usize) -> bool) -> Vec<usize> {
        self.order.iter().copied().filter(|&i| f(i)).collect()
    }

    /// Sort `v`, pages in page order, newest first (as [`by_date_desc`]).
    fn sort(&self, v: &mut [usize]) {
        v.sort_unstable_by_key(|&i| self.place[i]);
    }
}

/// The home page's link from the latest few of `v` to the full list, when
/// the items share a section.
fn more(env: &Env, v: &[usize], noun: &str) -> MoreCtx {
    let site = env.input.site;
    let sec = v.first().map(|&i| site.pages[i].section.as_str());
    let same = sec.is_some_and(|s| !s.is_empty() && v.iter().all(|&i| site.pages[i].section == s));
    let sec = sec.filter(|_| same);
    // "All 40 appraisals" only when the section holds exactly these
    // items; published and ongoing trials share the trials list.
    let label = sec.map(|s| {
        let in_section = site.pages.iter().filter(|p| p.section == s).count();
        if in_section == v.len() {
            format!("All {} {noun} →", v.len())
        } else {
            format!("More in {} →", section_title(site, s))
        }
    });
    MoreCtx {
        shown: v.len().min(HOME_ITEMS),
        total: v.len(),
        url: sec.map(|s| env.url(&format!("{s}/"))),
        label: label.unwrap_or_default(),
    }
}

/// Every section's list of its pages, newest first, with its introduction.
fn section_pages(
    env: &Env,
    all: &Items,
    newest: &Newest,
    files: &mut Vec<SiteFile>,
    diags: &mut Diagnostics,
) {
    let site = env.input.site;
    let mut sections: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    // Newest first, as they come.
    for &i in &newest.order {
        let p = &site.pages[i];
        if !p.section.is_empty() {
            sections.entry(p.section.as_str()).or_default().push(i);
        }
    }
    for (sec, v) in sections {
        let info = site.sections.get(sec);
        let intro = info
            .map(|s| html::rewrite_links(env, &s.intro_html))
            .unwrap_or_default();
        let title = section_title(site, sec);
        let per = info
            .and_then(|s| s.paginate_by)
            .unwrap_or(site.config.paginate_by);
        let (f, d) = render_paged(
            env,
            Paged {
                kind: "section",
                template: "section.html",
                source: &format!("content/{sec}/_index.md"),
                base: &format!("{sec}/"),
                title: &title,
                intro: &intro,
                per,
            },
            &v,
            all,
        );
        files.extend(f);
        diags.extend(d);
    }
}

/// The tags index: every tag with its number of pages.
fn tags_index(env: &Env, diags: &mut Diagnostics) -> Option<SiteFile> {
    let mut l = empty_list();
    l.tags = env
        .input
        .links
        .tags
        .iter()
        .map(|(t, v)| TagCount {
            name: t.clone(),
            url: env.tag_link(t).url,
            count: v.len(),
        })
        .collect();
    let ctx = Ctx {
        list: Some(l),
        ..ctx_for(
            env,
            simple_page(env, "tags", "Tags".into(), "tags/", String::new()),
        )
    };
    render_list_file(
        env,
        "tags.html",
        &ctx,
        "tags",
        "tags/index.html".into(),
        diags,
    )
}

/// One list per tag URL, newest first; tags whose slugs clash share one
/// list (with a warning).
fn tag_pages(
    env: &Env,
    all: &Items,
    newest: &Newest,
    files: &mut Vec<SiteFile>,
    diags: &mut Diagnostics,
) {
    let site = env.input.site;
    let links = env.input.links;
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut lists = Vec::new();
    for (t, v) in &links.tags {
        let slug = slugify(t);
        if let Some(other) = seen.insert(slug.clone(), t) {
            diags.push(Diagnostic::warning("content", 0, 0, format!("tags `{other}` and `{t}` share the URL tags/{slug}/; their pages are listed together")));
            continue;
        }
        let mut v = v.clone();
        let mut shared = false;
        for (t2, v2) in &links.tags {
            if t2 != t && slugify(t2) == slug {
                v.extend(v2);
                shared = true;
            }
        }
        if shared {
            // Not in page order: equal dates and titles keep this order.
            by_date_desc(site, &mut v);
        } else {
            newest.sort(&mut v);
        }
        lists.push((slug, t, v));
    }
    let pages: Vec<(Vec<SiteFile>, Diagnostics)> = lists
        .into_par_iter()
        .map(|(slug, t, v)| {
            render_paged(
                env,
                Paged {
                    kind: "tag",
                    template: "tag.html",
                    source: "tags",
                    base: &format!("tags/{slug}/"),
                    title: &format!("Tagged “{t}”"),
                    intro: "",
                    per: site.config.paginate_by,
                },
                &v,
                all,
            )
        })
        .collect();
    for (f, d) in pages {
        files.extend(f);
        diags.extend(d);
    }
}

/// The 404 page.
fn not_found_page(env: &Env, diags: &mut Diagnostics) -> Option<SiteFile> {
    let page = simple_page(
        env,
        "404",
        "Page not found".into(),
        "404.html",
        String::new(),
    );
    let ctx = ctx_for(env, page);
    render_list_file(env, "404.html", &ctx, "404", "404.html".into(), diags)
}

/// The page the service worker shows for a page never opened without signal.
pub(super) fn offline_page(env: &Env, diags: &mut Diagnostics) -> Option<SiteFile> {
    let page = simple_page(
        env,
        "offline",
        "Not saved for offline reading".into(),
        super::offline::OFFLINE_PAGE,
        String::new(),
    );
    let ctx = ctx_for(env, page);
    let name = super::offline::OFFLINE_PAGE;
    render_list_file(env, name, &ctx, "offline", name.into(), diags)
}

/// The pages `v` as list items (of the home page, whose memo key is its
/// whole context, so each item is made as a plain [`ItemCtx`]).
fn items(env: &Env, v: &[usize]) -> Vec<ItemCtx> {
    v.iter().map(|&i| item(env, i)).collect()
}

/// Every page as an item of a list, in the template engine's form, each
/// made the first time a list shows it: a page is in several lists, and
/// with the incremental engine's memo most list pages are taken whole from
/// the last build and show none. With the memo, an item whose page kept
/// its dependency key (and the site its context) is the last build's
/// ([`ItemMemo`]): adding a page moves every later item of its lists to
/// another list page, and those pages are made again from the items kept.
pub(super) struct Items<'e, 'a> {
    env: &'e Env<'a>,
    made: Vec<OnceLock<tera::Value>>,
    /// Each page's key in the memo, when there is one.
    keys: Option<Vec<Key>>,
    /// The items of the last build.
    old: ItemMemo,
}

impl<'e, 'a> Items<'e, 'a> {
    /// No item made yet, for the pages of `env`'s site; the last build's
    /// taken from the memo.
    fn new(env: &'e Env<'a>) -> Self {
        let made = (0..env.input.site.pages.len())
            .map(|_| OnceLock::new())
            .collect();
        let memo = env.lists.and_then(|m| Some((m, m.page_keys.as_deref()?)));
        let keys = memo.map(|(m, keys)| ItemMemo::keys(m.site_key, keys));
        let old = memo.map(|(m, _)| m.take_items()).unwrap_or_default();
        Items {
            env,
            made,
            keys,
            old,
        }
    }

    /// Page `i` as a list item.
    pub(super) fn get(&self, i: usize) -> tera::Value {
        let made = || {
            let kept = self.keys.as_ref().and_then(|k| self.old.get(k[i]));
            kept.unwrap_or_else(|| tera::Value::from_serializable(&item(self.env, i)))
        };
        self.made[i].get_or_init(made).clone()
    }

    /// Give the memo this build's items (those made, and the last build's
    /// still current), for the next build.
    fn finish(self) {
        let (Some(memo), Some(keys)) = (self.env.lists, self.keys) else {
            return;
        };
        let made = self.made.into_iter().map(OnceLock::into_inner).collect();
        memo.keep_items(self.old.next(&keys, made));
    }
}

/// The list items of a build by key (a page's dependency key with the
/// site context's, so an item is only taken for a page that would render
/// the same), for the next build of `serve`.
#[derive(Default)]
pub struct ItemMemo(HashMap<Key, tera::Value>);

impl ItemMemo {
    /// Each page's key in the memo, from its dependency key.
    fn keys(site_key: Key, page_keys: &[Key]) -> Vec<Key> {
        (page_keys.iter())
            .map(|&k| KeyHasher::default().key(site_key).key(k).finish())
            .collect()
    }

    /// The item kept under `key`.
    fn get(&self, key: Key) -> Option<tera::Value> {
        self.0.get(&key).cloned()
    }

    /// The memo of the next build: each page's item made by this build, or
    /// else the one kept under its key; the items of pages gone are dropped.
    fn next(mut self, keys: &[Key], made: Vec<Option<tera::Value>>) -> ItemMemo {
        let mut next = HashMap::with_capacity(keys.len());
        for (&k, v) in keys.iter().zip(made) {
            if let Some(v) = v.or_else(|| self.0.remove(&k)) {
                next.insert(k, v);
            }
        }
        ItemMemo(next)
    }
}

/// Page `i` as an item of a list: title, date, summary, kind, badge and
/// the result it leads with.
fn item(env: &Env, i: usize) -> ItemCtx {
    let site = env.input.site;
    let p = &site.pages[i];
    let (kind, status, badge) = match &p.kind {
        PageKind::Trial(t) => {
            let st = env.input.links.status(i).unwrap_or(TrialStatus::Published);
            (
                "trial",
                Some(crate::present::status_class(st)),
                crate::present::status_list_badge(st, t),
            )
        }
        PageKind::Appraisal(a) => (
            "appraisal",
            None,
            Some(if a.style == Style::BottomLine {
                "Bottom line".into()
            } else {
                "Blog".into()
            }),
        ),
        PageKind::Topic(_) => ("topic", None, None),
        PageKind::Plain => ("page", None, None),
    };
    ItemCtx {
        title: p.title.clone(),
        url: env.url(&p.url_path),
        date: p.date.map(|d| d.to_string()),
        date_iso: p.date.map(|d| d.iso()),
        description: p
            .bottom_line
            .clone()
            .unwrap_or_else(|| p.description.clone()),
        kind,
        status,
        badge,
        glance: glance(env, i),
    }
}

/// The result page `i` leads with, in one line ([`super::card::GlanceCtx`]).
pub(super) fn glance(env: &Env, i: usize) -> Option<super::card::GlanceCtx> {
    let input = env.input;
    let trial = |j: usize| match input.analyses.trials.get(&j) {
        Some(results) => super::card::trial_glance(results),
        None => input.glances.and_then(|g| g.get(&j)).cloned(),
    };
    match &input.site.pages[i].kind {
        PageKind::Trial(_) => trial(i),
        PageKind::Appraisal(_) => {
            // The first trial with a result; named when there are several.
            let trials = of_page(&input.links.appraisal_trials, i);
            let (j, mut g) = trials.iter().find_map(|&j| Some((j, trial(j)?)))?;
            if let (true, PageKind::Trial(t)) = (trials.len() > 1, &input.site.pages[j].kind) {
                g.name_trial(&t.acronym);
            }
            Some(g)
        }
        PageKind::Topic(_) => of_page(&input.analyses.topics, i)
            .first()
            .map(super::card::topic_glance),
        PageKind::Plain => None,
    }
}

/// Sort pages newest first, then by title.
fn by_date_desc(site: &Site, v: &mut [usize]) {
    v.sort_by(|&a, &b| {
        (site.pages[b].date, &site.pages[a].title).cmp(&(site.pages[a].date, &site.pages[b].title))
    });
}

/// A section's heading: its `_index.md` title, else its folder name.
fn section_title(site: &Site, sec: &str) -> String {
    site.sections
        .get(sec)
        .map(|s| s.title.clone())
        .unwrap_or_else(|| crate::model::capitalise(sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> tera::Value {
        tera::Value::from(s)
    }

    #[test]
    fn an_item_is_keyed_by_its_page_and_the_site_context() {
        let a = ItemMemo::keys(1, &[10, 11]);
        assert_eq!(a.len(), 2);
        assert_ne!(a[0], a[1]);
        assert_eq!(a, ItemMemo::keys(1, &[10, 11]));
        // Another site context: no item of the last build is taken.
        let b = ItemMemo::keys(2, &[10, 11]);
        assert!(a.iter().all(|k| !b.contains(k)));
    }

    #[test]
    fn the_next_memo_holds_each_page_made_or_kept_and_drops_the_rest() {
        let old = ItemMemo(HashMap::from([
            (1, value("kept")),
            (2, value("stale")),
            (3, value("gone")),
        ]));
        assert_eq!(old.get(1).map(|v| v.to_string()).as_deref(), Some("kept"));
        assert!(old.get(4).is_none());
        // Page keys 1 (not shown this build), 2 (made again) and 5 (new, not shown).
        let next = old.next(&[1, 2, 5], vec![None, Some(value("fresh")), None]);
        assert_eq!(next.0.len(), 2);
        assert_eq!(next.get(1).map(|v| v.to_string()).as_deref(), Some("kept"));
        assert_eq!(next.get(2).map(|v| v.to_string()).as_deref(), Some("fresh"));
        assert!(next.get(3).is_none(), "its page is gone");
        assert!(next.get(5).is_none(), "never made");
    }
}
