//! Analyse: every number the site shows, recomputed from the arm data.
//!
//! For each trial outcome: risks per arm (Wilson CI), RR, OR and RD with
//! their CIs, NNT/NNH, chi-square and Fisher p values, the fragility index
//! (or the reverse fragility index when not significant), MD and Hedges' g
//! for continuous outcomes, a Bayesian re-analysis of the risk ratio, and a
//! check of every effect the paper printed ("does the paper add up?"). For
//! each topic analysis: the pooled estimate under the declared model or
//! preset, heterogeneity, prediction interval, subgroups and the cumulative
//! sequence in order of publication. The formulas live in [`crate::stats`]
//! (pure functions on numbers); this stage only picks the numbers out of
//! the linked site and names things. The result types serialise directly
//! into the `index.json` twins (format in docs/json.md).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::link::{publication_key, Links};
use crate::model::{Direction, Measure, OutcomeData, PageKind, Reported, Role, Site, Trial};
use crate::present::num;
use crate::stats::check::Verdict;
use crate::stats::{self, binary::TwoByTwo, continuous::ArmSummary, meta};

/// Results for the whole site, by page index.
#[derive(Debug, Clone, Default)]
pub struct Analyses {
    /// Trial page → its outcomes' results.
    pub trials: BTreeMap<usize, Vec<OutcomeResult>>,
    /// Topic page → its pooled analyses.
    pub topics: BTreeMap<usize, Vec<PooledResult>>,
}

/// One arm of an outcome, experimental arm first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmResult {
    /// Arm id.
    pub arm: String,
    /// Arm label.
    pub label: String,
    /// Events (binary).
    pub events: Option<u64>,
    /// Total analysed (binary).
    pub total: Option<u64>,
    /// Risk events/total (binary), a proportion.
    pub risk: Option<f64>,
    /// Wilson 95% CI of the risk.
    pub risk_ci_low: Option<f64>,
    /// Wilson 95% CI of the risk.
    pub risk_ci_high: Option<f64>,
    /// Mean (continuous).
    pub mean: Option<f64>,
    /// SD (continuous).
    pub sd: Option<f64>,
    /// n (continuous, median).
    pub n: Option<u64>,
    /// Median.
    pub median: Option<f64>,
    /// First quartile.
    pub q1: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
}

/// A recomputed effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectResult {
    /// `RR`, `OR`, `RD`, `MD`, `SMD`.
    #[serde(serialize_with = "measure_name")]
    pub measure: Measure,
    /// Estimate on the natural scale (RD as a proportion).
    pub estimate: f64,
    /// Lower 95% limit.
    pub ci_low: f64,
    /// Upper 95% limit.
    pub ci_high: f64,
    /// How the CI was computed.
    pub method: &'static str,
    /// Wald p value of the measure.
    pub p: f64,
    /// Whether 0.5 was added to every cell.
    pub corrected: bool,
}

/// NNT with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NntResult {
    /// Clinician wording, e.g. `NNTH 28 (NNTB 22 to ∞ to NNTH 9)`.
    pub text: String,
    /// `benefit` or `harm`.
    pub direction: &'static str,
    /// Unrounded 1/|RD| (null: infinite).
    pub exact: Option<f64>,
    /// Rounded up (null: infinite).
    pub rounded: Option<u64>,
    /// Whether the CI passes through infinity.
    pub crosses_infinity: bool,
}

/// A hypothesis test of the 2×2 table or the two means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestOut {
    /// Test name.
    pub test: &'static str,
    /// Two-sided p.
    pub p: f64,
}

/// An effect as printed, for display and JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedOut {
    /// Measure as printed (`RD`, `sHR`).
    #[serde(serialize_with = "measure_name")]
    pub measure: Measure,
    /// Estimate as printed (RD in percentage points).
    pub estimate: f64,
    /// CI as printed.
    pub ci_low: Option<f64>,
    /// CI as printed.
    pub ci_high: Option<f64>,
    /// p as printed (`0.43`, `<0.001`).
    pub p: Option<String>,
    /// Adjusted analysis.
    pub adjusted: bool,
    /// Method in the paper's words.
    pub method: Option<String>,
    /// Display text, e.g. `RD 3.6 (−4.5 to 11.7); p = 0.43`.
    pub text: String,
}

/// The check of one printed effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOut {
    /// Measure checked.
    #[serde(serialize_with = "measure_name")]
    pub measure: Measure,
    /// `reproduced` (recomputed from the arm data), `partly-reproduced`,
    /// `not-reproduced`, `consistent` / `inconsistent` (not recomputable:
    /// only whether estimate, CI and p agree with each other), `not-checkable`.
    pub verdict: Verdict,
    /// Methods that reproduce the estimate and CI.
    pub methods: Vec<String>,
    /// Tests that reproduce the p value.
    pub p_tests: Vec<String>,
    /// The closest recomputation (printed units), when not reproduced.
    pub recomputed: Option<[f64; 3]>,
    /// One sentence for readers.
    pub summary: String,
    /// The method the author named for this effect (`method:`), which
    /// explains a mismatch with the crude recomputation.
    pub explained_by: Option<String>,
    /// Whether the paper printed a p for this effect.
    #[serde(skip)]
    pub p_printed: bool,
}

