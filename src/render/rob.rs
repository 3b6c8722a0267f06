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
