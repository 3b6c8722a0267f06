//! Picking a trial outcome's arm data out of the model: the 2×2 table, the
//! pair of mean/SD summaries, and the per-arm rows shown on trial and topic
//! pages (experimental arm first). Shared by [`super::trial`] and
//! [`super::topic`].

use super::results::ArmResult;
use super::LEVEL;
use crate::model::{OutcomeData, Trial};
use crate::stats::{self, binary::TwoByTwo, continuous::ArmSummary};

/// The 2×2 table of an outcome (experimental vs control), if binary and complete.
pub fn two_by_two(t: &Trial, data: &OutcomeData) -> Option<TwoByTwo> {
    let OutcomeData::Binary(v) = data else {
        return None;
    };
    let e = v.get(t.experimental())?.as_ref()?;
    let c = v.get(t.control)?.as_ref()?;
    TwoByTwo::new(e.events, e.total, c.events, c.total)
}

/// Mean, SD and n of the experimental and control arms, if continuous and
/// complete.
pub(super) fn mean_sds(t: &Trial, data: &OutcomeData) -> Option<(ArmSummary, ArmSummary)> {
    let OutcomeData::Continuous(v) = data else {
        return None;
    };
    let e = v.get(t.experimental())?.as_ref()?;
    let c = v.get(t.control)?.as_ref()?;
    Some((
        ArmSummary {
            mean: e.mean,
            sd: e.sd,
            n: e.n,
        },
        ArmSummary {
            mean: c.mean,
            sd: c.sd,
            n: c.n,
        },
    ))
}

/// An arm row with only its id and label.
fn blank_arm(t: &Trial, i: usize) -> ArmResult {
    ArmResult {
        arm: t.arms[i].id.clone(),
        label: t.arms[i].label.clone(),
        events: None,
        total: None,
        risk: None,
        risk_ci_low: None,
        risk_ci_high: None,
        mean: None,
        sd: None,
        n: None,
        median: None,
        q1: None,
        q3: None,
    }
}

/// The rows of an outcome's arms in display order, each with the data it has
/// (and its risk with a Wilson CI when binary).
pub(super) fn arms_of(t: &Trial, data: &OutcomeData) -> Vec<ArmResult> {
    t.arm_order()
        .into_iter()
        .map(|i| {
            let mut a = blank_arm(t, i);
            match data {
                OutcomeData::Binary(v) => {
                    if let Some(Some(c)) = v.get(i) {
                        a.events = Some(c.events);
                        a.total = Some(c.total);
                        if let Some(p) = stats::binary::wilson(c.events, c.total, LEVEL) {
                            a.risk = Some(p.estimate);
                            a.risk_ci_low = Some(p.lower);
                            a.risk_ci_high = Some(p.upper);
                        }
                    }
                }
                OutcomeData::Continuous(v) => {
                    if let Some(Some(m)) = v.get(i) {
                        a.mean = Some(m.mean);
                        a.sd = Some(m.sd);
                        a.n = Some(m.n);
                    }
                }
                OutcomeData::Median(v) => {
                    if let Some(Some(m)) = v.get(i) {
                        a.median = Some(m.median);
                        a.q1 = Some(m.q1);
                        a.q3 = Some(m.q3);
                        a.n = m.n;
                    }
                }
                OutcomeData::None => {}
            }
            a
        })
        .collect()
}