/// A posterior from the Bayesian re-analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BayesOut {
    /// `sceptical`, `neutral`, `enthusiastic`.
    pub prior: String,
    /// Posterior median ratio.
    pub ratio: f64,
    /// 95% credible interval.
    pub ci_low: f64,
    /// 95% credible interval.
    pub ci_high: f64,
    /// P(ratio < 1).
    pub p_benefit: f64,
    /// P(ratio > 1).
    pub p_harm: f64,
}

/// Why a pooled analysis has no prediction interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NoPrediction {
    /// Fewer than 3 trials (it needs k − 2 ≥ 1 degrees of freedom).
    #[serde(rename = "needs 3 or more trials")]
    TooFewTrials,
    /// A common-effect model has no between-trial variation to predict.
    #[serde(rename = "common-effect model")]
    CommonEffectModel,
    /// The chosen model does not compute one (`revman5`).
    #[serde(rename = "not computed by this model")]
    NotComputed,
}

/// What kind of data an outcome has, for its display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// Events/total per arm.
    Binary,
    /// Mean, SD and n per arm.
    Continuous,
    /// Median and quartiles per arm.
    Median,
    /// Only the effect the paper printed.
    Reported,
}

/// A measure by its short name in JSON (`RR`, `sHR`), as the format has
/// always written it.
fn measure_name<S: serde::Serializer>(m: &Measure, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.short())
}

/// Everything recomputed for one outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeResult {
    /// Outcome id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Role.
    pub role: Role,
    /// Endpoint.
    pub endpoint: Option<String>,
    /// Time point.
    pub timepoint: Option<String>,
    /// `binary`, `continuous`, `median` or `reported`.
    pub kind: OutcomeKind,
    /// Whether higher values / more events are good.
    pub direction: Direction,
    /// Arms, experimental first.
    pub arms: Vec<ArmResult>,
    /// Recomputed effects.
    pub effects: Vec<EffectResult>,
    /// NNT/NNH (binary).
    pub nnt: Option<NntResult>,
    /// Fragility index (binary, significant by Fisher), else null.
    pub fragility_index: Option<u64>,
    /// Reverse fragility index (binary, not significant), else null.
    pub reverse_fragility_index: Option<u64>,
    /// Tests.
    pub tests: Vec<TestOut>,
    /// Printed effects.
    pub reported: Vec<ReportedOut>,
    /// Their checks, one per printed effect.
    pub check: Vec<CheckOut>,
    /// Bayesian re-analysis of the RR (binary) or printed ratio.
    pub bayes: Vec<BayesOut>,
}

/// One study of a pooled analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyRow {
    /// Trial id.
    pub trial: String,
    /// Acronym and year.
    pub label: String,
    /// URL path of the trial page.
    pub url_path: String,
    /// Outcome pooled.
    pub outcome: String,
    /// Arm data (experimental first).
    pub arms: Vec<ArmResult>,
    /// Study estimate.
    pub estimate: f64,
    /// Study CI.
    pub ci_low: f64,
    /// Study CI.
    pub ci_high: f64,
    /// Weight in percent.
    pub weight: f64,
    /// Whether the pooled outcome's events are bad or good (decides the
    /// plot's "favours" captions).
    #[serde(skip)]
    pub direction: Direction,
}

/// One step of the cumulative analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CumulativeRow {
    /// The trial added at this step.
    pub trial: String,
    /// Its label.
    pub label: String,
    /// Studies pooled so far.
    pub k: usize,
    /// Which estimate this step shows (a step with fewer than 3 trials
    /// shows the common effect, or none when its trials disagree).
    pub lead: meta::Lead,
    /// Pooled estimate (`null` when there is none).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
}

/// A subgroup's pooled result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupResult {
    /// Label.
    pub label: String,
    /// Trial ids.
    pub trials: Vec<String>,
    /// Studies.
    pub k: usize,
    /// Which estimate the subgroup shows (see [`CumulativeRow::lead`]).
    pub lead: meta::Lead,
    /// Estimate (`null` when there is none).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// I² in percent.
    pub i2: Option<f64>,
}

