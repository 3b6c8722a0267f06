//! The trial page's "Registry versus paper" view ([`RegistryCtx`]): the
//! cross-check table (posted against published, arm by arm), registered
//! against published primary outcome(s) side by side, planned against
//! actual enrolment, why the trial stopped, results overdue with the
//! date it was judged against, and the participant flow, baseline counts
//! and adverse events the registry posted (also the `registry_posted` of
//! the trial's `index.json`, [`PostedJson`]). Numbers and verdicts come from
//! [`crate::analyse::RegistryReport`], words from [`crate::present`].

use serde::Serialize;

use crate::analyse::{Agreement, RegisteredText, RegistryReport, SwitchVerdict};
use crate::present;

/// The registry-versus-paper part of a trial page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegistryCtx {
    /// Whether there is anything to show.
    pub shown: bool,
    /// The cross-check, one row per outcome and arm.
    pub checks: Vec<CheckRowCtx>,
    /// How many rows agree.
    pub agree: usize,
    /// How many differ.
    pub differ: usize,
    /// Registered against published primary outcome(s).
    pub switching: Option<SwitchCtx>,
    /// Planned enrolment as text with its source (`206 (registry)`).
    pub planned: Option<String>,
    /// Planned enrolment, the number.
    pub planned_n: Option<u64>,
    /// Actual enrolment as text with its source.
    pub actual: Option<String>,
    /// Actual enrolment, the number.
    pub actual_n: Option<u64>,
    /// Why the trial stopped (terminated, withdrawn or suspended trials).
    pub why_stopped: Option<String>,
    /// The results-overdue sentence, with "as of `date` (source)".
    pub overdue: Option<String>,
    /// The sentence for results not overdue yet, with the reference date
    /// it was judged against and its source; or the sentence saying no
    /// reference date was given. Shown whenever the status depends on it.
    pub due: Option<String>,
    /// Posted values of groups that match no arm of the paper.
    pub registry_only: Vec<CheckRowCtx>,
    /// What the registry posted besides outcome measures: participant
    /// flow, baseline counts and adverse events.
    pub posted: Option<PostedCtx>,
}

/// Participant flow, baseline counts and adverse events as posted, one
/// column per arm (experimental first).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PostedCtx {
    /// Where they were posted (`ClinicalTrials.gov`).
    pub registry: &'static str,
    /// The arms' labels, the columns.
    pub arms: Vec<String>,
    /// Started, completed and analysed at baseline: one row each where the
    /// registry gives it.
    pub flow: Vec<PostedRowCtx>,
    /// The adverse events, serious first, in the order posted.
    pub events: Vec<PostedRowCtx>,
    /// How many adverse events are serious.
    pub serious: usize,
}

/// One row of posted counts.
#[derive(Debug, Clone, Serialize)]
pub struct PostedRowCtx {
    /// What is counted (`Started`, or the event's term).
    pub label: String,
    /// Whether it is a serious adverse event.
    pub serious: bool,
    /// One value per arm, as [`present::posted_count`] words it.
    pub values: Vec<String>,
}

/// The posted flow, baseline and adverse events of trial `t`, when its
/// registry record has any.
fn posted_ctx(t: &crate::model::Trial) -> Option<PostedCtx> {
    let res = t.registry.as_ref()?.results.as_ref()?;
    let order = t.arm_order();
    let by_id = |rows: &dyn Fn(&str) -> Option<String>| -> Vec<String> {
        order
            .iter()
            .map(|&k| rows(&t.arms[k].id).unwrap_or_else(|| present::posted_count(None, None)))
            .collect()
    };
    let flow_row = |label: &str, pick: fn(&(String, Option<u64>, Option<u64>)) -> Option<u64>| {
        let values = by_id(&|id| {
            res.flow
                .iter()
                .find(|f| f.0 == id)
                .and_then(pick)
                .map(|n| present::posted_count(Some(n), None))
        });
        PostedRowCtx {
            label: label.to_string(),
            serious: false,
            values,
        }
    };
    let mut flow = Vec::new();
    if res.flow.iter().any(|f| f.1.is_some()) {
        flow.push(flow_row("Started", |f| f.1));
    }
    if res.flow.iter().any(|f| f.2.is_some()) {
        flow.push(flow_row("Completed", |f| f.2));
    }
    if !res.baseline.is_empty() {
        flow.push(PostedRowCtx {
            label: "Analysed at baseline".into(),
            serious: false,
            values: by_id(&|id| {
                res.baseline
                    .iter()
                    .find(|b| b.0 == id)
                    .map(|b| present::posted_count(Some(b.1), None))
            }),
        });
    }
    let mut events: Vec<PostedRowCtx> = res
        .adverse_events
        .iter()
        .map(|e| PostedRowCtx {
            label: e.term.clone(),
            serious: e.serious,
            values: order
                .iter()
                .map(|&k| {
                    let c = e.counts.get(k).copied().flatten();
                    present::posted_count(c.map(|c| c.events), c.map(|c| c.total))
                })
                .collect(),
        })
        .collect();
    events.sort_by_key(|e| !e.serious);
    if flow.is_empty() && events.is_empty() {
        return None;
    }
    Some(PostedCtx {
        registry: present::registry_name(t),
        arms: order.iter().map(|&k| t.arms[k].label.clone()).collect(),
        serious: events.iter().filter(|e| e.serious).count(),
        flow,
        events,
    })
}

