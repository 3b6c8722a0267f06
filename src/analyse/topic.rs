//! Topic analyses, one [`PooledResult`] per analysis a topic page declares:
//! which trials are pooled (and which are excluded, with why), the pooled
//! estimate under the declared model or preset with its heterogeneity and
//! prediction interval, the per-study rows of the forest plot, the
//! cumulative sequence in order of publication, the subgroups, and the
//! sensitivity analyses with the test for subgroup differences
//! ([`sensitivity`]). The formulas are [`crate::stats::meta`]; this module
//! picks the studies out of the linked site.

use super::arms::{arms_of, mean_sds, two_by_two};
use super::results::{
    ArmResult, CumulativeRow, NoPrediction, PooledResult, StudyRow, SubgroupResult,
};
use super::{evidence, LEVEL};
use crate::diag::{Diagnostic, Diagnostics};
use crate::link::{publication_key, Links};
use crate::model::{AnalysisSpec, Direction, Measure, Outcome, PageKind, Site, Trial};
use crate::stats::{self, binary::TwoByTwo, meta, reported::Scale};

pub(super) mod sensitivity;

/// The pooled analyses of page `i` (empty unless it is a topic), with a
/// warning for each analysis that cannot be pooled and for each whose τ²
/// estimate did not converge.
pub fn topic_results(site: &Site, links: &Links, i: usize) -> (Vec<PooledResult>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let p = &site.pages[i];
    let PageKind::Topic(t) = &p.kind else {
        return (Vec::new(), diags);
    };
    let members = links.topic_trials.get(&i).cloned().unwrap_or_default();
    let mut v = Vec::new();
    for a in &t.analyses {
        match pooled(site, links, &members, a) {
            Ok(r) => {
                if !r.tau2_converged {
                    diags.push(
                        Diagnostic::warning(
                            &p.source,
                            a.pos.0,
                            a.pos.1,
                            format!(
                                "analysis `{}`: the τ² estimate did not converge; the result uses the last iterate",
                                a.id
                            ),
                        )
                        .with_hint("try `tau2: DL` or `tau2: PM` for this analysis"),
                    );
                }
                v.push(r)
            }
            Err(m) => diags.push(Diagnostic::warning(&p.source, a.pos.0, a.pos.1, m)),
        }
    }
    (v, diags)
}

/// `LeoPARDS (2016)`.
pub fn study_label(site: &Site, i: usize) -> String {
    let p = &site.pages[i];
    match &p.kind {
        PageKind::Trial(t) => {
            let name = if t.acronym.is_empty() {
                p.title.clone()
            } else {
                t.acronym.clone()
            };
            match t.publication.as_ref().and_then(|x| x.year) {
                Some(y) => format!("{name} ({y})"),
                None => name,
            }
        }
        _ => p.title.clone(),
    }
}

/// One trial's outcome as a study of the analysis.
struct Row {
    /// Page index of the trial.
    page: usize,
    /// Outcome id.
    outcome: String,
    /// Its arms, experimental first.
    arms: Vec<ArmResult>,
    /// Estimate and variance on the analysis scale.
    study: meta::Study,
    /// The 2×2 table (binary measures), pooled as counts.
    table: Option<TwoByTwo>,
    /// The outcome's direction.
    direction: Direction,
}

/// The trials an analysis pools (its `trials:` or else the topic's
/// `members`), in order of publication.
fn chosen_in_order(site: &Site, links: &Links, members: &[usize], a: &AnalysisSpec) -> Vec<usize> {
    let mut order: Vec<usize> = if a.trials.is_empty() {
        members.to_vec()
    } else {
        a.trials
            .iter()
            .filter_map(|(id, _)| links.trial_by_id.get(id).copied())
            .collect()
    };
    order.sort_by(|&x, &y| {
        (publication_key(site, x), &site.pages[x].id)
            .cmp(&(publication_key(site, y), &site.pages[y].id))
    });
    order
}

/// Whether the measure pools 2×2 tables.
fn is_binary(m: Measure) -> bool {
    matches!(m, Measure::RR | Measure::OR | Measure::RD)
}

/// The meta-analysis measure of a binary measure (RD for any other).
fn binary_measure(m: Measure) -> meta::BinaryMeasure {
    match m {
        Measure::RR => meta::BinaryMeasure::RiskRatio,
        Measure::OR => meta::BinaryMeasure::OddsRatio,
        _ => meta::BinaryMeasure::RiskDifference,
    }
}

