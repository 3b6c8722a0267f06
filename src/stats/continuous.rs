//! Continuous outcomes summarised as mean, SD and N per arm: the mean
//! difference with a normal-theory interval, Student and Welch t tests, and
//! the standardised mean difference (Hedges' g).
//!
//! The experimental arm is first; differences are experimental − control.

use super::binary::{Effect, TestResult};
use super::dist::{norm_sf, p_two_sided_t, p_two_sided_z, t_crit, z_crit};

/// Summary statistics of one arm.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ArmSummary {
    /// Arm mean.
    pub mean: f64,
    /// Arm standard deviation (≥ 0).
    pub sd: f64,
    /// Number of patients.
    pub n: u64,
}

impl ArmSummary {
    fn valid(&self) -> bool {
        self.mean.is_finite() && self.sd.is_finite() && self.sd >= 0.0 && self.n >= 1
    }
}

/// Mean difference m1 − m2 with a normal (z) interval,
/// SE = √(sd1²/n1 + sd2²/n2) (Cochrane Handbook §6.5.1.1; Altman 1991).
///
/// Returns `None` for n = 0, a negative or non-finite SD, or SE = 0 (both
/// SDs zero).
pub fn mean_difference(exp: &ArmSummary, ctl: &ArmSummary, level: f64) -> Option<Effect> {
    if !exp.valid() || !ctl.valid() {
        return None;
    }
    let z = z_crit(level)?;
    let se = unpooled_se(exp, ctl);
    if !(se > 0.0) || !se.is_finite() {
        return None;
    }
    let d = exp.mean - ctl.mean;
    Some(Effect {
        estimate: d,
        lower: d - z * se,
        upper: d + z * se,
        se,
        p_value: p_two_sided_z(d / se),
        corrected: false,
    })
}

fn unpooled_se(exp: &ArmSummary, ctl: &ArmSummary) -> f64 {
    (exp.sd * exp.sd / exp.n as f64 + ctl.sd * ctl.sd / ctl.n as f64).sqrt()
}

fn pooled_sd(exp: &ArmSummary, ctl: &ArmSummary) -> Option<f64> {
    let df = exp.n as f64 + ctl.n as f64 - 2.0;
    if df <= 0.0 {
        return None;
    }
    let v = ((exp.n as f64 - 1.0) * exp.sd * exp.sd + (ctl.n as f64 - 1.0) * ctl.sd * ctl.sd) / df;
    (v > 0.0 && v.is_finite()).then(|| v.sqrt())
}

/// Mean difference with a Student t interval from the pooled SD
/// sp = √(((n1−1)sd1² + (n2−1)sd2²)/(n1+n2−2)), SE = sp·√(1/n1 + 1/n2),
/// df = n1 + n2 − 2 (Student 1908; Armitage, Statistical Methods in Medical
/// Research §4.3). The p value is the two-sided t test.
///
/// `None` when n1 + n2 < 3 or the pooled SD is zero.
pub fn mean_difference_t(exp: &ArmSummary, ctl: &ArmSummary, level: f64) -> Option<Effect> {
    if !exp.valid() || !ctl.valid() {
        return None;
    }
    let sp = pooled_sd(exp, ctl)?;
    let df = exp.n as f64 + ctl.n as f64 - 2.0;
    let se = sp * (1.0 / exp.n as f64 + 1.0 / ctl.n as f64).sqrt();
    let t = t_crit(level, df)?;
    let d = exp.mean - ctl.mean;
    Some(Effect {
        estimate: d,
        lower: d - t * se,
        upper: d + t * se,
        se,
        p_value: p_two_sided_t(d / se, df)?,
        corrected: false,
    })
}

/// Welch's (1947) unequal-variance t test: t = (m1 − m2)/√(sd1²/n1 +
/// sd2²/n2) with Welch–Satterthwaite df
/// (s1²/n1 + s2²/n2)² / ((s1²/n1)²/(n1−1) + (s2²/n2)²/(n2−1)).
///
/// `None` when either n < 2 or SE = 0.
pub fn welch_t_test(exp: &ArmSummary, ctl: &ArmSummary) -> Option<TestResult> {
    if !exp.valid() || !ctl.valid() || exp.n < 2 || ctl.n < 2 {
        return None;
    }
    let v1 = exp.sd * exp.sd / exp.n as f64;
    let v2 = ctl.sd * ctl.sd / ctl.n as f64;
    let se = (v1 + v2).sqrt();
    if !(se > 0.0) {
        return None;
    }
    let df = (v1 + v2).powi(2) / (v1 * v1 / (exp.n as f64 - 1.0) + v2 * v2 / (ctl.n as f64 - 1.0));
    let t = (exp.mean - ctl.mean) / se;
    Some(TestResult {
        statistic: t,
        p_value: p_two_sided_t(t, df)?,
    })
}

/// Standardised mean difference, Hedges' g, with its normal interval.
///
/// d = (m1 − m2)/sp with the pooled SD sp (see [`mean_difference_t`]),
/// g = J·d with J = 1 − 3/(4(n1+n2) − 9) (Hedges 1981), and
/// Var(g) = (n1+n2)/(n1·n2) + g²/(2(n1+n2−3.94)), the variance used by
/// RevMan 5 and statsmodels `effectsize_smd` (Cochrane Handbook §6.5.1.2;
/// metafor's default replaces n1+n2−3.94 by n1+n2). CI = g ± z·√Var(g);
/// the p value is the Wald z test of g.
///
/// `None` when n1 + n2 < 4 (J undefined or ≤ 0) or the pooled SD is zero.
pub fn hedges_g(exp: &ArmSummary, ctl: &ArmSummary, level: f64) -> Option<Effect> {
    if !exp.valid() || !ctl.valid() {
        return None;
    }
    let z = z_crit(level)?;
    let n1 = exp.n as f64;
    let n2 = ctl.n as f64;
    let n = n1 + n2;
    if n < 4.0 {
        return None;
    }
    let sp = pooled_sd(exp, ctl)?;
    let j = 1.0 - 3.0 / (4.0 * n - 9.0);
    let g = j * (exp.mean - ctl.mean) / sp;
    let var = n / (n1 * n2) + g * g / (2.0 * (n - 3.94));
    let se = var.sqrt();
    if !g.is_finite() || !se.is_finite() {
        return None;
    }
    Some(Effect {
        estimate: g,
        lower: g - z * se,
        upper: g + z * se,
        se,
        p_value: (2.0 * norm_sf((g / se).abs())).min(1.0),
        corrected: false,
    })
}