/// A pooled analysis of a topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledResult {
    /// Analysis id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Endpoint pooled.
    pub endpoint: String,
    /// Measure.
    #[serde(serialize_with = "measure_name")]
    pub measure: Measure,
    /// Model or preset name (`cochrane-2025`).
    pub model: String,
    /// Plain-words description of the model.
    pub model_description: String,
    /// τ² estimator (`REML`, `DL`, `PM`), null for a common-effect model.
    pub tau2_method: Option<&'static str>,
    /// CI method of the headline estimate.
    pub ci_method: &'static str,
    /// Studies pooled.
    pub k: usize,
    /// Headline pooled estimate (natural scale); `null` when the trials
    /// disagree too much for one (`lead`: `none-trials-disagree`).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// p of the pooled effect.
    pub p: Option<f64>,
    /// Common-effect estimate [estimate, low, high].
    pub common: [f64; 3],
    /// τ².
    pub tau2: f64,
    /// Whether the iterative τ² estimator converged (always true for DL);
    /// a warning says so when it did not.
    pub tau2_converged: bool,
    /// I² (percent).
    pub i2: Option<f64>,
    /// H².
    pub h2: Option<f64>,
    /// Cochran's Q.
    pub q: f64,
    /// Degrees of freedom of Q.
    pub df: usize,
    /// p of Q.
    pub p_q: Option<f64>,
    /// Which estimate leads: `random`, `common`, `common-too-few-studies`
    /// (a random-effects model with fewer than 3 trials: τ² cannot be
    /// estimated, so the common effect leads), or `none-trials-disagree`
    /// (2 trials whose heterogeneity test has p < 0.10: no pooled estimate).
    pub lead: meta::Lead,
    /// Random-effects estimate [estimate, low, high], when the model is
    /// random (also when the common effect leads).
    pub random: Option<[f64; 3]>,
    /// CI method of the random-effects estimate (`modified HKSJ`, `HKSJ`,
    /// `Wald`).
    pub random_ci_method: Option<&'static str>,
    /// Why there is no prediction interval, when there is none.
    pub prediction_missing: Option<NoPrediction>,
    /// Prediction interval.
    pub pi_low: Option<f64>,
    /// Prediction interval.
    pub pi_high: Option<f64>,
    /// Studies in publication order.
    pub studies: Vec<StudyRow>,
    /// Cumulative sequence in publication order.
    pub cumulative: Vec<CumulativeRow>,
    /// Subgroups, when declared.
    pub subgroups: Vec<SubgroupResult>,
    /// Trials of the topic not pooled, with why.
    pub excluded: Vec<(String, String)>,
}

const LEVEL: f64 = 0.95;

/// Analyse every trial and topic of the site.
pub fn analyse(site: &Site, links: &Links) -> (Analyses, Diagnostics) {
    let mut diags = Diagnostics::new();
    let trials: Vec<(usize, Vec<OutcomeResult>, Diagnostics)> = site
        .pages
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| match &p.kind {
            PageKind::Trial(t) => {
                let (r, d) = trial_results(t);
                Some((i, r, d))
            }
            _ => None,
        })
        .collect();
    let mut out = Analyses::default();
    for (i, r, d) in trials {
        out.trials.insert(i, r);
        diags.extend(d);
    }
    for (i, p) in site.pages.iter().enumerate() {
        if let PageKind::Topic(_) = &p.kind {
            let (v, d) = topic_results(site, links, i);
            diags.extend(d);
            out.topics.insert(i, v);
        }
    }
    (out, diags)
}

/// The pooled analyses of topic page `i`, with a warning for each analysis
/// that cannot be pooled or whose τ² estimate did not converge. Depends on
/// the topic and the trials it gathers (`links.topic_trials`).
pub fn topic_results(site: &Site, links: &Links, i: usize) -> (Vec<PooledResult>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let p = &site.pages[i];
    let PageKind::Topic(t) = &p.kind else {
        return (Vec::new(), diags);
    };
    let members = links.topic_trials.get(&i).cloned().unwrap_or_default();
    let mut v = Vec::new();
    for a in &t.analyses {
        match pooled(site, links, &members, a) {
            Ok(r) => {
                if !r.tau2_converged {
                    diags.push(
                        Diagnostic::warning(
                            &p.source,
                            a.pos.0,
                            a.pos.1,
                            format!(
                                "analysis `{}`: the τ² estimate did not converge; the result uses the last iterate",
                                a.id
                            ),
                        )
                        .with_hint("try `tau2: DL` or `tau2: PM` for this analysis"),
                    );
                }
                v.push(r)
            }
            Err(m) => diags.push(Diagnostic::warning(&p.source, a.pos.0, a.pos.1, m)),
        }
    }
    (v, diags)
}

/// The 2×2 table of an outcome (experimental vs control), if binary and complete.
pub fn two_by_two(t: &Trial, data: &OutcomeData) -> Option<TwoByTwo> {
    let OutcomeData::Binary(v) = data else {
        return None;
    };
    let e = v.get(t.experimental())?.as_ref()?;
    let c = v.get(t.control)?.as_ref()?;
    TwoByTwo::new(e.events, e.total, c.events, c.total)
}

fn blank_arm(t: &Trial, i: usize) -> ArmResult {
    ArmResult {
        arm: t.arms[i].id.clone(),
        label: t.arms[i].label.clone(),
        events: None,
        total: None,
        risk: None,
        risk_ci_low: None,
        risk_ci_high: None,
        mean: None,
        sd: None,
        n: None,
        median: None,
        q1: None,
        q3: None,
    }
}

