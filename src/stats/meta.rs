//! Meta-analysis: common-effect (inverse variance, Mantel–Haenszel) and
//! random-effects models (τ² by DerSimonian–Laird, REML or Paule–Mandel;
//! Wald or Hartung–Knapp–Sidik–Jonkman intervals), heterogeneity statistics,
//! prediction intervals, study weights, cumulative meta-analysis and named
//! presets (`revman5`, `cochrane-2025` (the default), `metafor`).
//!
//! Inputs are per-study estimates `yi` with sampling variances `vi` on the
//! analysis scale (log scale for ratios), or 2x2 tables for binary outcomes.
//! Results are reported on the natural scale (ratios exponentiated) together
//! with the analysis-scale estimate and standard error.

use borsh::{BorshDeserialize, BorshSerialize};
use std::fmt;
use std::str::FromStr;

use super::binary::TwoByTwo;
use super::dist::{chi2_sf, p_two_sided_t, p_two_sided_z, t_crit, z_crit};
use super::reported::Scale;

/// One study on the analysis scale.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Study {
    /// Effect estimate on the analysis scale (e.g. ln RR).
    pub yi: f64,
    /// Sampling variance of `yi` (must be > 0).
    pub vi: f64,
}

/// Binary effect measure for [`pool_binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BinaryMeasure {
    /// Risk ratio (pooled on the log scale).
    RiskRatio,
    /// Odds ratio (pooled on the log scale).
    OddsRatio,
    /// Risk difference (pooled on the linear scale).
    RiskDifference,
}

/// Common-effect (fixed-effect) or random-effects model.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, BorshSerialize, BorshDeserialize,
)]
pub enum Model {
    /// Common effect ("fixed effect" in RevMan 5).
    Common,
    /// Random effects.
    Random,
}

/// Method of the common-effect estimate for 2x2 data.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, BorshSerialize, BorshDeserialize,
)]
pub enum CommonMethod {
    /// Inverse-variance weights 1/vi.
    InverseVariance,
    /// Mantel–Haenszel (1959) with Robins–Breslow–Greenland (1986) variance
    /// for the OR, Greenland–Robins (1985) variances for the RR and RD.
    MantelHaenszel,
}

/// Estimator of the between-study variance τ².
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, BorshSerialize, BorshDeserialize,
)]
pub enum Tau2Estimator {
    /// DerSimonian & Laird (1986) method of moments.
    DerSimonianLaird,
    /// Restricted maximum likelihood (Viechtbauer 2005), Fisher scoring.
    Reml,
    /// Paule & Mandel (1982): solves Q(τ²) = k − 1.
    PauleMandel,
}

/// Confidence interval of the random-effects mean.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, BorshSerialize, BorshDeserialize,
)]
pub enum RandomCi {
    /// Wald: μ ± z·SE, SE = 1/√Σw*.
    Wald,
    /// Hartung–Knapp–Sidik–Jonkman: μ ± t_{k−1}·√(q/Σw*),
    /// q = Σw*(yi − μ)²/(k − 1) (Hartung & Knapp 2001; Sidik & Jonkman 2002).
    Hksj,
}

/// Named presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Preset {
    /// RevMan 5: Mantel–Haenszel common effect for binary data,
    /// DerSimonian–Laird random effects, Wald CI, no prediction interval.
    Revman5,
    /// Cochrane 2025 (RevMan since January 2025): REML τ², HKSJ CI with the
    /// ad hoc variance floor (never narrower than the Wald interval) and a
    /// prediction interval; Mantel–Haenszel for the binary common effect.
    /// This is the default.
    Cochrane2025,
    /// metafor `rma()` defaults: inverse variance, REML τ², Wald CI.
    Metafor,
}

/// Settings of a meta-analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct MetaSettings {
    /// Name shown under the plot, e.g. "cochrane-2025" or "REML".
    pub name: String,
    /// Which model is the headline result (and defines the weights).
    pub model: Model,
    /// Common-effect method for 2x2 data in [`pool_binary`] (generic
    /// `(yi, vi)` input always uses inverse variance).
    pub binary_common: CommonMethod,
    /// τ² estimator.
    pub tau2: Tau2Estimator,
    /// CI method for the random-effects mean.
    pub random_ci: RandomCi,
    /// Apply the ad hoc HKSJ variance floor q ≥ 1, the "modified
    /// Knapp–Hartung" interval (Knapp & Hartung 2003; Röver, Knapp & Friede
    /// 2015, BMC Med Res Methodol 15:99; metafor `test = "adhoc"`, meta
    /// `adhoc.hakn.ci = "se"`): the HKSJ interval is then never narrower
    /// than the random-effects Wald interval. On in `cochrane-2025` (the
    /// default), so two agreeing trials cannot produce an interval narrower
    /// than either analysis would give without HKSJ.
    pub hksj_floor: bool,
    /// Compute a prediction interval (random effects, k ≥ 3).
    pub prediction: bool,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
}

