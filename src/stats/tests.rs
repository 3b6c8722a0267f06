//! Tests of the statistics engine: agreement with independent reference
//! numbers (scipy/statsmodels, `tests/reference/*.json`), published metafor
//! output for the BCG trials, the LeoPARDS and LEVOECMO "does it add up"
//! checks, edge cases, and property tests.

use proptest::prelude::*;
use serde_json::Value;

use super::bayes::{reanalyse, Prior, SCEPTICAL_SD};
use super::binary::*;
use super::check::*;
use super::continuous::*;
use super::fisher::exact_fraction;
use super::meta::*;
use super::reported::*;

const BINARY_JSON: &str = include_str!("../../tests/reference/binary.json");
const CONTINUOUS_JSON: &str = include_str!("../../tests/reference/continuous.json");
const META_JSON: &str = include_str!("../../tests/reference/meta.json");
const BCG_JSON: &str = include_str!("../../tests/reference/bcg.json");
const FISHER_EXACT_JSON: &str = include_str!("../../tests/reference/fisher_exact.json");

fn close(got: f64, want: f64, tol: f64, what: &str) {
    let ok = (got - want).abs() <= tol * want.abs().max(1.0);
    assert!(ok, "{what}: got {got}, want {want} (tol {tol})");
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

fn arr(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

fn table(row: &Value) -> TwoByTwo {
    let u = |k: &str| row[k].as_u64().expect("count");
    TwoByTwo::new(u("a"), u("n1"), u("c"), u("n2")).expect("valid table")
}

// ---------------------------------------------------------------- binary --

#[test]
fn binary_matches_scipy_statsmodels() {
    let rows: Vec<Value> = serde_json::from_str(BINARY_JSON).unwrap();
    assert!(rows.len() >= 30);
    for row in &rows {
        let label = row["label"].as_str().unwrap();
        let t = table(row);
        let huge = t.exp_total > 10_000_000;

        let (we, wc) = arm_risks(&t, 0.95).unwrap();
        for (w, key) in [(we, "wilson_exp"), (wc, "wilson_ctl")] {
            let r = arr(&row[key]);
            close(w.estimate, r[0], 1e-9, &format!("{label} {key} p"));
            close(w.lower, r[1], 1e-9, &format!("{label} {key} lower"));
            close(w.upper, r[2], 1e-9, &format!("{label} {key} upper"));
        }

        match (risk_ratio(&t, 0.95), row["rr"].as_array()) {
            (Some(e), Some(_)) => {
                let r = arr(&row["rr"]);
                close(e.estimate, r[0], 1e-6, &format!("{label} RR"));
                close(e.lower, r[1], 1e-6, &format!("{label} RR lower"));
                close(e.upper, r[2], 1e-6, &format!("{label} RR upper"));
                close(e.se, r[3], 1e-6, &format!("{label} RR se"));
                close(e.p_value, f(&row["rr_p"]), 1e-6, &format!("{label} RR p"));
            }
            (None, None) => {}
            (a, b) => panic!("{label}: RR presence differs: {a:?} vs {b:?}"),
        }
        match (odds_ratio(&t, 0.95), row["or"].as_array()) {
            (Some(e), Some(_)) => {
                let r = arr(&row["or"]);
                close(e.estimate, r[0], 1e-6, &format!("{label} OR"));
                close(e.lower, r[1], 1e-6, &format!("{label} OR lower"));
                close(e.upper, r[2], 1e-6, &format!("{label} OR upper"));
                close(e.se, r[3], 1e-6, &format!("{label} OR se"));
                close(e.p_value, f(&row["or_p"]), 1e-6, &format!("{label} OR p"));
            }
            (None, None) => {}
            (a, b) => panic!("{label}: OR presence differs: {a:?} vs {b:?}"),
        }
        for (m, key) in [
            (RdMethod::Wald, "rd_wald"),
            (RdMethod::WaldCc, "rd_wald_cc"),
            (RdMethod::Newcombe, "rd_newcombe"),
        ] {
            let e = risk_difference(&t, m, 0.95).unwrap();
            let r = arr(&row[key]);
            // Absolute tolerance: RDs are proportions (1e-9 for huge tables).
            let tol = if huge { 1e-12 } else { 1e-9 };
            assert!((e.estimate - r[0]).abs() < tol, "{label} {key} est");
            assert!(
                (e.lower - r[1]).abs() < 1e-9,
                "{label} {key} lower {} {}",
                e.lower,
                r[1]
            );
            assert!(
                (e.upper - r[2]).abs() < 1e-9,
                "{label} {key} upper {} {}",
                e.upper,
                r[2]
            );
        }
        for (yates, key) in [(false, "chi2"), (true, "chi2_yates")] {
            match (chi_square(&t, yates), row[key].as_array()) {
                (Some(c), Some(_)) => {
                    let r = arr(&row[key]);
                    close(c.statistic, r[0], 1e-6, &format!("{label} {key} stat"));
                    close(c.p_value, r[1], 1e-6, &format!("{label} {key} p"));
                }
                (None, None) => {}
                (a, b) => panic!("{label}: {key} presence differs: {a:?} vs {b:?}"),
            }
        }
        // Fisher: same definition, different summation; with counts of 1e9
        // the log-gamma values are ~2e10, so their 1e-16 relative precision
        // leaves ~1e-6 relative error in p: use a relative 1e-4 there.
        let fp = fisher_exact(&t).unwrap().p_value;
        let want = f(&row["fisher_p"]);
        let tol = if huge { 1e-4 } else { 1e-7 };
        assert!(
            (fp - want).abs() <= tol * want.max(1e-300) || (fp - want).abs() < 1e-12,
            "{label} Fisher p: got {fp}, want {want}"
        );
        if !huge {
            let fi = row["fragility"].as_u64();
            assert_eq!(fragility_index(&t), fi, "{label} fragility");
            let rfi = row["reverse_fragility"].as_u64();
            assert_eq!(
                reverse_fragility_index(&t),
                rfi,
                "{label} reverse fragility"
            );
        }
    }
}

#[test]
fn zero_cells_and_degenerate_tables() {
    // Any zero cell: 0.5 added to all cells.
    let t = TwoByTwo::new(0, 20, 5, 20).unwrap();
    let rr = risk_ratio(&t, 0.95).unwrap();
    assert!(rr.corrected);
    close(
        rr.estimate,
        (0.5 / 21.0) / (5.5 / 21.0),
        1e-12,
        "corrected RR",
    );
    // Both arms without events: RR/OR undefined, RD = 0.
    let z = TwoByTwo::new(0, 10, 0, 12).unwrap();
    assert!(risk_ratio(&z, 0.95).is_none());
    assert!(odds_ratio(&z, 0.95).is_none());
    let rd = risk_difference(&z, RdMethod::Wald, 0.95).unwrap();
    assert_eq!((rd.estimate, rd.p_value), (0.0, 1.0));
    assert!(chi_square(&z, false).is_none());
    assert_eq!(fisher_exact(&z).unwrap().p_value, 1.0);
    // Both arms full: RR = 1 (corrected), OR undefined.
    let full = TwoByTwo::new(10, 10, 12, 12).unwrap();
    assert!(risk_ratio(&full, 0.95).is_some());
    assert!(odds_ratio(&full, 0.95).is_none());
    // Invalid tables.
    assert!(TwoByTwo::new(5, 4, 1, 2).is_none());
    assert!(TwoByTwo::new(0, 0, 1, 2).is_none());
    let bad = TwoByTwo {
        exp_events: 5,
        exp_total: 4,
        ctl_events: 0,
        ctl_total: 0,
    };
    assert!(risk_ratio(&bad, 0.95).is_none());
    assert!(fisher_exact(&bad).is_none());
    assert!(fragility_index(&bad).is_none());
    assert!(wilson(1, 0, 0.95).is_none());
    assert!(risk_ratio(&t, 1.5).is_none());
}

#[test]
fn huge_counts_are_finite() {
    let t = TwoByTwo::new(1_000_000_000, 1_000_000_000, 999_999_999, 1_000_000_000).unwrap();
    for e in [
        risk_ratio(&t, 0.95).unwrap(),
        risk_difference(&t, RdMethod::Newcombe, 0.95).unwrap(),
    ] {
        assert!(e.estimate.is_finite() && e.lower.is_finite() && e.upper.is_finite());
    }
    let p = fisher_exact(&t).unwrap().p_value;
    assert!((0.0..=1.0).contains(&p));
    let big = TwoByTwo::new(300_000_000, 1_000_000_000, 301_000_000, 1_000_000_000).unwrap();
    let fi = fragility_index(&big).unwrap();
    assert!(fi > 1000, "fragility of a huge trial {fi}");
    let mut u = big;
    u.exp_events += fi;
    assert!(fisher_exact(&u).unwrap().p_value >= 0.05);
    u.exp_events -= 1;
    assert!(fisher_exact(&u).unwrap().p_value < 0.05);
}

#[test]
fn nnt_wording() {
    // LeoPARDS death at 28 days, Wald RD 3.6 (−4.5 to 11.7).
    let t = TwoByTwo::new(89, 258, 79, 256).unwrap();
    let rd = risk_difference(&t, RdMethod::Wald, 0.95).unwrap();
    let n = nnt(&rd, true).unwrap();
    assert!(n.crosses_infinity);
    assert_eq!(n.estimate.direction, NntDirection::Harm);
    // The wording is crate::present::nnt_text (tested there).
    assert_eq!(n.estimate.rounded, Some(28));
    // A clear benefit: 10% vs 20% in 1000 per arm.
    let t = TwoByTwo::new(100, 1000, 200, 1000).unwrap();
    let rd = risk_difference(&t, RdMethod::Wald, 0.95).unwrap();
    let n = nnt(&rd, true).unwrap();
    assert!(!n.crosses_infinity);
    assert_eq!(n.estimate.rounded, Some(10));
    // Desirable outcome (weaning): higher risk in the experimental arm is a benefit.
    let n = nnt(&rd, false).unwrap();
    assert_eq!(n.estimate.direction, NntDirection::Harm);
    // Zero difference.
    let z = TwoByTwo::new(5, 10, 5, 10).unwrap();
    let rd = risk_difference(&z, RdMethod::Wald, 0.95).unwrap();
    assert_eq!(nnt(&rd, true).unwrap().estimate.rounded, None);
}

// ------------------------------------------------------------ continuous --

#[test]
fn continuous_matches_scipy_statsmodels() {
    let rows: Vec<Value> = serde_json::from_str(CONTINUOUS_JSON).unwrap();
    for row in &rows {
        let label = row["label"].as_str().unwrap();
        let exp = ArmSummary {
            mean: f(&row["m1"]),
            sd: f(&row["sd1"]),
            n: row["n1"].as_u64().unwrap(),
        };
        let ctl = ArmSummary {
            mean: f(&row["m2"]),
            sd: f(&row["sd2"]),
            n: row["n2"].as_u64().unwrap(),
        };
        let md = mean_difference(&exp, &ctl, 0.95).unwrap();
        let r = arr(&row["md_z"]);
        close(md.estimate, r[0], 1e-9, &format!("{label} MD"));
        close(md.lower, r[1], 1e-9, &format!("{label} MD lower"));
        close(md.upper, r[2], 1e-9, &format!("{label} MD upper"));
        if r[0] != 0.0 {
            close(md.p_value, r[3], 1e-6, &format!("{label} MD p"));
        }
        if row["md_t"].is_array() {
            let t = mean_difference_t(&exp, &ctl, 0.95).unwrap();
            let r = arr(&row["md_t"]);
            close(t.lower, r[1], 1e-6, &format!("{label} t lower"));
            close(t.upper, r[2], 1e-6, &format!("{label} t upper"));
            close(t.p_value, r[3], 1e-6, &format!("{label} t p"));
        }
        let w = welch_t_test(&exp, &ctl).unwrap();
        close(
            w.p_value,
            f(&row["welch_p"]),
            1e-6,
            &format!("{label} Welch p"),
        );
        let g = hedges_g(&exp, &ctl, 0.95).unwrap();
        let r = arr(&row["hedges_g"]);
        close(g.estimate, r[0], 1e-9, &format!("{label} g"));
        close(g.lower, r[1], 1e-9, &format!("{label} g lower"));
        close(g.upper, r[2], 1e-9, &format!("{label} g upper"));
        close(g.se * g.se, r[3], 1e-9, &format!("{label} g var"));
    }
}

#[test]
fn continuous_degenerate() {
    let a = ArmSummary {
        mean: 1.0,
        sd: 0.0,
        n: 10,
    };
    assert!(mean_difference(&a, &a, 0.95).is_none());
    assert!(hedges_g(&a, &a, 0.95).is_none());
    assert!(welch_t_test(&a, &a).is_none());
    let one = ArmSummary {
        mean: 1.0,
        sd: 1.0,
        n: 1,
    };
    assert!(mean_difference(&one, &one, 0.95).is_some());
    assert!(hedges_g(&one, &one, 0.95).is_none());
    assert!(welch_t_test(&one, &one).is_none());
    let zero = ArmSummary {
        mean: 1.0,
        sd: 1.0,
        n: 0,
    };
    assert!(mean_difference(&zero, &one, 0.95).is_none());
    let nan = ArmSummary {
        mean: f64::NAN,
        sd: 1.0,
        n: 5,
    };
    assert!(mean_difference(&nan, &one, 0.95).is_none());
}

// -------------------------------------------------------------- reported --

#[test]
fn reported_ratio_round_trips() {
    // LeoPARDS adjusted HR 1.24 (0.91 to 1.67), P = 0.17.
    let p = p_from_ci(Scale::Ratio, 1.24, 0.91, 1.67, 0.95).unwrap();
    assert!((p - 0.17).abs() < 0.01, "p {p}");
    let se = se_from_ci(Scale::Ratio, 0.91, 1.67, 0.95).unwrap();
    close(
        se,
        (1.67f64.ln() - 0.91f64.ln()) / (2.0 * 1.959963984540054),
        1e-12,
        "se",
    );
    // CI from p and back.
    let (lo, hi) = ci_from_p(Scale::Ratio, 1.24, p, 0.95).unwrap();
    let p2 = p_from_ci(Scale::Ratio, 1.24, lo, hi, 0.95).unwrap();
    close(p2, p, 1e-9, "round trip p");
    let (lo, hi) = ci_from_p(Scale::Difference, 3.6, 0.43, 0.95).unwrap();
    close(hi - 3.6, 3.6 - lo, 1e-12, "symmetric difference CI");
    // Altman & Bland 2011 example: difference −0.8 (−1.5 to −0.1) → P ≈ 0.02.
    let p = p_from_ci(Scale::Difference, -0.8, -1.5, -0.1, 0.95).unwrap();
    assert!((p - 0.025).abs() < 0.01, "{p}");
    assert!(se_from_ci(Scale::Ratio, -1.0, 2.0, 0.95).is_none());
    assert!(se_from_ci(Scale::Ratio, 2.0, 1.0, 0.95).is_none());
    assert!(ci_from_p(Scale::Ratio, 1.0, 0.5, 0.95).is_none());
    assert!(ci_from_p(Scale::Ratio, 1.2, 0.0, 0.95).is_none());
}

// ----------------------------------------------------------------- check --

fn bin(a: u64, n1: u64, c: u64, n2: u64) -> ArmData {
    ArmData::Binary(TwoByTwo::new(a, n1, c, n2).unwrap())
}

fn rep(m: Measure, e: &str, lo: &str, hi: &str, p: Option<&str>) -> ReportedEffect {
    ReportedEffect {
        measure: m,
        estimate: e.parse().unwrap(),
        ci: Some((lo.parse().unwrap(), hi.parse().unwrap())),
        p: p.map(|s| ReportedP::parse(s).unwrap()),
        decimals: decimals_of(e),
        ci_decimals: (decimals_of(lo), decimals_of(hi)),
        level: 0.95,
    }
}

fn reproduced(d: &ArmData, r: &ReportedEffect) -> (Verdict, Vec<String>, Vec<PTest>) {
    let c = check(d, r);
    (c.verdict, c.reproducing_methods, c.reproducing_tests)
}

#[test]
fn leopards_binary_rows() {
    use Measure::RiskDifference as Rd;
    // The paper: "P values ... for binary outcomes with the use of a
    // chi-square test". Recomputation shows it is Pearson's chi-square with
    // Yates' correction (R's default) for every binary row.
    let rows: [(&str, ArmData, ReportedEffect, &[&str]); 13] = [
        (
            "death 28 d",
            bin(89, 258, 79, 256),
            rep(Rd, "3.6", "-4.5", "11.7", Some("0.43")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "death ICU",
            bin(83, 258, 76, 257),
            rep(Rd, "2.6", "-5.4", "10.6", Some("0.59")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "death hospital",
            bin(97, 258, 84, 256),
            rep(Rd, "4.8", "-3.5", "13.0", Some("0.30")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "major AKI",
            bin(148, 258, 139, 256),
            rep(Rd, "3.1", "-5.5", "11.6", Some("0.54")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "new RRT",
            bin(62, 257, 62, 257),
            rep(Rd, "0.0", "-7.4", "7.4", Some(">0.99")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "sustained renal failure",
            bin(118, 258, 108, 257),
            rep(Rd, "3.7", "-4.9", "12.3", Some("0.45")),
            &["Wald", "Newcombe hybrid score"],
        ),
        (
            "any SAE",
            bin(32, 258, 23, 257),
            rep(Rd, "3.5", "-2.3", "9.2", Some("0.26")),
            &["Wald with continuity correction"],
        ),
        (
            "life-threatening arrhythmia",
            bin(15, 258, 6, 257),
            rep(Rd, "3.5", "-0.3", "7.3", Some("0.08")),
            &["Wald with continuity correction"],
        ),
        (
            "SVT",
            bin(8, 258, 1, 257),
            rep(Rd, "2.7", "0.1", "5.3", Some("0.04")),
            &["Wald with continuity correction"],
        ),
        (
            "bradycardia",
            bin(0, 258, 2, 257),
            rep(Rd, "-0.8", "-2.2", "0.7", Some("0.48")),
            &["Wald with continuity correction"],
        ),
        (
            "VF/VT",
            bin(7, 258, 3, 257),
            rep(Rd, "1.5", "-1.2", "4.3", Some("0.34")),
            &["Wald with continuity correction", "Newcombe hybrid score"],
        ),
        (
            "MI/ACS",
            bin(3, 258, 1, 257),
            rep(Rd, "0.8", "-1.1", "2.7", Some("0.62")),
            &["Wald with continuity correction"],
        ),
        (
            "other SAE",
            bin(18, 258, 17, 257),
            rep(Rd, "0.4", "-4.3", "5.1", Some(">0.99")),
            &["Wald with continuity correction"],
        ),
    ];
    for (name, d, r, methods) in rows {
        let c = check(&d, &r);
        assert_eq!(c.verdict, Verdict::Reproduced, "{name}: {c:?}");
        assert_eq!(c.severity, Severity::Info);
        assert_eq!(c.reproducing_methods, methods, "{name}");
        assert!(
            c.reproducing_tests.contains(&PTest::ChiSquareYates),
            "{name}: {c:?}"
        );
        assert!(
            !c.reproducing_tests.contains(&PTest::ChiSquare) || name == "new RRT",
            "{name}"
        );
    }
    // Death at 28 days: the exact Wald CI reproduces to the last digit.
    let c = check(
        &bin(89, 258, 79, 256),
        &rep(Rd, "3.6", "-4.5", "11.7", Some("0.43")),
    );
    let wald = c.methods.iter().find(|m| m.method == "Wald").unwrap();
    assert_eq!(wald.ci_exact, Some(true));
    // Printed percentages.
    assert_eq!(percentage_matches(89, 258, 34.5, 1), Some(true));
    assert_eq!(percentage_matches(79, 256, 30.9, 1), Some(true));
    assert_eq!(percentage_matches(79, 256, 31.9, 1), Some(false));
    assert_eq!(percentage_matches(1, 0, 1.0, 1), None);
}

#[test]
fn leopards_continuous_rows_warn_not_crash() {
    // SOFA rows: CIs were bootstrapped and p values from Mann-Whitney tests,
    // so the normal-theory p values do not reproduce: a warning, not a crash.
    let sofa = [
        (6.68, 3.96, 6.06, 3.89, "0.61", "-0.07", "1.29", "0.053"),
        (1.70, 1.18, 1.56, 1.15, "0.14", "-0.06", "0.34", "0.23"),
        (0.75, 1.05, 0.75, 1.02, "0.00", "-0.18", "0.17", "0.55"),
        (0.51, 0.84, 0.45, 0.77, "0.06", "-0.08", "0.19", "0.65"),
        (2.27, 1.20, 2.02, 1.20, "0.25", "0.04", "0.46", "0.01"),
        (1.46, 1.49, 1.28, 1.38, "0.18", "-0.07", "0.42", "0.32"),
        (4.41, 3.13, 4.05, 3.07, "0.36", "-0.17", "0.90", "0.12"),
    ];
    for (m1, s1, m2, s2, e, lo, hi, p) in sofa {
        let d = ArmData::Continuous {
            exp: ArmSummary {
                mean: m1,
                sd: s1,
                n: 258,
            },
            ctl: ArmSummary {
                mean: m2,
                sd: s2,
                n: 257,
            },
        };
        let c = check(&d, &rep(Measure::MeanDifference, e, lo, hi, Some(p)));
        assert_eq!(c.verdict, Verdict::PartlyReproduced, "{e}: {c:?}");
        assert_eq!(c.severity, Severity::Warning);
        assert!(c.reproducing_tests.is_empty(), "{e}");
        // Within ±1 in the last digit only (means were printed rounded).
        assert!(c.methods.iter().all(|m| m.ci_exact == Some(false)) || e != "0.61");
    }
    // Total SOFA: 6.68 − 6.06 = 0.62 vs printed 0.61 (unrounded means).
    let d = ArmData::Continuous {
        exp: ArmSummary {
            mean: 6.68,
            sd: 3.96,
            n: 258,
        },
        ctl: ArmSummary {
            mean: 6.06,
            sd: 3.89,
            n: 257,
        },
    };
    let c = check(
        &d,
        &rep(
            Measure::MeanDifference,
            "0.61",
            "-0.07",
            "1.29",
            Some("0.053"),
        ),
    );
    let z = c.p_checks.iter().find(|p| p.test == PTest::WaldZ).unwrap();
    assert!((z.p_value - 0.073).abs() < 0.001);
    // SMD and HR paths do not crash either.
    let c = check(&d, &rep(Measure::Smd, "0.16", "-0.02", "0.33", None));
    assert_ne!(c.verdict, Verdict::NotCheckable);
    let c = check(
        &ArmData::None,
        &rep(Measure::HazardRatio, "1.24", "0.91", "1.67", Some("0.17")),
    );
    // A hazard ratio is never "reproduced": only its internal consistency
    // (estimate, CI and p agree) can be checked.
    assert_eq!(c.verdict, Verdict::Consistent, "{c:?}");
    assert_eq!(c.reproducing_tests, vec![PTest::FromPrintedCi]);
    let c = check(
        &ArmData::None,
        &rep(Measure::HazardRatio, "1.24", "0.91", "1.67", Some("0.01")),
    );
    assert_eq!(c.verdict, Verdict::Inconsistent, "{c:?}");
    assert!(c.verdict.is_mismatch());
    let c = check(
        &ArmData::None,
        &rep(Measure::HazardRatio, "1.50", "0.91", "1.67", Some("0.17")),
    );
    assert_eq!(
        c.verdict,
        Verdict::Inconsistent,
        "estimate off the CI's midpoint: {c:?}"
    );
    // Even with event counts beside it, a hazard ratio is not recomputed.
    let c = check(
        &bin(89, 258, 79, 256),
        &rep(Measure::HazardRatio, "1.24", "0.91", "1.67", Some("0.17")),
    );
    assert_eq!(c.verdict, Verdict::Consistent, "{c:?}");
    // An interval printed in whole numbers allows a wide range of p: the
    // LEVOECMO ICU stay, MD −1 (−5 to 3), p = 0.42, agrees with itself
    // (p from the printed numbers is 0.62, from −1.5 (−4.5 to 2.5) 0.40).
    let c = check(
        &ArmData::None,
        &rep(Measure::MeanDifference, "-1", "-5", "3", Some("0.42")),
    );
    assert_eq!(c.verdict, Verdict::Consistent, "{c:?}");
    let c = check(
        &ArmData::None,
        &rep(Measure::MeanDifference, "-1", "-5", "3", Some("0.04")),
    );
    assert_eq!(c.verdict, Verdict::Inconsistent, "{c:?}");
    // A printed RR without arm data: its CI and p agree, nothing recomputed.
    let c = check(
        &ArmData::None,
        &rep(Measure::RiskRatio, "1.12", "0.87", "1.43", Some("0.38")),
    );
    assert_eq!(c.verdict, Verdict::Consistent, "{c:?}");
    let c = check(
        &ArmData::None,
        &rep(Measure::RiskRatio, "1.2", "0.9", "1.6", None),
    );
    assert_eq!(c.verdict, Verdict::NotCheckable);
}

#[test]
fn levoecmo_rows() {
    use Measure::{RiskDifference as Rd, RiskRatio as Rr};
    let katz = vec!["log-Wald (Katz)".to_string()];
    // Reproduced by the log-Wald (Katz) CI.
    for (d, r) in [
        (bin(26, 101, 23, 104), rep(Rr, "1.16", "0.71", "1.90", None)),
        (
            bin(28, 101, 26, 104),
            rep(Rr, "1.11", "0.70", "1.75", Some("0.78")),
        ),
        (bin(29, 101, 38, 104), rep(Rr, "0.79", "0.53", "1.17", None)),
        (bin(18, 101, 9, 104), rep(Rr, "2.06", "0.97", "4.37", None)),
    ] {
        let (v, m, _) = reproduced(&d, &r);
        assert_eq!((v, m), (Verdict::Reproduced, katz.clone()), "{r:?}");
    }
    // Day-60 mortality P = 0.78 is the Yates chi-square.
    let (_, _, tests) = reproduced(
        &bin(28, 101, 26, 104),
        &rep(Rr, "1.11", "0.70", "1.75", Some("0.78")),
    );
    assert_eq!(tests, vec![PTest::ChiSquareYates]);
    // Risk differences reproduced by the Wald CI.
    for (d, r) in [
        (bin(12, 101, 4, 104), rep(Rd, "8.0", "0.6", "15.4", None)),
        (bin(69, 101, 71, 104), rep(Rd, "0.0", "-12.8", "12.7", None)),
    ] {
        let (v, m, _) = reproduced(&d, &r);
        assert_eq!(
            (v, m),
            (Verdict::Reproduced, vec!["Wald".to_string()]),
            "{r:?}"
        );
    }
    // Not reproduced by any unadjusted method: estimate right, CI not
    // (presumably from an adjusted or other model): flagged as warnings.
    for (d, r) in [
        (bin(26, 101, 23, 104), rep(Rd, "3.6", "-8.9", "15.8", None)),
        (
            bin(28, 101, 26, 104),
            rep(Rd, "2.7", "-9.0", "15.3", Some("0.78")),
        ),
        (bin(0, 101, 5, 104), rep(Rd, "-4.8", "-9.6", "-1.0", None)),
        (bin(29, 101, 38, 104), rep(Rd, "-7.8", "-21.4", "4.7", None)),
        (bin(36, 101, 39, 104), rep(Rr, "0.95", "0.65", "1.40", None)),
        (bin(18, 101, 9, 104), rep(Rd, "9.2", "-0.4", "18.0", None)),
        (bin(12, 101, 4, 104), rep(Rr, "3.09", "1.07", "8.93", None)),
    ] {
        let c = check(&d, &r);
        assert!(c.reproducing_methods.is_empty(), "{r:?}: {c:?}");
        assert!(c.methods.iter().all(|m| m.estimate_matches), "{r:?}");
        assert_eq!(c.verdict, Verdict::PartlyReproduced, "{r:?}");
        assert_eq!(c.severity, Severity::Warning);
    }
    // Printed percentages of the transplant row.
    assert_eq!(percentage_matches(0, 101, 0.0, 1), Some(true));
    assert_eq!(percentage_matches(5, 104, 4.8, 1), Some(true));
}

#[test]
fn reported_p_parsing() {
    assert_eq!(
        ReportedP::parse("P = 0.43"),
        Some(ReportedP::Exact {
            value: 0.43,
            decimals: 2
        })
    );
    assert_eq!(ReportedP::parse("<0.001"), Some(ReportedP::LessThan(0.001)));
    assert_eq!(
        ReportedP::parse("P<0.001"),
        Some(ReportedP::LessThan(0.001))
    );
    assert_eq!(
        ReportedP::parse(">0.99"),
        Some(ReportedP::GreaterThan(0.99))
    );
    assert_eq!(
        ReportedP::parse("p=.053").map(|p| p.matches(0.0534)),
        Some(true)
    );
    assert_eq!(ReportedP::parse("nonsense"), None);
    assert_eq!(ReportedP::parse("1.5"), None);
    assert!(ReportedP::parse("0.43").unwrap().matches(0.4325));
    assert!(!ReportedP::parse("0.43").unwrap().matches(0.4375));
    assert_eq!(decimals_of("11.7"), 1);
    assert_eq!(decimals_of("-4"), 0);
}

// ------------------------------------------------------------------ meta --

fn bcg_tables() -> Vec<TwoByTwo> {
    let v: Value = serde_json::from_str(BCG_JSON).unwrap();
    v["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let n = |i: usize| t[i].as_u64().unwrap();
            TwoByTwo::new(n(2), n(2) + n(3), n(4), n(4) + n(5)).unwrap()
        })
        .collect()
}

fn bcg_published() -> Value {
    let v: Value = serde_json::from_str(BCG_JSON).unwrap();
    v["published"].clone()
}

/// Equal at the published rounding (4 decimals unless stated).
fn at(got: f64, want: &Value, decimals: i32, what: &str) {
    let want = f(want);
    let half = 0.5 * 10f64.powi(-decimals) + 1e-12;
    assert!(
        (got - want).abs() <= half,
        "{what}: got {got}, published {want}"
    );
}

fn bcg_studies() -> Vec<Study> {
    bcg_tables()
        .iter()
        .map(|t| binary_study(t, BinaryMeasure::RiskRatio).unwrap())
        .collect()
}

#[test]
fn bcg_reml_matches_metafor() {
    let p = bcg_published();
    let r = pool(
        &bcg_studies(),
        Scale::Ratio,
        &MetaSettings::parse("metafor").unwrap(),
    )
    .unwrap();
    let re = r.random.unwrap();
    let h = r.heterogeneity;
    let pr = &p["reml"];
    at(re.analysis_estimate, &pr["estimate"], 4, "REML estimate");
    at(re.se, &pr["se"], 4, "REML se");
    at(re.statistic, &pr["z"], 4, "REML z");
    at(re.lower.ln(), &pr["ci_lb"], 4, "REML ci.lb");
    at(re.upper.ln(), &pr["ci_ub"], 4, "REML ci.ub");
    at(h.tau2, &pr["tau2"], 4, "REML tau2");
    at(h.tau, &pr["tau"], 4, "REML tau");
    at(h.i2.unwrap(), &pr["i2"], 2, "REML I2");
    at(h.h2.unwrap(), &pr["h2"], 2, "REML H2");
    at(h.q, &pr["q"], 4, "Q");
    assert_eq!(h.df, 12);
    assert!(h.tau2_converged);
    assert!(h.p_q.unwrap() < 1e-4);
}

#[test]
fn bcg_dl_common_pm_match_metafor() {
    let p = bcg_published();
    let studies = bcg_studies();
    let r = pool(&studies, Scale::Ratio, &MetaSettings::parse("DL").unwrap()).unwrap();
    let re = r.random.unwrap();
    let pd = &p["dl"];
    at(re.analysis_estimate, &pd["estimate"], 4, "DL estimate");
    at(re.lower.ln(), &pd["ci_lb"], 4, "DL ci.lb");
    at(re.upper.ln(), &pd["ci_ub"], 4, "DL ci.ub");
    at(re.statistic, &pd["z"], 4, "DL z");
    at(r.heterogeneity.tau2, &pd["tau2"], 4, "DL tau2");
    at(r.heterogeneity.i2.unwrap(), &pd["i2"], 4, "DL I2");
    at(r.heterogeneity.i2_q.unwrap(), &pd["i2"], 4, "DL I2 (Q)");
    at(re.estimate, &pd["exp_estimate"], 4, "DL RR");
    at(re.lower, &pd["exp_ci_lb"], 4, "DL RR lower");
    at(re.upper, &pd["exp_ci_ub"], 4, "DL RR upper");
    let c = r.common;
    let pc = &p["common_iv"];
    at(c.analysis_estimate, &pc["estimate"], 4, "IV estimate");
    at(c.lower.ln(), &pc["ci_lb"], 4, "IV ci.lb");
    at(c.upper.ln(), &pc["ci_ub"], 4, "IV ci.ub");
    at(c.statistic, &pc["z"], 4, "IV z");
    at(c.estimate, &pc["exp_estimate"], 4, "IV RR");
    let r = pool(&studies, Scale::Ratio, &MetaSettings::parse("PM").unwrap()).unwrap();
    at(r.heterogeneity.tau2, &p["pm"]["tau2"], 4, "PM tau2");
}

#[test]
fn bcg_mantel_haenszel_matches_metafor_and_metan() {
    let p = bcg_published();
    let tables = bcg_tables();
    let s = MetaSettings::parse("common").unwrap();
    for (m, key) in [
        (BinaryMeasure::RiskRatio, "mh_rr"),
        (BinaryMeasure::OddsRatio, "mh_or"),
        (BinaryMeasure::RiskDifference, "mh_rd"),
    ] {
        let r = pool_binary(&tables, m, &s).unwrap();
        assert_eq!(r.common_method, CommonMethod::MantelHaenszel);
        let c = r.common;
        let pm = &p[key];
        at(c.analysis_estimate, &pm["estimate"], 4, key);
        let (lo, hi) = if m == BinaryMeasure::RiskDifference {
            (c.lower, c.upper)
        } else {
            (c.lower.ln(), c.upper.ln())
        };
        // metafor's RD CI uses the Sato (1989) variance; ours (as RevMan and
        // metan) the Greenland-Robins (1985) one, checked through metan's z.
        if m != BinaryMeasure::RiskDifference {
            at(lo, &pm["ci_lb"], 4, key);
            at(hi, &pm["ci_ub"], 4, key);
        }
        at(r.heterogeneity.q, &pm["q"], 4, key);
        if m == BinaryMeasure::RiskDifference {
            at(c.statistic, &pm["z_stata_metan"], 2, "MH RD z (metan)");
        } else {
            at(c.statistic, &pm["z"], 4, key);
        }
        assert!(r.random.is_none());
        close(
            r.weights_percent.iter().sum::<f64>(),
            100.0,
            1e-9,
            "weights",
        );
    }
}

#[test]
fn bcg_mh_or_matches_statsmodels() {
    let v: Value = serde_json::from_str(META_JSON).unwrap();
    let m = &v["bcg_mh_or"];
    let r = pool_binary(
        &bcg_tables(),
        BinaryMeasure::OddsRatio,
        &MetaSettings::parse("revman5").unwrap(),
    )
    .unwrap();
    close(
        r.common.analysis_estimate,
        f(&m["log_or"]),
        1e-9,
        "MH log OR",
    );
    close(r.common.se, f(&m["se"]), 1e-9, "MH RBG se");
    let rr = pool_binary(
        &bcg_tables(),
        BinaryMeasure::RiskRatio,
        &MetaSettings::parse("revman5").unwrap(),
    )
    .unwrap();
    close(rr.common.estimate, f(&m["rr_mh"]), 1e-9, "MH RR");
}

#[test]
fn meta_matches_statsmodels() {
    let v: Value = serde_json::from_str(META_JSON).unwrap();
    for key in [
        "bcg_log_rr",
        "trials_log_rr",
        "generic_md",
        "pair_log_rr",
        "near_identical",
    ] {
        let b = &v[key];
        let studies: Vec<Study> = arr(&b["yi"])
            .into_iter()
            .zip(arr(&b["vi"]))
            .map(|(yi, vi)| Study { yi, vi })
            .collect();
        for (name, est) in [("dl", "DL"), ("pm", "PM")] {
            let want = &b[name];
            if want.is_null() {
                continue; // REML-only data sets
            }
            if f(&want["tau2"]) < 0.0 {
                continue; // statsmodels does not truncate DL at 0
            }
            let mut s = MetaSettings::parse(est).unwrap();
            let r = pool(&studies, Scale::Difference, &s).unwrap();
            let tol = 1e-6;
            close(
                r.heterogeneity.tau2,
                f(&want["tau2"]),
                tol,
                &format!("{key} {name} tau2"),
            );
            close(
                r.heterogeneity.q,
                f(&want["q"]),
                1e-9,
                &format!("{key} {name} Q"),
            );
            let fe = arr(&want["fe"]);
            close(
                r.common.analysis_estimate,
                fe[0],
                1e-9,
                &format!("{key} fe"),
            );
            close(r.common.se, fe[1], 1e-9, &format!("{key} fe se"));
            close(r.common.lower, fe[2], 1e-9, &format!("{key} fe lower"));
            let re = arr(&want["re"]);
            let rr = r.random.unwrap();
            close(
                rr.analysis_estimate,
                re[0],
                tol,
                &format!("{key} {name} re"),
            );
            close(rr.se, re[1], tol, &format!("{key} {name} re se"));
            close(rr.lower, re[2], tol, &format!("{key} {name} re lower"));
            close(rr.upper, re[3], tol, &format!("{key} {name} re upper"));
            for (w, x) in r
                .weights_percent
                .iter()
                .zip(arr(&want["weights_re_percent"]))
            {
                close(*w, x, tol, &format!("{key} {name} weight"));
            }
            s.random_ci = RandomCi::Hksj;
            let r = pool(&studies, Scale::Difference, &s).unwrap();
            let hk = arr(&want["hksj"]);
            let rr = r.random.unwrap();
            assert_eq!(r.random_ci_used, Some(RandomCi::Hksj));
            close(rr.se, hk[1], tol, &format!("{key} {name} hksj se"));
            close(rr.lower, hk[2], tol, &format!("{key} {name} hksj lower"));
            close(rr.upper, hk[3], tol, &format!("{key} {name} hksj upper"));
        }
        // REML vs direct numerical maximisation of the REML likelihood.
        let want = &b["reml"];
        let r = pool(&studies, Scale::Difference, &MetaSettings::default()).unwrap();
        close(
            r.heterogeneity.tau2,
            f(&want["tau2"]),
            1e-6,
            &format!("{key} REML tau2"),
        );
        // The default floors the HKSJ scale at 1 (modified HKSJ).
        let hk = arr(&want["hksj_adhoc"]);
        let rr = r.random.unwrap();
        close(rr.analysis_estimate, hk[0], 1e-6, &format!("{key} REML mu"));
        close(rr.se, hk[1], 1e-6, &format!("{key} REML adhoc se"));
        close(rr.lower, hk[2], 1e-6, &format!("{key} REML adhoc lower"));
        close(rr.upper, hk[3], 1e-6, &format!("{key} REML adhoc upper"));
        // Never narrower than the Wald interval.
        let re = arr(&want["re"]);
        assert!(
            rr.lower <= re[2] + 1e-12 && rr.upper >= re[3] - 1e-12,
            "{key}"
        );
        // Without the floor: the plain HKSJ interval.
        let plain = MetaSettings {
            hksj_floor: false,
            ..MetaSettings::default()
        };
        let r0 = pool(&studies, Scale::Difference, &plain).unwrap();
        let hk = arr(&want["hksj"]);
        let r0r = r0.random.unwrap();
        close(r0r.lower, hk[2], 1e-6, &format!("{key} REML hksj lower"));
        close(r0r.upper, hk[3], 1e-6, &format!("{key} REML hksj upper"));
        if studies.len() >= 3 {
            let pi = arr(&want["pi"]);
            let p = r.prediction.unwrap();
            close(p.lower, pi[0], 1e-6, &format!("{key} PI lower"));
            close(p.upper, pi[1], 1e-6, &format!("{key} PI upper"));
            assert_eq!(r.lead, Lead::Random, "{key}");
        } else {
            assert!(r.prediction.is_none(), "{key}: no PI below 3 studies");
            assert_eq!(r.lead, Lead::CommonTooFewStudies, "{key}");
            assert_eq!(
                r.headline(),
                Some(r.common),
                "{key}: the common effect leads"
            );
        }
    }
}

#[test]
fn meta_edge_cases() {
    let s = MetaSettings::default();
    assert!(pool(&[], Scale::Ratio, &s).is_none());
    assert!(pool(&[Study { yi: 0.1, vi: 0.0 }], Scale::Ratio, &s).is_none());
    assert!(pool(
        &[Study {
            yi: f64::NAN,
            vi: 1.0
        }],
        Scale::Ratio,
        &s
    )
    .is_none());
    // Found by the `stats` fuzz target: a subnormal variance made the
    // weight 1/vi infinite and every estimate NaN (inf/inf) under every
    // preset; weighted sums that overflow are refused the same way.
    for studies in [
        vec![Study {
            yi: -1.2260560296460538e-59,
            vi: 8.84e-322,
        }],
        vec![
            Study {
                yi: 1e200,
                vi: 1e-200,
            },
            Study { yi: 0.1, vi: 0.1 },
        ],
        vec![
            Study {
                yi: 0.1,
                vi: 1e-308
            };
            3
        ],
        vec![
            Study {
                yi: -2.2270219186174408e168,
                vi: 2.0683696064147992e217,
            },
            Study {
                yi: 9.492451236713838e-250,
                vi: 2.1512014073915004e-304,
            },
        ],
    ] {
        for name in MODEL_NAMES {
            let s = MetaSettings::parse(name).unwrap();
            for scale in [Scale::Ratio, Scale::Difference] {
                assert!(pool(&studies, scale, &s).is_none(), "{name} {studies:?}");
            }
        }
    }
    // Found by the `stats` fuzz target: I² (from τ², then from Q) came out
    // as 100.00000000000001.
    let from_tau2 = [
        TwoByTwo::new(9655732994245132287, 9655732994245132287 + 9698, 0, 255).unwrap(),
        TwoByTwo::new(
            32369618027675647,
            32369618027675647,
            18392700878164393983,
            18392700878164393983 + 10322,
        )
        .unwrap(),
    ];
    let from_q = [
        TwoByTwo::new(
            18446744073709551453,
            18446744073709551453 + 51,
            348733576,
            348733576 + 114,
        )
        .unwrap(),
        TwoByTwo::new(
            35738,
            35738 + 288231473281004288,
            18446556392221028941,
            18446556392221028945,
        )
        .unwrap(),
    ];
    for (name, tables) in MODEL_NAMES
        .iter()
        .flat_map(|n| [(n, &from_tau2), (n, &from_q)])
    {
        let s = MetaSettings::parse(name).unwrap();
        for m in [
            BinaryMeasure::RiskRatio,
            BinaryMeasure::OddsRatio,
            BinaryMeasure::RiskDifference,
        ] {
            if let Some(r) = pool_binary(tables, m, &s) {
                let h = r.heterogeneity;
                for i2 in [h.i2, h.i2_q].into_iter().flatten() {
                    assert!((0.0..=100.0).contains(&i2), "{name} {m:?}: {h:?}");
                }
            }
        }
    }
    // One study: returned unchanged, HKSJ falls back to Wald, no PI.
    let one = [Study { yi: 0.2, vi: 0.04 }];
    let r = pool(&one, Scale::Ratio, &s).unwrap();
    let re = r.random.unwrap();
    close(re.analysis_estimate, 0.2, 1e-12, "one study");
    close(re.se, 0.2, 1e-12, "one study se");
    assert_eq!(r.random_ci_used, Some(RandomCi::Wald));
    assert!(r.prediction.is_none());
    assert!(r.heterogeneity.i2.is_none() && r.heterogeneity.p_q.is_none());
    assert_eq!(r.weights_percent, vec![100.0]);
    // Identical studies: tau2 = 0 and random = common (Wald).
    let same = [Study { yi: 0.3, vi: 0.1 }; 4];
    for name in ["DL", "REML", "PM"] {
        let r = pool(&same, Scale::Ratio, &MetaSettings::parse(name).unwrap()).unwrap();
        assert_eq!(r.heterogeneity.tau2, 0.0, "{name}");
        let re = r.random.unwrap();
        close(
            re.analysis_estimate,
            r.common.analysis_estimate,
            1e-12,
            name,
        );
        close(re.se, r.common.se, 1e-12, name);
        assert_eq!(r.heterogeneity.i2, Some(0.0));
    }
    // HKSJ with identical studies: zero-width CI, no NaN.
    let r = pool(&same, Scale::Ratio, &s).unwrap();
    let re = r.random.unwrap();
    assert!(re.lower.is_finite() && re.p_value.is_finite());
    // Binary pooling with double-zero studies and zero cells.
    let tables = [
        TwoByTwo::new(0, 10, 0, 10).unwrap(),
        TwoByTwo::new(0, 20, 3, 20).unwrap(),
        TwoByTwo::new(2, 30, 6, 30).unwrap(),
    ];
    for m in [
        BinaryMeasure::RiskRatio,
        BinaryMeasure::OddsRatio,
        BinaryMeasure::RiskDifference,
    ] {
        let r = pool_binary(&tables, m, &MetaSettings::parse("revman5").unwrap()).unwrap();
        let expected_k = if m == BinaryMeasure::RiskDifference {
            3
        } else {
            2
        };
        assert_eq!(r.k, expected_k);
        assert!(r.common.estimate.is_finite() && r.random.unwrap().upper.is_finite());
    }
    let none = [TwoByTwo::new(0, 10, 0, 10).unwrap()];
    assert!(pool_binary(&none, BinaryMeasure::RiskRatio, &s).is_none());
    // Huge counts.
    let huge = [
        TwoByTwo::new(1000, 1_000_000_000, 1500, 1_000_000_000).unwrap(),
        TwoByTwo::new(2000, 1_000_000_000, 2100, 1_000_000_000).unwrap(),
    ];
    let r = pool_binary(&huge, BinaryMeasure::RiskRatio, &s).unwrap();
    assert!(r.random.unwrap().estimate.is_finite());
}

#[test]
fn cumulative_pools_prefixes() {
    let studies = bcg_studies();
    let s = MetaSettings::parse("DL").unwrap();
    let cum = cumulative(&studies, Scale::Ratio, &s);
    assert_eq!(cum.len(), 13);
    close(
        cum[0].as_ref().unwrap().random.unwrap().analysis_estimate,
        studies[0].yi,
        1e-12,
        "first",
    );
    let full = pool(&studies, Scale::Ratio, &s).unwrap();
    assert_eq!(cum[12].as_ref().unwrap(), &full);
    let cb = cumulative_binary(&bcg_tables(), BinaryMeasure::RiskRatio, &s);
    assert_eq!(cb.len(), 13);
    assert!(cb.iter().all(|r| r.is_some()));
}

#[test]
fn two_studies_that_disagree_get_no_pooled_estimate() {
    // RR 0.50 and 1.10 with 1000 a arm: Q = 30 on 1 df.
    let t = [
        TwoByTwo::new(100, 1000, 200, 1000).unwrap(),
        TwoByTwo::new(220, 1000, 200, 1000).unwrap(),
    ];
    let r = pool_binary(&t, BinaryMeasure::RiskRatio, &MetaSettings::default()).unwrap();
    assert!(r.heterogeneity.p_q.unwrap() < HETEROGENEITY_ALPHA);
    assert_eq!(r.lead, Lead::NoneTrialsDisagree);
    assert_eq!(r.headline(), None);
    // An explicit common-effect model is the author's choice: it leads.
    let c = pool_binary(
        &t,
        BinaryMeasure::RiskRatio,
        &MetaSettings::parse("common").unwrap(),
    )
    .unwrap();
    assert_eq!(c.lead, Lead::Common);
    // Two studies that agree: the common effect leads.
    let t = [
        TwoByTwo::new(100, 1000, 200, 1000).unwrap(),
        TwoByTwo::new(110, 1000, 200, 1000).unwrap(),
    ];
    let r = pool_binary(&t, BinaryMeasure::RiskRatio, &MetaSettings::default()).unwrap();
    assert_eq!(r.lead, Lead::CommonTooFewStudies);
    assert_eq!(r.headline(), Some(r.common));
}

#[test]
fn presets_parse() {
    assert_eq!(MetaSettings::default().name, "cochrane-2025");
    let d = MetaSettings::default();
    assert_eq!(
        (d.tau2, d.random_ci, d.prediction, d.hksj_floor),
        (Tau2Estimator::Reml, RandomCi::Hksj, true, true)
    );
    let r = MetaSettings::parse("RevMan5").unwrap();
    assert_eq!(
        (r.tau2, r.random_ci, r.binary_common),
        (
            Tau2Estimator::DerSimonianLaird,
            RandomCi::Wald,
            CommonMethod::MantelHaenszel
        )
    );
    assert_eq!(MetaSettings::parse("common").unwrap().model, Model::Common);
    assert_eq!(
        MetaSettings::parse("random").unwrap().tau2,
        Tau2Estimator::Reml
    );
    assert_eq!(
        MetaSettings::parse("pm").unwrap().tau2,
        Tau2Estimator::PauleMandel
    );
    assert_eq!(
        "metafor".parse::<MetaSettings>().unwrap().random_ci,
        RandomCi::Wald
    );
    let e = MetaSettings::parse("bogus").unwrap_err();
    let msg = e.to_string();
    for n in MODEL_NAMES {
        assert!(msg.contains(n), "{msg}");
    }
}

// ----------------------------------------------------------------- bayes --

#[test]
fn bayes_reanalysis() {
    // Sceptical prior puts 95% of its mass between 0.5 and 2.
    close(
        SCEPTICAL_SD * 1.959963984540054,
        2f64.ln(),
        1e-12,
        "sceptical sd",
    );
    // LeoPARDS adjusted HR for death 1.24 (0.91 to 1.67).
    let neutral = reanalyse(1.24, 0.91, 1.67, &Prior::neutral(), 0.95, Some(0.9)).unwrap();
    close(neutral.ratio, 1.24, 1e-3, "flat prior ≈ likelihood");
    assert!(neutral.p_harm > 0.9 && neutral.p_benefit < 0.1);
    close(neutral.p_benefit + neutral.p_harm, 1.0, 1e-12, "sum");
    let sc = reanalyse(1.24, 0.91, 1.67, &Prior::sceptical(), 0.95, None).unwrap();
    assert!(sc.ratio < neutral.ratio && sc.ratio > 1.0);
    assert!(sc.upper - sc.lower < neutral.upper - neutral.lower);
    // Closed form: precision-weighted mean.
    let se = (1.67f64.ln() - 0.91f64.ln()) / (2.0 * 1.959963984540054);
    let w0 = 1.0 / (SCEPTICAL_SD * SCEPTICAL_SD);
    let w1 = 1.0 / (se * se);
    close(
        sc.mean_log,
        1.24f64.ln() * w1 / (w0 + w1),
        1e-12,
        "posterior mean",
    );
    let en = reanalyse(
        1.24,
        0.91,
        1.67,
        &Prior::enthusiastic(0.8).unwrap(),
        0.95,
        None,
    )
    .unwrap();
    assert!(en.ratio < sc.ratio);
    assert!(reanalyse(0.0, 0.91, 1.67, &Prior::neutral(), 0.95, None).is_none());
    assert!(reanalyse(1.2, 1.67, 0.91, &Prior::neutral(), 0.95, None).is_none());
    assert!(Prior::enthusiastic(-1.0).is_none());
}

// ------------------------------------------------------------ properties --

fn arb_table(max: u64) -> impl Strategy<Value = TwoByTwo> {
    (1..=max, 1..=max)
        .prop_flat_map(|(n1, n2)| (0..=n1, Just(n1), 0..=n2, Just(n2)))
        .prop_map(|(a, n1, c, n2)| TwoByTwo::new(a, n1, c, n2).unwrap())
}

/// Fisher's p by `fisher_exact`, or `None` at a tie with α that floating
/// point may put on either side: a table counted exactly
/// (`exact_fraction`) is never a tie (its p = 0.05 is not below 0.05), but
/// one past that limit could in principle have p = 0.05 exactly, so the
/// brute-force searches below skip such tables.
fn p_unless_tie(u: &TwoByTwo) -> Option<f64> {
    let p = fisher_exact(u).unwrap().p_value;
    (exact_fraction(u).is_some() || (p - 0.05).abs() >= 0.05e-9).then_some(p)
}

/// The first k in 1..=room whose table passes `hit`, by trying every k;
/// `Err` when a table on the way ties with α.
fn brute_first(room: u64, mut hit: impl FnMut(u64) -> Option<bool>) -> Result<Option<u64>, ()> {
    for k in 1..=room {
        match hit(k) {
            None => return Err(()),
            Some(true) => return Ok(Some(k)),
            Some(false) => {}
        }
    }
    Ok(None)
}

/// The fragility index by brute force (every k, `fisher_exact` on each
/// table): the arm with fewer events (both on a tie) gains events until
/// p >= 0.05 or its risk reaches the other arm's. `Err` at a tie with α.
fn brute_fragility(t: &TwoByTwo) -> Result<Option<u64>, ()> {
    if p_unless_tie(t).ok_or(())? >= 0.05 {
        return Ok(None);
    }
    let at_least = |a: u64, n: u64, b: u64, m: u64| a as u128 * m as u128 >= b as u128 * n as u128;
    let mut best = None;
    for exp_arm in [true, false] {
        let (mine, mine_n, other, other_n) = if exp_arm {
            (t.exp_events, t.exp_total, t.ctl_events, t.ctl_total)
        } else {
            (t.ctl_events, t.ctl_total, t.exp_events, t.exp_total)
        };
        if mine > other {
            continue;
        }
        let was_at_least = at_least(mine, mine_n, other, other_n);
        let hit = brute_first(mine_n - mine, |k| {
            let mut u = *t;
            if exp_arm {
                u.exp_events += k;
            } else {
                u.ctl_events += k;
            }
            if !was_at_least && at_least(mine + k, mine_n, other, other_n) {
                return Some(true);
            }
            Some(p_unless_tie(&u)? >= 0.05)
        })?;
        best = match (best, hit) {
            (Some(b), Some(h)) => Some(u64::min(b, h)),
            (b, h) => b.or(h),
        };
    }
    Ok(best)
}

/// The reverse fragility index by brute force: the fewest changes in one
/// arm and one direction that give `fisher_exact` p < 0.05. `Err` at a
/// tie with α.
fn brute_reverse_fragility(t: &TwoByTwo) -> Result<Option<u64>, ()> {
    if p_unless_tie(t).ok_or(())? < 0.05 {
        return Ok(None);
    }
    let moves: [(u64, fn(&mut TwoByTwo, u64)); 4] = [
        (t.exp_total - t.exp_events, |u, k| u.exp_events += k),
        (t.exp_events, |u, k| u.exp_events -= k),
        (t.ctl_total - t.ctl_events, |u, k| u.ctl_events += k),
        (t.ctl_events, |u, k| u.ctl_events -= k),
    ];
    let mut best: Option<u64> = None;
    for (room, apply) in moves {
        let hit = brute_first(room, |k| {
            let mut u = *t;
            apply(&mut u, k);
            Some(p_unless_tie(&u)? < 0.05)
        })?;
        best = best.into_iter().chain(hit).min();
    }
    Ok(best)
}

/// A row of `fisher_exact.json`: a table, its p as a fraction of whole
/// numbers (decimal strings, some past u128), and (for ties and near
/// ties) the indices on exact p.
#[derive(serde::Deserialize)]
struct ExactRow {
    a: u64,
    n1: u64,
    c: u64,
    n2: u64,
    at_most: String,
    all: String,
    observed: String,
    below_005: bool,
    #[serde(default)]
    fragility: Option<u64>,
    #[serde(default)]
    reverse_fragility: Option<u64>,
}

#[test]
fn fisher_p_on_the_right_side_of_005_by_whole_number_counts() {
    #[derive(serde::Deserialize)]
    struct File {
        ties: Vec<ExactRow>,
        near: Vec<ExactRow>,
        large: Vec<ExactRow>,
    }
    let file: File = serde_json::from_str(FISHER_EXACT_JSON).unwrap();
    assert!(file.ties.len() >= 20 && file.near.len() >= 100 && file.large.len() == 40);
    let mut past_limit = 0;
    for (set, rows) in [
        ("tie", &file.ties),
        ("near", &file.near),
        ("large", &file.large),
    ] {
        for r in rows {
            let what = format!("{set} {}/{} vs {}/{}", r.a, r.n1, r.c, r.n2);
            let t = TwoByTwo::new(r.a, r.n1, r.c, r.n2).unwrap();
            let p = fisher_exact(&t).unwrap().p_value;
            assert_eq!(p < 0.05, r.below_005, "{what}: p = {p:e}");
            let float = |s: &String| s.parse::<f64>().unwrap();
            close(p, float(&r.at_most) / float(&r.all), 1e-12, &what);
            let whole = |s: &String| s.parse::<u128>().ok();
            match exact_fraction(&t) {
                Some(e) => assert_eq!(
                    Some((e.at_most, e.all, e.observed)),
                    whole(&r.at_most)
                        .zip(whole(&r.all))
                        .zip(whole(&r.observed))
                        .map(|((s, a), o)| (s, a, o)),
                    "{what}"
                ),
                None => {
                    assert!(
                        float(&r.all) >= 2f64.powi(121),
                        "{what}: counted by the reference, not here"
                    );
                    past_limit += 1;
                }
            }
            if set == "tie" {
                assert_eq!(p, 0.05, "{what}");
            }
            if set != "large" {
                assert_eq!(fragility_index(&t), r.fragility, "{what}: fragility");
                assert_eq!(
                    reverse_fragility_index(&t),
                    r.reverse_fragility,
                    "{what}: reverse"
                );
            }
        }
    }
    assert!(past_limit > 0, "some large tables are past the exact limit");
}

fn finite_or_none(e: Option<Effect>) -> bool {
    e.is_none_or(|e| {
        e.estimate.is_finite()
            && e.lower.is_finite()
            && e.upper.is_finite()
            && e.se.is_finite()
            && (0.0..=1.0).contains(&e.p_value)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn swapping_arms_inverts(t in arb_table(2000)) {
        let s = t.swapped();
        if let (Some(a), Some(b)) = (risk_ratio(&t, 0.95), risk_ratio(&s, 0.95)) {
            prop_assert!((a.estimate * b.estimate - 1.0).abs() < 1e-9);
            prop_assert!((a.lower * b.upper - 1.0).abs() < 1e-9);
        }
        if let (Some(a), Some(b)) = (odds_ratio(&t, 0.95), odds_ratio(&s, 0.95)) {
            prop_assert!((a.estimate * b.estimate - 1.0).abs() < 1e-9);
        }
        for m in RdMethod::ALL {
            let a = risk_difference(&t, m, 0.95).unwrap();
            let b = risk_difference(&s, m, 0.95).unwrap();
            prop_assert!((a.estimate + b.estimate).abs() < 1e-12);
            prop_assert!((a.lower + b.upper).abs() < 1e-9);
        }
        let fa = fisher_exact(&t).unwrap().p_value;
        let fb = fisher_exact(&s).unwrap().p_value;
        prop_assert!((fa - fb).abs() <= 1e-9 * fa.max(1e-300) + 1e-15);
    }

    #[test]
    fn cis_contain_estimates(t in arb_table(5000)) {
        for e in [risk_ratio(&t, 0.95), odds_ratio(&t, 0.95)].into_iter().flatten() {
            prop_assert!(e.lower <= e.estimate && e.estimate <= e.upper);
        }
        for m in RdMethod::ALL {
            let e = risk_difference(&t, m, 0.95).unwrap();
            prop_assert!(e.lower <= e.estimate + 1e-12 && e.estimate <= e.upper + 1e-12);
        }
        let (w, _) = arm_risks(&t, 0.95).unwrap();
        prop_assert!(w.lower <= w.estimate && w.estimate <= w.upper);
        prop_assert!(w.lower >= 0.0 && w.upper <= 1.0);
    }

    #[test]
    fn no_nan_for_any_counts(t in arb_table(1_000_000)) {
        prop_assert!(finite_or_none(risk_ratio(&t, 0.95)));
        prop_assert!(finite_or_none(odds_ratio(&t, 0.95)));
        for m in RdMethod::ALL {
            prop_assert!(finite_or_none(risk_difference(&t, m, 0.95)));
        }
        for y in [false, true] {
            if let Some(c) = chi_square(&t, y) {
                prop_assert!(c.statistic.is_finite() && (0.0..=1.0).contains(&c.p_value));
            }
        }
        let p = fisher_exact(&t).unwrap().p_value;
        prop_assert!((0.0..=1.0).contains(&p));
        let rd = risk_difference(&t, RdMethod::Newcombe, 0.95).unwrap();
        let n = nnt(&rd, true).unwrap();
        prop_assert!(!crate::present::nnt_text(&n).is_empty());
    }

    #[test]
    fn fragility_flips_significance(t in arb_table(150)) {
        if let Some(k) = fragility_index(&t) {
            prop_assert!(k >= 1);
        }
        if let Some(k) = reverse_fragility_index(&t) {
            prop_assert!(k >= 1);
        }
    }

    #[test]
    fn fragility_searches_equal_brute_force(t in arb_table(150)) {
        let (Ok(fi), Ok(rfi)) = (brute_fragility(&t), brute_reverse_fragility(&t)) else {
            return Err(TestCaseError::reject("a table on the way has p = 0.05 exactly"));
        };
        prop_assert_eq!(fragility_index(&t), fi);
        prop_assert_eq!(reverse_fragility_index(&t), rfi);
    }

    #[test]
    fn md_properties(m1 in -100.0f64..100.0, s1 in 0.01f64..50.0, n1 in 2u64..5000,
                     m2 in -100.0f64..100.0, s2 in 0.01f64..50.0, n2 in 2u64..5000) {
        let a = ArmSummary { mean: m1, sd: s1, n: n1 };
        let b = ArmSummary { mean: m2, sd: s2, n: n2 };
        let x = mean_difference(&a, &b, 0.95).unwrap();
        let y = mean_difference(&b, &a, 0.95).unwrap();
        prop_assert!((x.estimate + y.estimate).abs() < 1e-9);
        prop_assert!(x.lower <= x.estimate && x.estimate <= x.upper);
        if let (Some(g), Some(h)) = (hedges_g(&a, &b, 0.95), hedges_g(&b, &a, 0.95)) {
            prop_assert!((g.estimate + h.estimate).abs() < 1e-9);
            prop_assert!(g.lower <= g.estimate && g.estimate <= g.upper);
        }
    }

    #[test]
    fn meta_properties(ys in proptest::collection::vec((-3.0f64..3.0, 0.001f64..2.0), 1..15)) {
        let studies: Vec<Study> = ys.iter().map(|&(yi, vi)| Study { yi, vi }).collect();
        for name in ["revman5", "cochrane-2025", "metafor", "common", "DL", "REML", "PM"] {
            let s = MetaSettings::parse(name).unwrap();
            let r = pool(&studies, Scale::Ratio, &s).unwrap();
            prop_assert!(r.heterogeneity.tau2 >= 0.0);
            if let Some(i2) = r.heterogeneity.i2 {
                prop_assert!((0.0..=100.0).contains(&i2));
            }
            if let Some(i2) = r.heterogeneity.i2_q {
                prop_assert!((0.0..=100.0).contains(&i2));
            }
            let p = r.random.unwrap_or(r.common);
            prop_assert!(p.lower <= p.estimate && p.estimate <= p.upper);
            prop_assert!(p.lower.is_finite() && p.upper.is_finite() && p.p_value.is_finite());
            let w: f64 = r.weights_percent.iter().sum();
            prop_assert!((w - 100.0).abs() < 1e-6);
            if studies.len() == 1 {
                prop_assert!((p.analysis_estimate - studies[0].yi).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn identical_studies_common_equals_random(yi in -3.0f64..3.0, vi in 0.001f64..2.0, k in 2usize..10) {
        let studies = vec![Study { yi, vi }; k];
        for name in ["DL", "REML", "PM"] {
            let r = pool(&studies, Scale::Difference, &MetaSettings::parse(name).unwrap()).unwrap();
            let re = r.random.unwrap();
            prop_assert_eq!(r.heterogeneity.tau2, 0.0);
            prop_assert!((re.analysis_estimate - r.common.analysis_estimate).abs() < 1e-12);
            prop_assert!((re.se - r.common.se).abs() < 1e-12);
        }
    }

    #[test]
    fn check_never_panics(t in arb_table(3000), est in -50.0f64..50.0, w in 0.0f64..30.0,
                          dec in 0u32..4, p in 0.0f64..1.0) {
        for m in [Measure::RiskRatio, Measure::OddsRatio, Measure::RiskDifference,
                  Measure::MeanDifference, Measure::Smd, Measure::HazardRatio] {
            let r = ReportedEffect { measure: m, estimate: est, ci: Some((est - w, est + w)),
                p: Some(ReportedP::Exact { value: p, decimals: 2 }), decimals: dec,
                ci_decimals: (dec, dec), level: 0.95 };
            let c = check(&ArmData::Binary(t), &r);
            prop_assert!(c.methods.iter().all(|x| x.estimate.is_finite()));
        }
    }
}
