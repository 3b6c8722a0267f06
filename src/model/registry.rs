//! The registry record of a trial (`trial.registry`): status, dates,
//! planned and actual enrolment, why it stopped, the registered outcomes
//! and the results posted on the registry, each checked with its error at
//! the key that holds the bad value. Posted outcomes are validated as
//! trial outcomes are (events ≤ total, arms that exist) and carry
//! [`Source::Registry`]; on a record with no arms of its own, the arms
//! are the posted results' groups.

use super::context::{hint, Cx};
use super::outcome::{outcome, whole};
use super::trial::unknown_arm;
use super::{Arm, Count, Date, Outcome, OutcomeData, Registry, Role};
use crate::diag::did_you_mean;
use crate::parse::front_matter::{
    RawOutcome, RawRegisteredOutcome, RawRegistryOutcome, RawRegistryResults, RawTrial, RawWhole,
};
use borsh::{BorshDeserialize, BorshSerialize};

/// Where an outcome's arm data came from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The publication (written under `trial.outcomes` or in the CSV).
    #[default]
    Paper,
    /// Posted on the registry (`trial.registry.results.outcomes`).
    Registry,
}

/// An outcome as registered.
#[derive(Debug, Clone, PartialEq, Default, BorshSerialize, BorshDeserialize)]
pub struct RegisteredOutcome {
    /// The measure, as the registry words it.
    pub measure: String,
    /// When it is measured, as registered (`Day 30`).
    pub time_frame: Option<String>,
    /// The registry's description.
    pub description: Option<String>,
}

/// Results posted on the registry, arm data in the trial's arm order.
#[derive(Debug, Clone, PartialEq, Default, BorshSerialize, BorshDeserialize)]
pub struct PostedResults {
    /// The registry's group title per arm id, as written.
    pub groups: Vec<(String, String)>,
    /// Where each group's title is written (line, column), in the order
    /// of `groups`.
    pub group_at: Vec<(usize, usize)>,
    /// Participant flow per arm id: started, completed.
    pub flow: Vec<(String, Option<u64>, Option<u64>)>,
    /// Participants analysed at baseline per arm id.
    pub baseline: Vec<(String, u64)>,
    /// The outcome measures posted.
    pub outcomes: Vec<PostedOutcome>,
    /// The adverse events posted.
    pub adverse_events: Vec<PostedEvent>,
}

/// One outcome measure posted on the registry.
#[derive(Debug, Clone, PartialEq, BorshSerialize, BorshDeserialize)]
pub struct PostedOutcome {
    /// The measure's title, as posted.
    pub title: String,
    /// Its role (`other` on the registry is [`Role::Exploratory`]).
    pub role: Role,
    /// When it was measured, as posted.
    pub time_frame: Option<String>,
    /// The id of the trial outcome it reports (`outcome:`), compared with
    /// it arm by arm.
    pub outcome_id: Option<String>,
    /// The typed outcome: id (the `outcome:` id, else `registry-N`),
    /// label (the title) and arm data, with [`Source::Registry`].
    pub outcome: Outcome,
    /// The 1-based line and column of each arm's value, in arm order (the
    /// block's when the arm has none), where a disagreement with the paper
    /// is reported.
    pub value_at: Vec<(usize, usize)>,
    /// Where its `outcome:` link is written (line, column).
    pub link_at: (usize, usize),
    /// The ids of its page's arms, the order of its data.
    pub arm_ids: Vec<String>,
    /// Their labels (the group titles on a record with no arms written).
    pub arm_labels: Vec<String>,
}

/// One adverse event posted on the registry.
#[derive(Debug, Clone, PartialEq, BorshSerialize, BorshDeserialize)]
pub struct PostedEvent {
    /// The event term.
    pub term: String,
    /// Serious (true) or other (false).
    pub serious: bool,
    /// Affected / at risk per arm, in arm order.
    pub counts: Vec<Option<Count>>,
}

