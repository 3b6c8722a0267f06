//! The trial view ([`TrialCtx`]): status, registry record, design, PICO,
//! arms and baseline, every outcome with its recomputed effects and checks
//! ([`OutcomeCtx`]), the count of printed results that do or do not add
//! up, the figures, and the pages linked to the trial.

use crate::analyse::OutcomeResult;
use crate::link::{FigureKey, TrialStatus};
use crate::model::{Publication, Role, Trial};
use crate::stats::check::Verdict;

use super::context::{ArmCtx, CheckCtx, FieldCtx, FigureCtx, LinkCtx, OutcomeCtx, TrialCtx};
use super::figure_ctx;
use super::site::{of_page, Env};

/// Build the trial context; `full` adds figures and everything for the trial page itself.
pub(super) fn trial_ctx(env: &Env, i: usize, t: &Trial, full: bool) -> TrialCtx {
    trial_ctx_charted(env, i, t, full, true)
}

/// [`trial_ctx`], without any figure unless `charts` (a topic page lists
/// its trials without their charts, and the `results` shortcode's table
/// shows none, so none is drawn for them).
pub(super) fn trial_ctx_charted(
    env: &Env,
    i: usize,
    t: &Trial,
    full: bool,
    charts: bool,
) -> TrialCtx {
    let site = env.input.site;
    let p = &site.pages[i];
    let links = env.input.links;
    let results = of_page(&env.input.analyses.trials, i);
    let published_as = links.published_as.get(&i).map(|&j| env.page_link(j));
    let st = links.status(i).unwrap_or(TrialStatus::Published);
    let (status, status_label) = (
        crate::present::status_class(st),
        crate::present::status_label(st, t),
    );
    let order = t.arm_order();
    let checks = check_summary(results);
    let figures: Vec<FigureCtx> = if !charts {
        Vec::new()
    } else if full {
        env.figures_of(i)
            .iter()
            .filter(|f| {
                matches!(
                    f.which,
                    FigureKey::ForestRatio
                        | FigureKey::ForestDiff
                        | FigureKey::Rates
                        | FigureKey::Timeline
                        | FigureKey::RiskOfBias
                )
            })
            .map(figure_ctx)
            .collect()
    } else {
        env.figure(i, &FigureKey::ForestRatio)
            .map(|f| figure_ctx(&f))
            .into_iter()
            .collect()
    };
    let pubn = t.publication.as_ref();
    TrialCtx {
        id: p.id.clone(),
        url: env.url(&p.url_path),
        acronym: t.acronym.clone(),
        full_title: t.title.clone(),
        status,
        status_label,
        question: t.question.clone(),
        conclusion: t.conclusion.clone(),
        bottom_line: p.bottom_line.clone(),
        registrations: t
            .registrations
            .iter()
            .map(|r| LinkCtx {
                title: r.id.clone(),
                url: r.url.clone().unwrap_or_default(),
            })
            .collect(),
        registry: registry_fields(t),
        citation: pubn.and_then(crate::present::reference),
        paper_url: pubn.and_then(|x| x.url.clone()),
        journal: pubn.and_then(journal),
        design: design_fields(t),
        pico: pico_fields(t),
        inclusion: t.population.inclusion.clone(),
        exclusion: t.population.exclusion.clone(),
        arms: arms(t),
        arm_headers: order.iter().map(|&k| t.arms[k].label.clone()).collect(),
        baseline: baseline_rows(t, &order),
        outcomes: if full {
            outcomes(results, t, |_| true)
        } else {
            Vec::new()
        },
        key_outcomes: outcomes(results, t, |o| {
            o.role == Role::Primary || o.endpoint.is_some() || o.role == Role::Safety
        }),
        card: super::card::trial_card(t, results, st),
        figures,
        risk_of_bias: if full {
            super::rob::assessments(t)
        } else {
            Vec::new()
        },
        appraisals: env.page_links(links.trial_appraisals.get(&i)),
        topics: env.page_links(links.trial_topics.get(&i)),
        published_as,
        registry_records: env.page_links(links.registry_records.get(&i)),
        vs_registry: if full {
            super::registry::registry_ctx(env.input.analyses.registry.get(&i), Some(t))
        } else {
            Default::default()
        },
        mismatches: checks.mismatches,
        explained: checks.explained,
        reproduced: checks.reproduced,
        consistent: checks.consistent,
    }
}

