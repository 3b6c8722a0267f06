//! Is the evidence enough, and what does it mean for patients: a topic
//! analysis's trial sequential analysis ([`TsaResult`], from the author's
//! assumptions and [`crate::stats::tsa`]) and its GRADE summary of findings
//! ([`SofResult`]: the pooled relative effect turned into risks per 1,000
//! at an assumed control risk, with the author's certainty). Both
//! serialise into `index.json` (docs/json.md).

use serde::Serialize;

use crate::model::{Certainty, Correction, Measure, RatedDown, SofSpec, TsaSpec};
use crate::stats::{absolute, tsa};

/// The assumptions a trial sequential analysis used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TsaAssumptions {
    /// Control event proportion.
    pub control_risk: f64,
    /// Relative risk reduction.
    pub rrr: f64,
    /// Two-sided type I error.
    pub alpha: f64,
    /// Type II error.
    pub beta: f64,
    /// The D² used (0 to 1).
    pub heterogeneity: f64,
    /// `data` (D² computed from the pooled trials) or `author` (fixed).
    pub heterogeneity_from: Source,
}

/// Where an assumption comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Computed from the pooled trials (D²).
    Data,
    /// The median of the pooled trials' control-arm risks.
    Median,
    /// Stated by the author.
    Author,
}

/// One trial's look in the trial sequential analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TsaLook {
    /// The trial added.
    pub trial: String,
    /// Its label, `LeoPARDS (2016)`.
    #[serde(skip)]
    pub label: String,
    /// Patients accrued so far.
    #[serde(skip)]
    pub accrued: u64,
    /// Accrued patients / required information size (may exceed 1).
    pub information_fraction: f64,
    /// Cumulative pooled z (the analysis's own test statistic); `null`
    /// when the trials so far have no pooled estimate.
    pub z: Option<f64>,
    /// The two-sided efficacy boundary (±); `null` when too little α is
    /// spent by this look to place one.
    pub efficacy_boundary: Option<f64>,
}

/// A trial sequential analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TsaResult {
    /// What it assumed.
    pub assumptions: TsaAssumptions,
    /// Required information size before the heterogeneity correction
    /// (patients, rounded up).
    pub unadjusted_information_size: u64,
    /// Required information size N/(1 − D²), patients, rounded up.
    pub required_information_size: u64,
    /// Patients in the pooled trials.
    pub accrued: u64,
    /// One look per trial, in order of publication.
    pub boundaries: Vec<TsaLook>,
    /// Where the efficacy boundary would run if further trials brought the
    /// information to the required size in equal steps: (information
    /// fraction, boundary) after the last look, up to 1 (for the chart; not
    /// in `index.json`, which records what was observed). The boundary at a
    /// look depends only on the looks before it, so the observed ones are
    /// the same with or without these.
    #[serde(skip)]
    pub projected: Vec<(f64, f64)>,
}

/// One pooled trial as the trial sequential analysis sees it.
pub(super) struct Step {
    /// Trial id.
    pub trial: String,
    /// Label.
    pub label: String,
    /// Its patients.
    pub patients: u64,
    /// The pooled statistic after this trial.
    pub z: Option<f64>,
}

