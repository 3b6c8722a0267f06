//! Quantities recovered from printed estimates: the standard error implied
//! by a confidence interval, the p value implied by an estimate and its CI,
//! and the CI implied by an estimate and its p value (Altman & Bland, BMJ
//! 2011;343:d2090 and d2304).
//!
//! Ratio measures (HR, sHR, RR, OR, any ratio) are handled on the log scale;
//! differences (MD, RD) on the linear scale. Where Altman & Bland give the
//! polynomial approximations to the normal distribution, these functions use
//! the exact normal distribution.

use super::dist::{norm_quantile, p_two_sided_z, z_crit};

/// Whether a printed estimate is a ratio (log scale) or a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Scale {
    /// Ratio measures, analysed on the natural-log scale.
    Ratio,
    /// Difference measures, analysed on the linear scale.
    Difference,
}

impl Scale {
    /// Maps a natural-scale value to the analysis scale (ln for ratios);
    /// `None` for non-positive ratios or non-finite values.
    pub fn to_analysis(&self, x: f64) -> Option<f64> {
        let y = match self {
            Scale::Ratio if x > 0.0 => x.ln(),
            Scale::Ratio => return None,
            Scale::Difference => x,
        };
        y.is_finite().then_some(y)
    }

    /// Maps an analysis-scale value back to the natural scale.
    pub fn from_analysis(&self, y: f64) -> f64 {
        match self {
            Scale::Ratio => y.exp(),
            Scale::Difference => y,
        }
    }
}

/// Standard error on the analysis scale implied by a CI at `level`:
/// SE = (g(upper) − g(lower)) / (2·z), g = ln for ratios, identity for
/// differences (Altman & Bland 2011, step 1).
///
/// `None` when lower ≥ upper, a ratio limit is ≤ 0, or the level is invalid.
pub fn se_from_ci(scale: Scale, lower: f64, upper: f64, level: f64) -> Option<f64> {
    let z = z_crit(level)?;
    let l = scale.to_analysis(lower)?;
    let u = scale.to_analysis(upper)?;
    if !(u > l) {
        return None;
    }
    Some((u - l) / (2.0 * z))
}

/// Two-sided p value implied by an estimate and its CI: z = g(est)/SE with
/// SE from [`se_from_ci`], p = 2(1 − Φ(|z|)) (Altman & Bland 2011, "How to
/// obtain the P value from a confidence interval").
pub fn p_from_ci(scale: Scale, estimate: f64, lower: f64, upper: f64, level: f64) -> Option<f64> {
    let se = se_from_ci(scale, lower, upper, level)?;
    let e = scale.to_analysis(estimate)?;
    Some(p_two_sided_z(e / se))
}

/// Confidence interval implied by an estimate and its two-sided p value:
/// z = Φ⁻¹(1 − p/2), SE = |g(est)|/z, CI = g⁻¹(g(est) ± z_level·SE)
/// (Altman & Bland 2011, "How to obtain the confidence interval from a P
/// value").
///
/// `None` when p is not in (0, 1), the estimate is the null value (SE is
/// then undetermined) or a ratio estimate is ≤ 0.
pub fn ci_from_p(scale: Scale, estimate: f64, p: f64, level: f64) -> Option<(f64, f64)> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let zl = z_crit(level)?;
    let e = scale.to_analysis(estimate)?;
    let z = norm_quantile(1.0 - p / 2.0);
    if !(z > 0.0) || e == 0.0 {
        return None;
    }
    let se = e.abs() / z;
    let lo = scale.from_analysis(e - zl * se);
    let hi = scale.from_analysis(e + zl * se);
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}
