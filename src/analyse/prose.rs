//! Numbers typed in prose against the data of the trials the page links
//! to: a pure function from the page's [`TypedNumber`]s and the trials'
//! [`OutcomeResult`]s to warnings.
//!
//! The rule (docs/content-model.md, "What appraise checks") warns only
//! where a typed number is tied to one datum and yet differs from it, a
//! near miss, never about a number that matches nothing:
//!
//! - `a/b (p%)`: p is not a/b rounded to the decimals typed;
//! - `x% vs y%` (both with a decimal): no outcome has these two risks (in
//!   either order), but one outcome has one of them and the other is a
//!   near miss of its other arm (one off in the last digit, one digit
//!   changed, or two neighbouring digits swapped);
//! - `x% with <arm>` (with a decimal): x is the other arm's risk in an
//!   outcome, and the named arm has no outcome with that risk;
//! - `RR x (a to b)` and the other measures: no effect of that measure
//!   gives the three numbers, but one gives two of them, or (for a ratio)
//!   gives all three once the arms are swapped (1/x, 1/b to 1/a).
//!
//! "Gives" means: equal once rounded to the decimals typed. The two
//! near-miss rules that tie a typed number to one outcome (`x% vs y%` and
//! the effects) warn only when the number's paragraph, list item or table
//! row names that outcome (a word of its label or id, `names_outcome`):
//! a number about an outcome the data do not hold (a "mortality at 1
//! year" quoted from the paper) is not taken for a slip of another
//! outcome whose numbers happen to be close.

use super::{ArmResult, OutcomeKind, OutcomeResult};
use crate::model::Measure;
use crate::parse::markdown::TypedNumber;
use crate::parse::numbers::{Typed, TypedKind};
use crate::present::num;

/// One linked trial's results, as the check sees them.
pub struct TrialNumbers<'a> {
    /// The trial's id (`leopards`).
    pub id: &'a str,
    /// Its outcomes' results.
    pub outcomes: &'a [OutcomeResult],
}

/// A warning about a typed number, at its place in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseWarning {
    /// 1-based line in the body.
    pub line: usize,
    /// 1-based column in the body.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Whether `datum` rounds to `t` at the decimals typed.
fn gives(datum: f64, t: Typed) -> bool {
    let unit = 10f64.powi(-(t.decimals.min(12) as i32));
    (datum - t.value).abs() <= 0.5 * unit + 1e-9 * unit.max(datum.abs())
}

/// The digits of `x` at `d` decimals, without sign or point.
fn digits(x: f64, d: u32) -> Vec<u8> {
    format!("{:.*}", d as usize, x.abs())
        .bytes()
        .filter(u8::is_ascii_digit)
        .collect()
}

