//! Per-trial analyses, one [`OutcomeResult`] per outcome: risks per arm,
//! RR, OR and RD with their CIs, NNT/NNH, chi-square and Fisher p values,
//! the fragility index (or the reverse fragility index when not
//! significant), MD and Hedges' g for continuous outcomes, a Bayesian
//! re-analysis of the risk ratio (or of a printed ratio), and the check of
//! every printed effect ([`super::check`]), with a warning for each
//! unexplained mismatch. Depends only on the trial.

use super::arms::{arms_of, mean_sds, two_by_two};
use super::check::{check_one, reported_out};
use super::results::{BayesOut, EffectResult, NntResult, OutcomeKind, OutcomeResult, TestOut};
use super::LEVEL;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Direction, Measure, Outcome, OutcomeData, Reported, Trial};
use crate::stats::check::{ArmData, Verdict};
use crate::stats::{self, binary::TwoByTwo, continuous::ArmSummary};

/// Everything recomputed for one trial, outcome by outcome, with a warning
/// for each printed effect that does not add up (unless `method:` explains
/// it). Pure: depends only on `t`.
pub fn trial_results(t: &Trial) -> (Vec<OutcomeResult>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let results = t
        .outcomes
        .iter()
        .map(|o| outcome_result(t, o, &mut diags))
        .collect();
    (results, diags)
}

/// Outcome `o` of `t` analysed again as pointing `direction` (a posted
/// outcome whose direction is that of the paper outcome it reports, on
/// another page). Its warnings were given by [`trial_results`] already and
/// do not depend on the direction.
pub(crate) fn with_direction(t: &Trial, o: &Outcome, direction: Direction) -> OutcomeResult {
    let o = Outcome {
        direction,
        direction_known: true,
        ..o.clone()
    };
    outcome_result(t, &o, &mut Diagnostics::new())
}

/// Outcome `o` of `t` analysed as its model gives it (undoing
/// [`with_direction`] on a result kept from an earlier build).
pub(crate) fn without_direction(t: &Trial, o: &Outcome) -> OutcomeResult {
    outcome_result(t, o, &mut Diagnostics::new())
}

/// One outcome: its effects and tests, the checks of its printed effects
/// (warnings into `diags`) and the Bayesian re-analysis.
fn outcome_result(t: &Trial, o: &Outcome, diags: &mut Diagnostics) -> OutcomeResult {
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
        direction_given: o.direction_known.then_some(o.direction),
        source: o.source,
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
        binary_effects(&mut r, &tb);
        ArmData::Binary(tb)
    } else if let Some((e, c)) = mean_sds(t, &o.data) {
        continuous_effects(&mut r, &e, &c);
        ArmData::Continuous { exp: e, ctl: c }
    } else {
        ArmData::None
    };
    for rep in &o.reported {
        let c = check_one(&arm_data, rep, !matches!(o.data, OutcomeData::None));
        // A mismatch the author has explained (`method:`) is shown on
        // the page but is not a warning.
        if c.verdict.is_mismatch() && rep.method.is_none() {
            diags.push(mismatch_warning(o, rep, c.verdict, &c.summary));
        }
        r.check.push(c);
    }
    if !o.direction_known {
        // Which way is better is unknown: no NNTB/NNTH, no P(benefit).
        r.nnt = None;
        r.bayes.clear();
        return r;
    }
    if r.bayes.is_empty() {
        // No RR from arm data: re-analyse the first printed ratio with a CI.
        if let Some(rep) = o
            .reported
            .iter()
            .find(|x| x.measure.is_ratio() && x.ci.is_some())
        {
            let (lo, hi) = rep.ci.unwrap_or((1.0, 1.0));
            r.bayes = bayes_of(rep.estimate, lo, hi);
        }
    }
    r
}

