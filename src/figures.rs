//! Figures: which charts each page gets, as plain chart specifications.
//!
//! This stage sits between analyse and render: it turns recomputed results
//! into [`crate::chart`] specifications (rows of label, estimate, CI,
//! weight) and draws them, in parallel per page. The chart module never sees
//! a trial; render never draws. Every trial gets its forest plots (ratios on
//! a log axis, differences on a linear one), an event-rate chart and, when
//! dates are known, a timeline; every topic analysis gets a pooled forest
//! plot and a cumulative plot. Charts asked for by shortcodes in the prose
//! (`{{ forest(outcome="death-28d") }}`) are drawn here too.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::analyse::{Analyses, OutcomeKind, OutcomeResult, PooledResult};
use crate::chart::{
    self, Axis, ChartSpec, CumulativeSpec, CumulativeStep, DataTable, EventRateGroup,
    EventRateSpec, ForestRow, ForestSpec, Layout, RowKind, TimelineEvent, TimelineSpec,
};
use crate::link::{ChartRef, Links};
use crate::model::{Direction, Measure, PageKind, Site, Trial};
use crate::present::{num, short_num};

/// A drawn chart, in both layouts, with its data table.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Id of the page the figure belongs to.
    pub page: String,
    /// Key within its page (`forest-ratio`, `rates`, `pooled-mortality`).
    pub key: String,
    /// Title.
    pub title: String,
    /// SVG for wide screens.
    pub wide: String,
    /// SVG for phones.
    pub compact: String,
    /// The data as a table.
    pub table: DataTable,
}

/// All figures, by (page index, key), in page order.
#[derive(Debug, Clone, Default)]
pub struct Figures(pub BTreeMap<usize, Vec<Figure>>);

impl Figures {
    /// The figure `key` of page `page`.
    pub fn get(&self, page: usize, key: &str) -> Option<&Figure> {
        self.0.get(&page)?.iter().find(|f| f.key == key)
    }
    /// All figures of a page.
    pub fn of(&self, page: usize) -> &[Figure] {
        self.0.get(&page).map(Vec::as_slice).unwrap_or(&[])
    }
    /// Total number of figures.
    pub fn count(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }
}

fn draw(page: &str, key: &str, spec: ChartSpec) -> Figure {
    let table = spec.table();
    let title = table.caption.clone();
    Figure {
        page: page.to_string(),
        key: key.to_string(),
        title,
        wide: spec.render(Layout::Wide),
        compact: spec.render(Layout::Compact),
        table,
    }
}

/// Draw every page's figures.
pub fn figures(site: &Site, links: &Links, analyses: &Analyses) -> Figures {
    let wanted = shortcode_requests(links);
    let none: Vec<(String, String)> = Vec::new();
    let map = site
        .pages
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let v = match &p.kind {
                PageKind::Trial(t) => trial_figures(
                    site,
                    links,
                    i,
                    t,
                    analyses.trials.get(&i).map(Vec::as_slice).unwrap_or(&[]),
                    wanted.get(&i).unwrap_or(&none),
                ),
                PageKind::Topic(_) => analyses
                    .topics
                    .get(&i)
                    .map(|a| a.iter().flat_map(|r| topic_figures(&p.id, r)).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            (!v.is_empty()).then_some((i, v))
        })
        .collect();
    Figures(map)
}

/// The captions under a forest plot's axis, left and right of the line of
/// no effect, for rows whose outcomes point the given ways.
///
/// Left of the line the experimental arm has fewer events (or lower
/// values). That favours it when lower is better, and favours the control
/// when higher is better; when the rows point different ways no single
/// "favours" caption is true for every row, so the captions say which arm
/// is lower or higher instead, and each ↑ better row is marked as such.
fn favours_captions(e: &str, c: &str, directions: &[Direction]) -> (String, String) {
    let e = if e.is_empty() { "experimental" } else { e };
    let c = if c.is_empty() { "control" } else { c };
    let higher = directions
        .iter()
        .filter(|d| **d == Direction::HigherIsBetter)
        .count();
    if higher == 0 {
        (format!("Favours {e}"), format!("Favours {c}"))
    } else if higher == directions.len() {
        (format!("Favours {c}"), format!("Favours {e}"))
    } else {
        (format!("Lower with {e}"), format!("Higher with {e}"))
    }
}