/// On a record with no arms written, the arms named by its posted
/// results' groups (id and title, in id order; the last is the control
/// arm, as for written arms). Empty otherwise.
pub(super) fn group_arms(t: &RawTrial) -> Vec<Arm> {
    let Some(res) = t.registry.as_ref().and_then(|r| r.results.as_ref()) else {
        return Vec::new();
    };
    if !t.arms.is_empty() {
        return Vec::new();
    }
    res.groups
        .iter()
        .map(|(id, label)| Arm {
            id: id.clone(),
            label: if label.trim().is_empty() {
                id.clone()
            } else {
                label.clone()
            },
            n: None,
            intervention: None,
            control: false,
        })
        .collect()
}

/// The trial's own outcomes as a posted outcome may name them: every id
/// (kept and rejected) and the kept ones, whose direction a posted outcome
/// that reports one takes.
pub(super) struct OwnOutcomes<'a> {
    /// The ids of the trial's own outcomes, kept and rejected.
    pub ids: &'a [&'a str],
    /// The kept ones.
    pub kept: &'a [Outcome],
}

/// The registry record, every field checked. A posted outcome's
/// `outcome:` must name one of `own` when there are any.
pub(super) fn registry(
    cx: &mut Cx,
    t: &RawTrial,
    arms: &[Arm],
    own: &OwnOutcomes,
) -> Option<Registry> {
    let r = t.registry.as_ref()?;
    let p = "trial.registry";
    let registry = Registry {
        status: r.status.clone(),
        phase: r.phase.clone(),
        study_type: r.study_type.clone(),
        sponsor: r.sponsor.clone(),
        contact: r.contact.clone(),
        registered: cx.date(&format!("{p}.registered"), &r.registered),
        start: cx.date(&format!("{p}.start"), &r.start),
        completion: cx.date(&format!("{p}.completion"), &r.completion),
        checked: cx.date(&format!("{p}.checked"), &r.checked),
        enrollment: enrolment(cx, &format!("{p}.enrollment"), r.enrollment),
        conditions: r.conditions.clone(),
        primary_completion: cx.date(&format!("{p}.primary_completion"), &r.primary_completion),
        enrollment_actual: enrolment(cx, &format!("{p}.enrollment_actual"), r.enrollment_actual),
        why_stopped: r.why_stopped.clone().filter(|s| !s.trim().is_empty()),
        results_posted: cx.date(&format!("{p}.results_posted"), &r.results_posted),
        primary_outcomes: registered(&r.primary_outcomes),
        secondary_outcomes: registered(&r.secondary_outcomes),
        results: r.results.as_ref().map(|res| results(cx, res, arms, own)),
        file: cx.doc.rel_path.clone(),
        line: cx.locate(p).0,
        at_primary_completion: cx.locate(&format!("{p}.primary_completion")),
    };
    dates_in_order(cx, &registry);
    Some(registry)
}

/// Errors for dates out of order: completion before the start, primary
/// completion before the start or after the completion, results posted
/// before the start.
fn dates_in_order(cx: &mut Cx, reg: &Registry) {
    let pairs: [(Option<Date>, Option<Date>, &str, &str, &str); 4] = [
        (
            reg.start,
            reg.completion,
            "completion",
            "completion",
            "start",
        ),
        (
            reg.start,
            reg.primary_completion,
            "primary_completion",
            "primary completion",
            "start",
        ),
        (
            reg.primary_completion,
            reg.completion,
            "completion",
            "completion",
            "primary completion",
        ),
        (
            reg.start,
            reg.results_posted,
            "results_posted",
            "results posted",
            "start",
        ),
    ];
    for (early, late, key, late_name, early_name) in pairs {
        if let (Some(e), Some(l)) = (early, late) {
            if l < e {
                cx.error(
                    &format!("trial.registry.{key}"),
                    format!(
                        "{late_name} ({}) is before the {early_name} ({})",
                        l.iso(),
                        e.iso()
                    ),
                );
            }
        }
    }
}

