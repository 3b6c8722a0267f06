//! Present: numbers into the words a reader sees.
//!
//! One home for the rules that turn a computed number into text, so the
//! trial page, the topic page, the charts and the feed say the same thing:
//! decimals and the true minus sign (`num`, `same_decimals`, mean ± SD,
//! median (IQR)), how a p value is printed, how a pooled analysis is
//! headlined (including what a page says when there are too few trials for
//! a random-effects estimate, or when they disagree), the heterogeneity and
//! prediction sentences, NNT wording, check-verdict badges and trial-status
//! wording, and the summary-of-findings and trial-sequential-analysis
//! wording (certainty symbols, risks per 1,000). Later stages call it; the
//! statistics and analyse stages stay numbers. What still formats in place (the recomputed-effect lines of the
//! trial page, chart cells) moves here as issue 9 goes on.

use crate::analyse::{NoPrediction, Per1000, PooledResult, SofResult, Source, TsaResult};
use crate::link::TrialStatus;
use crate::model::{Certainty, Domain, Measure, RatedDown, Trial};
use crate::stats::binary::{Nnt, NntDirection, NntValue};
use crate::stats::check::Verdict;
use crate::stats::meta::Lead;

/// Format a number with `d` decimals and a true minus sign.
pub fn num(x: f64, d: usize) -> String {
    let s = format!("{:.*}", d, x);
    let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    };
    s.replace('-', "−")
}

/// Numbers printed together (a mean and its SD, a median and its
/// quartiles) with one number of decimals: the most any of them needs, up to
/// three. YAML reads `1.70` as 1.7; a paper prints "1.70 ± 1.18", and so do
/// we.
pub fn same_decimals(xs: &[f64]) -> Vec<String> {
    let needs = |x: f64| -> usize {
        (0..3)
            .find(|&d| {
                let p = 10f64.powi(d as i32);
                ((x * p).round() - x * p).abs() < 1e-9 * (1.0 + (x * p).abs())
            })
            .unwrap_or(3)
    };
    let d = xs.iter().map(|&x| needs(x)).max().unwrap_or(0);
    xs.iter().map(|&x| num(x, d)).collect()
}

/// "mean ± SD" with matching decimals.
pub fn mean_sd_text(mean: f64, sd: f64) -> String {
    let v = same_decimals(&[mean, sd]);
    format!("{} ± {}", v[0], v[1])
}

/// "median (Q1–Q3)" with matching decimals.
pub fn median_iqr_text(median: f64, q1: f64, q3: f64) -> String {
    let v = same_decimals(&[median, q1, q3]);
    format!("{} ({}–{})", v[0], v[1], v[2])
}

/// A number with up to two decimals, trailing zeros dropped, true minus sign (`6.68`, `5`, `−1.5`).
pub fn short_num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0')
        .trim_end_matches('.')
        .replace('-', "−")
}

/// A p value as text without the `p`: `< 0.001`, `0.003`, `0.29`.
///
/// Two decimals from 0.01 up, three below (the NEJM convention), and
/// `< 0.001` below 0.001, so a small p never reads `0.00`. A p below 0.05
/// is never rounded up to `0.05`: it gets more decimals (`0.0496`).
pub fn p_value(p: f64) -> String {
    if p.is_nan() {
        return "–".into();
    }
    if p < 0.001 {
        return "< 0.001".into();
    }
    let mut d = if p < 0.01 { 3 } else { 2 };
    // Never round a p below 0.05 up to 0.05 (0.0496 is not "0.05").
    while p < 0.05 && d < 4 && num(p, d).parse::<f64>().is_ok_and(|x| x >= 0.05) {
        d += 1;
    }
    if p < 0.05 && num(p, d).parse::<f64>().is_ok_and(|x| x >= 0.05) {
        return "< 0.05".into();
    }
    format!("= {}", num(p, d))
}

/// A recomputed p beside a printed one, to three decimals: `p = 0.540`,
/// or `p < 0.001` (never `p = 0.000`).
pub fn p_recomputed(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {}", num(p, 3))
    }
}

/// `p = 0.29` or `p < 0.001`.
pub fn p_text(p: f64) -> String {
    format!("p {}", p_value(p))
}

/// Decimals for a pooled estimate of `measure` (`RR 1.13`, `MD 0.612`).
pub fn pooled_decimals(measure: Measure) -> usize {
    if measure.is_ratio() {
        2
    } else {
        3
    }
}