/// The arm labels of a trial, experimental first.
fn arm_labels(t: &Trial) -> (String, String) {
    let e = t
        .arms
        .get(t.experimental())
        .map(|a| a.label.clone())
        .unwrap_or_else(|| "Experimental".into());
    let c = t
        .arms
        .get(t.control)
        .map(|a| a.label.clone())
        .unwrap_or_else(|| "Control".into());
    (e, c)
}

fn arm_cell(o: &OutcomeResult, k: usize) -> String {
    match o.arms.get(k) {
        Some(a) => match (a.events, a.total, a.mean, a.sd) {
            (Some(e), Some(t), _, _) => format!("{e}/{t}"),
            (_, _, Some(m), Some(s)) => crate::present::mean_sd_text(m, s),
            _ => match (a.median, a.q1, a.q3) {
                (Some(m), Some(q1), Some(q3)) => crate::present::median_iqr_text(m, q1, q3),
                _ => String::new(),
            },
        },
        None => String::new(),
    }
}

/// One trial-plot row for an outcome, on the ratio or the difference axis.
fn outcome_row(o: &OutcomeResult, ratio: bool) -> Option<(ForestRow, Measure)> {
    let flip = if o.direction == Direction::HigherIsBetter {
        " (↑ better)"
    } else {
        ""
    };
    let label = format!("{}{flip}", o.label);
    if ratio {
        if let Some(e) = o.effects.iter().find(|e| e.measure == Measure::RR) {
            let cell = format!(
                "RR {} [{}, {}]",
                num(e.estimate, 2),
                num(e.ci_low, 2),
                num(e.ci_high, 2)
            );
            return Some((
                ForestRow::study(label, e.estimate, e.ci_low, e.ci_high).with_cells([
                    arm_cell(o, 0),
                    arm_cell(o, 1),
                    cell,
                ]),
                Measure::RR,
            ));
        }
        if o.effects.is_empty() {
            let r = o
                .reported
                .iter()
                .find(|r| r.measure.is_ratio() && r.ci_low.is_some())?;
            let (lo, hi) = (r.ci_low?, r.ci_high?);
            let cell = format!(
                "{} {} [{}, {}]",
                r.measure,
                num(r.estimate, 2),
                num(lo, 2),
                num(hi, 2)
            );
            return Some((
                ForestRow::study(label, r.estimate, lo, hi).with_cells([
                    arm_cell(o, 0),
                    arm_cell(o, 1),
                    cell,
                ]),
                r.measure,
            ));
        }
        None
    } else {
        let e = o.effects.iter().find(|e| e.measure == Measure::MD)?;
        let cell = format!(
            "MD {} [{}, {}]",
            num(e.estimate, 2),
            num(e.ci_low, 2),
            num(e.ci_high, 2)
        );
        Some((
            ForestRow::study(label, e.estimate, e.ci_low, e.ci_high).with_cells([
                arm_cell(o, 0),
                arm_cell(o, 1),
                cell,
            ]),
            Measure::MD,
        ))
    }
}