fn arms_of(t: &Trial, data: &OutcomeData) -> Vec<ArmResult> {
    t.arm_order()
        .into_iter()
        .map(|i| {
            let mut a = blank_arm(t, i);
            match data {
                OutcomeData::Binary(v) => {
                    if let Some(Some(c)) = v.get(i) {
                        a.events = Some(c.events);
                        a.total = Some(c.total);
                        if let Some(p) = stats::binary::wilson(c.events, c.total, LEVEL) {
                            a.risk = Some(p.estimate);
                            a.risk_ci_low = Some(p.lower);
                            a.risk_ci_high = Some(p.upper);
                        }
                    }
                }
                OutcomeData::Continuous(v) => {
                    if let Some(Some(m)) = v.get(i) {
                        a.mean = Some(m.mean);
                        a.sd = Some(m.sd);
                        a.n = Some(m.n);
                    }
                }
                OutcomeData::Median(v) => {
                    if let Some(Some(m)) = v.get(i) {
                        a.median = Some(m.median);
                        a.q1 = Some(m.q1);
                        a.q3 = Some(m.q3);
                        a.n = m.n;
                    }
                }
                OutcomeData::None => {}
            }
            a
        })
        .collect()
}

fn effect(measure: Measure, method: &'static str, e: stats::binary::Effect) -> EffectResult {
    EffectResult {
        measure,
        estimate: e.estimate,
        ci_low: e.lower,
        ci_high: e.upper,
        method,
        p: e.p_value,
        corrected: e.corrected,
    }
}

/// Every outcome of one trial recomputed and checked. Pure: depends only
/// on the trial.
pub fn trial_results(t: &Trial) -> (Vec<OutcomeResult>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let results = t
        .outcomes
        .iter()
        .map(|o| {
            let mut r = OutcomeResult {
                id: o.id.clone(),
                label: o.label.clone(),
                role: o.role,
                endpoint: o.endpoint.clone(),
                timepoint: o.timepoint.clone(),
                kind: match o.data {
                    OutcomeData::Binary(_) => OutcomeKind::Binary,
                    OutcomeData::Continuous(_) => OutcomeKind::Continuous,
                    OutcomeData::Median(_) => OutcomeKind::Median,
                    OutcomeData::None => OutcomeKind::Reported,
                },
                direction: o.direction,
                arms: arms_of(t, &o.data),
                effects: Vec::new(),
                nnt: None,
                fragility_index: None,
                reverse_fragility_index: None,
                tests: Vec::new(),
                reported: o.reported.iter().map(reported_out).collect(),
                check: Vec::new(),
                bayes: Vec::new(),
            };
            let arm_data = if let Some(tb) = two_by_two(t, &o.data) {
                use stats::binary::*;
                if let Some(e) = risk_ratio(&tb, LEVEL) {
                    r.effects.push(effect(Measure::RR, "log-Wald", e));
                    for prior in [stats::bayes::Prior::sceptical(), stats::bayes::Prior::neutral()] {
                        if let Some(p) = stats::bayes::reanalyse(e.estimate, e.lower, e.upper, &prior, LEVEL, None) {
                            r.bayes.push(BayesOut { prior: p.prior.name.clone(), ratio: p.ratio, ci_low: p.lower, ci_high: p.upper, p_benefit: p.p_benefit, p_harm: p.p_harm });
                        }
                    }
                }
                if let Some(e) = odds_ratio(&tb, LEVEL) {
                    r.effects.push(effect(Measure::OR, "Woolf (log-Wald)", e));
                }
                if let Some(e) = risk_difference(&tb, RdMethod::Wald, LEVEL) {
                    r.effects.push(effect(Measure::RD, "Wald", e));
                    r.nnt = nnt(&e, o.direction == Direction::LowerIsBetter).map(|n| NntResult {
                        text: crate::present::nnt_text(&n),
                        direction: match n.estimate.direction {
                            NntDirection::Benefit => "benefit",
                            NntDirection::Harm => "harm",
                        },
                        exact: n.estimate.exact,
                        rounded: n.estimate.rounded,
                        crosses_infinity: n.crosses_infinity,
                    });
                }
                if let Some(e) = risk_difference(&tb, RdMethod::Newcombe, LEVEL) {
                    r.effects.push(effect(Measure::RD, "Newcombe hybrid score", e));
                }
                if let Some(x) = chi_square(&tb, false) {
                    r.tests.push(TestOut { test: "chi-square", p: x.p_value });
                }
                if let Some(x) = chi_square(&tb, true) {
                    r.tests.push(TestOut { test: "chi-square (Yates)", p: x.p_value });
                }
                if let Some(x) = fisher_exact(&tb) {
                    r.tests.push(TestOut { test: "Fisher exact", p: x.p_value });
                    if x.p_value < 0.05 {
                        r.fragility_index = fragility_index(&tb);
                    } else {
                        r.reverse_fragility_index = reverse_fragility_index(&tb);
                    }
                }
                stats::check::ArmData::Binary(tb)
            } else if let Some((e, c)) = mean_sds(t, &o.data) {
                use stats::continuous::*;
                if let Some(x) = mean_difference(&e, &c, LEVEL) {
                    r.effects.push(effect(Measure::MD, "normal (z)", x));
                }
                if let Some(x) = hedges_g(&e, &c, LEVEL) {
                    r.effects.push(effect(Measure::SMD, "Hedges' g", x));
                }
                if let Some(x) = welch_t_test(&e, &c) {
                    r.tests.push(TestOut { test: "Welch t", p: x.p_value });
                }
                stats::check::ArmData::Continuous { exp: e, ctl: c }
            } else {
                stats::check::ArmData::None
            };
            for rep in &o.reported {
                let c = check_one(&arm_data, rep, !matches!(o.data, OutcomeData::None));
                // A mismatch the author has explained (`method:`) is shown on
                // the page but is not a warning.
                if c.verdict.is_mismatch() && rep.method.is_none() {
                    let line = o.origin.1;
                    let d = if c.verdict == Verdict::Inconsistent {
                        Diagnostic::warning(&o.origin.0, line, 1, format!("outcome `{}`: the printed {}, its CI and p do not agree with each other: {}", o.id, rep.measure.short(), c.summary))
                            .with_hint("check the numbers against the paper: a typing slip is the usual cause")
                    } else {
                        Diagnostic::warning(&o.origin.0, line, 1, format!("outcome `{}`: the printed {} does not add up: {}", o.id, rep.measure.short(), c.summary))
                            .with_hint("a mismatch is not always an error: adjusted, bootstrapped or model-based analyses differ from the crude numbers; set `adjusted: true` or `method:` to say so")
                    };
                    diags.push(d.with_code(Code::ResultMismatch));
                }
                r.check.push(c);
            }
            if r.bayes.is_empty() {
                if let Some(rep) = o.reported.iter().find(|x| x.measure.is_ratio() && x.ci.is_some()) {
                    let (lo, hi) = rep.ci.unwrap_or((1.0, 1.0));
                    for prior in [stats::bayes::Prior::sceptical(), stats::bayes::Prior::neutral()] {
                        if let Some(p) = stats::bayes::reanalyse(rep.estimate, lo, hi, &prior, LEVEL, None) {
                            r.bayes.push(BayesOut { prior: p.prior.name.clone(), ratio: p.ratio, ci_low: p.lower, ci_high: p.upper, p_benefit: p.p_benefit, p_harm: p.p_harm });
                        }
                    }
                }
            }
            r
        })
        .collect();
    (results, diags)
}

