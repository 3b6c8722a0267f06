//! "Does the paper add up?": recompute a printed effect estimate, its
//! confidence interval and its p value from the arm data with every standard
//! method this engine supports, and say which method and which test
//! reproduce the printed numbers.
//!
//! Matching rule (compared on the printed scale, RD in percentage points):
//! - the point estimate matches when the printed value is a correct rounding
//!   of the recomputed value at the printed decimals,
//!   |recomputed − printed| ≤ ½·10^(−decimals) (ties either way);
//!   for MD and SMD, which are recomputed from rounded means and SDs, ±1 in
//!   the last printed digit is also accepted;
//! - each CI bound matches when |recomputed − printed| ≤ 1.5·10^(−decimals),
//!   i.e. equal after rounding allowing ±1 in the last digit;
//! - a printed exact p value matches when it is a correct rounding of the
//!   recomputed p at its own decimals; "<x" matches a recomputed p < x and
//!   ">x" a recomputed p > x. The p implied by the printed (rounded)
//!   estimate and CI ([`PTest::FromPrintedCi`]) inherits their rounding:
//!   every p that an estimate and CI within half a printed unit of those
//!   printed would give is accepted (an interval printed as whole numbers
//!   allows a wide range of p).
//!
//! A mismatch is never an error: papers legitimately use adjusted models,
//! bootstrap intervals or rank tests, so mismatches are reported at warning
//! level with the recomputed values for the reader to judge.

use super::binary::{
    chi_square, fisher_exact, odds_ratio, risk_difference, risk_ratio, Effect, RdMethod, TwoByTwo,
};
use super::continuous::{hedges_g, mean_difference, mean_difference_t, welch_t_test, ArmSummary};
use super::reported::{p_from_ci, Scale};

/// Effect measure printed in the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Measure {
    /// Risk ratio.
    RiskRatio,
    /// Odds ratio.
    OddsRatio,
    /// Risk difference, printed in percentage points.
    RiskDifference,
    /// Mean difference.
    MeanDifference,
    /// Standardised mean difference (Hedges' g).
    Smd,
    /// Hazard ratio, subdistribution HR or any other ratio that cannot be
    /// recomputed from arm totals (only internal consistency is checked).
    HazardRatio,
}

impl Measure {
    fn scale(&self) -> Scale {
        match self {
            Measure::RiskRatio | Measure::OddsRatio | Measure::HazardRatio => Scale::Ratio,
            _ => Scale::Difference,
        }
    }
}

/// A printed p value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum ReportedP {
    /// An exact value with the number of decimals printed ("0.43" → 2).
    Exact {
        /// The printed value.
        value: f64,
        /// Decimals printed.
        decimals: u32,
    },
    /// "<x", e.g. "<0.001".
    LessThan(f64),
    /// ">x", e.g. ">0.99".
    GreaterThan(f64),
}

impl ReportedP {
    /// Parses "0.43", "P = 0.43", "p=.053", "<0.001", "P < 0.001", "≤0.001",
    /// ">0.99"; `None` when no number in [0, 1] is found.
    pub fn parse(s: &str) -> Option<Self> {
        let mut t = s.trim();
        if let Some(rest) = t.strip_prefix(['P', 'p']) {
            t = rest.trim_start();
        }
        let (kind, rest) = if let Some(r) = t.strip_prefix('<').or_else(|| t.strip_prefix('≤')) {
            (1, r)
        } else if let Some(r) = t.strip_prefix('>').or_else(|| t.strip_prefix('≥')) {
            (2, r)
        } else if let Some(r) = t.strip_prefix('=') {
            (0, r)
        } else {
            (0, t)
        };
        let num = rest.trim().trim_start_matches('=').trim();
        let value: f64 = num.parse().ok()?;
        if !(0.0..=1.0).contains(&value) {
            return None;
        }
        Some(match kind {
            1 => ReportedP::LessThan(value),
            2 => ReportedP::GreaterThan(value),
            _ => ReportedP::Exact {
                value,
                decimals: decimals_of(num),
            },
        })
    }