fn trial_forest(
    id: &str,
    t: &Trial,
    outcomes: &[&OutcomeResult],
    ratio: bool,
    title: String,
) -> Option<ChartSpec> {
    let (e, c) = arm_labels(t);
    let mut rows = Vec::new();
    let mut kinds = Vec::new();
    let mut directions = Vec::new();
    for o in outcomes {
        if let Some((r, k)) = outcome_row(o, ratio) {
            rows.push(r);
            kinds.push(k);
            directions.push(o.direction);
        }
    }
    if rows.is_empty() {
        return None;
    }
    let axis = if ratio {
        // Name each kind of ratio drawn: "Risk ratio or hazard ratio".
        let mut names: Vec<&str> = Vec::new();
        for k in &kinds {
            let n = match k {
                Measure::SHR => "subdistribution hazard ratio",
                Measure::HR => "hazard ratio",
                Measure::OR => "odds ratio",
                _ => "risk ratio",
            };
            if !names.contains(&n) {
                names.push(n);
            }
        }
        Axis::ratio(crate::model::capitalise(&format!(
            "{} (log scale)",
            names.join(" or ")
        )))
    } else {
        Axis::difference("Mean difference")
    };
    let description = format!(
        "{} of {}: {} outcome{} comparing {e} with {c}; the line of no effect is at {}.",
        if ratio { "Ratios" } else { "Mean differences" },
        t.acronym,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        if ratio { 1 } else { 0 }
    );
    let (favours_left, favours_right) = favours_captions(&e, &c, &directions);
    let mixed = directions.iter().any(|d| *d != directions[0]);
    let mut footer = if ratio {
        vec!["Recomputed from the arm data (log-Wald CI); hazard ratios as reported. ↑ better: higher values favour the arm.".to_string()]
    } else {
        vec!["Recomputed from means and SDs (normal CI).".to_string()]
    };
    if mixed {
        footer.push(format!(
            "Outcomes point different ways: left of the line means lower with {e}, which is better except for ↑ better outcomes."
        ));
    }
    Some(ChartSpec::Forest(ForestSpec {
        id: format!(
            "{id}-{}",
            if ratio { "forest-ratio" } else { "forest-diff" }
        ),
        title,
        description,
        axis,
        favours_left,
        favours_right,
        label_header: "Outcome".into(),
        columns: vec![e, c, "Effect [95% CI]".into()],
        columns_right: 1,
        effect_column: Some(2),
        rows,
        footer,
    }))
}

fn rates_spec(id: &str, key: &str, t: &Trial, outcomes: &[&OutcomeResult]) -> Option<ChartSpec> {
    // Every outcome lists every arm in the trial's display order, so an arm
    // keeps its colour, marker and legend entry even where it has no data
    // (it is then drawn empty).
    let order: Vec<&crate::model::Arm> = t.arm_order().into_iter().map(|k| &t.arms[k]).collect();
    let groups: Vec<EventRateGroup> = outcomes
        .iter()
        .filter(|o| o.kind == OutcomeKind::Binary)
        .map(|o| EventRateGroup {
            label: o.label.clone(),
            arms: order
                .iter()
                .map(|arm| {
                    let a = o.arms.iter().find(|a| a.arm == arm.id);
                    let data = a.and_then(|a| Some((a.risk?, a.events?, a.total?)));
                    match (a, data) {
                        (Some(a), Some((risk, events, total))) => chart::ArmRate {
                            label: a.label.clone(),
                            risk,
                            ci_low: a.risk_ci_low,
                            ci_high: a.risk_ci_high,
                            events,
                            total,
                        },
                        _ => chart::ArmRate {
                            label: arm.label.clone(),
                            risk: f64::NAN,
                            ..Default::default()
                        },
                    }
                })
                .collect(),
        })
        .collect();
    if groups.is_empty() {
        return None;
    }
    Some(ChartSpec::EventRates(EventRateSpec {
        id: format!("{id}-{key}"),
        title: if groups.len() == 1 {
            format!("{}: {}", t.acronym, groups[0].label)
        } else {
            format!("{}: event rates by arm", t.acronym)
        },
        description: format!(
            "Risk of each binary outcome of {} in each arm, with 95% Wilson confidence intervals.",
            t.acronym
        ),
        axis_label: String::new(),
        outcomes: groups,
    }))
}

