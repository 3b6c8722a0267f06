//! The words of registry versus paper: an arm's value as the cross-check
//! compares it (`89/258`, `6.68 ± 3.96 (n = 258)`), the verdicts of the
//! cross-check and of outcome switching, enrolment, results overdue and
//! where the reference date came from, and the warnings `check` prints.

use crate::analyse::{
    Agreement, DateSource, EnrolmentSource, Overdue, ReferenceDate, SwitchVerdict,
};
use crate::model::{Date, OutcomeData, Source, Trial};

use super::{mean_sd_text, median_iqr_text};

/// One arm's data (index `k` in its trial's arm order) as the cross-check
/// compares and shows it: `89/258`, `6.68 ± 3.96 (n = 258)`,
/// `22 (10–26) (n = 101)`; `None` when the arm has no data. Two values
/// agree when these texts are the same.
pub fn arm_value(d: &OutcomeData, k: usize) -> Option<String> {
    let n_text = |n: Option<u64>| n.map(|n| format!(" (n = {n})")).unwrap_or_default();
    match d {
        OutcomeData::Binary(v) => v
            .get(k)
            .copied()
            .flatten()
            .map(|c| format!("{}/{}", c.events, c.total)),
        OutcomeData::Continuous(v) => v
            .get(k)
            .copied()
            .flatten()
            .map(|m| format!("{}{}", mean_sd_text(m.mean, m.sd), n_text(Some(m.n)))),
        OutcomeData::Median(v) => v
            .get(k)
            .copied()
            .flatten()
            .map(|m| format!("{}{}", median_iqr_text(m.median, m.q1, m.q3), n_text(m.n))),
        OutcomeData::None => None,
    }
}

/// The cross-check of one arm in a few characters: `registry 89/258 =
/// paper ✓`, or `registry 88/258, paper 89/258`.
pub fn registry_check_text(v: Agreement, registry: &str, paper: &str) -> String {
    match v {
        Agreement::Agrees => format!("registry {registry} = paper ✓"),
        Agreement::Differs => format!("registry {registry}, paper {paper}"),
    }
}

/// The warning for a posted value that differs from the paper's.
pub fn registry_differs(outcome: &str, arm: &str, registry: &str, paper: &str) -> String {
    format!("{outcome}, {arm}: the registry posted {registry}, the paper reports {paper}")
}

/// Whether a registry status means the trial stopped early (terminated,
/// withdrawn, suspended): then its `why_stopped` is shown.
pub fn registry_stopped(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    ["terminated", "withdrawn", "suspended"]
        .iter()
        .any(|w| s.contains(w))
}

/// The verdict of outcome switching, as the trial page says it.
pub fn switch_text(v: SwitchVerdict) -> &'static str {
    match v {
        SwitchVerdict::Matches => "matches the registration",
        SwitchVerdict::JudgedByAuthor => "the registered outcome, as the author judged it",
        SwitchVerdict::TimeFrameUnknown => {
            "matches the registered measure; no registered time frame to compare"
        }
        SwitchVerdict::RegisteredAsSecondary => "registered as a secondary outcome",
        SwitchVerdict::TimeFrameChanged => "measured at a different time than registered",
        SwitchVerdict::MeasureChanged => "differs from the registered primary outcome",
    }
}

/// The CSS name of a switching verdict: `ok` or `changed`.
pub fn switch_class(v: SwitchVerdict) -> &'static str {
    if v.is_change() {
        "changed"
    } else {
        "ok"
    }
}

/// The warning for a published primary outcome that is not the registered one.
pub fn switch_warning(label: &str, closest: Option<&str>, v: SwitchVerdict) -> String {
    let reg = closest
        .map(|c| format!(" (registered: \u{201c}{c}\u{201d})"))
        .unwrap_or_default();
    match v {
        SwitchVerdict::RegisteredAsSecondary => format!(
            "the primary outcome \u{201c}{label}\u{201d} was registered as a secondary outcome{reg}"
        ),
        SwitchVerdict::TimeFrameChanged => format!(
            "the primary outcome \u{201c}{label}\u{201d} is measured at a different time than registered{reg}"
        ),
        _ => format!(
            "the primary outcome \u{201c}{label}\u{201d} differs from the registered one{reg}"
        ),
    }
}