    /// Whether some p in `[lo, hi]` is consistent with the printed one.
    fn overlaps(&self, lo: f64, hi: f64) -> bool {
        match *self {
            ReportedP::Exact { value, decimals } => {
                let h = 0.5 * 10f64.powi(-(decimals.min(300) as i32));
                lo <= value + h + 1e-12 && hi >= value - h - 1e-12
            }
            ReportedP::LessThan(x) => lo < x,
            ReportedP::GreaterThan(x) => hi > x,
        }
    }

    /// Whether a recomputed p value is consistent with the printed one.
    pub fn matches(&self, p: f64) -> bool {
        self.matches_with(p, 0.5)
    }

    /// As [`ReportedP::matches`], with `units` last-digit units of slack for
    /// an exact p.
    fn matches_with(&self, p: f64, units: f64) -> bool {
        if !p.is_finite() {
            return false;
        }
        match *self {
            ReportedP::Exact { value, decimals } => within(p, value, units, decimals),
            ReportedP::LessThan(x) => p < x,
            ReportedP::GreaterThan(x) => p > x,
        }
    }
}

/// The range of p values the printed estimate and CI allow, given that each
/// was rounded to its printed decimals: p is lowest with the estimate
/// furthest from the null and the narrowest interval, highest the other
/// way, so the corners of the rounding box bound it. `f` scales printed
/// units to the analysis units (0.01 for an RD in percentage points).
fn implied_p_range(rep: &ReportedEffect, scale: Scale, f: f64, level: f64) -> Option<(f64, f64)> {
    let (l, u) = rep.ci?;
    let half = |d: u32| 0.5 * 10f64.powi(-(d.min(300) as i32));
    let (he, hl, hu) = (
        half(rep.decimals),
        half(rep.ci_decimals.0),
        half(rep.ci_decimals.1),
    );
    let mut range: Option<(f64, f64)> = None;
    for e in [rep.estimate - he, rep.estimate + he] {
        for lo in [l - hl, l + hl] {
            for hi in [u - hu, u + hu] {
                if !(lo < hi && lo <= e && e <= hi) {
                    continue;
                }
                let Some(p) = p_from_ci(scale, e * f, lo * f, hi * f, level) else {
                    continue;
                };
                range = Some(match range {
                    None => (p, p),
                    Some((a, b)) => (a.min(p), b.max(p)),
                });
            }
        }
    }
    range
}

/// Number of digits after the decimal point in a printed number
/// ("11.7" → 1, "0.053" → 3, "−4" → 0).
pub fn decimals_of(printed: &str) -> u32 {
    match printed.trim().split_once('.') {
        Some((_, frac)) => frac.chars().take_while(|c| c.is_ascii_digit()).count() as u32,
        None => 0,
    }
}

/// |x − printed| ≤ units·10^(−decimals), with a 1e-9 relative slack for
/// binary floating point.
fn within(x: f64, printed: f64, units: f64, decimals: u32) -> bool {
    let unit = 10f64.powi(-(decimals.min(300) as i32));
    (x - printed).abs() <= units * unit + 1e-9 * printed.abs().max(unit)
}

/// Whether `events/total` agrees with a printed percentage at its decimals
/// (e.g. 89/258 and "34.5"); `None` for a zero total or events > total.
pub fn percentage_matches(
    events: u64,
    total: u64,
    printed_percent: f64,
    decimals: u32,
) -> Option<bool> {
    if total == 0 || events > total {
        return None;
    }
    let pct = 100.0 * events as f64 / total as f64;
    Some(within(pct, printed_percent, 0.5, decimals))
}

