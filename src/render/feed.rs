//! The Atom feed and the sitemap, written directly (two small fixed formats).
//!
//! The feed says what changed: each page's entry carries the page's status
//! (a registered trial that now has results says so) and is dated by its
//! `updated` date when there is one, else its `date`, and gives its result
//! in one line as the lists do; each released
//! version has an entry dated with the version's date. A topic's own feed
//! ([`topic_atom`]) has one entry per version that changed it.

use super::card::GlanceCtx;
use super::context::SiteCtx;
use super::html::esc;
use crate::link::Links;
use crate::model::{PageKind, Site};

/// One entry of an Atom feed.
pub(super) struct Entry {
    /// Title.
    pub(super) title: String,
    /// The page it links to.
    pub(super) link: String,
    /// Its id (never changes).
    pub(super) id: String,
    /// RFC 3339 date.
    pub(super) updated: String,
    /// Summary text.
    pub(super) summary: String,
    /// Tags.
    pub(super) categories: Vec<String>,
}

/// How many pages the site's feed lists.
const FEED_ENTRIES: usize = 50;

/// The site's Atom feed: the 50 most recent dated pages, each summed up
/// by its status, its result in one line (`glance`) and its bottom line,
/// and one entry per released version (`versions`), newest first.
pub(crate) fn atom(
    site: &Site,
    links: &Links,
    s: &SiteCtx,
    glance: &dyn Fn(usize) -> Option<GlanceCtx>,
    versions: Vec<Entry>,
) -> String {
    let abs = |rel: &str| absolute(s, rel);
    let mut pages: Vec<usize> = (0..site.pages.len())
        .filter(|&i| site.pages[i].date.is_some())
        .collect();
    let when = |i: usize| site.pages[i].updated.or(site.pages[i].date);
    // Newest first, then by URL, then in page order: the 50 first picked
    // out before they are sorted (this runs on every rebuild of `serve`).
    let order = |&a: &usize, &b: &usize| {
        (when(b), &site.pages[a].url_path, a).cmp(&(when(a), &site.pages[b].url_path, b))
    };
    if pages.len() > FEED_ENTRIES {
        pages.select_nth_unstable_by(FEED_ENTRIES, order);
        pages.truncate(FEED_ENTRIES);
    }
    pages.sort_unstable_by(order);
    let mut entries: Vec<Entry> = pages
        .into_iter()
        .map(|i| {
            let p = &site.pages[i];
            Entry {
                title: p.title.clone(),
                link: abs(&p.url_path),
                id: abs(&p.url_path),
                updated: when(i).map(|d| d.rfc3339()).unwrap_or_default(),
                summary: format!(
                    "{}{}{}",
                    page_status(site, links, i),
                    glance(i)
                        .map(|g| format!("{}. ", g.text))
                        .unwrap_or_default(),
                    p.bottom_line
                        .clone()
                        .unwrap_or_else(|| p.description.clone())
                ),
                categories: p.tags.clone(),
            }
        })
        .collect();
    entries.extend(versions);
    let head = Head {
        title: &s.title,
        subtitle: &s.description,
        self_link: abs("feed.xml"),
        link: abs(""),
    };
    feed(s, &head, entries)
}

/// The Atom feed of one topic (`topics/<id>/feed.xml`): one entry per
/// released version that changed it. `url_path` is the topic page's.
pub(crate) fn topic_atom(s: &SiteCtx, title: &str, url_path: &str, entries: Vec<Entry>) -> String {
    let head = Head {
        title: &format!("{title} · {}", s.title),
        subtitle: &format!(
            "Each released version of the evidence on {title}, with what it changed."
        ),
        self_link: absolute(s, &format!("{url_path}feed.xml")),
        link: absolute(s, url_path),
    };
    feed(s, &head, entries)
}

/// A feed's own title, subtitle and links.
struct Head<'a> {
    title: &'a str,
    subtitle: &'a str,
    self_link: String,
    link: String,
}

/// The full URL of `rel` when the base URL has a scheme, else its path.
fn absolute(s: &SiteCtx, rel: &str) -> String {
    if s.base_url.contains("://") {
        format!("{}{}", s.base_url, rel)
    } else {
        format!("{}{}", s.base_path, rel)
    }
}

