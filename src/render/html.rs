//! Finishing a page body: charts into shortcode markers, URLs into links.

use super::{figure_ctx, Env};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::PageKind;
use crate::parse::markdown::{marker, Shortcode};

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

/// What a chart shortcode places on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A drawn figure: the page it belongs to and its key (`forest-ratio`,
    /// `rates-death-28d`, `pooled-mortality`, …).
    Figure {
        /// Index of the page (trial or topic) whose figure it is.
        page: usize,
        /// The figure's key.
        key: String,
    },
    /// The outcomes table of a trial page.
    Results {
        /// Index of the trial page.
        trial: usize,
    },
    /// Nothing: what it names has errors of its own, already reported.
    Omitted,
}

/// Resolve shortcode `sc` on page `i` to what it places, or say what is
/// wrong with it.
pub(crate) fn resolve(env: &Env, i: usize, sc: &Shortcode) -> Result<Placement, String> {
    let site = env.input.site;
    let p = &site.pages[i];
    let arg = |k: &str| sc.args.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    match sc.name.as_str() {
        "forest" | "rates" | "timeline" | "results" => {
            let trial = match arg("trial") {
                Some(t) => env.input.links.trial_by_id.get(&t).copied(),
                None => match &p.kind {
                    PageKind::Trial(_) => Some(i),
                    PageKind::Appraisal(_) => env
                        .input
                        .links
                        .appraisal_trials
                        .get(&i)
                        .and_then(|v| v.first().copied()),
                    _ => None,
                },
            };
            let Some(t) = trial.filter(|&t| matches!(site.pages[t].kind, PageKind::Trial(_)))
            else {
                return Err(format!(
                    "`{}` needs a trial: write {}(trial=\"id\"){}",
                    sc.name,
                    sc.name,
                    arg("trial")
                        .map(|t| format!(" (no trial has the id `{t}`)"))
                        .unwrap_or_default()
                ));
            };
            if sc.name == "results" {
                return Ok(Placement::Results { trial: t });
            }
            if let (Some(o), PageKind::Trial(trial)) = (arg("outcome"), &site.pages[t].kind) {
                let ids: Vec<&str> = trial.outcomes.iter().map(|x| x.id.as_str()).collect();
                if trial.rejected_outcomes.contains(&o) {
                    // The outcome has errors of its own, reported where it
                    // is written; the chart is left out without a second one.
                    return Ok(Placement::Omitted);
                }
                if !ids.contains(&o.as_str()) {
                    return Err(format!(
                        "trial `{}` has no outcome `{o}`{}",
                        site.pages[t].id,
                        crate::diag::did_you_mean(&o, &ids)
                            .map(|m| format!(" (did you mean `{m}`?)"))
                            .unwrap_or_default()
                    ));
                }
            }
            let key = match (sc.name.as_str(), arg("outcome")) {
                ("timeline", _) => "timeline".to_string(),
                (name, Some(o)) => crate::figures::outcome_key(name, &o),
                // The whole trial on one scale: ratios (RR, OR, HR) by
                // default, or differences (MD, RD).
                ("forest", None) => match arg("scale").as_deref() {
                    None | Some("ratio") => "forest-ratio".to_string(),
                    Some("difference") => "forest-diff".to_string(),
                    Some(other) => {
                        return Err(format!(
                            "`forest` scale `{other}`: use scale=\"ratio\" or scale=\"difference\""
                        ))
                    }
                },
                (_, None) => "rates".to_string(),
            };
            match env.input.figures.get(t, &key) {
                Some(_) => Ok(Placement::Figure { page: t, key }),
                None => Err(format!(
                    "no chart `{key}` for trial `{}`: check the outcome id, or that the trial has data for it",
                    site.pages[t].id
                )),
            }
        }
        "pooled" | "cumulative" => {
            let topic = match arg("topic") {
                Some(t) => site
                    .pages
                    .iter()
                    .position(|q| q.id == t && matches!(q.kind, PageKind::Topic(_))),
                None => Some(i),
            };
            match (topic, arg("analysis")) {
                (_, None) => Err(format!(
                    "`{}` needs an analysis: write {}(analysis=\"id\")",
                    sc.name, sc.name
                )),
                (None, _) => Err("no such topic".into()),
                (Some(t), Some(a)) => {
                    let key = format!("{}-{a}", sc.name);
                    match env.input.figures.get(t, &key) {
                        Some(_) => Ok(Placement::Figure { page: t, key }),
                        None => Err(format!("no analysis `{a}` with results on this topic")),
                    }
                }
            }
        }
        other => Err(format!(
            "unknown chart `{other}`; use forest, rates, timeline, results, pooled or cumulative"
        )),
    }
}

/// The page's body with every shortcode marker replaced by its chart, and
/// the figures it placed (the page template leaves those out, so a chart
/// is never shown twice). A chart placed twice is shown once, with a
/// warning: two copies would repeat its element ids.
pub(crate) fn finish_body(
    env: &Env,
    i: usize,
    diags: &mut Diagnostics,
) -> (String, Vec<Placement>) {
    let site = env.input.site;
    let p = &site.pages[i];
    let mut html = rewrite_links(env, &p.body.html);
    let mut placed: Vec<(Placement, usize)> = Vec::new();
    for (n, sc) in p.body.shortcodes.iter().enumerate() {
        let line = p.body_line + sc.line - 1;
        let replacement = match resolve(env, i, sc) {
            Err(msg) => {
                diags.push(Diagnostic::error(&p.source, line, 1, msg));
                String::new()
            }
            Ok(pl) => {
                if let Some((_, first)) = placed
                    .iter()
                    .find(|(q, _)| *q == pl && pl != Placement::Omitted)
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
                        Placement::Results { trial } => match &site.pages[*trial].kind {
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
                        Placement::Omitted => String::new(),
                        Placement::Figure { page, key } => {
                            match env.input.figures.get(*page, key) {
                                Some(f) => {
                                    let fig = figure_ctx(f);
                                    let ctx = PartialCtx {
                                        fig: Some(&fig),
                                        t: None,
                                        outcomes: None,
                                        anchors: false,
                                    };
                                    partial(
                                        env,
                                        "partials/figure.html",
                                        &ctx,
                                        &p.source,
                                        line,
                                        diags,
                                    )
                                }
                                None => String::new(),
                            }
                        }
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
