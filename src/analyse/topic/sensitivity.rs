//! The sensitivity analyses of one topic analysis ([`Sensitivity`]):
//! leave-one-out, the trials at low risk of bias only, and the
//! common-effect and random-effects estimates side by side; and the test
//! for subgroup differences ([`SubgroupTest`]) when subgroups are declared.
//! Each subset is pooled by the analysis's own [`Pooler`] with its own
//! settings, so a sensitivity estimate is worked out exactly as the
//! headline is; the formulas are [`crate::stats::sensitivity`].

use serde::Serialize;

use super::Pooler;
use crate::model::{PageKind, Site};
use crate::stats::meta::{self, Lead, Model};
use crate::stats::sensitivity as sens;

pub use crate::stats::sensitivity::SubgroupTest;

/// A pooled estimate of some of an analysis's trials (natural scale).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityEstimate {
    /// Estimate; `null` when the trials disagree too much for one (two
    /// trials of a random-effects analysis, see `lead` in docs/json.md).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// Trials pooled.
    pub k: usize,
    /// Which estimate it is (the headline rule for the subset; `common`
    /// or `random` for the side-by-side pair).
    #[serde(skip)]
    pub lead: Lead,
}

/// The analysis without one trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// Id of the trial left out.
    pub omitted: String,
    /// Its label (`LeoPARDS (2016)`).
    #[serde(skip)]
    pub label: String,
    /// Pooled estimate of the others; `null` when there is none.
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// Trials pooled.
    #[serde(skip)]
    pub k: usize,
}

/// The sensitivity analyses of a pooled analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sensitivity {
    /// The analysis without each trial in turn, in publication order
    /// (empty with one trial).
    pub leave_one_out: Vec<LeaveOneOut>,
    /// The trials whose risk of bias is low overall for the pooled outcome;
    /// `null` when no trial is assessed or none is low.
    pub low_risk_only: Option<SensitivityEstimate>,
    /// The common-effect estimate of all trials, whatever the model.
    pub common: Option<SensitivityEstimate>,
    /// The random-effects estimate of all trials (the analysis's τ²
    /// estimator and CI method), whatever the model.
    pub random: Option<SensitivityEstimate>,
    /// How many of the trials have a risk-of-bias assessment.
    #[serde(skip)]
    pub assessed: usize,
}

fn estimate(p: Option<meta::Pooled>, k: usize, lead: Lead) -> SensitivityEstimate {
    SensitivityEstimate {
        estimate: p.map(|h| h.estimate),
        ci_low: p.map(|h| h.lower),
        ci_high: p.map(|h| h.upper),
        k,
        lead,
    }
}

fn headline(r: &meta::MetaResult) -> SensitivityEstimate {
    estimate(r.headline(), r.k, r.lead)
}

impl Pooler<'_> {
    /// The sensitivity analyses of the analysis pooled as `res`.
    pub(super) fn sensitivity(&self, site: &Site, res: &meta::MetaResult) -> Sensitivity {
        let all: Vec<usize> = (0..self.rows.len()).collect();
        let leave_one_out = sens::leave_one_out(&all, |idx| self.run(idx))
            .into_iter()
            .zip(&all)
            .map(|(r, &j)| {
                let page = self.rows[j].page;
                let h = r.as_ref().map(headline);
                LeaveOneOut {
                    omitted: site.pages[page].id.clone(),
                    label: super::study_label(site, page),
                    estimate: h.as_ref().and_then(|h| h.estimate),
                    ci_low: h.as_ref().and_then(|h| h.ci_low),
                    ci_high: h.as_ref().and_then(|h| h.ci_high),
                    k: h.map_or(0, |h| h.k),
                }
            })
            .collect();
        let random = match res.random {
            Some(p) => Some(p),
            None => self
                .run_with(&all, &sens::with_model(&self.spec.settings, Model::Random))
                .and_then(|r| r.random),
        };
        let (assessed, low) = self.low_risk(site);
        Sensitivity {
            leave_one_out,
            low_risk_only: (!low.is_empty())
                .then(|| self.run(&low))
                .flatten()
                .map(|r| headline(&r)),
            common: Some(estimate(Some(res.common), res.k, Lead::Common)),
            random: random.map(|p| estimate(Some(p), res.k, Lead::Random)),
            assessed,
        }
    }

    /// How many rows have a risk-of-bias assessment for their outcome, and
    /// the rows whose assessment is low overall.
    fn low_risk(&self, site: &Site) -> (usize, Vec<usize>) {
        let mut assessed = 0;
        let mut low = Vec::new();
        for (j, r) in self.rows.iter().enumerate() {
            let PageKind::Trial(t) = &site.pages[r.page].kind else {
                continue;
            };
            if let Some(rob) = t.risk_of_bias_for(&r.outcome) {
                assessed += 1;
                if rob.is_low() {
                    low.push(j);
                }
            }
        }
        (assessed, low)
    }

    /// The test for subgroup differences over the declared subgroups that
    /// hold a trial of the analysis; `None` with fewer than two such
    /// subgroups, when a trial is in two of them (the subgroups are then
    /// not independent), or when one cannot be pooled.
    pub(super) fn subgroup_test(&self, site: &Site) -> Option<SubgroupTest> {
        let groups: Vec<Vec<usize>> = self
            .subgroup_rows(site)
            .into_iter()
            .map(|(_, idx)| idx)
            .filter(|idx| !idx.is_empty())
            .collect();
        let total: usize = groups.iter().map(Vec::len).sum();
        let mut distinct: Vec<usize> = groups.concat();
        distinct.sort_unstable();
        distinct.dedup();
        if groups.len() < 2 || distinct.len() != total {
            return None;
        }
        let settings = sens::subgroup_settings(&self.spec.settings);
        let parts: Option<Vec<meta::MetaResult>> = groups
            .iter()
            .map(|idx| self.run_with(idx, &settings))
            .collect();
        sens::subgroup_test(&parts?)
    }
}

