//! Cumulative meta-analysis plots: the pooled estimate and CI after each
//! trial is added in publication order (metafor `cumul()`, meta `metacum()`).
//!
//! Drawn with the forest-plot drawer: each step is a fixed-size dot with its
//! CI (`RowKind::Point`), labelled "+ LEVOECMO (2026)"; the effect text sits
//! in one right-hand column.

use serde::Serialize;

use super::forest::{Axis, ForestRow, ForestSpec, RowKind};
use super::DataTable;

/// One step of a cumulative meta-analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CumulativeStep {
    /// Label of the step, e.g. "+ LEVOECMO (2026)".
    pub label: String,
    /// Pooled estimate after this step (natural scale).
    pub estimate: Option<f64>,
    /// Lower CI limit after this step.
    pub ci_low: Option<f64>,
    /// Upper CI limit after this step.
    pub ci_high: Option<f64>,
    /// Effect text, e.g. "1.16 [0.71, 1.90]".
    pub effect_text: String,
}

/// A cumulative meta-analysis plot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CumulativeSpec {
    /// Page-unique id (see [`ForestSpec::id`]).
    pub id: String,
    /// Visible title and accessible name.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// The value axis.
    pub axis: Axis,
    /// Left favours label.
    pub favours_left: String,
    /// Right favours label.
    pub favours_right: String,
    /// Header of the label column, e.g. "Trial added".
    pub label_header: String,
    /// Header of the effect column, e.g. "RR [95% CI]".
    pub effect_header: String,
    /// Steps in publication order, top to bottom.
    pub steps: Vec<CumulativeStep>,
    /// Lines under the plot (model, preset).
    pub footer: Vec<String>,
}

impl CumulativeSpec {
    /// The equivalent forest-plot spec (one `Point` row per step).
    pub(crate) fn to_forest(&self) -> ForestSpec {
        ForestSpec {
            id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            axis: self.axis.clone(),
            favours_left: self.favours_left.clone(),
            favours_right: self.favours_right.clone(),
            label_header: self.label_header.clone(),
            columns: vec![self.effect_header.clone()],
            effect_column: Some(0),
            rows: self
                .steps
                .iter()
                .map(|s| ForestRow {
                    label: s.label.clone(),
                    cells: vec![s.effect_text.clone()],
                    estimate: s.estimate,
                    ci_low: s.ci_low,
                    ci_high: s.ci_high,
                    weight: None,
                    kind: RowKind::Point,
                    group: None,
                    risk_of_bias: None,
                })
                .collect(),
            footer: self.footer.clone(),
        }
    }

    /// The plotted data as a table.
    pub fn table(&self) -> DataTable {
        self.to_forest().table()
    }
}
