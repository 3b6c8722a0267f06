//! Analyse: every number the site shows, recomputed from the arm data.
//!
//! For each trial outcome (`trial`): risks per arm (Wilson CI), RR, OR and
//! RD with their CIs, NNT/NNH, chi-square and Fisher p values, the
//! fragility index (or the reverse fragility index when not significant),
//! MD and Hedges' g for continuous outcomes, a Bayesian re-analysis of the
//! risk ratio, and a check of every effect the paper printed ("does the
//! paper add up?", `check`). For each topic analysis (`topic`): the
//! pooled estimate under the declared model or preset, heterogeneity,
//! prediction interval, subgroups and the cumulative sequence in order of
//! publication, with the trial sequential analysis and the summary of
//! findings the author asked for (`evidence`). The formulas live in [`crate::stats`] (pure functions on
//! numbers); this stage only picks the numbers out of the linked site
//! (`arms`) and names things. The result types (`results`) serialise
//! directly into the `index.json` twins (format in docs/json.md).
//!
//! Registry against paper (`registry`): posted results cross-checked,
//! outcome switching, enrolment, results overdue.
//!
//! [`trial_results`] and [`topic_results`] analyse one page each, for a
//! rebuild that redoes only the pages that changed; [`analyse`] runs them
//! over the whole site.

mod arms;
mod check;
mod evidence;
pub mod prose;
mod registry;
mod results;
mod topic;
mod trial;

use rayon::prelude::*;

use crate::diag::Diagnostics;
use crate::link::Links;
use crate::model::{PageKind, Site};

pub use arms::two_by_two;
pub use evidence::{Per1000, SofResult, Source, TsaAssumptions, TsaLook, TsaResult};
pub use registry::days as time_frame_days;
pub use registry::{
    reference_date, registry_reports, Agreement, DateSource, Enrolment, EnrolmentSource, Overdue,
    ReferenceDate, RegisteredText, RegistryCheck, RegistryOnly, RegistryReport, SwitchVerdict,
    Switching,
};
pub use results::*;
pub use topic::sensitivity::{LeaveOneOut, Sensitivity, SensitivityEstimate, SubgroupTest};
pub use topic::{study_label, topic_results};
pub use trial::trial_results;

/// Confidence level of every recomputed interval.
const LEVEL: f64 = 0.95;

/// The registry-versus-paper reports of every trial page and the
/// reference date they were judged against, into `out`; their warnings.
/// Cheap (no statistics), so always done whole, also on a rebuild.
pub fn registry_of_site(site: &Site, links: &Links, out: &mut Analyses) -> Diagnostics {
    out.reference = reference_date(site, site.config.source_date);
    registry_given(site, links, out)
}

/// [`registry_of_site`] with the reference date already in
/// `out.reference` (the incremental engine finds it once for its keys
/// and for this). Also gives each posted outcome with no direction of its
/// own the direction of the paper outcome it reports.
pub fn registry_given(site: &Site, links: &Links, out: &mut Analyses) -> Diagnostics {
    registry::posted_directions(site, links, &mut out.trials);
    let (reports, diags) = registry_reports(site, links, out.reference.as_ref());
    out.registry = reports;
    diags
}

/// Analyse every trial and topic of the site.
pub fn analyse(site: &Site, links: &Links) -> (Analyses, Diagnostics) {
    let mut diags = Diagnostics::new();
    let trials: Vec<(usize, Vec<OutcomeResult>, Diagnostics)> = site
        .pages
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| match &p.kind {
            PageKind::Trial(t) => {
                let (r, d) = trial_results(t);
                Some((i, r, d))
            }
            _ => None,
        })
        .collect();
    let mut out = Analyses::default();
    for (i, r, d) in trials {
        out.trials.insert(i, r);
        diags.extend(d);
    }
    for (i, p) in site.pages.iter().enumerate() {
        if let PageKind::Topic(_) = &p.kind {
            let (v, d) = topic_results(site, links, i);
            out.topics.insert(i, v);
            diags.extend(d);
        }
    }
    diags.extend(registry_of_site(site, links, &mut out));
    (out, diags)
}
