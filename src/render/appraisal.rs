//! The appraisal view ([`AppraisalCtx`]): its style and the trials it
//! discusses.

use crate::model::{Appraisal, PageKind, Style};

use super::context::AppraisalCtx;
use super::site::{of_page, Env};
use super::trial::trial_ctx;

/// The context of appraisal page `i`.
pub(super) fn appraisal_ctx(env: &Env, i: usize, a: &Appraisal) -> AppraisalCtx {
    let site = env.input.site;
    let trials = of_page(&env.input.links.appraisal_trials, i);
    AppraisalCtx {
        style: match a.style {
            Style::Blog => "blog".into(),
            Style::BottomLine => "bottom-line".into(),
        },
        trials: trials
            .iter()
            .filter_map(|&j| match &site.pages[j].kind {
                PageKind::Trial(t) => Some(trial_ctx(env, j, t, false)),
                _ => None,
            })
            .collect(),
    }
}