/// Arm-level data behind a printed effect.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum ArmData {
    /// Events/total per arm.
    Binary(TwoByTwo),
    /// Mean, SD and N per arm.
    Continuous {
        /// Experimental arm.
        exp: ArmSummary,
        /// Control arm.
        ctl: ArmSummary,
    },
    /// No usable arm data (e.g. a hazard ratio).
    None,
}

/// The printed effect to check.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ReportedEffect {
    /// Measure.
    pub measure: Measure,
    /// Printed estimate (RD in percentage points).
    pub estimate: f64,
    /// Printed CI (lower, upper), same units as the estimate.
    pub ci: Option<(f64, f64)>,
    /// Printed p value.
    pub p: Option<ReportedP>,
    /// Decimals printed for the estimate.
    pub decimals: u32,
    /// Decimals printed for each CI bound (lower, upper); papers usually
    /// print them alike, but each is compared at its own.
    pub ci_decimals: (u32, u32),
    /// Confidence level of the printed CI (normally 0.95).
    pub level: f64,
}

/// Test used to recompute a p value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PTest {
    /// Pearson chi-square without continuity correction.
    ChiSquare,
    /// Pearson chi-square with Yates' correction.
    ChiSquareYates,
    /// Fisher's exact test, two-sided.
    Fisher,
    /// Wald z test of the measure itself.
    WaldZ,
    /// Student t test with pooled variance.
    StudentT,
    /// Welch's unequal-variance t test.
    WelchT,
    /// p implied by the printed estimate and CI (Altman & Bland 2011).
    FromPrintedCi,
}

/// One recomputation of the estimate and CI.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodCheck {
    /// Method label, e.g. "Newcombe hybrid score".
    pub method: String,
    /// Recomputed estimate on the printed scale.
    pub estimate: f64,
    /// Recomputed lower limit on the printed scale.
    pub lower: f64,
    /// Recomputed upper limit on the printed scale.
    pub upper: f64,
    /// Whether the estimate matches.
    pub estimate_matches: bool,
    /// Whether both CI bounds match (`None` when no CI was printed).
    pub ci_matches: Option<bool>,
    /// Whether both CI bounds match exactly at the printed decimals, without
    /// the ±1 allowance (`None` when no CI was printed).
    pub ci_exact: Option<bool>,
}

/// One recomputed p value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PCheck {
    /// Test.
    pub test: PTest,
    /// Recomputed p value.
    pub p_value: f64,
    /// Whether it matches the printed p.
    pub matches: bool,
}

/// Overall verdict. "Reproduced" always means recomputed from the arm
/// data; a printed effect that cannot be recomputed (a hazard ratio, or an
/// effect without arm data) can only be checked for internal consistency
/// and gets [`Verdict::Consistent`] or [`Verdict::Inconsistent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Estimate, CI and p (those printed) are all recomputed from the arm data.
    Reproduced,
    /// Some but not all of estimate+CI and p are recomputed from the arm data.
    PartlyReproduced,
    /// Neither estimate+CI nor p is recomputed from the arm data.
    NotReproduced,
    /// Not recomputable from arm data, but the printed estimate, CI and p
    /// agree with each other.
    Consistent,
    /// Not recomputable from arm data, and the printed estimate, CI and p
    /// do not agree with each other.
    Inconsistent,
    /// Nothing could be checked (no usable data, no CI).
    NotCheckable,
}

impl Verdict {
    /// The verdict's name in JSON and in CSS classes (`reproduced`,
    /// `consistent`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Reproduced => "reproduced",
            Verdict::PartlyReproduced => "partly-reproduced",
            Verdict::NotReproduced => "not-reproduced",
            Verdict::Consistent => "consistent",
            Verdict::Inconsistent => "inconsistent",
            Verdict::NotCheckable => "not-checkable",
        }
    }

    /// Whether the verdict is a mismatch worth a warning (and a failure
    /// under `check --strict`).
    pub fn is_mismatch(self) -> bool {
        matches!(
            self,
            Verdict::PartlyReproduced | Verdict::NotReproduced | Verdict::Inconsistent
        )
    }
}