/// The studies of an analysis in order, and the trials excluded with why
/// (labelled). A registry record whose results are on the site as their own
/// trial is that trial: the publication is pooled, the record not listed.
fn rows_of(
    site: &Site,
    links: &Links,
    order: &[usize],
    a: &AnalysisSpec,
) -> (Vec<Row>, Vec<(String, String)>) {
    let mut rows = Vec::new();
    let mut excluded = Vec::new();
    for &i in order {
        if links.published_as.contains_key(&i) {
            continue;
        }
        let PageKind::Trial(t) = &site.pages[i].kind else {
            continue;
        };
        let row = match t
            .outcomes
            .iter()
            .find(|o| o.endpoint.as_deref() == Some(a.endpoint.as_str()))
        {
            Some(o) => row_of(i, t, o, a.measure),
            None => Err(format!(
                "reports no {} outcome",
                a.endpoint.replace('-', " ")
            )),
        };
        match row {
            Ok(r) => rows.push(r),
            Err(why) => excluded.push((study_label(site, i), why)),
        }
    }
    (rows, excluded)
}

/// Outcome `o` of trial `t` (page `page`) as a study of `measure`, or why
/// it cannot be one.
fn row_of(page: usize, t: &Trial, o: &Outcome, measure: Measure) -> Result<Row, String> {
    let (study, table) = if is_binary(measure) {
        let tb = two_by_two(t, &o.data)
            .ok_or_else(|| format!("no events/total in both arms for “{}”", o.label))?;
        let s =
            meta::binary_study(&tb, binary_measure(measure)).ok_or("no events in either arm")?;
        (s, Some(tb))
    } else {
        let (e, c) = mean_sds(t, &o.data)
            .ok_or_else(|| format!("no mean, SD and n in both arms for “{}”", o.label))?;
        let eff = if measure == Measure::SMD {
            stats::continuous::hedges_g(&e, &c, LEVEL)
        } else {
            stats::continuous::mean_difference(&e, &c, LEVEL)
        };
        let x = eff.ok_or("the effect cannot be computed")?;
        let s = meta::Study {
            yi: x.estimate,
            vi: x.se * x.se,
        };
        (s, None)
    };
    Ok(Row {
        page,
        outcome: o.id.clone(),
        arms: arms_of(t, &o.data),
        study,
        table,
        direction: o.direction,
    })
}

/// Pools any subset of an analysis's studies the same way.
struct Pooler<'a> {
    rows: &'a [Row],
    spec: &'a AnalysisSpec,
    scale: Scale,
}