/// What the registry posted besides outcome measures, in a trial's
/// `index.json` (`registry_posted`): participant flow and baseline counts
/// per arm and the adverse events, arms in the trial's arm order.
#[derive(Debug, Clone, Serialize)]
pub struct PostedJson<'a> {
    /// Per arm: `{arm, group, started, completed, baseline}`.
    pub arms: Vec<PostedArmJson<'a>>,
    /// Per event: `{term, serious, arms: [{arm, affected, at_risk}]}`.
    pub adverse_events: Vec<PostedEventJson<'a>>,
}

/// One arm's posted flow and baseline count (`null` where not posted).
#[derive(Debug, Clone, Serialize)]
pub struct PostedArmJson<'a> {
    /// Arm id.
    pub arm: &'a str,
    /// The registry's group title.
    pub group: Option<&'a str>,
    /// Participants who started.
    pub started: Option<u64>,
    /// Participants who completed.
    pub completed: Option<u64>,
    /// Participants analysed at baseline.
    pub baseline: Option<u64>,
}

/// One posted adverse event.
#[derive(Debug, Clone, Serialize)]
pub struct PostedEventJson<'a> {
    /// The event term.
    pub term: &'a str,
    /// Serious (true) or other (false).
    pub serious: bool,
    /// Affected and at risk per arm (`null` where not posted).
    pub arms: Vec<PostedCountJson<'a>>,
}

/// Affected out of at risk in one arm.
#[derive(Debug, Clone, Serialize)]
pub struct PostedCountJson<'a> {
    /// Arm id.
    pub arm: &'a str,
    /// Participants affected.
    pub affected: Option<u64>,
    /// Participants at risk.
    pub at_risk: Option<u64>,
}

/// The `registry_posted` of trial `t`'s `index.json`: what its own
/// registry block posted besides outcome measures, as its page shows it;
/// `None` when it posted none.
pub fn posted_json(t: &crate::model::Trial) -> Option<PostedJson<'_>> {
    let res = t.registry.as_ref()?.results.as_ref()?;
    if res.flow.is_empty() && res.baseline.is_empty() && res.adverse_events.is_empty() {
        return None;
    }
    let order = t.arm_order();
    let arms = order
        .iter()
        .map(|&k| {
            let id = t.arms[k].id.as_str();
            let flow = res.flow.iter().find(|f| f.0 == id);
            PostedArmJson {
                arm: id,
                group: res.groups.iter().find(|g| g.0 == id).map(|g| g.1.as_str()),
                started: flow.and_then(|f| f.1),
                completed: flow.and_then(|f| f.2),
                baseline: res.baseline.iter().find(|b| b.0 == id).map(|b| b.1),
            }
        })
        .collect();
    let adverse_events = res
        .adverse_events
        .iter()
        .map(|e| PostedEventJson {
            term: &e.term,
            serious: e.serious,
            arms: order
                .iter()
                .map(|&k| {
                    let c = e.counts.get(k).copied().flatten();
                    PostedCountJson {
                        arm: &t.arms[k].id,
                        affected: c.map(|c| c.events),
                        at_risk: c.map(|c| c.total),
                    }
                })
                .collect(),
        })
        .collect();
    Some(PostedJson {
        arms,
        adverse_events,
    })
}

