//! Registry versus paper, per trial page: each posted outcome linked to a
//! paper outcome compared arm by arm ([`RegistryCheck`]; a posted group
//! the paper lacks is [`RegistryOnly`], with a warning), the registered
//! primary outcome(s) beside the published one(s) ([`Switching`]), planned
//! and actual enrolment ([`Enrolment`]), and results overdue
//! ([`Overdue`]) against the build's reference date ([`ReferenceDate`],
//! never the clock). The registry data may sit on the page itself or on
//! its registry-record pages, paired by the link stage. Warnings go to
//! the line and column of the registry value (or of the published outcome)
//! they are about, each reported once, from the page that holds it. A
//! record's posted outcomes with no direction of their own take that of
//! the published outcome they report (`posted_directions`).

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::link::Links;
use crate::model::{
    Date, Outcome, PageKind, PostedOutcome, RegisteredOutcome, Registry, Role, Site, Source, Trial,
};
use crate::present;

/// Everything the registry says against the paper, for one trial page.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RegistryReport {
    /// Posted values compared with the paper's, arm by arm.
    pub checks: Vec<RegistryCheck>,
    /// Posted values of groups that match no arm of the paper.
    pub registry_only: Vec<RegistryOnly>,
    /// Registered versus published primary outcome(s), when there is a
    /// registered primary outcome to compare.
    pub switching: Option<Switching>,
    /// Planned and actual enrolment.
    pub enrolment: Enrolment,
    /// Why the trial stopped, for a terminated, withdrawn or suspended trial.
    pub why_stopped: Option<String>,
    /// Results overdue, when they are.
    pub overdue: Option<Overdue>,
    /// Results not overdue yet, for a record whose status depends on the
    /// reference date (completed or terminated, no results yet).
    pub not_yet_due: Option<Overdue>,
    /// Whether the record's status would depend on a reference date but
    /// the site gives none (no `SOURCE_DATE_EPOCH`, `updated` or `checked`).
    pub undated: bool,
}

/// One arm of one posted outcome whose group matches no arm of the paper.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryOnly {
    /// The paper outcome's id.
    pub outcome: String,
    /// Its label.
    pub label: String,
    /// The posted group's arm id.
    pub arm: String,
    /// The group's title.
    pub arm_label: String,
    /// The registry's value as text.
    pub registry: String,
}

/// Whether a posted value agrees with the paper's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    /// The same numbers.
    Agrees,
    /// Different numbers (or kinds of data).
    Differs,
}

/// One arm of one outcome, posted and published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryCheck {
    /// The paper outcome's id.
    pub outcome: String,
    /// Its label.
    pub label: String,
    /// Arm id.
    pub arm: String,
    /// Arm label.
    pub arm_label: String,
    /// The paper's value as text (`89/258`, `mean 4.2, SD 1.1, n 120`).
    pub paper: String,
    /// The registry's value as text.
    pub registry: String,
    /// The verdict.
    pub verdict: Agreement,
}

/// Registered versus published primary outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Switching {
    /// The registered primary outcome(s).
    pub registered: Vec<RegisteredText>,
    /// Each published primary outcome with its verdict.
    pub published: Vec<PublishedPrimary>,
    /// The worst verdict of them (what the page's badge says).
    pub verdict: SwitchVerdict,
    /// The date the compared record was last updated (its `checked`
    /// date): the registered outcomes are those of that version, not of
    /// the first registration.
    pub record_date: Option<Date>,
}

/// A registered outcome as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisteredText {
    /// The measure.
    pub measure: String,
    /// The time frame, when registered.
    pub time_frame: Option<String>,
}

/// One published primary outcome against the registration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedPrimary {
    /// Outcome id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Time point.
    pub timepoint: Option<String>,
    /// The registered measure it is closest to (or the author named).
    pub closest: Option<String>,
    /// The verdict.
    pub verdict: SwitchVerdict,
}

