//! The trial page's "Registry versus paper" view ([`RegistryCtx`]): the
//! cross-check table (posted against published, arm by arm), registered
//! against published primary outcome(s) side by side, planned against
//! actual enrolment, why the trial stopped, results overdue with the
//! date it was judged against, and the participant flow, baseline counts
//! and adverse events the registry posted. Numbers and verdicts come from
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
                timepoint: p.timepoint.clone(),
                verdict: verdict_text(p.verdict),
                class: present::switch_class(p.verdict),
            })
            .collect(),
        verdict: verdict_text(s.verdict),
        class: present::switch_class(s.verdict),
    });
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
        posted,
    };
    RegistryCtx {
        shown: ctx.posted.is_some()
            || !ctx.checks.is_empty()
            || ctx.switching.is_some()
            || ctx.planned.is_some()
            || ctx.why_stopped.is_some()
            || ctx.overdue.is_some(),
        ..ctx
    }
}

/// A verdict's words, capitalised for a table cell.
fn verdict_text(v: SwitchVerdict) -> String {
    crate::model::capitalise(present::switch_text(v))
}
