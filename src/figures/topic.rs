//! A topic page's figures: for each pooled analysis, its forest plot
//! (weighted squares, subgroup and pooled diamonds, prediction interval,
//! heterogeneity under it), its cumulative meta-analysis plot, and its
//! trial sequential analysis chart when it states assumptions.

use super::{draw, favours_captions, Figure};
use crate::analyse::{ArmResult, PooledResult, TsaResult};
use crate::chart::{
    Axis, ChartSpec, CumulativeSpec, CumulativeStep, ForestRow, ForestSpec, RobCells, RowKind,
    TsaChartSpec, TsaLookSpec,
};
use crate::link::FigureKey;
use crate::model::{Direction, Measure};
use crate::present::{num, short_num};

/// What an analysis' two plots share: the axis, the favours captions, the
/// arm labels and how many decimals its effects print with.
struct Frame {
    axis: Axis,
    favours: (String, String),
    arms: (String, String),
    decimals: usize,
}

impl Frame {
    fn new(r: &PooledResult) -> Frame {
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
        Frame {
            axis,
            favours: (favours_left, favours_right),
            arms: (el, cl),
            decimals: d,
        }
    }

    /// "1.16 [0.71, 1.90]".
    fn effect(&self, e: f64, lo: f64, hi: f64) -> String {
        let d = self.decimals;
        format!("{} [{}, {}]", num(e, d), num(lo, d), num(hi, d))
    }
}

/// The pooled forest plot and the cumulative plot of analysis `r` of topic
/// page `id`.
pub(super) fn topic_figures(id: &str, r: &PooledResult, rob: &[RobCells]) -> Vec<Figure> {
    let frame = Frame::new(r);
    let mut v = vec![
        draw(
            id,
            FigureKey::Pooled(r.id.clone()),
            pooled_forest(id, r, &frame, rob),
        ),
        draw(
            id,
            FigureKey::Cumulative(r.id.clone()),
            cumulative(id, r, &frame),
        ),
    ];
    if let Some(t) = &r.tsa {
        v.push(draw(id, FigureKey::Tsa(r.id.clone()), tsa_chart(id, r, t)));
    }
    v
}

/// The trial sequential analysis chart of analysis `r`.
fn tsa_chart(id: &str, r: &PooledResult, t: &TsaResult) -> ChartSpec {
    let opt = |x: Option<f64>| x.map(|v| num(v, 2)).unwrap_or_else(|| "none".into());
    ChartSpec::Tsa(TsaChartSpec {
        id: format!("{id}-tsa-{}", r.id),
        title: format!("{}: trial sequential analysis", r.title),
        description: format!(
            "{} Cumulative z after each trial against the Lan–DeMets O'Brien–Fleming monitoring boundaries; {}.",
            crate::present::TSA_LABEL,
            crate::present::tsa_verdict(t)
        ),
        required: t.required_information_size as f64,
        required_label: format!(
            "Required {}",
            crate::present::count(t.required_information_size)
        ),
        looks: t
            .boundaries
            .iter()
            .map(|l| TsaLookSpec {
                label: format!("+ {}", l.label),
                accrued: l.accrued as f64,
                z: l.z,
                boundary: l.efficacy_boundary,
                cells: vec![
                    crate::present::count(l.accrued),
                    crate::present::proportion_percent(l.information_fraction),
                    opt(l.z),
                    opt(l.efficacy_boundary),
                ],
            })
            .collect(),
        projected: (t.projected.iter())
            .map(|&(f, b)| (f * t.required_information_size as f64, b))
            .collect(),
        footer: [
            Some(crate::present::tsa_assumptions_short(t)),
            (!t.projected.is_empty()).then(|| crate::present::TSA_PROJECTED_NOTE.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect(),
    })
}

/// One arm's cell: events/total, or mean (n).
fn arm_cell(a: Option<&ArmResult>) -> String {
    a.map(|a| match (a.events, a.total) {
        (Some(e), Some(t)) => format!("{e}/{t}"),
        _ => a
            .mean
            .map(|m| format!("{} ({})", short_num(m), a.n.unwrap_or(0)))
            .unwrap_or_default(),
    })
    .unwrap_or_default()
}

/// The rows: each trial, each subgroup's pooled estimate, the pooled
/// estimate and the prediction interval.
/// The rows; study `i`'s risk-of-bias cells are `rob[i]`.
fn pooled_rows(r: &PooledResult, frame: &Frame, rob: &[RobCells]) -> Vec<ForestRow> {
    let d = frame.decimals;
    let eff = |e, lo, hi| frame.effect(e, lo, hi);
    let arm = arm_cell;
    let mut rows: Vec<ForestRow> = r
        .studies
        .iter()
        .enumerate()
        .map(|(i, s)| ForestRow {
            risk_of_bias: rob.get(i).copied(),
            ..ForestRow::study(s.label.clone(), s.estimate, s.ci_low, s.ci_high)
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
    rows
}

/// The lines under the pooled plot: heterogeneity, model and why the
/// headline estimate is the one shown.
fn pooled_footer(r: &PooledResult, d: usize) -> Vec<String> {
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
    footer
}

/// The pooled forest plot.
fn pooled_forest(id: &str, r: &PooledResult, frame: &Frame, rob: &[RobCells]) -> ChartSpec {
    let d = frame.decimals;
    let (el, cl) = &frame.arms;
    let binary = r
        .studies
        .iter()
        .all(|s| s.arms.iter().all(|a| a.events.is_some()));
    let model = crate::present::lead_model(r.lead);
    let events_word = if binary { "Events/total" } else { "Mean (n)" };
    ChartSpec::Forest(ForestSpec {
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
        axis: frame.axis.clone(),
        favours_left: frame.favours.0.clone(),
        favours_right: frame.favours.1.clone(),
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
        effect_column: Some(2),
        rows: pooled_rows(r, frame, rob),
        footer: {
            let mut f = pooled_footer(r, d);
            if rob.iter().any(|c| c.0.iter().any(Option::is_some)) {
                f.push(crate::chart::rob_forest_note());
            }
            f
        },
    })
}

/// The cumulative meta-analysis plot.
fn cumulative(id: &str, r: &PooledResult, frame: &Frame) -> ChartSpec {
    ChartSpec::Cumulative(CumulativeSpec {
        id: format!("{id}-cumulative-{}", r.id),
        title: format!("{}: cumulative meta-analysis", r.title),
        description: format!(
            "Pooled {} after each trial, in order of publication.",
            r.measure
        ),
        axis: frame.axis.clone(),
        favours_left: frame.favours.0.clone(),
        favours_right: frame.favours.1.clone(),
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
                    (Some(e), Some(lo), Some(hi)) => frame.effect(e, lo, hi),
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
    })
}
