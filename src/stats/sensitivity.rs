//! Sensitivity analyses of a meta-analysis: leave-one-out (each study's
//! influence), the common-effect and random-effects estimates side by side
//! whatever the chosen model, and the test for subgroup differences.
//!
//! Leave-one-out pools the studies without each one in turn with the
//! analysis's own settings (metafor `leave1out()`, meta `metainf()`).
//!
//! The test for subgroup differences is the one of RevMan 5 and the
//! Cochrane Handbook (§10.11.3.1; Borenstein et al. 2009, ch. 19): each
//! subgroup is pooled on its own, and Cochran's Q is formed on the subgroup
//! estimates θ_g with weights 1/SE_g² about their inverse-variance mean,
//! Q = Σ (θ_g − θ̄)²/SE_g², compared with χ² on G − 1 degrees of freedom.
//! Under a common-effect model θ_g and SE_g are the subgroups' common-effect
//! estimates (Mantel–Haenszel for 2×2 data when the analysis uses it), and Q
//! equals Q_total − ΣQ_within for inverse variance. Under a random-effects
//! model they are the subgroups' random-effects estimates, each with its own
//! τ² from the analysis's estimator, and the Wald SE 1/√Σwᵢ* (RevMan 5's
//! random-effects test; separate τ² per subgroup, not a meta-regression with
//! a pooled τ², so not metafor's `rma(..., mods = ~ subgroup)`). The HKSJ
//! adjustment is not applied to the SE_g: the χ² test needs the
//! large-sample SEs.
//!
//! Every function here pools through [`super::meta`]; none has its own
//! formula for a pooled estimate.

use super::dist::chi2_sf;
use super::meta::{MetaResult, MetaSettings, Model, Pooled, RandomCi};

/// The result of the test for subgroup differences.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SubgroupTest {
    /// Cochran's Q between subgroups.
    pub q: f64,
    /// Degrees of freedom: the number of subgroups − 1.
    pub df: usize,
    /// P(χ²_df ≥ Q).
    pub p: f64,
}

/// The analysis's settings with the model set to `model`: its τ²
/// estimator, CI method and common-effect method are kept, so the common
/// and random estimates of one analysis can be shown side by side.
pub fn with_model(settings: &MetaSettings, model: Model) -> MetaSettings {
    MetaSettings {
        model,
        ..settings.clone()
    }
}

/// The settings under which each subgroup is pooled for
/// [`subgroup_test`]: the analysis's own, with the Wald interval for the
/// random-effects mean (so that `se` is the large-sample SE).
pub fn subgroup_settings(settings: &MetaSettings) -> MetaSettings {
    MetaSettings {
        random_ci: RandomCi::Wald,
        ..settings.clone()
    }
}

/// The estimate of `r` that enters the test for subgroup differences: the
/// random-effects estimate under a random-effects model, else the common
/// effect (whatever estimate leads the page).
pub fn subgroup_estimate(r: &MetaResult) -> Pooled {
    match (r.settings.model, r.random) {
        (Model::Random, Some(p)) => p,
        _ => r.common,
    }
}

/// Cochran's Q of `(estimate, se)` pairs on the analysis scale about their
/// inverse-variance mean, with G − 1 degrees of freedom. `None` for fewer
/// than two subgroups or an SE that is not finite and positive.
pub fn q_between(estimates: &[(f64, f64)]) -> Option<SubgroupTest> {
    if estimates.len() < 2
        || estimates
            .iter()
            .any(|&(e, se)| !(e.is_finite() && se.is_finite() && se > 0.0))
    {
        return None;
    }
    let (sw, swy) = estimates.iter().fold((0.0, 0.0), |(sw, swy), &(e, se)| {
        let w = 1.0 / (se * se);
        (sw + w, swy + w * e)
    });
    let mean = swy / sw;
    let q: f64 = estimates
        .iter()
        .map(|&(e, se)| ((e - mean) / se).powi(2))
        .sum();
    let df = estimates.len() - 1;
    let p = chi2_sf(q, df as f64)?;
    q.is_finite().then_some(SubgroupTest { q, df, p })
}

/// The test for subgroup differences on subgroups pooled under
/// [`subgroup_settings`] (see the module doc).
pub fn subgroup_test(subgroups: &[MetaResult]) -> Option<SubgroupTest> {
    let pairs: Vec<(f64, f64)> = subgroups
        .iter()
        .map(|r| {
            let p = subgroup_estimate(r);
            (p.analysis_estimate, p.se)
        })
        .collect();
    q_between(&pairs)
}