impl Default for MetaSettings {
    /// The `cochrane-2025` preset.
    fn default() -> Self {
        MetaSettings::preset(Preset::Cochrane2025)
    }
}

/// Names accepted by [`MetaSettings::parse`].
pub const MODEL_NAMES: [&str; 8] = [
    "revman5",
    "cochrane-2025",
    "metafor",
    "common",
    "random",
    "DL",
    "REML",
    "PM",
];

/// Error for an unknown preset or model name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownModel {
    /// The name that was given.
    pub given: String,
}

impl fmt::Display for UnknownModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown meta-analysis model {:?}; valid names are: {}",
            self.given,
            MODEL_NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownModel {}

impl MetaSettings {
    /// Settings of a named preset (see [`Preset`]).
    pub fn preset(p: Preset) -> Self {
        match p {
            Preset::Revman5 => MetaSettings {
                name: "revman5".into(),
                model: Model::Random,
                binary_common: CommonMethod::MantelHaenszel,
                tau2: Tau2Estimator::DerSimonianLaird,
                random_ci: RandomCi::Wald,
                hksj_floor: false,
                prediction: false,
                level: 0.95,
            },
            Preset::Cochrane2025 => MetaSettings {
                name: "cochrane-2025".into(),
                model: Model::Random,
                binary_common: CommonMethod::MantelHaenszel,
                tau2: Tau2Estimator::Reml,
                random_ci: RandomCi::Hksj,
                hksj_floor: true,
                prediction: true,
                level: 0.95,
            },
            Preset::Metafor => MetaSettings {
                name: "metafor".into(),
                model: Model::Random,
                binary_common: CommonMethod::InverseVariance,
                tau2: Tau2Estimator::Reml,
                random_ci: RandomCi::Wald,
                hksj_floor: false,
                prediction: true,
                level: 0.95,
            },
        }
    }

    /// Parses a preset or model name (case-insensitive): `revman5`,
    /// `cochrane-2025` (also `cochrane2025`, `cochrane`), `metafor`,
    /// `common` (also `fixed`: common effect, MH for binary data), `random`
    /// (= `cochrane-2025`), `DL`, `REML`, `PM` (random effects with that τ²
    /// estimator, Wald CI, inverse variance, prediction interval).
    pub fn parse(s: &str) -> Result<Self, UnknownModel> {
        let key = s.trim().to_ascii_lowercase();
        let random_with = |name: &str, tau2| MetaSettings {
            name: name.into(),
            model: Model::Random,
            binary_common: CommonMethod::InverseVariance,
            tau2,
            random_ci: RandomCi::Wald,
            hksj_floor: false,
            prediction: true,
            level: 0.95,
        };
        Ok(match key.as_str() {
            "revman5" | "revman" => MetaSettings::preset(Preset::Revman5),
            "cochrane-2025" | "cochrane2025" | "cochrane" => {
                MetaSettings::preset(Preset::Cochrane2025)
            }
            "metafor" => MetaSettings::preset(Preset::Metafor),
            "random" => MetaSettings {
                name: "random".into(),
                ..MetaSettings::preset(Preset::Cochrane2025)
            },
            "common" | "fixed" => MetaSettings {
                name: "common".into(),
                model: Model::Common,
                binary_common: CommonMethod::MantelHaenszel,
                tau2: Tau2Estimator::DerSimonianLaird,
                random_ci: RandomCi::Wald,
                hksj_floor: false,
                prediction: false,
                level: 0.95,
            },
            "dl" => random_with("DL", Tau2Estimator::DerSimonianLaird),
            "reml" => random_with("REML", Tau2Estimator::Reml),
            "pm" => random_with("PM", Tau2Estimator::PauleMandel),
            _ => {
                return Err(UnknownModel {
                    given: s.to_string(),
                })
            }
        })
    }
}

impl FromStr for MetaSettings {
    type Err = UnknownModel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MetaSettings::parse(s)
    }
}