fn timeline_spec(site: &Site, links: &Links, i: usize, id: &str, t: &Trial) -> Option<ChartSpec> {
    // The registry dates may sit on a linked registry-record page.
    let reg = t.registry.clone().or_else(|| {
        links.registry_records.get(&i).and_then(|v| {
            v.iter().find_map(|&r| match &site.pages[r].kind {
                PageKind::Trial(x) => x.registry.clone(),
                _ => None,
            })
        })
    });
    let published = links
        .published_as
        .get(&i)
        .and_then(|&p| match &site.pages[p].kind {
            PageKind::Trial(x) => x
                .publication
                .as_ref()
                .and_then(|pb| pb.date.map(|d| d.iso()).or(pb.year.map(|y| y.to_string()))),
            _ => None,
        })
        .or_else(|| {
            t.publication
                .as_ref()
                .and_then(|pb| pb.date.map(|d| d.iso()).or(pb.year.map(|y| y.to_string())))
        });
    let reg = reg?;
    let mut events = Vec::new();
    let today_known = reg.checked;
    if let Some(d) = reg.registered {
        events.push(TimelineEvent {
            label: "Registered".into(),
            date: d.iso(),
            done: true,
        });
    }
    if let Some(d) = reg.start {
        events.push(TimelineEvent {
            label: "Started".into(),
            date: d.iso(),
            done: true,
        });
    }
    if let Some(d) = reg.completion {
        let done = published.is_some() || today_known.is_some_and(|c| c >= d);
        events.push(TimelineEvent {
            label: if done {
                "Completed".into()
            } else {
                "Completion (planned)".into()
            },
            date: d.iso(),
            done,
        });
    }
    if let Some(p) = &published {
        events.push(TimelineEvent {
            label: "Published".into(),
            date: p.clone(),
            done: true,
        });
    }
    if events.is_empty() {
        return None;
    }
    let ongoing = published.is_none();
    Some(ChartSpec::Timeline(TimelineSpec {
        id: format!("{id}-timeline"),
        title: format!("{}: from registration to results", t.acronym),
        description: format!(
            "Milestones of {}{}.",
            t.acronym,
            if ongoing {
                "; results are not yet published"
            } else {
                ""
            }
        ),
        events,
        ongoing,
    }))
}

/// Per-outcome charts asked for by shortcodes anywhere on the site, as
/// link resolved them: trial page → (figure key, outcome id).
fn shortcode_requests(links: &Links) -> BTreeMap<usize, Vec<(String, String)>> {
    let mut wanted: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for r in links.charts.values().flatten() {
        let ChartRef::Figure { page, key } = r else {
            continue;
        };
        let Some(o) = key.outcome() else { continue };
        let v = wanted.entry(*page).or_default();
        if !v.iter().any(|w| w.0 == key.key()) {
            v.push((key.key(), o.to_string()));
        }
    }
    wanted
}

fn trial_figures(
    site: &Site,
    links: &Links,
    i: usize,
    t: &Trial,
    results: &[OutcomeResult],
    wanted: &[(String, String)],
) -> Vec<Figure> {
    let id = site.pages[i].id.as_str();
    let all: Vec<&OutcomeResult> = results.iter().collect();
    let mut v = Vec::new();
    if let Some(s) = trial_forest(
        id,
        t,
        &all,
        true,
        format!("{}: outcomes on the ratio scale", t.acronym),
    ) {
        v.push(draw(id, "forest-ratio", s));
    }
    if let Some(s) = trial_forest(
        id,
        t,
        &all,
        false,
        format!("{}: continuous outcomes", t.acronym),
    ) {
        v.push(draw(id, "forest-diff", s));
    }
    if let Some(s) = rates_spec(id, "rates", t, &all) {
        v.push(draw(id, "rates", s));
    }
    if let Some(s) = timeline_spec(site, links, i, id, t) {
        v.push(draw(id, "timeline", s));
    }
    for (key, oid) in wanted {
        let (key, oid) = (key.clone(), oid.clone());
        let Some(o) = results.iter().find(|o| o.id == oid) else {
            continue;
        };
        let spec = if key.starts_with("rates-") {
            rates_spec(id, &key, t, &[o])
        } else {
            trial_forest(
                id,
                t,
                &[o],
                o.kind != OutcomeKind::Continuous,
                format!("{}: {}", t.acronym, o.label),
            )
            .map(|s| match s {
                ChartSpec::Forest(mut f) => {
                    f.id = format!("{id}-{key}");
                    ChartSpec::Forest(f)
                }
                other => other,
            })
        };
        if let Some(s) = spec {
            v.push(draw(id, &key, s));
        }
    }
    v
}