/// Whether the published primary outcome is the registered one. The rule
/// (docs/content-model.md): content words of the two measures (lower case,
/// no stop words, no numbers or time units) overlap by at least half of the
/// shorter's; time frames are compared as days (`Day 30` = `30 days` =
/// `1 month`). The author's `registered_as:` overrides the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchVerdict {
    /// Same measure, same time frame.
    Matches,
    /// The author named the registered measure it reports (`registered_as:`).
    JudgedByAuthor,
    /// Same measure; no time frame on one side to compare.
    TimeFrameUnknown,
    /// The published outcome was registered as a secondary outcome.
    RegisteredAsSecondary,
    /// Same measure at a different time.
    TimeFrameChanged,
    /// A measure that barely overlaps any registered primary outcome.
    MeasureChanged,
}

impl SwitchVerdict {
    /// Whether the verdict is a change worth a warning.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            SwitchVerdict::RegisteredAsSecondary
                | SwitchVerdict::TimeFrameChanged
                | SwitchVerdict::MeasureChanged
        )
    }
}

/// Where an enrolment figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnrolmentSource {
    /// The registry record (`enrollment`, `enrollment_actual`).
    Registry,
    /// The paper (`design.sample_size`, `design.randomised`).
    Paper,
}

/// Planned and actual enrolment.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Enrolment {
    /// Planned, with its source.
    pub planned: Option<(u64, EnrolmentSource)>,
    /// Actual, with its source.
    pub actual: Option<(u64, EnrolmentSource)>,
}

/// Where the build's reference date came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// The `SOURCE_DATE_EPOCH` environment variable.
    SourceDateEpoch,
    /// The newest `updated` date of a page (its source path).
    Updated(String),
    /// The newest registry `checked` date (the page's source path).
    Checked(String),
}

/// The date "overdue" is judged against, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceDate {
    /// The date.
    pub date: Date,
    /// Its source.
    pub source: DateSource,
}

/// Results not posted or published 12 months after primary completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    /// Primary completion.
    pub primary_completion: Date,
    /// The reference date it was judged against.
    pub reference: ReferenceDate,
}

/// The build's reference date: `SOURCE_DATE_EPOCH` (given by the command
/// line as `epoch`), else the newest page `updated` or registry `checked`
/// date in the site (the later wins; on a tie, the first page in source
/// order). `None` when the site has none.
pub fn reference_date(site: &Site, epoch: Option<Date>) -> Option<ReferenceDate> {
    if let Some(date) = epoch {
        return Some(ReferenceDate {
            date,
            source: DateSource::SourceDateEpoch,
        });
    }
    let mut best: Option<ReferenceDate> = None;
    for p in &site.pages {
        let checked = match &p.kind {
            PageKind::Trial(t) => t.registry.as_ref().and_then(|r| r.checked),
            _ => None,
        };
        let found = [
            p.updated
                .map(|d| (d, DateSource::Updated(p.source.clone()))),
            checked.map(|d| (d, DateSource::Checked(p.source.clone()))),
        ];
        for (date, source) in found.into_iter().flatten() {
            if best.as_ref().is_none_or(|b| date > b.date) {
                best = Some(ReferenceDate { date, source });
            }
        }
    }
    best
}

/// On each trial page, the posted outcomes with no direction of their own
/// take that of the published trial's outcome they report (`outcome:`, on
/// the record's published trial), and are analysed again with it
/// (NNTB/NNTH, P(benefit)); the others stay unknown. Each result is set
/// from the model, not from what it held before, so a result kept from an
/// earlier build comes out the same as a fresh one.
pub(super) fn posted_directions(
    site: &Site,
    links: &Links,
    trials: &mut std::collections::BTreeMap<usize, Vec<super::OutcomeResult>>,
) {
    for (&i, results) in trials.iter_mut() {
        let Some(t) = trial_of(site, i) else {
            continue;
        };
        let paper = links.published_as.get(&i).and_then(|&k| trial_of(site, k));
        for o in t.outcomes.iter().filter(|o| !o.direction_known) {
            let d = paper.and_then(|p| {
                p.outcomes
                    .iter()
                    .find(|p| p.id == o.id && p.source == Source::Paper && p.direction_known)
                    .map(|p| p.direction)
            });
            let Some(r) = results.iter_mut().find(|r| r.id == o.id) else {
                continue;
            };
            if r.direction_given != d {
                *r = match d {
                    Some(d) => super::trial::with_direction(t, o, d),
                    None => super::trial::without_direction(t, o),
                };
            }
        }
    }
}

