//! Link: resolve every reference between pages.
//!
//! Appraisal → trials, topic → trials (by list and by tag), analysis →
//! trials, registry record ↔ published trial (by a shared registration id),
//! and `@/` links in Markdown. The result, [`Links`], is plain indices into
//! `Site::pages` plus the dependency graph (which page shows data of which
//! other page) that incremental rebuilds need. Dangling references are
//! errors naming the file, line and column of the reference.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::model::{Measure, PageKind, Site};

mod inline;

/// Where a trial stands, decided once here for every page that shows it
/// (its own page, lists, the home page, topics, the feed). The words for
/// each status are in [`crate::present`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrialStatus {
    /// Results are known: outcome data or a publication.
    Published,
    /// A registered trial without results yet.
    Ongoing,
    /// A registry record whose results are on the site as their own trial
    /// page (the trial that shares its registration id).
    Superseded,
    /// A registry record with results posted on the registry and no paper
    /// (no publication, and no published trial page of its registration).
    ResultsPosted,
}

/// A chart a shortcode asks for, named by what it shows: the figures
/// stage draws it under [`FigureKey::key`], render places it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FigureKey {
    /// The trial's outcomes on the ratio scale.
    ForestRatio,
    /// The trial's outcomes on the difference scale.
    ForestDiff,
    /// One outcome's forest plot.
    ForestFor(String),
    /// Event rates of every binary outcome.
    Rates,
    /// One outcome's event rates.
    RatesFor(String),
    /// The registration timeline.
    Timeline,
    /// A topic analysis' pooled forest plot.
    Pooled(String),
    /// A topic analysis' cumulative plot.
    Cumulative(String),
    /// A topic analysis' trial sequential analysis.
    Tsa(String),
    /// The trial's risk-of-bias traffic-light chart.
    RiskOfBias,
    /// A topic analysis' risk-of-bias summary.
    RobSummary(String),
}

impl FigureKey {
    /// The key the figures store uses (`forest-ratio`, `rates-death-28d`,
    /// `pooled-mortality`).
    pub fn key(&self) -> String {
        match self {
            FigureKey::ForestRatio => "forest-ratio".into(),
            FigureKey::ForestDiff => "forest-diff".into(),
            FigureKey::ForestFor(o) => format!("forest-{o}"),
            FigureKey::Rates => "rates".into(),
            FigureKey::RatesFor(o) => format!("rates-{o}"),
            FigureKey::Timeline => "timeline".into(),
            FigureKey::Pooled(a) => format!("pooled-{a}"),
            FigureKey::Cumulative(a) => format!("cumulative-{a}"),
            FigureKey::Tsa(a) => format!("tsa-{a}"),
            FigureKey::RiskOfBias => "risk-of-bias".into(),
            FigureKey::RobSummary(a) => format!("rob-summary-{a}"),
        }
    }

    /// The one outcome it draws, when it draws one.
    pub fn outcome(&self) -> Option<&str> {
        match self {
            FigureKey::ForestFor(o) | FigureKey::RatesFor(o) => Some(o),
            _ => None,
        }
    }
}

/// What a shortcode in a page body places, resolved once here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartRef {
    /// A figure of a trial or topic page.
    Figure {
        /// Index of the page whose figure it is.
        page: usize,
        /// Which figure.
        key: FigureKey,
    },
    /// The outcomes table of a trial page.
    Results {
        /// Index of the trial page.
        trial: usize,
    },
    /// A number in the text (`value`): one arm's result of an outcome.
    Value {
        /// Index of the trial page.
        trial: usize,
        /// The outcome's id.
        outcome: String,
        /// The arm's id.
        arm: String,
        /// What of the result it shows.
        show: ValueShow,
    },
    /// A number in the text (`effect`): an effect of an outcome.
    Effect {
        /// Index of the trial page.
        trial: usize,
        /// The outcome's id.
        outcome: String,
        /// The measure.
        measure: Measure,
        /// Recomputed, or which of the outcome's printed effects.
        source: EffectSource,
    },
    /// Nothing: what it names has errors of its own, already reported, or
    /// the shortcode itself is wrong (reported here).
    Omitted,
}

/// What an inline `value` shows of an arm's result (`show="…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueShow {
    /// The whole result as the trial page shows it: `89/258 (34.5%)`,
    /// `6.68 ± 3.96 (n = 258)`, `22 (0–26)`.
    All,
    /// The risk alone: `34.5%`.
    Risk,
    /// The count alone: `89/258`.
    Events,
    /// The mean alone: `6.68`.
    Mean,
    /// The median alone: `22`.
    Median,
}