/// One arm of one cross-checked outcome.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRowCtx {
    /// Outcome label.
    pub outcome: String,
    /// Its anchor on the page (`outcome-<id>`).
    pub outcome_id: String,
    /// Arm label.
    pub arm: String,
    /// The paper's value.
    pub paper: String,
    /// The registry's value.
    pub registry: String,
    /// Whether they agree.
    pub agrees: bool,
    /// `registry 89/258 = paper ✓` or `registry 88/258, paper 89/258`.
    pub text: String,
}

/// Registered against published primary outcome(s).
#[derive(Debug, Clone, Serialize)]
pub struct SwitchCtx {
    /// The registered primary outcome(s): measure and time frame.
    pub registered: Vec<RegisteredText>,
    /// The published primary outcome(s) with their verdicts.
    pub published: Vec<PublishedCtx>,
    /// The overall verdict in words.
    pub verdict: String,
    /// `ok` or `changed`.
    pub class: &'static str,
    /// Which version of the record was compared (its last update).
    pub compared_with: String,
}

/// One published primary outcome against the registration.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedCtx {
    /// Label.
    pub label: String,
    /// Time point.
    pub timepoint: Option<String>,
    /// The verdict in words.
    pub verdict: String,
    /// `ok` or `changed`.
    pub class: &'static str,
}

/// The view of one page's report (empty when there is none).
pub(super) fn registry_ctx(
    r: Option<&RegistryReport>,
    t: Option<&crate::model::Trial>,
) -> RegistryCtx {
    let posted = t.and_then(posted_ctx);
    let Some(r) = r else {
        return RegistryCtx {
            shown: posted.is_some(),
            posted,
            ..RegistryCtx::default()
        };
    };
    let checks: Vec<CheckRowCtx> = r
        .checks
        .iter()
        .map(|c| CheckRowCtx {
            outcome: c.label.clone(),
            outcome_id: c.outcome.clone(),
            arm: c.arm_label.clone(),
            paper: c.paper.clone(),
            registry: c.registry.clone(),
            agrees: c.verdict == Agreement::Agrees,
            text: present::registry_check_text(c.verdict, &c.registry, &c.paper),
        })
        .collect();
    let agree = checks.iter().filter(|c| c.agrees).count();
    let switching = r.switching.as_ref().map(|s| SwitchCtx {
        registered: s.registered.clone(),
        published: s
            .published
            .iter()
            .map(|p| PublishedCtx {
                label: p.label.clone(),
                timepoint: present::timepoint_beside(&p.label, p.timepoint.as_deref()),
                verdict: verdict_text(p.verdict),
                class: present::switch_class(p.verdict),
            })
            .collect(),
        verdict: verdict_text(s.verdict),
        class: present::switch_class(s.verdict),
        compared_with: present::switch_record_text(s.record_date),
    });
    let registry_only = r
        .registry_only
        .iter()
        .map(|c| CheckRowCtx {
            outcome: c.label.clone(),
            outcome_id: c.outcome.clone(),
            arm: c.arm_label.clone(),
            paper: String::new(),
            registry: c.registry.clone(),
            agrees: false,
            text: present::registry_only_text(&c.registry),
        })
        .collect();
    let due = match (&r.not_yet_due, r.undated) {
        (Some(o), _) => Some(present::not_yet_due_text(o)),
        (None, true) => Some(present::undated_text().to_string()),
        (None, false) => None,
    };
    let ctx = RegistryCtx {
        shown: false,
        differ: checks.len() - agree,
        agree,
        checks,
        switching,
        planned: present::enrolment_text(r.enrolment.planned),
        planned_n: r.enrolment.planned.map(|p| p.0),
        actual: present::enrolment_text(r.enrolment.actual),
        actual_n: r.enrolment.actual.map(|p| p.0),
        why_stopped: r.why_stopped.clone(),
        overdue: r.overdue.as_ref().map(present::overdue_text),
        due,
        registry_only,
        posted,
    };
    RegistryCtx {
        shown: ctx.posted.is_some()
            || !ctx.checks.is_empty()
            || ctx.switching.is_some()
            || ctx.planned.is_some()
            || ctx.why_stopped.is_some()
            || ctx.overdue.is_some()
            || ctx.due.is_some()
            || !ctx.registry_only.is_empty(),
        ..ctx
    }
}

/// A verdict's words, capitalised for a table cell.
fn verdict_text(v: SwitchVerdict) -> String {
    crate::model::capitalise(present::switch_text(v))
}