/// An enrolment figure, or an error at `path` when it is negative.
fn enrolment(cx: &mut Cx, path: &str, v: Option<i64>) -> Option<u64> {
    match v {
        Some(e) if e < 0 => {
            cx.error(path, format!("enrolment cannot be negative ({e})"));
            None
        }
        Some(e) => Some(e as u64),
        None => None,
    }
}

/// Registered outcomes as written (an empty measure is left out).
fn registered(v: &[RawRegisteredOutcome]) -> Vec<RegisteredOutcome> {
    v.iter()
        .filter(|o| !o.measure.trim().is_empty())
        .map(|o| RegisteredOutcome {
            measure: o.measure.trim().to_string(),
            time_frame: o.time_frame.clone().filter(|s| !s.trim().is_empty()),
            description: o.description.clone(),
        })
        .collect()
}

/// The posted results: groups, flow and baseline keyed by arms that exist,
/// counts whole and not negative, outcomes and adverse events validated.
fn results(
    cx: &mut Cx,
    res: &RawRegistryResults,
    arms: &[Arm],
    own: &OwnOutcomes,
) -> PostedResults {
    let p = "trial.registry.results";
    let arm_ids: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
    for k in res.groups.keys() {
        if !arm_ids.contains(&k.as_str()) {
            unknown_arm(cx, &format!("{p}.groups.{k}"), k, &arm_ids);
        }
    }
    let mut flow = Vec::new();
    for (k, f) in &res.flow {
        let fp = format!("{p}.flow.{k}");
        if !arm_ids.contains(&k.as_str()) {
            unknown_arm(cx, &fp, k, &arm_ids);
            continue;
        }
        let started = count(cx, &format!("{fp}.started"), "started", f.started);
        let completed = count(cx, &format!("{fp}.completed"), "completed", f.completed);
        if let (Some(s), Some(c)) = (started, completed) {
            if c > s {
                cx.error(
                    &format!("{fp}.completed"),
                    format!("{c} completed, but only {s} started"),
                );
            }
        }
        flow.push((k.clone(), started, completed));
    }
    let mut baseline = Vec::new();
    for (k, n) in &res.baseline {
        let bp = format!("{p}.baseline.{k}");
        if !arm_ids.contains(&k.as_str()) {
            unknown_arm(cx, &bp, k, &arm_ids);
        } else if let Some(n) = count(cx, &bp, "baseline", Some(*n)) {
            baseline.push((k.clone(), n));
        }
    }
    let outcomes = res
        .outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| posted(cx, &format!("{p}.outcomes[{i}]"), i, o, arms, own))
        .collect();
    let adverse_events = res
        .adverse_events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let raw = RawOutcome {
                id: e.term.clone(),
                binary: Some(e.binary.clone()),
                ..RawOutcome::default()
            };
            let ep = format!("{p}.adverse_events[{i}]");
            let origin = (cx.doc.rel_path.clone(), cx.locate(&ep).0);
            let o = outcome(cx, &ep, &raw, arms, &arm_ids, origin, None)?;
            match o.data {
                OutcomeData::Binary(counts) => Some(PostedEvent {
                    term: e.term.clone(),
                    serious: e.serious,
                    counts,
                }),
                _ => None,
            }
        })
        .collect();
    PostedResults {
        groups: res
            .groups
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        group_at: res
            .groups
            .keys()
            .map(|k| cx.locate(&format!("{p}.groups.{k}")))
            .collect(),
        flow,
        baseline,
        outcomes,
        adverse_events,
    }
}

/// A whole, non-negative count written at `path`; `None` after an error.
fn count(cx: &mut Cx, path: &str, key: &str, v: Option<RawWhole>) -> Option<u64> {
    let n = whole(cx, None, 0, path, key, v?)?;
    if n < 0 {
        cx.error(path, format!("`{key}: {n}`: a count cannot be negative"));
        return None;
    }
    Some(n as u64)
}