impl ValueShow {
    /// The names `show` takes, in the order of [`ValueShow::parse`].
    pub const NAMES: &'static [&'static str] = &["all", "risk", "events", "mean", "median"];

    /// The variant `show="name"` asks for.
    pub fn parse(name: &str) -> Option<ValueShow> {
        Some(match name {
            "all" => ValueShow::All,
            "risk" => ValueShow::Risk,
            "events" => ValueShow::Events,
            "mean" => ValueShow::Mean,
            "median" => ValueShow::Median,
            _ => return None,
        })
    }

    /// Its name in `show="…"`.
    pub fn name(self) -> &'static str {
        match self {
            ValueShow::All => "all",
            ValueShow::Risk => "risk",
            ValueShow::Events => "events",
            ValueShow::Mean => "mean",
            ValueShow::Median => "median",
        }
    }
}

/// Which effect an inline `effect` quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectSource {
    /// Recomputed from the arm data (the trial page's "Recomputed" line;
    /// for RD, Wald's interval, the first listed).
    Recomputed,
    /// The outcome's printed effect at this index of `Outcome::reported`.
    Reported(usize),
}

/// References resolved to page indices.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Trial id → page index.
    pub trial_by_id: BTreeMap<String, usize>,
    /// Appraisal page → the trial pages it discusses.
    pub appraisal_trials: BTreeMap<usize, Vec<usize>>,
    /// Trial page → appraisals discussing it.
    pub trial_appraisals: BTreeMap<usize, Vec<usize>>,
    /// Topic page → its trial pages (list order, then tagged trials by date).
    pub topic_trials: BTreeMap<usize, Vec<usize>>,
    /// Trial page → topics that gather it.
    pub trial_topics: BTreeMap<usize, Vec<usize>>,
    /// Registry record (trial without results) → published trial with the same registration.
    pub published_as: BTreeMap<usize, usize>,
    /// Published trial → registry records of it.
    pub registry_records: BTreeMap<usize, Vec<usize>>,
    /// Tag → pages carrying it (page order).
    pub tags: BTreeMap<String, Vec<usize>>,
    /// `@/` link target as written → URL path of the page.
    pub internal: BTreeMap<String, String>,
    /// Page → pages whose data it shows (the rebuild graph).
    pub depends_on: BTreeMap<usize, BTreeSet<usize>>,
    /// Trial page → its status.
    pub status: BTreeMap<usize, TrialStatus>,
    /// Page → what each of its shortcodes places, in body order.
    pub charts: BTreeMap<usize, Vec<ChartRef>>,
}

impl Links {
    /// The status of trial page `i` (`None` for other pages).
    pub fn status(&self, i: usize) -> Option<TrialStatus> {
        self.status.get(&i).copied()
    }
}

/// Resolve references in `site`: one step per kind of reference, each
/// adding to [`Links`] and to the rebuild graph ([`Links::depends_on`]).
pub fn link(site: &Site) -> (Links, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut l = Links::default();
    ids_and_tags(site, &mut l, &mut diags);
    let (appraisal_trials, topic_trials) = cited_trials(site, &l, &mut diags);
    cited_by(&mut l, appraisal_trials, topic_trials);
    registry_records(site, &mut l);
    statuses(site, &mut l);
    internal_links(site, &mut l, &mut diags);
    shortcodes(site, &mut l, &mut diags);
    (l, diags)
}

/// Trial ids (each used once) and the pages of every tag.
fn ids_and_tags(site: &Site, l: &mut Links, diags: &mut Diagnostics) {
    for (i, p) in site.pages.iter().enumerate() {
        if let PageKind::Trial(_) = p.kind {
            if let Some(prev) = l.trial_by_id.insert(p.id.clone(), i) {
                diags.push(Diagnostic::error(
                    &p.source,
                    1,
                    1,
                    format!(
                        "trial id `{}` is also used by {}",
                        p.id, site.pages[prev].source
                    ),
                ));
            }
        }
        for t in &p.tags {
            l.tags.entry(t.clone()).or_default().push(i);
        }
    }
}

