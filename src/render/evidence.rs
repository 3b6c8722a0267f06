//! The trial sequential analysis and summary-of-findings contexts of a
//! topic analysis ([`TsaCtx`], [`SofCtx`]): numbers beside the words
//! [`crate::present`] gives them, for `partials/tsa.html` and
//! `partials/sof.html`.

use crate::analyse::PooledResult;
use crate::link::FigureKey;
use crate::present;

use super::context::{ReasonCtx, SofCtx, TsaCtx};
use super::figure_ctx;
use super::site::Env;

/// The TSA context of analysis `r` of topic page `i`; its chart unless
/// `in_prose` says the author placed it in the body.
pub(super) fn tsa_ctx(
    env: &Env,
    i: usize,
    r: &PooledResult,
    in_prose: &dyn Fn(&FigureKey) -> bool,
) -> Option<TsaCtx> {
    let t = r.tsa.as_ref()?;
    let key = FigureKey::Tsa(r.id.clone());
    Some(TsaCtx {
        required_information_size: t.required_information_size,
        accrued: t.accrued,
        assumptions: present::tsa_assumptions(t),
        verdict: present::tsa_verdict(t),
        label: present::TSA_LABEL,
        caution: present::TSA_CAUTION,
        figure: (!in_prose(&key))
            .then(|| env.figure(i, &key))
            .flatten()
            .map(|f| figure_ctx(&f)),
    })
}

/// The summary-of-findings context of analysis `r`.
pub(super) fn sof_ctx(r: &PooledResult) -> Option<SofCtx> {
    let s = r.sof.as_ref()?;
    let (e, lo, hi) = (r.estimate?, r.ci_low?, r.ci_high?);
    Some(SofCtx {
        relative: present::estimate_ci(r.measure, e, lo, hi),
        control_risk: s.assumed_control_risk,
        control_risk_text: present::per_1000_risk(s.assumed_control_risk),
        control_risk_source: present::control_risk_source(s),
        corresponding_risk: s.corresponding_risk,
        corresponding_text: present::per_1000_risk(s.corresponding_risk),
        absolute_text: present::absolute_effect(&s.absolute_per_1000),
        participants: s.participants,
        participants_text: present::count(s.participants),
        trials: s.trials,
        certainty_symbols: present::certainty_symbols(s.certainty),
        certainty_label: present::certainty_label(s.certainty),
        certainty_accessible: present::certainty_accessible(s.certainty),
        reasons: s
            .reasons
            .iter()
            .map(|x| ReasonCtx {
                domain: present::domain_label(x.domain),
                levels: x.levels,
                text: present::rated_down_text(x),
            })
            .collect(),
    })
}
