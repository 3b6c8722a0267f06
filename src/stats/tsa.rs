//! Trial sequential analysis (TSA) of a binary outcome: the required
//! information size, the heterogeneity correction D², and the Lan–DeMets
//! O'Brien–Fleming α-spending monitoring boundaries at each trial's
//! information fraction.
//!
//! # Method
//!
//! **Required information size** (the meta-analytic sample size; Wetterslev,
//! Thorlund, Brok & Gluud 2008, J Clin Epidemiol 61:64–75). With control
//! event proportion p_c, relative risk reduction RRR, p_e = p_c(1 − RRR),
//! p̄ = (p_c + p_e)/2 and δ = p_c − p_e, two-sided α and power 1 − β, the
//! number of patients (both groups, equal allocation) is
//!
//! ```text
//! N = 4 (z_{1−α/2} + z_{1−β})² p̄(1 − p̄) / δ²
//! ```
//!
//! and it is inflated for between-trial heterogeneity by the diversity D²
//! (Wetterslev, Thorlund, Brok & Gluud 2009, BMC Med Res Methodol 9:86):
//! N_D = N / (1 − D²), where D² = (V_R − V_F)/V_R is the relative variance
//! reduction when going from the random-effects to the common-effect model,
//! V_F = 1/Σ(1/v_i) and V_R = 1/Σ(1/(v_i + τ²)).
//!
//! **Boundaries.** The cumulative z-statistic after each trial is compared
//! with two-sided group-sequential boundaries built by the Lan–DeMets
//! α-spending function that mimics O'Brien–Fleming boundaries (Lan &
//! DeMets 1983, Biometrika 70:659–663):
//!
//! ```text
//! α*(t) = 2 − 2 Φ(z_{1−α′/2} / √t),   0 < t ≤ 1,
//! ```
//!
//! applied to each side with α′ = α/2 (the symmetric two-sided design of
//! `ldbounds`, `gsDesign` and `RTSA`: half the two-sided α is spent on
//! each side, so the total spent by t is 2α*(t) = 4 − 4Φ(z_{1−α/4}/√t)),
//! t the information fraction (accrued patients / required information
//! size, capped at 1). At look k the boundary c_k solves
//! P(|Z_1| < c_1, …, |Z_{k−1}| < c_{k−1}, |Z_k| ≥ c_k) = α(t_k) − α(t_{k−1})
//! under the null, where Z_k = S_k/√t_k and S is a Brownian motion in
//! information time. That joint probability is computed by the recursive
//! numerical integration of Armitage, McPherson & Rowe (1969) as set out by
//! Jennison & Turnbull (2000, chapter 19): the sub-density of S_k on the
//! continuation region is carried from look to look on a Simpson grid,
//! convolved with the normal increment N(0, t_k − t_{k−1}), and the exit
//! probability at each look is that density integrated against the normal
//! tails. c_k is then found by bisection. This is not the naive
//! z_{1−α(t)/2} or z/√t shortcut, which ignores the earlier looks.
//!
//! The Handbook-level caution (boundaries are exploratory, the assumptions
//! drive everything) is worded by [`crate::present`], not here.
//!
//! # Why hand-written
//!
//! No maintained Rust crate computes group-sequential boundaries or
//! α-spending functions (there is nothing like R's `gsDesign`, `ldbounds`
//! or `RTSA` on crates.io); the computation is about a hundred lines on top
//! of the normal distribution the crate already uses (statrs), and it is
//! checked against an independent scipy implementation that uses the
//! multivariate normal distribution of the cumulative statistics instead
//! of numerical integration (`tests/reference/tsa.py`).

use super::dist::{norm_cdf, norm_quantile, norm_sf};

/// The assumptions of a trial sequential analysis, as the author states
/// them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    /// Control event proportion p_c (0 to 1, exclusive).
    pub control_risk: f64,
    /// Relative risk reduction (0 to 1, exclusive): p_e = p_c(1 − RRR).
    pub rrr: f64,
    /// Two-sided type I error.
    pub alpha: f64,
    /// Type II error (power is 1 − β).
    pub beta: f64,
}