/// `RR 1.13 (0.90 to 1.41)`.
pub fn estimate_ci(measure: Measure, e: f64, lo: f64, hi: f64) -> String {
    let d = pooled_decimals(measure);
    let f = |x| pooled_num(measure, x, d);
    format!("{measure} {} ({} to {})", f(e), f(lo), f(hi))
}

/// A pooled number: `d` decimals, except that a ratio below 0.1 keeps two
/// significant digits (`0.0050`, not `0.00`), which a very wide interval
/// needs.
fn pooled_num(measure: Measure, x: f64, d: usize) -> String {
    if measure.is_ratio() && x > 0.0 && x < 0.1 {
        let digits = (1.0 - x.log10().floor()) as usize;
        return num(x, digits.min(8));
    }
    num(x, d)
}

/// The model behind a lead, for a summary row: `Random effects`,
/// `Common effect`, `No pooled estimate`.
pub fn lead_model(lead: Lead) -> &'static str {
    match lead {
        Lead::Random => "Random effects",
        Lead::Common | Lead::CommonTooFewStudies => "Common effect",
        Lead::NoneTrialsDisagree => "No pooled estimate",
    }
}

/// The lead in two words, for a cumulative or subgroup row: `random`,
/// `common`, `disagree`.
pub fn lead_short(lead: Lead) -> &'static str {
    match lead {
        Lead::Random => "random",
        Lead::Common | Lead::CommonTooFewStudies => "common",
        Lead::NoneTrialsDisagree => "trials disagree",
    }
}

/// The headline of a pooled analysis:
/// `RR 1.13 (0.90 to 1.41); 2 trials, common effect, p = 0.29`.
pub fn analysis_headline(r: &PooledResult) -> String {
    let trials = format!("{} trial{}", r.k, if r.k == 1 { "" } else { "s" });
    match (r.estimate, r.ci_low, r.ci_high, r.p) {
        (Some(e), Some(lo), Some(hi), Some(p)) => format!(
            "{}; {trials}, {}, {}",
            estimate_ci(r.measure, e, lo, hi),
            lead_model(r.lead).to_lowercase(),
            p_text(p)
        ),
        _ => format!("No pooled {}: the {trials} disagree", r.measure),
    }
}

/// What the reader must know beside the headline, in words: why the
/// common effect leads a random-effects analysis of fewer than 3 trials,
/// with the random-effects interval for comparison; `None` otherwise.
pub fn analysis_caveat(r: &PooledResult) -> Option<String> {
    let d = pooled_decimals(r.measure);
    if r.lead == Lead::NoneTrialsDisagree {
        let studies: Vec<String> = r
            .studies
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.label,
                    estimate_ci(r.measure, s.estimate, s.ci_low, s.ci_high)
                )
            })
            .collect();
        return Some(format!(
            "The trials' results differ more than chance easily explains (heterogeneity {}), \
             and with only {} trials the variation between them (τ²) cannot be estimated reliably, \
             so no single number is given: {}.",
            r.p_q.map(p_text).unwrap_or_default(),
            r.k,
            studies.join("; ")
        ));
    }
    if r.lead != Lead::CommonTooFewStudies {
        return None;
    }
    if r.k < 2 {
        return Some("Only 1 trial: nothing to pool, so this is that trial's own estimate.".into());
    }
    let mut s = format!(
        "Only {} trials: too few to estimate reliably how much the true effect varies between trials (τ²), \
         so this is the common-effect estimate, which assumes one shared effect.",
        r.k
    );
    if let Some([_, lo, hi]) = r.random {
        s.push_str(&format!(
            " Allowing for variation (random effects, {}), the interval is {} to {}.",
            r.random_ci_method.unwrap_or("Wald"),
            pooled_num(r.measure, lo, d),
            pooled_num(r.measure, hi, d)
        ));
    }
    Some(s)
}

/// The prediction-interval sentence, or why there is none.
pub fn prediction_text(r: &PooledResult) -> Option<String> {
    let d = pooled_decimals(r.measure);
    match (r.pi_low, r.pi_high, r.prediction_missing) {
        (Some(a), Some(b), _) => Some(format!(
            "95% prediction interval {} to {}",
            num(a, d),
            num(b, d)
        )),
        (_, _, Some(NoPrediction::TooFewTrials)) => {
            Some("No prediction interval: it needs 3 or more trials".into())
        }
        _ => None,
    }
}

