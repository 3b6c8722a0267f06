//! Risk of bias: a trial's (or one outcome's) RoB 2 assessment as the
//! model holds it, validated. The five RoB 2 domains are fixed by the tool
//! (Sterne et al., BMJ 2019); each has a judgement and the author's short
//! support text, and the assessment has an overall judgement.
//!
//! Also the validation of what the author wrote (`trial.risk_of_bias`, an
//! outcome's `risk_of_bias`, `trial.outcome_risk_of_bias`): the names
//! accepted come from the enums' own serde names, so a new variant cannot
//! be missed by the checks or their hints.

use borsh::{BorshDeserialize, BorshSerialize};
use std::collections::BTreeMap;

use super::context::{hint, Cx};
use super::Outcome;
use crate::diag::did_you_mean;
use crate::parse::front_matter::{variants_of, RawJudged, RawRiskOfBias, RawTrial};

/// A RoB 2 judgement.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct DomainJudgement {
    /// Which domain.
    pub domain: BiasDomain,
    /// The judgement.
    pub judgement: Judgement,
    /// The author's short support text (may be empty).
    pub support: String,
}

/// A risk-of-bias assessment.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
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

/// The one tool read, as written in output.
pub const TOOL: &str = "RoB 2";

/// The enum value named `s` (trimmed, any case, `_` or a space for `-`),
/// by the enum's own serde names.
fn parse_name<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    let s = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&s)).ok()
}

impl Judgement {
    /// The front-matter (and JSON) names, best first.
    pub fn names() -> &'static [&'static str] {
        variants_of::<Judgement>()
    }
    /// The judgement named `s` (`low`, `some-concerns`, `high`).
    pub fn parse(s: &str) -> Option<Judgement> {
        parse_name(s)
    }
    /// Its front-matter name (`some-concerns`).
    pub fn name(self) -> &'static str {
        Self::names()[self as usize]
    }
    /// Its name for readers (`Some concerns`).
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Low => "Low",
            Judgement::SomeConcerns => "Some concerns",
            Judgement::High => "High",
        }
    }
}

impl BiasDomain {
    /// Every domain, in the tool's order (D1 to D5).
    pub const ALL: [BiasDomain; 5] = [
        BiasDomain::Randomisation,
        BiasDomain::Deviations,
        BiasDomain::MissingData,
        BiasDomain::Measurement,
        BiasDomain::Selection,
    ];
    /// The front-matter (and JSON) names, in the tool's order.
    pub fn names() -> &'static [&'static str] {
        variants_of::<BiasDomain>()
    }
    /// The domain named `s` (`missing-data`).
    pub fn parse(s: &str) -> Option<BiasDomain> {
        parse_name(s)
    }
    /// Its front-matter name (`missing-data`).
    pub fn name(self) -> &'static str {
        Self::names()[self as usize]
    }
    /// Its short code (`D3`).
    pub fn code(self) -> String {
        format!("D{}", self as usize + 1)
    }
    /// What it judges, for readers.
    pub fn label(self) -> &'static str {
        match self {
            BiasDomain::Randomisation => "Randomisation process",
            BiasDomain::Deviations => "Deviations from intended interventions",
            BiasDomain::MissingData => "Missing outcome data",
            BiasDomain::Measurement => "Measurement of the outcome",
            BiasDomain::Selection => "Selection of the reported result",
        }
    }
}

impl RiskOfBias {
    /// The worst domain judgement (low when there are no domains).
    pub fn worst_domain(&self) -> Judgement {
        self.domains
            .iter()
            .map(|d| d.judgement)
            .max()
            .unwrap_or(Judgement::Low)
    }
    /// The judgement of one domain, if it is given.
    pub fn judgement_of(&self, domain: BiasDomain) -> Option<Judgement> {
        self.domains
            .iter()
            .find(|d| d.domain == domain)
            .map(|d| d.judgement)
    }
}

/// Every assessment of trial `t`, each with what it covers: the trial's
/// (`All outcomes`, or `Other outcomes` when some are judged apart), then
/// each separately assessed outcome's (its label), in the outcomes' order.
pub fn labelled(t: &super::Trial) -> Vec<(String, &RiskOfBias)> {
    let separate: Vec<(String, &RiskOfBias)> = t
        .outcomes
        .iter()
        .filter_map(|o| Some((o.label.clone(), t.outcome_risk_of_bias.get(&o.id)?)))
        .collect();
    let mut v = Vec::new();
    if let Some(r) = &t.risk_of_bias {
        let h = if separate.is_empty() {
            "All outcomes"
        } else {
            "Other outcomes"
        };
        v.push((h.to_string(), r));
    }
    v.extend(separate);
    v
}

