//! Binary (2x2) outcomes: per-arm risks with Wilson intervals, risk ratio,
//! odds ratio, risk difference (Wald, Newcombe hybrid score, Wald with
//! continuity correction), number needed to treat, Pearson chi-square with
//! and without Yates' correction. Fisher's exact test and the fragility and
//! reverse fragility indices are in [`super::fisher`], re-exported here.
//!
//! The experimental arm is always first and the control arm second. With
//! `a`/`n1` events/total in the experimental arm and `c`/`n2` in the control
//! arm, the table is
//!
//! ```text
//!                event   no event
//! experimental     a        b = n1 − a
//! control          c        d = n2 − c
//! ```
//!
//! Zero cells: when any of the four cells is zero, 0.5 is added to all four
//! cells before computing the risk ratio or odds ratio and their variances
//! (Cochrane Handbook §10.4.4.2; metafor `add = 1/2, to = "only0"`). When both
//! arms have no events the RR and OR are undefined and `None` is returned; the
//! OR is also `None` when both arms have only events.

use super::dist::{chi2_sf, p_two_sided_z, z_crit};
pub use super::fisher::{
    fisher_exact, fragility_index, fragility_indices, reverse_fragility_index, MAX_EXACT_TOTAL,
    MAX_TAIL_TERMS,
};

/// Counts of a two-arm trial with a binary outcome (experimental arm first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TwoByTwo {
    /// Events in the experimental arm (`a`).
    pub exp_events: u64,
    /// Patients in the experimental arm (`n1`).
    pub exp_total: u64,
    /// Events in the control arm (`c`).
    pub ctl_events: u64,
    /// Patients in the control arm (`n2`).
    pub ctl_total: u64,
}

impl TwoByTwo {
    /// Builds a table from events/total per arm; `None` when events exceed
    /// the total in either arm or either total is zero.
    pub fn new(exp_events: u64, exp_total: u64, ctl_events: u64, ctl_total: u64) -> Option<Self> {
        let t = TwoByTwo {
            exp_events,
            exp_total,
            ctl_events,
            ctl_total,
        };
        t.is_valid().then_some(t)
    }

    /// True when both totals are positive and events do not exceed totals.
    pub fn is_valid(&self) -> bool {
        self.exp_total > 0
            && self.ctl_total > 0
            && self.exp_events <= self.exp_total
            && self.ctl_events <= self.ctl_total
    }

    /// The same trial with the arms swapped (control first).
    pub fn swapped(&self) -> Self {
        TwoByTwo {
            exp_events: self.ctl_events,
            exp_total: self.ctl_total,
            ctl_events: self.exp_events,
            ctl_total: self.exp_total,
        }
    }

    /// The four cells `(a, b, c, d)` as floating-point numbers.
    fn cells(&self) -> (f64, f64, f64, f64) {
        (
            self.exp_events as f64,
            (self.exp_total - self.exp_events) as f64,
            self.ctl_events as f64,
            (self.ctl_total - self.ctl_events) as f64,
        )
    }

    /// True when any of the four cells is zero.
    pub fn has_zero_cell(&self) -> bool {
        self.exp_events == 0
            || self.ctl_events == 0
            || self.exp_events == self.exp_total
            || self.ctl_events == self.ctl_total
    }

    /// Cells with 0.5 added to all four when any is zero; the flag says
    /// whether the correction was applied.
    pub(crate) fn corrected_cells(&self) -> (f64, f64, f64, f64, bool) {
        let (a, b, c, d) = self.cells();
        if self.has_zero_cell() {
            (a + 0.5, b + 0.5, c + 0.5, d + 0.5, true)
        } else {
            (a, b, c, d, false)
        }
    }
}

/// A proportion with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Proportion {
    /// Observed proportion x/n.
    pub estimate: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// An effect estimate with confidence interval, standard error and Wald p
