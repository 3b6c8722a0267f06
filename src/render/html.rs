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

/// Context of a partial rendered on its own (a chart or a results table
/// placed by a shortcode): the same names the page templates give it.
#[derive(serde::Serialize)]
struct PartialCtx<'a> {
    /// The figure, for `partials/figure.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    fig: Option<&'a super::context::FigureCtx>,
    /// The trial, for `partials/outcomes.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<&'a super::context::TrialCtx>,
    /// The outcome rows, for `partials/outcomes.html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcomes: Option<&'a [super::context::OutcomeCtx]>,
}

/// Render one theme partial, reporting a template error against `source`.
fn partial(
    env: &Env,
    name: &str,
    ctx: &PartialCtx,
    source: &str,
    line: usize,
    diags: &mut Diagnostics,
) -> String {
    let rendered = tera::Context::from_serialize(ctx)
        .map_err(|e| e.to_string())
        .and_then(|c| {
            env.tera
                .render(name, &c)
                .map_err(|e| super::error_chain(&e))
        });
    match rendered {
        Ok(h) => h,
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                line,
                1,
                format!("template {name} failed: {e}"),
            ));
            String::new()
        }
    }
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
                        match &site.pages[t].kind {
                            PageKind::Trial(trial) => {
                                let tc = super::trial_ctx(env, t, trial, true);
                                partial(env, "partials/outcomes.html", &PartialCtx { fig: None, t: Some(&tc), outcomes: Some(&tc.outcomes) }, &p.source, line, diags)
                            }
                            _ => fail(format!("`{}` is not a trial", site.pages[t].id)),
                        }
                    } else {
                        let key = match (sc.name.as_str(), arg("outcome")) {
                            ("timeline", _) => "timeline".to_string(),
                            (name, Some(o)) => format!("{name}-{o}"),
                            ("forest", None) => "forest-ratio".to_string(),
                            (_, None) => "rates".to_string(),
                        };
                        match env.input.figures.get(t, &key) {
                            Some(f) => partial(env, "partials/figure.html", &PartialCtx { fig: Some(&figure_ctx(f)), t: None, outcomes: None }, &p.source, line, diags),
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
                        Some(f) => partial(env, "partials/figure.html", &PartialCtx { fig: Some(&figure_ctx(f)), t: None, outcomes: None }, &p.source, line, diags),
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
