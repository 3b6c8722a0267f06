//! Binary (2x2) outcomes: per-arm risks with Wilson intervals, risk ratio,
//! odds ratio, risk difference (Wald, Newcombe hybrid score, Wald with
//! continuity correction), number needed to treat, Pearson chi-square with
//! and without Yates' correction, Fisher's exact test, and the fragility and
//! reverse fragility indices.
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

use super::dist::{chi2_sf, ln_gamma, p_two_sided_z, z_crit};

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

/// ln(x!) for whole `x`: from a table when one was built for this size of
/// trial, else from `ln_gamma`.
///
/// The fragility searches run Fisher's test hundreds of times on tables with
/// the same total, and `ln_gamma` was most of a large build's time; a table
/// of ln 0! … ln N! (one `ln` per entry, summed) makes each lookup free.
struct LnFact(Vec<f64>);

impl LnFact {
    /// Largest total for which a table is built (8 MB of f64).
    const MAX: u64 = 1_000_000;

    /// No table: every value from `ln_gamma`.
    fn none() -> Self {
        LnFact(Vec::new())
    }

    /// A table up to `n`! when `n` ≤ [`LnFact::MAX`].
    fn upto(n: u64) -> Self {
        if n > Self::MAX {
            return Self::none();
        }
        // Running sums of logs drift (about 3e-7 by 10⁶ terms), so the sum
        // is re-anchored on ln_gamma every 256 entries: the error stays
        // near 1e-13 at any size.
        let mut v = Vec::with_capacity(n as usize + 1);
        let mut acc = 0.0f64;
        v.push(0.0);
        for i in 1..=n {
            acc = if i % 256 == 0 {
                ln_gamma(i as f64 + 1.0)
            } else {
                acc + (i as f64).ln()
            };
            v.push(acc);
        }
        LnFact(v)
    }

    fn get(&self, x: f64) -> f64 {
        match self.0.get(x as usize) {
            Some(v) if x >= 0.0 => *v,
            _ => ln_gamma(x + 1.0),
        }
    }

    fn ln_choose(&self, n: f64, k: f64) -> f64 {
        self.get(n) - self.get(k) - self.get(n - k)
    }

    /// Log of the hypergeometric probability of `x` events in the
    /// experimental arm given the margins.
    fn ln_hyper(&self, x: f64, n1: f64, n2: f64, m: f64, n: f64) -> f64 {
        self.ln_choose(n1, x) + self.ln_choose(n2, m - x) - self.ln_choose(n, m)
    }
}

/// Fisher's exact test, two-sided: the sum of the hypergeometric
/// probabilities of all tables with the same margins whose probability is
/// ≤ the observed table's probability × (1 + 10⁻⁷) (Agresti 2002 §3.5.1;
/// the relative tolerance is R's `fisher.test`).
///
/// Probabilities are computed on the log scale with `ln_gamma`, and only the
/// two tails are summed (the distribution is unimodal), so counts of 10⁹
/// are fine. The statistic field holds the observed table's probability.
///
/// `None` when the two totals add up to more than [`MAX_EXACT_TOTAL`]: past
/// 2⁵³ the counts are no longer exact in f64 and the searches below would
/// stop making progress. Every loop is bounded ([`MAX_TAIL_TERMS`] terms
/// per tail, 64 bisection steps), so the time is bounded for any table.
pub fn fisher_exact(t: &TwoByTwo) -> Option<TestResult> {
    fisher_with(t, &LnFact::none())
}

/// Largest `exp_total + ctl_total` for which Fisher's exact test and the
/// fragility indices are computed (2³², four times the model's limit of
/// 10⁹ patients per arm).
pub const MAX_EXACT_TOTAL: u64 = 1 << 32;

/// Most terms summed in one tail of Fisher's test. Under
/// [`MAX_EXACT_TOTAL`] the hypergeometric SD is at most 2¹⁴ and a tail
/// falls below 10⁻¹⁷ of the sum within about 10 SDs, so the cap is never
/// reached by a table that is accepted.
pub const MAX_TAIL_TERMS: u64 = 1 << 22;

