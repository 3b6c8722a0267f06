//! Render: fill the theme's Tera templates with typed contexts.
//!
//! Input is the linked site, the analyses and the drawn figures; output is
//! a list of [`OutputFile`]s in memory (HTML pages, `index.json` twins, the
//! Atom feed, the sitemap, theme static files, copied assets). Nothing is
//! written here; `check` stops after this stage. Pages render in parallel.
//! Every internal URL is an absolute path under the base path of
//! `base_url` (`/appraise-demo/trials/leopards/`), so the site works both at
//! a domain's root and under a GitHub Pages project path.

pub mod context;
mod feed;
mod html;
pub mod json;
pub mod theme;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::analyse::{Analyses, OutcomeResult};
use crate::diag::{Diagnostic, Diagnostics};
use crate::figures::{Figure, Figures};
use crate::link::{ChartRef, Links, TrialStatus};
use crate::model::{Measure, PageKind, Site, Style, Trial};
use crate::parse::markdown::slugify;
use crate::present::num;
use crate::write::OutputFile;
use context::*;

/// What render needs besides the site.
#[derive(Debug, Clone)]
pub struct RenderInput<'a> {
    /// The site.
    pub site: &'a Site,
    /// Resolved references.
    pub links: &'a Links,
    /// Recomputed numbers.
    pub analyses: &'a Analyses,
    /// Drawn charts.
    pub figures: &'a Figures,
    /// The theme.
    pub theme: &'a theme::Theme,
    /// Content assets: (path under content/, bytes), copied to the same path in the output.
    pub assets: Vec<(String, &'a [u8])>,
    /// Files under `static/`: (path under static/, bytes), copied to the output root.
    pub statics: Vec<(String, &'a [u8])>,
}

/// The path part of a base URL: `https://x.github.io/repo/` → `/repo/`.
pub fn base_path(base_url: &str) -> String {
    let rest = match base_url.find("://") {
        Some(i) => &base_url[i + 3..],
        None => base_url,
    };
    let path = if base_url.contains("://") {
        rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
    } else {
        rest
    };
    let mut p = path.to_string();
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

struct Env<'a> {
    input: &'a RenderInput<'a>,
    site: SiteCtx,
    tera: tera::Tera,
}

impl Env<'_> {
    fn url(&self, rel: &str) -> String {
        format!("{}{}", self.site.base_path, rel)
    }
    fn permalink(&self, rel: &str) -> String {
        let b = &self.site.base_url;
        if b.contains("://") {
            format!("{b}{rel}")
        } else {
            self.url(rel)
        }
    }
    fn page_link(&self, i: usize) -> LinkCtx {
        let p = &self.input.site.pages[i];
        LinkCtx {
            title: p.title.clone(),
            url: self.url(&p.url_path),
        }
    }
    fn tag_link(&self, t: &str) -> LinkCtx {
        LinkCtx {
            title: t.to_string(),
            url: self.url(&format!("tags/{}/", slugify(t))),
        }
    }
}

/// Render the whole site to output files, sorted by path.
pub fn render(input: &RenderInput) -> (Vec<OutputFile>, Diagnostics) {
    let all = std::sync::Mutex::new(Vec::new());
    let (_, diags) = render_into(input, &|files| {
        all.lock().unwrap_or_else(|e| e.into_inner()).extend(files)
    });
    let mut files = all.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, diags)
}

/// Render the whole site, handing each page's files (then the site-wide
/// ones) to `sink` as soon as they are rendered, from several threads, so
/// that a build can write them without holding the site in memory. Returns
/// every output path, sorted, and the diagnostics (two outputs for one path
/// is an error).
pub fn render_into(
    input: &RenderInput,
    sink: &(dyn Fn(Vec<OutputFile>) + Sync),
) -> (Vec<String>, Diagnostics) {
    let r = match Renderer::new(input) {
        Ok(r) => r,
        Err(d) => return (Vec::new(), d),
    };
    let mut diags = Diagnostics::new();
    let mut paths: Vec<String> = Vec::new();
    let pages: Vec<(Vec<String>, Diagnostics)> = (0..input.site.pages.len())
        .into_par_iter()
        .map(|i| {
            let (files, d) = r.page(i);
            let paths = files.iter().map(|f| f.path.clone()).collect();
            sink(files);
            (paths, d)
        })
        .collect();
    for (p, d) in pages {
        paths.extend(p);
        diags.extend(d);
    }
    let (files, d) = r.site_files();
    diags.extend(d);
    paths.extend(files.iter().map(|f| f.path.clone()));
    sink(files);
    paths.sort_unstable();
    diags.extend(duplicate_outputs(paths.iter().map(String::as_str)));
    (paths, diags)
}