fn mean_sds(t: &Trial, data: &OutcomeData) -> Option<(ArmSummary, ArmSummary)> {
    let OutcomeData::Continuous(v) = data else {
        return None;
    };
    let e = v.get(t.experimental())?.as_ref()?;
    let c = v.get(t.control)?.as_ref()?;
    Some((
        ArmSummary {
            mean: e.mean,
            sd: e.sd,
            n: e.n,
        },
        ArmSummary {
            mean: c.mean,
            sd: c.sd,
            n: c.n,
        },
    ))
}

fn reported_out(r: &Reported) -> ReportedOut {
    let d = r.decimals as usize;
    let mut text = format!("{} {}", r.measure.short(), num(r.estimate, d));
    if r.measure == Measure::RD {
        text.push_str(" pts");
    }
    if let (Some((a, b)), Some((da, db))) = (r.ci, r.ci_decimals) {
        text.push_str(&format!(
            " ({} to {})",
            num(a, da as usize),
            num(b, db as usize)
        ));
    }
    let p = r.p.map(|p| p.to_string());
    if let Some(p) = &p {
        if p.starts_with('<') || p.starts_with('>') {
            text.push_str(&format!("; p {p}"));
        } else {
            text.push_str(&format!("; p = {p}"));
        }
    }
    if r.adjusted {
        text.push_str(" (adjusted)");
    }
    ReportedOut {
        measure: r.measure,
        estimate: r.estimate,
        ci_low: r.ci.map(|c| c.0),
        ci_high: r.ci.map(|c| c.1),
        p,
        adjusted: r.adjusted,
        method: r.method.clone(),
        text,
    }
}