/// The report of every trial page, with the warnings.
pub fn registry_reports(
    site: &Site,
    links: &Links,
    reference: Option<&ReferenceDate>,
) -> (
    std::collections::BTreeMap<usize, RegistryReport>,
    Diagnostics,
) {
    // Each trial's report on its own, in parallel (`serve` asks on every
    // rebuild); the warnings then in page order, as one pass gave them.
    let reports: Vec<(usize, RegistryReport, Diagnostics)> = (site.pages.par_iter().enumerate())
        .filter(|(_, p)| matches!(p.kind, PageKind::Trial(_)))
        .map(|(i, _)| {
            let mut d = Diagnostics::new();
            let r = registry_report(site, links, i, reference, &mut d);
            (i, r, d)
        })
        .collect();
    let mut diags = Diagnostics::new();
    let mut out = std::collections::BTreeMap::new();
    for (i, r, d) in reports {
        diags.extend(d);
        out.insert(i, r);
    }
    (out, diags)
}

/// The trial of page `i`, if it is one.
fn trial_of(site: &Site, i: usize) -> Option<&Trial> {
    match &site.pages[i].kind {
        PageKind::Trial(t) => Some(t),
        _ => None,
    }
}

/// One page's report; warnings (into `diags`) only for what page `i` holds.
fn registry_report(
    site: &Site,
    links: &Links,
    i: usize,
    reference: Option<&ReferenceDate>,
    diags: &mut Diagnostics,
) -> RegistryReport {
    let Some(t) = trial_of(site, i) else {
        return RegistryReport::default();
    };
    // The paper: this page, or the published trial of this record.
    let paper_page = if t.has_paper_results() {
        Some(i)
    } else {
        links.published_as.get(&i).copied()
    };
    let paper = paper_page.and_then(|k| trial_of(site, k));
    // The registry blocks: this page's, then its records' (for a paper page).
    let mut blocks: Vec<(&Registry, bool)> = t.registry.iter().map(|r| (r, true)).collect();
    if paper_page == Some(i) {
        for &k in links.registry_records.get(&i).into_iter().flatten() {
            blocks.extend(
                trial_of(site, k)
                    .and_then(|x| x.registry.as_ref())
                    .map(|r| (r, false)),
            );
        }
    }
    let mut report = RegistryReport::default();
    if let Some(paper) = paper {
        for &(reg, own) in &blocks {
            let mut d = Diagnostics::new();
            for po in reg.results.iter().flat_map(|r| &r.outcomes) {
                report.checks.extend(cross_check(paper, po, reg, &mut d));
                report.registry_only.extend(registry_only(paper, po));
            }
            // On the paper's own page a group that is no arm is an error
            // already (model stage).
            if !(own && paper_page == Some(i)) {
                unmatched_groups(paper, reg, &mut d);
            }
            if own {
                diags.extend(d);
            }
        }
        let registered = blocks.iter().find(|(r, _)| !r.primary_outcomes.is_empty());
        if let Some(&(reg, _)) = registered {
            let mut d = Diagnostics::new();
            report.switching = switching(paper, reg, &mut d);
            if paper_page == Some(i) {
                diags.extend(d);
            }
        }
    }
    let first = blocks.first().map(|(r, _)| *r);
    if !blocks.is_empty() {
        report.enrolment = enrolment(paper.unwrap_or(t), &blocks);
    }
    report.why_stopped = first.and_then(|r| {
        let stopped = present::registry_stopped(r.status.as_deref()?);
        r.why_stopped.clone().filter(|_| stopped)
    });
    if let Some(reg) = t.registry.as_ref() {
        let published = paper.is_some() || t.publication.is_some();
        let due = results_due(reg, published);
        match (due, reference) {
            (Some(pc), Some(rd)) => {
                let o = Overdue {
                    primary_completion: pc,
                    reference: rd.clone(),
                };
                if is_overdue(pc, rd) {
                    let (line, col) = reg.at_primary_completion;
                    diags.push(Diagnostic::warning(
                        &reg.file,
                        line,
                        col,
                        present::overdue_warning(&o),
                    ));
                    report.overdue = Some(o);
                } else {
                    report.not_yet_due = Some(o);
                }
            }
            (Some(_), None) => report.undated = true,
            _ => {}
        }
    }
    report
}