/// An error for every output path given more than once; `paths` must be sorted.
pub fn duplicate_outputs<'p>(paths: impl Iterator<Item = &'p str>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut prev: Option<&str> = None;
    for p in paths {
        if prev == Some(p) {
            diags.push(Diagnostic::error(
                p,
                0,
                0,
                format!("two outputs would be written to {p}"),
            ));
        }
        prev = Some(p);
    }
    diags
}

/// The theme compiled and the site-wide context built, ready to render
/// any page on its own ([`Renderer::page`]) or the files that list pages
/// ([`Renderer::site_files`]); [`render`] does both for every page, and
/// the incremental engine ([`crate::incremental`]) only for pages whose
/// inputs changed.
pub struct Renderer<'a> {
    env: Env<'a>,
}

impl<'a> Renderer<'a> {
    /// Compile the theme's templates and build the site context; a
    /// template that does not compile is an error.
    pub fn new(input: &'a RenderInput<'a>) -> Result<Self, Diagnostics> {
        let mut tera = tera::Tera::new();
        let templates: Vec<(String, String)> = input
            .theme
            .templates
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Err(e) = tera.add_raw_templates(templates) {
            let mut diags = Diagnostics::new();
            diags.push(Diagnostic::error(
                "templates",
                0,
                0,
                format!("a template does not compile: {e}"),
            ));
            return Err(diags);
        }
        let site = site_ctx(input);
        Ok(Renderer {
            env: Env { input, site, tera },
        })
    }

    /// What every page shows of the site as a whole (title, navigation,
    /// base URL), as text: a page renders the same when this and its own
    /// inputs are the same.
    pub fn site_summary(&self) -> String {
        serde_json::to_string(&self.env.site).unwrap_or_default()
    }

    /// The files of page `i`: its HTML and, for trials and topics, its
    /// `index.json` twin.
    pub fn page(&self, i: usize) -> (Vec<OutputFile>, Diagnostics) {
        let (mut files, diags) = page_files(&self.env, i);
        for f in &mut files {
            crate::sanitize::strip_nul_output(&f.path, &mut f.bytes);
        }
        (files, diags)
    }

    /// The files that are not one page's: lists, tags, the home page, the
    /// feed, the sitemap, `.nojekyll`, and the copied static files and
    /// assets.
    pub fn site_files(&self) -> (Vec<OutputFile>, Diagnostics) {
        let env = &self.env;
        let input = env.input;
        let (mut files, diags) = list_files(env);
        // Feed, sitemap, .nojekyll, static files, assets.
        files.push(OutputFile {
            path: "feed.xml".into(),
            bytes: feed::atom(input.site, input.links, &env.site).into_bytes(),
        });
        files.push(OutputFile {
            path: "sitemap.xml".into(),
            bytes: feed::sitemap(input.site, &env.site).into_bytes(),
        });
        files.push(OutputFile {
            path: ".nojekyll".into(),
            bytes: Vec::new(),
        });
        // No NUL reaches a rendered file, whatever a front-matter string held
        // (`title: "a\0b"`). Static files and assets are copied as they are.
        for f in &mut files {
            crate::sanitize::strip_nul_output(&f.path, &mut f.bytes);
        }
        for (p, b) in &input.theme.statics {
            files.push(OutputFile {
                path: format!("static/{p}"),
                bytes: b.clone(),
            });
        }
        for (p, b) in &input.statics {
            files.push(OutputFile {
                path: p.clone(),
                bytes: b.to_vec(),
            });
        }
        for (p, b) in &input.assets {
            files.push(OutputFile {
                path: p.clone(),
                bytes: b.to_vec(),
            });
        }
        (files, diags)
    }
}

