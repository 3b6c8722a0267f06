//! "Does the paper add up?" for one trial: each effect the paper printed,
//! worded for display ([`reported_out`]) and checked against the arm data
//! ([`check_one`]), with the sentence readers see. The recomputation and
//! the matching rule are [`crate::stats::check`]; this module only turns
//! its report into a [`CheckOut`].

use super::results::{CheckOut, ReportedOut};
use super::LEVEL;
use crate::model::{Measure, Reported};
use crate::present::num;
use crate::stats::check::{
    self, ArmData, CheckReport, MethodCheck, NotRecomputable, PTest, ReportedEffect, ReportedP,
    Verdict,
};

/// A printed effect as shown, e.g. `RD 3.6 pts (−4.5 to 11.7); p = 0.43`.
pub(super) fn reported_out(r: &Reported) -> ReportedOut {
    let mut text = crate::present::printed_effect_text(r);
    let p = r.p.map(|p| p.to_string());
    if let Some(p) = &p {
        if p.starts_with('<') || p.starts_with('>') {
            text.push_str(&format!("; p {p}"));
        } else {
            text.push_str(&format!("; p = {p}"));
        }
    }
    if r.adjusted {
        text.push_str(" (adjusted)");
    }
    ReportedOut {
        measure: r.measure,
        estimate: r.estimate,
        ci_low: r.ci.map(|c| c.0),
        ci_high: r.ci.map(|c| c.1),
        p,
        adjusted: r.adjusted,
        method: r.method.clone(),
        text,
    }
}

/// The printed effect in the terms of [`check::check`], or why it cannot be
/// checked at all.
fn reported_effect(r: &Reported) -> Result<ReportedEffect, &'static str> {
    use check::Measure as CM;
    let measure = match r.measure {
        Measure::RR => CM::RiskRatio,
        Measure::OR => CM::OddsRatio,
        Measure::RD => CM::RiskDifference,
        Measure::MD => CM::MeanDifference,
        Measure::SMD => CM::Smd,
        Measure::HR | Measure::SHR => CM::HazardRatio,
        Measure::MedD => {
            return Err("a difference in medians cannot be recomputed from medians and quartiles")
        }
    };
    if r.adjusted {
        return Err("adjusted estimate: not comparable with the crude arm data");
    }
    let p = r.p.map(|p| match p.relation {
        '<' => ReportedP::LessThan(p.value),
        '>' => ReportedP::GreaterThan(p.value),
        _ => ReportedP::Exact {
            value: p.value,
            decimals: p.decimals,
        },
    });
    Ok(ReportedEffect {
        measure,
        estimate: r.estimate,
        ci: r.ci,
        p,
        decimals: r.decimals,
        ci_decimals: r.ci_decimals.unwrap_or((r.decimals, r.decimals)),
        level: LEVEL,
    })
}

/// Check one printed effect against the arm data. `has_arm_data`: whether
/// the outcome shows any arm data at all (medians count), for the wording.
pub(super) fn check_one(data: &ArmData, r: &Reported, has_arm_data: bool) -> CheckOut {
    let rep = match reported_effect(r) {
        Ok(rep) => rep,
        Err(why) => {
            return CheckOut {
                measure: r.measure,
                verdict: Verdict::NotCheckable,
                methods: vec![],
                p_tests: vec![],
                recomputed: None,
                summary: why.to_string(),
                explained_by: r.method.clone(),
                p_printed: r.p.is_some(),
            }
        }
    };
    let report = check::check(data, &rep);
    let p_tests: Vec<String> = report
        .reproducing_tests
        .iter()
        .map(|t| p_test_name(*t).to_string())
        .collect();
    let best = report
        .methods
        .iter()
        .find(|m| m.estimate_matches)
        .or(report.methods.first());
    let recomputed = best.map(|m| [m.estimate, m.lower, m.upper]);
    let d = r.decimals as usize;
    let summary = match report.verdict {
        Verdict::Consistent | Verdict::Inconsistent => {
            consistency_summary(&report, &rep, &p_tests, has_arm_data, d)
        }
        Verdict::Reproduced => reproduced_summary(&report, &p_tests),
        Verdict::NotCheckable => report
            .notes
            .first()
            .cloned()
            .unwrap_or_else(|| "nothing to recompute from".into()),
        _ => mismatch_summary(&report, &rep, &p_tests, best, d),
    };
    CheckOut {
        measure: r.measure,
        verdict: report.verdict,
        methods: report.reproducing_methods.clone(),
        p_tests,
        recomputed,
        summary,
        explained_by: r.method.clone(),
        p_printed: r.p.is_some(),
    }
}