/// Effects, NNT, tests and fragility of a 2×2 table, and the Bayesian
/// re-analysis of its RR.
fn binary_effects(r: &mut OutcomeResult, tb: &TwoByTwo) {
    use stats::binary::*;
    if let Some(e) = risk_ratio(tb, LEVEL) {
        r.effects.push(effect(Measure::RR, "log-Wald", e));
        r.bayes = bayes_of(e.estimate, e.lower, e.upper);
    }
    if let Some(e) = odds_ratio(tb, LEVEL) {
        r.effects.push(effect(Measure::OR, "Woolf (log-Wald)", e));
    }
    if let Some(e) = risk_difference(tb, RdMethod::Wald, LEVEL) {
        r.effects.push(effect(Measure::RD, "Wald", e));
        r.nnt = nnt(&e, r.direction == Direction::LowerIsBetter).map(|n| nnt_result(&n));
    }
    if let Some(e) = risk_difference(tb, RdMethod::Newcombe, LEVEL) {
        r.effects
            .push(effect(Measure::RD, "Newcombe hybrid score", e));
    }
    if let Some(x) = chi_square(tb, false) {
        r.tests.push(test("chi-square", x.p_value));
    }
    if let Some(x) = chi_square(tb, true) {
        r.tests.push(test("chi-square (Yates)", x.p_value));
    }
    if let Some(x) = fisher_exact(tb) {
        r.tests.push(test("Fisher exact", x.p_value));
        (r.fragility_index, r.reverse_fragility_index) = fragility_indices(tb, x.p_value);
    }
}

/// MD, Hedges' g and Welch's t test of two arms' means.
fn continuous_effects(r: &mut OutcomeResult, e: &ArmSummary, c: &ArmSummary) {
    use stats::continuous::*;
    if let Some(x) = mean_difference(e, c, LEVEL) {
        r.effects.push(effect(Measure::MD, "normal (z)", x));
    }
    if let Some(x) = hedges_g(e, c, LEVEL) {
        r.effects.push(effect(Measure::SMD, "Hedges' g", x));
    }
    if let Some(x) = welch_t_test(e, c) {
        r.tests.push(test("Welch t", x.p_value));
    }
}

/// The warning for a printed effect that does not add up (`summary`: the
/// check's sentence).
fn mismatch_warning(o: &Outcome, rep: &Reported, verdict: Verdict, summary: &str) -> Diagnostic {
    let (file, line) = (&o.origin.0, o.origin.1);
    let m = rep.measure.short();
    let d = if verdict == Verdict::Inconsistent {
        Diagnostic::warning(
            file,
            line,
            1,
            format!(
                "outcome `{}`: the printed {m}, its CI and p do not agree with each other: {summary}",
                o.id
            ),
        )
        .with_hint("check the numbers against the paper: a typing slip is the usual cause")
    } else {
        Diagnostic::warning(
            file,
            line,
            1,
            format!(
                "outcome `{}`: the printed {m} does not add up: {summary}",
                o.id
            ),
        )
        .with_hint("a mismatch is not always an error: adjusted, bootstrapped or model-based analyses differ from the crude numbers; set `adjusted: true` or `method:` to say so")
    };
    d.with_code(Code::ResultMismatch)
}

/// Posteriors of a ratio under the sceptical and neutral priors.
fn bayes_of(estimate: f64, lower: f64, upper: f64) -> Vec<BayesOut> {
    use stats::bayes::{reanalyse, Prior};
    [Prior::sceptical(), Prior::neutral()]
        .iter()
        .filter_map(|prior| reanalyse(estimate, lower, upper, prior, LEVEL, None))
        .map(|p| BayesOut {
            prior: p.prior.name.clone(),
            ratio: p.ratio,
            ci_low: p.lower,
            ci_high: p.upper,
            p_benefit: p.p_benefit,
            p_harm: p.p_harm,
        })
        .collect()
}

/// NNT/NNH with its clinician wording.
fn nnt_result(n: &stats::binary::Nnt) -> NntResult {
    NntResult {
        text: crate::present::nnt_text(n),
        direction: match n.estimate.direction {
            stats::binary::NntDirection::Benefit => "benefit",
            stats::binary::NntDirection::Harm => "harm",
        },
        exact: n.estimate.exact,
        rounded: n.estimate.rounded,
        crosses_infinity: n.crosses_infinity,
        detail: *n,
    }
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

fn test(test: &'static str, p: f64) -> TestOut {
    TestOut { test, p }
}