/// The site context: configuration and the navigation (the sections that
/// have pages, tags when any page has one, top-level plain pages).
fn site_ctx(input: &RenderInput) -> SiteCtx {
    let cfg = &input.site.config;
    let base_path = base_path(&cfg.base_url);
    let mut nav: Vec<LinkCtx> = Vec::new();
    for (sec, title) in [
        ("trials", "Trials"),
        ("appraisals", "Appraisals"),
        ("topics", "Topics"),
    ] {
        if input.site.pages.iter().any(|p| p.section == sec) {
            let t = input
                .site
                .sections
                .get(sec)
                .map(|s| s.title.clone())
                .unwrap_or_else(|| title.to_string());
            nav.push(LinkCtx {
                title: t,
                url: format!("{base_path}{sec}/"),
            });
        }
    }
    if input.site.pages.iter().any(|p| !p.tags.is_empty()) {
        nav.push(LinkCtx {
            title: "Tags".into(),
            url: format!("{base_path}tags/"),
        });
    }
    for p in &input.site.pages {
        if p.section.is_empty() && matches!(p.kind, PageKind::Plain) {
            nav.push(LinkCtx {
                title: p.title.clone(),
                url: format!("{base_path}{}", p.url_path),
            });
        }
    }
    SiteCtx {
        title: cfg.title.clone(),
        description: cfg.description.clone(),
        author: cfg.author.clone(),
        base_url: cfg.base_url.clone(),
        base_path: base_path.clone(),
        language: cfg.language.clone(),
        nav,
        stylesheet: format!("{base_path}static/style.css"),
        feed: format!("{base_path}feed.xml"),
        generator: format!("appraise {}", env!("CARGO_PKG_VERSION")),
    }
}

fn template_for(env: &Env, wanted: Option<&str>, default: &str) -> String {
    match wanted {
        Some(t) if env.tera.get_template_names().any(|n| n == t) => t.to_string(),
        _ => default.to_string(),
    }
}

fn render_one(
    env: &Env,
    template: &str,
    ctx: &Ctx,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let c = match tera::Context::from_serialize(ctx) {
        Ok(c) => c,
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                0,
                0,
                format!("cannot build the template context: {e}"),
            ));
            return None;
        }
    };
    match env.tera.render(template, &c) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                0,
                0,
                format!("template {template} failed: {}", error_chain(&e)),
            ));
            None
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

fn figure_ctx(f: &Figure) -> FigureCtx {
    FigureCtx {
        key: f.key.clone(),
        dom_id: format!("fig-{}-{}", f.page, f.key),
        title: f.title.clone(),
        wide_svg: f.wide.clone(),
        compact_svg: f.compact.clone(),
        table: f.table.clone(),
    }
}