/// The trial page `id` names, or an error at `pos` of `file` (with the
/// nearest id as a hint).
fn resolve_trial(
    l: &Links,
    diags: &mut Diagnostics,
    file: &str,
    id: &str,
    pos: (usize, usize),
) -> Option<usize> {
    if let Some(&i) = l.trial_by_id.get(id) {
        return Some(i);
    }
    let trial_ids: Vec<&str> = l.trial_by_id.keys().map(String::as_str).collect();
    let mut d = Diagnostic::error(file, pos.0, pos.1, format!("no trial has the id `{id}`"));
    d.hint = Some(match did_you_mean(id, &trial_ids) {
        Some(s) => format!(
            "did you mean `{s}`? A trial's id is its folder or file name under content/trials/"
        ),
        None => "a trial's id is its folder or file name under content/trials/".into(),
    });
    diags.push(d);
    None
}

/// Per page index.
type PerPage = BTreeMap<usize, Vec<usize>>;

/// The trials each appraisal discusses and each topic gathers (listed,
/// then tagged by date), with the checks of a topic's analyses.
fn cited_trials(site: &Site, l: &Links, diags: &mut Diagnostics) -> (PerPage, PerPage) {
    let mut appraisal_trials = BTreeMap::new();
    let mut topic_trials = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        match &p.kind {
            PageKind::Appraisal(a) => {
                let v: Vec<usize> = a
                    .trials
                    .iter()
                    .filter_map(|(id, pos)| resolve_trial(l, diags, &p.source, id, *pos))
                    .collect();
                appraisal_trials.insert(i, v);
            }
            PageKind::Topic(t) => {
                let mut v: Vec<usize> = Vec::new();
                for (id, pos) in &t.trials {
                    if let Some(j) = resolve_trial(l, diags, &p.source, id, *pos) {
                        if !v.contains(&j) {
                            v.push(j);
                        }
                    }
                }
                let mut tagged: Vec<usize> = t
                    .tags
                    .iter()
                    .flat_map(|tag| l.tags.get(tag).cloned().unwrap_or_default())
                    .filter(|&j| {
                        matches!(site.pages[j].kind, PageKind::Trial(_)) && !v.contains(&j)
                    })
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                tagged.sort_by(|&a, &b| {
                    (trial_date(site, a), &site.pages[a].id)
                        .cmp(&(trial_date(site, b), &site.pages[b].id))
                });
                v.extend(tagged);
                for a in &t.analyses {
                    for (id, pos) in &a.trials {
                        if let Some(j) = resolve_trial(l, diags, &p.source, id, *pos) {
                            if !v.contains(&j) {
                                diags.push(Diagnostic::warning(&p.source, pos.0, pos.1, format!("analysis `{}` uses `{id}`, which is not among the topic's trials", a.id)));
                            }
                        }
                    }
                    for (g, ids) in &a.subgroups {
                        for id in ids {
                            if !l.trial_by_id.contains_key(id) {
                                let pos = a.pos;
                                diags.push(Diagnostic::error(&p.source, pos.0, pos.1, format!("subgroup `{g}` of analysis `{}` names an unknown trial `{id}`", a.id)));
                            }
                        }
                    }
                }
                topic_trials.insert(i, v);
            }
            _ => {}
        }
    }
    (appraisal_trials, topic_trials)
}

/// The reverse maps (trial → appraisals, trial → topics), both ways in the
/// rebuild graph.
fn cited_by(l: &mut Links, appraisal_trials: PerPage, topic_trials: PerPage) {
    for (&a, ts) in &appraisal_trials {
        for &t in ts {
            l.trial_appraisals.entry(t).or_default().push(a);
            l.depends_on.entry(a).or_default().insert(t);
            l.depends_on.entry(t).or_default().insert(a);
        }
    }
    for (&tp, ts) in &topic_trials {
        for &t in ts {
            l.trial_topics.entry(t).or_default().push(tp);
            l.depends_on.entry(tp).or_default().insert(t);
            l.depends_on.entry(t).or_default().insert(tp);
        }
    }
    l.appraisal_trials = appraisal_trials;
    l.topic_trials = topic_trials;
}

/// Registry records (trials without published results of their own: at
/// most results posted on the registry) and the published trial with the
/// same registration.
fn registry_records(site: &Site, l: &mut Links) {
    let mut by_reg: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in site.pages.iter().enumerate() {
        if let PageKind::Trial(t) = &p.kind {
            for r in &t.registrations {
                by_reg.entry(r.id.to_ascii_uppercase()).or_default().push(i);
            }
        }
    }
    for ids in by_reg.values() {
        let (published, records): (Vec<usize>, Vec<usize>) =
            ids.iter().partition(|&&i| match &site.pages[i].kind {
                PageKind::Trial(t) => t.has_paper_results(),
                _ => false,
            });
        if let Some(&pubd) = published.first() {
            for &r in &records {
                l.published_as.insert(r, pubd);
                let v = l.registry_records.entry(pubd).or_default();
                if !v.contains(&r) {
                    v.push(r);
                }
                l.depends_on.entry(r).or_default().insert(pubd);
                l.depends_on.entry(pubd).or_default().insert(r);
            }
        }
    }
}