fn check_one(data: &stats::check::ArmData, r: &Reported, has_arm_data: bool) -> CheckOut {
    use stats::check::{Measure as CM, PTest, ReportedEffect, ReportedP};
    let measure = match r.measure {
        Measure::RR => Some(CM::RiskRatio),
        Measure::OR => Some(CM::OddsRatio),
        Measure::RD => Some(CM::RiskDifference),
        Measure::MD => Some(CM::MeanDifference),
        Measure::SMD => Some(CM::Smd),
        Measure::HR | Measure::SHR => Some(CM::HazardRatio),
        Measure::MedD => None,
    };
    let not_checkable = |why: &str| CheckOut {
        measure: r.measure,
        verdict: Verdict::NotCheckable,
        methods: vec![],
        p_tests: vec![],
        recomputed: None,
        summary: why.to_string(),
        explained_by: r.method.clone(),
        p_printed: r.p.is_some(),
    };
    let Some(measure) = measure else {
        return not_checkable(
            "a difference in medians cannot be recomputed from medians and quartiles",
        );
    };
    if r.adjusted {
        return not_checkable("adjusted estimate: not comparable with the crude arm data");
    }
    let p = r.p.map(|p| match p.relation {
        '<' => ReportedP::LessThan(p.value),
        '>' => ReportedP::GreaterThan(p.value),
        _ => ReportedP::Exact {
            value: p.value,
            decimals: p.decimals,
        },
    });
    let rep = ReportedEffect {
        measure,
        estimate: r.estimate,
        ci: r.ci,
        p,
        decimals: r.decimals,
        ci_decimals: r.ci_decimals.unwrap_or((r.decimals, r.decimals)),
        level: LEVEL,
    };
    let report = stats::check::check(data, &rep);
    let verdict = report.verdict;
    let p_tests: Vec<String> = report
        .reproducing_tests
        .iter()
        .map(|t| p_test_name(*t).to_string())
        .collect();
    let best = report
        .methods
        .iter()
        .find(|m| m.estimate_matches)
        .or(report.methods.first());
    let recomputed = best.map(|m| [m.estimate, m.lower, m.upper]);
    let d = r.decimals as usize;
    let summary = match verdict {
        Verdict::Consistent => format!(
            "{}; the printed estimate, CI{} agree with each other",
            not_recomputable(r.measure, has_arm_data),
            if r.p.is_some() {
                " and p"
            } else {
                " (no p printed)"
            }
        ),
        Verdict::Inconsistent => {
            let mut parts = vec![not_recomputable(r.measure, has_arm_data).to_string()];
            if let Some(m) = report.methods.first().filter(|m| !m.estimate_matches) {
                parts.push(format!(
                    "the printed estimate is not the middle of its CI (expected about {})",
                    num(m.estimate, d)
                ));
            }
            if rep.p.is_some() && p_tests.is_empty() {
                if let Some(c) = report
                    .p_checks
                    .iter()
                    .find(|c| c.test == PTest::FromPrintedCi)
                {
                    parts.push(format!(
                        "the printed CI implies {}, not the printed p",
                        crate::present::p_recomputed(c.p_value)
                    ));
                }
            }
            parts.join("; ")
        }
        Verdict::Reproduced => {
            let mut s = String::from("Reproduced");
            if !report.reproducing_methods.is_empty() {
                s.push_str(&format!(" by {}", report.reproducing_methods.join(", ")));
            }
            if !p_tests.is_empty() {
                s.push_str(&format!("; p by {}", p_tests.join(", ")));
            }
            s
        }
        Verdict::NotCheckable => report
            .notes
            .first()
            .cloned()
            .unwrap_or_else(|| "nothing to recompute from".into()),
        _ => {
            let mut parts = Vec::new();
            if report.reproducing_methods.is_empty() {
                if let Some([e, lo, hi]) = recomputed {
                    parts.push(format!(
                        "recomputed {} ({} to {}) by {}",
                        num(e, d),
                        num(lo, d),
                        num(hi, d),
                        best.map(|m| m.method.as_str()).unwrap_or("")
                    ));
                }
            } else {
                parts.push(format!(
                    "estimate and CI reproduced by {}",
                    report.reproducing_methods.join(", ")
                ));
            }
            if rep.p.is_some() {
                if p_tests.is_empty() {
                    let ps: Vec<String> = report
                        .p_checks
                        .iter()
                        .map(|c| {
                            format!(
                                "{} {}",
                                p_test_name(c.test),
                                crate::present::p_recomputed(c.p_value).trim_start_matches("p = ")
                            )
                        })
                        .collect();
                    parts.push(format!(
                        "no standard test gives the printed p (got {})",
                        ps.join(", ")
                    ));
                } else {
                    parts.push(format!("p reproduced by {}", p_tests.join(", ")));
                }
            }
            parts.join("; ")
        }
    };
    CheckOut {
        measure: r.measure,
        verdict,
        methods: report.reproducing_methods.clone(),
        p_tests,
        recomputed,
        summary,
        explained_by: r.method.clone(),
        p_printed: r.p.is_some(),
    }
}

/// Why a printed effect cannot be recomputed from the arm data.
fn not_recomputable(m: Measure, has_arm_data: bool) -> &'static str {
    match m {
        Measure::HR | Measure::SHR => {
            "a hazard ratio cannot be recomputed from the arm totals (it needs the time-to-event data)"
        }
        _ if has_arm_data => "the arm data shown cannot give this measure",
        _ => "there are no arm data to recompute it from",
    }
}

