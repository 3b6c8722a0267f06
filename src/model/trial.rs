//! A trial's own fields: its arms (ids, numbers randomised, the control
//! arm), registrations, the publication, and the baseline table. Its
//! outcomes are [`super::outcome`]'s, its registry record
//! [`super::registry`]'s.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{hint, too_many, Cx};
use super::outcome::outcomes;
use super::{Arm, Publication, Registration, Trial};
use crate::diag::did_you_mean;
use crate::parse::front_matter::{RawRegistration, RawTrial};
use crate::parse::ParsedCsv;

/// The typed trial of `t`. `bundle` is the page bundle's folder (ending in
/// `/`), where its outcome CSV is looked up in `csvs`; a CSV read is added
/// to `used`.
pub(super) fn trial(
    cx: &mut Cx,
    t: &RawTrial,
    bundle: Option<&str>,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> Trial {
    if t.acronym.trim().is_empty() {
        let d = cx.error("trial", "the trial has no `acronym`");
        hint(d, "add `acronym: ...` under `trial:`");
    }
    let mut arms = arms(cx, t);
    if arms.is_empty() {
        arms = super::registry::group_arms(t);
    }
    let control = control(cx, &mut arms);
    let (mut outcomes, rejected) = outcomes(cx, t, &arms, bundle, csvs, used);
    let registrations = registrations(cx, t);
    let ids: Vec<&str> = outcomes
        .iter()
        .map(|o| o.id.as_str())
        .chain(rejected.iter().map(String::as_str))
        .collect();
    let own = super::registry::OwnOutcomes {
        ids: &ids,
        kept: &outcomes,
    };
    let registry = super::registry::registry(cx, t, &arms, &own);
    if outcomes.is_empty() && rejected.is_empty() {
        // No data of its own: the results posted on the registry are shown
        // as the trial's data, marked as such.
        let posted = registry.as_ref().and_then(|r| r.results.as_ref());
        outcomes.extend(
            posted
                .into_iter()
                .flat_map(|p| p.outcomes.iter().map(|o| o.outcome.clone())),
        );
    }
    let publication = publication(cx, t);
    let baseline = baseline(cx, t, &arms);
    let (risk_of_bias, outcome_risk_of_bias) =
        super::bias::assessments(cx, t, &outcomes, &rejected);
    Trial {
        acronym: t.acronym.clone(),
        title: t.title.clone(),
        registrations,
        registry,
        publication,
        design: t.design.clone().unwrap_or_default(),
        population: t.population.clone().unwrap_or_default(),
        question: t.question.clone(),
        conclusion: t.conclusion.clone(),
        arms,
        control,
        outcomes,
        rejected_outcomes: rejected,
        baseline,
        risk_of_bias,
        outcome_risk_of_bias,
    }
}

/// The arms in the order written; an arm without an id, or with one used
/// before, is left out after an error.
fn arms(cx: &mut Cx, t: &RawTrial) -> Vec<Arm> {
    let mut arms: Vec<Arm> = Vec::new();
    for (i, a) in t.arms.iter().enumerate() {
        let p = format!("trial.arms[{i}]");
        if a.id.trim().is_empty() {
            cx.error(&p, "this arm has no `id`");
            continue;
        }
        if arms.iter().any(|b| b.id == a.id) {
            cx.error(
                &format!("{p}.id"),
                format!("arm id `{}` is used twice", a.id),
            );
            continue;
        }
        let n = match a.n {
            Some(n) if n < 0 => {
                cx.error(
                    &format!("{p}.n"),
                    format!("the number randomised cannot be negative ({n})"),
                );
                None
            }
            Some(n) if too_many(cx, None, 0, &format!("{p}.n"), n as u64) => None,
            Some(n) => Some(n as u64),
            None => None,
        };
        arms.push(Arm {
            id: a.id.clone(),
            label: if a.label.is_empty() {
                a.id.clone()
            } else {
                a.label.clone()
            },
            n,
            intervention: a.intervention.clone(),
            control: a.control,
        });
    }
    arms
}

/// The index of the control arm (the first marked `control: true`, else
/// the last arm), which is then marked; errors for two control arms and
/// for a trial of one arm.
fn control(cx: &mut Cx, arms: &mut [Arm]) -> usize {
    let controls: Vec<usize> = arms
        .iter()
        .enumerate()
        .filter(|(_, a)| a.control)
        .map(|(i, _)| i)
        .collect();
    if controls.len() > 1 {
        cx.error("trial.arms", "more than one arm is marked `control: true`");
    }
    let control = controls
        .first()
        .copied()
        .unwrap_or(arms.len().saturating_sub(1));
    if let Some(a) = arms.get_mut(control) {
        a.control = true;
    }
    if arms.len() == 1 {
        let d = cx.error(
            "trial.arms",
            format!(
                "the trial has one arm (`{}`): appraise compares two or more arms",
                arms[0].id
            ),
        );
        hint(
            d,
            "add the control arm, e.g. - { id: placebo, label: Placebo, control: true }",
        );
    }
    control
}

/// The registry ids, each with its link (written, or derived for
/// ClinicalTrials.gov and ISRCTN ids).
fn registrations(cx: &mut Cx, t: &RawTrial) -> Vec<Registration> {
    t.registration
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (id, url) = match r {
                RawRegistration::Id(s) => (s.trim().to_string(), None),
                RawRegistration::Long { id, url } => (id.trim().to_string(), url.clone()),
            };
            if id.is_empty() || id.contains(char::is_whitespace) {
                cx.error(
                    &format!("trial.registration[{i}]"),
                    format!("`{id}` is not a registry id"),
                );
                return None;
            }
            let url = match url {
                Some(u) => cx.url(&format!("trial.registration[{i}].url"), Some(&u)),
                None => registry_url(&id),
            };
            Some(Registration { id, url })
        })
        .collect()
}