/// An enrolment figure with its source: `206 (registry)`, `205 (paper)`.
pub fn enrolment_text(v: Option<(u64, EnrolmentSource)>) -> Option<String> {
    v.map(|(n, s)| {
        let from = match s {
            EnrolmentSource::Registry => "registry",
            EnrolmentSource::Paper => "paper",
        };
        format!("{n} ({from})")
    })
}

/// Where the reference date came from, for "as of `date` (…)".
pub fn reference_source(r: &ReferenceDate) -> String {
    match &r.source {
        DateSource::SourceDateEpoch => "the build's SOURCE_DATE_EPOCH".into(),
        DateSource::Updated(p) => format!("the newest `updated` date in the site, {p}"),
        DateSource::Checked(p) => format!("the newest registry `checked` date in the site, {p}"),
    }
}

/// `as of 2026-12-01 (the build's SOURCE_DATE_EPOCH)`.
pub fn as_of(r: &ReferenceDate) -> String {
    format!("as of {} ({})", r.date.iso(), reference_source(r))
}

/// The page's sentence for a record whose results are not overdue yet.
pub fn not_yet_due_text(o: &Overdue) -> String {
    format!(
        "Results not overdue yet: primary completion was {}, not more than 12 months before {}, the reference date ({})",
        o.primary_completion.iso(),
        o.reference.date.iso(),
        reference_source(&o.reference)
    )
}

/// The page's sentence for a record whose status would depend on a
/// reference date the site does not give.
pub fn undated_text() -> &'static str {
    "Whether results are overdue is not judged: the build has no reference date (set SOURCE_DATE_EPOCH, or give a page an `updated` date or the registry block a `checked` date)"
}

/// Which version of the registry record outcome switching compares with.
/// The registry's API gives only a record's latest version, so this is
/// never the registration as first posted.
pub fn switch_record_text(checked: Option<Date>) -> String {
    match checked {
        Some(d) => format!(
            "The registered outcome is the record's as last updated on {}; the registry's data give no earlier version, so a change made before then would not show here",
            d.iso()
        ),
        None => "The registered outcome is the record's as copied on this page, which gives no update date; it may not be the one first registered".to_string(),
    }
}

/// The forest plot's note when an outcome posted on the registry gives no
/// direction: the captions then favour no arm.
pub fn direction_unknown_note() -> &'static str {
    "Whether fewer or more is better is not given for an outcome posted on the registry: the captions say which arm is lower or higher, and favour none."
}

/// The warning for a posted group that matches no arm of the paper.
pub fn group_unmatched(id: &str, title: &str, paper_arms: &[&str]) -> String {
    format!(
        "posted group `{id}` (“{title}”) matches no arm of the paper (its arms: {}); its values are shown as the registry's only",
        paper_arms.join(", ")
    )
}

/// A posted value with no paper arm to compare: `registry 12/40; no such
/// arm in the paper`.
pub fn registry_only_text(registry: &str) -> String {
    format!("registry {registry}; no such arm in the paper")
}

/// An outcome's time point beside its label, or `None` when the label
/// already says it (the same span in days, or the same words): `Death at
/// day 28` needs no `· 28 days`.
pub fn timepoint_beside(label: &str, timepoint: Option<&str>) -> Option<String> {
    let tp = timepoint?.trim();
    if tp.is_empty() {
        return None;
    }
    let in_label = crate::analyse::time_frame_days(label);
    let said = label.to_lowercase().contains(&tp.to_lowercase())
        || crate::analyse::time_frame_days(tp)
            .iter()
            .any(|d| in_label.contains(d));
    (!said).then(|| tp.to_string())
}

/// The page's sentence for results overdue.
pub fn overdue_text(o: &Overdue) -> String {
    format!(
        "Results overdue: primary completion was {}, more than 12 months ago, and no results are posted or published ({})",
        o.primary_completion.iso(),
        as_of(&o.reference)
    )
}