/// [`fisher_exact`] with ln-factorials from `lnf`.
fn fisher_with(t: &TwoByTwo, lnf: &LnFact) -> Option<TestResult> {
    if !t.is_valid() || t.exp_total.checked_add(t.ctl_total)? > MAX_EXACT_TOTAL {
        return None;
    }
    let n1 = t.exp_total as f64;
    let n2 = t.ctl_total as f64;
    let m = (t.exp_events + t.ctl_events) as f64;
    let n = n1 + n2;
    let x_obs = t.exp_events as f64;
    let lo = (m - n2).max(0.0);
    let hi = m.min(n1);
    if lo >= hi {
        return Some(TestResult {
            statistic: 1.0,
            p_value: 1.0,
        });
    }
    let l_obs = lnf.ln_hyper(x_obs, n1, n2, m, n);
    let thr = l_obs + (1e-7f64).ln_1p();
    // Mode of the hypergeometric distribution.
    let mode = (((m + 1.0) * (n1 + 1.0)) / (n + 2.0)).floor().clamp(lo, hi);
    let lf = |x: f64| lnf.ln_hyper(x, n1, n2, m, n);
    if lf(mode) <= thr {
        return Some(TestResult {
            statistic: l_obs.exp(),
            p_value: 1.0,
        });
    }
    // Left region [lo, mode]: lf non-decreasing. Find first x with lf > thr.
    let first_above = {
        let (mut a, mut b) = (lo, mode); // invariant: lf(b) > thr
        if lf(a) > thr {
            a
        } else {
            // 64 halvings cover any range of f64 integers.
            for _ in 0..64 {
                if b - a <= 1.0 {
                    break;
                }
                let mid = ((a + b) / 2.0).floor();
                if lf(mid) > thr {
                    b = mid;
                } else {
                    a = mid;
                }
            }
            b
        }
    };
    // Right region [mode, hi]: lf non-increasing. Find last x with lf > thr.
    let last_above = {
        let (mut a, mut b) = (mode, hi); // invariant: lf(a) > thr
        if lf(b) > thr {
            b
        } else {
            for _ in 0..64 {
                if b - a <= 1.0 {
                    break;
                }
                let mid = ((a + b) / 2.0).floor();
                if lf(mid) > thr {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            a
        }
    };
    // Sum the tails relative to the observed probability. Each tail starts
    // from one log-probability and then walks the ratio recurrence on the
    // linear scale (a multiply and a divide per table, no logarithms): the
    // fragility searches call this test thousands of times per trial.
    let mut sum = 0.0f64;
    // Left tail: x = first_above − 1 down to lo, via
    // P(x−1)/P(x) = x (n2 − m + x) / ((n1 − x + 1)(m − x + 1)).
    if first_above > lo {
        let mut x = first_above - 1.0;
        let mut term = (lf(x) - l_obs).exp();
        for i in 0.. {
            sum += term;
            if x <= lo || term <= sum * 1e-17 {
                break;
            }
            if i >= MAX_TAIL_TERMS {
                return None;
            }
            term *= (x * (n2 - m + x)) / ((n1 - x + 1.0) * (m - x + 1.0));
            x -= 1.0;
        }
    }
    if last_above < hi {
        let mut x = last_above + 1.0;
        let mut term = (lf(x) - l_obs).exp();
        for i in 0.. {
            sum += term;
            if x >= hi || term <= sum * 1e-17 {
                break;
            }
            if i >= MAX_TAIL_TERMS {
                return None;
            }
            // P(x+1)/P(x) = (n1 − x)(m − x) / ((x + 1)(n2 − m + x + 1)).
            term *= ((n1 - x) * (m - x)) / ((x + 1.0) * (n2 - m + x + 1.0));
            x += 1.0;
        }
    }
    let p = if sum > 0.0 {
        (l_obs + sum.ln()).exp().min(1.0)
    } else {
        0.0
    };
    Some(TestResult {
        statistic: l_obs.exp(),
        p_value: p,
    })
}

/// Two-sided Fisher p value, or 1.0 for an invalid table (internal helper).
fn fisher_p(t: &TwoByTwo, lnf: &LnFact) -> f64 {
    fisher_with(t, lnf).map(|r| r.p_value).unwrap_or(1.0)
}

/// Number of single steps the fragility searches take before switching to a
/// galloping + bisection search (which assumes monotonicity).
const LINEAR_STEPS: u64 = 2000;

/// Above this many patients (both arms) the searches take only
/// [`LINEAR_STEPS_LARGE`] single steps: one Fisher test costs about ten
/// hypergeometric SDs (√N/4) of terms, so 4 × 2000 of them on a table of
/// 1.5·10⁹ per arm took 15 s in the instrumented `stats` fuzz build (a
/// timeout it found). At this size one more event moves p smoothly, the
/// monotonicity the galloping search assumes past the linear steps anyway.
const LINEAR_TOTAL: u64 = 1_000_000;

/// Single steps of the fragility searches past [`LINEAR_TOTAL`].
const LINEAR_STEPS_LARGE: u64 = 64;

/// Single steps before galloping for table `t`.
fn linear_steps(t: &TwoByTwo) -> u64 {
    if t.exp_total.saturating_add(t.ctl_total) > LINEAR_TOTAL {
        LINEAR_STEPS_LARGE
    } else {
        LINEAR_STEPS
    }
}

/// Smallest k in 1..=max_k with `pred(k)` true, scanning linearly up to
/// `linear` (see [`linear_steps`]), then galloping and bisecting.
fn first_k(max_k: u64, linear: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    let lin = max_k.min(linear);
    for k in 1..=lin {
        if pred(k) {
            return Some(k);
        }
    }
    if max_k <= lin {
        return None;
    }
    let mut lo = lin; // pred(lo) false
    let mut step = lin.max(1);
    let hi = loop {
        let cand = lo.saturating_add(step).min(max_k);
        if pred(cand) {
            break cand;
        }
        if cand == max_k {
            return None;
        }
        lo = cand;
        step = step.saturating_mul(2);
    };
    let (mut a, mut b) = (lo, hi);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        if pred(mid) {
            b = mid;
        } else {
            a = mid;
        }
    }
    Some(b)
}

/// Fragility index (Walsh et al. 2014, J Clin Epidemiol 67:622).
///
/// For a result significant by the two-sided Fisher exact test (p < 0.05):
/// the minimum number of patients in the arm with fewer events whose status
/// is changed from non-event to event until p ≥ 0.05. When both arms have the
/// same number of events, both are tried and the smaller count is returned.
///
/// Returns `None` when the result is not
/// significant (see [`reverse_fragility_index`]), when the table is invalid
/// or too large for [`fisher_exact`] ([`MAX_EXACT_TOTAL`]), or when
/// significance cannot be lost by such changes. The first 2000
/// changes are tried one by one; beyond that (very large trials) a
/// galloping/bisection search is used, which assumes the p value rises
/// monotonically with the number of changes.
pub fn fragility_index(t: &TwoByTwo) -> Option<u64> {
    if fisher_exact(t)?.p_value >= 0.05 {
        return None;
    }
    let lnf = LnFact::upto(t.exp_total + t.ctl_total);
    let fisher_p = |u: &TwoByTwo| fisher_p(u, &lnf);
    // p rises as the arm's risk approaches the other's and falls again once
    // it has passed it, so "p ≥ 0.05 or the risks have crossed" is the
    // monotone question the galloping search needs: a gallop step could
    // otherwise land past the window where p ≥ 0.05 and find nothing.
    let crossed = |u: &TwoByTwo, exp_up: bool| {
        let e = u.exp_events as u128 * u.ctl_total as u128;
        let c = u.ctl_events as u128 * u.exp_total as u128;
        if exp_up {
            e >= c
        } else {
            c >= e
        }
    };
    let exp_below = !crossed(t, true);
    let ctl_below = !crossed(t, false);
    let try_exp = || {
        let room = t.exp_total - t.exp_events;
        first_k(room, linear_steps(t), |k| {
            let mut u = *t;
            u.exp_events += k;
            fisher_p(&u) >= 0.05 || (exp_below && crossed(&u, true))
        })
    };
    let try_ctl = || {
        let room = t.ctl_total - t.ctl_events;
        first_k(room, linear_steps(t), |k| {
            let mut u = *t;
            u.ctl_events += k;
            fisher_p(&u) >= 0.05 || (ctl_below && crossed(&u, false))
        })
    };
    match t.exp_events.cmp(&t.ctl_events) {
        std::cmp::Ordering::Less => try_exp(),
        std::cmp::Ordering::Greater => try_ctl(),
        std::cmp::Ordering::Equal => match (try_exp(), try_ctl()) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
    }
}

/// Reverse fragility index for a non-significant result (the idea of Khan et
/// al. 2020, JAMA Netw Open 3:e2012469).
///
/// Definition used here: the minimum number of event-status changes, all in
/// one arm and in one direction (non-event → event, or event → non-event),
/// choosing whichever of the four arm/direction combinations needs the
/// fewest, that makes the two-sided Fisher exact p < 0.05.
///
/// Returns `None` when the result is already significant, the table is
/// invalid or too large for [`fisher_exact`], or no such change exists. Large searches switch to
/// galloping/bisection after 2000 single steps, as in [`fragility_index`].
pub fn reverse_fragility_index(t: &TwoByTwo) -> Option<u64> {
    if fisher_exact(t)?.p_value < 0.05 {
        return None;
    }
    let lnf = LnFact::upto(t.exp_total + t.ctl_total);
    let sig = |u: &TwoByTwo| fisher_p(u, &lnf) < 0.05;
    // (room to move, change to apply). The best count found so far caps the
    // later searches, so a direction that needs more changes than an
    // earlier one is abandoned early (the result is the same minimum).
    let moves: [(u64, fn(&mut TwoByTwo, u64)); 4] = [
        (t.exp_total - t.exp_events, |u, k| u.exp_events += k),
        (t.exp_events, |u, k| u.exp_events -= k),
        (t.ctl_total - t.ctl_events, |u, k| u.ctl_events += k),
        (t.ctl_events, |u, k| u.ctl_events -= k),
    ];
    let mut best: Option<u64> = None;
    for (room, apply) in moves {
        let cap = best.map_or(room, |b| room.min(b.saturating_sub(1)));
        if cap == 0 {
            continue;
        }
        if let Some(k) = first_k(cap, linear_steps(t), |k| {
            let mut u = *t;
            apply(&mut u, k);
            sig(&u)
        }) {
            best = Some(best.map_or(k, |b| b.min(k)));
        }
    }
    best
}

#[cfg(test)]
mod bound_tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Debug builds on a shared machine: generous, but far below a hang.
    const SOON: Duration = Duration::from_secs(10);

    #[test]
    fn fisher_refuses_tables_past_the_exact_limit_at_once() {
        let start = Instant::now();
        // Counts past 2⁵³ hung the bisection (mid = a or b forever).
        let t = TwoByTwo::new(3 << 52, 10 << 52, 3 << 52, 11 << 52).unwrap();
        assert_eq!(fisher_exact(&t), None);
        assert_eq!(fragility_index(&t), None);
        assert_eq!(reverse_fragility_index(&t), None);
        let t = TwoByTwo::new(1, u64::MAX, 2, u64::MAX).unwrap();
        assert_eq!(fisher_exact(&t), None);
        let half = MAX_EXACT_TOTAL / 2 + 1;
        let t = TwoByTwo::new(half / 3, half, half / 3, half).unwrap();
        assert_eq!(fisher_exact(&t), None);
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }

    /// Found by the `stats` fuzz target (a 15 s timeout): the reverse
    /// fragility search of a null result past the model's limit, 762,253,474
    /// of 1,524,506,948 per arm, took 2000 Fisher tests per direction.
    #[test]
    fn reverse_fragility_of_a_huge_null_trial_returns_soon() {
        let start = Instant::now();
        let (e, n) = (762_253_474, 1_524_506_948);
        let t = TwoByTwo::new(e, n, e, n).unwrap();
        let k = reverse_fragility_index(&t).expect("significance can be reached");
        // Changing k events in one arm makes p < 0.05; one fewer does not.
        for (u, lost) in [(k, true), (k - 1, false)] {
            let moved = TwoByTwo::new(e + u, n, e, n).unwrap();
            let p = fisher_exact(&moved).unwrap().p_value;
            assert_eq!(p < 0.05, lost, "k = {u}: p = {p}");
        }
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }

    #[test]
    fn fisher_at_the_limit_returns_soon() {
        let start = Instant::now();
        let half = MAX_EXACT_TOTAL / 2;
        for (a, c) in [(half / 3, half / 3 + 20_000), (half / 2, half / 2), (0, 5)] {
            let t = TwoByTwo::new(a, half, c, half).unwrap();
            let p = fisher_exact(&t).expect("within the limit").p_value;
            assert!((0.0..=1.0).contains(&p), "{a} vs {c}: {p}");
        }
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }
}