fn page_files(env: &Env, i: usize) -> (Vec<OutputFile>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let site = env.input.site;
    let p = &site.pages[i];
    let (content_html, placed) = html::finish_body(env, i, &mut diags);
    // Figures of this page that the author placed in the prose: the
    // template does not show them a second time.
    let in_prose = |key: &str| {
        placed.iter().any(
            |pl| matches!(pl, ChartRef::Figure { page, key: k } if *page == i && k.key() == key),
        )
    };
    let json_url = matches!(p.kind, PageKind::Trial(_) | PageKind::Topic(_))
        .then(|| env.url(&format!("{}index.json", p.url_path)));
    let page = PageCtx {
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
        toc: p
            .body
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| LinkCtx {
                title: h.text.clone(),
                url: format!("#{}", h.id),
            })
            .collect(),
        bottom_line: p.bottom_line.clone(),
        json: json_url,
    };
    let mut ctx = Ctx {
        site: &env.site,
        page,
        trial: None,
        appraisal: None,
        topic: None,
        list: None,
    };
    let mut files = Vec::new();
    let default = match &p.kind {
        PageKind::Trial(t) => {
            let mut tc = trial_ctx(env, i, t, true);
            files.push(OutputFile {
                path: format!("{}index.json", p.url_path),
                bytes: json::trial(site, env.input.analyses, i, &tc),
            });
            tc.figures.retain(|f| !in_prose(&f.key));
            ctx.trial = Some(tc);
            "trial.html"
        }
        PageKind::Appraisal(a) => {
            let trials = env
                .input
                .links
                .appraisal_trials
                .get(&i)
                .cloned()
                .unwrap_or_default();
            ctx.appraisal = Some(AppraisalCtx {
                style: match a.style {
                    Style::Blog => "blog".into(),
                    Style::BottomLine => "bottom-line".into(),
                },
                trials: trials
                    .iter()
                    .filter_map(|&j| match &site.pages[j].kind {
                        PageKind::Trial(t) => Some(trial_ctx(env, j, t, false)),
                        _ => None,
                    })
                    .collect(),
            });
            "appraisal.html"
        }
        PageKind::Topic(_) => {
            let trials = env
                .input
                .links
                .topic_trials
                .get(&i)
                .cloned()
                .unwrap_or_default();
            let mut order = trials.clone();
            order.sort_by(|&a, &b| {
                (crate::link::publication_key(site, a), &site.pages[a].id)
                    .cmp(&(crate::link::publication_key(site, b), &site.pages[b].id))
            });
            let analyses = env
                .input
                .analyses
                .topics
                .get(&i)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let tc = TopicCtx {
                trials: order
                    .iter()
                    .filter_map(|&j| match &site.pages[j].kind {
                        PageKind::Trial(t) => {
                            let mut c = trial_ctx(env, j, t, false);
                            c.figures.clear();
                            Some(c)
                        }
                        _ => None,
                    })
                    .collect(),
                analyses: analyses
                    .iter()
                    .map(|r| {
                        AnalysisCtx {
                            id: r.id.clone(),
                            title: r.title.clone(),
                            headline: crate::present::analysis_headline(r),
                            caveat: crate::present::analysis_caveat(r),
                            heterogeneity: crate::present::heterogeneity_text(r),
                            prediction: crate::present::prediction_text(r),
                            model: format!("{} (preset “{}”)", r.model_description, r.model),
                            // Charts the author placed in the prose are not repeated here.
                            figures: ["pooled", "cumulative"]
                                .iter()
                                .map(|k| format!("{k}-{}", r.id))
                                .filter(|k| !in_prose(k))
                                .filter_map(|k| env.input.figures.get(i, &k))
                                .map(figure_ctx)
                                .collect(),
                            excluded: r
                                .excluded
                                .iter()
                                .map(|(t, why)| format!("{t}: {why}"))
                                .collect(),
                        }
                    })
                    .collect(),
            };
            files.push(OutputFile {
                path: format!("{}index.json", p.url_path),
                bytes: json::topic(site, env.input.links, i, analyses),
            });
            ctx.topic = Some(tc);
            "topic.html"
        }
        PageKind::Plain => "page.html",
    };
    let template = template_for(env, p.template.as_deref(), default);
    if let Some(h) = render_one(env, &template, &ctx, &p.source, &mut diags) {
        files.push(OutputFile {
            path: format!("{}index.html", p.url_path),
            bytes: h.into_bytes(),
        });
    }
    (files, diags)
}

fn pct(e: u64, t: u64) -> String {
    if t == 0 {
        return String::new();
    }
    num(100.0 * e as f64 / t as f64, 1)
}

fn outcome_ctx(o: &OutcomeResult, note: Option<String>) -> OutcomeCtx {
    let arm_cells = o
        .arms
        .iter()
        .map(|a| match (a.events, a.total, a.mean, a.median) {
            (Some(e), Some(t), _, _) => format!("{e}/{t} ({}%)", pct(e, t)),
            (_, _, Some(m), _) => format!(
                "{}{}",
                crate::present::mean_sd_text(m, a.sd.unwrap_or(0.0)),
                a.n.map(|n| format!(" (n = {n})")).unwrap_or_default()
            ),
            (_, _, _, Some(m)) => {
                crate::present::median_iqr_text(m, a.q1.unwrap_or(m), a.q3.unwrap_or(m))
            }
            _ => "–".into(),
        })
        .collect();
    let mut recomputed = Vec::new();
    for e in &o.effects {
        let s = match e.measure {
            Measure::RD => format!(
                "RD {} pts ({} to {}), {}",
                num(e.estimate * 100.0, 1),
                num(e.ci_low * 100.0, 1),
                num(e.ci_high * 100.0, 1),
                e.method
            ),
            _ => format!(
                "{} {} ({} to {})",
                e.measure,
                num(e.estimate, 2),
                num(e.ci_low, 2),
                num(e.ci_high, 2)
            ),
        };
        recomputed.push(s);
    }
    let fragility = o
        .fragility_index
        .map(|f| format!("Fragility index {f}: {f} patient{} with a different outcome would make p ≥ 0.05 (Fisher)", if f == 1 { "" } else { "s" }))
        .or_else(|| {
            o.reverse_fragility_index
                .map(|f| format!("Reverse fragility index {f}: {f} patient{} with a different outcome would make p < 0.05 (Fisher)", if f == 1 { "" } else { "s" }))
        });
    let checks = o
        .check
        .iter()
        .map(|c| CheckCtx {
            verdict: c.verdict.as_str().to_string(),
            badge: crate::present::verdict_badge(c.verdict, c.measure, c.p_printed),
            summary: c.summary.clone(),
            explained_by: c.explained_by.clone().filter(|_| c.verdict.is_mismatch()),
        })
        .collect();
    let bayes = o
        .bayes
        .iter()
        .map(|b| {
            format!(
                "{} prior: posterior RR {} ({} to {}); P(benefit) {}%, P(harm) {}%",
                crate::model::capitalise(&b.prior),
                num(b.ratio, 2),
                num(b.ci_low, 2),
                num(b.ci_high, 2),
                num(b.p_benefit * 100.0, 0),
                num(b.p_harm * 100.0, 0)
            )
        })
        .collect();
    OutcomeCtx {
        id: o.id.clone(),
        label: o.label.clone(),
        role: format!("{:?}", o.role).to_lowercase(),
        timepoint: o.timepoint.clone(),
        endpoint: o.endpoint.clone(),
        arm_cells,
        reported: o.reported.iter().map(|r| r.text.clone()).collect(),
        recomputed,
        nnt: o.nnt.as_ref().map(|n| n.text.clone()),
        fragility,
        checks,
        bayes,
        note,
    }
}