/// An Atom feed of `entries`, newest first (ties by id), dated by the newest.
fn feed(s: &SiteCtx, head: &Head, mut entries: Vec<Entry>) -> String {
    entries.sort_by(|a, b| (&b.updated, &a.id).cmp(&(&a.updated, &b.id)));
    let updated = entries
        .first()
        .map(|e| e.updated.clone())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "<title>{}</title>\n<subtitle>{}</subtitle>\n",
        esc(head.title),
        esc(head.subtitle)
    ));
    x.push_str(&format!("<link href=\"{}\" rel=\"self\"/>\n<link href=\"{}\"/>\n<id>{}</id>\n<updated>{updated}</updated>\n", esc(&head.self_link), esc(&head.link), esc(&head.link)));
    // RFC 4287 needs an author for the feed (its entries have none of
    // their own): the site's author, or else the site's title.
    let author = if s.author.is_empty() {
        &s.title
    } else {
        &s.author
    };
    x.push_str(&format!("<author><name>{}</name></author>\n", esc(author)));
    for e in entries {
        x.push_str(&format!(
            "<entry>\n<title>{}</title>\n<link href=\"{}\"/>\n<id>{}</id>\n<updated>{}</updated>\n<summary>{}</summary>\n",
            esc(&e.title),
            esc(&e.link),
            esc(&e.id),
            e.updated,
            esc(&e.summary)
        ));
        for t in &e.categories {
            x.push_str(&format!("<category term=\"{}\"/>\n", esc(t)));
        }
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

/// The first words of page `i`'s feed entry: what it is, and for a
/// trial its status (a registered trial that now has results says so).
fn page_status(site: &Site, links: &Links, i: usize) -> String {
    match &site.pages[i].kind {
        PageKind::Trial(t) => {
            // A trial that was on the site as a registry record: say
            // that the registered trial has now reported.
            let records: Vec<&str> = links
                .registry_records
                .get(&i)
                .into_iter()
                .flatten()
                .filter_map(|&r| match &site.pages[r].kind {
                    PageKind::Trial(rt) => Some(rt.acronym.as_str()),
                    _ => None,
                })
                .collect();
            let st = links
                .status(i)
                .unwrap_or(crate::link::TrialStatus::Published);
            crate::present::status_feed(st, t, &records)
        }
        PageKind::Appraisal(_) => "Appraisal. ".into(),
        PageKind::Topic(_) => "Topic: evidence re-pooled. ".into(),
        PageKind::Plain => String::new(),
    }
}

/// sitemap.xml of every page.
pub(crate) fn sitemap(site: &Site, s: &SiteCtx) -> String {
    // Written straight into one buffer: this runs on every rebuild of
    // `serve`, over every page. Escaping goes character by character, so
    // the base and the path escaped one after the other are the absolute
    // URL escaped.
    let base = if s.base_url.contains("://") {
        &s.base_url
    } else {
        &s.base_path
    };
    let mut x: Vec<u8> = Vec::with_capacity(160 + site.pages.len() * (base.len() + 64));
    x.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let loc = |x: &mut Vec<u8>, rel: &str| {
        x.extend_from_slice(b"<url><loc>");
        let escaped = super::escape::html(base, x).and_then(|_| super::escape::html(rel, x));
        escaped.expect("a Vec takes every write");
        x.extend_from_slice(b"</loc>");
    };
    loc(&mut x, "");
    x.extend_from_slice(b"</url>\n");
    let mut urls: Vec<&crate::model::Page> = site.pages.iter().collect();
    urls.sort_by(|a, b| a.url_path.cmp(&b.url_path));
    for p in urls {
        loc(&mut x, &p.url_path);
        if let Some(d) = p.updated.or(p.date) {
            x.extend_from_slice(b"<lastmod>");
            x.extend_from_slice(d.iso().as_bytes());
            x.extend_from_slice(b"</lastmod>");
        }
        x.extend_from_slice(b"</url>\n");
    }
    x.extend_from_slice(b"</urlset>\n");
    String::from_utf8(x).expect("escaping keeps UTF-8")
}