/// The posted values of `po` whose group matches no arm of `paper` (by
/// id), for a posted outcome that reports a paper outcome.
fn registry_only(paper: &Trial, po: &PostedOutcome) -> Vec<RegistryOnly> {
    let Some(o) = po.outcome_id.as_ref().and_then(|id| {
        paper
            .outcomes
            .iter()
            .find(|o| &o.id == id && o.source == Source::Paper)
    }) else {
        return Vec::new();
    };
    po.arm_ids
        .iter()
        .enumerate()
        .filter(|(_, a)| !paper.arms.iter().any(|p| &p.id == *a))
        .filter_map(|(j, a)| {
            Some(RegistryOnly {
                outcome: o.id.clone(),
                label: o.label.clone(),
                arm: a.clone(),
                arm_label: po.arm_labels.get(j).cloned().unwrap_or_else(|| a.clone()),
                registry: present::arm_value(&po.outcome.data, j)?,
            })
        })
        .collect()
}

/// A warning at each posted group that matches no arm of `paper` (by id):
/// its values are shown as the registry's only.
fn unmatched_groups(paper: &Trial, reg: &Registry, diags: &mut Diagnostics) {
    let Some(res) = reg.results.as_ref() else {
        return;
    };
    let ids: Vec<&str> = paper.arms.iter().map(|a| a.id.as_str()).collect();
    for ((id, title), &(line, col)) in res.groups.iter().zip(&res.group_at) {
        if !ids.contains(&id.as_str()) {
            diags.push(Diagnostic::warning(
                &reg.file,
                line,
                col,
                present::group_unmatched(id, title, &ids),
            ));
        }
    }
}

/// The arm-by-arm comparison of one posted outcome with the paper outcome
/// it names (none when it names none); an error for a name the paper does
/// not have, a warning at the registry value's line for each difference.
fn cross_check(
    paper: &Trial,
    po: &PostedOutcome,
    reg: &Registry,
    diags: &mut Diagnostics,
) -> Vec<RegistryCheck> {
    let Some(id) = &po.outcome_id else {
        return Vec::new();
    };
    let Some(o) = paper
        .outcomes
        .iter()
        .find(|o| &o.id == id && o.source == Source::Paper)
    else {
        let ids: Vec<&str> = paper.outcomes.iter().map(|o| o.id.as_str()).collect();
        if !paper.rejected_outcomes.contains(id) {
            let mut d = Diagnostic::error(
                &reg.file,
                po.link_at.0,
                po.link_at.1,
                format!("there is no outcome `{id}` in the published trial"),
            );
            d.hint = Some(match did_you_mean(id, &ids) {
                Some(s) => format!("did you mean `{s}`? The outcomes are: {}", ids.join(", ")),
                None => format!("the outcomes are: {}", ids.join(", ")),
            });
            diags.push(d);
        }
        return Vec::new();
    };
    // The posted outcome's arms are its own page's; matched by id.
    let posted_arms = &po.arm_ids;
    let mut out = Vec::new();
    for &k in &paper.arm_order() {
        let arm = &paper.arms[k];
        let Some(j) = posted_arms.iter().position(|a| a == &arm.id) else {
            continue;
        };
        let (Some(pv), Some(rv)) = (
            present::arm_value(&o.data, k),
            present::arm_value(&po.outcome.data, j),
        ) else {
            continue;
        };
        let verdict = if pv == rv {
            Agreement::Agrees
        } else {
            Agreement::Differs
        };
        if verdict == Agreement::Differs {
            let (line, col) = po
                .value_at
                .get(j)
                .copied()
                .unwrap_or((po.outcome.origin.1, 1));
            diags.push(Diagnostic::warning(
                &reg.file,
                line,
                col,
                present::registry_differs(&o.label, &arm.label, &rv, &pv),
            ));
        }
        out.push(RegistryCheck {
            outcome: o.id.clone(),
            label: o.label.clone(),
            arm: arm.id.clone(),
            arm_label: arm.label.clone(),
            paper: pv,
            registry: rv,
            verdict,
        });
    }
    out
}

