//! One page's files: its HTML, with the page context every template gets
//! ([`PageCtx`]) and the view of its kind (trial, appraisal, topic), and,
//! for trials and topics, its `index.json` twin. Also the page context of
//! a generated page (a list, the 404 page).

use crate::diag::Diagnostics;
use crate::link::{ChartRef, FigureKey};
use crate::model::PageKind;
use crate::parse::markdown::Heading;
use crate::write::OutputFile;

use super::appraisal::appraisal_ctx;
use super::context::{Ctx, LinkCtx, PageCtx};
use super::engine::{render_file, template_for};
use super::site::Env;
use super::topic::{topic_analyses, topic_ctx};
use super::trial::trial_ctx;
use super::{html, json};

/// The files of page `i`: its HTML and, for trials and topics, its JSON.
pub(super) fn page_files(env: &Env, i: usize) -> (Vec<OutputFile>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let site = env.input.site;
    let p = &site.pages[i];
    let taken = env.input.bodies.and_then(|b| b.take_page(i));
    let body = taken.as_ref().unwrap_or(&p.body);
    let (content_html, placed) = html::finish_body(env, i, body, &mut diags);
    html::check_prose(env, i, body, &mut diags);
    // Figures of this page that the author placed in the prose: the
    // template does not show them a second time.
    let in_prose = |key: &FigureKey| {
        placed
            .iter()
            .any(|pl| matches!(pl, ChartRef::Figure { page, key: k } if *page == i && k == key))
    };
    let mut page = page_ctx(env, i, content_html, &body.headings);
    drop(taken);
    page.share = super::meta::page_share(env, i, &page);
    let mut ctx = ctx_for(env, page);
    let json_path = format!("{}index.json", p.url_path);
    let mut files = Vec::new();
    let default = match &p.kind {
        PageKind::Trial(t) => {
            let mut tc = trial_ctx(env, i, t, true);
            files.push(OutputFile {
                path: json_path,
                bytes: json::trial(site, env.input.analyses, i, &tc),
            });
            tc.figures.retain(|f| !in_prose(&f.which));
            ctx.trial = Some(tc);
            "trial.html"
        }
        PageKind::Appraisal(a) => {
            ctx.appraisal = Some(appraisal_ctx(env, i, a));
            "appraisal.html"
        }
        PageKind::Topic(_) => {
            let analyses = topic_analyses(env, i);
            ctx.topic = Some(topic_ctx(env, i, analyses, &in_prose));
            files.push(OutputFile {
                path: json_path,
                bytes: json::topic(site, env.input.links, i, analyses),
            });
            let entries = super::history::topic_entries(env, i);
            files.push(OutputFile {
                path: format!("{}feed.xml", p.url_path),
                bytes: super::feed::topic_atom(&env.site, &p.title, &p.url_path, entries)
                    .into_bytes(),
            });
            "topic.html"
        }
        PageKind::Plain => "page.html",
    };
    if let Some(card) = super::social::page_card(env, &ctx) {
        let image = super::social::page_image(env, &p.url_path, &card, &p.source, &mut diags);
        if let Some((file, image)) = image {
            files.push(file);
            ctx.page.share.set_image(image);
        }
    }
    let template = template_for(env, p.template.as_deref(), default);
    let path = format!("{}index.html", p.url_path);
    files.extend(render_file(
        env, &template, &ctx, &p.source, path, &mut diags,
    ));
    (files, diags)
}

/// The page context of page `i`, whose finished body is `content_html`
/// and whose body's headings are `headings`.
fn page_ctx(env: &Env, i: usize, content_html: String, headings: &[Heading]) -> PageCtx {
    let site = env.input.site;
    let p = &site.pages[i];
    let json_url = matches!(p.kind, PageKind::Trial(_) | PageKind::Topic(_))
        .then(|| env.url(&format!("{}index.json", p.url_path)));
    PageCtx {
        kind: match p.kind {
            PageKind::Trial(_) => "trial",
            PageKind::Appraisal(_) => "appraisal",
            PageKind::Topic(_) => "topic",
            PageKind::Plain => "page",
        },
        title: p.title.clone(),
        description: p.description.clone(),
        url: env.url(&p.url_path),
        permalink: env.permalink(&p.url_path),
        date: p.date.map(|d| d.to_string()),
        date_iso: p.date.map(|d| d.iso()),
        updated: p.updated.map(|d| d.to_string()),
        tags: p.tags.iter().map(|t| env.tag_link(t)).collect(),
        author: p
            .author
            .clone()
            .or_else(|| (!site.config.author.is_empty()).then(|| site.config.author.clone())),
        starts_with_heading: opens_with_heading(&content_html),
        content_html,
        toc: headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| LinkCtx {
                title: h.text.clone(),
                url: format!("#{}", h.id),
            })
            .collect(),
        bottom_line: p.bottom_line.clone(),
        json: json_url,
        share: Default::default(),
    }
}

/// A template context with only the site and `page`; a page's kind adds
/// its own part.
pub(super) fn ctx_for<'a>(env: &'a Env, page: PageCtx) -> Ctx<'a> {
    Ctx {
        site: &env.site,
        page,
        trial: None,
        appraisal: None,
        topic: None,
        list: None,
        changes: None,
        search: None,
    }
}

/// The page context of a generated page (a list, the 404 page) at `rel`.
pub(super) fn simple_page(
    env: &Env,
    kind: &'static str,
    title: String,
    rel: &str,
    description: String,
) -> PageCtx {
    let mut page = PageCtx {
        kind,
        title,
        description,
        url: env.url(rel),
        permalink: env.permalink(rel),
        date: None,
        date_iso: None,
        updated: None,
        tags: vec![],
        author: None,
        content_html: String::new(),
        starts_with_heading: false,
        toc: vec![],
        bottom_line: None,
        json: None,
        share: Default::default(),
    };
    page.share = super::meta::website(env, &page);
    page
}

/// Whether HTML opens with `<h1>`…`<h6>` (not `<hr>` or `<header>`).
fn opens_with_heading(html: &str) -> bool {
    let b = html.trim_start().as_bytes();
    b.len() > 2 && b[0] == b'<' && b[1] == b'h' && (b'1'..=b'6').contains(&b[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_headings_open_a_body() {
        assert!(opens_with_heading(
            "\n<h2 id=\"background\">Background</h2>"
        ));
        assert!(!opens_with_heading("<hr />\n<h2>After a rule</h2>"));
        assert!(!opens_with_heading("<header>x</header>"));
        assert!(!opens_with_heading("<p>Text</p>"));
        assert!(!opens_with_heading(""));
    }
}