/// The `check` warning for results overdue.
pub fn overdue_warning(o: &Overdue) -> String {
    format!(
        "results overdue: primary completion {} is more than 12 months before {} ({}), and no results are posted or published",
        o.primary_completion.iso(),
        o.reference.date.iso(),
        reference_source(&o.reference)
    )
}

/// The name of the registry of trial `t` (by its first registration):
/// `ClinicalTrials.gov`, `ISRCTN`, else `the registry`.
pub fn registry_name(t: &Trial) -> &'static str {
    let id = t
        .registrations
        .first()
        .map(|r| r.id.to_ascii_uppercase())
        .unwrap_or_default();
    if id.starts_with("NCT") {
        "ClinicalTrials.gov"
    } else if id.starts_with("ISRCTN") {
        "ISRCTN"
    } else {
        "the registry"
    }
}

/// How numbers from `source` are marked: `Posted on ClinicalTrials.gov`
/// for the registry's, nothing for the paper's.
pub fn posted_note(source: Source, t: &Trial) -> Option<String> {
    match source {
        Source::Paper => None,
        Source::Registry => Some(format!("Posted on {}", registry_name(t))),
    }
}

/// Participants counted on a registry, out of a total where there is one:
/// `20/103 (19.4%)`, or `103`; `—` when the registry gives none.
pub fn posted_count(events: Option<u64>, total: Option<u64>) -> String {
    match (events, total) {
        (Some(e), Some(t)) if t > 0 => format!("{e}/{t} ({}%)", super::percent(e, t)),
        (Some(e), _) => super::count(e),
        (None, _) => "—".to_string(),
    }
}

/// The warning for a `registered_as:` that names no registered outcome:
/// the word rule judges the outcome instead.
pub fn registered_as_unknown(named: &str, known: &[&str]) -> String {
    let listed = if known.is_empty() {
        "the registry lists none".to_string()
    } else {
        let q: Vec<String> = known.iter().map(|m| format!("“{m}”")).collect();
        format!("registered: {}", q.join(", "))
    };
    format!(
        "`registered_as: {named}` names no registered outcome ({listed}); the outcome is judged by its words instead"
    )
}

/// A date as the registry fields show it (`2024-11`).
pub fn registry_date(d: Date) -> String {
    d.iso()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Count, MeanSd};

    #[test]
    fn a_timepoint_the_label_already_says_is_not_repeated() {
        let t = |l, tp| timepoint_beside(l, tp);
        assert_eq!(
            t("Successful VA-ECMO weaning within 30 days", Some("30 days")),
            None
        );
        assert_eq!(t("Death at day 28", Some("28 days")), None);
        assert_eq!(t("Death at discharge", Some("at discharge")), None);
        assert_eq!(t("Death", Some("28 days")).as_deref(), Some("28 days"));
        assert_eq!(
            t("Death at day 28", Some("90 days")).as_deref(),
            Some("90 days")
        );
        assert_eq!(t("Death", None), None);
    }

    #[test]
    fn posted_counts_read_with_their_share_or_alone() {
        assert_eq!(posted_count(Some(20), Some(103)), "20/103 (19.4%)");
        assert_eq!(posted_count(Some(1030), None), "1,030");
        assert_eq!(posted_count(Some(0), Some(0)), "0");
        assert_eq!(posted_count(None, Some(5)), "—");
    }

    #[test]
    fn arm_values_are_written_as_the_cross_check_compares_them() {
        let b = OutcomeData::Binary(vec![
            Some(Count {
                events: 89,
                total: 258,
            }),
            None,
        ]);
        assert_eq!(arm_value(&b, 0).as_deref(), Some("89/258"));
        assert_eq!(arm_value(&b, 1), None);
        let c = OutcomeData::Continuous(vec![Some(MeanSd {
            mean: 1.7,
            sd: 1.18,
            n: 12,
        })]);
        assert_eq!(arm_value(&c, 0).as_deref(), Some("1.70 ± 1.18 (n = 12)"));
        assert_eq!(
            registry_check_text(Agreement::Agrees, "89/258", "89/258"),
            "registry 89/258 = paper ✓"
        );
        assert_eq!(
            registry_check_text(Agreement::Differs, "88/258", "89/258"),
            "registry 88/258, paper 89/258"
        );
    }
}