/// Every trial's status, decided once.
fn statuses(site: &Site, l: &mut Links) {
    for (i, p) in site.pages.iter().enumerate() {
        if let PageKind::Trial(t) = &p.kind {
            let st = if l.published_as.contains_key(&i) {
                TrialStatus::Superseded
            } else if t.has_paper_results() {
                TrialStatus::Published
            } else if t.has_results() {
                TrialStatus::ResultsPosted
            } else {
                TrialStatus::Ongoing
            };
            l.status.insert(i, st);
        }
    }
}

/// `@/` links to pages and sections.
fn internal_links(site: &Site, l: &mut Links, diags: &mut Diagnostics) {
    let by_source: BTreeMap<String, (&str, usize)> = site
        .pages
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let s = p.source.strip_prefix("content/").unwrap_or(&p.source);
            let key = s
                .trim_end_matches("/index.md")
                .trim_end_matches(".md")
                .to_string();
            (key, (p.url_path.as_str(), j))
        })
        .collect();
    for (i, p) in site.pages.iter().enumerate() {
        for link in &p.body.links {
            let path = link.target.split('#').next().unwrap_or("");
            let key = path
                .trim_end_matches('/')
                .trim_end_matches("/index.md")
                .trim_end_matches(".md");
            let url = if key.is_empty() {
                Some(String::new())
            } else if let Some(&(u, j)) = by_source.get(key) {
                // The link shows the target's URL: a new slug re-renders this page.
                if j != i {
                    l.depends_on.entry(i).or_default().insert(j);
                }
                Some(u.to_string())
            } else if let Some(sec) = site.sections.keys().find(|s| s.as_str() == key) {
                Some(format!("{sec}/"))
            } else {
                None
            };
            match url {
                Some(u) => {
                    l.internal.insert(link.target.clone(), u);
                }
                None => {
                    let keys: Vec<&str> = by_source.keys().map(String::as_str).collect();
                    let mut d = Diagnostic::error(
                        &p.source,
                        p.body_line + link.line - 1,
                        link.column,
                        format!("the link @/{} points to no page", link.target),
                    );
                    if let Some(s) = did_you_mean(key, &keys) {
                        d.hint = Some(format!("did you mean @/{s}?"));
                    }
                    diags.push(d);
                }
            }
        }
    }
}

/// What each chart shortcode places.
fn shortcodes(site: &Site, l: &mut Links, diags: &mut Diagnostics) {
    for (i, p) in site.pages.iter().enumerate() {
        if p.body.shortcodes.is_empty() {
            continue;
        }
        let refs = p
            .body
            .shortcodes
            .iter()
            .map(|sc| {
                let r = if sc.inline {
                    inline::inline_ref(site, l, i, sc)
                } else {
                    chart_ref(site, l, i, sc).map_err(|m| vec![m])
                };
                r.unwrap_or_else(|msgs| {
                    for msg in msgs {
                        diags.push(Diagnostic::error(
                            &p.source,
                            p.body_line + sc.line - 1,
                            sc.column,
                            msg,
                        ));
                    }
                    ChartRef::Omitted
                })
            })
            .collect();
        l.charts.insert(i, refs);
    }
    for (&i, refs) in &l.charts {
        for r in refs {
            let dep = match r {
                ChartRef::Figure { page, .. } => *page,
                ChartRef::Results { trial }
                | ChartRef::Value { trial, .. }
                | ChartRef::Effect { trial, .. } => *trial,
                ChartRef::Omitted => continue,
            };
            if dep != i {
                l.depends_on.entry(i).or_default().insert(dep);
            }
        }
    }
}

/// Resolve shortcode `sc` on page `i`, or say what is wrong with it. Only
/// what the pages say is checked here; whether the data give a chart is
/// known after the figures stage.
fn chart_ref(
    site: &Site,
    l: &Links,
    i: usize,
    sc: &crate::parse::markdown::Shortcode,
) -> Result<ChartRef, String> {
    let arg = |k: &str| sc.args.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    match sc.name.as_str() {
        "forest" | "rates" | "timeline" | "results" => trial_chart_ref(site, l, i, sc, &arg),
        "pooled" | "cumulative" | "tsa" => topic_chart_ref(site, i, sc, &arg),
        other => Err(format!(
            "unknown chart `{other}`; use forest, rates, timeline, results, pooled, cumulative or tsa"
        )),
    }
}

