//! The topic view ([`TopicCtx`]): the topic's trials in order of
//! publication, and each pooled analysis with its headline, caveats,
//! heterogeneity, prediction interval, model, charts and sensitivity
//! analyses.

use crate::analyse::PooledResult;
use crate::link::FigureKey;
use crate::model::PageKind;

use super::context::{AnalysisCtx, TopicCtx};
use super::figure_ctx;
use super::site::{of_page, Env};
use super::trial::trial_ctx_charted;

/// The pooled analyses of topic page `i`.
pub(super) fn topic_analyses<'a>(env: &Env<'a>, i: usize) -> &'a [PooledResult] {
    of_page(&env.input.analyses.topics, i)
}

/// The context of topic page `i` with its `analyses`; charts for which
/// `in_prose` holds are shown in the body instead.
pub(super) fn topic_ctx(
    env: &Env,
    i: usize,
    analyses: &[PooledResult],
    in_prose: &dyn Fn(&FigureKey) -> bool,
) -> TopicCtx {
    let site = env.input.site;
    let mut order = of_page(&env.input.links.topic_trials, i).to_vec();
    order.sort_by(|&a, &b| {
        (crate::link::publication_key(site, a), &site.pages[a].id)
            .cmp(&(crate::link::publication_key(site, b), &site.pages[b].id))
    });
    TopicCtx {
        card: analyses.first().map(super::card::analysis_card),
        trials: order
            .iter()
            .filter_map(|&j| match &site.pages[j].kind {
                PageKind::Trial(t) => Some(trial_ctx_charted(env, j, t, false, false)),
                _ => None,
            })
            .collect(),
        analyses: analyses
            .iter()
            .map(|r| {
                AnalysisCtx {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    headline: crate::present::analysis_headline(r),
                    caveat: crate::present::analysis_caveat(r),
                    heterogeneity: crate::present::heterogeneity_text(r),
                    prediction: crate::present::prediction_text(r),
                    model: format!("{} (preset “{}”)", r.model_description, r.model),
                    // Charts the author placed in the prose are not repeated here.
                    figures: [
                        FigureKey::Pooled(r.id.clone()),
                        FigureKey::Cumulative(r.id.clone()),
                        FigureKey::RobSummary(r.id.clone()),
                    ]
                    .iter()
                    .filter(|k| !in_prose(k))
                    .filter_map(|k| env.figure(i, k))
                    .map(|f| figure_ctx(&f))
                    .collect(),
                    excluded: r
                        .excluded
                        .iter()
                        .map(|(t, why)| format!("{t}: {why}"))
                        .collect(),
                    tsa: super::evidence::tsa_ctx(env, i, r, in_prose),
                    sof: super::evidence::sof_ctx(r),
                    sensitivity: super::sensitivity::sensitivity_ctx(env, r),
                }
            })
            .collect(),
        history: super::history::history_ctx(env, i),
    }
}