/// value.
///
/// `estimate`, `lower` and `upper` are on the natural scale (a ratio for RR
/// and OR, a proportion difference for RD, the outcome's unit for MD);
/// `se` is on the analysis scale (log scale for ratios).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Effect {
    /// Point estimate on the natural scale.
    pub estimate: f64,
    /// Lower confidence limit on the natural scale.
    pub lower: f64,
    /// Upper confidence limit on the natural scale.
    pub upper: f64,
    /// Standard error on the analysis scale (log for ratios).
    pub se: f64,
    /// Two-sided Wald p value, 2·(1 − Φ(|θ/SE|)) on the analysis scale.
    pub p_value: f64,
    /// True when the 0.5 zero-cell correction was applied.
    pub corrected: bool,
}

/// Method for the confidence interval of a risk difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RdMethod {
    /// Wald: d ± z·√(p1q1/n1 + p2q2/n2).
    Wald,
    /// Newcombe (1998) hybrid Wilson score interval, his "method 10".
    Newcombe,
    /// Wald with continuity correction: d ± (z·SE + (1/n1 + 1/n2)/2)
    /// (Fleiss, Levin & Paik 2003, §3.3).
    WaldCc,
}

impl RdMethod {
    /// All supported methods, in the order the checker tries them.
    pub const ALL: [RdMethod; 3] = [RdMethod::Wald, RdMethod::Newcombe, RdMethod::WaldCc];

    /// Short label for reports.
    pub fn label(&self) -> &'static str {
        match self {
            RdMethod::Wald => "Wald",
            RdMethod::Newcombe => "Newcombe hybrid score",
            RdMethod::WaldCc => "Wald with continuity correction",
        }
    }
}

/// Wilson (1927) score interval for a proportion x/n:
/// (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
///
/// Returns `None` for n = 0, x > n or a level outside (0, 1).
pub fn wilson(events: u64, total: u64, level: f64) -> Option<Proportion> {
    if total == 0 || events > total {
        return None;
    }
    let z = z_crit(level)?;
    let n = total as f64;
    let p = events as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).max(0.0).sqrt() / denom;
    let mut lower = (centre - half).clamp(0.0, 1.0);
    let mut upper = (centre + half).clamp(0.0, 1.0);
    // Exact limits at the boundaries (avoid 1e-17 residue).
    if events == 0 {
        lower = 0.0;
    }
    if events == total {
        upper = 1.0;
    }
    Some(Proportion {
        estimate: p,
        lower,
        upper,
    })
}

/// Risk (proportion with events) in each arm with Wilson intervals:
/// `(experimental, control)`.
pub fn arm_risks(t: &TwoByTwo, level: f64) -> Option<(Proportion, Proportion)> {
    Some((
        wilson(t.exp_events, t.exp_total, level)?,
        wilson(t.ctl_events, t.ctl_total, level)?,
    ))
}

fn ratio_effect(log_est: f64, se: f64, level: f64, corrected: bool) -> Option<Effect> {
    let z = z_crit(level)?;
    if !log_est.is_finite() || !se.is_finite() || se < 0.0 {
        return None;
    }
    let p_value = if se > 0.0 {
        p_two_sided_z(log_est / se)
    } else if log_est == 0.0 {
        1.0
    } else {
        0.0
    };
    Some(Effect {
        estimate: log_est.exp(),
        lower: (log_est - z * se).exp(),
        upper: (log_est + z * se).exp(),
        se,
        p_value,
        corrected,
    })
}

/// Risk ratio (a/n1)/(c/n2) with the log-Wald ("Katz") interval:
/// SE(ln RR) = √(1/a − 1/n1 + 1/c − 1/n2), CI = exp(ln RR ± z·SE)
/// (Katz et al. 1978; Altman, Practical Statistics for Medical Research).
///
/// Zero cells get the 0.5 correction described in the module docs; both arms
/// without events give `None`.
pub fn risk_ratio(t: &TwoByTwo, level: f64) -> Option<Effect> {
    if !t.is_valid() || (t.exp_events == 0 && t.ctl_events == 0) {
        return None;
    }
    let (a, b, c, d, corrected) = t.corrected_cells();
    let n1 = a + b;
    let n2 = c + d;
    let log_rr = (a / n1).ln() - (c / n2).ln();
    let var = (1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2).max(0.0);
    ratio_effect(log_rr, var.sqrt(), level, corrected)
}