/// A pooled estimate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pooled {
    /// Estimate on the natural scale (ratio or difference).
    pub estimate: f64,
    /// Lower confidence limit, natural scale.
    pub lower: f64,
    /// Upper confidence limit, natural scale.
    pub upper: f64,
    /// Estimate on the analysis scale.
    pub analysis_estimate: f64,
    /// Standard error on the analysis scale (HKSJ-adjusted when used).
    pub se: f64,
    /// z or t statistic.
    pub statistic: f64,
    /// Two-sided p value.
    pub p_value: f64,
    /// Degrees of freedom of the t distribution (HKSJ), `None` for z.
    pub df: Option<f64>,
}

/// Heterogeneity statistics.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Heterogeneity {
    /// Cochran's Q = Σ (1/vi)(yi − θ_common)², around the common-effect
    /// estimate actually used (MH or IV), as RevMan and metafor `rma.mh`.
    pub q: f64,
    /// Degrees of freedom k − 1.
    pub df: usize,
    /// P(χ²_{k−1} ≥ Q); `None` for k = 1.
    pub p_q: Option<f64>,
    /// Between-study variance τ² from the chosen estimator.
    pub tau2: f64,
    /// τ = √τ².
    pub tau: f64,
    /// I² (%) from τ²: 100·τ²/(τ² + s²), s² = (k−1)Σw/((Σw)² − Σw²),
    /// w = 1/vi (Higgins & Thompson 2002; metafor; Cochrane's 2024
    /// addendum). Equals the Q-based I² under DerSimonian–Laird.
    pub i2: Option<f64>,
    /// H² = (τ² + s²)/s².
    pub h2: Option<f64>,
    /// I² (%) from Q: max(0, (Q − df)/Q)·100 (Higgins & Thompson 2002).
    pub i2_q: Option<f64>,
    /// H² from Q: Q/df.
    pub h2_q: Option<f64>,
    /// Whether the iterative τ² estimator converged (always true for DL).
    pub tau2_converged: bool,
}

/// Prediction interval on the natural scale.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

/// Which estimate a page leads with.
///
/// With fewer than three studies the between-study variance τ² cannot be
/// estimated with any useful precision (two studies give one degree of
/// freedom), so a random-effects estimate is not presented as the result:
/// the common-effect estimate leads, with the reason in words, and the
/// random-effects interval is shown beside it. This follows IQWiG's rule
/// for very few studies (Bender et al. 2018, Res Synth Methods 9:382–392;
/// IQWiG General Methods 7.0): with two studies a random-effects
/// meta-analysis is not informative, and the common-effect model is
/// reported only when the studies are similar enough to pool; when they
/// are not ([`Lead::NoneTrialsDisagree`]), no pooled estimate is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lead {
    /// The random-effects estimate (random-effects model, k ≥ 3).
    Random,
    /// The common-effect estimate, because the model is common-effect.
    Common,
    /// The common-effect estimate, because the model is random-effects but
    /// k < 3 studies cannot estimate τ².
    CommonTooFewStudies,
    /// No pooled estimate: a random-effects model with 2 studies that
    /// disagree (heterogeneity p < [`HETEROGENEITY_ALPHA`]). τ² cannot be
    /// estimated, and the common effect's assumption of one shared effect
    /// is contradicted by the data, so no single number is given.
    NoneTrialsDisagree,
}

/// The level of Cochran's Q test below which two studies are taken to
/// disagree. The Q test has little power with few studies, so 0.10 rather
/// than 0.05 is used, as the Cochrane Handbook suggests (§10.10.2).
pub const HETEROGENEITY_ALPHA: f64 = 0.10;

/// The smallest number of studies for which a random-effects estimate
/// leads and a prediction interval is given.
pub const MIN_STUDIES_RANDOM: usize = 3;

/// Result of a meta-analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MetaResult {
    /// Number of studies pooled.
    pub k: usize,
    /// Ratio (log analysis scale) or difference.
    pub scale: Scale,
    /// The settings used.
    pub settings: MetaSettings,
    /// Common-effect method actually used (MH falls back to inverse
    /// variance when the MH estimate is undefined).
    pub common_method: CommonMethod,
    /// Common-effect estimate (always computed).
    pub common: Pooled,
    /// Random-effects estimate (when the model is random).
    pub random: Option<Pooled>,
    /// CI method actually used for the random-effects mean (HKSJ needs
    /// k ≥ 2 and falls back to Wald for one study).
    pub random_ci_used: Option<RandomCi>,
    /// Heterogeneity statistics.
    pub heterogeneity: Heterogeneity,
    /// Prediction interval: μ ± t_{k−2}·√(τ² + SE²), SE the Wald SE of μ
    /// (Higgins, Thompson & Spiegelhalter 2009; Cochrane Handbook §10.10.4.3).
    /// `None` for k < 3 or the common-effect model.
    pub prediction: Option<Interval>,
    /// Study weights in percent under the model of the settings (MH
    /// weights for a Mantel–Haenszel common effect).
    pub weights_percent: Vec<f64>,
    /// Common-effect weights in percent (MH or inverse variance), shown
    /// when the common effect leads a random-effects analysis.
    pub common_weights_percent: Vec<f64>,
    /// Which estimate leads (see [`Lead`]).
    pub lead: Lead,
}

