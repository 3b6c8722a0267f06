//! A trial page's figures: its forest plots (ratios, differences), its
//! event-rate chart, its registration timeline, and the one-outcome charts
//! shortcodes ask for, as chart specifications drawn by [`super::draw`].

use std::collections::BTreeMap;

use super::{draw, favours_captions, Figure};
use crate::analyse::{OutcomeKind, OutcomeResult};
use crate::chart::{
    self, Axis, ChartSpec, EventRateGroup, EventRateSpec, ForestRow, ForestSpec, TimelineEvent,
    TimelineSpec,
};
use crate::link::{ChartRef, FigureKey, Links};
use crate::model::{Direction, Measure, PageKind, Site, Trial};
use crate::present::num;

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
    let mut unknown = false;
    for o in outcomes {
        if let Some((r, k)) = outcome_row(o, ratio) {
            rows.push(r);
            kinds.push(k);
            directions.push(o.direction);
            unknown |= o.direction_given.is_none();
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
    // A posted outcome whose direction nobody gave favours no arm.
    let (favours_left, favours_right) = if unknown {
        super::neutral_captions(&e)
    } else {
        favours_captions(&e, &c, &directions)
    };
    let mixed = directions.iter().any(|d| *d != directions[0]);
    let mut footer = if ratio {
        vec!["Recomputed from the arm data (log-Wald CI); hazard ratios as reported.".to_string()]
    } else {
        vec!["Recomputed from means and SDs (normal CI).".to_string()]
    };
    // The legend of the "(↑ better)" mark, only where a row carries it.
    if ratio && directions.contains(&Direction::HigherIsBetter) {
        footer[0].push_str(" ↑ better: higher values favour the arm.");
    }
    if mixed {
        footer.push(format!(
            "Outcomes point different ways: left of the line means lower with {e}, which is better except for ↑ better outcomes."
        ));
    }
    if unknown {
        footer.push(crate::present::direction_unknown_note().to_string());
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
/// link resolved them: trial page → the figures wanted, each once.
pub(super) fn shortcode_requests(links: &Links) -> BTreeMap<usize, Vec<FigureKey>> {
    let mut wanted: BTreeMap<usize, Vec<FigureKey>> = BTreeMap::new();
    for r in links.charts.values().flatten() {
        let ChartRef::Figure { page, key } = r else {
            continue;
        };
        if key.outcome().is_none() {
            continue;
        }
        let v = wanted.entry(*page).or_default();
        if !v.contains(key) {
            v.push(key.clone());
        }
    }
    wanted
}

/// Every figure of trial page `i`: the standard ones, then those `wanted`
/// by shortcodes.
pub(super) fn trial_figures(
    site: &Site,
    links: &Links,
    i: usize,
    t: &Trial,
    results: &[OutcomeResult],
    wanted: &[FigureKey],
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
        v.push(draw(id, FigureKey::ForestRatio, s));
    }
    if let Some(s) = trial_forest(
        id,
        t,
        &all,
        false,
        format!("{}: continuous outcomes", t.acronym),
    ) {
        v.push(draw(id, FigureKey::ForestDiff, s));
    }
    if let Some(s) = rates_spec(id, "rates", t, &all) {
        v.push(draw(id, FigureKey::Rates, s));
    }
    if let Some(s) = timeline_spec(site, links, i, id, t) {
        v.push(draw(id, FigureKey::Timeline, s));
    }
    v.extend(super::rob::trial_chart(id, t));
    for which in wanted {
        let Some(o) = which
            .outcome()
            .and_then(|oid| results.iter().find(|o| o.id == oid))
        else {
            continue;
        };
        let key = which.key();
        let spec = if matches!(which, FigureKey::RatesFor(_)) {
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
            v.push(draw(id, which.clone(), s));
        }
    }
    v
}