/// The trial sequential analysis of `steps` (in order) under `spec`; `vi`
/// and `tau2` are the pooled studies' variances and τ² (for D²). `None`
/// when the assumptions give no information size.
pub(super) fn tsa_result(
    spec: &TsaSpec,
    steps: &[Step],
    vi: &[f64],
    tau2: f64,
) -> Option<TsaResult> {
    let a = tsa::Assumptions {
        control_risk: spec.control_risk,
        rrr: spec.rrr,
        alpha: spec.alpha,
        beta: spec.beta,
    };
    let (d2, from) = match spec.heterogeneity {
        Correction::Diversity => (tsa::diversity(vi, tau2)?, Source::Data),
        Correction::Fixed(x) => (x, Source::Author),
    };
    let n = tsa::required_information_size(&a)?;
    let ris = tsa::adjusted_information_size(n, d2)?.ceil() as u64;
    let mut accrued = 0;
    let mut looks: Vec<TsaLook> = steps
        .iter()
        .map(|s| {
            accrued += s.patients;
            TsaLook {
                trial: s.trial.clone(),
                label: s.label.clone(),
                accrued,
                information_fraction: accrued as f64 / ris as f64,
                z: s.z,
                efficacy_boundary: None,
            }
        })
        .collect();
    let mut t: Vec<f64> = looks.iter().map(|l| l.information_fraction).collect();
    let last = t.last().copied().unwrap_or(0.0);
    let ahead: Vec<f64> = (1..=PROJECTED_STEPS)
        .map(|j| last + (1.0 - last) * j as f64 / PROJECTED_STEPS as f64)
        .filter(|_| last < 1.0)
        .collect();
    t.extend(&ahead);
    let bounds = tsa::obf_boundaries(&t, spec.alpha);
    for (l, b) in looks.iter_mut().zip(&bounds) {
        l.efficacy_boundary = *b;
    }
    let projected = (ahead.iter().zip(&bounds[looks.len()..]))
        .filter_map(|(&f, b)| b.map(|b| (f, b)))
        .collect();
    Some(TsaResult {
        assumptions: TsaAssumptions {
            control_risk: spec.control_risk,
            rrr: spec.rrr,
            alpha: spec.alpha,
            beta: spec.beta,
            heterogeneity: d2,
            heterogeneity_from: from,
        },
        unadjusted_information_size: n.ceil() as u64,
        required_information_size: ris,
        accrued,
        boundaries: looks,
        projected,
    })
}

/// How many equal steps the projected boundary takes from the last look
/// to the required information size.
const PROJECTED_STEPS: usize = 8;

/// The absolute effect per 1,000 patients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Per1000 {
    /// At the pooled estimate.
    pub estimate: f64,
    /// At the lower confidence limit of the relative effect.
    pub ci_low: f64,
    /// At the upper confidence limit.
    pub ci_high: f64,
}

/// A summary-of-findings row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SofResult {
    /// Assumed control risk (proportion).
    pub assumed_control_risk: f64,
    /// `author` when the author gave it, else `median` (of the pooled
    /// trials' control-arm risks).
    pub control_risk_from: Source,
    /// Risk with the intervention at the pooled estimate (proportion).
    pub corresponding_risk: f64,
    /// Risk with the intervention at the two confidence limits.
    pub corresponding_risk_ci: [f64; 2],
    /// Intervention minus control, per 1,000 patients.
    pub absolute_per_1000: Per1000,
    /// Patients in the pooled trials.
    pub participants: u64,
    /// Trials pooled.
    pub trials: usize,
    /// The author's GRADE certainty.
    pub certainty: Certainty,
    /// The author's reasons for rating down.
    pub reasons: Vec<RatedDown>,
}

/// The pooled trials' numbers a summary of findings needs.
pub(super) struct Pooled {
    /// Measure.
    pub measure: Measure,
    /// Estimate and CI on the natural scale.
    pub effect: [f64; 3],
    /// Control-arm risk of each pooled trial.
    pub control_risks: Vec<f64>,
    /// Patients in the pooled trials.
    pub participants: u64,
    /// Trials pooled.
    pub trials: usize,
}