/// The sentence for an effect that cannot be recomputed, so only whether its
/// estimate, CI and p agree with each other was checked (`d`: the printed
/// decimals).
fn consistency_summary(
    report: &CheckReport,
    rep: &ReportedEffect,
    p_tests: &[String],
    has_arm_data: bool,
    d: usize,
) -> String {
    let why = report
        .not_recomputable
        .map_or("", |w| not_recomputable(w, has_arm_data));
    if report.verdict == Verdict::Consistent {
        return format!(
            "{why}; the printed estimate, CI{} agree with each other",
            if rep.p.is_some() {
                " and p"
            } else {
                " (no p printed)"
            }
        );
    }
    let mut parts = vec![why.to_string()];
    if let Some(m) = report.methods.first().filter(|m| !m.estimate_matches) {
        parts.push(format!(
            "the printed estimate is not the middle of its CI (expected about {})",
            num(m.estimate, d)
        ));
    }
    if rep.p.is_some() && p_tests.is_empty() {
        if let Some(c) = report
            .p_checks
            .iter()
            .find(|c| c.test == PTest::FromPrintedCi)
        {
            parts.push(format!(
                "the printed CI implies {}, not the printed p",
                crate::present::p_recomputed(c.p_value)
            ));
        }
    }
    parts.join("; ")
}

/// `Reproduced by …; p by …`.
fn reproduced_summary(report: &CheckReport, p_tests: &[String]) -> String {
    let mut s = String::from("Reproduced");
    if !report.reproducing_methods.is_empty() {
        s.push_str(&format!(" by {}", report.reproducing_methods.join(", ")));
    }
    if !p_tests.is_empty() {
        s.push_str(&format!("; p by {}", p_tests.join(", ")));
    }
    s
}

/// What was and was not reproduced of an effect recomputed from the arm
/// data (`best`: the closest recomputation; `d`: the printed decimals).
fn mismatch_summary(
    report: &CheckReport,
    rep: &ReportedEffect,
    p_tests: &[String],
    best: Option<&MethodCheck>,
    d: usize,
) -> String {
    let mut parts = Vec::new();
    if report.reproducing_methods.is_empty() {
        if let Some(m) = best {
            parts.push(format!(
                "recomputed {} ({} to {}) by {}",
                num(m.estimate, d),
                num(m.lower, d),
                num(m.upper, d),
                m.method
            ));
        }
    } else {
        parts.push(format!(
            "estimate and CI reproduced by {}",
            report.reproducing_methods.join(", ")
        ));
    }
    if rep.p.is_some() {
        if p_tests.is_empty() {
            let ps: Vec<String> = report
                .p_checks
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        p_test_name(c.test),
                        crate::present::p_recomputed(c.p_value).trim_start_matches("p = ")
                    )
                })
                .collect();
            parts.push(format!(
                "no standard test gives the printed p (got {})",
                ps.join(", ")
            ));
        } else {
            parts.push(format!("p reproduced by {}", p_tests.join(", ")));
        }
    }
    parts.join("; ")
}

/// Why a printed effect cannot be recomputed from the arm data, for readers
/// (the rule is [`check::check`]'s).
fn not_recomputable(why: NotRecomputable, has_arm_data: bool) -> &'static str {
    match why {
        NotRecomputable::HazardRatio => {
            "a hazard ratio cannot be recomputed from the arm totals (it needs the time-to-event data)"
        }
        NotRecomputable::NoArmData if has_arm_data => "the arm data shown cannot give this measure",
        NotRecomputable::NoArmData => "there are no arm data to recompute it from",
    }
}

/// A p-value test as readers see it named.
fn p_test_name(t: PTest) -> &'static str {
    match t {
        PTest::ChiSquare => "chi-square",
        PTest::ChiSquareYates => "chi-square with Yates' correction",
        PTest::Fisher => "Fisher's exact test",
        PTest::WaldZ => "Wald z test",
        PTest::StudentT => "Student t test",
        PTest::WelchT => "Welch t test",
        PTest::FromPrintedCi => "the printed CI",
    }
}