fn field(label: &str, v: Option<String>) -> Option<FieldCtx> {
    v.filter(|s| !s.is_empty()).map(|value| FieldCtx {
        label: label.into(),
        value,
    })
}

/// Build the trial context; `full` adds figures and everything for the trial page itself.
fn trial_ctx(env: &Env, i: usize, t: &Trial, full: bool) -> TrialCtx {
    let site = env.input.site;
    let p = &site.pages[i];
    let links = env.input.links;
    let results = env
        .input
        .analyses
        .trials
        .get(&i)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let published_as = links.published_as.get(&i).map(|&j| env.page_link(j));
    let st = links.status(i).unwrap_or(TrialStatus::Published);
    let (status, status_label) = (
        crate::present::status_class(st),
        crate::present::status_label(st, t),
    );
    let mut registry = Vec::new();
    if let Some(r) = &t.registry {
        registry.extend(
            [
                field("Status", r.status.clone()),
                field("Phase", r.phase.clone()),
                field("Study type", r.study_type.clone()),
                field("Sponsor", r.sponsor.clone()),
                field("Contact", r.contact.clone()),
                field("Registered", r.registered.map(|d| d.to_string())),
                field("Start", r.start.map(|d| d.to_string())),
                field("Completion", r.completion.map(|d| d.to_string())),
                field("Planned enrolment", r.enrollment.map(|e| e.to_string())),
                field(
                    "Conditions",
                    (!r.conditions.is_empty()).then(|| r.conditions.join(", ")),
                ),
                field("Record checked", r.checked.map(|d| d.to_string())),
            ]
            .into_iter()
            .flatten(),
        );
    }
    let d = &t.design;
    let design = [
        field("Allocation", d.allocation.clone()),
        field("Blinding", d.blinding.clone()),
        field("Structure", d.structure.clone()),
        field("Centres", d.centres.map(|c| c.to_string())),
        field(
            "Countries",
            (!d.countries.is_empty()).then(|| d.countries.join(", ")),
        ),
        field("Randomised", d.randomised.map(|c| c.to_string())),
        field("Analysis", d.analysis.clone()),
        field("Sample size", d.sample_size.clone()),
        field("Follow-up", d.follow_up.clone()),
        field("Funding", d.funding.clone()),
        field("Setting", t.population.setting.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let exp = t.arms.get(t.experimental());
    let ctl = t.arms.get(t.control);
    let primary: Vec<String> = t
        .outcomes
        .iter()
        .filter(|o| o.role == crate::model::Role::Primary)
        .map(|o| o.label.clone())
        .collect();
    let pico = [
        field("Population", t.population.description.clone()),
        field(
            "Intervention",
            exp.map(|a| a.intervention.clone().unwrap_or_else(|| a.label.clone())),
        ),
        field(
            "Comparison",
            ctl.map(|a| a.intervention.clone().unwrap_or_else(|| a.label.clone())),
        ),
        field("Outcome", (!primary.is_empty()).then(|| primary.join("; "))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let order = t.arm_order();
    let outcomes: Vec<OutcomeCtx> = results
        .iter()
        .zip(&t.outcomes)
        .map(|(r, o)| outcome_ctx(r, o.note.clone()))
        .collect();
    let key_outcomes = results
        .iter()
        .zip(&t.outcomes)
        .filter(|(_, o)| {
            o.role == crate::model::Role::Primary
                || o.endpoint.is_some()
                || o.role == crate::model::Role::Safety
        })
        .map(|(r, o)| outcome_ctx(r, o.note.clone()))
        .collect();
    // Printed effects that differ from the recomputation: explained by the
    // paper's stated method, or not.
    let (explained, mismatches) = results
        .iter()
        .flat_map(|r| &r.check)
        .filter(|c| c.verdict.is_mismatch())
        .fold((0, 0), |(e, m), c| {
            if c.explained_by.is_some() {
                (e + 1, m)
            } else {
                (e, m + 1)
            }
        });
    let reproduced = results
        .iter()
        .flat_map(|r| &r.check)
        .filter(|c| c.verdict == crate::stats::check::Verdict::Reproduced)
        .count();
    let consistent = results
        .iter()
        .flat_map(|r| &r.check)
        .filter(|c| c.verdict == crate::stats::check::Verdict::Consistent)
        .count();
    let figures: Vec<FigureCtx> = if full {
        env.input
            .figures
            .of(i)
            .iter()
            .filter(|f| {
                ["forest-ratio", "forest-diff", "rates", "timeline"].contains(&f.key.as_str())
            })
            .map(figure_ctx)
            .collect()
    } else {
        env.input
            .figures
            .get(i, "forest-ratio")
            .map(figure_ctx)
            .into_iter()
            .collect()
    };
    let pubn = t.publication.as_ref();
    TrialCtx {
        id: p.id.clone(),
        url: env.url(&p.url_path),
        acronym: t.acronym.clone(),
        full_title: t.title.clone(),
        status,
        status_label,
        question: t.question.clone(),
        conclusion: t.conclusion.clone(),
        bottom_line: p.bottom_line.clone(),
        registrations: t
            .registrations
            .iter()
            .map(|r| LinkCtx {
                title: r.id.clone(),
                url: r.url.clone().unwrap_or_default(),
            })
            .collect(),
        registry,
        citation: pubn.and_then(|x| x.citation.clone()),
        paper_url: pubn.and_then(|x| x.url.clone()),
        journal: pubn.and_then(|x| match (&x.journal, x.year) {
            (Some(j), Some(y)) => Some(format!("{j} {y}")),
            (Some(j), None) => Some(j.clone()),
            (None, Some(y)) => Some(y.to_string()),
            _ => None,
        }),
        design,
        pico,
        inclusion: t.population.inclusion.clone(),
        exclusion: t.population.exclusion.clone(),
        arms: t
            .arms
            .iter()
            .map(|a| ArmCtx {
                label: a.label.clone(),
                n: a.n,
                intervention: a.intervention.clone(),
                control: a.control,
            })
            .collect(),
        arm_headers: order.iter().map(|&k| t.arms[k].label.clone()).collect(),
        baseline: t
            .baseline
            .iter()
            .map(|(l, v)| {
                std::iter::once(l.clone())
                    .chain(order.iter().map(|&k| v.get(k).cloned().unwrap_or_default()))
                    .collect()
            })
            .collect(),
        outcomes: if full { outcomes } else { Vec::new() },
        key_outcomes,
        figures,
        appraisals: links
            .trial_appraisals
            .get(&i)
            .map(|v| v.iter().map(|&j| env.page_link(j)).collect())
            .unwrap_or_default(),
        topics: links
            .trial_topics
            .get(&i)
            .map(|v| v.iter().map(|&j| env.page_link(j)).collect())
            .unwrap_or_default(),
        published_as,
        registry_records: links
            .registry_records
            .get(&i)
            .map(|v| v.iter().map(|&j| env.page_link(j)).collect())
            .unwrap_or_default(),
        mismatches,
        explained,
        reproduced,
        consistent,
    }
}

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
    }
}

fn by_date_desc(site: &Site, v: &mut [usize]) {
    v.sort_by(|&a, &b| {
        (site.pages[b].date, &site.pages[a].title).cmp(&(site.pages[a].date, &site.pages[b].title))
    });
}

/// Whether HTML opens with `<h1>`…`<h6>` (not `<hr>` or `<header>`).
fn opens_with_heading(html: &str) -> bool {
    let b = html.trim_start().as_bytes();
    b.len() > 2 && b[0] == b'<' && b[1] == b'h' && (b'1'..=b'6').contains(&b[2])
}

/// A section's heading: its `_index.md` title, else its folder name.
fn section_title(site: &Site, sec: &str) -> String {
    site.sections
        .get(sec)
        .map(|s| s.title.clone())
        .unwrap_or_else(|| crate::model::capitalise(sec))
}

/// A list page that may run over several pages (a section, a tag).
struct Paged<'a> {
    /// `page.kind` for the template.
    kind: &'static str,
    /// Template name.
    template: &'a str,
    /// Where a template error is reported.
    source: &'a str,
    /// Folder of the first page (`trials/`).
    base: &'a str,
    /// Heading; later pages add "(page k of n)".
    title: &'a str,
    /// Introduction HTML, shown on the first page only.
    intro: &'a str,
    /// Items per page (0 = one page).
    per: usize,
}

/// Render every page of a paginated list into `files`.
fn render_paged(
    env: &Env,
    list: Paged,
    items: Vec<ItemCtx>,
    files: &mut Vec<OutputFile>,
    diags: &mut Diagnostics,
) {
    for (rel, chunk, pager) in paginate(env, list.base, items, list.per) {
        let mut l = empty_list();
        let title = match &pager {
            Some(p) if p.current > 1 => {
                format!("{} (page {} of {})", list.title, p.current, p.total)
            }
            _ => {
                l.intro_html = list.intro.to_string();
                list.title.to_string()
            }
        };
        l.items = chunk;
        l.pager = pager;
        let ctx = Ctx {
            site: &env.site,
            page: simple_page(env, list.kind, title, &rel, String::new()),
            trial: None,
            appraisal: None,
            topic: None,
            list: Some(l),
        };
        if let Some(h) = render_one(env, list.template, &ctx, list.source, diags) {
            files.push(OutputFile {
                path: format!("{rel}index.html"),
                bytes: h.into_bytes(),
            });
        }
    }
}

fn empty_list() -> ListCtx {
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

/// Items per list on the home page.
const HOME_ITEMS: usize = 10;

/// Split `items` into pages of `per` (0 = one page). Returns, for each page,
/// its folder, its items and its pager (`None` when there is one page).
/// Page 1 is `<base>`; page k is `<base>page/<k>/`.
fn paginate(
    env: &Env,
    base: &str,
    items: Vec<ItemCtx>,
    per: usize,
) -> Vec<(String, Vec<ItemCtx>, Option<PagerCtx>)> {
    let n = items.len();
    if per == 0 || n <= per {
        return vec![(base.to_string(), items, None)];
    }
    let total = n.div_ceil(per);
    let rel = |k: usize| {
        if k == 1 {
            base.to_string()
        } else {
            format!("{base}page/{k}/")
        }
    };
    let mut out = Vec::with_capacity(total);
    let mut it = items.into_iter();
    for k in 1..=total {
        let chunk: Vec<ItemCtx> = it.by_ref().take(per).collect();
        let mut pages = Vec::new();
        for j in 1..=total {
            let shown = j == 1 || j == total || j.abs_diff(k) <= 2;
            if shown {
                pages.push(PageNumCtx {
                    number: j,
                    url: env.url(&rel(j)),
                    current: j == k,
                    gap: false,
                });
            } else if pages.last().is_some_and(|p: &PageNumCtx| !p.gap) {
                pages.push(PageNumCtx {
                    number: 0,
                    url: String::new(),
                    current: false,
                    gap: true,
                });
            }
        }
        let pager = PagerCtx {
            current: k,
            total,
            items_total: n,
            prev: (k > 1).then(|| env.url(&rel(k - 1))),
            next: (k < total).then(|| env.url(&rel(k + 1))),
            pages,
        };
        out.push((rel(k), chunk, Some(pager)));
    }
    out
}

fn simple_page(
    env: &Env,
    kind: &'static str,
    title: String,
    rel: &str,
    description: String,
) -> PageCtx {
    PageCtx {
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
    }
}

fn list_files(env: &Env) -> (Vec<OutputFile>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut files = Vec::new();
    let site = env.input.site;
    let n = site.pages.len();
    let of_kind = |f: &dyn Fn(usize) -> bool| -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).filter(|&i| f(i)).collect();
        by_date_desc(site, &mut v);
        v
    };
    let appraisals = of_kind(&|i| matches!(site.pages[i].kind, PageKind::Appraisal(_)));
    let topics = of_kind(&|i| matches!(site.pages[i].kind, PageKind::Topic(_)));
    let status = |i: usize| env.input.links.status(i);
    let trials = of_kind(&|i| status(i) == Some(TrialStatus::Published));
    let ongoing = of_kind(&|i| status(i) == Some(TrialStatus::Ongoing));
    let items = |v: &[usize]| v.iter().map(|&i| item(env, i)).collect::<Vec<_>>();
    // Home.
    let mut home = empty_list();
    home.intro_html = html::rewrite_links(env, &site.config.intro_html);
    // The latest few of each kind, with a link to the full list when the
    // items share a section.
    let more = |v: &[usize], noun: &str| {
        let sec = v.first().map(|&i| site.pages[i].section.as_str());
        let same =
            sec.is_some_and(|s| !s.is_empty() && v.iter().all(|&i| site.pages[i].section == s));
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
    };
    let latest = |v: &[usize]| items(&v[..v.len().min(HOME_ITEMS)]);
    home.appraisals = latest(&appraisals);
    home.trials = latest(&trials);
    home.ongoing = latest(&ongoing);
    home.topics = latest(&topics);
    home.more = Some(HomeMoreCtx {
        appraisals: more(&appraisals, "appraisals"),
        trials: more(&trials, "published trials"),
        ongoing: more(&ongoing, "ongoing trials"),
        topics: more(&topics, "topics"),
    });
    let ctx = Ctx {
        site: &env.site,
        page: simple_page(
            env,
            "home",
            site.config.title.clone(),
            "",
            site.config.description.clone(),
        ),
        trial: None,
        appraisal: None,
        topic: None,
        list: Some(home),
    };
    if let Some(h) = render_one(env, "index.html", &ctx, "content/_index.md", &mut diags) {
        files.push(OutputFile {
            path: "index.html".into(),
            bytes: h.into_bytes(),
        });
    }
    // Sections.
    let mut sections: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        if !p.section.is_empty() {
            sections.entry(p.section.as_str()).or_default().push(i);
        }
    }
    for (sec, mut v) in sections {
        by_date_desc(site, &mut v);
        let info = site.sections.get(sec);
        let intro = info
            .map(|s| html::rewrite_links(env, &s.intro_html))
            .unwrap_or_default();
        let title = section_title(site, sec);
        let per = info
            .and_then(|s| s.paginate_by)
            .unwrap_or(site.config.paginate_by);
        render_paged(
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
            items(&v),
            &mut files,
            &mut diags,
        );
    }
    // Tags.
    let links = env.input.links;
    if !links.tags.is_empty() {
        let mut l = empty_list();
        l.tags = links
            .tags
            .iter()
            .map(|(t, v)| TagCount {
                name: t.clone(),
                url: env.tag_link(t).url,
                count: v.len(),
            })
            .collect();
        let ctx = Ctx {
            site: &env.site,
            page: simple_page(env, "tags", "Tags".into(), "tags/", String::new()),
            trial: None,
            appraisal: None,
            topic: None,
            list: Some(l),
        };
        if let Some(h) = render_one(env, "tags.html", &ctx, "tags", &mut diags) {
            files.push(OutputFile {
                path: "tags/index.html".into(),
                bytes: h.into_bytes(),
            });
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (t, v) in &links.tags {
            let slug = slugify(t);
            if let Some(other) = seen.insert(slug.clone(), t) {
                diags.push(Diagnostic::warning("content", 0, 0, format!("tags `{other}` and `{t}` share the URL tags/{slug}/; their pages are listed together")));
                continue;
            }
            let mut v = v.clone();
            for (t2, v2) in &links.tags {
                if t2 != t && slugify(t2) == slug {
                    v.extend(v2);
                }
            }
            by_date_desc(site, &mut v);
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
                items(&v),
                &mut files,
                &mut diags,
            );
        }
    }
    // 404.
    let ctx = Ctx {
        site: &env.site,
        page: simple_page(
            env,
            "404",
            "Page not found".into(),
            "404.html",
            String::new(),
        ),
        trial: None,
        appraisal: None,
        topic: None,
        list: None,
    };
    if let Some(h) = render_one(env, "404.html", &ctx, "404", &mut diags) {
        files.push(OutputFile {
            path: "404.html".into(),
            bytes: h.into_bytes(),
        });
    }
    (files, diags)
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