/// The median of `xs` (`None` when empty).
fn median(xs: &[f64]) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The summary-of-findings row of `p` with the author's `spec`.
pub(super) fn sof_result(spec: &SofSpec, p: &Pooled) -> Option<SofResult> {
    let (cr, from) = match spec.control_risk {
        Some(x) => (x, Source::Author),
        None => (median(&p.control_risks)?, Source::Median),
    };
    let m = match p.measure {
        Measure::RR => absolute::Relative::RiskRatio,
        Measure::OR => absolute::Relative::OddsRatio,
        Measure::RD => absolute::Relative::RiskDifference,
        _ => return None,
    };
    let risk = |x: f64| absolute::corresponding_risk(m, cr, x);
    let [e, lo, hi] = p.effect;
    let (re, rlo, rhi) = (risk(e), risk(lo), risk(hi));
    let per = |r: f64| 1000.0 * (r - cr);
    Some(SofResult {
        assumed_control_risk: cr,
        control_risk_from: from,
        corresponding_risk: re,
        corresponding_risk_ci: [rlo, rhi],
        absolute_per_1000: Per1000 {
            estimate: per(re),
            ci_low: per(rlo),
            ci_high: per(rhi),
        },
        participants: p.participants,
        trials: p.trials,
        certainty: spec.certainty,
        reasons: spec.rated_down.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Domain;

    #[test]
    fn summary_of_findings_by_hand() {
        // Two trials with control risks 0.309 and 0.4: the median is
        // (0.309 + 0.4)/2 = 0.3545. RR 1.10 (0.90 to 1.35):
        //   corresponding risk  = 0.3545 × 1.10 = 0.38995
        //   at the CI limits    = 0.3545 × 0.90 = 0.31905
        //                         0.3545 × 1.35 = 0.478575
        //   per 1,000           = 1000 × (0.38995 − 0.3545)  = 35.45
        //                         1000 × (0.31905 − 0.3545)  = −35.45
        //                         1000 × (0.478575 − 0.3545) = 124.075
        let spec = SofSpec {
            control_risk: None,
            certainty: Certainty::Low,
            rated_down: vec![RatedDown {
                domain: Domain::Imprecision,
                levels: 2,
                reason: "wide CI".into(),
            }],
        };
        let p = Pooled {
            measure: Measure::RR,
            effect: [1.10, 0.90, 1.35],
            control_risks: vec![0.4, 0.309],
            participants: 719,
            trials: 2,
        };
        let s = sof_result(&spec, &p).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(s.assumed_control_risk, 0.3545), "{s:?}");
        assert_eq!(s.control_risk_from, Source::Median);
        assert!(close(s.corresponding_risk, 0.38995), "{s:?}");
        assert!(close(s.corresponding_risk_ci[0], 0.31905), "{s:?}");
        assert!(close(s.corresponding_risk_ci[1], 0.478575), "{s:?}");
        assert!(close(s.absolute_per_1000.estimate, 35.45), "{s:?}");
        assert!(close(s.absolute_per_1000.ci_low, -35.45), "{s:?}");
        assert!(close(s.absolute_per_1000.ci_high, 124.075), "{s:?}");
        assert_eq!((s.participants, s.trials), (719, 2));
    }

    #[test]
    fn odds_ratio_and_an_author_risk_by_hand() {
        // OR 2 at an assumed control risk of 0.2: odds 0.25 → 0.5, risk
        // 0.5/1.5 = 1/3; per 1,000 = 1000 × (1/3 − 0.2) = 133.33…
        let spec = SofSpec {
            control_risk: Some(0.2),
            certainty: Certainty::High,
            rated_down: vec![],
        };
        let p = Pooled {
            measure: Measure::OR,
            effect: [2.0, 1.0, 4.0],
            control_risks: vec![0.5],
            participants: 100,
            trials: 1,
        };
        let s = sof_result(&spec, &p).unwrap();
        assert!((s.corresponding_risk - 1.0 / 3.0).abs() < 1e-12);
        assert!((s.absolute_per_1000.estimate - 400.0 / 3.0).abs() < 1e-9);
        // OR 1 changes nothing; OR 4: odds 1, risk 0.5, +300 per 1,000.
        assert!(s.absolute_per_1000.ci_low.abs() < 1e-9);
        assert!((s.absolute_per_1000.ci_high - 300.0).abs() < 1e-9);
        assert_eq!(s.control_risk_from, Source::Author);
    }
}
