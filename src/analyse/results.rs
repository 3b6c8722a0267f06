//! The result types of the analyse stage: what is recomputed for each trial
//! outcome ([`OutcomeResult`] and its parts) and for each pooled topic
//! analysis ([`PooledResult`] and its rows), gathered by page in
//! [`Analyses`]. They are plain data that serialise directly into the
//! `index.json` twins (format in docs/json.md); the code that fills them is
//! in [`super::trial`] and [`super::topic`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Direction, Measure, Role};
use crate::stats::check::Verdict;
use crate::stats::meta;

/// Results for the whole site, by page index.
#[derive(Debug, Clone, Default)]
pub struct Analyses {
    /// Trial page → its outcomes' results.
    pub trials: BTreeMap<usize, Vec<OutcomeResult>>,
    /// Topic page → its pooled analyses.
    pub topics: BTreeMap<usize, Vec<PooledResult>>,
    /// Trial page → the registry against the paper.
    pub registry: BTreeMap<usize, super::registry::RegistryReport>,
    /// The date "results overdue" is judged against, and its source.
    pub reference: Option<super::registry::ReferenceDate>,
}

/// One arm of an outcome, experimental arm first.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
    /// The NNT with both limits, for wording that needs them (the result
    /// card's); not in the JSON, whose fields above say the same.
    #[serde(skip)]
    pub detail: crate::stats::binary::Nnt,
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
    /// Whether higher values / more events are good (the default
    /// lower-is-better when nobody gave it: see `direction_given`).
    #[serde(skip)]
    pub direction: Direction,
    /// The direction when it was given (in JSON as `direction`, `null` for
    /// a posted outcome whose direction neither the registry nor the
    /// author gives: then no benefit or harm is claimed).
    #[serde(rename = "direction")]
    pub direction_given: Option<Direction>,
    /// Where the arm data came from: `paper` or `registry`.
    pub source: crate::model::Source,
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
    /// Trial sequential analysis, when the analysis states assumptions
    /// (`tsa:`) and the measure is binary.
    pub tsa: Option<super::TsaResult>,
    /// Summary of findings, when the author gives a certainty (`sof:`)
    /// and there is a pooled estimate.
    pub sof: Option<super::SofResult>,
    /// Sensitivity analyses: leave-one-out, low risk of bias only, common
    /// vs random effects.
    pub sensitivity: super::Sensitivity,
    /// Test for subgroup differences, when two or more subgroups hold
    /// trials of the analysis.
    pub subgroup_test: Option<super::SubgroupTest>,
}