/// The trial's assessment and those of single outcomes (by id), from
/// `trial.risk_of_bias`, each front-matter outcome's `risk_of_bias` and
/// `trial.outcome_risk_of_bias`; an assessment with errors is left out
/// after they are reported. `outcomes` are the trial's typed outcomes and
/// `rejected` the ids left out for errors (not reported again).
pub(super) fn assessments(
    cx: &mut Cx,
    t: &RawTrial,
    outcomes: &[Outcome],
    rejected: &[String],
) -> (Option<RiskOfBias>, BTreeMap<String, RiskOfBias>) {
    let trial = t
        .risk_of_bias
        .as_ref()
        .and_then(|r| assessment(cx, "trial.risk_of_bias", r));
    let mut by_outcome = BTreeMap::new();
    for (i, o) in t.outcomes.iter().enumerate() {
        if let Some(r) = &o.risk_of_bias {
            if let Some(a) = assessment(cx, &format!("trial.outcomes[{i}].risk_of_bias"), r) {
                by_outcome.insert(o.id.clone(), a);
            }
        }
    }
    let ids: Vec<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    for (id, r) in &t.outcome_risk_of_bias {
        let p = format!("trial.outcome_risk_of_bias.{id}");
        if !ids.contains(&id.as_str()) {
            if !rejected.contains(id) {
                unknown_outcome(cx, &p, id, &ids);
            }
            continue;
        }
        if t.outcomes
            .iter()
            .any(|o| o.id == *id && o.risk_of_bias.is_some())
        {
            let d = cx.error(&p, format!("outcome `{id}` is assessed twice"));
            hint(
                d,
                "keep either its `risk_of_bias` under `trial.outcomes` or this one",
            );
            continue;
        }
        if let Some(a) = assessment(cx, &p, r) {
            by_outcome.insert(id.clone(), a);
        }
    }
    (trial, by_outcome)
}

/// An error at `p` naming an outcome the trial does not have.
fn unknown_outcome(cx: &mut Cx, p: &str, id: &str, ids: &[&str]) {
    let d = cx.error(p, format!("there is no outcome `{id}` in this trial"));
    let h = match did_you_mean(id, ids) {
        Some(s) => format!("did you mean `{s}`? The outcomes are: {}", ids.join(", ")),
        None if ids.is_empty() => "the trial has no outcomes".to_string(),
        None => format!("the outcomes are: {}", ids.join(", ")),
    };
    hint(d, h);
}

/// One assessment written at `p`; `None` after its errors (all reported).
fn assessment(cx: &mut Cx, p: &str, r: &RawRiskOfBias) -> Option<RiskOfBias> {
    let tool = tool(cx, p, r.tool.as_deref());
    let domains = domains(cx, p, r.domains.as_ref());
    let overall = match &r.overall {
        Some(o) => judged(cx, &format!("{p}.overall"), o),
        None => {
            let d = cx.error(p, "the assessment has no `overall` judgement");
            hint(
                d,
                format!(
                    "add overall: one of {}, at least as bad as the worst domain",
                    Judgement::names().join(", ")
                ),
            );
            None
        }
    };
    let (tool, domains, (overall, overall_support)) = (tool?, domains?, overall?);
    let r = RiskOfBias {
        tool,
        domains,
        overall,
        overall_support,
    };
    consistent(cx, p, &r).then_some(r)
}

/// The tool at `p.tool` (default RoB 2), or an error for any other.
fn tool(cx: &mut Cx, p: &str, t: Option<&str>) -> Option<String> {
    let Some(t) = t else {
        return Some(TOOL.to_string());
    };
    let squeeze = |s: &str| s.to_ascii_lowercase().replace([' ', '-', '_'], "");
    if squeeze(t) == squeeze(TOOL) {
        return Some(TOOL.to_string());
    }
    let d = cx.error(
        &format!("{p}.tool"),
        format!("unknown risk-of-bias tool `{}`", t.trim()),
    );
    hint(
        d,
        format!("appraise reads {TOOL} assessments: write tool: {TOOL}, or leave it out"),
    );
    None
}

/// The domains at `p.domains`, in the tool's order; `None` after an error
/// (an unknown or repeated domain, a bad judgement, a domain missing).
fn domains(
    cx: &mut Cx,
    p: &str,
    raw: Option<&BTreeMap<String, RawJudged>>,
) -> Option<Vec<DomainJudgement>> {
    let names = BiasDomain::names().join(", ");
    let Some(raw) = raw else {
        let d = cx.error(p, "the assessment has no `domains`");
        hint(d, format!("judge each of the five {TOOL} domains: {names}"));
        return None;
    };
    let mut ok = true;
    let mut found: BTreeMap<BiasDomain, DomainJudgement> = BTreeMap::new();
    for (k, v) in raw {
        let at = format!("{p}.domains.{k}");
        let Some(domain) = BiasDomain::parse(k) else {
            let d = cx.error(&at, format!("unknown {TOOL} domain `{k}`"));
            match did_you_mean(k, BiasDomain::names()) {
                Some(s) => hint(d, format!("did you mean `{s}`? Use one of {names}")),
                None => hint(d, format!("use one of {names}")),
            }
            ok = false;
            continue;
        };
        if found.contains_key(&domain) {
            cx.error(&at, format!("domain `{}` is judged twice", domain.name()));
            ok = false;
            continue;
        }
        match judged(cx, &at, v) {
            Some((judgement, support)) => {
                found.insert(
                    domain,
                    DomainJudgement {
                        domain,
                        judgement,
                        support,
                    },
                );
            }
            None => ok = false,
        }
    }
    let missing: Vec<&str> = BiasDomain::ALL
        .iter()
        .filter(|d| !found.contains_key(d))
        .map(|d| d.name())
        .collect();
    // A misspelt domain is missing too; its own error says enough.
    if ok && !missing.is_empty() {
        let d = cx.error(
            &format!("{p}.domains"),
            format!("missing {TOOL} domain: {}", missing.join(", ")),
        );
        hint(d, format!("{TOOL} judges all five domains: {names}"));
        ok = false;
    }
    ok.then(|| found.into_values().collect())
}