/// A chart of one trial (`forest`, `rates`, `timeline`, `results`): the
/// trial named, or the page's own (an appraisal's first).
fn trial_chart_ref(
    site: &Site,
    l: &Links,
    i: usize,
    sc: &crate::parse::markdown::Shortcode,
    arg: &dyn Fn(&str) -> Option<String>,
) -> Result<ChartRef, String> {
    let p = &site.pages[i];
    let trial = match arg("trial") {
        Some(t) => l.trial_by_id.get(&t).copied(),
        None => match &p.kind {
            PageKind::Trial(_) => Some(i),
            PageKind::Appraisal(_) => l.appraisal_trials.get(&i).and_then(|v| v.first().copied()),
            _ => None,
        },
    };
    let Some(t) = trial.filter(|&t| matches!(site.pages[t].kind, PageKind::Trial(_))) else {
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
        return Ok(ChartRef::Results { trial: t });
    }
    if let (Some(o), PageKind::Trial(trial)) = (arg("outcome"), &site.pages[t].kind) {
        let ids: Vec<&str> = trial.outcomes.iter().map(|x| x.id.as_str()).collect();
        if trial.rejected_outcomes.contains(&o) {
            // The outcome has errors of its own, reported where it
            // is written; the chart is left out without a second one.
            return Ok(ChartRef::Omitted);
        }
        if !ids.contains(&o.as_str()) {
            return Err(format!(
                "trial `{}` has no outcome `{o}`{}",
                site.pages[t].id,
                did_you_mean(&o, &ids)
                    .map(|m| format!(" (did you mean `{m}`?)"))
                    .unwrap_or_default()
            ));
        }
    }
    let key = match (sc.name.as_str(), arg("outcome")) {
        ("timeline", _) => FigureKey::Timeline,
        ("forest", Some(o)) => FigureKey::ForestFor(o),
        (_, Some(o)) => FigureKey::RatesFor(o),
        // The whole trial on one scale: ratios (RR, OR, HR) by
        // default, or differences (MD, RD).
        ("forest", None) => match arg("scale").as_deref() {
            None | Some("ratio") => FigureKey::ForestRatio,
            Some("difference") => FigureKey::ForestDiff,
            Some(other) => {
                return Err(format!(
                    "`forest` scale `{other}`: use scale=\"ratio\" or scale=\"difference\""
                ))
            }
        },
        (_, None) => FigureKey::Rates,
    };
    Ok(ChartRef::Figure { page: t, key })
}

/// A chart of one topic analysis (`pooled`, `cumulative`, `tsa`): on the
/// topic named, or the page's own.
fn topic_chart_ref(
    site: &Site,
    i: usize,
    sc: &crate::parse::markdown::Shortcode,
    arg: &dyn Fn(&str) -> Option<String>,
) -> Result<ChartRef, String> {
    let p = &site.pages[i];
    let topic = match arg("topic") {
        Some(t) => site
            .pages
            .iter()
            .position(|q| q.id == t && matches!(q.kind, PageKind::Topic(_))),
        None => Some(i).filter(|_| matches!(p.kind, PageKind::Topic(_))),
    };
    match (topic, arg("analysis")) {
        (_, None) => Err(format!(
            "`{}` needs an analysis: write {}(analysis=\"id\")",
            sc.name, sc.name
        )),
        (None, _) => Err(match arg("topic") {
            Some(t) => format!("no topic has the id `{t}`"),
            None => format!(
                "`{}` outside a topic page needs its topic: write {}(topic=\"id\", analysis=\"id\")",
                sc.name, sc.name
            ),
        }),
        (Some(t), Some(a)) => {
            let known = match &site.pages[t].kind {
                PageKind::Topic(tp) => tp.analyses.iter().any(|x| x.id == a),
                _ => false,
            };
            if !known {
                return Err(format!("no analysis `{a}` on this topic"));
            }
            let key = match sc.name.as_str() {
                "pooled" => FigureKey::Pooled(a),
                "tsa" => FigureKey::Tsa(a),
                _ => FigureKey::Cumulative(a),
            };
            Ok(ChartRef::Figure { page: t, key })
        }
    }
}