impl MetaResult {
    /// Study weights (percent) of the estimate that leads: the common
    /// effect's unless the random-effects estimate leads.
    pub fn headline_weights(&self) -> &[f64] {
        match self.lead {
            Lead::Random => &self.weights_percent,
            _ => &self.common_weights_percent,
        }
    }

    /// The estimate a page leads with (see [`Lead`]); `None` when the
    /// studies disagree too much for one.
    pub fn headline(&self) -> Option<Pooled> {
        match (self.lead, self.random) {
            (Lead::Random, Some(r)) => Some(r),
            (Lead::NoneTrialsDisagree, _) => None,
            _ => Some(self.common),
        }
    }
}

/// Study-level estimate for a 2x2 table on the analysis scale.
///
/// RR: yi = ln((a/n1)/(c/n2)), vi = 1/a − 1/n1 + 1/c − 1/n2;
/// OR: yi = ln(ad/bc), vi = 1/a + 1/b + 1/c + 1/d;
/// RD: yi = a/n1 − c/n2, vi = p1(1−p1)/n1 + p2(1−p2)/n2.
/// 0.5 is added to all cells of a table with a zero cell (all measures, as
/// metafor `escalc` with `to = "only0"`). Tables with no events in either arm
/// (or, for the OR, only events in both arms) give `None` for RR and OR;
/// for the RD they are kept.
pub fn binary_study(t: &TwoByTwo, measure: BinaryMeasure) -> Option<Study> {
    if !t.is_valid() {
        return None;
    }
    let both_zero = t.exp_events == 0 && t.ctl_events == 0;
    let both_full = t.exp_events == t.exp_total && t.ctl_events == t.ctl_total;
    let (a, b, c, d, _) = t.corrected_cells();
    let n1 = a + b;
    let n2 = c + d;
    let s = match measure {
        BinaryMeasure::RiskRatio => {
            if both_zero {
                return None;
            }
            Study {
                yi: (a / n1).ln() - (c / n2).ln(),
                vi: 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2,
            }
        }
        BinaryMeasure::OddsRatio => {
            if both_zero || both_full {
                return None;
            }
            Study {
                yi: a.ln() + d.ln() - b.ln() - c.ln(),
                vi: 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d,
            }
        }
        BinaryMeasure::RiskDifference => {
            let p1 = a / n1;
            let p2 = c / n2;
            Study {
                yi: p1 - p2,
                vi: p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2,
            }
        }
    };
    (s.yi.is_finite() && s.vi.is_finite() && s.vi > 0.0).then_some(s)
}

fn measure_scale(m: BinaryMeasure) -> Scale {
    match m {
        BinaryMeasure::RiskDifference => Scale::Difference,
        _ => Scale::Ratio,
    }
}

