//! One page: the fields every page has (URL from its path or `slug`, title,
//! description, dates, tags, the body under the site's HTML policy) and
//! which kind it is — a trial, a topic, an appraisal (its style and the
//! trials it discusses) or a plain page.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{hint, Cx};
use super::topic::topic;
use super::trial::trial;
use super::{Appraisal, Page, PageKind, Style};
use crate::parse::ParsedCsv;

/// Whether `s` is a safe single URL segment.
fn safe_slug(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !s.starts_with('.')
}

/// The typed page of `cx.doc`; `None` (after an error) when it has no safe
/// URL or no title. `csvs` are the site's CSV files; those a trial reads
/// are added to `used`.
pub(super) fn page(
    cx: &mut Cx,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> Option<Page> {
    let doc = cx.doc;
    let f = &doc.front;
    let rel = doc
        .rel_path
        .strip_prefix("content/")
        .unwrap_or(&doc.rel_path);
    let (dir, stem) = dir_and_stem(rel);
    let slug = slug(cx, &stem)?;
    let section = dir.split('/').next().unwrap_or("").to_string();
    let url_path = if dir.is_empty() {
        format!("{slug}/")
    } else {
        format!("{dir}/{slug}/")
    };
    let title = match &f.title {
        Some(t) if !t.trim().is_empty() => t.clone(),
        _ => {
            let d = cx.error("title", "the page has no title");
            hint(d, "add `title: ...` to the front matter");
            return None;
        }
    };
    let date = cx.date("date", &f.date);
    let updated = cx.date("updated", &f.updated);
    let kind = kind(cx, &section, csvs, used);
    let description = f
        .description
        .clone()
        .unwrap_or_else(|| truncate_words(&doc.body.first_paragraph, 40));
    Some(Page {
        id: slug,
        source: doc.rel_path.clone(),
        section,
        url_path,
        title,
        description,
        date,
        updated,
        draft: f.draft,
        tags: f.tags.clone(),
        author: f.author.clone(),
        template: f.template.clone(),
        bottom_line: f.bottom_line.clone(),
        body: doc.body.with_html(cx.body()),
        body_line: doc.body_line,
        kind,
    })
}

/// The folder of a page under `content/` and the name its URL comes from:
/// `trials/x/index.md` (a bundle) and `trials/x.md` both give
/// (`trials`, `x`).
fn dir_and_stem(rel: &str) -> (String, String) {
    let path = match rel.strip_suffix("/index.md") {
        Some(d) => d,
        None => rel.trim_end_matches(".md").trim_end_matches(".markdown"),
    };
    match path.rsplit_once('/') {
        Some((parent, last)) => (parent.to_string(), last.to_string()),
        None => (String::new(), path.to_string()),
    }
}

/// The page's last URL segment: its `slug`, or the file's `stem`; `None`
/// (after an error) when it is not safe.
fn slug(cx: &mut Cx, stem: &str) -> Option<String> {
    let slug = match &cx.doc.front.slug {
        Some(s) if safe_slug(s) => s.clone(),
        Some(s) => {
            let d = cx.error("slug", format!("`{s}` is not a safe URL slug"));
            hint(
                d,
                "use one path segment of letters, digits, `-` and `_` (no `/`, no `..`)",
            );
            return None;
        }
        None => stem.to_ascii_lowercase().replace(' ', "-"),
    };
    if !safe_slug(&slug) {
        cx.error(
            "",
            format!("the file name `{stem}` does not make a safe URL"),
        )
        .hint = Some("rename the file using letters, digits, `-` and `_`".into());
        return None;
    }
    Some(slug)
}

/// Which kind of page `cx.doc` is, with its typed data: `trial:` makes a
/// trial, `topic:` a topic, `trials:` (or the `appraisals` section) an
/// appraisal.
fn kind(
    cx: &mut Cx,
    section: &str,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> PageKind {
    let doc = cx.doc;
    let f = &doc.front;
    if let Some(t) = &f.trial {
        let bundle = doc.rel_path.strip_suffix("index.md").map(str::to_string);
        PageKind::Trial(Box::new(trial(cx, t, bundle.as_deref(), csvs, used)))
    } else if let Some(t) = &f.topic {
        PageKind::Topic(topic(cx, t))
    } else if !f.trials.is_empty() || section == "appraisals" {
        PageKind::Appraisal(appraisal(cx))
    } else {
        PageKind::Plain
    }
}

/// An appraisal: its style and the trials it discusses, each with its
/// position.
fn appraisal(cx: &mut Cx) -> Appraisal {
    let f = &cx.doc.front;
    let style = match f.style.as_deref() {
        None | Some("blog") => Style::Blog,
        Some("bottom-line") | Some("bottom_line") | Some("structured") => Style::BottomLine,
        Some(s) => {
            let d = cx.error("style", format!("unknown appraisal style `{s}`"));
            hint(d, "use `blog` or `bottom-line`");
            Style::Blog
        }
    };
    let trials = f
        .trials
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), cx.locate(&format!("trials[{i}]"))))
        .collect();
    Appraisal { trials, style }
}

/// The first `n` words of `s`, with `…` when some were cut.
fn truncate_words(s: &str, n: usize) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() <= n {
        words.join(" ")
    } else {
        format!("{}…", words[..n].join(" "))
    }
}
