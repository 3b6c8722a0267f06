//! The Atom feed and the sitemap, written directly (two small fixed formats).
//!
//! The feed says what changed: each entry carries the page's status
//! (a registered trial that now has results says so) and is dated by its
//! `updated` date when there is one, else its `date`.

use super::context::SiteCtx;
use super::html::esc;
use crate::link::Links;
use crate::model::{PageKind, Site};

/// Atom feed of the 50 most recent dated pages.
pub(crate) fn atom(site: &Site, links: &Links, s: &SiteCtx) -> String {
    let abs = |rel: &str| {
        if s.base_url.contains("://") {
            format!("{}{}", s.base_url, rel)
        } else {
            format!("{}{}", s.base_path, rel)
        }
    };
    let mut pages: Vec<usize> = (0..site.pages.len())
        .filter(|&i| site.pages[i].date.is_some())
        .collect();
    let when = |i: usize| site.pages[i].updated.or(site.pages[i].date);
    pages.sort_by(|&a, &b| {
        (when(b), &site.pages[a].url_path).cmp(&(when(a), &site.pages[b].url_path))
    });
    pages.truncate(50);
    let updated = pages
        .first()
        .and_then(|&i| when(i))
        .map(|d| d.rfc3339())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "<title>{}</title>\n<subtitle>{}</subtitle>\n",
        esc(&s.title),
        esc(&s.description)
    ));
    x.push_str(&format!("<link href=\"{}\" rel=\"self\"/>\n<link href=\"{}\"/>\n<id>{}</id>\n<updated>{updated}</updated>\n", esc(&abs("feed.xml")), esc(&abs("")), esc(&abs(""))));
    // RFC 4287 needs an author for the feed (its entries have none of
    // their own): the site's author, or else the site's title.
    let author = if s.author.is_empty() {
        &s.title
    } else {
        &s.author
    };
    x.push_str(&format!("<author><name>{}</name></author>\n", esc(author)));
    for i in pages {
        let p = &site.pages[i];
        let status = match &p.kind {
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
        };
        let summary = format!(
            "{status}{}",
            p.bottom_line
                .clone()
                .unwrap_or_else(|| p.description.clone())
        );
        x.push_str(&format!(
            "<entry>\n<title>{}</title>\n<link href=\"{}\"/>\n<id>{}</id>\n<updated>{}</updated>\n<summary>{}</summary>\n",
            esc(&p.title),
            esc(&abs(&p.url_path)),
            esc(&abs(&p.url_path)),
            when(i).map(|d| d.rfc3339()).unwrap_or_default(),
            esc(&summary)
        ));
        for t in &p.tags {
            x.push_str(&format!("<category term=\"{}\"/>\n", esc(t)));
        }
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

/// sitemap.xml of every page.
pub(crate) fn sitemap(site: &Site, s: &SiteCtx) -> String {
    let abs = |rel: &str| {
        if s.base_url.contains("://") {
            format!("{}{}", s.base_url, rel)
        } else {
            format!("{}{}", s.base_path, rel)
        }
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    x.push_str(&format!("<url><loc>{}</loc></url>\n", esc(&abs(""))));
    let mut urls: Vec<&crate::model::Page> = site.pages.iter().collect();
    urls.sort_by(|a, b| a.url_path.cmp(&b.url_path));
    for p in urls {
        x.push_str(&format!("<url><loc>{}</loc>", esc(&abs(&p.url_path))));
        if let Some(d) = p.updated.or(p.date) {
            x.push_str(&format!("<lastmod>{}</lastmod>", d.iso()));
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    x
}