fn topic_figures(id: &str, r: &PooledResult) -> Vec<Figure> {
    let ratio = r.measure.is_ratio();
    let axis_label = match r.measure {
        Measure::RR => "Risk ratio (log scale)",
        Measure::OR => "Odds ratio (log scale)",
        Measure::RD => "Risk difference",
        Measure::MD => "Mean difference",
        _ => "Standardised mean difference",
    };
    let axis = if ratio {
        Axis::ratio(axis_label)
    } else {
        Axis::difference(axis_label)
    };
    let d = if ratio { 2 } else { 3 };
    let eff = |e: f64, lo: f64, hi: f64| format!("{} [{}, {}]", num(e, d), num(lo, d), num(hi, d));
    let (el, cl) = r
        .studies
        .first()
        .map(|s| {
            (
                s.arms.first().map(|a| a.label.clone()).unwrap_or_default(),
                s.arms.get(1).map(|a| a.label.clone()).unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    let directions: Vec<Direction> = r.studies.iter().map(|s| s.direction).collect();
    let (favours_left, favours_right) = favours_captions(&el, &cl, &directions);
    let binary = r
        .studies
        .iter()
        .all(|s| s.arms.iter().all(|a| a.events.is_some()));
    let arm = |a: Option<&crate::analyse::ArmResult>| {
        a.map(|a| match (a.events, a.total) {
            (Some(e), Some(t)) => format!("{e}/{t}"),
            _ => a
                .mean
                .map(|m| format!("{} ({})", short_num(m), a.n.unwrap_or(0)))
                .unwrap_or_default(),
        })
        .unwrap_or_default()
    };
    let mut rows: Vec<ForestRow> = r
        .studies
        .iter()
        .map(|s| {
            ForestRow::study(s.label.clone(), s.estimate, s.ci_low, s.ci_high)
                .with_weight(s.weight)
                .with_cells([
                    arm(s.arms.first()),
                    arm(s.arms.get(1)),
                    eff(s.estimate, s.ci_low, s.ci_high),
                    format!("{}%", num(s.weight, 1)),
                ])
        })
        .collect();
    for g in &r.subgroups {
        let (Some(e), Some(lo), Some(hi)) = (g.estimate, g.ci_low, g.ci_high) else {
            continue;
        };
        rows.push(
            ForestRow::study(
                format!(
                    "Subgroup: {} (k = {}, {})",
                    g.label,
                    g.k,
                    crate::present::lead_short(g.lead)
                ),
                e,
                lo,
                hi,
            )
            .with_kind(RowKind::Summary)
            .with_cells(["".into(), "".into(), eff(e, lo, hi), String::new()]),
        );
    }
    let model = crate::present::lead_model(r.lead);
    if let (Some(e), Some(lo), Some(hi)) = (r.estimate, r.ci_low, r.ci_high) {
        rows.push(
            ForestRow::study(format!("{model} (k = {})", r.k), e, lo, hi)
                .with_kind(RowKind::Summary)
                .with_cells([String::new(), String::new(), eff(e, lo, hi), "100%".into()]),
        );
    }
    if let (Some(e), Some(lo), Some(hi)) = (r.estimate, r.pi_low, r.pi_high) {
        rows.push(
            ForestRow::study("95% prediction interval", e, lo, hi)
                .with_kind(RowKind::Prediction)
                .with_cells([
                    String::new(),
                    String::new(),
                    format!("[{}, {}]", num(lo, d), num(hi, d)),
                    String::new(),
                ]),
        );
    }
    let mut footer = vec![format!(
        "Heterogeneity: τ² = {}; Q = {}, df = {} ({}); I² = {}%",
        num(r.tau2, 3),
        num(r.q, 2),
        r.df,
        r.p_q
            .map(crate::present::p_text)
            .unwrap_or_else(|| "p –".into()),
        r.i2.map(|x| num(x, 0)).unwrap_or_else(|| "–".into())
    )];
    footer.push(format!("Model: {} ({})", r.model, r.model_description));
    if r.lead == crate::stats::meta::Lead::NoneTrialsDisagree {
        footer.push("The 2 trials disagree: no pooled estimate is shown".into());
    }
    if r.lead == crate::stats::meta::Lead::CommonTooFewStudies {
        footer.push(format!(
            "Fewer than 3 trials: the common effect is shown{}",
            match r.random {
                Some([_, lo, hi]) if r.k >= 2 => format!(
                    "; random effects ({}): {} to {}",
                    r.random_ci_method.unwrap_or("random effects"),
                    num(lo, d),
                    num(hi, d)
                ),
                _ => String::new(),
            }
        ));
    }
    let events_word = if binary { "Events/total" } else { "Mean (n)" };
    let forest = ChartSpec::Forest(ForestSpec {
        id: format!("{id}-pooled-{}", r.id),
        title: r.title.clone(),
        description: match (r.estimate, r.ci_low, r.ci_high) {
            (Some(e), Some(lo), Some(hi)) => format!(
                "Forest plot of {} trials pooled for {}: {} {} (95% CI {} to {}). Point estimate {}.",
                r.k,
                r.endpoint,
                model.to_lowercase(),
                r.measure,
                num(lo, d).replace('−', "-"),
                num(hi, d).replace('−', "-"),
                num(e, d)
            ),
            _ => format!(
                "Forest plot of {} trials for {}: they disagree, so no pooled {} is shown.",
                r.k, r.endpoint, r.measure
            ),
        },
        axis: axis.clone(),
        favours_left: favours_left.clone(),
        favours_right: favours_right.clone(),
        label_header: "Trial".into(),
        columns: vec![
            format!(
                "{} ({events_word})",
                if el.is_empty() {
                    "Experimental".into()
                } else {
                    el.clone()
                }
            ),
            format!(
                "{} ({events_word})",
                if cl.is_empty() {
                    "Control".into()
                } else {
                    cl.clone()
                }
            ),
            format!("{} [95% CI]", r.measure),
            "Weight".into(),
        ],
        columns_right: 2,
        effect_column: Some(2),
        rows,
        footer,
    });
    let cumulative = ChartSpec::Cumulative(CumulativeSpec {
        id: format!("{id}-cumulative-{}", r.id),
        title: format!("{}: cumulative meta-analysis", r.title),
        description: format!(
            "Pooled {} after each trial, in order of publication.",
            r.measure
        ),
        axis,
        favours_left: favours_left.clone(),
        favours_right: favours_right.clone(),
        label_header: "Trial added".into(),
        effect_header: format!("{} [95% CI]", r.measure),
        steps: r
            .cumulative
            .iter()
            .map(|c| CumulativeStep {
                label: format!(
                    "+ {} (k = {}, {})",
                    c.label,
                    c.k,
                    crate::present::lead_short(c.lead)
                ),
                estimate: c.estimate,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
                effect_text: match (c.estimate, c.ci_low, c.ci_high) {
                    (Some(e), Some(lo), Some(hi)) => eff(e, lo, hi),
                    _ => "trials disagree".into(),
                },
            })
            .collect(),
        footer: {
            let mut f = vec![format!("Model: {} ({})", r.model, r.model_description)];
            if r.cumulative.iter().any(|c| c.lead != r.lead) {
                f.push(
                    "Steps with fewer than 3 trials show the common effect (none where the trials disagree)"
                        .into(),
                );
            }
            f
        },
    });
    vec![
        draw(id, &format!("pooled-{}", r.id), forest),
        draw(id, &format!("cumulative-{}", r.id), cumulative),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favours_captions_are_true_for_every_row() {
        use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};
        let cap = |d: &[Direction]| favours_captions("Levosimendan", "Placebo", d);
        assert_eq!(
            cap(&[Down, Down]),
            ("Favours Levosimendan".into(), "Favours Placebo".into())
        );
        // Fewer good events with the drug (left of 1) favour the control.
        assert_eq!(
            cap(&[Up]),
            ("Favours Placebo".into(), "Favours Levosimendan".into())
        );
        // LeoPARDS: death (↓ better) beside weaning (↑ better).
        assert_eq!(
            cap(&[Down, Up, Down]),
            (
                "Lower with Levosimendan".into(),
                "Higher with Levosimendan".into()
            )
        );
    }
}
