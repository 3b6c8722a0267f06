//! Present: numbers into the words a reader sees.
//!
//! One home for the rules that turn a computed number into text, so the
//! trial page, the topic page, the charts and the feed say the same thing:
//! decimals and the true minus sign (`num`, `same_decimals`, mean ± SD,
//! median (IQR)), how a p value is printed, how a pooled analysis is
//! headlined (including what a page says when there are too few trials for
//! a random-effects estimate, or when they disagree), the heterogeneity and
//! prediction sentences, NNT wording, check-verdict badges and trial-status
//! wording, what changed between two released versions (the history's
//! differences, in words and numbers), the result card's rules (arm
//! results, the absolute difference per 100 patients, an NNT that is never
//! given when its interval includes no difference, the fragility index
//! beside the patients not analysed, what a card says without results, and
//! how a pooled result is read without claiming more than the trials
//! show), and the summary-of-findings and trial-sequential-analysis wording
//! (certainty symbols, risks per 1,000), and the one reference style of the
//! site ([`reference()`], Vancouver as medical journals use it), and the
//! words of registry versus paper (`registry`). Later stages call it; the
//! statistics and analyse stages stay numbers. What still formats in place
//! (chart cells) moves here as issue 9 goes on.

use crate::analyse::{
    ArmResult, EffectResult, NoPrediction, Per1000, PooledResult, SofResult, Source, TsaResult,
};
use crate::history::{
    AnalysisDiff, Change, Pooled, Side, TopicDiff, TrialChange, TrialDiff, TrialRef,
};
use crate::link::{TrialStatus, ValueShow};
use crate::model::Source as DataSource;
use crate::model::{
    Certainty, Direction, Domain, Measure, Publication, RatedDown, Reported, Trial,
};
use crate::stats::binary::{Nnt, NntDirection, NntValue};
use crate::stats::check::Verdict;
use crate::stats::meta::Lead;

mod registry;
pub use registry::*;

/// Format a number with `d` decimals and a true minus sign.
///
/// The text is the one `format!("{:.d$}")` gives (correctly rounded from
/// the exact binary value), with `-` turned into `−` and no sign on a
/// number that prints as zero. Most numbers take a short way there
/// ([`fixed_fast`]); trial pages print tens of numbers each, and the
/// general formatter was about 2% of a large build.
pub fn num(x: f64, d: usize) -> String {
    fixed_fast(x, d).unwrap_or_else(|| fixed_general(x, d))
}

/// [`num`] by scaling to a whole number: `x·10^d`, rounded, in whole-number
/// text with the point put in. Exact when `x·10^d` is below 10⁹ in size and
/// not within 10⁻⁶ of a half (`None` otherwise): 10^d is exact in an
/// `f64` for `d ≤ 9` and the product is then off by less than 2⁻²³, so the
/// nearest whole number is that of the exact value, and no tie (whose
/// rounding the general formatter decides on the exact digits) is near.
fn fixed_fast(x: f64, d: usize) -> Option<String> {
    const POW10: [f64; 10] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let y = x.abs() * *POW10.get(d)?;
    if !(y < 1e9) || (y - y.floor() - 0.5).abs() < 1e-6 {
        return None;
    }
    let whole = y.round() as u64;
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(whole);
    let mut out = String::with_capacity(digits.len() + d + 4);
    if x < 0.0 && whole != 0 {
        out.push('\u{2212}');
    }
    if d == 0 {
        out.push_str(digits);
        return Some(out);
    }
    if digits.len() <= d {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', d - digits.len()));
        out.push_str(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - d);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// [`num`] through the general formatter.
fn fixed_general(x: f64, d: usize) -> String {
    let s = format!("{:.*}", d, x);
    // Fixed-point formatting has no exponent: a minus can only lead.
    match s.strip_prefix('-') {
        None => s,
        Some(rest) if rest.bytes().all(|c| c == b'0' || c == b'.') => rest.to_string(),
        Some(rest) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('−');
            out.push_str(rest);
            out
        }
    }
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

/// One arm's result as the trial page shows it: events/total (%)
/// (`89/258 (34.5%)`), mean ± SD and n (`6.68 ± 3.96 (n = 258)`), or
/// median (IQR) (`22 (0–26)`).
pub fn arm_text(a: &ArmResult) -> String {
    match (a.events, a.total, a.mean, a.median) {
        (Some(e), Some(t), _, _) => format!("{e}/{t} ({}%)", percent(e, t)),
        (_, _, Some(m), _) => format!(
            "{}{}",
            mean_sd_text(m, a.sd.unwrap_or(0.0)),
            a.n.map(|n| format!(" (n = {n})")).unwrap_or_default()
        ),
        (_, _, _, Some(m)) => median_iqr_text(m, a.q1.unwrap_or(m), a.q3.unwrap_or(m)),
        _ => "–".into(),
    }
}

/// A page's result in one line, as a list shows it and the feed gives it:
/// `Death at 28 days: Drug 8.0% vs Placebo 14.0%, RR 0.57 (0.40 to 0.83)`,
/// `Mortality: RR 1.13 (0.90 to 1.41) · 2 trials, 719 participants · Too
/// uncertain to tell`.
pub fn glance_line(
    label: &str,
    arms: Option<&str>,
    effect: Option<&str>,
    size: Option<&str>,
    verdict: Option<&str>,
) -> String {
    let result: Vec<&str> = arms.into_iter().chain(effect).collect();
    let parts: Vec<String> = (!result.is_empty())
        .then(|| result.join(", "))
        .into_iter()
        .chain(size.into_iter().chain(verdict).map(str::to_string))
        .collect();
    format!("{label}: {}", parts.join(" · "))
}

/// An outcome's label with its time point when the label does not say it
/// ([`timepoint_beside`]): `Mean SOFA score (28 days)`, `Death at day 28`.
pub fn outcome_with_timepoint(label: &str, timepoint: Option<&str>) -> String {
    match timepoint_beside(label, timepoint) {
        Some(tp) => format!("{label} ({tp})"),
        None => label.to_string(),
    }
}

/// A glance's label when the page (an appraisal of several trials) must
/// say whose result it is: `LEVOECMO · Successful weaning`.
pub fn glance_label_of_trial(acronym: &str, label: &str) -> String {
    format!("{acronym} · {label}")
}

/// The arms' results side by side, experimental arm first, for a list:
/// their risks (`Levosimendan 68.3% vs Placebo 68.3%`), else their means
/// or medians (`Levosimendan 6.68 vs Placebo 6.06 (means)`), with the
/// decimals [`arm_part_text`] gives them; `None` unless every one of at
/// least two arms has that number.
pub fn arms_glance_text(arms: &[ArmResult]) -> Option<String> {
    let counted = |a: &ArmResult| a.events.is_some() && a.total.is_some_and(|t| t > 0);
    let every = |f: &dyn Fn(&ArmResult) -> bool| arms.len() >= 2 && arms.iter().all(f);
    let (show, note) = if every(&counted) {
        (ValueShow::Risk, "")
    } else if every(&|a| a.mean.is_some()) {
        (ValueShow::Mean, " (means)")
    } else if every(&|a| a.median.is_some()) {
        (ValueShow::Median, " (medians)")
    } else {
        return None;
    };
    let parts: Option<Vec<String>> = (arms.iter())
        .map(|a| Some(format!("{} {}", a.label, arm_part_text(a, show)?)))
        .collect();
    parts.map(|p| format!("{}{note}", p.join(" vs ")))
}

/// One part of an arm's result, with the decimals [`arm_text`] gives it:
/// the risk (`34.5%`), the count (`89/258`), the mean (`6.68`) or the
/// median (`22`); `None` when the arm has no such number.
pub fn arm_part_text(a: &ArmResult, show: ValueShow) -> Option<String> {
    Some(match show {
        ValueShow::All => arm_text(a),
        ValueShow::Risk => format!("{}%", percent(a.events?, a.total?)),
        ValueShow::Events => format!("{}/{}", a.events?, a.total?),
        ValueShow::Mean => same_decimals(&[a.mean?, a.sd.unwrap_or(0.0)]).swap_remove(0),
        ValueShow::Median => {
            let m = a.median?;
            same_decimals(&[m, a.q1.unwrap_or(m), a.q3.unwrap_or(m)]).swap_remove(0)
        }
    })
}

/// A recomputed effect as the trial page words it, without the method: a
/// risk difference in points (`RD 3.6 pts (−4.5 to 11.7)`), any other
/// measure with two decimals (`RR 1.12 (0.87 to 1.43)`).
pub fn effect_text(e: &EffectResult) -> String {
    match e.measure {
        Measure::RD => format!(
            "RD {} pts ({} to {})",
            num(e.estimate * 100.0, 1),
            num(e.ci_low * 100.0, 1),
            num(e.ci_high * 100.0, 1),
        ),
        _ => format!(
            "{} {} ({} to {})",
            e.measure,
            num(e.estimate, 2),
            num(e.ci_low, 2),
            num(e.ci_high, 2)
        ),
    }
}

/// An effect as the paper printed it, at its printed decimals, with its
/// interval when printed: `HR 1.24 (0.91 to 1.67)`, `RD 3.6 pts (−4.5 to
/// 11.7)` (the start of the trial page's "Reported" line).
pub fn printed_effect_text(r: &Reported) -> String {
    let mut text = format!(
        "{} {}",
        r.measure.short(),
        num(r.estimate, r.decimals as usize)
    );
    if r.measure == Measure::RD {
        text.push_str(" pts");
    }
    if let (Some((a, b)), Some((da, db))) = (r.ci, r.ci_decimals) {
        text.push_str(&format!(
            " ({} to {})",
            num(a, da as usize),
            num(b, db as usize)
        ));
    }
    text
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
        TrialStatus::ResultsPosted => "results-posted",
    }
}

/// The status of a registry record with results posted on the registry
/// and no paper, as its badge, list and feed say it.
pub fn results_posted_status() -> &'static str {
    "Results posted on the registry, no paper"
}