/// Why a printed effect cannot be recomputed from the arm data, so that only
/// its internal consistency (estimate, CI and p agree) is checked. This is
/// the one place that decides it; readers' wording is the analyse stage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NotRecomputable {
    /// A hazard ratio needs the time-to-event data, never in arm totals.
    HazardRatio,
    /// The arm data given (if any) cannot give this measure.
    NoArmData,
}

impl NotRecomputable {
    /// The note of a [`CheckReport`] saying so.
    pub fn note(self) -> &'static str {
        match self {
            NotRecomputable::HazardRatio => {
                "hazard ratios cannot be recomputed from arm totals; \
                 internal consistency of estimate, CI and p checked"
            }
            NotRecomputable::NoArmData => "no arm data for this measure; nothing recomputed",
        }
    }
}

/// Severity of the verdict for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Severity {
    /// Reproduced (or nothing to check).
    Info,
    /// A mismatch worth showing the reader.
    Warning,
}

/// Result of checking one printed effect.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckReport {
    /// Measure checked.
    pub measure: Measure,
    /// All recomputations of estimate and CI.
    pub methods: Vec<MethodCheck>,
    /// Labels of the methods reproducing estimate and CI (those printed),
    /// exact matches first, then matches within ±1 in the last digit.
    pub reproducing_methods: Vec<String>,
    /// All recomputed p values.
    pub p_checks: Vec<PCheck>,
    /// Tests reproducing the printed p value.
    pub reproducing_tests: Vec<PTest>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Severity for display.
    pub severity: Severity,
    /// Why the effect was not recomputed from the arm data (then the
    /// verdict is about internal consistency only), `None` when it was.
    pub not_recomputable: Option<NotRecomputable>,
    /// Human-readable notes (e.g. why nothing could be checked).
    pub notes: Vec<String>,
}

fn method_check(
    label: &str,
    eff: &Effect,
    factor: f64,
    rep: &ReportedEffect,
    est_units: f64,
) -> Option<MethodCheck> {
    let (e, l, u) = (
        eff.estimate * factor,
        eff.lower * factor,
        eff.upper * factor,
    );
    if !(e.is_finite() && l.is_finite() && u.is_finite()) {
        return None;
    }
    let estimate_matches = within(e, rep.estimate, est_units, rep.decimals);
    let (dl, du) = rep.ci_decimals;
    let ci_matches = rep
        .ci
        .map(|(pl, pu)| within(l, pl, 1.5, dl) && within(u, pu, 1.5, du));
    let ci_exact = rep
        .ci
        .map(|(pl, pu)| within(l, pl, 0.5, dl) && within(u, pu, 0.5, du));
    Some(MethodCheck {
        method: label.to_string(),
        estimate: e,
        lower: l,
        upper: u,
        estimate_matches,
        ci_matches,
        ci_exact,
    })
}

/// What [`check`] recomputed of a printed effect from the arm data.
struct Recomputed {
    /// Estimate and CI by each method.
    methods: Vec<MethodCheck>,
    /// p by each test (`None`: the test could not be run).
    p_checks: Vec<(PTest, Option<f64>)>,
    /// Notes for the report.
    notes: Vec<String>,
    /// Why nothing was recomputed, when nothing was.
    not_recomputable: Option<NotRecomputable>,
}

