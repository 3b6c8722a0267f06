//! Thin, panic-free wrappers around the `statrs` distributions used by the
//! statistics engine (standard normal, Student t, chi-square) and the
//! log-gamma function.

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

/// Standard normal cumulative distribution function Φ(x).
pub(crate) fn norm_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    standard_normal().cdf(x)
}

/// Standard normal survival function 1 − Φ(x), accurate in the far tail.
pub(crate) fn norm_sf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    standard_normal().sf(x)
}

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1).
pub(crate) fn norm_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// Two-sided critical value z_{1−(1−level)/2}; `None` unless 0 < level < 1.
pub(crate) fn z_crit(level: f64) -> Option<f64> {
    if !(level > 0.0 && level < 1.0) {
        return None;
    }
    Some(norm_quantile(1.0 - (1.0 - level) / 2.0))
}

/// Two-sided p value 2·(1 − Φ(|z|)) of a standard normal statistic.
pub(crate) fn p_two_sided_z(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * norm_sf(z.abs())).min(1.0)
}

/// Above this many degrees of freedom [`t_crit`] returns the Cornish–Fisher
/// expansion as it is: its next term (order df⁻⁵) is below 1e-14 there,
/// while the incomplete-beta route loses digits to ln Γ of large arguments
/// (about 2e-11 relative by df = 10⁵).
const T_EXPANSION_DF: f64 = 1000.0;

/// Most refinement steps [`t_crit`] takes (each halves the bracket at
/// worst; Newton converges in a handful).
const T_CRIT_MAX_STEPS: usize = 200;

/// Two-sided critical value of Student's t with `df` degrees of freedom.
///
/// Starts from the Cornish–Fisher expansion of the t quantile in the normal
/// quantile (Abramowitz & Stegun 26.7.5) and refines it by Newton steps on
/// the upper-tail probability, kept inside a bracket that bisection shrinks
/// when a step leaves it. Every loop is bounded, so the time is bounded for
/// any `df`. (statrs' own inverse, an AS 109 iteration with no step limit,
/// never returned for df ≈ 2·10⁷: a continuous outcome with 10⁷ patients
/// per arm hung the build.)
pub(crate) fn t_crit(level: f64, df: f64) -> Option<f64> {
    if !(level > 0.0 && level < 1.0 && df > 0.0 && df.is_finite()) {
        return None;
    }
    let tail = (1.0 - level) / 2.0;
    let start = t_quantile_expansion(norm_quantile(1.0 - tail), df);
    if df > T_EXPANSION_DF {
        return start.is_finite().then_some(start);
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    // f is decreasing in q, positive at 0 (the tail is below 1/2).
    let f = |q: f64| t.sf(q) - tail;
    let (mut lo, mut hi) = (0.0f64, start.max(1.0));
    let mut doublings = 0;
    while !(f(hi) < 0.0) {
        lo = hi;
        hi *= 2.0;
        doublings += 1;
        if doublings > 1100 || !hi.is_finite() {
            return None;
        }
    }
    let mut q = if start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..T_CRIT_MAX_STEPS {
        let fq = f(q);
        if fq == 0.0 {
            break;
        }
        if fq > 0.0 {
            lo = q;
        } else {
            hi = q;
        }
        let dens = t.pdf(q);
        let mut next = q + fq / dens;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        let done = (next - q).abs() <= 1e-15 * q.abs().max(1.0);
        q = next;
        if done {
            break;
        }
    }
    q.is_finite().then_some(q)
}

/// The upper quantile of Student's t with `df` degrees of freedom whose
/// normal quantile is `x`: x + g₁/ν + g₂/ν² + g₃/ν³ + g₄/ν⁴
/// (Cornish–Fisher; Abramowitz & Stegun 26.7.5).
fn t_quantile_expansion(x: f64, df: f64) -> f64 {
    let x2 = x * x;
    let g1 = (x2 + 1.0) * x / 4.0;
    let g2 = ((5.0 * x2 + 16.0) * x2 + 3.0) * x / 96.0;
    let g3 = (((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x / 384.0;
    let g4 = ((((79.0 * x2 + 776.0) * x2 + 1482.0) * x2 - 1920.0) * x2 - 945.0) * x / 92160.0;
    x + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// Two-sided p value of a Student t statistic with `df` degrees of freedom.
pub(crate) fn p_two_sided_t(t: f64, df: f64) -> Option<f64> {
    if t.is_nan() || !(df > 0.0) || !df.is_finite() {
        return None;
    }
    let d = StudentsT::new(0.0, 1.0, df).ok()?;
    Some((2.0 * d.sf(t.abs())).min(1.0))
}

/// Upper tail P(X ≥ x) of a chi-square distribution with `df` degrees of
/// freedom.
pub(crate) fn chi2_sf(x: f64, df: f64) -> Option<f64> {
    if x.is_nan() || !(df > 0.0) {
        return None;
    }
    if x <= 0.0 {
        return Some(1.0);
    }
    let d = ChiSquared::new(df).ok()?;
    Some(d.sf(x).clamp(0.0, 1.0))
}

/// Natural log of the gamma function (Lanczos approximation in statrs).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

fn standard_normal() -> Normal {
    // Normal::new(0, 1) cannot fail; fall back to the standard constructor.
    Normal::standard()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn t_crit_matches_closed_forms_and_statrs() {
        // df = 1: tan(π(1/2 − α/2)); df = 2: (1 − α)·√(2 / (1 − (1 − α)²)).
        let one = (std::f64::consts::PI * 0.475).tan();
        assert!(close(t_crit(0.95, 1.0).unwrap(), one, 1e-12));
        let two = 0.95 * (2.0 / (1.0 - 0.95f64 * 0.95)).sqrt();
        assert!(close(t_crit(0.95, 2.0).unwrap(), two, 1e-12));
        for df in [3.0, 4.5, 10.0, 30.0, 100.0] {
            let d = StudentsT::new(0.0, 1.0, df).unwrap();
            let q = t_crit(0.95, df).unwrap();
            assert!((d.sf(q) - 0.025).abs() < 1e-14, "df {df}: {q}");
        }
        // Where the expansion is already exact to ~1e-13 (the tail
        // probability itself carries ln Γ rounding there).
        for df in [500.0, 999.0] {
            let q = t_crit(0.95, df).unwrap();
            let e = t_quantile_expansion(norm_quantile(0.975), df);
            assert!(close(q, e, 1e-12), "df {df}: {q} vs {e}");
        }
    }

    #[test]
    fn t_crit_returns_for_huge_df() {
        // df = 2·10⁷ (10⁷ patients per arm) hung statrs' inverse.
        for df in [1000.0, 1001.0, 1e5, 19_999_998.0, 2e9, 1e15, 1e300] {
            let q = t_crit(0.95, df).unwrap();
            let z = norm_quantile(0.975);
            assert!(q >= z && q < 1.9624, "df {df}: {q}");
        }
        // The expansion and the refined value agree where they meet.
        let refined = t_crit(0.95, T_EXPANSION_DF).unwrap();
        let expanded = t_quantile_expansion(norm_quantile(0.975), T_EXPANSION_DF);
        assert!(close(refined, expanded, 1e-13), "{refined} vs {expanded}");
    }
}
