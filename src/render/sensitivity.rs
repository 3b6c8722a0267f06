//! The "Sensitivity analyses" block of a topic analysis
//! ([`SensitivityCtx`], `partials/sensitivity.html`): common vs random
//! effects, low risk of bias only, the leave-one-out table and the test for
//! subgroup differences. The words come from [`crate::present`]; the
//! numbers are passed too, for themes that lay them out themselves.

use serde::Serialize;

use crate::analyse::{PooledResult, SubgroupTest};
use crate::present;

use super::site::Env;

/// One row of the leave-one-out table.
#[derive(Debug, Clone, Serialize)]
pub struct LeaveOneOutCtx {
    /// Id of the trial left out.
    pub trial: String,
    /// Its label (`LeoPARDS (2016)`).
    pub label: String,
    /// Its page.
    pub url: String,
    /// The others' estimate (`null` when there is none).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// Trials pooled without it.
    pub k: usize,
    /// `RR 1.16 (0.71 to 1.90), 1 trial`.
    pub estimate_text: String,
    /// Whether the conclusion changes (the CI against no difference).
    pub changes: bool,
    /// `No`, or what changes.
    pub change: String,
}

/// The sensitivity analyses of one analysis on its topic page.
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityCtx {
    /// Common and random effects side by side, in words.
    pub models: Option<String>,
    /// Low risk of bias only, in words (with how many trials were kept).
    pub low_risk: String,
    /// The leave-one-out rows, in publication order (none with one trial).
    pub leave_one_out: Vec<LeaveOneOutCtx>,
    /// How many rows change the conclusion.
    pub changes: usize,
    /// The table's caption (with how many change the conclusion).
    pub caption: String,
    /// The test for subgroup differences, in words.
    pub subgroup_test: Option<String>,
    /// Its numbers.
    pub subgroup: Option<SubgroupTest>,
}

/// The sensitivity block of `r`.
pub(super) fn sensitivity_ctx(env: &Env, r: &PooledResult) -> SensitivityCtx {
    let url = |id: &str| {
        env.input
            .links
            .trial_by_id
            .get(id)
            .map(|&i| env.url(&env.input.site.pages[i].url_path))
            .unwrap_or_default()
    };
    let leave_one_out: Vec<LeaveOneOutCtx> = r
        .sensitivity
        .leave_one_out
        .iter()
        .map(|x| {
            let (changes, change) = present::leave_one_out_change(r, x);
            LeaveOneOutCtx {
                trial: x.omitted.clone(),
                label: x.label.clone(),
                url: url(&x.omitted),
                estimate: x.estimate,
                ci_low: x.ci_low,
                ci_high: x.ci_high,
                k: x.k,
                estimate_text: present::leave_one_out_estimate(r, x),
                changes,
                change,
            }
        })
        .collect();
    let changes = leave_one_out.iter().filter(|x| x.changes).count();
    SensitivityCtx {
        models: present::models_side_by_side(r),
        low_risk: present::low_risk_text(r),
        changes,
        caption: present::leave_one_out_caption(changes),
        leave_one_out,
        subgroup_test: r.subgroup_test.as_ref().map(present::subgroup_test_text),
        subgroup: r.subgroup_test,
    }
}