/// Every standard recomputation of the printed effect's measure from the
/// arm data, at confidence `level`.
fn recompute(data: &ArmData, rep: &ReportedEffect, level: f64) -> Recomputed {
    let mut methods = Vec::new();
    let mut p_checks: Vec<(PTest, Option<f64>)> = Vec::new();
    let mut notes = Vec::new();
    // Why the arm data do not fit the measure, if they do not: then only
    // internal consistency can be checked.
    let mut not_recomputable = None;

    match (rep.measure, data) {
        (Measure::RiskRatio | Measure::OddsRatio, ArmData::Binary(t)) => {
            let eff = if rep.measure == Measure::RiskRatio {
                risk_ratio(t, level).map(|e| ("log-Wald (Katz)", e))
            } else {
                odds_ratio(t, level).map(|e| ("Woolf (logit)", e))
            };
            if let Some((label, e)) = eff {
                if e.corrected {
                    notes.push("0.5 added to all cells (zero cell)".into());
                }
                methods.extend(method_check(label, &e, 1.0, rep, 0.5));
                p_checks.push((PTest::WaldZ, Some(e.p_value)));
            }
            binary_tests(t, &mut p_checks);
        }
        (Measure::RiskDifference, ArmData::Binary(t)) => {
            for m in RdMethod::ALL {
                if let Some(e) = risk_difference(t, m, level) {
                    methods.extend(method_check(m.label(), &e, 100.0, rep, 0.5));
                    if m == RdMethod::Wald {
                        p_checks.push((PTest::WaldZ, Some(e.p_value)));
                    }
                }
            }
            binary_tests(t, &mut p_checks);
        }
        (Measure::MeanDifference, ArmData::Continuous { exp, ctl }) => {
            if let Some(e) = mean_difference(exp, ctl, level) {
                methods.extend(method_check("normal (z)", &e, 1.0, rep, 1.0));
                p_checks.push((PTest::WaldZ, Some(e.p_value)));
            }
            if let Some(e) = mean_difference_t(exp, ctl, level) {
                methods.extend(method_check("Student t (pooled SD)", &e, 1.0, rep, 1.0));
                p_checks.push((PTest::StudentT, Some(e.p_value)));
            }
            p_checks.push((PTest::WelchT, welch_t_test(exp, ctl).map(|r| r.p_value)));
        }
        (Measure::Smd, ArmData::Continuous { exp, ctl }) => {
            if let Some(e) = hedges_g(exp, ctl, level) {
                methods.extend(method_check("Hedges' g", &e, 1.0, rep, 1.0));
                p_checks.push((PTest::WaldZ, Some(e.p_value)));
            }
        }
        (Measure::HazardRatio, _) => {
            not_recomputable = Some(NotRecomputable::HazardRatio);
            if let Some((l, u)) = rep.ci {
                if l > 0.0 && u > 0.0 {
                    let mid = (l * u).sqrt();
                    let e = Effect {
                        estimate: mid,
                        lower: l,
                        upper: u,
                        se: 0.0,
                        p_value: f64::NAN,
                        corrected: false,
                    };
                    methods.extend(method_check(
                        "estimate = geometric midpoint of CI",
                        &e,
                        1.0,
                        rep,
                        1.0,
                    ));
                }
            }
        }
        _ => {
            not_recomputable = Some(NotRecomputable::NoArmData);
        }
    }

    notes.extend(not_recomputable.map(|w| w.note().to_string()));
    Recomputed {
        methods,
        p_checks,
        notes,
        not_recomputable,
    }
}