#[cfg(test)]
mod tests {
    //! Low risk of bias only, on the `good/sensitivity` fixture with its
    //! assessments replaced by ones set in code.

    use std::path::Path;

    use crate::model::bias::{Judgement, RiskOfBias};
    use crate::model::{PageKind, Site};

    fn rob(overall: Judgement) -> RiskOfBias {
        RiskOfBias {
            tool: "RoB 2".into(),
            domains: Vec::new(),
            overall,
            overall_support: String::new(),
        }
    }

    fn fixture() -> Site {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/sensitivity");
        let (sources, _) = crate::discover::discover(&root);
        let (parsed, _) = crate::parse::parse(&sources);
        let mut site = crate::model::build(&parsed, &Default::default()).0;
        // Start from no assessment at all (the fixture's own are tested
        // through its index.json in tests/it/sensitivity.rs).
        for p in &mut site.pages {
            if let PageKind::Trial(t) = &mut p.kind {
                t.risk_of_bias = None;
                t.outcome_risk_of_bias.clear();
            }
        }
        site
    }

    /// Sets trial `id`'s assessment: for the whole trial, or only for its
    /// outcome `death` when `per_outcome`.
    fn assess(site: &mut Site, id: &str, j: Judgement, per_outcome: bool) {
        let page = site.pages.iter_mut().find(|p| p.id == id).unwrap();
        let PageKind::Trial(t) = &mut page.kind else {
            panic!("{id} is not a trial")
        };
        if per_outcome {
            t.outcome_risk_of_bias.insert("death".into(), rob(j));
        } else {
            t.risk_of_bias = Some(rob(j));
        }
    }

    fn analyses(site: &Site) -> Vec<crate::analyse::PooledResult> {
        let (links, _) = crate::link::link(site);
        let i = site.pages.iter().position(|p| p.id == "sens").unwrap();
        super::super::topic_results(site, &links, i).0
    }

    #[test]
    fn low_risk_only_pools_the_trials_assessed_low_for_the_outcome() {
        let mut site = fixture();
        let none = analyses(&site);
        assert_eq!(none[0].sensitivity.low_risk_only, None);
        assert_eq!(none[0].sensitivity.assessed, 0);
        assess(&mut site, "alpha", Judgement::Low, false);
        assess(&mut site, "beta", Judgement::High, false);
        // The outcome's own assessment wins over the trial's.
        assess(&mut site, "gamma", Judgement::SomeConcerns, false);
        assess(&mut site, "gamma", Judgement::Low, true);
        let a = analyses(&site);
        let s = &a[0].sensitivity;
        assert_eq!(s.assessed, 3);
        let low = s.low_risk_only.as_ref().unwrap();
        assert_eq!(low.k, 2);
        // ALPHA and GAMMA: under the default preset two trials lead with
        // the MH common effect, which the second analysis (ALPHA and GAMMA,
        // model: common) reports as its headline.
        assert_eq!(a[1].k, 2);
        assert_eq!(
            [low.estimate, low.ci_low, low.ci_high],
            [a[1].estimate, a[1].ci_low, a[1].ci_high]
        );
        // None low: null, but the assessed trials are still counted.
        assess(&mut site, "alpha", Judgement::High, false);
        assess(&mut site, "gamma", Judgement::High, true);
        let s = &analyses(&site)[0].sensitivity;
        assert_eq!((s.low_risk_only.as_ref(), s.assessed), (None, 3));
    }
}