/// The unadjusted required information size N (patients, not rounded);
/// `None` when an assumption is out of range.
pub fn required_information_size(a: &Assumptions) -> Option<f64> {
    let ok = |x: f64, hi: f64| x > 0.0 && x < hi;
    if !(ok(a.control_risk, 1.0) && ok(a.rrr, 1.0) && ok(a.alpha, 1.0) && ok(a.beta, 1.0)) {
        return None;
    }
    let pc = a.control_risk;
    let pe = pc * (1.0 - a.rrr);
    let pbar = (pc + pe) / 2.0;
    let delta = pc - pe;
    let z = norm_quantile(1.0 - a.alpha / 2.0) + norm_quantile(1.0 - a.beta);
    Some(4.0 * z * z * pbar * (1.0 - pbar) / (delta * delta))
}

/// N inflated for heterogeneity: N / (1 − D²); `None` unless 0 ≤ D² < 1.
pub fn adjusted_information_size(n: f64, d2: f64) -> Option<f64> {
    (0.0..1.0).contains(&d2).then(|| n / (1.0 - d2))
}

/// The diversity D² = 1 − V_F/V_R of studies with variances `vi` and
/// between-study variance `tau2` (Wetterslev et al. 2009); 0 when τ² = 0.
/// `None` for no studies or a non-positive variance.
pub fn diversity(vi: &[f64], tau2: f64) -> Option<f64> {
    if vi.is_empty() || vi.iter().any(|&v| !(v > 0.0)) || !(tau2 >= 0.0) {
        return None;
    }
    let sf: f64 = vi.iter().map(|v| 1.0 / v).sum();
    let sr: f64 = vi.iter().map(|v| 1.0 / (v + tau2)).sum();
    // V_F/V_R = (1/sf)/(1/sr) = sr/sf.
    Some((1.0 - sr / sf).clamp(0.0, 1.0))
}

/// Two-sided α spent by information fraction `t`: α/2 on each side by the
/// Lan–DeMets O'Brien–Fleming function, 4 − 4Φ(z_{1−α/4}/√t) in all.
pub fn obf_alpha_spent(t: f64, alpha: f64) -> f64 {
    if !(t > 0.0) {
        return 0.0;
    }
    if t >= 1.0 {
        // All of it, exactly (the quantile's rounding would leave ~1e-10).
        return alpha;
    }
    let z = norm_quantile(1.0 - alpha / 4.0);
    (4.0 * norm_sf(z / t.min(1.0).sqrt())).min(alpha)
}

/// The sub-density of S_k on the continuation region of the looks so far,
/// on a Simpson grid.
struct Density {
    /// Grid points (S scale).
    s: Vec<f64>,
    /// Simpson weights times the density at each point.
    wf: Vec<f64>,
    /// Information time of the look.
    t: f64,
}

impl Density {
    /// Probability of leaving through ±c·√t at information time `t`.
    fn exit(&self, c: f64, t: f64) -> f64 {
        let sd = (t - self.t).sqrt();
        let b = c * t.sqrt();
        self.s
            .iter()
            .zip(&self.wf)
            .map(|(&u, &wf)| wf * (norm_cdf((-b - u) / sd) + norm_sf((b - u) / sd)))
            .sum()
    }

    /// The density at time `t` on the continuation region |S| < c√t.
    fn advance(&self, c: f64, t: f64) -> Density {
        let sd = (t - self.t).sqrt();
        let (s, w) = simpson_grid(c * t.sqrt(), sd.min(self.t.sqrt()));
        let wf = s
            .iter()
            .zip(&w)
            .map(|(&x, &wx)| {
                let f: f64 = self
                    .s
                    .iter()
                    .zip(&self.wf)
                    .map(|(&u, &wf)| wf * normal_pdf((x - u) / sd) / sd)
                    .sum();
                wx * f
            })
            .collect();
        Density { s, wf, t }
    }
}