/// Mantel–Haenszel pooled estimate on the analysis scale with its SE and
/// the per-study MH weights.
///
/// OR (Mantel & Haenszel 1959): Σ(ad/N)/Σ(bc/N), Robins–Breslow–Greenland
/// (1986) variance of ln OR. RR: Σ(a·n2/N)/Σ(c·n1/N), Greenland–Robins (1985)
/// variance Σ((n1n2(a+c) − acN)/N²)/(ΣR·ΣS). RD: Σ((a·n2 − c·n1)/N)/Σ(n1n2/N)
/// with the Greenland–Robins (1985) variance
/// Σ((ab·n2³ + cd·n1³)/(n1n2N²))/(Σ n1n2/N)², as RevMan 5 and Stata `metan`.
/// Raw counts are used (no zero-cell correction).
fn mantel_haenszel(tables: &[TwoByTwo], measure: BinaryMeasure) -> Option<(f64, f64, Vec<f64>)> {
    let mut weights = Vec::with_capacity(tables.len());
    match measure {
        BinaryMeasure::OddsRatio => {
            let (mut sr, mut ss, mut spr, mut sps_qr, mut sqs) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for t in tables {
                let (a, b, c, d) = cells(t);
                let n = a + b + c + d;
                let r = a * d / n;
                let s = b * c / n;
                let p = (a + d) / n;
                let q = (b + c) / n;
                sr += r;
                ss += s;
                spr += p * r;
                sps_qr += p * s + q * r;
                sqs += q * s;
                weights.push(s);
            }
            if !(sr > 0.0 && ss > 0.0) {
                return None;
            }
            let var = spr / (2.0 * sr * sr) + sps_qr / (2.0 * sr * ss) + sqs / (2.0 * ss * ss);
            Some(((sr / ss).ln(), var.sqrt(), weights))
        }
        BinaryMeasure::RiskRatio => {
            let (mut sr, mut ss, mut sp) = (0.0, 0.0, 0.0);
            for t in tables {
                let (a, b, c, d) = cells(t);
                let n1 = a + b;
                let n2 = c + d;
                let n = n1 + n2;
                sr += a * n2 / n;
                ss += c * n1 / n;
                sp += (n1 * n2 * (a + c) - a * c * n) / (n * n);
                weights.push(c * n1 / n);
            }
            if !(sr > 0.0 && ss > 0.0 && sp >= 0.0) {
                return None;
            }
            Some(((sr / ss).ln(), (sp / (sr * ss)).sqrt(), weights))
        }
        BinaryMeasure::RiskDifference => {
            let (mut num, mut sw, mut sv) = (0.0, 0.0, 0.0);
            for t in tables {
                let (a, b, c, d) = cells(t);
                let n1 = a + b;
                let n2 = c + d;
                let n = n1 + n2;
                num += (a * n2 - c * n1) / n;
                let w = n1 * n2 / n;
                sw += w;
                sv += (a * b * n2 * n2 * n2 + c * d * n1 * n1 * n1) / (n1 * n2 * n * n);
                weights.push(w);
            }
            if !(sw > 0.0) {
                return None;
            }
            Some((num / sw, (sv / (sw * sw)).max(0.0).sqrt(), weights))
        }
    }
}

fn cells(t: &TwoByTwo) -> (f64, f64, f64, f64) {
    (
        t.exp_events as f64,
        (t.exp_total - t.exp_events) as f64,
        t.ctl_events as f64,
        (t.ctl_total - t.ctl_events) as f64,
    )
}

/// At least one study, each with a finite `yi` and a finite `vi > 0`, and
/// weighted sums that stay finite: a subnormal `vi` (1/vi overflows) or a
/// huge `yi/vi` would turn the estimate into inf/inf = NaN (found by the
/// `stats` fuzz target: one study with vi = 8.8e-322; then yi = −2.2e168,
/// whose square overflowed in Q). Every sum the pooling forms is bounded by
/// Σ1/vi, Σ|yi|/vi or Σ(2yi)²/vi at τ² = 0.
fn ok_studies(studies: &[Study]) -> bool {
    let (mut sw, mut swy, mut swyy) = (0.0_f64, 0.0_f64, 0.0_f64);
    for s in studies {
        if !(s.yi.is_finite() && s.vi.is_finite() && s.vi > 0.0) {
            return false;
        }
        let w = 1.0 / s.vi;
        sw += w;
        swy += w * s.yi.abs();
        // (2·yi)² first, as Q forms (yi − μ)² before dividing by vi.
        swyy += (2.0 * s.yi).powi(2) / s.vi;
    }
    !studies.is_empty() && sw.is_finite() && swy.is_finite() && swyy.is_finite()
}

fn wmean(studies: &[Study], tau2: f64) -> (f64, f64) {
    let mut sw = 0.0;
    let mut swy = 0.0;
    for s in studies {
        let w = 1.0 / (s.vi + tau2);
        sw += w;
        swy += w * s.yi;
    }
    (swy / sw, sw)
}

fn q_at(studies: &[Study], tau2: f64, mu: f64) -> f64 {
    studies
        .iter()
        .map(|s| (s.yi - mu).powi(2) / (s.vi + tau2))
        .sum()
}

/// DerSimonian–Laird: τ² = max(0, (Q − (k−1)) / (Σw − Σw²/Σw)), w = 1/vi.
fn tau2_dl(studies: &[Study], q: f64) -> f64 {
    let k = studies.len();
    if k < 2 {
        return 0.0;
    }
    let sw: f64 = studies.iter().map(|s| 1.0 / s.vi).sum();
    let sw2: f64 = studies.iter().map(|s| 1.0 / (s.vi * s.vi)).sum();
    let c = sw - sw2 / sw;
    if !(c > 0.0) {
        return 0.0;
    }
    let t = (q - (k as f64 - 1.0)) / c;
    if t.is_finite() {
        t.max(0.0)
    } else {
        0.0
    }
}

