//! Absolute effects from relative ones: the risk with the intervention
//! that a pooled relative effect implies at an assumed control risk, as a
//! GRADE summary-of-findings table shows it (Cochrane Handbook §14.1.5).

/// The relative effect a corresponding risk is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relative {
    /// Risk ratio: r = RR·p_c.
    RiskRatio,
    /// Odds ratio: r = OR·p_c / (1 − p_c + OR·p_c).
    OddsRatio,
    /// Risk difference: r = p_c + RD, kept within [0, 1].
    RiskDifference,
}

/// The risk with the intervention at control risk `cr` and effect `x`
/// (natural scale), within [0, 1].
pub fn corresponding_risk(m: Relative, cr: f64, x: f64) -> f64 {
    let r = match m {
        Relative::RiskRatio => x * cr,
        Relative::OddsRatio => x * cr / (1.0 - cr + x * cr),
        Relative::RiskDifference => cr + x,
    };
    r.clamp(0.0, 1.0)
}