/// The publication: a plausible year (or the date's), and a link (written,
/// or derived from the DOI).
fn publication(cx: &mut Cx, t: &RawTrial) -> Option<Publication> {
    t.publication.as_ref().map(|p| {
        let year = p.year.and_then(|y| {
            if !(1900..=2200).contains(&y) {
                cx.error(
                    "trial.publication.year",
                    format!("{y} is not a plausible publication year"),
                );
                None
            } else {
                Some(y as i32)
            }
        });
        let date = cx.date("trial.publication.date", &p.date);
        Publication {
            journal: p.journal.clone(),
            year: year.or(date.map(|d| d.year)),
            date,
            citation: p.citation.clone(),
            authors: p.authors.clone(),
            title: p.title.clone(),
            volume: p.volume.clone(),
            issue: p.issue.clone(),
            pages: p.pages.clone(),
            pmid: p.pmid.clone(),
            doi: p.doi.clone(),
            url: cx
                .url("trial.publication.url", p.url.as_ref())
                .or_else(|| p.doi.as_ref().map(|d| format!("https://doi.org/{d}"))),
        }
    })
}

/// The baseline rows, each value in arm order; an error for a value of an
/// arm the trial does not have.
fn baseline(cx: &mut Cx, t: &RawTrial, arms: &[Arm]) -> Vec<(String, Vec<String>)> {
    let arm_ids: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
    let mut baseline = Vec::new();
    for (i, b) in t.baseline.iter().enumerate() {
        for k in b.values.keys() {
            if !arm_ids.contains(&k.as_str()) {
                unknown_arm(cx, &format!("trial.baseline[{i}].values.{k}"), k, &arm_ids);
            }
        }
        baseline.push((
            b.label.clone(),
            arms.iter()
                .map(|a| b.values.get(&a.id).cloned().unwrap_or_default())
                .collect(),
        ));
    }
    baseline
}

/// The record's link for a ClinicalTrials.gov or ISRCTN id.
fn registry_url(id: &str) -> Option<String> {
    let up = id.to_ascii_uppercase();
    if up.starts_with("NCT") {
        Some(format!("https://clinicaltrials.gov/study/{up}"))
    } else if up.starts_with("ISRCTN") {
        Some(format!("https://www.isrctn.com/{up}"))
    } else {
        None
    }
}

/// An error at `path` naming an arm `k` the trial does not have, with the
/// arms it does (and the nearest, if one is close).
pub(super) fn unknown_arm(cx: &mut Cx, path: &str, k: &str, arm_ids: &[&str]) {
    let d = cx.error(path, format!("there is no arm `{k}` in this trial"));
    let h = match did_you_mean(k, arm_ids) {
        Some(s) => format!("did you mean `{s}`? The arms are: {}", arm_ids.join(", ")),
        None => format!("the arms are: {}", arm_ids.join(", ")),
    };
    hint(d, h);
}