/// Whether `t` is a slip for `datum`: one off in its last digit, one digit
/// changed, or two neighbouring digits swapped (at the decimals typed).
fn near_miss(datum: f64, t: Typed) -> bool {
    if gives(datum, t) {
        return false;
    }
    let unit = 10f64.powi(-(t.decimals.min(12) as i32));
    let rounded = (datum / unit).round() * unit;
    if ((rounded - t.value).abs() - unit).abs() < 1e-9 * unit.max(1.0) {
        return true;
    }
    let (a, b) = (digits(datum, t.decimals), digits(t.value, t.decimals));
    if a.len() != b.len() || (datum < 0.0) != (t.value < 0.0) {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

/// Risk in percent of a binary arm.
fn risk(a: &ArmResult) -> Option<f64> {
    match (a.events, a.total) {
        (Some(e), Some(t)) if t > 0 => Some(100.0 * e as f64 / t as f64),
        _ => None,
    }
}

/// A binary outcome's two compared arms (experimental first) with their
/// risks in percent.
struct Pair<'a> {
    trial: &'a str,
    id: &'a str,
    label: &'a str,
    arms: [(&'a ArmResult, f64); 2],
}

fn pairs<'a>(trials: &'a [TrialNumbers<'a>]) -> Vec<Pair<'a>> {
    let mut v = Vec::new();
    for t in trials {
        for o in t.outcomes.iter().filter(|o| o.kind == OutcomeKind::Binary) {
            if let [a, b, ..] = o.arms.as_slice() {
                if let (Some(ra), Some(rb)) = (risk(a), risk(b)) {
                    v.push(Pair {
                        trial: t.id,
                        id: &o.id,
                        label: &o.label,
                        arms: [(a, ra), (b, rb)],
                    });
                }
            }
        }
    }
    v
}

/// `89/258 (34.5%)` in words for a message.
fn arm_words(a: &ArmResult, r: f64, d: u32) -> String {
    format!(
        "{}% ({}/{})",
        num(r, d as usize),
        a.events.unwrap_or(0),
        a.total.unwrap_or(0)
    )
}

/// An effect of one measure in the units it is typed in (RD in points).
struct Effect<'a> {
    trial: &'a str,
    id: &'a str,
    label: &'a str,
    values: [f64; 3],
}

fn effects<'a>(trials: &'a [TrialNumbers<'a>], m: Measure) -> Vec<Effect<'a>> {
    let mut v = Vec::new();
    for t in trials {
        for o in t.outcomes {
            let scale = if m == Measure::RD { 100.0 } else { 1.0 };
            for e in o.effects.iter().filter(|e| e.measure == m) {
                v.push(Effect {
                    trial: t.id,
                    id: &o.id,
                    label: &o.label,
                    values: [e.estimate, e.ci_low, e.ci_high].map(|x| x * scale),
                });
            }
            for r in o.reported.iter().filter(|r| r.measure == m) {
                if let (Some(lo), Some(hi)) = (r.ci_low, r.ci_high) {
                    v.push(Effect {
                        trial: t.id,
                        id: &o.id,
                        label: &o.label,
                        values: [r.estimate, lo, hi],
                    });
                }
            }
        }
    }
    v
}

/// Check every typed number of a page against the trials it links to.
pub fn check(numbers: &[TypedNumber], trials: &[TrialNumbers]) -> Vec<ProseWarning> {
    numbers
        .iter()
        .filter_map(|n| {
            let message = match &n.kind {
                TypedKind::CountPercent {
                    events,
                    total,
                    percent,
                } => count_percent(*events, *total, *percent),
                TypedKind::PercentPair(a, b) => percent_pair(*a, *b, &n.context, trials),
                TypedKind::PercentArm { percent, words } => percent_arm(*percent, words, trials),
                TypedKind::Effect {
                    measure,
                    estimate,
                    low,
                    high,
                } => effect(measure, [*estimate, *low, *high], &n.context, trials),
            }?;
            Some(ProseWarning {
                line: n.line,
                column: n.column,
                message: format!("`{}`: {message}", n.text),
            })
        })
        .collect()
}

fn count_percent(events: u64, total: u64, p: Typed) -> Option<String> {
    if total == 0 || events > total {
        return None;
    }
    let r = 100.0 * events as f64 / total as f64;
    (!gives(r, p)).then(|| {
        format!(
            "{events}/{total} is {}%, not {}%",
            num(r, p.decimals as usize),
            num(p.value, p.decimals as usize)
        )
    })
}

/// Words too common in outcome labels to tell one outcome from another.
const COMMON_WORDS: &[&str] = &[
    "with", "without", "from", "after", "within", "days", "hours", "weeks", "months", "years",
    "mean", "daily", "total", "rate", "score", "time", "until", "during", "first", "any",
];

/// Whether `context` (lowercased) names the outcome `label` / `id`: one of
/// their words of four letters or more, not a [`COMMON_WORDS`] one.
pub(crate) fn names_outcome(context: &str, label: &str, id: &str) -> bool {
    let label = label.to_lowercase();
    let words = label
        .split(|c: char| !c.is_alphanumeric())
        .chain(id.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 4 && !COMMON_WORDS.contains(w));
    let mut words = words.peekable();
    if words.peek().is_none() {
        return true;
    }
    let ctx: Vec<&str> = context.split(|c: char| !c.is_alphanumeric()).collect();
    words.any(|w| ctx.contains(&w))
}

fn percent_pair(a: Typed, b: Typed, context: &str, trials: &[TrialNumbers]) -> Option<String> {
    if a.decimals == 0 || b.decimals == 0 {
        return None;
    }
    let ps = pairs(trials);
    let both = |p: &Pair, x: usize| gives(p.arms[x].1, a) && gives(p.arms[1 - x].1, b);
    if ps.iter().any(|p| both(p, 0) || both(p, 1)) {
        return None;
    }
    let slip = |p: &Pair, x: usize| {
        let (r0, r1) = (p.arms[x].1, p.arms[1 - x].1);
        (gives(r0, a) && near_miss(r1, b)) || (near_miss(r0, a) && gives(r1, b))
    };
    // The numbers first: naming the outcome is the dearer test.
    let (p, x) = ps.iter().find_map(|p| {
        let x = [0, 1].into_iter().find(|&x| slip(p, x))?;
        names_outcome(context, p.label, p.id).then_some((p, x))
    })?;
    let ((ea, ra), (eb, rb)) = (p.arms[x], p.arms[1 - x]);
    Some(format!(
        "{} ({}) is {} with {} vs {} with {}",
        p.label,
        p.trial,
        arm_words(ea, ra, a.decimals),
        ea.label.to_lowercase(),
        arm_words(eb, rb, b.decimals),
        eb.label.to_lowercase()
    ))
}

fn percent_arm(x: Typed, words: &str, trials: &[TrialNumbers]) -> Option<String> {
    if x.decimals == 0 {
        return None;
    }
    let words: Vec<&str> = words.split(' ').collect();
    let names = |a: &ArmResult| {
        let label = a.label.to_lowercase();
        let label_words: Vec<&str> = label.split_whitespace().collect();
        words
            .windows(label_words.len().max(1))
            .any(|w| w == label_words.as_slice())
            || words.contains(&a.arm.as_str())
    };
    let ps = pairs(trials);
    // The arm named: the first of either side of any outcome.
    let named = ps
        .iter()
        .flat_map(|p| p.arms.iter())
        .find(|(a, _)| names(a))
        .map(|(a, _)| a.arm.clone())?;
    let own = |p: &Pair| p.arms.iter().find(|(a, _)| a.arm == named).map(|(_, r)| *r);
    if ps.iter().any(|p| own(p).is_some_and(|r| gives(r, x))) {
        return None;
    }
    let p = ps
        .iter()
        .find(|p| p.arms.iter().any(|(a, r)| a.arm != named && gives(*r, x)) && own(p).is_some())?;
    let (other, ro) = p.arms.iter().find(|(a, _)| a.arm != named)?;
    let (mine, rm) = p.arms.iter().find(|(a, _)| a.arm == named)?;
    Some(format!(
        "that is the {} arm's {} ({}): {}; the {} arm's is {}",
        other.label.to_lowercase(),
        p.label.to_lowercase(),
        p.trial,
        arm_words(other, *ro, x.decimals),
        mine.label.to_lowercase(),
        arm_words(mine, *rm, x.decimals)
    ))
}

fn effect(
    measure: &str,
    typed: [Typed; 3],
    context: &str,
    trials: &[TrialNumbers],
) -> Option<String> {
    let m = Measure::parse(measure)?;
    let es = effects(trials, m);
    let hits = |v: &[f64; 3]| (0..3).filter(|&k| gives(v[k], typed[k])).count();
    if es.iter().any(|e| hits(&e.values) == 3) {
        return None;
    }
    // The numbers first: naming the outcome is the dearer test.
    let named = |e: &&Effect| names_outcome(context, e.label, e.id);
    let words = |v: [f64; 3]| {
        format!(
            "{m} {} ({} to {})",
            num(v[0], typed[0].decimals as usize),
            num(v[1], typed[1].decimals as usize),
            num(v[2], typed[2].decimals as usize)
        )
    };
    if let Some(e) = es.iter().find(|e| hits(&e.values) == 2 && named(e)) {
        return Some(format!(
            "{} ({}) gives {}",
            e.label,
            e.trial,
            words(e.values)
        ));
    }
    if !m.is_ratio() {
        return None;
    }
    let e = es.iter().find(|e| {
        let [x, lo, hi] = e.values;
        x > 0.0 && lo > 0.0 && hi > 0.0 && hits(&[1.0 / x, 1.0 / hi, 1.0 / lo]) == 3 && named(e)
    })?;
    Some(format!(
        "the arms are swapped: {} ({}) gives {}, experimental arm over control",
        e.label,
        e.trial,
        words(e.values)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(value: f64, decimals: u32) -> Typed {
        Typed { value, decimals }
    }

    #[test]
    fn a_number_is_tied_to_an_outcome_its_text_names() {
        let (label, id) = ("Death at 28 days", "death-28d");
        assert!(names_outcome("death was 34.5% vs 30.8%", label, id));
        assert!(names_outcome(
            " | death | 89/258 | rr 1.12 (0.87 to 1.34)",
            label,
            id
        ));
        // "days" and "mortality" do not name it.
        assert!(!names_outcome(
            "mortality at 28 days was rr 1.12",
            label,
            id
        ));
        assert!(
            !names_outcome("deaths were rare", label, id),
            "whole words only"
        );
        // A label of common or short words only cannot be named: not tied.
        assert!(names_outcome("anything", "Days 1-3", "d13"));
    }

    #[test]
    fn near_misses_are_slips_of_one_digit() {
        assert!(near_miss(30.853, t(30.8, 1)), "one off in the last digit");
        assert!(near_miss(30.853, t(30.6, 1)), "one digit changed");
        assert!(near_miss(34.496, t(43.5, 1)), "neighbours swapped");
        assert!(!near_miss(34.496, t(34.5, 1)), "right");
        assert!(!near_miss(34.496, t(36.1, 1)), "a different number");
        assert!(!near_miss(34.496, t(4.5, 1)), "a different length");
        assert!(near_miss(1.1179, t(1.13, 2)));
    }

    fn arm(id: &str, label: &str, events: u64, total: u64) -> ArmResult {
        ArmResult {
            arm: id.into(),
            label: label.into(),
            events: Some(events),
            total: Some(total),
            ..Default::default()
        }
    }

    /// One binary outcome, "Death", with an arm `drug` (20/80, 25.0%) and
    /// an arm `usual` labelled "Usual care" (30/90, 33.3%).
    fn death() -> OutcomeResult {
        OutcomeResult {
            id: "death".into(),
            label: "Death".into(),
            role: crate::model::Role::Primary,
            endpoint: None,
            timepoint: None,
            kind: OutcomeKind::Binary,
            direction: crate::model::Direction::LowerIsBetter,
            direction_given: Some(crate::model::Direction::LowerIsBetter),
            source: crate::model::Source::Paper,
            arms: vec![
                arm("drug", "Drug", 20, 80),
                arm("usual", "Usual care", 30, 90),
            ],
            effects: Vec::new(),
            nnt: None,
            fragility_index: None,
            reverse_fragility_index: None,
            tests: Vec::new(),
            reported: Vec::new(),
            check: Vec::new(),
            bayes: Vec::new(),
        }
    }

    #[test]
    fn an_arm_is_named_by_its_label_or_its_id() {
        let o = [death()];
        let trials = [TrialNumbers {
            id: "t",
            outcomes: &o,
        }];
        let said = |x: f64, words: &str| percent_arm(t(x, 1), words, &trials);
        assert_eq!(said(33.3, "usual care group"), None, "right");
        assert_eq!(
            said(25.0, "usual care group").as_deref(),
            Some("that is the drug arm's death (t): 25.0% (20/80); the usual care arm's is 33.3% (30/90)")
        );
        assert!(said(33.3, "the drug").is_some(), "by label");
        assert!(said(25.0, "usual").is_some(), "by id");
        assert_eq!(said(33.3, "care homes"), None, "half a label names no arm");
        assert_eq!(said(41.0, "the drug"), None, "a number from elsewhere");
        assert_eq!(percent_arm(t(33.0, 0), "the drug", &trials), None, "whole");
    }

    #[test]
    fn a_pair_needs_one_exact_number_and_one_slip() {
        let o = [death()];
        let trials = [TrialNumbers {
            id: "t",
            outcomes: &o,
        }];
        let pair = |a: f64, b: f64| percent_pair(t(a, 1), t(b, 1), "death was", &trials);
        assert_eq!(pair(25.0, 33.3), None);
        assert_eq!(pair(33.3, 25.0), None, "either order");
        assert!(pair(25.0, 33.4).is_some());
        assert!(pair(52.0, 33.3).is_some(), "swapped digits");
        assert_eq!(pair(25.1, 33.4), None, "two slips: not tied to the datum");
        assert_eq!(pair(25.0, 38.1), None, "another number");
        let elsewhere = percent_pair(t(25.0, 1), t(33.4, 1), "mortality was", &trials);
        assert_eq!(
            elsewhere, None,
            "a slip of an outcome the text does not name"
        );
    }

    #[test]
    fn a_count_and_its_percentage_must_agree() {
        assert_eq!(count_percent(89, 258, t(34.5, 1)), None);
        assert_eq!(
            count_percent(89, 258, t(35.5, 1)).as_deref(),
            Some("89/258 is 34.5%, not 35.5%")
        );
        assert_eq!(count_percent(2, 3, t(67.0, 0)), None);
        assert_eq!(count_percent(5, 3, t(1.0, 0)), None, "not a proportion");
    }
}