/// Planned: the registry's `enrollment`, else a number opening the paper's
/// `design.sample_size`. Actual: the registry's `enrollment_actual`, else
/// the paper's `design.randomised`.
fn enrolment(paper: &Trial, blocks: &[(&Registry, bool)]) -> Enrolment {
    let reg_planned = blocks.iter().find_map(|(r, _)| r.enrollment);
    let reg_actual = blocks.iter().find_map(|(r, _)| r.enrollment_actual);
    let paper_planned = paper.design.sample_size.as_deref().and_then(|s| {
        s.split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    });
    let paper_actual = paper.design.randomised.and_then(|n| u64::try_from(n).ok());
    let pick = |r: Option<u64>, p: Option<u64>| {
        r.map(|n| (n, EnrolmentSource::Registry))
            .or(p.map(|n| (n, EnrolmentSource::Paper)))
    };
    Enrolment {
        planned: pick(reg_planned, paper_planned),
        actual: pick(reg_actual, paper_actual),
    }
}

/// The primary completion of a record whose results are due 12 months
/// after it: Completed or Terminated, with no results posted
/// (`results_posted` or `results`) and none published. Whether they are
/// overdue then depends on the reference date.
fn results_due(reg: &Registry, published: bool) -> Option<Date> {
    let status = reg.status.as_deref()?.trim().to_ascii_lowercase();
    if !(status == "completed" || status == "terminated") {
        return None;
    }
    let pc = reg.primary_completion?;
    if published || reg.results_posted.is_some() || reg.results.is_some() {
        return None;
    }
    Some(pc)
}

/// Whether the reference date is more than 12 months after primary
/// completion `pc`: the latest day `pc` can mean, a year on, against the
/// earliest day the reference date can mean.
fn is_overdue(pc: Date, rd: &ReferenceDate) -> bool {
    let due = (pc.year + 1, pc.month.unwrap_or(12), pc.day.unwrap_or(31));
    let now = (
        rd.date.year,
        rd.date.month.unwrap_or(1),
        rd.date.day.unwrap_or(1),
    );
    now > due
}

/// The registered primary outcome(s) of `reg` beside the published primary
/// outcome(s) of `paper`, each judged; a warning at a published outcome's
/// line for a change.
fn switching(paper: &Trial, reg: &Registry, diags: &mut Diagnostics) -> Option<Switching> {
    let published: Vec<&Outcome> = paper
        .outcomes
        .iter()
        .filter(|o| o.role == Role::Primary && o.source == Source::Paper)
        .collect();
    let mut rows = Vec::new();
    for o in published {
        if let Some(named) = &o.registered_as {
            let known: Vec<&str> = reg
                .primary_outcomes
                .iter()
                .chain(&reg.secondary_outcomes)
                .map(|r| r.measure.as_str())
                .collect();
            if !known.iter().any(|m| m.eq_ignore_ascii_case(named.trim())) {
                diags.push(Diagnostic::warning(
                    &o.origin.0,
                    o.registered_as_at.0,
                    o.registered_as_at.1,
                    present::registered_as_unknown(named, &known),
                ));
            }
        }
        let (closest, verdict) = judge(o, &reg.primary_outcomes, &reg.secondary_outcomes);
        if verdict.is_change() {
            diags.push(Diagnostic::warning(
                &o.origin.0,
                o.origin.1,
                o.column,
                present::switch_warning(&o.label, closest.as_deref(), verdict),
            ));
        }
        rows.push(PublishedPrimary {
            id: o.id.clone(),
            label: o.label.clone(),
            timepoint: o.timepoint.clone(),
            closest,
            verdict,
        });
    }
    let verdict = rows.iter().map(|r| r.verdict).max()?;
    Some(Switching {
        registered: reg
            .primary_outcomes
            .iter()
            .map(|r| RegisteredText {
                measure: r.measure.clone(),
                time_frame: r.time_frame.clone(),
            })
            .collect(),
        published: rows,
        verdict,
        record_date: reg.checked,
    })
}