/// REML by Fisher scoring (Viechtbauer 2005, Eq. 9): with w = 1/(vi + τ²),
/// P = W − WJW/Σw,
/// τ² ← τ² + (Σ w²(yi − μ̂)² − tr P) / tr(PP), tr P = Σw − Σw²/Σw,
/// tr(PP) = Σw² − 2Σw³/Σw + (Σw²)²/(Σw)². Starts at the DL estimate;
/// negative steps are halved and τ² is truncated at 0; converges when the
/// change is ≤ 1e-10, at most 1000 iterations.
fn tau2_reml(studies: &[Study], start: f64) -> (f64, bool) {
    if studies.len() < 2 {
        return (0.0, true);
    }
    let mut tau2 = start.max(0.0);
    for _ in 0..1000 {
        let (mu, _) = wmean(studies, tau2);
        let (mut s1, mut s2, mut s3, mut swr) = (0.0, 0.0, 0.0, 0.0);
        for s in studies {
            let w = 1.0 / (s.vi + tau2);
            s1 += w;
            s2 += w * w;
            s3 += w * w * w;
            swr += w * w * (s.yi - mu).powi(2);
        }
        let tr_p = s1 - s2 / s1;
        let tr_pp = s2 - 2.0 * s3 / s1 + (s2 / s1).powi(2);
        if !(tr_pp > 0.0) {
            return (tau2, false);
        }
        let mut step = (swr - tr_p) / tr_pp;
        if !step.is_finite() {
            return (tau2, false);
        }
        let mut new = tau2 + step;
        let mut halvings = 0;
        while new < 0.0 && halvings < 60 {
            step /= 2.0;
            new = tau2 + step;
            halvings += 1;
        }
        let new = new.max(0.0);
        if (new - tau2).abs() <= 1e-10 {
            return (new, true);
        }
        tau2 = new;
    }
    (tau2, false)
}

/// Paule–Mandel: the τ² ≥ 0 solving Σ(yi − μ̂(τ²))²/(vi + τ²) = k − 1
/// (0 when Q(0) ≤ k − 1), found by bracketing and bisection to 1e-12
/// relative precision.
fn tau2_pm(studies: &[Study]) -> (f64, bool) {
    let k = studies.len();
    if k < 2 {
        return (0.0, true);
    }
    let target = k as f64 - 1.0;
    let f = |t: f64| {
        let (mu, _) = wmean(studies, t);
        q_at(studies, t, mu) - target
    };
    if f(0.0) <= 0.0 {
        return (0.0, true);
    }
    let mut hi = {
        let ys: Vec<f64> = studies.iter().map(|s| s.yi).collect();
        let m = ys.iter().sum::<f64>() / k as f64;
        let v = ys.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (k as f64 - 1.0);
        v.max(1e-8)
    };
    let mut n = 0;
    while f(hi) > 0.0 {
        hi *= 2.0;
        n += 1;
        if n > 400 || !hi.is_finite() {
            return (0.0, false);
        }
    }
    let mut lo = 0.0;
    for _ in 0..300 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.max(1e-300) {
            break;
        }
    }
    (0.5 * (lo + hi), true)
}

fn z_pooled(scale: Scale, est: f64, se: f64, level: f64) -> Option<Pooled> {
    let z = z_crit(level)?;
    let stat = if se > 0.0 { est / se } else { 0.0 };
    let p = if se > 0.0 {
        p_two_sided_z(stat)
    } else if est == 0.0 {
        1.0
    } else {
        0.0
    };
    Some(Pooled {
        estimate: scale.from_analysis(est),
        lower: scale.from_analysis(est - z * se),
        upper: scale.from_analysis(est + z * se),
        analysis_estimate: est,
        se,
        statistic: stat,
        p_value: p,
        df: None,
    })
}

/// Inverse-variance meta-analysis of generic `(yi, vi)` studies.
///
/// Common effect: θ = Σwᵢyᵢ/Σwᵢ, wᵢ = 1/vᵢ, SE = 1/√Σwᵢ. Random effects:
/// wᵢ* = 1/(vᵢ + τ²) with τ² from the chosen estimator, and a Wald or HKSJ
/// interval (HKSJ: t with k − 1 df, no variance floor unless
/// `settings.hksj_floor`). Returns `None` for k = 0, a non-finite `yi`, a
/// `vi` ≤ 0, or an invalid level.
pub fn pool(studies: &[Study], scale: Scale, settings: &MetaSettings) -> Option<MetaResult> {
    if !ok_studies(studies) {
        return None;
    }
    let (mu_fe, sw_fe) = wmean(studies, 0.0);
    let common = z_pooled(scale, mu_fe, 1.0 / sw_fe.sqrt(), settings.level)?;
    let weights_fe: Vec<f64> = studies.iter().map(|s| 1.0 / s.vi).collect();
    finish(
        studies,
        scale,
        settings,
        CommonMethod::InverseVariance,
        common,
        weights_fe,
    )
}