/// Leave-one-out: element i is `pool` of `items` without item i (empty
/// for fewer than two items, when nothing would be left).
pub fn leave_one_out<T: Copy>(
    items: &[T],
    pool: impl Fn(&[T]) -> Option<MetaResult>,
) -> Vec<Option<MetaResult>> {
    if items.len() < 2 {
        return Vec::new();
    }
    (0..items.len())
        .map(|i| {
            let rest: Vec<T> = items
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, x)| *x)
                .collect();
            pool(&rest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Against `tests/reference/sensitivity.json`, written by
    //! `tests/reference/sensitivity.py` (statsmodels `combine_effects`,
    //! `Table2x2`, REML by numerical maximisation, Q between in numpy).
    //! Tolerances: 1e-9 relative for closed forms (common effect, DL, Q);
    //! 1e-6 where τ² is found iteratively on either side (PM: statsmodels
    //! iterates to atol 1e-9; REML: bounded scalar search to 1e-13 against
    //! Fisher scoring to 1e-10 — 1e-6 holds the CI limits well within the
    //! 2 or 3 decimals a page prints).

    use super::*;
    use crate::stats::binary::TwoByTwo;
    use crate::stats::meta::{
        pool, pool_binary, BinaryMeasure, Lead, MetaSettings, Study, Tau2Estimator,
    };
    use crate::stats::reported::Scale;
    use serde_json::Value;

    const JSON: &str = include_str!("../../tests/reference/sensitivity.json");

    fn reference() -> Value {
        serde_json::from_str(JSON).unwrap()
    }

    fn nums(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    fn close(got: f64, want: f64, tol: f64, what: &str) {
        assert!(
            (got - want).abs() <= tol * want.abs().max(1.0),
            "{what}: got {got}, want {want} (tol {tol})"
        );
    }

    /// `p` (analysis scale: pooled with `Scale::Difference`) against
    /// `[estimate, low, high]`.
    fn same(p: &Pooled, want: &Value, tol: f64, what: &str) {
        let w = nums(want);
        close(p.analysis_estimate, w[0], tol, &format!("{what} estimate"));
        close(p.lower, w[1], tol, &format!("{what} low"));
        close(p.upper, w[2], tol, &format!("{what} high"));
    }

    fn bcg() -> (Value, Vec<Study>) {
        let b = reference()["bcg"].clone();
        let studies = nums(&b["yi"])
            .into_iter()
            .zip(nums(&b["vi"]))
            .map(|(yi, vi)| Study { yi, vi })
            .collect();
        (b, studies)
    }

    fn settings(tau2: Tau2Estimator, ci: RandomCi, floor: bool) -> MetaSettings {
        MetaSettings {
            tau2,
            random_ci: ci,
            hksj_floor: floor,
            ..MetaSettings::parse("DL").unwrap()
        }
    }

    #[test]
    fn bcg_leave_one_out_matches_statsmodels() {
        let (b, studies) = bcg();
        let cases = [
            (
                "dl",
                settings(Tau2Estimator::DerSimonianLaird, RandomCi::Wald, false),
                "random",
                1e-9,
            ),
            (
                "pm",
                settings(Tau2Estimator::PauleMandel, RandomCi::Hksj, false),
                "hksj",
                1e-6,
            ),
            (
                "reml",
                settings(Tau2Estimator::Reml, RandomCi::Hksj, true),
                "hksj_adhoc",
                1e-6,
            ),
        ];
        for (name, s, key, tol) in cases {
            let got = leave_one_out(&studies, |x| pool(x, Scale::Difference, &s));
            let want = b["leave_one_out"][name].as_array().unwrap();
            assert_eq!(got.len(), 13);
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                let g = g.as_ref().unwrap();
                assert_eq!(g.k, 12);
                close(g.heterogeneity.tau2, w["tau2"].as_f64().unwrap(), tol, name);
                same(
                    &g.random.unwrap(),
                    &w[key],
                    tol,
                    &format!("{name} without {i}"),
                );
                if let Some(c) = w.get("common") {
                    same(&g.common, c, 1e-9, &format!("{name} common without {i}"));
                }
            }
        }
    }

    #[test]
    fn bcg_subgroup_differences_match_the_reference() {
        let (b, studies) = bcg();
        let sg = &b["subgroups"];
        let groups: Vec<Vec<usize>> = sg["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                g[1].as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_u64().unwrap() as usize)
                    .collect()
            })
            .collect();
        let cases = [
            (
                "common",
                with_model(&MetaSettings::parse("DL").unwrap(), Model::Common),
            ),
            ("dl", MetaSettings::parse("DL").unwrap()),
            // The default preset's HKSJ is replaced by Wald for the test.
            ("reml", MetaSettings::default()),
        ];
        for (name, s) in cases {
            let s = subgroup_settings(&s);
            let parts: Vec<MetaResult> = groups
                .iter()
                .map(|idx| {
                    let sub: Vec<Study> = idx.iter().map(|&i| studies[i]).collect();
                    pool(&sub, Scale::Difference, &s).unwrap()
                })
                .collect();
            for (r, w) in parts
                .iter()
                .zip(sg["subgroup_estimates"][name].as_array().unwrap())
            {
                same(&subgroup_estimate(r), w, 1e-6, &format!("{name} subgroup"));
            }
            let t = subgroup_test(&parts).unwrap();
            let want = &sg[name];
            let tol = if name == "reml" { 1e-6 } else { 1e-9 };
            close(t.q, want["q"].as_f64().unwrap(), tol, &format!("{name} Q"));
            assert_eq!(t.df as u64, want["df"].as_u64().unwrap());
            close(t.p, want["p"].as_f64().unwrap(), tol, &format!("{name} p"));
        }
    }

    fn levo_tables(v: &Value) -> Vec<TwoByTwo> {
        v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let n = |i: usize| t[i].as_u64().unwrap();
                TwoByTwo::new(n(0), n(1), n(2), n(3)).unwrap()
            })
            .collect()
    }

    #[test]
    fn levosimendan_sensitivity_matches_the_reference() {
        let v = reference()["levosimendan"].clone();
        let tables = levo_tables(&v);
        let s = MetaSettings::default();
        let rr = |p: &Pooled| Pooled {
            analysis_estimate: p.estimate.ln(),
            lower: p.lower.ln(),
            upper: p.upper.ln(),
            ..*p
        };
        let full = pool_binary(&tables, BinaryMeasure::RiskRatio, &s).unwrap();
        same(&rr(&full.common), &v["common_mh"], 1e-9, "MH common");
        same(
            &rr(&full.random.unwrap()),
            &v["random_reml_hksj_adhoc"],
            1e-6,
            "REML",
        );
        // Common vs random under the common-effect model too.
        let c = with_model(&s, Model::Common);
        let r = pool_binary(&tables, BinaryMeasure::RiskRatio, &c).unwrap();
        assert_eq!((r.random, r.common), (None, full.common));
        let again = pool_binary(
            &tables,
            BinaryMeasure::RiskRatio,
            &with_model(&c, Model::Random),
        );
        assert_eq!(again.unwrap().random, full.random);
        // Leave-one-out: one trial is left, and its own RR leads.
        let loo = leave_one_out(&tables, |t| pool_binary(t, BinaryMeasure::RiskRatio, &s));
        for (g, w) in loo.iter().zip(v["leave_one_out"].as_array().unwrap()) {
            let g = g.as_ref().unwrap();
            assert_eq!((g.k, g.lead), (1, Lead::CommonTooFewStudies));
            same(
                &rr(&g.headline().unwrap()),
                &w["log_rr"],
                1e-9,
                "without one",
            );
        }
        // Each trial its own subgroup: Q between = the trials' Cochran Q.
        let parts: Vec<MetaResult> = tables
            .iter()
            .map(|t| pool_binary(&[*t], BinaryMeasure::RiskRatio, &subgroup_settings(&s)).unwrap())
            .collect();
        let t = subgroup_test(&parts).unwrap();
        let want = &v["subgroups_q"];
        close(t.q, want["q"].as_f64().unwrap(), 1e-9, "Q");
        close(t.p, want["p"].as_f64().unwrap(), 1e-9, "p");
        // …about the inverse-variance mean (statsmodels' Q), not the MH one
        // that the analysis's heterogeneity Q uses.
        close(t.q, v["dl"]["q"].as_f64().unwrap(), 1e-9, "Q = Cochran's Q");
    }

    #[test]
    fn degenerate_input_gives_none_or_nothing() {
        assert_eq!(q_between(&[(0.1, 0.2)]), None);
        assert_eq!(q_between(&[(0.1, 0.2), (0.3, 0.0)]), None);
        assert_eq!(q_between(&[(0.1, 0.2), (f64::NAN, 0.1)]), None);
        let t = q_between(&[(0.5, 0.1), (0.5, 0.3)]).unwrap();
        assert!(t.q < 1e-20 && t.df == 1 && t.p > 0.999_999, "{t:?}");
        // By hand: θ̄ = 0.3, Q = (0.2/0.1)² + (0.2/0.1)² = 8.
        let t = q_between(&[(0.1, 0.1), (0.5, 0.1)]).unwrap();
        assert!((t.q - 8.0).abs() < 1e-12, "{t:?}");
        let one = [Study { yi: 0.1, vi: 0.04 }];
        let s = MetaSettings::default();
        assert!(leave_one_out(&one, |x| pool(x, Scale::Ratio, &s)).is_empty());
        let two = [one[0], Study { yi: 0.3, vi: 0.09 }];
        let loo = leave_one_out(&two, |x| pool(x, Scale::Ratio, &s));
        assert_eq!(loo.len(), 2);
        assert_eq!(loo[0].as_ref().unwrap().common.analysis_estimate, 0.3);
        assert_eq!(loo[1].as_ref().unwrap().common.analysis_estimate, 0.1);
    }
}