impl Pooler<'_> {
    /// The meta-analysis of the rows at `idx`: 2×2 tables as counts, other
    /// measures by their estimates and variances.
    fn run(&self, idx: &[usize]) -> Option<meta::MetaResult> {
        self.run_with(idx, &self.spec.settings)
    }

    /// [`Pooler::run`] under other `settings`.
    fn run_with(&self, idx: &[usize], settings: &meta::MetaSettings) -> Option<meta::MetaResult> {
        if is_binary(self.spec.measure) {
            let tables: Vec<TwoByTwo> = idx.iter().filter_map(|&j| self.rows[j].table).collect();
            meta::pool_binary(&tables, binary_measure(self.spec.measure), settings)
        } else {
            let studies: Vec<meta::Study> = idx.iter().map(|&j| self.rows[j].study).collect();
            meta::pool(&studies, self.scale, settings)
        }
    }

    /// Each study's own estimate and CI, and its weight in `res`.
    fn study_rows(&self, site: &Site, res: &meta::MetaResult) -> Vec<StudyRow> {
        let weights = res.headline_weights();
        let z = stats::z_crit(self.spec.settings.level).unwrap_or(1.959_963_984_540_054);
        let f = |x: f64| self.scale.from_analysis(x);
        self.rows
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let p = &site.pages[r.page];
                let s = r.study;
                let (e, lo, hi) = (s.yi, s.yi - z * s.vi.sqrt(), s.yi + z * s.vi.sqrt());
                StudyRow {
                    trial: p.id.clone(),
                    label: study_label(site, r.page),
                    url_path: p.url_path.clone(),
                    outcome: r.outcome.clone(),
                    arms: r.arms.clone(),
                    estimate: f(e),
                    ci_low: f(lo),
                    ci_high: f(hi),
                    weight: weights.get(j).copied().unwrap_or(0.0),
                    direction: r.direction,
                }
            })
            .collect()
    }

    /// The pooled estimate after each study in turn.
    fn cumulative(&self, site: &Site) -> Vec<CumulativeRow> {
        let all: Vec<usize> = (0..self.rows.len()).collect();
        (1..=self.rows.len())
            .filter_map(|n| {
                let r = self.run(&all[..n])?;
                let h = r.headline();
                let page = self.rows[n - 1].page;
                Some(CumulativeRow {
                    trial: site.pages[page].id.clone(),
                    label: study_label(site, page),
                    k: r.k,
                    lead: r.lead,
                    estimate: h.map(|h| h.estimate),
                    ci_low: h.map(|h| h.lower),
                    ci_high: h.map(|h| h.upper),
                })
            })
            .collect()
    }

    /// Each trial in turn for the trial sequential analysis: its patients
    /// and the pooled statistic once it is added.
    fn steps(&self, site: &Site) -> Vec<evidence::Step> {
        let all: Vec<usize> = (0..self.rows.len()).collect();
        (1..=self.rows.len())
            .map(|n| {
                let r = &self.rows[n - 1];
                evidence::Step {
                    trial: site.pages[r.page].id.clone(),
                    label: study_label(site, r.page),
                    patients: r.table.map_or(0, |t| t.exp_total + t.ctl_total),
                    z: self
                        .run(&all[..n])
                        .and_then(|m| m.headline())
                        .map(|h| h.statistic),
                }
            })
            .collect()
    }

    /// Each declared subgroup's label and the rows of its trials.
    fn subgroup_rows<'s>(&'s self, site: &Site) -> Vec<(&'s String, Vec<usize>)> {
        self.spec
            .subgroups
            .iter()
            .map(|(label, ids)| {
                let idx = (0..self.rows.len())
                    .filter(|&j| ids.contains(&site.pages[self.rows[j].page].id))
                    .collect();
                (label, idx)
            })
            .collect()
    }

    /// Each declared subgroup pooled on its own (those with no study or
    /// that cannot be pooled are left out).
    fn subgroups(&self, site: &Site) -> Vec<SubgroupResult> {
        let mut out = Vec::new();
        for (label, idx) in self.subgroup_rows(site) {
            if let Some(r) = (!idx.is_empty()).then(|| self.run(&idx)).flatten() {
                let h = r.headline();
                out.push(SubgroupResult {
                    label: label.clone(),
                    trials: idx
                        .iter()
                        .map(|&j| site.pages[self.rows[j].page].id.clone())
                        .collect(),
                    k: r.k,
                    lead: r.lead,
                    estimate: h.map(|h| h.estimate),
                    ci_low: h.map(|h| h.lower),
                    ci_high: h.map(|h| h.upper),
                    i2: r.heterogeneity.i2,
                });
            }
        }
        out
    }
}

/// One analysis of a topic whose trials are `members`, or why it has no
/// result.
fn pooled(
    site: &Site,
    links: &Links,
    members: &[usize],
    a: &AnalysisSpec,
) -> Result<PooledResult, String> {
    let order = chosen_in_order(site, links, members, a);
    let (rows, excluded) = rows_of(site, links, &order, a);
    if rows.is_empty() {
        return Err(format!(
            "analysis `{}`: no trial reports `{}` with usable data",
            a.id, a.endpoint
        ));
    }
    let scale = if a.measure.is_ratio() {
        Scale::Ratio
    } else {
        Scale::Difference
    };
    let pooler = Pooler {
        rows: &rows,
        spec: a,
        scale,
    };
    let all: Vec<usize> = (0..rows.len()).collect();
    let res = pooler
        .run(&all)
        .ok_or_else(|| format!("analysis `{}`: the studies could not be pooled", a.id))?;
    let mut out = summary(a, &res);
    out.studies = pooler.study_rows(site, &res);
    out.cumulative = pooler.cumulative(site);
    out.subgroups = pooler.subgroups(site);
    out.sensitivity = pooler.sensitivity(site, &res);
    out.subgroup_test = pooler.subgroup_test(site);
    out.excluded = excluded;
    out.tsa = a.tsa.as_ref().and_then(|t| {
        let vi: Vec<f64> = rows.iter().map(|r| r.study.vi).collect();
        // A common-effect model assumes no between-trial variance: D² is 0.
        let tau2 = match res.settings.model {
            meta::Model::Common => 0.0,
            meta::Model::Random => res.heterogeneity.tau2,
        };
        evidence::tsa_result(t, &pooler.steps(site), &vi, tau2)
    });
    out.sof = a.sof.as_ref().and_then(|s| {
        let effect = [out.estimate?, out.ci_low?, out.ci_high?];
        let tables: Vec<&TwoByTwo> = rows
            .iter()
            .filter_map(|r| r.table.as_ref())
            .filter(|t| t.ctl_total > 0)
            .collect();
        let pooled = evidence::Pooled {
            measure: a.measure,
            effect,
            control_risks: tables
                .iter()
                .map(|t| t.ctl_events as f64 / t.ctl_total as f64)
                .collect(),
            participants: tables.iter().map(|t| t.exp_total + t.ctl_total).sum(),
            trials: out.k,
        };
        evidence::sof_result(s, &pooled)
    });
    Ok(out)
}