/// The status badge of a trial page: `Published 2016`, `Ongoing:
/// Recruiting`, `Registry record · published`, `Results posted on the
/// registry, no paper`.
pub fn status_label(st: TrialStatus, t: &Trial) -> String {
    match st {
        // Short: it is a badge. The status the registry showed is in the
        // record's facts.
        TrialStatus::Superseded => "Registry record · published".into(),
        TrialStatus::ResultsPosted => results_posted_status().into(),
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
        TrialStatus::ResultsPosted => Some(results_posted_status().into()),
        TrialStatus::Published => None,
    }
}

/// The first words of a trial's feed entry: what changed.
/// `published_records` names the registry records a published trial
/// supersedes.
pub fn status_feed(st: TrialStatus, t: &Trial, published_records: &[&str]) -> String {
    match st {
        TrialStatus::Superseded => "Registry record: results now published. ".into(),
        TrialStatus::ResultsPosted => format!("{}. ", results_posted_status()),
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

/// A released version as a heading: `Version 2 (2026-12-01)`.
pub fn version_heading(number: u32, date: crate::model::Date) -> String {
    format!("Version {number} ({})", date.iso())
}

/// A trial as a difference names it: `LEVOECMO (2026)`.
pub fn trial_ref_text(t: &TrialRef) -> String {
    match t.year {
        Some(y) => format!("{} ({y})", t.label),
        None => t.label.clone(),
    }
}

/// `1.13 (0.90 to 1.41)`: [`estimate_ci`] without the measure.
fn estimate_ci_bare(measure: Measure, p: &Pooled) -> String {
    let d = pooled_decimals(measure);
    let f = |x| pooled_num(measure, x, d);
    format!("{} ({} to {})", f(p.estimate), f(p.ci_low), f(p.ci_high))
}

/// Where an interval lies, in words for `measure`: `below 1`, `above 0`.
fn side_text(measure: Measure, side: Side) -> String {
    let null = if measure.is_ratio() { "1" } else { "0" };
    match side {
        Side::Below => format!("below {null}"),
        Side::Above => format!("above {null}"),
        Side::Crosses => format!("across {null}"),
    }
}

/// A certainty level in a sentence: `moderate`, `very low`; `not stated`
/// when the analysis stated none (its words are [`certainty_label`]'s).
pub fn certainty_text(c: Option<Certainty>) -> String {
    c.map_or_else(
        || "not stated".into(),
        |c| certainty_label(c).to_lowercase(),
    )
}

/// A change that matters, in words: `the CI now crosses 1`, `the
/// prediction interval moved from across 1 to below 1`, `certainty
/// moderate → low`.
pub fn change_text(measure: Measure, c: &Change) -> String {
    let null = if measure.is_ratio() { "1" } else { "0" };
    match *c {
        Change::CiNowCrossesNull => format!("the CI now crosses {null} (no clear effect)"),
        Change::CiNoLongerCrossesNull { side } => format!(
            "the CI no longer crosses {null} (now wholly {})",
            side_text(measure, side)
        ),
        Change::PredictionSide { before, after } => format!(
            "the prediction interval moved from {} to {}",
            side_text(measure, before),
            side_text(measure, after)
        ),
        Change::EstimateAppears { now: true } => "a pooled estimate now".into(),
        Change::EstimateAppears { now: false } => "no pooled estimate now".into(),
        Change::Certainty { before, after } => format!(
            "certainty {} → {}",
            certainty_text(before),
            certainty_text(after)
        ),
    }
}

/// What moved in one analysis: `+ LEVOECMO (2026). RR 1.12 (0.87 to
/// 1.43) → 1.13 (0.90 to 1.41); trials 1 → 2; I² 0%; conclusion
/// unchanged.` A first version says `first recorded:` and the numbers.
pub fn analysis_diff_text(a: &AnalysisDiff) -> String {
    let mut out = String::new();
    let first = a.k_before.is_none();
    let names = |ts: &[TrialRef]| ts.iter().map(trial_ref_text).collect::<Vec<_>>().join(", ");
    if a.k_after.is_none() {
        return "analysis removed.".into();
    }
    if first {
        out.push_str("first recorded: ");
        if !a.added.is_empty() {
            out.push_str(&format!("{}. ", names(&a.added)));
        }
    } else {
        let mut moved = Vec::new();
        if !a.added.is_empty() {
            moved.push(format!("+ {}", names(&a.added)));
        }
        if !a.removed.is_empty() {
            moved.push(format!("− {}", names(&a.removed)));
        }
        if !moved.is_empty() {
            out.push_str(&format!("{}. ", moved.join("; ")));
        }
    }
    let m = a.measure;
    let mut parts = Vec::new();
    match (&a.before, &a.after) {
        (Some(b), Some(n)) if !first => parts.push(format!(
            "{m} {} → {}",
            estimate_ci_bare(m, b),
            estimate_ci_bare(m, n)
        )),
        (_, Some(n)) => parts.push(format!("{m} {}", estimate_ci_bare(m, n))),
        (Some(b), None) => parts.push(format!("{m} {} → none", estimate_ci_bare(m, b))),
        (None, None) => parts.push(format!("no pooled {m}")),
    }
    match (a.k_before, a.k_after) {
        (Some(b), Some(n)) if b != n => parts.push(format!("trials {b} → {n}")),
        (_, Some(n)) => parts.push(format!("{n} trial{}", if n == 1 { "" } else { "s" })),
        _ => {}
    }
    if let Some(i2) = a.i2 {
        parts.push(format!("I² {}%", num(i2, 0)));
    }
    parts.extend(a.changes.iter().map(|c| change_text(m, c)));
    if !first && a.conclusion_unchanged() {
        parts.push("conclusion unchanged".into());
    }
    out.push_str(&parts.join("; "));
    out.push('.');
    out
}

/// How one trial moved, in words, without its name: `registry record
/// now published as LEVOECMO (2026)`.
pub fn trial_change_text(c: &TrialChange) -> String {
    match c {
        TrialChange::Added => "new on the site".into(),
        TrialChange::Removed => "no longer on the site".into(),
        TrialChange::RecordPublished { trial } => {
            format!("registry record now published as {}", trial_ref_text(trial))
        }
        TrialChange::Status { before, after } => {
            format!("{} → {}", status_class(*before), status_class(*after))
        }
        TrialChange::PrimaryResult { before, after } => {
            let r = |p: &Option<crate::history::PrimaryResult>| match p {
                Some(p) => estimate_ci(p.measure, p.estimate, p.ci_low, p.ci_high),
                None => "none".into(),
            };
            format!("primary result {} → {}", r(before), r(after))
        }
    }
}

/// How one trial moved, in words: `NCT04728932: registry record now
/// published as LEVOECMO (2026).` (a registry record is named by its id
/// alone: it has no year of its own).
pub fn trial_diff_text(d: &TrialDiff) -> String {
    let name = match d.change {
        TrialChange::RecordPublished { .. } => d.trial.label.clone(),
        _ => trial_ref_text(&d.trial),
    };
    format!("{name}: {}.", trial_change_text(&d.change))
}

/// What moved in a topic: each analysis (titled when the topic has more
/// than one), then the trials whose record moved that no analysis names
/// (a registry record now published, a new trial not pooled).
pub fn topic_diff_text(t: &TopicDiff) -> String {
    let mut out: Vec<String> = t
        .analyses
        .iter()
        .map(|a| {
            if t.analyses.len() > 1 {
                format!("{}: {}", a.title, analysis_diff_text(a))
            } else {
                analysis_diff_text(a)
            }
        })
        .collect();
    let named = |id: &str| {
        t.analyses
            .iter()
            .any(|a| a.added.iter().chain(&a.removed).any(|r| r.id == id))
    };
    out.extend(
        t.trials
            .iter()
            .filter(|d| {
                !matches!(d.change, TrialChange::Added | TrialChange::Removed)
                    || !named(&d.trial.id)
            })
            .map(trial_diff_text),
    );
    out.join(" ")
}

/// A version's line for one topic: `Version 2 (2026-12-01): + LEVOECMO
/// (2026). RR 1.12 (0.87 to 1.43) → 1.13 (0.90 to 1.41); …`
pub fn version_topic_line(number: u32, date: crate::model::Date, t: &TopicDiff) -> String {
    format!("{}: {}", version_heading(number, date), topic_diff_text(t))
}

/// What is not released yet, as a heading: `Changes since version 2`.
pub fn unreleased_heading(since: u32) -> String {
    format!("Changes since version {since}")
}

/// What a version (or the unreleased state) changed for readers, when no
/// topic or trial moved: `No change to the evidence.`
pub const NO_CHANGE: &str = "No change to the evidence.";

fn registry_status(t: &Trial) -> Option<String> {
    t.registry.as_ref().and_then(|r| r.status.clone())
}

/// A probability as a whole percentage that never rounds to certainty:
/// `0%` and `100%` only when it is exactly so, `<1%` and `>99%` otherwise.
pub fn probability_percent(p: f64) -> String {
    match num(p * 100.0, 0).as_str() {
        "0" if p > 0.0 => "<1%".into(),
        "100" if p < 1.0 => ">99%".into(),
        whole => format!("{whole}%"),
    }
}

/// The Bayesian re-analyses in words, one line per distinct posterior: the
/// prior, the posterior ratio with its credible interval, and the
/// probabilities of benefit and harm. Priors whose posteriors read the same
/// are named together (`Sceptical and neutral priors: posterior RR 0.99
/// (0.94 to 1.05); P(benefit) 60%, P(harm) 40%`): a large trial's data swamp
/// any prior, and the same line twice says nothing more.
pub fn bayes_lines(all: &[crate::analyse::BayesOut]) -> Vec<String> {
    let posteriors = all.iter().map(|b| {
        let text = format!(
            "posterior RR {} ({} to {}); P(benefit) {}, P(harm) {}",
            num(b.ratio, 2),
            num(b.ci_low, 2),
            num(b.ci_high, 2),
            probability_percent(b.p_benefit),
            probability_percent(b.p_harm)
        );
        (text, b.prior.as_str())
    });
    group_same(posteriors)
        .into_iter()
        .map(|(text, priors)| {
            let noun = if priors.len() == 1 { "prior" } else { "priors" };
            crate::model::capitalise(&format!("{} {noun}: {text}", and_list(&priors)))
        })
        .collect()
}

/// The effects recomputed from the arm data as the trial page's outcome
/// row lists them: a risk difference with the method that gave it (`RD 1.7
/// pts (0.2 to 3.2), Wald`), any other measure as [`effect_text`]. Risk
/// differences that read the same by several methods are one line naming
/// them all (`…, Wald and Newcombe hybrid score`).
pub fn recomputed_lines(effects: &[EffectResult]) -> Vec<String> {
    let mut lines = Vec::new();
    // The risk differences, gathered, go where the first of them was.
    let mut rd_at = None;
    let mut rds = Vec::new();
    for e in effects {
        if e.measure == Measure::RD {
            rd_at.get_or_insert(lines.len());
            rds.push((effect_text(e), e.method));
        } else {
            lines.push(effect_text(e));
        }
    }
    if let Some(at) = rd_at {
        let rd = group_same(rds.into_iter())
            .into_iter()
            .map(|(text, methods)| format!("{text}, {}", and_list(&methods)));
        lines.splice(at..at, rd);
    }
    lines
}

/// Pairs `(text, name)` grouped by equal text, in the order each text first
/// appears, with the names that share it.
fn group_same<'a>(pairs: impl Iterator<Item = (String, &'a str)>) -> Vec<(String, Vec<&'a str>)> {
    let mut groups: Vec<(String, Vec<&'a str>)> = Vec::new();
    for (text, name) in pairs {
        match groups.iter_mut().find(|(t, _)| *t == text) {
            Some((_, names)) => names.push(name),
            None => groups.push((text, vec![name])),
        }
    }
    groups
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Percentage `e` of `t` to one decimal (empty when `t` is 0).
pub fn percent(e: u64, t: u64) -> String {
    if t == 0 {
        return String::new();
    }
    num(100.0 * e as f64 / t as f64, 1)
}

/// `1 patient`, `12 patients`.
fn patients(n: u64) -> String {
    format!("{n} patient{}", if n == 1 { "" } else { "s" })
}

/// The fragility sentence of an outcome's detail: the fragility index of a
/// significant result, else the reverse fragility index; `None` when
/// neither was computed.
pub fn fragility_text(fragility: Option<u64>, reverse: Option<u64>) -> Option<String> {
    match (fragility, reverse) {
        (Some(f), _) => Some(format!(
            "Fragility index {f}: {} with a different outcome would make p ≥ 0.05 (Fisher)",
            patients(f)
        )),
        (None, Some(f)) => Some(format!(
            "Reverse fragility index {f}: {} with a different outcome would make p < 0.05 (Fisher)",
            patients(f)
        )),
        (None, None) => None,
    }
}

/// Randomised patients left out of one outcome's analysis: `missing` of
/// `randomised`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnalysed {
    /// Randomised but not in the analysis (withdrawn, lost to follow-up).
    pub missing: u64,
    /// Randomised in all the arms compared.
    pub randomised: u64,
}

/// The result card's fragility line: the index (or reverse index) beside
/// the randomised patients not in the analysis, which can be as many as
/// the index and so decide the result; why there is none for an outcome
/// that is not events/total (`binary` false) or has no index.
pub fn fragility_in_context(
    fragility: Option<u64>,
    reverse: Option<u64>,
    binary: bool,
    not_analysed: Option<NotAnalysed>,
) -> String {
    if !binary {
        return "Only defined for events/total outcomes".into();
    }
    let Some(base) = fragility_text(fragility, reverse) else {
        return "Not computable for these counts".into();
    };
    let Some(na) = not_analysed else {
        return format!("{base}; how many randomised patients were not analysed is not given");
    };
    let index = fragility.or(reverse).unwrap_or(0);
    let missing = match na.missing {
        0 => format!("all {} randomised patients were analysed", na.randomised),
        m => format!(
            "{m} of the {} randomised {} not analysed",
            na.randomised,
            if m == 1 { "was" } else { "were" }
        ),
    };
    if na.missing > 0 && na.missing >= index {
        format!("{base}; {missing}, as many as that, so the result could hang on them")
    } else {
        format!("{base}; {missing}")
    }
}

/// The absolute difference of a risk difference `rd` (a proportion, with
/// its CI) per 100 patients: `3.6 more per 100 patients (95% CI 4.5 fewer to
/// 11.7 more)`.
pub fn difference_text(rd: f64, lo: f64, hi: f64) -> String {
    let side = |x: f64| {
        let v = num((100.0 * x).abs(), 1);
        if v.chars().all(|c| c == '0' || c == '.') {
            v
        } else if x < 0.0 {
            format!("{v} fewer")
        } else {
            format!("{v} more")
        }
    };
    format!(
        "{} per 100 patients (95% CI {} to {})",
        side(rd),
        side(lo),
        side(hi)
    )
}

/// The result card's NNT: `NNTB 10 (8 to 15)` when the interval of the
/// difference excludes no difference; otherwise none is estimable, and the
/// card says which benefit and harm the interval still fits, never one
/// number.
pub fn card_nnt_text(n: &Nnt) -> String {
    if !n.crosses_infinity {
        return nnt_text(n);
    }
    let fits: Vec<String> = [
        n.benefit_limit
            .rounded
            .map(|b| format!("benefit (NNTB {b} or more)")),
        n.harm_limit
            .rounded
            .map(|h| format!("harm (NNTH {h} or more)")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if fits.is_empty() {
        return "Not estimable: the 95% CI includes no difference".into();
    }
    format!(
        "Not estimable: the 95% CI includes no difference, so it fits {}",
        fits.join(" and ")
    )
}

/// What the result card calls the outcome it shows, from the number of
/// outcomes marked primary: `Primary outcome`, `Primary outcome (the first
/// of 2)`, or, with none marked, that this is the first outcome reported.
pub fn card_outcome_label(primaries: usize) -> String {
    match primaries {
        0 => "No outcome is marked primary: the first one reported".into(),
        1 => "Primary outcome".into(),
        n => format!("Primary outcome (the first of {n})"),
    }
}

/// What the result card says for a trial without outcome data: a registry
/// record of an ongoing trial, a record whose results are published
/// elsewhere, or a published trial whose numbers are not entered.
pub fn card_no_results(st: TrialStatus, t: &Trial) -> String {
    match st {
        TrialStatus::Ongoing => {
            let planned = t
                .registry
                .as_ref()
                .and_then(|r| r.enrollment)
                .map(|e| format!("; planned enrolment {e}"))
                .unwrap_or_default();
            format!(
                "No results yet: this is the registry record of a trial that is {}{planned}",
                registry_status(t)
                    .map(|s| s.to_lowercase())
                    .unwrap_or_else(|| "ongoing".into())
            )
        }
        TrialStatus::Superseded => {
            "No results on this registry record: they are published on the trial's own page".into()
        }
        TrialStatus::Published => "No outcome data has been entered for this trial".into(),
        TrialStatus::ResultsPosted => {
            "No outcome data on this page: the results posted on the registry are not entered"
                .into()
        }
    }
}

/// The result card's line for the paper check when nothing printed could
/// be checked (the effect shown is appraise's own).
pub fn card_unchecked() -> &'static str {
    "Nothing printed to check: the effect shown is appraise's own recomputation"
}

/// Where the result card's effect comes from: `As printed in the paper`,
/// or `Recomputed by appraise (log-Wald); the paper printed none`; for
/// numbers posted on the registry, `Recomputed by appraise (log-Wald)
/// from the counts posted on the registry`.
pub fn effect_source_text(printed: bool, method: Option<&str>, source: DataSource) -> String {
    let how = match method {
        Some(m) => format!("Recomputed by appraise ({m})"),
        None => "Recomputed by appraise".into(),
    };
    match (printed, source) {
        (true, DataSource::Paper) => "As printed in the paper".into(),
        (true, DataSource::Registry) => "As posted on the registry".into(),
        (false, DataSource::Paper) => format!("{how}; the paper printed none"),
        (false, DataSource::Registry) => format!("{how} from the counts posted on the registry"),
    }
}

/// `2 trials, 1150 participants`.
pub fn pooled_size(k: usize, participants: u64) -> String {
    format!(
        "{k} trial{}, {participants} participant{}",
        if k == 1 { "" } else { "s" },
        if participants == 1 { "" } else { "s" }
    )
}

/// How a ratio limit reads: `10% lower risk`, `41% higher odds`.
fn ratio_side(measure: Measure, x: f64) -> String {
    let what = match measure {
        Measure::RR => "risk",
        Measure::OR => "odds",
        Measure::HR | Measure::SHR => "hazard",
        _ => "ratio",
    };
    let pct = num(((x - 1.0) * 100.0).abs(), 0);
    if pct == "0" {
        format!("the same {what}")
    } else if x < 1.0 {
        format!("{pct}% lower {what}")
    } else {
        format!("{pct}% higher {what}")
    }
}

/// A pooled interval in words: `from 10% lower risk to 41% higher risk`
/// (ratios), `from −0.50 to 1.20` (differences).
fn pooled_range(measure: Measure, lo: f64, hi: f64) -> String {
    if measure.is_ratio() {
        format!(
            "from {} to {}",
            ratio_side(measure, lo),
            ratio_side(measure, hi)
        )
    } else {
        let d = pooled_decimals(measure);
        format!("from {measure} {} to {}", num(lo, d), num(hi, d))
    }
}

/// What a pooled result lets a reader say, claiming no more than it
/// shows ([`pooled_verdict`]); [`pooled_reading`] words it in full and
/// [`pooled_verdict_words`] in a few words, for a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PooledVerdict {
    /// No pooled estimate: the trials disagree too much to pool.
    TrialsDisagree,
    /// The interval includes no difference and there are fewer than 3 trials.
    TooUncertain,
    /// The interval includes no difference, from 3 trials or more.
    NoClearDifference,
    /// The interval excludes no difference.
    PointsTo {
        /// Benefit (else harm) with the intervention.
        benefit: bool,
        /// From fewer than 3 trials: to be read with care.
        few_trials: bool,
        /// Its 95% prediction interval includes no difference: a new trial
        /// could find none.
        new_trial_could_differ: bool,
    },
}

/// The verdict of pooled result `r`: an interval that includes no
/// difference is "too uncertain to tell" with fewer than 3 trials and "no
/// clear difference" (never "no effect") with more; one that excludes it
/// points to benefit or harm for the intervention, flagged when it rests
/// on fewer than 3 trials. When the common effect leads only because τ²
/// cannot be estimated, the wider random-effects interval too must exclude
/// no difference before the result points anywhere.
pub fn pooled_verdict(r: &PooledResult) -> PooledVerdict {
    let (Some(_), Some(lo), Some(hi)) = (r.estimate, r.ci_low, r.ci_high) else {
        return PooledVerdict::TrialsDisagree;
    };
    let null = if r.measure.is_ratio() { 1.0 } else { 0.0 };
    let includes_null = |lo: f64, hi: f64| lo <= null && hi >= null;
    let random_includes_null = matches!(
        (r.lead, r.random),
        (Lead::CommonTooFewStudies, Some([_, a, b])) if includes_null(a, b)
    );
    if includes_null(lo, hi) || random_includes_null {
        return if r.k < 3 {
            PooledVerdict::TooUncertain
        } else {
            PooledVerdict::NoClearDifference
        };
    }
    let lower_is_better = r
        .studies
        .first()
        .is_none_or(|s| s.direction == Direction::LowerIsBetter);
    PooledVerdict::PointsTo {
        benefit: (hi < null) == lower_is_better,
        few_trials: r.k < 3,
        new_trial_could_differ: matches!(
            (r.pi_low, r.pi_high),
            (Some(a), Some(b)) if includes_null(a, b)
        ),
    }
}

/// A pooled verdict in a few words, for a list: `Too uncertain to tell`,
/// `Points to benefit, from only 2 trials`.
pub fn pooled_verdict_words(v: PooledVerdict, k: usize) -> String {
    match v {
        PooledVerdict::TrialsDisagree => "No single answer: the trials disagree".into(),
        PooledVerdict::TooUncertain => "Too uncertain to tell".into(),
        PooledVerdict::NoClearDifference => "No clear difference".into(),
        PooledVerdict::PointsTo {
            benefit,
            few_trials,
            new_trial_could_differ,
        } => {
            let what = if benefit { "benefit" } else { "harm" };
            let mut s = format!("Points to {what}");
            if few_trials {
                s.push_str(&format!(", from only {}", trials_count(k)));
            }
            if new_trial_could_differ {
                s.push_str(", but a new trial could find none");
            }
            s
        }
    }
}

/// `1 trial`, `2 trials`.
fn trials_count(k: usize) -> String {
    format!("{k} trial{}", if k == 1 { "" } else { "s" })
}

/// What a pooled result means in full ([`pooled_verdict`]), with its
/// interval in words, the wider random-effects interval when the common
/// effect leads only because τ² cannot be estimated, and a note when the
/// prediction interval includes no difference.
pub fn pooled_reading(r: &PooledResult) -> String {
    let disagree = || format!("No single answer: the {} trials disagree", r.k);
    let verdict = pooled_verdict(r);
    let (Some(lo), Some(hi)) = (r.ci_low, r.ci_high) else {
        return disagree();
    };
    let range = pooled_range(r.measure, lo, hi);
    let trials = trials_count(r.k);
    let wider = allowing_for_variation(r);
    let (what, caution, next) = match verdict {
        PooledVerdict::TrialsDisagree => return disagree(),
        PooledVerdict::TooUncertain => {
            return format!(
                "Too uncertain to tell: with only {trials}, the 95% CI fits anything {range}{wider}"
            )
        }
        PooledVerdict::NoClearDifference => {
            return format!(
                "No clear difference: the 95% CI fits anything {range}, so neither benefit nor harm is shown"
            )
        }
        PooledVerdict::PointsTo {
            benefit,
            few_trials,
            new_trial_could_differ,
        } => (
            if benefit { "benefit" } else { "harm" },
            if few_trials {
                format!(", but from only {trials}: read with care")
            } else {
                String::new()
            },
            if new_trial_could_differ {
                "; the 95% prediction interval includes no difference, so a new trial could find none"
            } else {
                ""
            },
        ),
    };
    format!("Points to {what} with the intervention: 95% CI {range}{wider}{caution}{next}")
}

/// When the common effect leads only because there are too few trials for
/// τ², the wider random-effects interval in words: `; allowing for
/// variation between trials, from 73% lower risk to 375% higher risk`.
fn allowing_for_variation(r: &PooledResult) -> String {
    match (r.lead, r.random) {
        (Lead::CommonTooFewStudies, Some([_, lo, hi])) if r.k >= 2 => format!(
            "; allowing for variation between trials, {}",
            pooled_range(r.measure, lo, hi)
        ),
        _ => String::new(),
    }
}

/// The TSA chart's note on its dashed boundary.
pub const TSA_PROJECTED_NOTE: &str =
    "Dashed: where the boundary would run if further trials brought the information to the required size in equal steps";

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
pub fn proportion_percent(x: f64) -> String {
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
        Source::Author => format!(
            "a D² of {} set by the author",
            proportion_percent(a.heterogeneity)
        ),
        _ => format!(
            "D² {} computed from the trials",
            proportion_percent(a.heterogeneity)
        ),
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
        proportion_percent(a.control_risk),
        proportion_percent(a.rrr),
        proportion_percent(a.alpha),
        proportion_percent(a.beta),
        proportion_percent(1.0 - a.beta),
    )
}

