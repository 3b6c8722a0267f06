//! Finishing a page body: charts into shortcode markers, URLs into links.

use super::{figure_ctx, Env};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::PageKind;
use crate::parse::markdown::marker;

/// Escape text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The HTML of a figure: both layouts and the data table (collapsed).
pub(crate) fn figure_html(f: &super::context::FigureCtx) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "<figure class=\"chart\" id=\"fig-{}\">\n",
        esc(&f.key)
    ));
    h.push_str(&f.wide_svg);
    h.push('\n');
    h.push_str(&f.compact_svg);
    h.push_str("\n<details class=\"chart-data\"><summary>Data for this chart</summary>\n<div class=\"table-scroll\"><table>");
    h.push_str(&format!(
        "<caption>{}</caption><thead><tr>",
        esc(&f.table.caption)
    ));
    for c in &f.table.headers {
        h.push_str(&format!("<th scope=\"col\">{}</th>", esc(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &f.table.rows {
        h.push_str("<tr>");
        for c in r {
            h.push_str(&format!("<td>{}</td>", esc(c)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    for n in &f.table.notes {
        h.push_str(&format!("<p>{}</p>", esc(n)));
    }
    h.push_str("</details>\n</figure>\n");
    h
}

/// Rewrite `href="@/x"` to the page's URL and root-relative `href="/x"`
/// and `src="/x"` to sit under the base path.
pub(crate) fn rewrite_links(env: &Env, html: &str) -> String {
    let bp = &env.site.base_path;
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['h', 's']) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let attr = if tail.starts_with("href=\"") {
            "href=\""
        } else if tail.starts_with("src=\"") {
            "src=\""
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
            continue;
        };
        out.push_str(attr);
        let val_start = &tail[attr.len()..];
        if let Some(target) = val_start.strip_prefix("@/") {
            let end = target.find('"').unwrap_or(target.len());
            let raw = &target[..end];
            let (path, frag) = match raw.find('#') {
                Some(k) => (&raw[..k], &raw[k..]),
                None => (raw, ""),
            };
            let url = env
                .input
                .links
                .internal
                .get(raw)
                .or_else(|| env.input.links.internal.get(path))
                .cloned()
                .unwrap_or_default();
            out.push_str(bp);
            out.push_str(&url);
            out.push_str(frag);
            rest = &target[end..];
        } else if val_start.starts_with('/')
            && !val_start.starts_with("//")
            && !val_start.starts_with(bp.as_str())
        {
            out.push_str(bp.trim_end_matches('/'));
            rest = val_start;
        } else {
            rest = val_start;
        }
    }
    out.push_str(rest);
    out
}

/// The page's body with every shortcode marker replaced by its chart.
pub(crate) fn finish_body(env: &Env, i: usize, diags: &mut Diagnostics) -> String {
    let site = env.input.site;
    let p = &site.pages[i];
    let mut html = rewrite_links(env, &p.body.html);
    for (n, sc) in p.body.shortcodes.iter().enumerate() {
        let arg = |k: &str| sc.args.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
        let default_trial = match &p.kind {
            PageKind::Trial(_) => Some(i),
            PageKind::Appraisal(_) => env
                .input
                .links
                .appraisal_trials
                .get(&i)
                .and_then(|v| v.first().copied()),
            _ => None,
        };
        let trial = match arg("trial") {
            Some(t) => env.input.links.trial_by_id.get(&t).copied(),
            None => default_trial,
        };
        let line = p.body_line + sc.line - 1;
        let mut fail = |msg: String| {
            diags.push(Diagnostic::error(&p.source, line, 1, msg));
            String::new()
        };
        let replacement = match sc.name.as_str() {
            "forest" | "rates" | "timeline" | "results" => match trial {
                None => fail(format!("`{}` needs a trial: write {}(trial=\"id\"){}", sc.name, sc.name, arg("trial").map(|t| format!(" (no trial has the id `{t}`)")).unwrap_or_default())),
                Some(t) => {
                    if sc.name == "results" {
                        results_table(env, t)
                    } else {
                        let key = match (sc.name.as_str(), arg("outcome")) {
                            ("timeline", _) => "timeline".to_string(),
                            (name, Some(o)) => format!("{name}-{o}"),
                            ("forest", None) => "forest-ratio".to_string(),
                            (_, None) => "rates".to_string(),
                        };
                        match env.input.figures.get(t, &key) {
                            Some(f) => figure_html(&figure_ctx(f)),
                            None => fail(format!("no chart `{key}` for trial `{}`: check the outcome id, or that the trial has data for it", site.pages[t].id)),
                        }
                    }
                }
            },
            "pooled" | "cumulative" => {
                let topic = match arg("topic") {
                    Some(t) => site.pages.iter().position(|q| q.id == t && matches!(q.kind, PageKind::Topic(_))),
                    None => Some(i),
                };
                match (topic, arg("analysis")) {
                    (Some(t), Some(a)) => match env.input.figures.get(t, &format!("{}-{a}", sc.name)) {
                        Some(f) => figure_html(&figure_ctx(f)),
                        None => fail(format!("no analysis `{a}` with results on this topic")),
                    },
                    (_, None) => fail(format!("`{}` needs an analysis: write {}(analysis=\"id\")", sc.name, sc.name)),
                    (None, _) => fail("no such topic".into()),
                }
            }
            other => fail(format!("unknown chart `{other}`; use forest, rates, timeline, results, pooled or cumulative")),
        };
        html = html.replacen(&marker(n), &replacement, 1);
    }
    html
}

/// The key-results table of a trial, as HTML.
fn results_table(env: &Env, t: usize) -> String {
    let site = env.input.site;
    let PageKind::Trial(trial) = &site.pages[t].kind else {
        return String::new();
    };
    let tc = super::trial_ctx(env, t, trial, true);
    let mut h = String::from("<div class=\"table-scroll\"><table class=\"results\">");
    h.push_str(&format!(
        "<caption>{}: key results</caption><thead><tr><th scope=\"col\">Outcome</th>",
        esc(&tc.acronym)
    ));
    for a in &tc.arm_headers {
        h.push_str(&format!("<th scope=\"col\">{}</th>", esc(a)));
    }
    h.push_str(
        "<th scope=\"col\">Reported</th><th scope=\"col\">Recomputed</th></tr></thead><tbody>",
    );
    for o in &tc.outcomes {
        h.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(&o.label)));
        for c in &o.arm_cells {
            h.push_str(&format!("<td>{}</td>", esc(c)));
        }
        h.push_str(&format!(
            "<td>{}</td><td>{}</td></tr>",
            esc(&o.reported.join("; ")),
            esc(o.recomputed.first().map(String::as_str).unwrap_or("–"))
        ));
    }
    h.push_str("</tbody></table></div>\n");
    h
}