/// A judgement and its support written at `p`, or an error.
fn judged(cx: &mut Cx, p: &str, j: &RawJudged) -> Option<(Judgement, String)> {
    let (name, at, support) = match j {
        RawJudged::Bare(s) => (s.as_str(), p.to_string(), String::new()),
        RawJudged::Long(l) => {
            let Some(name) = l.judgement.as_deref() else {
                let d = cx.error(p, "this judgement has no `judgement`");
                hint(
                    d,
                    format!("add judgement: one of {}", Judgement::names().join(", ")),
                );
                return None;
            };
            let support = l.support.as_deref().unwrap_or("").trim().to_string();
            (name, format!("{p}.judgement"), support)
        }
    };
    match Judgement::parse(name) {
        Some(x) => Some((x, support)),
        None => {
            let names = Judgement::names().join(", ");
            let d = cx.error(&at, format!("unknown judgement `{name}`"));
            match did_you_mean(name, Judgement::names()) {
                Some(s) => hint(d, format!("did you mean `{s}`? Use one of {names}")),
                None => hint(d, format!("use one of {names}")),
            }
            None
        }
    }
}

/// Whether the overall judgement is at least as bad as the worst domain
/// (the RoB 2 algorithm); an error at `p.overall` when it is not.
fn consistent(cx: &mut Cx, p: &str, r: &RiskOfBias) -> bool {
    let worst = r.worst_domain();
    if r.overall >= worst {
        return true;
    }
    let which: Vec<&str> = r
        .domains
        .iter()
        .filter(|d| d.judgement == worst)
        .map(|d| d.domain.name())
        .collect();
    let d = cx.error(
        &format!("{p}.overall"),
        format!(
            "overall `{}` is better than the worst domain (`{}`: {})",
            r.overall.name(),
            worst.name(),
            which.join(", ")
        ),
    );
    let allowed: Vec<&str> = Judgement::names()[worst as usize..].to_vec();
    hint(
        d,
        format!(
            "in {TOOL} the overall judgement is at least as bad as the worst domain: use {}",
            allowed.join(" or ")
        ),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_enums_in_order() {
        assert_eq!(Judgement::names(), ["low", "some-concerns", "high"]);
        assert_eq!(
            BiasDomain::names(),
            [
                "randomisation",
                "deviations",
                "missing-data",
                "measurement",
                "selection"
            ]
        );
        for d in BiasDomain::ALL {
            assert_eq!(BiasDomain::parse(d.name()), Some(d));
        }
        assert_eq!(BiasDomain::ALL.len(), BiasDomain::names().len());
        assert_eq!(BiasDomain::MissingData.code(), "D3");
    }

    #[test]
    fn parsing_forgives_case_spaces_and_underscores_only() {
        assert_eq!(
            Judgement::parse(" Some concerns"),
            Some(Judgement::SomeConcerns)
        );
        assert_eq!(
            Judgement::parse("some_concerns"),
            Some(Judgement::SomeConcerns)
        );
        assert_eq!(Judgement::parse("HIGH"), Some(Judgement::High));
        assert_eq!(Judgement::parse("unclear"), None);
        assert_eq!(
            BiasDomain::parse("missing_data"),
            Some(BiasDomain::MissingData)
        );
        assert_eq!(BiasDomain::parse("blinding"), None);
    }

    #[test]
    fn judgements_order_from_best_to_worst() {
        assert!(Judgement::Low < Judgement::SomeConcerns);
        assert!(Judgement::SomeConcerns < Judgement::High);
        let r = RiskOfBias {
            tool: TOOL.into(),
            domains: vec![
                DomainJudgement {
                    domain: BiasDomain::Randomisation,
                    judgement: Judgement::SomeConcerns,
                    support: String::new(),
                },
                DomainJudgement {
                    domain: BiasDomain::Selection,
                    judgement: Judgement::Low,
                    support: String::new(),
                },
            ],
            overall: Judgement::SomeConcerns,
            overall_support: String::new(),
        };
        assert_eq!(r.worst_domain(), Judgement::SomeConcerns);
        assert_eq!(r.judgement_of(BiasDomain::Selection), Some(Judgement::Low));
        assert_eq!(r.judgement_of(BiasDomain::Measurement), None);
        assert!(!r.is_low());
    }
}