/// Meta-analysis of 2x2 tables: study estimates from [`binary_study`], the
/// common effect by Mantel–Haenszel or inverse variance per
/// `settings.binary_common`, random effects by inverse variance on the study
/// estimates. Tables with no events in both arms are left out of RR/OR
/// analyses (they carry no information) but kept for the RD.
///
/// Returns `None` when no table is usable or any table is invalid.
pub fn pool_binary(
    tables: &[TwoByTwo],
    measure: BinaryMeasure,
    settings: &MetaSettings,
) -> Option<MetaResult> {
    if tables.iter().any(|t| !t.is_valid()) {
        return None;
    }
    let mut used = Vec::new();
    let mut studies = Vec::new();
    for t in tables {
        if let Some(s) = binary_study(t, measure) {
            used.push(*t);
            studies.push(s);
        }
    }
    if !ok_studies(&studies) {
        return None;
    }
    let scale = measure_scale(measure);
    let mh = match settings.binary_common {
        CommonMethod::MantelHaenszel => mantel_haenszel(&used, measure),
        CommonMethod::InverseVariance => None,
    };
    match mh {
        Some((est, se, w)) if est.is_finite() && se.is_finite() && se > 0.0 => {
            let common = z_pooled(scale, est, se, settings.level)?;
            finish(
                &studies,
                scale,
                settings,
                CommonMethod::MantelHaenszel,
                common,
                w,
            )
        }
        _ => pool(&studies, scale, settings),
    }
}

fn finish(
    studies: &[Study],
    scale: Scale,
    settings: &MetaSettings,
    common_method: CommonMethod,
    common: Pooled,
    common_weights: Vec<f64>,
) -> Option<MetaResult> {
    let k = studies.len();
    let heterogeneity = heterogeneity(studies, settings, common.analysis_estimate)?;
    let tau2 = heterogeneity.tau2;
    let common_weights_percent = percentages(&common_weights);
    let (random, random_ci_used, prediction, weights) = match settings.model {
        Model::Common => (None, None, None, common_weights),
        Model::Random => {
            let r = random_effects(studies, scale, settings, tau2)?;
            let weights = studies.iter().map(|s| 1.0 / (s.vi + tau2)).collect();
            (Some(r.pooled), Some(r.ci), r.prediction, weights)
        }
    };
    let weights_percent = percentages(&weights);
    let lead = match settings.model {
        Model::Common => Lead::Common,
        Model::Random if k >= MIN_STUDIES_RANDOM => Lead::Random,
        Model::Random if heterogeneity.p_q.is_some_and(|p| p < HETEROGENEITY_ALPHA) => {
            Lead::NoneTrialsDisagree
        }
        Model::Random => Lead::CommonTooFewStudies,
    };
    Some(MetaResult {
        k,
        scale,
        settings: settings.clone(),
        common_method,
        common,
        random,
        random_ci_used,
        heterogeneity,
        prediction,
        weights_percent,
        common_weights_percent,
        lead,
    })
}

/// Q about the common estimate `mu_common`, τ² by the chosen estimator,
/// and I² and H² both ways (from τ² and from Q); `None` when Q is not
/// finite.
fn heterogeneity(
    studies: &[Study],
    settings: &MetaSettings,
    mu_common: f64,
) -> Option<Heterogeneity> {
    let k = studies.len();
    let df = k - 1;
    let q = q_at(studies, 0.0, mu_common);
    if !q.is_finite() {
        return None;
    }
    let (tau2, converged) = match settings.tau2 {
        Tau2Estimator::DerSimonianLaird => (tau2_dl(studies, q), true),
        Tau2Estimator::Reml => {
            let (mu_fe, _) = wmean(studies, 0.0);
            tau2_reml(studies, tau2_dl(studies, q_at(studies, 0.0, mu_fe)))
        }
        Tau2Estimator::PauleMandel => tau2_pm(studies),
    };
    let sw: f64 = studies.iter().map(|s| 1.0 / s.vi).sum();
    let sw2: f64 = studies.iter().map(|s| 1.0 / (s.vi * s.vi)).sum();
    let (i2, h2, i2_q, h2_q, p_q) = if k >= 2 {
        let s2 = (k as f64 - 1.0) * sw / (sw * sw - sw2);
        let (i2, h2) = if s2 > 0.0 && s2.is_finite() {
            (
                // At most 100 (as the Q-based I² below): 100·τ² can round
                // up by one ulp when s² is negligible (found by the stats
                // fuzz target: 100.00000000000001).
                Some((100.0 * tau2 / (tau2 + s2)).min(100.0)),
                Some((tau2 + s2) / s2),
            )
        } else {
            (None, None)
        };
        let i2_q = if q > 0.0 {
            (100.0 * (q - df as f64) / q).clamp(0.0, 100.0)
        } else {
            0.0
        };
        (
            i2,
            h2,
            Some(i2_q),
            Some(q / df as f64),
            chi2_sf(q, df as f64),
        )
    } else {
        (None, None, None, None, None)
    };
    Some(Heterogeneity {
        q,
        df,
        p_q,
        tau2,
        tau: tau2.sqrt(),
        i2,
        h2,
        i2_q,
        h2_q,
        tau2_converged: converged,
    })
}