/// The heterogeneity sentence: `τ² = 0.000, I² = 0%, Q = 0.02 on 1 df (p = 0.89)`.
pub fn heterogeneity_text(r: &PooledResult) -> String {
    format!(
        "τ² = {}, I² = {}%, Q = {} on {} df ({})",
        num(r.tau2, 3),
        r.i2.map(|x| num(x, 0)).unwrap_or_else(|| "–".into()),
        num(r.q, 2),
        r.df,
        r.p_q.map(p_text).unwrap_or_else(|| "p –".into())
    )
}

/// The badge of a check verdict: `✓ RR adds up` only for a result
/// recomputed from the arm data; `◇ HR: CI and p agree` for one that could
/// only be checked for internal consistency.
pub fn verdict_badge(v: Verdict, measure: Measure, p_printed: bool) -> String {
    let what = if p_printed {
        "CI and p"
    } else {
        "estimate and CI"
    };
    match v {
        Verdict::Reproduced => format!("✓ {measure} adds up"),
        Verdict::PartlyReproduced => format!("≈ {measure} partly adds up"),
        Verdict::NotReproduced => format!("✗ {measure} does not add up"),
        Verdict::Consistent => format!("◇ {measure}: {what} agree"),
        Verdict::Inconsistent => format!("✗ {measure}: {what} disagree"),
        Verdict::NotCheckable => format!("– {measure} not checkable"),
    }
}

/// An NNT in clinicians' words: `NNTH 28 (NNTB 23 to ∞ to NNTH 9)`,
/// `NNTB 10 (8 to 15)` (Altman 1998: an interval that includes no effect
/// runs through infinity).
pub fn nnt_text(n: &Nnt) -> String {
    let label = |v: &NntValue| match v.direction {
        NntDirection::Benefit => "NNTB",
        NntDirection::Harm => "NNTH",
    };
    let number = |v: &NntValue| v.rounded.map_or_else(|| "∞".to_string(), |r| r.to_string());
    let est = if n.estimate.rounded.is_none() {
        "NNT ∞".to_string()
    } else {
        format!("{} {}", label(&n.estimate), number(&n.estimate))
    };
    let (b, h) = (n.benefit_limit, n.harm_limit);
    if n.crosses_infinity {
        match (b.rounded, h.rounded) {
            (None, None) => format!("{est} (∞)"),
            (None, Some(_)) => format!("{est} (∞ to NNTH {})", number(&h)),
            (Some(_), None) => format!("{est} (NNTB {} to ∞)", number(&b)),
            (Some(_), Some(_)) => {
                format!("{est} (NNTB {} to ∞ to NNTH {})", number(&b), number(&h))
            }
        }
    } else {
        // Both limits on the same side: the smaller NNT first.
        let (small, large) = match (b.exact, h.exact) {
            (Some(p), Some(q)) if p <= q => (b, h),
            (Some(_), Some(_)) => (h, b),
            _ => (b, h),
        };
        format!("{est} ({} to {})", number(&small), number(&large))
    }
}

/// The CSS name of a trial status (`published`, `ongoing`, `superseded`).
pub fn status_class(st: TrialStatus) -> &'static str {
    match st {
        TrialStatus::Published => "published",
        TrialStatus::Ongoing => "ongoing",
        TrialStatus::Superseded => "superseded",
    }
}

/// The status badge of a trial page: `Published 2016`, `Ongoing:
/// Recruiting`, `Registry record · published`.
pub fn status_label(st: TrialStatus, t: &Trial) -> String {
    match st {
        // Short: it is a badge. The status the registry showed is in the
        // record's facts.
        TrialStatus::Superseded => "Registry record · published".into(),
        TrialStatus::Published => match t.publication.as_ref().and_then(|x| x.year) {
            Some(y) => format!("Published {y}"),
            None => "Published".into(),
        },
        TrialStatus::Ongoing => match registry_status(t) {
            Some(s) => format!("Ongoing: {s}"),
            None => "Ongoing".into(),
        },
    }
}

/// The badge of a trial in a list: the registry's status for an ongoing
/// trial, `Results published` for a superseded record, none for a
/// published trial (the date beside its title says when).
pub fn status_list_badge(st: TrialStatus, t: &Trial) -> Option<String> {
    match st {
        TrialStatus::Ongoing => Some(registry_status(t).unwrap_or_else(|| "Ongoing".into())),
        TrialStatus::Superseded => Some("Results published".into()),
        TrialStatus::Published => None,
    }
}

