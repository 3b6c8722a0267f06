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

/// Two-sided critical value of Student's t with `df` degrees of freedom.
///
/// statrs' quantile is refined by Newton steps on the (accurate) upper-tail
/// probability, because its inverse is only good to ~1e-5 for large df.
pub(crate) fn t_crit(level: f64, df: f64) -> Option<f64> {
    if !(level > 0.0 && level < 1.0 && df > 0.0 && df.is_finite()) {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let tail = (1.0 - level) / 2.0;
    let mut q = t.inverse_cdf(1.0 - tail);
    if !q.is_finite() {
        return None;
    }
    for _ in 0..8 {
        let dens = t.pdf(q);
        if !(dens > 0.0) {
            break;
        }
        let step = (t.sf(q) - tail) / dens;
        if !step.is_finite() {
            break;
        }
        q += step;
        if step.abs() <= 1e-15 * q.abs().max(1.0) {
            break;
        }
    }
    q.is_finite().then_some(q)
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