fn p_test_name(t: stats::check::PTest) -> &'static str {
    use stats::check::PTest::*;
    match t {
        ChiSquare => "chi-square",
        ChiSquareYates => "chi-square with Yates' correction",
        Fisher => "Fisher's exact test",
        WaldZ => "Wald z test",
        StudentT => "Student t test",
        WelchT => "Welch t test",
        FromPrintedCi => "the printed CI",
    }
}

fn describe(s: &meta::MetaSettings) -> (String, Option<&'static str>) {
    use meta::*;
    let tau = match s.tau2 {
        Tau2Estimator::DerSimonianLaird => "DL",
        Tau2Estimator::Reml => "REML",
        Tau2Estimator::PauleMandel => "PM",
    };
    match s.model {
        Model::Common => (
            format!(
                "Common effect ({})",
                if s.binary_common == CommonMethod::MantelHaenszel {
                    "Mantel–Haenszel"
                } else {
                    "inverse variance"
                }
            ),
            None,
        ),
        Model::Random => {
            let ci = match (s.random_ci, s.hksj_floor) {
                (RandomCi::Hksj, true) => "modified HKSJ",
                (RandomCi::Hksj, false) => "HKSJ",
                (RandomCi::Wald, _) => "Wald",
            };
            let mut d = format!("Random effects, {tau} τ², {ci} CI");
            if s.prediction {
                d.push_str(", 95% prediction interval");
            }
            (d, Some(tau))
        }
    }
}