#[cfg(test)]
mod ln_fact_tests {
    use super::*;

    #[test]
    fn table_lookup_gives_the_same_fisher_p_as_ln_gamma() {
        for (a, n1, c, n2) in [
            (89, 258, 79, 256),
            (0, 10, 2, 10),
            (105, 629, 126, 624),
            (1, 3, 3, 3),
            (500, 1000, 450, 1000),
            // Large trials, where a plain running sum of logs drifts.
            (480_000, 500_000, 481_000, 500_000),
            (12_000, 400_000, 12_350, 400_000),
        ] {
            let t = TwoByTwo::new(a, n1, c, n2).expect("valid table");
            let plain = fisher_exact(&t).unwrap().p_value;
            let table = fisher_with(&t, &LnFact::upto(n1 + n2)).unwrap().p_value;
            assert!(
                // ln(n!) is ~1e7 at n = 10⁶, so both routes carry ~1e-9
                // absolute error in log p: agreement to 5e-8 relative is the
                // floor of the method, well inside Fisher's 1e-7 tie tolerance.
                (plain - table).abs() <= 5e-8 * plain.max(1e-300),
                "{a}/{n1} vs {c}/{n2}: {plain} vs {table}"
            );
        }
        // Past the table (or without one) the lookup falls back to ln_gamma.
        let small = LnFact::upto(10);
        assert!((small.get(5.0) - 120f64.ln()).abs() < 1e-12);
        assert!((small.get(20.0) - ln_gamma(21.0)).abs() < 1e-9);
        assert!(LnFact::upto(LnFact::MAX + 1).0.is_empty());
    }
}