/// The role of a posted outcome: `primary`, `secondary` or `other`
/// (any case; secondary when not given); `None` after an error.
fn posted_role(cx: &mut Cx, p: &str, o: &RawRegistryOutcome) -> Option<Role> {
    match o.role.as_deref().map(|r| r.trim().to_ascii_lowercase()) {
        None => Some(Role::Secondary),
        Some(r) => match r.as_str() {
            "primary" => Some(Role::Primary),
            "secondary" => Some(Role::Secondary),
            "other" | "other pre-specified" | "post-hoc" => Some(Role::Exploratory),
            _ => {
                let d = cx.error(&format!("{p}.role"), format!("unknown role `{r}`"));
                hint(
                    d,
                    "a posted outcome's role is primary, secondary or other, as the registry types it",
                );
                None
            }
        },
    }
}

/// One posted outcome, validated as a trial outcome is, with its link to
/// a trial outcome checked; `None` after errors. Its direction is its own
/// `direction:`, else that of the own outcome it reports, else unknown
/// (the default, marked so that no benefit or harm is claimed) until the
/// analyse stage takes it from the published trial's outcome it reports.
fn posted(
    cx: &mut Cx,
    p: &str,
    i: usize,
    o: &RawRegistryOutcome,
    arms: &[Arm],
    own: &OwnOutcomes,
) -> Option<PostedOutcome> {
    let outcome_ids = own.ids;
    let role = posted_role(cx, p, o);
    let link = o
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut ok = role.is_some();
    if let Some(id) = link {
        if !outcome_ids.is_empty() && !outcome_ids.contains(&id) {
            let d = cx.error(
                &format!("{p}.outcome"),
                format!("there is no outcome `{id}` in this trial"),
            );
            let h = match did_you_mean(id, outcome_ids) {
                Some(s) => format!(
                    "did you mean `{s}`? The outcomes are: {}",
                    outcome_ids.join(", ")
                ),
                None => format!("the outcomes are: {}", outcome_ids.join(", ")),
            };
            hint(d, h);
            ok = false;
        }
    }
    let id = link.map_or_else(|| format!("registry-{}", i + 1), str::to_string);
    let raw = RawOutcome {
        id,
        label: o.title.clone(),
        timepoint: o.time_frame.clone(),
        binary: o.binary.clone(),
        continuous: o.continuous.clone(),
        median: o.median.clone(),
        unit: o.unit.clone(),
        direction: o.direction.clone(),
        ..RawOutcome::default()
    };
    let arm_ids: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
    let origin = (cx.doc.rel_path.clone(), cx.locate(p).0);
    let mut typed = outcome(cx, p, &raw, arms, &arm_ids, origin, None)?;
    if !ok {
        return None;
    }
    typed.role = role.unwrap_or(Role::Secondary);
    typed.source = Source::Registry;
    let reported = link.and_then(|id| own.kept.iter().find(|k| k.id == id));
    typed.direction_known = o.direction.is_some() || reported.is_some();
    if let (None, Some(r)) = (&o.direction, reported) {
        typed.direction = r.direction;
    }
    let kind = if o.binary.is_some() {
        "binary"
    } else if o.continuous.is_some() {
        "continuous"
    } else {
        "median"
    };
    let value_at = arms
        .iter()
        .map(|a| cx.locate(&format!("{p}.{kind}.{}", a.id)))
        .collect();
    let link_at = cx.locate(&format!("{p}.outcome"));
    Some(PostedOutcome {
        title: o.title.clone(),
        role: typed.role,
        time_frame: o.time_frame.clone(),
        outcome_id: link.map(str::to_string),
        outcome: typed,
        value_at,
        link_at,
        arm_ids: arms.iter().map(|a| a.id.clone()).collect(),
        arm_labels: arms.iter().map(|a| a.label.clone()).collect(),
    })
}
