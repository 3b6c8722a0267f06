//! Risk of bias as pages and `index.json` show it: the assessment in the
//! JSON twin (`risk_of_bias` on the trial and on each outcome), and the
//! rows of the trial page's support-text table.

use serde::Serialize;

use crate::model::bias::{BiasDomain, Judgement, RiskOfBias};

/// An assessment in `index.json`:
/// `{tool, domains: [{domain, judgement, support}], overall, overall_support}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RobJson<'a> {
    /// `RoB 2`.
    pub tool: &'a str,
    /// The five domains, in the tool's order.
    pub domains: Vec<DomainJson<'a>>,
    /// `low`, `some-concerns` or `high`.
    pub overall: Judgement,
    /// The author's support for the overall judgement (may be empty).
    pub overall_support: &'a str,
}

/// One domain in `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainJson<'a> {
    /// The domain's name (`missing-data`).
    pub domain: BiasDomain,
    /// `low`, `some-concerns` or `high`.
    pub judgement: Judgement,
    /// The author's support text (may be empty).
    pub support: &'a str,
}

impl<'a> RobJson<'a> {
    /// The JSON view of `r`.
    pub fn of(r: &'a RiskOfBias) -> Self {
        RobJson {
            tool: &r.tool,
            domains: r
                .domains
                .iter()
                .map(|d| DomainJson {
                    domain: d.domain,
                    judgement: d.judgement,
                    support: &d.support,
                })
                .collect(),
            overall: r.overall,
            overall_support: &r.overall_support,
        }
    }
}

/// One assessment as the trial page lists it beside its traffic-light
/// chart: every domain's judgement with the author's support.
#[derive(Debug, Clone, Serialize)]
pub struct RobCtx {
    /// What it covers (`All outcomes`, an outcome's label).
    pub heading: String,
    /// The overall judgement in words (`Some concerns`).
    pub overall: &'static str,
    /// Its name, for CSS (`some-concerns`).
    pub overall_name: &'static str,
    /// The author's support for the overall judgement.
    pub overall_support: String,
    /// D1–D5.
    pub domains: Vec<RobDomainCtx>,
}

/// One domain of a [`RobCtx`].
#[derive(Debug, Clone, Serialize)]
pub struct RobDomainCtx {
    /// `D1`.
    pub code: String,
    /// `Randomisation process`.
    pub label: &'static str,
    /// The judgement in words.
    pub judgement: &'static str,
    /// Its name, for CSS.
    pub name: &'static str,
    /// The author's support text (may be empty).
    pub support: String,
}

/// The trial page's assessments: the trial's, then each separately
/// assessed outcome's, in the order the outcomes are written.
pub(crate) fn assessments(t: &crate::model::Trial) -> Vec<RobCtx> {
    crate::model::bias::labelled(t)
        .into_iter()
        .map(|(h, r)| ctx(&h, r))
        .collect()
}

fn ctx(heading: &str, r: &RiskOfBias) -> RobCtx {
    RobCtx {
        heading: heading.to_string(),
        overall: r.overall.label(),
        overall_name: r.overall.name(),
        overall_support: r.overall_support.clone(),
        domains: r
            .domains
            .iter()
            .map(|d| RobDomainCtx {
                code: d.domain.code(),
                label: d.domain.label(),
                judgement: d.judgement.label(),
                name: d.judgement.name(),
                support: d.support.clone(),
            })
            .collect(),
    }
}
