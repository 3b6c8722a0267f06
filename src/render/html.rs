//! Finishing a page body: charts into shortcode markers, URLs into links.

use super::{figure_ctx, Env};
use crate::diag::{Diagnostic, Diagnostics};
use crate::figures::Figure;
use crate::link::{ChartRef, FigureKey};
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
    /// Whether outcome rows get their `outcome-<id>` anchors (only on the
    /// trial's own page, so ids stay unique).
    anchors: bool,
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

/// What shortcode `n` of page `i` places, as link resolved it, once the
/// figures stage has said whether the data give that chart: the reference
/// and, for a chart, the figure (looked up here, once).
pub(crate) fn resolve<'e>(
    env: &Env<'e>,
    i: usize,
    n: usize,
) -> Result<(ChartRef, Option<&'e Figure>), String> {
    let site = env.input.site;
    let r = env
        .input
        .links
        .charts
        .get(&i)
        .and_then(|v| v.get(n))
        .cloned()
        .unwrap_or(ChartRef::Omitted);
    let ChartRef::Figure { page, key } = &r else {
        return Ok((r, None));
    };
    match env.input.figures.get(*page, key) {
        Some(f) => Ok((r, Some(f))),
        None => Err(match key {
            FigureKey::Pooled(a) | FigureKey::Cumulative(a) | FigureKey::Tsa(a) => {
                format!("no analysis `{a}` with results on this topic")
            }
            _ => format!(
                "no chart `{}` for trial `{}`: check the outcome id, or that the trial has data for it",
                key.key(),
                site.pages[*page].id
            ),
        }),
    }
}

/// The page's body with every shortcode marker replaced by its chart, and
/// the figures it placed (the page template leaves those out, so a chart
/// is never shown twice). A chart placed twice is shown once, with a
/// warning: two copies would repeat its element ids.
pub(crate) fn finish_body(env: &Env, i: usize, diags: &mut Diagnostics) -> (String, Vec<ChartRef>) {
    let site = env.input.site;
    let p = &site.pages[i];
    let mut html = rewrite_links(env, &p.body.html);
    let mut placed: Vec<(ChartRef, usize)> = Vec::new();
    for (n, sc) in p.body.shortcodes.iter().enumerate() {
        let line = p.body_line + sc.line - 1;
        let replacement = match resolve(env, i, n) {
            Err(msg) => {
                diags.push(Diagnostic::error(&p.source, line, 1, msg));
                String::new()
            }
            Ok((pl, figure)) => {
                if let Some((_, first)) = placed
                    .iter()
                    .find(|(q, _)| *q == pl && pl != ChartRef::Omitted)
                {
                    diags.push(Diagnostic::warning(
                        &p.source,
                        line,
                        1,
                        format!(
                            "`{}` shows what line {first} already shows; it is shown once",
                            sc.name
                        ),
                    ));
                    String::new()
                } else {
                    let h = match &pl {
                        ChartRef::Results { trial } => match &site.pages[*trial].kind {
                            PageKind::Trial(t) => {
                                let tc = super::trial_ctx(env, *trial, t, true);
                                let ctx = PartialCtx {
                                    fig: None,
                                    t: Some(&tc),
                                    outcomes: Some(&tc.outcomes),
                                    anchors: false,
                                };
                                partial(env, "partials/outcomes.html", &ctx, &p.source, line, diags)
                            }
                            _ => String::new(),
                        },
                        ChartRef::Omitted => String::new(),
                        ChartRef::Figure { .. } => match figure {
                            Some(f) => {
                                let fig = figure_ctx(f);
                                let ctx = PartialCtx {
                                    fig: Some(&fig),
                                    t: None,
                                    outcomes: None,
                                    anchors: false,
                                };
                                partial(env, "partials/figure.html", &ctx, &p.source, line, diags)
                            }
                            None => String::new(),
                        },
                    };
                    placed.push((pl, line));
                    h
                }
            }
        };
        html = html.replacen(&marker(n), &replacement, 1);
    }
    (html, placed.into_iter().map(|(pl, _)| pl).collect())
}