/// The first words of a trial's feed entry: what changed.
/// `published_records` names the registry records a published trial
/// supersedes.
pub fn status_feed(st: TrialStatus, t: &Trial, published_records: &[&str]) -> String {
    match st {
        TrialStatus::Superseded => "Registry record: results now published. ".into(),
        TrialStatus::Ongoing => match registry_status(t) {
            Some(s) => format!("Ongoing trial ({s}). "),
            None => "Ongoing trial. ".into(),
        },
        TrialStatus::Published if !published_records.is_empty() => format!(
            "Results published for registered trial {}. ",
            published_records.join(", ")
        ),
        TrialStatus::Published => "Trial results. ".into(),
    }
}

fn registry_status(t: &Trial) -> Option<String> {
    t.registry.as_ref().and_then(|r| r.status.clone())
}

/// GRADE certainty as filled and open circles: `⊕⊕⊕◯` for moderate.
pub fn certainty_symbols(c: Certainty) -> String {
    let filled = 4 - c.steps() as usize;
    format!("{}{}", "⊕".repeat(filled), "◯".repeat(4 - filled))
}

/// GRADE certainty in words: `Moderate`.
pub fn certainty_label(c: Certainty) -> &'static str {
    match c {
        Certainty::High => "High",
        Certainty::Moderate => "Moderate",
        Certainty::Low => "Low",
        Certainty::VeryLow => "Very low",
    }
}

/// The text a screen reader gets for the symbols: `Moderate certainty (3
/// of 4)`.
pub fn certainty_accessible(c: Certainty) -> String {
    format!("{} certainty ({} of 4)", certainty_label(c), 4 - c.steps())
}

/// A GRADE domain in words: `Risk of bias`.
pub fn domain_label(d: Domain) -> &'static str {
    match d {
        Domain::RiskOfBias => "Risk of bias",
        Domain::Inconsistency => "Inconsistency",
        Domain::Indirectness => "Indirectness",
        Domain::Imprecision => "Imprecision",
        Domain::PublicationBias => "Publication bias",
    }
}

/// One reason for rating down: `Imprecision (very serious, −2): …`.
pub fn rated_down_text(r: &RatedDown) -> String {
    let how = if r.levels >= 2 {
        "very serious, −2"
    } else {
        "serious, −1"
    };
    format!("{} ({how}): {}", domain_label(r.domain), r.reason)
}

/// A risk as patients per 1,000: `355 per 1,000`.
pub fn per_1000_risk(r: f64) -> String {
    format!("{} per 1,000", num(1000.0 * r, 0))
}

/// A difference per 1,000 in words: `35 more`, `35 fewer`, `0 more`.
fn more_fewer(x: f64) -> String {
    let n = num(x.abs(), 0);
    if x < 0.0 && n != "0" {
        format!("{n} fewer")
    } else {
        format!("{n} more")
    }
}

/// The absolute effect: `35 more per 1,000 (from 35 fewer to 124 more)`.
pub fn absolute_effect(a: &Per1000) -> String {
    format!(
        "{} per 1,000 (from {} to {})",
        more_fewer(a.estimate),
        more_fewer(a.ci_low),
        more_fewer(a.ci_high)
    )
}

/// Where the assumed control risk comes from, in words.
pub fn control_risk_source(s: &SofResult) -> String {
    match s.control_risk_from {
        Source::Author => "the assumed control risk is the author's".to_string(),
        _ => format!(
            "the assumed control risk is the median control-arm risk of the {} pooled trials",
            s.trials
        ),
    }
}

/// A proportion as a percentage with up to one decimal: `30.9%`, `20%`.
pub fn percent(x: f64) -> String {
    let s = num(100.0 * x, 1);
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    format!("{s}%")
}

/// A count with thousands separators: `2,082`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The assumptions of a trial sequential analysis in one sentence.
pub fn tsa_assumptions(t: &TsaResult) -> String {
    let a = &t.assumptions;
    let d2 = match a.heterogeneity_from {
        Source::Author => format!("a D² of {} set by the author", percent(a.heterogeneity)),
        _ => format!("D² {} computed from the trials", percent(a.heterogeneity)),
    };
    let sizes = if t.unadjusted_information_size == t.required_information_size {
        format!(
            "{} patients, no larger after the heterogeneity correction",
            count(t.required_information_size)
        )
    } else {
        format!(
            "{} patients before the heterogeneity correction, {} after it",
            count(t.unadjusted_information_size),
            count(t.required_information_size)
        )
    };
    format!(
        "Assumed control risk {}, relative risk reduction {}, two-sided α {}, β {} (power {}), {d2}: {sizes}",
        percent(a.control_risk),
        percent(a.rrr),
        percent(a.alpha),
        percent(a.beta),
        percent(1.0 - a.beta),
    )
}

