//! The machine-readable twins: `index.json` beside trial and topic pages.
//!
//! Format (documented in docs/json.md): a trial's `outcomes` each with
//! `id`, `label`, `arms` (experimental first; `events`/`total` or
//! `mean`/`sd`/`n`), `effects` (`measure`, `estimate`, `ci_low`,
//! `ci_high`, `method`), `nnt`, `fragility_index`, `reported`, `check`,
//! `source` (`paper` or `registry`) and its own `risk_of_bias`; the
//! trial's `risk_of_bias`, `registry_check` (posted against published
//! values, arm by arm), `registry_only` (posted for groups the paper does
//! not have) and `registry_posted` (flow, baseline, adverse events);
//! a topic's `analyses` with the pooled numbers, `studies`, `cumulative`,
//! `sensitivity` and `subgroup_test`. Ratios on their natural scale, risk differences as
//! proportions. Keys come out in a fixed order, so the files are
//! byte-identical from build to build.

use serde::Serialize;

use super::context::{LinkCtx, TrialCtx};
use super::rob::RobJson;
use crate::analyse::{Analyses, OutcomeResult, PooledResult};
use crate::link::Links;
use crate::model::Site;

#[derive(Serialize)]
struct TrialJson<'a> {
    format: &'static str,
    id: &'a str,
    acronym: &'a str,
    title: &'a str,
    url: &'a str,
    status: &'a str,
    registrations: &'a [LinkCtx],
    journal: &'a Option<String>,
    arms: Vec<ArmJson<'a>>,
    risk_of_bias: Option<RobJson<'a>>,
    outcomes: Vec<OutcomeJson<'a>>,
    registry_check: Vec<RegistryCheckJson<'a>>,
    registry_only: Vec<RegistryOnlyJson<'a>>,
    registry_posted: Option<super::registry::PostedJson<'a>>,
}

/// One arm of a posted outcome whose group matches no arm of the paper.
#[derive(Serialize)]
struct RegistryOnlyJson<'a> {
    outcome: &'a str,
    arm: &'a str,
    group: &'a str,
    registry: &'a str,
}

/// An outcome's numbers with its own risk-of-bias assessment (`null`:
/// the trial's applies).
#[derive(Serialize)]
struct OutcomeJson<'a> {
    #[serde(flatten)]
    result: &'a OutcomeResult,
    risk_of_bias: Option<RobJson<'a>>,
}

/// One arm of a posted outcome compared with the paper.
#[derive(Serialize)]
struct RegistryCheckJson<'a> {
    outcome: &'a str,
    arm: &'a str,
    paper: &'a str,
    registry: &'a str,
    agrees: bool,
}

#[derive(Serialize)]
struct ArmJson<'a> {
    id: &'a str,
    label: &'a str,
    n: Option<u64>,
    control: bool,
}

/// The JSON twin of a trial page.
pub(crate) fn trial(site: &Site, analyses: &Analyses, i: usize, tc: &TrialCtx) -> Vec<u8> {
    let p = &site.pages[i];
    let trial = match &p.kind {
        crate::model::PageKind::Trial(t) => Some(t.as_ref()),
        _ => None,
    };
    let arms = match trial {
        Some(t) => {
            let order = t.arm_order();
            order
                .iter()
                .map(|&k| ArmJson {
                    id: &t.arms[k].id,
                    label: &t.arms[k].label,
                    n: t.arms[k].n,
                    control: t.arms[k].control,
                })
                .collect()
        }
        None => Vec::new(),
    };
    let outcomes = analyses.trials.get(&i).map(Vec::as_slice).unwrap_or(&[]);
    let j = TrialJson {
        format: "appraise-trial/1",
        id: &p.id,
        acronym: &tc.acronym,
        title: &p.title,
        url: &tc.url,
        status: tc.status,
        registrations: &tc.registrations,
        journal: &tc.journal,
        arms,
        risk_of_bias: trial.and_then(|t| t.risk_of_bias.as_ref()).map(RobJson::of),
        outcomes: outcomes
            .iter()
            .map(|o| OutcomeJson {
                result: o,
                risk_of_bias: trial
                    .and_then(|t| t.outcome_risk_of_bias.get(&o.id))
                    .map(RobJson::of),
            })
            .collect(),
        registry_check: analyses
            .registry
            .get(&i)
            .map(|r| {
                r.checks
                    .iter()
                    .map(|c| RegistryCheckJson {
                        outcome: &c.outcome,
                        arm: &c.arm,
                        paper: &c.paper,
                        registry: &c.registry,
                        agrees: c.verdict == crate::analyse::Agreement::Agrees,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        registry_only: analyses
            .registry
            .get(&i)
            .map(|r| {
                r.registry_only
                    .iter()
                    .map(|c| RegistryOnlyJson {
                        outcome: &c.outcome,
                        arm: &c.arm,
                        group: &c.arm_label,
                        registry: &c.registry,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        registry_posted: trial.and_then(super::registry::posted_json),
    };
    to_bytes(&j)
}

#[derive(Serialize)]
struct TopicJson<'a> {
    format: &'static str,
    id: &'a str,
    title: &'a str,
    trials: Vec<&'a str>,
    analyses: &'a [PooledResult],
}

/// The JSON twin of a topic page.
pub(crate) fn topic(site: &Site, links: &Links, i: usize, analyses: &[PooledResult]) -> Vec<u8> {
    let p = &site.pages[i];
    let j = TopicJson {
        format: "appraise-topic/1",
        id: &p.id,
        title: &p.title,
        trials: links
            .topic_trials
            .get(&i)
            .map(|v| v.iter().map(|&k| site.pages[k].id.as_str()).collect())
            .unwrap_or_default(),
        analyses,
    };
    to_bytes(&j)
}

fn to_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    // The error text is itself written as JSON (escaped), never pasted in.
    // Room for a typical trial's twin (about 6 KB) at once, instead of
    // growing from 128 bytes by doubling and copying.
    let mut b = Vec::with_capacity(8 * 1024);
    if let Err(e) = serde_json::to_writer(&mut b, v) {
        b = serde_json::to_vec(&serde_json::json!({ "error": e.to_string() })).unwrap_or_default();
    }
    b.push(b'\n');
    b
}