/// Odds ratio ad/bc with Woolf's (1955) logit interval:
/// SE(ln OR) = √(1/a + 1/b + 1/c + 1/d), CI = exp(ln OR ± z·SE).
///
/// Zero cells get the 0.5 correction; `None` when both arms have no events
/// or both arms have only events.
pub fn odds_ratio(t: &TwoByTwo, level: f64) -> Option<Effect> {
    if !t.is_valid()
        || (t.exp_events == 0 && t.ctl_events == 0)
        || (t.exp_events == t.exp_total && t.ctl_events == t.ctl_total)
    {
        return None;
    }
    let (a, b, c, d, corrected) = t.corrected_cells();
    let log_or = a.ln() + d.ln() - b.ln() - c.ln();
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    ratio_effect(log_or, se, level, corrected)
}

/// Risk difference p1 − p2 (a proportion, not percentage points) with the
/// chosen interval; the standard error and p value are always the Wald ones,
/// SE = √(p1(1−p1)/n1 + p2(1−p2)/n2).
///
/// - Wald: d ± z·SE (not truncated to [−1, 1]);
/// - Newcombe (1998, Stat Med 17:873, method 10): with Wilson limits
///   (l1, u1), (l2, u2), L = d − √((p1 − l1)² + (u2 − p2)²) and
///   U = d + √((u1 − p1)² + (p2 − l2)²);
/// - Wald with continuity correction: d ± (z·SE + (1/n1 + 1/n2)/2).
///
/// No zero-cell correction is applied. When SE = 0 (both risks 0 or 1) the
/// p value is 1 if d = 0 and 0 otherwise.
pub fn risk_difference(t: &TwoByTwo, method: RdMethod, level: f64) -> Option<Effect> {
    if !t.is_valid() {
        return None;
    }
    let z = z_crit(level)?;
    let n1 = t.exp_total as f64;
    let n2 = t.ctl_total as f64;
    let p1 = t.exp_events as f64 / n1;
    let p2 = t.ctl_events as f64 / n2;
    let d = p1 - p2;
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
        .max(0.0)
        .sqrt();
    let p_value = if se > 0.0 {
        p_two_sided_z(d / se)
    } else if d == 0.0 {
        1.0
    } else {
        0.0
    };
    let (lower, upper) = match method {
        RdMethod::Wald => (d - z * se, d + z * se),
        RdMethod::WaldCc => {
            let cc = 0.5 * (1.0 / n1 + 1.0 / n2);
            (d - z * se - cc, d + z * se + cc)
        }
        RdMethod::Newcombe => {
            let w1 = wilson(t.exp_events, t.exp_total, level)?;
            let w2 = wilson(t.ctl_events, t.ctl_total, level)?;
            let lo = d - ((p1 - w1.lower).powi(2) + (w2.upper - p2).powi(2)).sqrt();
            let hi = d + ((w1.upper - p1).powi(2) + (p2 - w2.lower).powi(2)).sqrt();
            (lo, hi)
        }
    };
    Some(Effect {
        estimate: d,
        lower,
        upper,
        se,
        p_value,
        corrected: false,
    })
}

/// Whether an NNT value means benefit or harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum NntDirection {
    /// Number needed to treat for one additional beneficial outcome (NNTB).
    Benefit,
    /// Number needed to treat for one additional harmful outcome (NNTH).
    Harm,
}

/// One NNT value: 1/|ARD| with its direction.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NntValue {
    /// Benefit or harm (by convention `Benefit` when the difference is 0).
    pub direction: NntDirection,
    /// Unrounded 1/|ARD|; `None` means infinity (ARD = 0).
    pub exact: Option<f64>,
    /// `exact` rounded up to the next integer; `None` means infinity.
    pub rounded: Option<u64>,
}

impl NntValue {
    fn from_difference(benefit_diff: f64) -> Self {
        // benefit_diff > 0 means benefit.
        let direction = if benefit_diff < 0.0 {
            NntDirection::Harm
        } else {
            NntDirection::Benefit
        };
        let abs = benefit_diff.abs();
        if abs == 0.0 || !abs.is_finite() {
            return NntValue {
                direction,
                exact: None,
                rounded: None,
            };
        }
        let exact = 1.0 / abs;
        // Round up; guard against 1/0.25 = 4.000000000000001 style residue.
        let r = (exact - 1e-9).ceil().max(1.0);
        NntValue {
            direction,
            exact: Some(exact),
            rounded: Some(r as u64),
        }
    }
}