/// The assumptions in a chart note: `Control risk 30.9%, RRR 20%, α 5%,
/// power 90%, D² 0%`.
pub fn tsa_assumptions_short(t: &TsaResult) -> String {
    let a = &t.assumptions;
    format!(
        "Control risk {}, RRR {}, α {} (two-sided), power {}, D² {}",
        percent(a.control_risk),
        percent(a.rrr),
        percent(a.alpha),
        percent(1.0 - a.beta),
        percent(a.heterogeneity)
    )
}

/// Where the z-curve stands, in one sentence.
pub fn tsa_verdict(t: &TsaResult) -> String {
    let last = t.boundaries.last();
    let frac = percent(t.accrued as f64 / t.required_information_size as f64);
    let head = format!(
        "{} of the {} patients needed ({frac})",
        count(t.accrued),
        count(t.required_information_size)
    );
    let crossed = t
        .boundaries
        .iter()
        .find(|l| match (l.z, l.efficacy_boundary) {
            (Some(z), Some(b)) => z.abs() >= b,
            _ => false,
        });
    let z = last.and_then(|l| l.z).map(|z| num(z, 2));
    match (crossed, z) {
        (Some(l), _) => format!(
            "{head}. The cumulative z-curve crossed the monitoring boundary at {}",
            l.label
        ),
        (None, Some(z)) if t.accrued >= t.required_information_size => format!(
            "{head}. The required information size is reached and the z-curve (z = {z}) is inside the boundaries: the effect assumed can be ruled out"
        ),
        (None, Some(z)) => {
            let b = last
                .and_then(|l| l.efficacy_boundary)
                .map(|b| format!(" (±{} at this point)", num(b, 2)))
                .unwrap_or_default();
            format!(
                "{head}. The cumulative z-curve (z = {z}) has not crossed the monitoring boundary{b}: the evidence is not yet enough to confirm or rule out the effect assumed"
            )
        }
        (None, None) => format!("{head}. The trials have no pooled estimate to plot"),
    }
}

/// The label a trial sequential analysis carries.
pub const TSA_LABEL: &str = "Exploratory.";

/// The Cochrane Handbook's caution about trial sequential analysis, in our
/// words.
pub const TSA_CAUTION: &str = "Trial sequential analysis is one way to ask whether a \
meta-analysis has enough patients for a firm answer; the Cochrane Handbook does not recommend \
sequential methods for routine use in reviews. Its answer depends entirely on the assumed control \
risk and effect, which are judgements, and it says nothing about bias, directness or whether the \
trials should have been pooled.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_p_values_never_read_zero() {
        assert_eq!(p_text(0.0), "p < 0.001");
        assert_eq!(p_text(0.000_4), "p < 0.001");
        assert_eq!(p_text(0.001), "p = 0.001");
        assert_eq!(p_text(0.004_9), "p = 0.005");
        assert_eq!(p_text(0.012), "p = 0.01");
        assert_eq!(p_text(0.094), "p = 0.09");
        assert_eq!(p_text(0.5), "p = 0.50");
        assert_eq!(p_text(1.0), "p = 1.00");
        assert_eq!(p_recomputed(0.0004), "p < 0.001");
        assert_eq!(p_recomputed(0.5401), "p = 0.540");
    }

    #[test]
    fn only_a_recomputed_result_adds_up() {
        assert_eq!(
            verdict_badge(Verdict::Reproduced, Measure::RR, true),
            "✓ RR adds up"
        );
        assert_eq!(
            verdict_badge(Verdict::Consistent, Measure::HR, true),
            "◇ HR: CI and p agree"
        );
        assert_eq!(
            verdict_badge(Verdict::Consistent, Measure::HR, false),
            "◇ HR: estimate and CI agree"
        );
        for v in [
            Verdict::PartlyReproduced,
            Verdict::NotReproduced,
            Verdict::Consistent,
            Verdict::Inconsistent,
            Verdict::NotCheckable,
        ] {
            assert!(!verdict_badge(v, Measure::HR, true).contains("✓"), "{v:?}");
        }
    }

    #[test]
    fn nnt_wording() {
        use crate::stats::binary::{nnt, risk_difference, RdMethod, TwoByTwo};
        // LeoPARDS death at 28 days, Wald RD 3.6 (−4.5 to 11.7).
        let t = TwoByTwo::new(89, 258, 79, 256).unwrap();
        let rd = risk_difference(&t, RdMethod::Wald, 0.95).unwrap();
        assert_eq!(
            nnt_text(&nnt(&rd, true).unwrap()),
            "NNTH 28 (NNTB 23 to ∞ to NNTH 9)"
        );
        // A clear benefit: 10% vs 20% in 1000 per arm.
        let t = TwoByTwo::new(100, 1000, 200, 1000).unwrap();
        let rd = risk_difference(&t, RdMethod::Wald, 0.95).unwrap();
        assert_eq!(nnt_text(&nnt(&rd, true).unwrap()), "NNTB 10 (8 to 15)");
        // Zero difference.
        let z = TwoByTwo::new(5, 10, 5, 10).unwrap();
        let rd = risk_difference(&z, RdMethod::Wald, 0.95).unwrap();
        assert!(nnt_text(&nnt(&rd, true).unwrap()).starts_with("NNT ∞ (NNTB"));
    }

    #[test]
    fn tiny_ratio_bounds_keep_two_significant_digits() {
        assert_eq!(
            estimate_ci(Measure::RR, 0.74, 0.004_97, 111.44),
            "RR 0.74 (0.0050 to 111.44)"
        );
        assert_eq!(
            estimate_ci(Measure::RR, 0.5, 0.05, 1.2),
            "RR 0.50 (0.050 to 1.20)"
        );
        assert_eq!(
            estimate_ci(Measure::MD, -0.004, -0.02, 0.01),
            "MD −0.004 (−0.020 to 0.010)"
        );
    }

    #[test]
    fn a_p_below_005_is_not_rounded_up_to_005() {
        assert_eq!(p_text(0.0496), "p = 0.0496");
        assert_eq!(p_text(0.0499), "p = 0.0499");
        assert_eq!(p_text(0.04996), "p < 0.05");
        assert_eq!(p_text(0.0494), "p = 0.049");
        assert_eq!(p_text(0.0504), "p = 0.05");
    }
}