/// Standard normal density.
fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Simpson points and weights on [−b, b] with spacing at most `scale`/12
/// (at least 201 and at most 4001 points).
fn simpson_grid(b: f64, scale: f64) -> (Vec<f64>, Vec<f64>) {
    let want = (2.0 * b / (scale / 12.0)).ceil() as usize;
    let m = want.clamp(200, 4000) / 2 * 2;
    let h = 2.0 * b / m as f64;
    let s = (0..=m).map(|j| -b + h * j as f64).collect();
    let w = (0..=m)
        .map(|j| {
            let k = if j == 0 || j == m {
                1.0
            } else if j % 2 == 1 {
                4.0
            } else {
                2.0
            };
            k * h / 3.0
        })
        .collect();
    (s, w)
}

/// The largest boundary searched for; α increments too small to leave
/// through a boundary this high give `None` (no boundary drawn).
const MAX_BOUNDARY: f64 = 30.0;

/// c such that `exit(c)` = `target`, by bisection (`exit` decreasing).
fn solve(target: f64, exit: impl Fn(f64) -> f64) -> Option<f64> {
    if !(target > 0.0) || exit(MAX_BOUNDARY) >= target {
        return None;
    }
    let (mut lo, mut hi) = (0.0, MAX_BOUNDARY);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if exit(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Two-sided Lan–DeMets O'Brien–Fleming efficacy boundaries (z scale) at
/// the information fractions `t` (increasing; values above 1 are treated
/// as 1). A look that spends no new α (a fraction equal to the one before,
/// or past 1 once 1 was reached) repeats the boundary before it; a look
/// whose α increment is too small to place a boundary below 30 gives
/// `None`, as does a fraction that is not positive or decreases.
pub fn obf_boundaries(t: &[f64], alpha: f64) -> Vec<Option<f64>> {
    let mut out = Vec::with_capacity(t.len());
    let mut dens: Option<Density> = None;
    let mut prev_t = 0.0;
    let mut prev_c: Option<f64> = None;
    for &raw in t {
        let tk = raw.min(1.0);
        let usable = tk > 0.0 && alpha > 0.0 && alpha < 1.0 && tk >= prev_t;
        if !usable {
            out.push(None);
            continue;
        }
        if tk == prev_t {
            out.push(prev_c);
            continue;
        }
        let target = obf_alpha_spent(tk, alpha) - obf_alpha_spent(prev_t, alpha);
        let c = match &dens {
            None => solve(target, |c| 2.0 * norm_sf(c)),
            Some(d) => solve(target, |c| d.exit(c, tk)),
        };
        // A look with no usable boundary continues on an unbounded region
        // (nothing leaves), approximated by the largest boundary searched.
        let cc = c.unwrap_or(MAX_BOUNDARY);
        dens = Some(match &dens {
            None => first_density(cc, tk),
            Some(d) => d.advance(cc, tk),
        });
        prev_t = tk;
        prev_c = c;
        out.push(c);
    }
    out
}

/// The density of S_1 ~ N(0, t) on |S| < c√t.
fn first_density(c: f64, t: f64) -> Density {
    let sd = t.sqrt();
    let (s, w) = simpson_grid(c * sd, sd);
    let wf = s
        .iter()
        .zip(&w)
        .map(|(&x, &wx)| wx * normal_pdf(x / sd) / sd)
        .collect();
    Density { s, wf, t }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSA_JSON: &str = include_str!("../../tests/reference/tsa.json");

    #[test]
    fn one_look_at_full_information_is_the_fixed_sample_boundary() {
        let b = obf_boundaries(&[1.0], 0.05);
        assert!((b[0].unwrap() - 1.959_964).abs() < 1e-5, "{b:?}");
    }

    /// What the chart's projected boundary relies on: a look's boundary
    /// does not depend on the looks after it.
    #[test]
    fn later_looks_do_not_move_earlier_boundaries() {
        let observed = obf_boundaries(&[0.23, 0.33], 0.05);
        let extended = obf_boundaries(&[0.23, 0.33, 0.5, 0.75, 1.0], 0.05);
        for (a, b) in observed.iter().zip(&extended) {
            assert!((a.unwrap() - b.unwrap()).abs() < 1e-9, "{a:?} {b:?}");
        }
        // At full information the boundary is close to, and above, 1.96.
        let last = extended[4].unwrap();
        assert!(last > 1.96 && last < 2.1, "{last}");
    }

    #[test]
    fn four_equal_looks_match_the_published_table() {
        // The Lan–DeMets O'Brien–Fleming-type boundaries for four equally
        // spaced looks, two-sided α = 0.05, as tabulated in the group
        // sequential literature (DeMets & Lan 1994, Stat Med 13:1341;
        // Jennison & Turnbull 2000, table 7.6): 4.333, 2.963, 2.359, 2.014.
        let b = obf_boundaries(&[0.25, 0.5, 0.75, 1.0], 0.05);
        let c: Vec<f64> = b.iter().map(|x| x.unwrap()).collect();
        for (g, w) in c.iter().zip([4.333, 2.963, 2.359, 2.014]) {
            assert!((g - w).abs() < 1e-3, "{c:?}");
        }
    }

    #[test]
    fn looks_past_the_information_size_spend_what_is_left_once() {
        let b = obf_boundaries(&[0.5, 1.2, 1.5], 0.05);
        let two = obf_boundaries(&[0.5, 1.0], 0.05);
        // 1.2 is the final look at t = 1; 1.5 spends nothing new and repeats it.
        assert_eq!(b[0], two[0]);
        assert_eq!(b[1], two[1]);
        assert_eq!(b[2], two[1]);
        // A fraction that goes back, or is not positive, has no boundary.
        assert_eq!(obf_boundaries(&[0.5, 0.4], 0.05)[1], None);
        assert_eq!(obf_boundaries(&[0.0], 0.05)[0], None);
        // Spending is O'Brien–Fleming-like: almost nothing early.
        assert!(obf_alpha_spent(0.1, 0.05) < 1e-6);
        assert!((obf_alpha_spent(1.0, 0.05) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn no_heterogeneity_means_no_inflation() {
        assert_eq!(diversity(&[0.1, 0.2], 0.0), Some(0.0));
        let d = diversity(&[0.1, 0.1], 0.1).unwrap();
        // V_F = 0.05, V_R = 0.1: D² = 0.5.
        assert!((d - 0.5).abs() < 1e-12);
        assert_eq!(adjusted_information_size(100.0, 0.5), Some(200.0));
        assert_eq!(adjusted_information_size(100.0, 1.0), None);
    }

    #[test]
    fn out_of_range_assumptions_give_none() {
        let a = Assumptions {
            control_risk: 0.3,
            rrr: 0.0,
            alpha: 0.05,
            beta: 0.2,
        };
        assert_eq!(required_information_size(&a), None);
    }

    /// A JSON array of numbers.
    fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    #[test]
    fn matches_the_scipy_reference() {
        let v: serde_json::Value = serde_json::from_str(TSA_JSON).unwrap();
        let cases = v["information_size"].as_array().unwrap();
        assert!(!cases.is_empty());
        for c in cases {
            let a = Assumptions {
                control_risk: c["control_risk"].as_f64().unwrap(),
                rrr: c["rrr"].as_f64().unwrap(),
                alpha: c["alpha"].as_f64().unwrap(),
                beta: c["beta"].as_f64().unwrap(),
            };
            let n = required_information_size(&a).unwrap();
            let n = adjusted_information_size(n, c["d2"].as_f64().unwrap()).unwrap();
            let want = c["required_information_size"].as_f64().unwrap();
            assert!((n - want).abs() < 1e-3, "{c}: {n}");
        }
        let sets = v["boundaries"].as_array().unwrap();
        assert!(!sets.is_empty());
        for s in sets {
            let t = floats(&s["fractions"]);
            let alpha = s["alpha"].as_f64().unwrap();
            let got = obf_boundaries(&t, alpha);
            let want = s["boundaries"].as_array().unwrap();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(want) {
                let g = g.unwrap();
                let w = w.as_f64().unwrap();
                assert!((g - w).abs() < 1e-3, "{s}: {got:?}");
            }
        }
        for d in v["diversity"].as_array().unwrap() {
            let vi = floats(&d["vi"]);
            let got = diversity(&vi, d["tau2"].as_f64().unwrap()).unwrap();
            assert!((got - d["d2"].as_f64().unwrap()).abs() < 1e-9, "{d}");
        }
    }
}
