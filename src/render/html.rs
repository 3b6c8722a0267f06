//! Finishing a page body: charts into shortcode markers, URLs into links.

use super::{figure_ctx, Env};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::figures::FigureRef;
use crate::link::{ChartRef, EffectSource, FigureKey};
use crate::model::PageKind;
use crate::parse::markdown::{marker, Markdown};

/// Escape text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut o = Vec::with_capacity(s.len());
    super::escape::html(s, &mut o).expect("a Vec takes every write");
    String::from_utf8(o).expect("escaping keeps UTF-8")
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
    let internal = &env.input.links.internal;
    links_under(&env.site.base_path, html, |raw, path| {
        internal
            .get(raw)
            .or_else(|| internal.get(path))
            .map(String::as_str)
    })
}

/// Where the first `="` of `s` is: a one-byte search (memchr) for `=`
/// and a look at the next byte, cheaper than a substring search.
fn attr_value(s: &str) -> Option<usize> {
    let mut at = 0;
    while let Some(k) = s[at..].find('=').map(|k| k + at) {
        if s[k + 1..].starts_with('"') {
            return Some(k);
        }
        at = k + 1;
    }
    None
}

/// [`rewrite_links`] with the base path `bp` and the URL of an `@/`
/// target (`resolve(target, target without its fragment)`; an unknown one
/// becomes the base path, as link reported it). Attributes are found by
/// their `="`, which prose rarely holds, rather than by every `h` and `s`.
fn links_under<'u>(
    bp: &str,
    html: &str,
    resolve: impl Fn(&str, &str) -> Option<&'u str>,
) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(i) = attr_value(rest) {
        let head = &rest[..i];
        let val_start = &rest[i + 2..];
        out.push_str(head);
        out.push_str("=\"");
        if !(head.ends_with("href") || head.ends_with("src")) {
            rest = val_start;
            continue;
        }
        if let Some(target) = val_start.strip_prefix("@/") {
            let end = target.find('"').unwrap_or(target.len());
            let raw = &target[..end];
            let (path, frag) = match raw.find('#') {
                Some(k) => (&raw[..k], &raw[k..]),
                None => (raw, ""),
            };
            out.push_str(bp);
            out.push_str(resolve(raw, path).unwrap_or_default());
            out.push_str(frag);
            rest = &target[end..];
        } else {
            if val_start.starts_with('/')
                && !val_start.starts_with("//")
                && !val_start.starts_with(bp)
            {
                out.push_str(bp.trim_end_matches('/'));
            }
            rest = val_start;
        }
    }
    out.push_str(rest);
    out
}