/// The random-effects pooled estimate at `tau2`, the CI method it used,
/// and its prediction interval.
struct RandomEffects {
    pooled: Pooled,
    ci: RandomCi,
    prediction: Option<Interval>,
}

/// Pool with weights 1/(vᵢ + τ²): a Wald CI, or the Hartung–Knapp–
/// Sidik–Jonkman one (with its floor when set) from two studies on; the
/// prediction interval from [`MIN_STUDIES_RANDOM`] studies when asked for.
fn random_effects(
    studies: &[Study],
    scale: Scale,
    settings: &MetaSettings,
    tau2: f64,
) -> Option<RandomEffects> {
    let k = studies.len();
    let df = k - 1;
    let (mu, swr) = wmean(studies, tau2);
    let se_wald = 1.0 / swr.sqrt();
    let use_hksj = settings.random_ci == RandomCi::Hksj && k >= 2;
    let pooled = if use_hksj {
        let mut qh = q_at(studies, tau2, mu) / df as f64;
        if settings.hksj_floor {
            qh = qh.max(1.0);
        }
        let se = (qh / swr).sqrt();
        let tc = t_crit(settings.level, df as f64)?;
        let stat = if se > 0.0 { mu / se } else { 0.0 };
        let p = if se > 0.0 {
            p_two_sided_t(stat, df as f64)?
        } else if mu == 0.0 {
            1.0
        } else {
            0.0
        };
        Pooled {
            estimate: scale.from_analysis(mu),
            lower: scale.from_analysis(mu - tc * se),
            upper: scale.from_analysis(mu + tc * se),
            analysis_estimate: mu,
            se,
            statistic: stat,
            p_value: p,
            df: Some(df as f64),
        }
    } else {
        z_pooled(scale, mu, se_wald, settings.level)?
    };
    let prediction = if settings.prediction && k >= MIN_STUDIES_RANDOM {
        let tc = t_crit(settings.level, k as f64 - 2.0)?;
        let half = tc * (tau2 + se_wald * se_wald).sqrt();
        Some(Interval {
            lower: scale.from_analysis(mu - half),
            upper: scale.from_analysis(mu + half),
        })
    } else {
        None
    };
    Some(RandomEffects {
        pooled,
        ci: if use_hksj {
            RandomCi::Hksj
        } else {
            RandomCi::Wald
        },
        prediction,
    })
}

/// Weights as percentages of their sum (equal shares when the sum is not
/// usable).
fn percentages(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    if total > 0.0 && total.is_finite() {
        weights.iter().map(|w| 100.0 * w / total).collect()
    } else {
        vec![100.0 / weights.len().max(1) as f64; weights.len()]
    }
}

/// Cumulative meta-analysis (metafor `cumul()`, meta `metacum()`): element
/// i is the analysis of studies 1..=i in the given order (the caller sorts,
/// e.g. by publication date).
pub fn cumulative(
    studies: &[Study],
    scale: Scale,
    settings: &MetaSettings,
) -> Vec<Option<MetaResult>> {
    (1..=studies.len())
        .map(|i| pool(&studies[..i], scale, settings))
        .collect()
}

/// Cumulative meta-analysis of 2x2 tables (see [`cumulative`] and
/// [`pool_binary`]).
pub fn cumulative_binary(
    tables: &[TwoByTwo],
    measure: BinaryMeasure,
    settings: &MetaSettings,
) -> Vec<Option<MetaResult>> {
    (1..=tables.len())
        .map(|i| pool_binary(&tables[..i], measure, settings))
        .collect()
}