/// The assumptions in a chart note: `Control risk 30.9%, RRR 20%, α 5%,
/// power 90%, D² 0%`.
pub fn tsa_assumptions_short(t: &TsaResult) -> String {
    let a = &t.assumptions;
    format!(
        "Control risk {}, RRR {}, α {} (two-sided), power {}, D² {}",
        proportion_percent(a.control_risk),
        proportion_percent(a.rrr),
        proportion_percent(a.alpha),
        proportion_percent(1.0 - a.beta),
        proportion_percent(a.heterogeneity)
    )
}

/// Where the z-curve stands, in one sentence.
pub fn tsa_verdict(t: &TsaResult) -> String {
    let last = t.boundaries.last();
    let frac = proportion_percent(t.accrued as f64 / t.required_information_size as f64);
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

/// How many authors a reference names before `et al.` (Vancouver: six).
const REFERENCE_AUTHORS: usize = 6;

/// The paper's reference in the site's one style, Vancouver as the NLM and
/// most medical journals write it: `Authors. Title. Journal. Year Mon
/// Day;Volume(Issue):Pages. doi:DOI. PMID: N.` Up to six authors are
/// named, then `et al.` (also after an author list the writer ended with
/// `et al`). Each part is left out when its field is; without authors or a
/// title the reference is the written `citation` as it stands.
pub fn reference(p: &Publication) -> Option<String> {
    if p.authors.is_empty() && p.title.is_none() {
        return p.citation.clone();
    }
    let mut parts = Vec::new();
    let authors = p.listed_authors();
    if !authors.is_empty() {
        let shown = &authors[..authors.len().min(REFERENCE_AUTHORS)];
        let more = authors.len() > REFERENCE_AUTHORS || p.more_authors();
        let mut a = shown.join(", ");
        if more {
            a.push_str(", et al");
        }
        parts.push(a);
    }
    parts.extend(p.title.clone());
    parts.extend(p.journal.clone());
    let mut issue = match (p.date, p.year) {
        (Some(d), _) => reference_date(d),
        (None, Some(y)) => y.to_string(),
        (None, None) => String::new(),
    };
    if let Some(v) = &p.volume {
        issue.push_str(&format!(";{v}"));
    }
    if let Some(n) = &p.issue {
        issue.push_str(&format!("({n})"));
    }
    if let Some(pg) = &p.pages {
        issue.push_str(&format!(":{pg}"));
    }
    if !issue.is_empty() {
        parts.push(issue);
    }
    parts.extend(p.doi.as_ref().map(|d| format!("doi:{d}")));
    parts.extend(p.pmid.as_ref().map(|n| format!("PMID: {n}")));
    Some(
        parts
            .iter()
            .map(|x| {
                let x = x.trim();
                if x.ends_with(['.', '?', '!']) {
                    x.to_string()
                } else {
                    format!("{x}.")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A date as a Vancouver reference gives it: `2016 Oct 20`, `2016 Oct`, `2016`.
fn reference_date(d: crate::model::Date) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match (d.month, d.day) {
        (Some(m), Some(day)) => format!("{} {} {day}", d.year, MON[m as usize - 1]),
        (Some(m), None) => format!("{} {}", d.year, MON[m as usize - 1]),
        _ => d.year.to_string(),
    }
}

/// A date as Google Scholar's `citation_publication_date` wants it:
/// `2016/10/20`, `2016/10`, `2016`.
pub fn scholar_date(d: crate::model::Date) -> String {
    d.iso().replace('-', "/")
}

// ------------------------------------------------- sensitivity analyses --

/// Whether the interval `[lo, hi]` of `measure` includes no difference
/// (1 for a ratio, 0 for a difference).
fn includes_no_difference(measure: Measure, lo: f64, hi: f64) -> bool {
    let null = if measure.is_ratio() { 1.0 } else { 0.0 };
    lo <= null && hi >= null
}

/// `RR 1.13 (0.90 to 1.41)` of a sensitivity estimate, or why there is
/// none.
fn sensitivity_estimate(
    measure: Measure,
    e: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
) -> String {
    match (e, lo, hi) {
        (Some(e), Some(lo), Some(hi)) => estimate_ci(measure, e, lo, hi),
        _ => "no pooled estimate: the trials disagree".into(),
    }
}

/// The common-effect and random-effects estimates side by side:
/// `Common effect RR 1.13 (0.90 to 1.41); random effects RR 1.13 (0.27 to
/// 4.75)`, saying that neither is a result when the trials disagree;
/// `None` when neither is there.
pub fn models_side_by_side(r: &PooledResult) -> Option<String> {
    let s = &r.sensitivity;
    let text = |x: &crate::analyse::SensitivityEstimate| {
        sensitivity_estimate(r.measure, x.estimate, x.ci_low, x.ci_high)
    };
    let line = match (&s.common, &s.random) {
        (Some(c), Some(x)) => format!("Common effect {}; random effects {}", text(c), text(x)),
        (Some(c), None) => format!("Common effect {}", text(c)),
        (None, Some(x)) => format!("Random effects {}", text(x)),
        (None, None) => return None,
    };
    Some(if r.lead == Lead::NoneTrialsDisagree {
        format!("{line} (neither is a result here: the trials disagree)")
    } else {
        line
    })
}

/// The low-risk-of-bias-only line, saying how many trials were kept:
/// `Low risk of bias only (1 of 2 trials): RR 1.16 (0.71 to 1.90)`, or why
/// there is no such estimate.
pub fn low_risk_text(r: &PooledResult) -> String {
    let s = &r.sensitivity;
    match (&s.low_risk_only, s.assessed) {
        (Some(x), _) => format!(
            "Low risk of bias only ({} of {} trial{}): {}",
            x.k,
            r.k,
            if r.k == 1 { "" } else { "s" },
            sensitivity_estimate(r.measure, x.estimate, x.ci_low, x.ci_high)
        ),
        (None, 0) => {
            "Low risk of bias only: no trial here has a risk-of-bias assessment, so this cannot be done".into()
        }
        (None, n) => format!(
            "Low risk of bias only: none of the {n} assessed trial{} is at low risk of bias overall, so nothing is left to pool",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// A leave-one-out row's estimate: `RR 1.16 (0.71 to 1.90), 1 trial`.
pub fn leave_one_out_estimate(r: &PooledResult, x: &crate::analyse::LeaveOneOut) -> String {
    let e = sensitivity_estimate(r.measure, x.estimate, x.ci_low, x.ci_high);
    format!("{e}, {} trial{}", x.k, if x.k == 1 { "" } else { "s" })
}

/// Whether leaving a trial out changes what the analysis shows, judged on
/// the 95% CI against no difference: (changes, in words). `No` when the
/// interval stays on the same side; otherwise what changes.
pub fn leave_one_out_change(r: &PooledResult, x: &crate::analyse::LeaveOneOut) -> (bool, String) {
    let m = r.measure;
    let side = |lo: f64, hi: f64| {
        let null = if m.is_ratio() { 1.0 } else { 0.0 };
        if includes_no_difference(m, lo, hi) {
            0
        } else if hi < null {
            -1
        } else {
            1
        }
    };
    let full = r.ci_low.zip(r.ci_high).map(|(lo, hi)| side(lo, hi));
    let without = x.ci_low.zip(x.ci_high).map(|(lo, hi)| side(lo, hi));
    let text = match (full, without) {
        (Some(a), Some(b)) if a == b => return (false, "No".into()),
        (None, None) => return (false, "No".into()),
        (Some(_), Some(0)) => "Yes: the CI now includes no difference",
        (Some(0), Some(_)) => "Yes: the CI no longer includes no difference",
        (Some(_), Some(_)) => "Yes: the CI moves to the other side of no difference",
        (Some(_), None) => "Yes: the others disagree, no pooled estimate",
        (None, Some(_)) if x.k == 1 => "Yes: one trial is left, with its own estimate",
        (None, Some(_)) => "Yes: the others give a pooled estimate",
    };
    (true, text.into())
}

/// The leave-one-out table's caption: `Leave one out: the analysis
/// without each trial in turn (1 of them changes the conclusion)`.
pub fn leave_one_out_caption(changes: usize) -> String {
    let base = "Leave one out: the analysis without each trial in turn";
    match changes {
        0 => base.into(),
        1 => format!("{base} (1 of them changes the conclusion)"),
        n => format!("{base} ({n} of them change the conclusion)"),
    }
}

/// `Test for subgroup differences: Q = 1.23, df = 1, p = 0.27`.
pub fn subgroup_test_text(t: &crate::analyse::SubgroupTest) -> String {
    format!(
        "Test for subgroup differences: Q = {}, df = {}, {}",
        num(t.q, 2),
        t.df,
        p_text(t.p)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posterior(prior: &str, ratio: f64, p_benefit: f64) -> crate::analyse::BayesOut {
        crate::analyse::BayesOut {
            prior: prior.into(),
            ratio,
            ci_low: ratio - 0.05,
            ci_high: ratio + 0.06,
            p_benefit,
            p_harm: 1.0 - p_benefit,
        }
    }

    #[test]
    fn priors_with_the_same_posterior_are_named_together() {
        let same = [
            posterior("sceptical", 0.99, 0.6),
            posterior("neutral", 0.99, 0.6),
        ];
        assert_eq!(
            bayes_lines(&same),
            ["Sceptical and neutral priors: posterior RR 0.99 (0.94 to 1.05); P(benefit) 60%, P(harm) 40%"]
        );
        let apart = [
            posterior("sceptical", 0.9, 0.8),
            posterior("neutral", 0.85, 0.9),
            posterior("enthusiastic", 0.9, 0.8),
        ];
        assert_eq!(
            bayes_lines(&apart),
            [
                "Sceptical and enthusiastic priors: posterior RR 0.90 (0.85 to 0.96); P(benefit) 80%, P(harm) 20%",
                "Neutral prior: posterior RR 0.85 (0.80 to 0.91); P(benefit) 90%, P(harm) 10%",
            ]
        );
        assert!(bayes_lines(&[]).is_empty());
    }

    fn recomputed(measure: Measure, estimate: [f64; 3], method: &'static str) -> EffectResult {
        EffectResult {
            measure,
            estimate: estimate[0],
            ci_low: estimate[1],
            ci_high: estimate[2],
            method,
            p: 0.5,
            corrected: false,
        }
    }

    #[test]
    fn risk_differences_that_read_the_same_are_one_line_naming_each_method() {
        let effects = [
            recomputed(Measure::RR, [1.09, 1.01, 1.18], "log-Wald (Katz)"),
            recomputed(Measure::RD, [0.017, 0.002, 0.032], "Wald"),
            recomputed(
                Measure::RD,
                [0.0171, 0.0021, 0.0318],
                "Newcombe hybrid score",
            ),
            recomputed(Measure::OR, [1.12, 1.01, 1.23], "Woolf"),
        ];
        assert_eq!(
            recomputed_lines(&effects),
            [
                "RR 1.09 (1.01 to 1.18)",
                "RD 1.7 pts (0.2 to 3.2), Wald and Newcombe hybrid score",
                "OR 1.12 (1.01 to 1.23)",
            ]
        );
        let apart = [
            recomputed(Measure::RD, [0.05, -0.01, 0.11], "Wald"),
            recomputed(Measure::RD, [0.05, 0.0, 0.12], "Newcombe hybrid score"),
        ];
        assert_eq!(
            recomputed_lines(&apart),
            [
                "RD 5.0 pts (−1.0 to 11.0), Wald",
                "RD 5.0 pts (0.0 to 12.0), Newcombe hybrid score",
            ]
        );
    }

    /// An analysis that went from `before` to `after` as its trials moved.
    fn moved(before: [f64; 3], after: [f64; 3], changes: Vec<Change>) -> AnalysisDiff {
        let pooled = |p: [f64; 3]| Pooled {
            estimate: p[0],
            ci_low: p[1],
            ci_high: p[2],
        };
        AnalysisDiff {
            id: "death".into(),
            title: "Death".into(),
            measure: Measure::RR,
            added: vec![TrialRef {
                id: "b".into(),
                label: "B".into(),
                year: Some(2024),
            }],
            removed: vec![TrialRef {
                id: "c".into(),
                label: "C".into(),
                year: None,
            }],
            before: Some(pooled(before)),
            after: Some(pooled(after)),
            k_before: Some(3),
            k_after: Some(3),
            i2: Some(41.6),
            changes,
        }
    }

    #[test]
    fn a_probability_never_rounds_to_certainty() {
        assert_eq!(probability_percent(0.0), "0%");
        assert_eq!(probability_percent(0.004), "<1%");
        assert_eq!(probability_percent(0.012), "1%");
        assert_eq!(probability_percent(0.5), "50%");
        assert_eq!(probability_percent(0.994), "99%");
        assert_eq!(probability_percent(0.9996), ">99%");
        assert_eq!(probability_percent(1.0), "100%");
    }

    #[test]
    fn a_trial_change_says_what_moved() {
        let p = |e: f64, lo: f64, hi: f64| crate::history::PrimaryResult {
            outcome: "death".into(),
            measure: Measure::RR,
            estimate: e,
            ci_low: lo,
            ci_high: hi,
        };
        let trial = TrialRef {
            id: "a".into(),
            label: "A".into(),
            year: Some(2020),
        };
        let d = TrialDiff {
            trial: trial.clone(),
            change: TrialChange::PrimaryResult {
                before: Some(p(0.8, 0.61, 1.05)),
                after: None,
            },
        };
        assert_eq!(
            trial_diff_text(&d),
            "A (2020): primary result RR 0.80 (0.61 to 1.05) → none."
        );
        let d = TrialDiff {
            trial,
            change: TrialChange::Status {
                before: TrialStatus::Ongoing,
                after: TrialStatus::Published,
            },
        };
        assert_eq!(trial_diff_text(&d), "A (2020): ongoing → published.");
    }

    #[test]
    fn a_difference_names_what_matters() {
        let d = moved(
            [0.8, 0.6, 1.07],
            [0.75, 0.6, 0.94],
            vec![
                Change::CiNoLongerCrossesNull { side: Side::Below },
                Change::PredictionSide {
                    before: Side::Crosses,
                    after: Side::Below,
                },
                Change::Certainty {
                    before: Some(Certainty::Low),
                    after: Some(Certainty::Moderate),
                },
            ],
        );
        assert_eq!(
            analysis_diff_text(&d),
            "+ B (2024); − C. RR 0.80 (0.60 to 1.07) → 0.75 (0.60 to 0.94); 3 trials; I² 42%; the CI no longer crosses 1 (now wholly below 1); the prediction interval moved from across 1 to below 1; certainty low → moderate."
        );
        let d = moved(
            [0.8, 0.7, 0.95],
            [0.9, 0.7, 1.1],
            vec![Change::CiNowCrossesNull],
        );
        assert!(
            analysis_diff_text(&d).ends_with("; I² 42%; the CI now crosses 1 (no clear effect).")
        );
        let d = moved([0.8, 0.6, 1.1], [0.81, 0.6, 1.1], vec![]);
        assert!(analysis_diff_text(&d).ends_with("; I² 42%; conclusion unchanged."));
    }

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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The short way gives the general formatter's text, for any
        /// number, for numbers as papers print them, and for halves.
        #[test]
        fn num_is_the_general_formatters_text(
            any in proptest::num::f64::ANY,
            printed in -100_000i64..100_000,
            scale in 0usize..5,
            d in 0usize..11,
        ) {
            let as_printed = printed as f64 / 10f64.powi(scale as i32);
            let half = (printed as f64 + 0.5) / 10f64.powi(d.min(9) as i32);
            for x in [any, as_printed, half, -half, any * 1e-3, 1.0 / any] {
                proptest::prop_assert_eq!(num(x, d), fixed_general(x, d), "x = {:e}, d = {}", x, d);
            }
        }
    }

    #[test]
    fn num_rounds_as_the_exact_value_says() {
        // 2.675 is 2.67499999… in binary, 0.125 an exact tie (to even).
        assert_eq!(num(2.675, 2), "2.67");
        assert_eq!(num(0.125, 2), "0.12");
        assert_eq!(num(0.375, 2), "0.38");
        assert_eq!(num(-0.004, 2), "0.00");
        assert_eq!(num(-0.0, 1), "0.0");
        assert_eq!(num(-1.25, 1), "\u{2212}1.2");
        assert_eq!(num(1234.5678, 0), "1235");
        assert_eq!(num(0.05, 3), "0.050");
        assert_eq!(num(f64::NAN, 2), "NaN");
        assert_eq!(num(-f64::INFINITY, 2), "\u{2212}inf");
        assert!(fixed_fast(0.125, 2).is_none(), "a tie goes the general way");
        assert!(fixed_fast(3.5, 2).is_some());
    }

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
mod card_tests {
    use super::*;
    use crate::model::Registry;
    use crate::stats::binary::{nnt, risk_difference, RdMethod, TwoByTwo};

    fn nnt_of(a: u64, n1: u64, c: u64, n2: u64) -> Nnt {
        let t = TwoByTwo::new(a, n1, c, n2).unwrap();
        nnt(&risk_difference(&t, RdMethod::Wald, 0.95).unwrap(), true).unwrap()
    }

    #[test]
    fn the_difference_is_per_100_patients_with_its_side_in_words() {
        assert_eq!(
            difference_text(0.036, -0.045, 0.117),
            "3.6 more per 100 patients (95% CI 4.5 fewer to 11.7 more)"
        );
        assert_eq!(
            difference_text(-0.06, -0.0986, -0.0214),
            "6.0 fewer per 100 patients (95% CI 9.9 fewer to 2.1 fewer)"
        );
        // A difference that rounds to zero has no side.
        assert_eq!(
            difference_text(0.0004, -0.02, 0.03),
            "0.0 per 100 patients (95% CI 2.0 fewer to 3.0 more)"
        );
    }

    #[test]
    fn the_card_gives_no_nnt_when_its_interval_includes_no_difference() {
        // A clear benefit: 10% vs 20% in 1000 per arm.
        assert_eq!(
            card_nnt_text(&nnt_of(100, 1000, 200, 1000)),
            "NNTB 10 (8 to 15)"
        );
        // LeoPARDS death at 28 days: RD 3.6 (−4.5 to 11.7) points.
        assert_eq!(
            card_nnt_text(&nnt_of(89, 258, 79, 256)),
            "Not estimable: the 95% CI includes no difference, so it fits benefit \
             (NNTB 23 or more) and harm (NNTH 9 or more)"
        );
        for n in [nnt_of(89, 258, 79, 256), nnt_of(5, 10, 5, 10)] {
            assert!(card_nnt_text(&n).starts_with("Not estimable"));
        }
    }

    #[test]
    fn the_card_says_which_outcome_it_shows() {
        assert_eq!(card_outcome_label(1), "Primary outcome");
        assert_eq!(card_outcome_label(2), "Primary outcome (the first of 2)");
        assert_eq!(
            card_outcome_label(0),
            "No outcome is marked primary: the first one reported"
        );
    }

    #[test]
    fn a_card_without_results_says_why() {
        let mut t = Trial {
            registry: Some(Registry {
                status: Some("Recruiting".into()),
                enrollment: Some(206),
                ..Registry::default()
            }),
            ..Trial::default()
        };
        assert_eq!(
            card_no_results(TrialStatus::Ongoing, &t),
            "No results yet: this is the registry record of a trial that is recruiting; \
             planned enrolment 206"
        );
        t.registry = None;
        assert_eq!(
            card_no_results(TrialStatus::Ongoing, &t),
            "No results yet: this is the registry record of a trial that is ongoing"
        );
        assert!(card_no_results(TrialStatus::Superseded, &t).contains("published"));
        assert_eq!(
            card_no_results(TrialStatus::Published, &t),
            "No outcome data has been entered for this trial"
        );
    }

    #[test]
    fn fragility_is_read_beside_the_patients_not_analysed() {
        let na = |missing, randomised| {
            Some(NotAnalysed {
                missing,
                randomised,
            })
        };
        assert_eq!(
            fragility_in_context(Some(9), None, true, na(8, 1008)),
            "Fragility index 9: 9 patients with a different outcome would make p ≥ 0.05 \
             (Fisher); 8 of the 1008 randomised were not analysed"
        );
        // As many not analysed as the index: the result could hang on them.
        assert_eq!(
            fragility_in_context(Some(2), None, true, na(3, 200)),
            "Fragility index 2: 2 patients with a different outcome would make p ≥ 0.05 \
             (Fisher); 3 of the 200 randomised were not analysed, as many as that, so the \
             result could hang on them"
        );
        assert_eq!(
            fragility_in_context(None, Some(1), true, na(0, 400)),
            "Reverse fragility index 1: 1 patient with a different outcome would make \
             p < 0.05 (Fisher); all 400 randomised patients were analysed"
        );
        assert!(fragility_in_context(Some(4), None, true, None).ends_with("is not given"));
        assert_eq!(
            fragility_in_context(None, None, false, na(1, 516)),
            "Only defined for events/total outcomes"
        );
        assert_eq!(
            fragility_in_context(None, None, true, None),
            "Not computable for these counts"
        );
    }

    #[test]
    fn the_effect_source_is_named() {
        assert_eq!(
            effect_source_text(true, Some("Cox"), DataSource::Paper),
            "As printed in the paper"
        );
        assert_eq!(
            effect_source_text(false, Some("log-Wald"), DataSource::Paper),
            "Recomputed by appraise (log-Wald); the paper printed none"
        );
        assert_eq!(
            effect_source_text(true, None, DataSource::Registry),
            "As posted on the registry"
        );
        assert_eq!(
            effect_source_text(false, Some("log-Wald"), DataSource::Registry),
            "Recomputed by appraise (log-Wald) from the counts posted on the registry"
        );
        assert_eq!(pooled_size(1, 516), "1 trial, 516 participants");
        assert_eq!(pooled_size(2, 719), "2 trials, 719 participants");
    }

    /// A pooled RR result with `k` trials.
    fn pooled(k: usize, lead: Lead, ci: [f64; 3], random: Option<[f64; 3]>) -> PooledResult {
        PooledResult {
            id: "m".into(),
            title: "Mortality".into(),
            endpoint: "all-cause-mortality".into(),
            measure: Measure::RR,
            model: "cochrane-2025".into(),
            model_description: String::new(),
            tau2_method: None,
            ci_method: "Wald",
            k,
            estimate: (lead != Lead::NoneTrialsDisagree).then_some(ci[0]),
            ci_low: (lead != Lead::NoneTrialsDisagree).then_some(ci[1]),
            ci_high: (lead != Lead::NoneTrialsDisagree).then_some(ci[2]),
            p: None,
            common: ci,
            tau2: 0.0,
            tau2_converged: true,
            i2: None,
            h2: None,
            q: 0.0,
            df: k.saturating_sub(1),
            p_q: None,
            lead,
            random,
            random_ci_method: None,
            prediction_missing: None,
            pi_low: None,
            pi_high: None,
            studies: Vec::new(),
            cumulative: Vec::new(),
            subgroups: Vec::new(),
            excluded: Vec::new(),
            tsa: None,
            sof: None,
            sensitivity: Default::default(),
            subgroup_test: None,
        }
    }

    fn without(ci: Option<[f64; 3]>, k: usize) -> crate::analyse::LeaveOneOut {
        crate::analyse::LeaveOneOut {
            omitted: "alpha".into(),
            label: "ALPHA (2012)".into(),
            estimate: ci.map(|c| c[0]),
            ci_low: ci.map(|c| c[1]),
            ci_high: ci.map(|c| c[2]),
            k,
        }
    }

    #[test]
    fn leaving_a_trial_out_changes_the_conclusion_only_across_no_difference() {
        let benefit = pooled(4, Lead::Random, [0.67, 0.49, 0.92], None);
        let unclear = pooled(4, Lead::Random, [0.9, 0.7, 1.1], None);
        let change = |r: &PooledResult, ci| leave_one_out_change(r, &without(ci, 3));
        assert_eq!(
            change(&benefit, Some([0.7, 0.5, 0.95])),
            (false, "No".into())
        );
        assert_eq!(
            change(&benefit, Some([0.69, 0.42, 1.13])),
            (true, "Yes: the CI now includes no difference".into())
        );
        assert_eq!(
            change(&unclear, Some([0.7, 0.5, 0.95])),
            (true, "Yes: the CI no longer includes no difference".into())
        );
        assert_eq!(
            change(&benefit, Some([1.3, 1.1, 1.5])),
            (
                true,
                "Yes: the CI moves to the other side of no difference".into()
            )
        );
        assert_eq!(
            change(&benefit, None),
            (true, "Yes: the others disagree, no pooled estimate".into())
        );
        let disagree = pooled(2, Lead::NoneTrialsDisagree, [1.0, 0.5, 2.0], None);
        assert_eq!(
            leave_one_out_change(&disagree, &without(Some([0.5, 0.3, 0.8]), 1)),
            (true, "Yes: one trial is left, with its own estimate".into())
        );
        assert_eq!(
            leave_one_out_change(&disagree, &without(None, 1)),
            (false, "No".into())
        );
        // A limit exactly at 1 includes no difference.
        assert!(change(&benefit, Some([0.8, 0.6, 1.0])).0);
        assert_eq!(
            leave_one_out_estimate(&benefit, &without(Some([1.164, 0.713, 1.899]), 1)),
            "RR 1.16 (0.71 to 1.90), 1 trial"
        );
        assert_eq!(
            leave_one_out_caption(2),
            "Leave one out: the analysis without each trial in turn (2 of them change the conclusion)"
        );
    }

    #[test]
    fn sensitivity_lines_say_how_many_trials_were_kept() {
        use crate::analyse::SensitivityEstimate;
        let est = |c: [f64; 3], k, lead| SensitivityEstimate {
            estimate: Some(c[0]),
            ci_low: Some(c[1]),
            ci_high: Some(c[2]),
            k,
            lead,
        };
        let mut r = pooled(3, Lead::Random, [0.67, 0.49, 0.92], None);
        assert_eq!(models_side_by_side(&r), None);
        assert_eq!(
            low_risk_text(&r),
            "Low risk of bias only: no trial here has a risk-of-bias assessment, so this cannot be done"
        );
        r.sensitivity.assessed = 1;
        assert_eq!(
            low_risk_text(&r),
            "Low risk of bias only: none of the 1 assessed trial is at low risk of bias overall, so nothing is left to pool"
        );
        r.sensitivity.common = Some(est([0.668, 0.549, 0.813], 3, Lead::Common));
        r.sensitivity.random = Some(est([0.67, 0.487, 0.921], 3, Lead::Random));
        r.sensitivity.low_risk_only = Some(est([0.694, 0.502, 0.96], 2, Lead::Common));
        assert_eq!(
            models_side_by_side(&r).unwrap(),
            "Common effect RR 0.67 (0.55 to 0.81); random effects RR 0.67 (0.49 to 0.92)"
        );
        assert_eq!(
            low_risk_text(&r),
            "Low risk of bias only (2 of 3 trials): RR 0.69 (0.50 to 0.96)"
        );
        r.lead = Lead::NoneTrialsDisagree;
        assert!(models_side_by_side(&r)
            .unwrap()
            .ends_with("(0.49 to 0.92) (neither is a result here: the trials disagree)"));
        r.lead = Lead::Random;
        r.sensitivity.low_risk_only.as_mut().unwrap().estimate = None;
        assert_eq!(
            low_risk_text(&r),
            "Low risk of bias only (2 of 3 trials): no pooled estimate: the trials disagree"
        );
        let t = crate::analyse::SubgroupTest {
            q: 1.2345,
            df: 1,
            p: 0.2665,
        };
        assert_eq!(
            subgroup_test_text(&t),
            "Test for subgroup differences: Q = 1.23, df = 1, p = 0.27"
        );
    }

    #[test]
    fn a_pooled_result_never_claims_more_than_its_trials_give() {
        // The example topic: 2 trials, common effect 1.13 (0.90 to 1.41),
        // random effects 0.27 to 4.75.
        let two = pooled(
            2,
            Lead::CommonTooFewStudies,
            [1.13, 0.9034, 1.4086],
            Some([1.13, 0.2688, 4.7461]),
        );
        assert_eq!(
            pooled_reading(&two),
            "Too uncertain to tell: with only 2 trials, the 95% CI fits anything from 10% \
             lower risk to 41% higher risk; allowing for variation between trials, from 73% \
             lower risk to 375% higher risk"
        );
        // 2 trials whose common interval excludes 1 but whose random one does
        // not: still too uncertain, never "points to benefit".
        let narrow = pooled(
            2,
            Lead::CommonTooFewStudies,
            [0.8, 0.7, 0.9],
            Some([0.8, 0.3, 2.0]),
        );
        assert!(pooled_reading(&narrow).starts_with("Too uncertain to tell"));
        // Many trials including no difference: no clear difference, not "no effect".
        let many = pooled(6, Lead::Random, [0.98, 0.85, 1.12], None);
        assert_eq!(
            pooled_reading(&many),
            "No clear difference: the 95% CI fits anything from 15% lower risk to 12% \
             higher risk, so neither benefit nor harm is shown"
        );
        // A clear benefit from many trials; the same from 2 trials is flagged.
        let benefit = pooled(6, Lead::Random, [0.8, 0.7, 0.9], None);
        assert_eq!(
            pooled_reading(&benefit),
            "Points to benefit with the intervention: 95% CI from 30% lower risk to 10% lower risk"
        );
        let two_benefit = pooled(
            2,
            Lead::CommonTooFewStudies,
            [0.8, 0.7, 0.9],
            Some([0.8, 0.72, 0.89]),
        );
        assert!(pooled_reading(&two_benefit).ends_with("from only 2 trials: read with care"));
        // The pooled-fixture topic of 4 trials: a clear pooled benefit whose
        // prediction interval still includes no difference.
        let mut spread = pooled(4, Lead::Random, [0.24, 0.12, 0.47], None);
        (spread.pi_low, spread.pi_high) = (Some(0.05), Some(1.11));
        assert_eq!(
            pooled_reading(&spread),
            "Points to benefit with the intervention: 95% CI from 88% lower risk to 53% lower \
             risk; the 95% prediction interval includes no difference, so a new trial could find none"
        );
        let harm = pooled(4, Lead::Random, [1.3, 1.1, 1.5], None);
        assert!(pooled_reading(&harm).starts_with("Points to harm"));
        let disagree = pooled(2, Lead::NoneTrialsDisagree, [0.0; 3], None);
        assert_eq!(
            pooled_reading(&disagree),
            "No single answer: the 2 trials disagree"
        );
    }

    #[test]
    fn a_pooled_verdict_in_a_few_words_says_what_the_reading_says() {
        let words = |r: &PooledResult| pooled_verdict_words(pooled_verdict(r), r.k);
        let two = pooled(
            2,
            Lead::CommonTooFewStudies,
            [1.13, 0.9034, 1.4086],
            Some([1.13, 0.2688, 4.7461]),
        );
        assert_eq!(pooled_verdict(&two), PooledVerdict::TooUncertain);
        assert_eq!(words(&two), "Too uncertain to tell");
        // The common interval excludes 1 but the random one does not.
        let narrow = pooled(
            2,
            Lead::CommonTooFewStudies,
            [0.8, 0.7, 0.9],
            Some([0.8, 0.3, 2.0]),
        );
        assert_eq!(words(&narrow), "Too uncertain to tell");
        let many = pooled(6, Lead::Random, [0.98, 0.85, 1.12], None);
        assert_eq!(words(&many), "No clear difference");
        let benefit = pooled(6, Lead::Random, [0.8, 0.7, 0.9], None);
        assert_eq!(words(&benefit), "Points to benefit");
        let two_benefit = pooled(
            2,
            Lead::CommonTooFewStudies,
            [0.8, 0.7, 0.9],
            Some([0.8, 0.72, 0.89]),
        );
        assert_eq!(words(&two_benefit), "Points to benefit, from only 2 trials");
        let harm = pooled(4, Lead::Random, [1.3, 1.1, 1.5], None);
        assert_eq!(words(&harm), "Points to harm");
        let mut spread = pooled(4, Lead::Random, [0.24, 0.12, 0.47], None);
        (spread.pi_low, spread.pi_high) = (Some(0.05), Some(1.11));
        assert_eq!(
            words(&spread),
            "Points to benefit, but a new trial could find none"
        );
        let disagree = pooled(2, Lead::NoneTrialsDisagree, [0.0; 3], None);
        assert_eq!(words(&disagree), "No single answer: the trials disagree");
        // Every verdict word starts the full reading (but the disagreement's,
        // which names the count).
        for r in [&two, &narrow, &many, &benefit, &two_benefit, &harm, &spread] {
            let w = words(r);
            let lead = w.split(',').next().unwrap();
            assert!(
                pooled_reading(r).starts_with(lead),
                "{w} / {}",
                pooled_reading(r)
            );
        }
    }

    #[test]
    fn an_outcome_gets_its_time_point_only_when_its_label_lacks_it() {
        assert_eq!(
            outcome_with_timepoint("Mean SOFA score", Some("28 days")),
            "Mean SOFA score (28 days)"
        );
        assert_eq!(
            outcome_with_timepoint("Death at 28 days", Some("28 days")),
            "Death at 28 days"
        );
        assert_eq!(outcome_with_timepoint("Death", None), "Death");
    }

    #[test]
    fn a_glance_line_joins_only_the_parts_it_has() {
        assert_eq!(
            glance_line(
                "Death",
                Some("A 1.0% vs B 2.0%"),
                Some("RR 0.50 (0.10 to 2.00)"),
                None,
                None
            ),
            "Death: A 1.0% vs B 2.0%, RR 0.50 (0.10 to 2.00)"
        );
        assert_eq!(
            glance_line("SOFA", None, Some("MD 0.61 (−0.07 to 1.29)"), None, None),
            "SOFA: MD 0.61 (−0.07 to 1.29)"
        );
        assert_eq!(
            glance_line("Mortality", None, Some("RR 1.13 (0.90 to 1.41)"), Some("2 trials, 719 participants"), Some("Too uncertain to tell")),
            "Mortality: RR 1.13 (0.90 to 1.41) · 2 trials, 719 participants · Too uncertain to tell"
        );
        assert_eq!(
            glance_line(
                "Mortality",
                None,
                None,
                Some("2 trials, 719 participants"),
                Some("No single answer: the trials disagree")
            ),
            "Mortality: 2 trials, 719 participants · No single answer: the trials disagree"
        );
    }

    #[test]
    fn arms_side_by_side_need_every_arm_to_have_the_number() {
        let arm = |label: &str, events: Option<u64>, total: Option<u64>| ArmResult {
            label: label.into(),
            events,
            total,
            ..Default::default()
        };
        assert_eq!(
            arms_glance_text(&[
                arm("Levosimendan", Some(69), Some(101)),
                arm("Placebo", Some(71), Some(104))
            ])
            .as_deref(),
            Some("Levosimendan 68.3% vs Placebo 68.3%")
        );
        let none = [
            vec![arm("A", Some(1), Some(2)), arm("B", None, Some(3))],
            vec![arm("A", Some(0), Some(0)), arm("B", Some(1), Some(3))],
            vec![arm("A", Some(1), Some(2))],
        ];
        for arms in none {
            assert_eq!(arms_glance_text(&arms), None);
        }
        let mean = |label: &str, m: f64, sd: f64| ArmResult {
            mean: Some(m),
            sd: Some(sd),
            ..arm(label, None, None)
        };
        assert_eq!(
            arms_glance_text(&[
                mean("Levosimendan", 6.68, 3.96),
                mean("Placebo", 6.06, 3.89)
            ])
            .as_deref(),
            Some("Levosimendan 6.68 vs Placebo 6.06 (means)")
        );
        let median = |label: &str, m: f64| ArmResult {
            median: Some(m),
            q1: Some(m - 2.0),
            q3: Some(m + 3.0),
            ..arm(label, None, None)
        };
        assert_eq!(
            arms_glance_text(&[median("Drug", 22.0), median("Placebo", 19.0)]).as_deref(),
            Some("Drug 22 vs Placebo 19 (medians)")
        );
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
        assert_eq!(proportion_percent(0.309), "30.9%");
        assert_eq!(proportion_percent(0.2), "20%");
    }

    fn paper() -> Publication {
        Publication {
            journal: Some("JAMA".into()),
            year: Some(2026),
            authors: vec![
                "Combes A".into(),
                "Saura O".into(),
                "Nesseler N".into(),
                "et al".into(),
            ],
            title: Some(
                "Levosimendan to facilitate weaning: the LEVOECMO randomized clinical trial".into(),
            ),
            volume: Some("335".into()),
            issue: Some("1".into()),
            pages: Some("60-69".into()),
            ..Publication::default()
        }
    }

    #[test]
    fn references_are_vancouver() {
        assert_eq!(
            reference(&paper()).unwrap(),
            "Combes A, Saura O, Nesseler N, et al. Levosimendan to facilitate weaning: \
             the LEVOECMO randomized clinical trial. JAMA. 2026;335(1):60-69."
        );
        let mut p = paper();
        p.authors = (1..=7).map(|k| format!("Author{k} A")).collect();
        p.title = Some("Does it work?".into());
        p.date = Some(crate::model::Date {
            year: 2016,
            month: Some(10),
            day: Some(20),
        });
        p.doi = Some("10.1/x".into());
        p.pmid = Some("123".into());
        p.issue = None;
        assert_eq!(
            reference(&p).unwrap(),
            "Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, Author6 A, et al. \
             Does it work? JAMA. 2016 Oct 20;335:60-69. doi:10.1/x. PMID: 123."
        );
        // Six authors are all named, with no et al.
        p.authors.truncate(6);
        assert!(reference(&p)
            .unwrap()
            .starts_with("Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, Author6 A. Does"));
        // Without authors or title, the written citation stands.
        let written = Publication {
            citation: Some("Gordon et al. NEJM 2016.".into()),
            journal: Some("NEJM".into()),
            ..Publication::default()
        };
        assert_eq!(
            reference(&written).as_deref(),
            Some("Gordon et al. NEJM 2016.")
        );
        assert_eq!(reference(&Publication::default()), None);
        assert_eq!(
            scholar_date(crate::model::Date {
                year: 2016,
                month: Some(10),
                day: Some(5)
            }),
            "2016/10/05"
        );
    }
}