/// Number needed to treat with its confidence interval (Altman 1998, BMJ
/// 317:1309).
///
/// NNT = 1/|ARD|. Values are rounded up to the next integer, the usual
/// convention (Cochrane Handbook §15.4.4; Altman 1998); the unrounded values
/// are kept in [`NntValue::exact`]. The limits are the reciprocals of the
/// ARD limits; when the ARD interval includes zero the NNT interval is
/// disjoint and runs "NNTB x to ∞ to NNTH y".
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Nnt {
    /// Point estimate.
    pub estimate: NntValue,
    /// NNT from the ARD limit on the benefit side.
    pub benefit_limit: NntValue,
    /// NNT from the ARD limit on the harm side.
    pub harm_limit: NntValue,
    /// True when the ARD interval includes zero (interval passes through ∞).
    pub crosses_infinity: bool,
}

/// Number needed to treat from a risk difference `rd` (experimental minus
/// control, as returned by [`risk_difference`]).
///
/// `events_are_harmful` says whether the outcome counted as an event is
/// undesirable (death: `true`), so that a negative RD is a benefit; for a
/// desirable outcome (successful weaning: `false`) a positive RD is a
/// benefit. Returns `None` for non-finite input or lower > upper.
pub fn nnt(rd: &Effect, events_are_harmful: bool) -> Option<Nnt> {
    let (est, lo, hi) = (rd.estimate, rd.lower, rd.upper);
    if !(est.is_finite() && lo.is_finite() && hi.is_finite()) || lo > hi {
        return None;
    }
    // Convert to "benefit difference": positive = benefit.
    let sign = if events_are_harmful { -1.0 } else { 1.0 };
    let (b_lo, b_hi) = {
        let x = sign * lo;
        let y = sign * hi;
        (x.min(y), x.max(y))
    };
    let estimate = NntValue::from_difference(sign * est);
    let crosses = b_lo <= 0.0 && b_hi >= 0.0;
    // benefit-side limit is the most beneficial end (b_hi); harm side b_lo.
    let benefit_limit = NntValue::from_difference(b_hi);
    let harm_limit = NntValue::from_difference(b_lo);
    Some(Nnt {
        estimate,
        benefit_limit,
        harm_limit,
        crosses_infinity: crosses,
    })
}

/// Result of a hypothesis test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TestResult {
    /// Test statistic (chi-square, z or t; for Fisher's test the observed
    /// table's hypergeometric probability).
    pub statistic: f64,
    /// Two-sided p value.
    pub p_value: f64,
}

/// Pearson's chi-square test of independence for the 2x2 table, 1 df:
/// X² = Σ (|O − E| − c)²/E with E = row total × column total / N and
/// c = 0 (no correction) or, with Yates' (1934) correction,
/// c = min(0.5, |O − E|) (as R `chisq.test` and scipy `chi2_contingency`).
///
/// Returns `None` when an expected count is zero (an empty row or column).
pub fn chi_square(t: &TwoByTwo, yates: bool) -> Option<TestResult> {
    if !t.is_valid() {
        return None;
    }
    let (a, b, c, d) = t.cells();
    let n = a + b + c + d;
    let rows = [a + b, c + d];
    let cols = [a + c, b + d];
    if cols[0] == 0.0 || cols[1] == 0.0 {
        return None;
    }
    let obs = [[a, b], [c, d]];
    let mut x2 = 0.0;
    for (i, row) in obs.iter().enumerate() {
        for (j, &o) in row.iter().enumerate() {
            // Compute E as (row/N)*col to avoid overflow-scale products.
            let e = rows[i] / n * cols[j];
            let diff = (o - e).abs();
            let adj = if yates { diff - diff.min(0.5) } else { diff };
            x2 += adj * adj / e;
        }
    }
    Some(TestResult {
        statistic: x2,
        p_value: chi2_sf(x2, 1.0)?,
    })
}