/// One published primary outcome against the registered primary and
/// secondary outcomes: the measure it is (closest to) and the verdict.
fn judge(
    o: &Outcome,
    primary: &[RegisteredOutcome],
    secondary: &[RegisteredOutcome],
) -> (Option<String>, SwitchVerdict) {
    if let Some(named) = &o.registered_as {
        let same = |r: &&RegisteredOutcome| r.measure.eq_ignore_ascii_case(named.trim());
        if let Some(r) = primary.iter().find(same) {
            return (Some(r.measure.clone()), SwitchVerdict::JudgedByAuthor);
        }
        if let Some(r) = secondary.iter().find(same) {
            return (
                Some(r.measure.clone()),
                SwitchVerdict::RegisteredAsSecondary,
            );
        }
    }
    let published = format!("{} {}", o.label, o.timepoint.as_deref().unwrap_or(""));
    let best = primary
        .iter()
        .map(|r| (overlap(&o.label, &r.measure), r))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let Some((score, r)) = best else {
        return (None, SwitchVerdict::MeasureChanged);
    };
    if score < 0.5 {
        return (Some(r.measure.clone()), SwitchVerdict::MeasureChanged);
    }
    let reg_days = days(r.time_frame.as_deref().unwrap_or(""));
    let pub_days = days(&published);
    let verdict = if reg_days.is_empty() || pub_days.is_empty() {
        SwitchVerdict::TimeFrameUnknown
    } else if reg_days.iter().any(|d| pub_days.contains(d)) {
        SwitchVerdict::Matches
    } else {
        SwitchVerdict::TimeFrameChanged
    };
    (Some(r.measure.clone()), verdict)
}

/// Words that say nothing about what is measured.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "at",
    "to",
    "by",
    "for",
    "from",
    "with",
    "within",
    "after",
    "before",
    "and",
    "or",
    "rate",
    "number",
    "proportion",
    "percentage",
    "patients",
    "participants",
    "time",
    "up",
    "until",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "hour",
    "hours",
];

/// The content words of a measure: lower case, split at anything not a
/// letter or digit, without stop words and numbers, a plural `s` dropped.
fn content_words(s: &str) -> std::collections::BTreeSet<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP.contains(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(|w| {
            w.strip_suffix('s')
                .filter(|r| r.len() > 2)
                .unwrap_or(w)
                .to_string()
        })
        .collect()
}

/// The share of the shorter measure's content words the other also has.
fn overlap(a: &str, b: &str) -> f64 {
    let (a, b) = (content_words(a), content_words(b));
    let shorter = a.len().min(b.len());
    if shorter == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / shorter as f64
}

/// Every time span in `s` as days: `30 days`, `Day 30`, `28-day`,
/// `6 months` (30 days each), `1 year` (365), `48 hours` (whole days only).
pub fn days(s: &str) -> Vec<u64> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let unit = |w: &str| -> Option<(u64, u64)> {
        Some(match w.trim_end_matches('s') {
            "hour" => (1, 24),
            "day" => (1, 1),
            "week" => (7, 1),
            "month" => (30, 1),
            "year" => (365, 1),
            _ => return None,
        })
    };
    let mut out = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let Ok(n) = w.parse::<u64>() else { continue };
        let around = [
            words.get(k + 1),
            k.checked_sub(1).and_then(|j| words.get(j)),
        ];
        if let Some((mul, div)) = around.into_iter().flatten().find_map(|u| unit(u)) {
            let total = n.saturating_mul(mul);
            if total % div == 0 {
                out.push(total / div);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_frames_are_compared_as_days() {
        assert_eq!(days("Day 30"), vec![30]);
        assert_eq!(days("30 days"), vec![30]);
        assert_eq!(days("within 1 month"), vec![30]);
        assert_eq!(days("28-day mortality"), vec![28]);
        assert_eq!(days("72 hours"), vec![3]);
        assert_eq!(days("at discharge"), Vec::<u64>::new());
    }

    #[test]
    fn content_words_ignore_stop_words_units_and_plurals() {
        let w = content_words("Successful VA-ECMO weaning within 30 days");
        let want: Vec<&str> = vec!["ecmo", "successful", "va", "weaning"];
        assert_eq!(w.iter().map(String::as_str).collect::<Vec<_>>(), want);
        assert_eq!(overlap("Death at day 28", "All-cause mortality"), 0.0);
        assert_eq!(
            overlap(
                "Successful weaning from VA-ECMO",
                "Successful VA-ECMO weaning"
            ),
            1.0
        );
    }
}
