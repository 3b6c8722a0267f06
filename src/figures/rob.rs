//! Risk-of-bias figures: a trial's traffic-light chart (one row for the
//! trial's assessment, one per separately assessed outcome) and a topic
//! analysis' summary chart of its studies' assessments, weighted by their
//! weights in the pooled analysis.

use super::{draw, Figure};
use crate::analyse::PooledResult;
use crate::chart::{ChartSpec, RobCells, RobChartSpec, RobRow, RobSummarySpec};
use crate::link::FigureKey;
use crate::model::bias::RiskOfBias;
use crate::model::{PageKind, Site, Trial};

/// The chart row of an assessment (`None`: a row of "not assessed").
pub(super) fn row(label: String, r: Option<&RiskOfBias>) -> RobRow {
    let mut domains = [None; 5];
    if let Some(r) = r {
        for d in &r.domains {
            domains[d.domain as usize] = Some(d.judgement);
        }
    }
    RobRow {
        label,
        domains,
        overall: r.map(|r| r.overall),
    }
}

/// The traffic-light chart of trial `t` (page `id`), when it has any
/// assessment.
pub(super) fn trial_chart(id: &str, t: &Trial) -> Option<Figure> {
    let rows: Vec<RobRow> = crate::model::bias::labelled(t)
        .into_iter()
        .map(|(label, r)| row(label, Some(r)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let n = rows.len();
    let spec = RobChartSpec {
        id: format!("{id}-risk-of-bias"),
        title: format!("{}: risk of bias (RoB 2)", t.acronym),
        description: format!(
            "Traffic-light chart of the RoB 2 judgements for {}: {n} assessment{}, each with the five domains and the overall judgement; + low, ! some concerns, − high.",
            t.acronym,
            if n == 1 { "" } else { "s" }
        ),
        label_header: "Result".into(),
        rows,
    };
    Some(draw(id, FigureKey::RiskOfBias, ChartSpec::RiskOfBias(spec)))
}

/// The assessment that applies to study `trial`'s outcome `outcome`.
pub(super) fn study_assessment<'a>(
    site: &'a Site,
    trial: &str,
    outcome: &str,
) -> Option<&'a RiskOfBias> {
    site.pages.iter().find_map(|p| match &p.kind {
        PageKind::Trial(t) if p.id == trial => t.risk_of_bias_for(outcome),
        _ => None,
    })
}

/// The summary chart of analysis `r` of topic page `id`, when at least one
/// of its studies is assessed.
pub(super) fn summary_chart(site: &Site, id: &str, r: &PooledResult) -> Option<Figure> {
    let studies: Vec<(RobRow, f64)> = r
        .studies
        .iter()
        .map(|s| {
            let a = study_assessment(site, &s.trial, &s.outcome);
            (row(s.label.clone(), a), s.weight)
        })
        .collect();
    if studies.iter().all(|(s, _)| s.overall.is_none()) {
        return None;
    }
    let spec = RobSummarySpec {
        id: format!("{id}-rob-summary-{}", r.id),
        title: format!("{}: risk of bias across trials", r.title),
        description: format!(
            "For each RoB 2 domain and overall, the share of the {} trials' weight judged low, some concerns, high or not assessed, as stacked bars with the percentages in text.",
            r.k
        ),
        studies,
        footer: vec![
            "Shares are weighted by each trial's weight in the pooled analysis.".into(),
        ],
    };
    Some(draw(
        id,
        FigureKey::RobSummary(r.id.clone()),
        ChartSpec::RobSummary(spec),
    ))
}

/// Each study's cells for the risk-of-bias column of analysis `r`'s
/// forest plot, in study order.
pub(super) fn study_cells(site: &Site, r: &PooledResult) -> Vec<RobCells> {
    r.studies
        .iter()
        .map(|s| {
            let row = row(String::new(), study_assessment(site, &s.trial, &s.outcome));
            let mut c = [None; 6];
            c[..5].copy_from_slice(&row.domains);
            c[5] = row.overall;
            RobCells(c)
        })
        .collect()
}