#[cfg(test)]
mod number_text_tests {
    use super::*;

    #[test]
    fn numbers_printed_together_share_their_decimals() {
        // LeoPARDS, respiratory SOFA: printed "1.70 ± 1.18"; YAML gives 1.7.
        assert_eq!(mean_sd_text(1.7, 1.18), "1.70 ± 1.18");
        assert_eq!(mean_sd_text(6.68, 3.96), "6.68 ± 3.96");
        assert_eq!(mean_sd_text(12.0, 4.0), "12 ± 4");
        assert_eq!(mean_sd_text(-0.5, 1.25), "−0.50 ± 1.25");
        assert_eq!(median_iqr_text(5.0, 3.0, 8.5), "5.0 (3.0–8.5)");
        assert_eq!(median_iqr_text(0.125, 0.1, 0.2), "0.125 (0.100–0.200)");
        // More than three decimals are rounded to three.
        assert_eq!(same_decimals(&[1.23456]), ["1.235"]);
    }
}

#[cfg(test)]
mod evidence_text_tests {
    use super::*;

    #[test]
    fn certainty_has_symbols_words_and_an_accessible_text() {
        assert_eq!(certainty_symbols(Certainty::High), "⊕⊕⊕⊕");
        assert_eq!(certainty_symbols(Certainty::Moderate), "⊕⊕⊕◯");
        assert_eq!(certainty_symbols(Certainty::VeryLow), "⊕◯◯◯");
        assert_eq!(certainty_label(Certainty::VeryLow), "Very low");
        assert_eq!(
            certainty_accessible(Certainty::Low),
            "Low certainty (2 of 4)"
        );
    }

    #[test]
    fn absolute_effects_say_more_or_fewer() {
        let a = Per1000 {
            estimate: 33.9,
            ci_low: -25.6,
            ci_high: 108.2,
        };
        assert_eq!(
            absolute_effect(&a),
            "34 more per 1,000 (from 26 fewer to 108 more)"
        );
        // Rounding to no difference is not "0 fewer".
        let z = Per1000 {
            estimate: -0.2,
            ci_low: -0.4,
            ci_high: 0.4,
        };
        assert_eq!(
            absolute_effect(&z),
            "0 more per 1,000 (from 0 more to 0 more)"
        );
        assert_eq!(per_1000_risk(0.2649), "265 per 1,000");
        assert_eq!(count(2210), "2,210");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(percent(0.309), "30.9%");
        assert_eq!(percent(0.2), "20%");
    }
}
