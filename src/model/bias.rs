//! Risk of bias: a trial's (or one outcome's) RoB 2 assessment as the
//! model holds it, validated. The five RoB 2 domains are fixed by the tool
//! (Sterne et al., BMJ 2019); each has a judgement and the author's short
//! support text, and the assessment has an overall judgement.

/// A RoB 2 judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    /// Low risk of bias.
    Low,
    /// Some concerns.
    SomeConcerns,
    /// High risk of bias.
    High,
}

/// The five RoB 2 domains, in the tool's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BiasDomain {
    /// D1: bias arising from the randomisation process.
    Randomisation,
    /// D2: bias due to deviations from intended interventions.
    Deviations,
    /// D3: bias due to missing outcome data.
    MissingData,
    /// D4: bias in measurement of the outcome.
    Measurement,
    /// D5: bias in selection of the reported result.
    Selection,
}

/// One domain's judgement with the author's support for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainJudgement {
    /// Which domain.
    pub domain: BiasDomain,
    /// The judgement.
    pub judgement: Judgement,
    /// The author's short support text (may be empty).
    pub support: String,
}

/// A risk-of-bias assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskOfBias {
    /// The tool (`RoB 2`).
    pub tool: String,
    /// The domains, in the tool's order.
    pub domains: Vec<DomainJudgement>,
    /// The overall judgement.
    pub overall: Judgement,
    /// The author's support for the overall judgement (may be empty).
    pub overall_support: String,
}

impl RiskOfBias {
    /// Whether the overall judgement is low risk of bias (the trials a
    /// "low risk of bias only" sensitivity analysis keeps).
    pub fn is_low(&self) -> bool {
        self.overall == Judgement::Low
    }
}