fn pooled(
    site: &Site,
    links: &Links,
    members: &[usize],
    a: &crate::model::AnalysisSpec,
) -> Result<PooledResult, String> {
    let settings = &a.settings;
    let chosen: Vec<usize> = if a.trials.is_empty() {
        members.to_vec()
    } else {
        a.trials
            .iter()
            .filter_map(|(id, _)| links.trial_by_id.get(id).copied())
            .collect()
    };
    let mut order = chosen.clone();
    order.sort_by(|&x, &y| {
        (publication_key(site, x), &site.pages[x].id)
            .cmp(&(publication_key(site, y), &site.pages[y].id))
    });
    let binary = matches!(a.measure, Measure::RR | Measure::OR | Measure::RD);
    #[allow(clippy::type_complexity)]
    let mut rows: Vec<(
        usize,
        String,
        Vec<ArmResult>,
        meta::Study,
        Option<TwoByTwo>,
        Direction,
    )> = Vec::new();
    let mut excluded = Vec::new();
    for &i in &order {
        // A registry record whose results are on the site as their own trial
        // is that trial: the publication is pooled, the record is not listed.
        if links.published_as.contains_key(&i) {
            continue;
        }
        let p = &site.pages[i];
        let PageKind::Trial(t) = &p.kind else {
            continue;
        };
        let Some(o) = t
            .outcomes
            .iter()
            .find(|o| o.endpoint.as_deref() == Some(a.endpoint.as_str()))
        else {
            excluded.push((
                study_label(site, i),
                format!("reports no {} outcome", a.endpoint.replace('-', " ")),
            ));
            continue;
        };
        if binary {
            let Some(tb) = two_by_two(t, &o.data) else {
                excluded.push((
                    study_label(site, i),
                    format!("no events/total in both arms for “{}”", o.label),
                ));
                continue;
            };
            let m = match a.measure {
                Measure::RR => meta::BinaryMeasure::RiskRatio,
                Measure::OR => meta::BinaryMeasure::OddsRatio,
                _ => meta::BinaryMeasure::RiskDifference,
            };
            match meta::binary_study(&tb, m) {
                Some(s) => rows.push((
                    i,
                    o.id.clone(),
                    arms_of(t, &o.data),
                    s,
                    Some(tb),
                    o.direction,
                )),
                None => excluded.push((study_label(site, i), "no events in either arm".into())),
            }
        } else {
            let Some((e, c)) = mean_sds(t, &o.data) else {
                excluded.push((
                    study_label(site, i),
                    format!("no mean, SD and n in both arms for “{}”", o.label),
                ));
                continue;
            };
            let eff = if a.measure == Measure::SMD {
                stats::continuous::hedges_g(&e, &c, LEVEL)
            } else {
                stats::continuous::mean_difference(&e, &c, LEVEL)
            };
            match eff {
                Some(x) => rows.push((
                    i,
                    o.id.clone(),
                    arms_of(t, &o.data),
                    meta::Study {
                        yi: x.estimate,
                        vi: x.se * x.se,
                    },
                    None,
                    o.direction,
                )),
                None => {
                    excluded.push((study_label(site, i), "the effect cannot be computed".into()))
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(format!(
            "analysis `{}`: no trial reports `{}` with usable data",
            a.id, a.endpoint
        ));
    }
    let scale = if a.measure.is_ratio() {
        stats::reported::Scale::Ratio
    } else {
        stats::reported::Scale::Difference
    };
    let bm = match a.measure {
        Measure::RR => meta::BinaryMeasure::RiskRatio,
        Measure::OR => meta::BinaryMeasure::OddsRatio,
        _ => meta::BinaryMeasure::RiskDifference,
    };
    let run = |idx: &[usize]| -> Option<meta::MetaResult> {
        if binary {
            let tables: Vec<TwoByTwo> = idx.iter().filter_map(|&j| rows[j].4).collect();
            meta::pool_binary(&tables, bm, settings)
        } else {
            let studies: Vec<meta::Study> = idx.iter().map(|&j| rows[j].3).collect();
            meta::pool(&studies, scale, settings)
        }
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let res =
        run(&all).ok_or_else(|| format!("analysis `{}`: the studies could not be pooled", a.id))?;
    let head = res.headline();
    let weights = res.headline_weights();
    let z = stats::z_crit(settings.level).unwrap_or(1.959_963_984_540_054);
    let studies = rows
        .iter()
        .enumerate()
        .map(|(j, (i, oid, arms, s, _, direction))| {
            let p = &site.pages[*i];
            let (e, lo, hi) = (s.yi, s.yi - z * s.vi.sqrt(), s.yi + z * s.vi.sqrt());
            let f = |x: f64| scale.from_analysis(x);
            StudyRow {
                trial: p.id.clone(),
                label: study_label(site, *i),
                url_path: p.url_path.clone(),
                outcome: oid.clone(),
                arms: arms.clone(),
                estimate: f(e),
                ci_low: f(lo),
                ci_high: f(hi),
                weight: weights.get(j).copied().unwrap_or(0.0),
                direction: *direction,
            }
        })
        .collect();
    let cumulative = (1..=rows.len())
        .filter_map(|n| {
            let r = run(&all[..n])?;
            let h = r.headline();
            Some(CumulativeRow {
                trial: site.pages[rows[n - 1].0].id.clone(),
                label: study_label(site, rows[n - 1].0),
                k: r.k,
                lead: r.lead,
                estimate: h.map(|h| h.estimate),
                ci_low: h.map(|h| h.lower),
                ci_high: h.map(|h| h.upper),
            })
        })
        .collect();
    let mut subgroups = Vec::new();
    for (label, ids) in &a.subgroups {
        let idx: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&j| ids.contains(&site.pages[rows[j].0].id))
            .collect();
        if let Some(r) = (!idx.is_empty()).then(|| run(&idx)).flatten() {
            let h = r.headline();
            subgroups.push(SubgroupResult {
                label: label.clone(),
                trials: idx
                    .iter()
                    .map(|&j| site.pages[rows[j].0].id.clone())
                    .collect(),
                k: r.k,
                lead: r.lead,
                estimate: h.map(|h| h.estimate),
                ci_low: h.map(|h| h.lower),
                ci_high: h.map(|h| h.upper),
                i2: r.heterogeneity.i2,
            });
        }
    }
    let (model_description, tau2_method) = describe(&res.settings);
    let random_ci_method = res.random_ci_used.map(|c| match c {
        meta::RandomCi::Wald => "Wald",
        meta::RandomCi::Hksj if res.settings.hksj_floor => "modified HKSJ",
        meta::RandomCi::Hksj => "HKSJ",
    });
    let het = res.heterogeneity;
    Ok(PooledResult {
        id: a.id.clone(),
        title: a.title.clone(),
        endpoint: a.endpoint.clone(),
        measure: a.measure,
        model: res.settings.name.clone(),
        model_description,
        tau2_method,
        ci_method: match res.lead {
            meta::Lead::Random => random_ci_method.unwrap_or("Wald"),
            _ => "Wald",
        },
        lead: res.lead,
        random: res.random.map(|r| [r.estimate, r.lower, r.upper]),
        random_ci_method,
        prediction_missing: match (&res.prediction, res.settings.model) {
            (Some(_), _) => None,
            (None, meta::Model::Common) => Some(NoPrediction::CommonEffectModel),
            (None, _) if !res.settings.prediction => Some(NoPrediction::NotComputed),
            (None, _) => Some(NoPrediction::TooFewTrials),
        },
        k: res.k,
        estimate: head.map(|h| h.estimate),
        ci_low: head.map(|h| h.lower),
        ci_high: head.map(|h| h.upper),
        p: head.map(|h| h.p_value),
        common: [res.common.estimate, res.common.lower, res.common.upper],
        tau2: het.tau2,
        tau2_converged: het.tau2_converged,
        i2: het.i2,
        h2: het.h2,
        q: het.q,
        df: het.df,
        p_q: het.p_q,
        pi_low: res.prediction.map(|p| p.lower),
        pi_high: res.prediction.map(|p| p.upper),
        studies,
        cumulative,
        subgroups,
        excluded,
    })
}

/// `LeoPARDS (2016)`.
pub fn study_label(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    match &p.kind {
        PageKind::Trial(t) => {
            let name = if t.acronym.is_empty() {
                p.title.clone()
            } else {
                t.acronym.clone()
            };
            match t.publication.as_ref().and_then(|x| x.year) {
                Some(y) => format!("{name} ({y})"),
                None => name,
            }
        }
        _ => p.title.clone(),
    }
}