/// What shortcode `n` of page `i` places, as link resolved it, once the
/// figures stage has said whether the data give that chart: the reference
/// and, for a chart, the figure (looked up here, once).
pub(crate) fn resolve(
    env: &Env,
    i: usize,
    n: usize,
) -> Result<(ChartRef, Option<FigureRef>), String> {
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
    match env.figure(*page, key) {
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
/// `body` is the page's (in a full build, taken from [`super::Bodies`]).
pub(crate) fn finish_body(
    env: &Env,
    i: usize,
    body: &Markdown,
    diags: &mut Diagnostics,
) -> (String, Vec<ChartRef>) {
    let site = env.input.site;
    let p = &site.pages[i];
    if body.is_damaged() {
        diags.push(
            Diagnostic::error(
                &p.source,
                p.body_line,
                1,
                "this page's copy in the build cache is damaged",
            )
            .with_hint("delete .appraise-cache and build again"),
        );
    }
    let mut html = rewrite_links(env, &body.html);
    let mut placed: Vec<(ChartRef, usize)> = Vec::new();
    for (n, sc) in body.shortcodes.iter().enumerate() {
        let line = p.body_line + sc.line - 1;
        let replacement = match resolve(env, i, n) {
            Err(msg) => {
                diags.push(Diagnostic::error(&p.source, line, 1, msg));
                String::new()
            }
            Ok((pl, figure)) => {
                if let Some((_, first)) = placed.iter().find(|(q, _)| {
                    *q == pl
                        && !matches!(
                            pl,
                            ChartRef::Omitted | ChartRef::Value { .. } | ChartRef::Effect { .. }
                        )
                }) {
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
                                // The table shows no chart: none is drawn for it.
                                let tc =
                                    super::trial::trial_ctx_charted(env, *trial, t, true, false);
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
                        ChartRef::Value { .. } | ChartRef::Effect { .. } => {
                            match inline_text(env, &pl) {
                                Ok(t) => esc(&t),
                                Err(msg) => {
                                    diags.push(Diagnostic::error(&p.source, line, sc.column, msg));
                                    String::new()
                                }
                            }
                        }
                        ChartRef::Omitted => String::new(),
                        ChartRef::Figure { .. } => match figure {
                            Some(f) => {
                                let fig = figure_ctx(&f);
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

/// The words of an inline `value` or `effect`, by the trial page's rules
/// ([`crate::present`]), or why the data give none.
fn inline_text(env: &Env, r: &ChartRef) -> Result<String, String> {
    let site = env.input.site;
    let (trial, outcome) = match r {
        ChartRef::Value { trial, outcome, .. } | ChartRef::Effect { trial, outcome, .. } => {
            (*trial, outcome)
        }
        _ => return Ok(String::new()),
    };
    let id = &site.pages[trial].id;
    let result = env
        .input
        .analyses
        .trials
        .get(&trial)
        .and_then(|v| v.iter().find(|o| &o.id == outcome));
    let model = match &site.pages[trial].kind {
        PageKind::Trial(t) => t.outcomes.iter().find(|o| &o.id == outcome),
        _ => None,
    };
    let none = |what: String| format!("outcome `{outcome}` of trial `{id}` gives no {what}");
    match r {
        ChartRef::Value { arm, show, .. } => result
            .and_then(|o| o.arms.iter().find(|a| &a.arm == arm))
            .and_then(|a| crate::present::arm_part_text(a, *show))
            .ok_or_else(|| none(format!("{} for arm `{arm}`", show.name()))),
        ChartRef::Effect {
            measure,
            source: EffectSource::Recomputed,
            ..
        } => result
            .and_then(|o| o.effects.iter().find(|e| e.measure == *measure))
            .map(crate::present::effect_text)
            .ok_or_else(|| none(format!("recomputed {measure}: check its arm data"))),
        ChartRef::Effect {
            source: EffectSource::Reported(k),
            measure,
            ..
        } => model
            .and_then(|o| o.reported.get(*k))
            .map(crate::present::printed_effect_text)
            .ok_or_else(|| none(format!("printed {measure}"))),
        _ => Ok(String::new()),
    }
}

/// Warn about numbers typed in the body of page `i` that contradict the
/// data of the trials it links to ([`crate::analyse::prose`]): the trials
/// of [`crate::link::Links::depends_on`], and the page itself if a trial.
/// `body` is the page's (in a full build, taken from [`super::Bodies`]).
pub(crate) fn check_prose(env: &Env, i: usize, body: &Markdown, diags: &mut Diagnostics) {
    use crate::analyse::prose::{check, TrialNumbers};
    let site = env.input.site;
    let p = &site.pages[i];
    if body.typed_numbers.is_empty() {
        return;
    }
    let mut linked: Vec<usize> = env
        .input
        .links
        .depends_on
        .get(&i)
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    if !linked.contains(&i) {
        linked.push(i);
        linked.sort_unstable();
    }
    let trials: Vec<TrialNumbers> = linked
        .iter()
        .filter(|&&t| matches!(site.pages[t].kind, PageKind::Trial(_)))
        .filter_map(|&t| {
            env.input.analyses.trials.get(&t).map(|o| TrialNumbers {
                id: &site.pages[t].id,
                outcomes: o,
            })
        })
        .collect();
    for w in check(&body.typed_numbers, &trials) {
        diags.push(
            Diagnostic::warning(&p.source, p.body_line + w.line - 1, w.column, w.message)
                .with_code(Code::ProseNumber)
                .with_hint("check the number, or quote it from the data with {{ value(...) }} or {{ effect(...) }}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::links_under;

    fn rw(bp: &str, html: &str) -> String {
        links_under(bp, html, |_, path| {
            (path == "trials/a.md").then_some("trials/a/")
        })
    }

    #[test]
    fn internal_links_and_root_paths_go_under_the_base_path() {
        assert_eq!(
            rw(
                "/demo/",
                r#"<a href="@/trials/a.md">A</a> <img src="/static/x.png"> <a href="/demo/b/">b</a>"#
            ),
            r#"<a href="/demo/trials/a/">A</a> <img src="/demo/static/x.png"> <a href="/demo/b/">b</a>"#
        );
        assert_eq!(
            rw("/demo/", r#"<a href="@/trials/a.md#x">A</a>"#),
            r#"<a href="/demo/trials/a/#x">A</a>"#
        );
    }

    #[test]
    fn other_attributes_protocol_relative_urls_and_prose_are_kept() {
        let kept = r#"<a href="//cdn.example/x" title="/x" data-x="@/y">see src = "/z" and href="https://e.org/"</a>"#;
        assert_eq!(
            rw("/demo/", kept),
            kept.replace(r#"href="https"#, r#"href="https"#)
        );
        assert_eq!(rw("/", r#"<a href="/x">"#), r#"<a href="/x">"#);
        assert_eq!(rw("/d/", r#"<a href="@/nowhere.md">"#), r#"<a href="/d/">"#);
        assert_eq!(rw("/d/", "no links, shs"), "no links, shs");
    }
}