fn trial_date(site: &Site, i: usize) -> (i32, u8, u8) {
    let p = &site.pages[i];
    if let PageKind::Trial(t) = &p.kind {
        if let Some(pb) = &t.publication {
            if let Some(d) = pb.date {
                return (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0));
            }
            if let Some(y) = pb.year {
                return (y, 0, 0);
            }
        }
    }
    p.date
        .map(|d| (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0)))
        .unwrap_or((9999, 0, 0))
}

/// Publication order key of a trial page (year, month, day), for cumulative analyses.
pub fn publication_key(site: &Site, i: usize) -> (i32, u8, u8) {
    trial_date(site, i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_page, Parsed};

    fn site_of(files: &[(&str, &str)]) -> Site {
        let mut parsed = Parsed::default();
        for (p, t) in files {
            parsed.docs.extend(parse_page(p, t.as_bytes()).0);
        }
        let (site, d) = crate::model::build(&parsed, &Default::default());
        assert!(!d.has_errors(), "{d}");
        site
    }

    #[test]
    fn each_trial_gets_its_status_once() {
        let record = "---\ntitle: R\ntrial:\n  acronym: R\n  registration: [NCT1]\n  registry: { status: Recruiting }\n---\n";
        let published = "---\ntitle: P\ntrial:\n  acronym: P\n  registration: [NCT1]\n  publication: { journal: J, year: 2020 }\n---\n";
        let other = "---\ntitle: O\ntrial:\n  acronym: O\n  registration: [NCT2]\n---\n";
        let site = site_of(&[
            ("content/_index.md", "---\ntitle: S\n---\n"),
            ("content/trials/r.md", record),
            ("content/trials/p.md", published),
            ("content/trials/o.md", other),
            ("content/about.md", "---\ntitle: About\n---\n"),
        ]);
        let (l, d) = link(&site);
        assert!(!d.has_errors(), "{d}");
        let by_id = |id: &str| l.status(l.trial_by_id[id]);
        assert_eq!(by_id("r"), Some(TrialStatus::Superseded));
        assert_eq!(by_id("p"), Some(TrialStatus::Published));
        assert_eq!(by_id("o"), Some(TrialStatus::Ongoing));
        let about = site.pages.iter().position(|p| p.title == "About").unwrap();
        assert_eq!(l.status(about), None, "a plain page has no status");
    }

    #[test]
    fn chart_shortcodes_are_resolved_once_into_typed_references() {
        let trial = "---\ntitle: T\ntrial:\n  acronym: T\n  arms:\n    - { id: a, n: 10 }\n    - { id: b, n: 10, control: true }\n  outcomes:\n    - id: death\n      endpoint: all-cause-mortality\n      binary: { a: 3/10, b: 5/10 }\n---\n";
        let post = "---\ntitle: P\ntrials: [t]\n---\n{{ rates(outcome=\"death\") }}\n\n{{ forest(scale=\"difference\") }}\n\n{{ pooled(topic=\"q\", analysis=\"nope\") }}\n";
        let topic = "---\ntitle: Q\ntopic:\n  trials: [t]\n  analyses:\n    - id: mortality\n      endpoint: all-cause-mortality\n---\n{{ cumulative(analysis=\"mortality\") }}\n";
        let site = site_of(&[
            ("content/_index.md", "---\ntitle: S\n---\n"),
            ("content/trials/t.md", trial),
            ("content/appraisals/p.md", post),
            ("content/topics/q.md", topic),
        ]);
        let (l, d) = link(&site);
        let t = l.trial_by_id["t"];
        let page = |title: &str| site.pages.iter().position(|p| p.title == title).unwrap();
        let (p, q) = (page("P"), page("Q"));
        assert_eq!(
            l.charts[&p],
            [
                ChartRef::Figure {
                    page: t,
                    key: FigureKey::RatesFor("death".into())
                },
                ChartRef::Figure {
                    page: t,
                    key: FigureKey::ForestDiff
                },
                ChartRef::Omitted,
            ]
        );
        assert_eq!(
            l.charts[&q],
            [ChartRef::Figure {
                page: q,
                key: FigureKey::Cumulative("mortality".into())
            }]
        );
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            msgs,
            ["error: content/appraisals/p.md:9:1: no analysis `nope` on this topic"],
            "the unknown analysis is an error here, at its line"
        );
        assert!(
            l.depends_on[&p].contains(&t),
            "the post shows the trial's charts"
        );
    }
}
