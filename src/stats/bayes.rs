//! Bayesian re-analysis of a reported ratio (RR, OR, HR) by the conjugate
//! normal approximation on the log scale.
//!
//! Likelihood: ln(estimate) with SE = (ln upper − ln lower)/(2·1.959964)
//! from the reported 95% CI. Prior: normal on the log ratio. Posterior:
//! precision-weighted combination (Spiegelhalter, Abrams & Myles 2004,
//! Bayesian Approaches to Clinical Trials and Health-Care Evaluation, §3.6).
//!
//! Priors, following the conventions used in critical-care re-analyses
//! (Goligher et al., JAMA 2018;320:2251; Zampieri et al., Am J Respir Crit
//! Care Med 2021;203:543):
//! - sceptical: mean ln 1 = 0, SD = ln 2 / 1.959964 ≈ 0.3537, so 95% of the
//!   prior mass lies between ratios 0.5 and 2;
//! - neutral (minimally informative): mean 0, SD 10;
//! - enthusiastic: mean ln(r) for a stated benefit ratio r (e.g. the trial's
//!   design effect), with the sceptical SD.

use super::dist::{norm_cdf, z_crit};
use super::reported::{se_from_ci, Scale};

/// A normal prior on the log ratio.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prior {
    /// Label, e.g. "sceptical".
    pub name: String,
    /// Prior mean of ln(ratio).
    pub mean_log: f64,
    /// Prior SD of ln(ratio) (> 0).
    pub sd_log: f64,
}

/// SD of the sceptical prior: ln 2 / z_{0.975}.
pub const SCEPTICAL_SD: f64 = 0.353_653_019_151_067;

impl Prior {
    /// Sceptical prior: mean 0, SD = ln 2/1.96 (95% of mass in 0.5–2).
    pub fn sceptical() -> Self {
        Prior {
            name: "sceptical".into(),
            mean_log: 0.0,
            sd_log: SCEPTICAL_SD,
        }
    }

    /// Neutral, minimally informative prior: mean 0, SD 10.
    pub fn neutral() -> Self {
        Prior {
            name: "neutral".into(),
            mean_log: 0.0,
            sd_log: 10.0,
        }
    }

    /// Enthusiastic prior centred on the benefit ratio `ratio` (e.g. 0.8)
    /// with the sceptical SD; `None` for a non-positive ratio.
    pub fn enthusiastic(ratio: f64) -> Option<Self> {
        (ratio > 0.0 && ratio.is_finite()).then(|| Prior {
            name: "enthusiastic".into(),
            mean_log: ratio.ln(),
            sd_log: SCEPTICAL_SD,
        })
    }
}

/// Posterior summary on the natural (ratio) scale.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Posterior {
    /// The prior used.
    pub prior: Prior,
    /// Posterior mean of ln(ratio).
    pub mean_log: f64,
    /// Posterior SD of ln(ratio).
    pub sd_log: f64,
    /// Posterior median ratio exp(mean_log).
    pub ratio: f64,
    /// Lower limit of the equal-tailed credible interval.
    pub lower: f64,
    /// Upper limit of the equal-tailed credible interval.
    pub upper: f64,
    /// P(ratio < 1): any benefit (for an undesirable outcome).
    pub p_benefit: f64,
    /// P(ratio > 1): any harm.
    pub p_harm: f64,
    /// P(ratio < threshold) for the requested clinically important
    /// threshold (e.g. 0.9), if any.
    pub p_below_threshold: Option<f64>,
}

/// Posterior for a reported ratio with a 95% CI under `prior`:
/// precision τ_post = 1/sd_prior² + 1/SE², mean = (m_prior/sd_prior² +
/// ln(est)/SE²)/τ_post; CrI = exp(mean ± z·√(1/τ_post)) at `level`;
/// P(ratio < x) = Φ((ln x − mean)/sd).
///
/// Returns `None` for a non-positive estimate or limits, lower ≥ upper, an
/// invalid level or a prior SD ≤ 0.
pub fn reanalyse(
    estimate: f64,
    lower95: f64,
    upper95: f64,
    prior: &Prior,
    level: f64,
    threshold: Option<f64>,
) -> Option<Posterior> {
    if !(estimate > 0.0) || !(prior.sd_log > 0.0) || !prior.mean_log.is_finite() {
        return None;
    }
    let se = se_from_ci(Scale::Ratio, lower95, upper95, 0.95)?;
    if !(se > 0.0) {
        return None;
    }
    let z = z_crit(level)?;
    let y = estimate.ln();
    let prec_prior = 1.0 / (prior.sd_log * prior.sd_log);
    let prec_lik = 1.0 / (se * se);
    let prec = prec_prior + prec_lik;
    let mean = (prior.mean_log * prec_prior + y * prec_lik) / prec;
    let sd = (1.0 / prec).sqrt();
    if !mean.is_finite() || !sd.is_finite() || sd <= 0.0 {
        return None;
    }
    let p_benefit = norm_cdf((0.0 - mean) / sd);
    let p_below_threshold = match threshold {
        Some(t) if t > 0.0 && t.is_finite() => Some(norm_cdf((t.ln() - mean) / sd)),
        _ => None,
    };
    Some(Posterior {
        prior: prior.clone(),
        mean_log: mean,
        sd_log: sd,
        ratio: mean.exp(),
        lower: (mean - z * sd).exp(),
        upper: (mean + z * sd).exp(),
        p_benefit,
        p_harm: 1.0 - p_benefit,
        p_below_threshold,
    })
}