/// A labelled field, absent when the value is absent or empty.
fn field(label: &str, v: Option<String>) -> Option<FieldCtx> {
    v.filter(|s| !s.is_empty()).map(|value| FieldCtx {
        label: label.into(),
        value,
    })
}

/// The registry record's fields (none without a record).
fn registry_fields(t: &Trial) -> Vec<FieldCtx> {
    let Some(r) = &t.registry else {
        return Vec::new();
    };
    [
        field("Status", r.status.clone()),
        field("Phase", r.phase.clone()),
        field("Study type", r.study_type.clone()),
        field("Sponsor", r.sponsor.clone()),
        field("Contact", r.contact.clone()),
        field("Registered", r.registered.map(|d| d.to_string())),
        field("Start", r.start.map(|d| d.to_string())),
        field(
            "Primary completion",
            r.primary_completion.map(|d| d.to_string()),
        ),
        field("Completion", r.completion.map(|d| d.to_string())),
        field("Planned enrolment", r.enrollment.map(|e| e.to_string())),
        field(
            "Actual enrolment",
            r.enrollment_actual.map(|e| e.to_string()),
        ),
        field("Results posted", r.results_posted.map(|d| d.to_string())),
        field(
            "Conditions",
            (!r.conditions.is_empty()).then(|| r.conditions.join(", ")),
        ),
        field("Record checked", r.checked.map(|d| d.to_string())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The design's fields, and the setting.
fn design_fields(t: &Trial) -> Vec<FieldCtx> {
    let d = &t.design;
    [
        field("Allocation", d.allocation.clone()),
        field("Blinding", d.blinding.clone()),
        field("Structure", d.structure.clone()),
        field("Centres", d.centres.map(|c| c.to_string())),
        field(
            "Countries",
            (!d.countries.is_empty()).then(|| d.countries.join(", ")),
        ),
        field("Randomised", d.randomised.map(|c| c.to_string())),
        field("Analysis", d.analysis.clone()),
        field("Sample size", d.sample_size.clone()),
        field("Follow-up", d.follow_up.clone()),
        field("Funding", d.funding.clone()),
        field("Setting", t.population.setting.clone()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Population, intervention, comparison and the primary outcomes.
fn pico_fields(t: &Trial) -> Vec<FieldCtx> {
    let exp = t.arms.get(t.experimental());
    let ctl = t.arms.get(t.control);
    let primary: Vec<String> = t
        .outcomes
        .iter()
        .filter(|o| o.role == Role::Primary)
        .map(|o| o.label.clone())
        .collect();
    [
        field("Population", t.population.description.clone()),
        field(
            "Intervention",
            exp.map(|a| a.intervention.clone().unwrap_or_else(|| a.label.clone())),
        ),
        field(
            "Comparison",
            ctl.map(|a| a.intervention.clone().unwrap_or_else(|| a.label.clone())),
        ),
        field("Outcome", (!primary.is_empty()).then(|| primary.join("; "))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// "Journal year", or whichever of the two the publication gives.
fn journal(x: &Publication) -> Option<String> {
    match (&x.journal, x.year) {
        (Some(j), Some(y)) => Some(format!("{j} {y}")),
        (Some(j), None) => Some(j.clone()),
        (None, Some(y)) => Some(y.to_string()),
        _ => None,
    }
}

/// The arms as declared.
fn arms(t: &Trial) -> Vec<ArmCtx> {
    t.arms
        .iter()
        .map(|a| ArmCtx {
            label: a.label.clone(),
            n: a.n,
            intervention: a.intervention.clone(),
            control: a.control,
        })
        .collect()
}

/// The baseline table: each row's label, then its value for each arm in `order`.
fn baseline_rows(t: &Trial, order: &[usize]) -> Vec<Vec<String>> {
    t.baseline
        .iter()
        .map(|(l, v)| {
            std::iter::once(l.clone())
                .chain(order.iter().map(|&k| v.get(k).cloned().unwrap_or_default()))
                .collect()
        })
        .collect()
}

/// The outcomes that `keep` selects, with their results.
fn outcomes(
    results: &[OutcomeResult],
    t: &Trial,
    keep: impl Fn(&crate::model::Outcome) -> bool,
) -> Vec<OutcomeCtx> {
    results
        .iter()
        .zip(&t.outcomes)
        .filter(|(_, o)| keep(o))
        .map(|(r, o)| OutcomeCtx {
            posted: crate::present::posted_note(r.source, t),
            ..outcome_ctx(r, o.note.clone())
        })
        .collect()
}

/// How many printed results do not add up (explained by the paper's
/// stated method, or not), are reproduced, or are consistent.
struct CheckSummary {
    mismatches: usize,
    explained: usize,
    reproduced: usize,
    consistent: usize,
}

/// Count the checks of every outcome's printed results.
fn check_summary(results: &[OutcomeResult]) -> CheckSummary {
    let checks = || results.iter().flat_map(|r| &r.check);
    // Printed effects that differ from the recomputation: explained by the
    // paper's stated method, or not.
    let (explained, mismatches) =
        checks()
            .filter(|c| c.verdict.is_mismatch())
            .fold((0, 0), |(e, m), c| {
                if c.explained_by.is_some() {
                    (e + 1, m)
                } else {
                    (e, m + 1)
                }
            });
    let count = |v: Verdict| checks().filter(|c| c.verdict == v).count();
    CheckSummary {
        mismatches,
        explained,
        reproduced: count(Verdict::Reproduced),
        consistent: count(Verdict::Consistent),
    }
}

/// One outcome's row: each arm's data, the effects as printed and as
/// recomputed, NNT, fragility, the checks and the Bayesian re-analyses.
fn outcome_ctx(o: &OutcomeResult, note: Option<String>) -> OutcomeCtx {
    let fragility = crate::present::fragility_text(o.fragility_index, o.reverse_fragility_index);
    let checks = o
        .check
        .iter()
        .map(|c| CheckCtx {
            verdict: c.verdict.as_str().to_string(),
            badge: crate::present::verdict_badge(c.verdict, c.measure, c.p_printed),
            summary: c.summary.clone(),
            explained_by: c.explained_by.clone().filter(|_| c.verdict.is_mismatch()),
        })
        .collect();
    let bayes = crate::present::bayes_lines(&o.bayes);
    let (effect, check) = super::card::card_effect(o);
    OutcomeCtx {
        effect: effect.map(|e| e.text),
        effect_check: check.and_then(|c| {
            c.verdict.map(|v| CheckCtx {
                verdict: v.as_str().to_string(),
                badge: c.badge,
                summary: c.summary,
                explained_by: c.explained_by,
            })
        }),
        id: o.id.clone(),
        label: o.label.clone(),
        role: format!("{:?}", o.role).to_lowercase(),
        timepoint: crate::present::timepoint_beside(&o.label, o.timepoint.as_deref()),
        endpoint: o.endpoint.clone(),
        arm_cells: o.arms.iter().map(crate::present::arm_text).collect(),
        posted: None,
        reported: o.reported.iter().map(|r| r.text.clone()).collect(),
        recomputed: crate::present::recomputed_lines(&o.effects),
        nnt: o.nnt.as_ref().map(|n| n.text.clone()),
        fragility,
        checks,
        bayes,
        note,
    }
}