/// Recompute a printed effect from arm data and compare (see the module
/// docs for the matching rule). Never fails: unusable input gives
/// [`Verdict::NotCheckable`].
pub fn check(data: &ArmData, rep: &ReportedEffect) -> CheckReport {
    let level = if rep.level > 0.0 && rep.level < 1.0 {
        rep.level
    } else {
        0.95
    };
    let Recomputed {
        methods,
        mut p_checks,
        notes,
        not_recomputable,
    } = recompute(data, rep, level);

    // p implied by the printed estimate and CI: always reported, counted for
    // the verdict only when nothing was recomputed from data.
    let data_tests = p_checks.iter().filter(|(_, p)| p.is_some()).count();
    let mut ci_p_range = None;
    if let Some((l, u)) = rep.ci {
        let f = if rep.measure == Measure::RiskDifference {
            0.01
        } else {
            1.0
        };
        let scale = rep.measure.scale();
        p_checks.push((
            PTest::FromPrintedCi,
            p_from_ci(scale, rep.estimate * f, l * f, u * f, level),
        ));
        ci_p_range = implied_p_range(rep, scale, f, level);
    }

    let p_checks = compare_p(p_checks, rep, ci_p_range);

    // Exact CI matches first, then those within ±1 in the last digit.
    let mut ok: Vec<&MethodCheck> = methods
        .iter()
        .filter(|m| m.estimate_matches && m.ci_matches != Some(false))
        .collect();
    ok.sort_by_key(|m| m.ci_exact == Some(false));
    let reproducing_methods: Vec<String> = ok.iter().map(|m| m.method.clone()).collect();
    let reproducing_tests: Vec<PTest> = p_checks
        .iter()
        .filter(|c| c.matches)
        .map(|c| c.test)
        .filter(|t| data_tests == 0 || *t != PTest::FromPrintedCi)
        .collect();

    let verdict = verdict(
        !methods.is_empty(),
        !reproducing_methods.is_empty(),
        rep.p.is_none() || !reproducing_tests.is_empty(),
        rep.p.is_none() || p_checks.is_empty(),
        not_recomputable.is_some(),
    );
    let severity = if verdict.is_mismatch() {
        Severity::Warning
    } else {
        Severity::Info
    };
    CheckReport {
        measure: rep.measure,
        methods,
        reproducing_methods,
        p_checks,
        reproducing_tests,
        verdict,
        severity,
        not_recomputable,
        notes,
    }
}

/// Each recomputed p value compared with the printed one.
fn compare_p(
    p_checks: Vec<(PTest, Option<f64>)>,
    rep: &ReportedEffect,
    ci_p_range: Option<(f64, f64)>,
) -> Vec<PCheck> {
    p_checks
        .into_iter()
        .filter_map(|(test, p)| {
            let p = p?;
            Some(PCheck {
                test,
                p_value: p,
                matches: rep
                    .p
                    .map(|r| match (test, ci_p_range) {
                        // The printed estimate and CI are rounded: any p
                        // they allow agrees with them.
                        (PTest::FromPrintedCi, Some((lo, hi))) => r.overlaps(lo, hi),
                        (PTest::FromPrintedCi, None) => r.matches_with(p, 1.5),
                        _ => r.matches_with(p, 0.5),
                    })
                    .unwrap_or(false),
            })
        })
        .collect()
}

/// The verdict from what was recomputed: whether any method recomputed
/// the effect (`recomputed`) and any reproduced it (`effect_ok`), whether
/// the printed p agrees or was not printed (`p_ok`), whether no p can be
/// compared (`no_p`), and whether the printed effect could not be
/// recomputed from the data at all (`not_recomputable`: then only
/// consistency can be judged).
fn verdict(
    recomputed: bool,
    effect_ok: bool,
    p_ok: bool,
    no_p: bool,
    not_recomputable: bool,
) -> Verdict {
    if !recomputed && no_p {
        Verdict::NotCheckable
    } else if not_recomputable {
        if (!recomputed || effect_ok) && p_ok {
            Verdict::Consistent
        } else {
            Verdict::Inconsistent
        }
    } else if !recomputed {
        if p_ok {
            Verdict::Reproduced
        } else {
            Verdict::NotReproduced
        }
    } else {
        match (effect_ok, p_ok) {
            (true, true) => Verdict::Reproduced,
            (false, false) => Verdict::NotReproduced,
            _ => Verdict::PartlyReproduced,
        }
    }
}

fn binary_tests(t: &TwoByTwo, out: &mut Vec<(PTest, Option<f64>)>) {
    out.push((PTest::ChiSquare, chi_square(t, false).map(|r| r.p_value)));
    out.push((
        PTest::ChiSquareYates,
        chi_square(t, true).map(|r| r.p_value),
    ));
    out.push((PTest::Fisher, fisher_exact(t).map(|r| r.p_value)));
}