/// The headline numbers of the analysis `a` pooled as `res` (no rows yet).
fn summary(a: &AnalysisSpec, res: &meta::MetaResult) -> PooledResult {
    let head = res.headline();
    let (model_description, tau2_method) = describe(&res.settings);
    let random_ci_method = res.random_ci_used.map(|c| match c {
        meta::RandomCi::Wald => "Wald",
        meta::RandomCi::Hksj if res.settings.hksj_floor => "modified HKSJ",
        meta::RandomCi::Hksj => "HKSJ",
    });
    let het = res.heterogeneity;
    PooledResult {
        id: a.id.clone(),
        title: a.title.clone(),
        endpoint: a.endpoint.clone(),
        measure: a.measure,
        model: res.settings.name.clone(),
        model_description,
        tau2_method,
        ci_method: match res.lead {
            meta::Lead::Random => random_ci_method.unwrap_or("Wald"),
            _ => "Wald",
        },
        lead: res.lead,
        random: res.random.map(|r| [r.estimate, r.lower, r.upper]),
        random_ci_method,
        prediction_missing: match (&res.prediction, res.settings.model) {
            (Some(_), _) => None,
            (None, meta::Model::Common) => Some(NoPrediction::CommonEffectModel),
            (None, _) if !res.settings.prediction => Some(NoPrediction::NotComputed),
            (None, _) => Some(NoPrediction::TooFewTrials),
        },
        k: res.k,
        estimate: head.map(|h| h.estimate),
        ci_low: head.map(|h| h.lower),
        ci_high: head.map(|h| h.upper),
        p: head.map(|h| h.p_value),
        common: [res.common.estimate, res.common.lower, res.common.upper],
        tau2: het.tau2,
        tau2_converged: het.tau2_converged,
        i2: het.i2,
        h2: het.h2,
        q: het.q,
        df: het.df,
        p_q: het.p_q,
        pi_low: res.prediction.map(|p| p.lower),
        pi_high: res.prediction.map(|p| p.upper),
        studies: Vec::new(),
        cumulative: Vec::new(),
        subgroups: Vec::new(),
        excluded: Vec::new(),
        tsa: None,
        sof: None,
        sensitivity: Default::default(),
        subgroup_test: None,
    }
}

/// The model in plain words, and its τ² estimator (none for a common
/// effect).
fn describe(s: &meta::MetaSettings) -> (String, Option<&'static str>) {
    use meta::*;
    let tau = match s.tau2 {
        Tau2Estimator::DerSimonianLaird => "DL",
        Tau2Estimator::Reml => "REML",
        Tau2Estimator::PauleMandel => "PM",
    };
    match s.model {
        Model::Common => (
            format!(
                "Common effect ({})",
                if s.binary_common == CommonMethod::MantelHaenszel {
                    "Mantel–Haenszel"
                } else {
                    "inverse variance"
                }
            ),
            None,
        ),
        Model::Random => {
            let ci = match (s.random_ci, s.hksj_floor) {
                (RandomCi::Hksj, true) => "modified HKSJ",
                (RandomCi::Hksj, false) => "HKSJ",
                (RandomCi::Wald, _) => "Wald",
            };
            let mut d = format!("Random effects, {tau} τ², {ci} CI");
            if s.prediction {
                d.push_str(", 95% prediction interval");
            }
            (d, Some(tau))
        }
    }
}
