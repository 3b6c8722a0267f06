//! Forest plots: per-trial outcome plots, topic (meta-analysis) plots with
//! weighted squares, pooled diamonds, prediction intervals and subgroups, and
//! (through [`super::cumulative`]) cumulative meta-analysis plots.
//!
//! Conventions follow metafor/RevMan: ratio measures on a log axis with the
//! line of no effect at 1, differences on a linear axis at 0; square *area*
//! proportional to weight; pooled estimates as diamonds whose tips are the CI
//! limits; prediction intervals as a dashed bar; "favours" labels under the
//! axis on either side of the null line.

mod draw;
mod layout;

use serde::Serialize;

use self::layout::Geometry;
use super::frame;
use super::svg::Svg;
use super::DataTable;

/// Linear or logarithmic value axis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Logarithmic axis for ratio measures (RR, OR, HR); values must be > 0
    /// and are given on the natural scale (e.g. RR 1.16, not log RR).
    #[default]
    Log,
    /// Linear axis for differences (RD, MD, SMD).
    Linear,
}

/// The horizontal value axis of a forest plot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Axis {
    /// Log for ratios, linear for differences.
    pub scale: Scale,
    /// Axis title, e.g. "Risk ratio (log scale)".
    pub label: String,
    /// The line of no effect: 1 for ratios, 0 for differences.
    pub null_value: f64,
    /// Optional fixed domain `(min, max)`; chosen from the data when `None`.
    /// Values beyond it are clamped and marked with arrows.
    pub limits: Option<(f64, f64)>,
}

impl Axis {
    /// A log axis for a ratio measure with the null line at 1.
    pub fn ratio(label: impl Into<String>) -> Axis {
        Axis {
            scale: Scale::Log,
            label: label.into(),
            null_value: 1.0,
            limits: None,
        }
    }

    /// A linear axis for a difference measure with the null line at 0.
    pub fn difference(label: impl Into<String>) -> Axis {
        Axis {
            scale: Scale::Linear,
            label: label.into(),
            null_value: 0.0,
            limits: None,
        }
    }
}

impl Default for Axis {
    fn default() -> Axis {
        Axis::ratio("")
    }
}

/// What a forest-plot row draws in the plot column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A study or outcome: a square (area ∝ weight when weights are given)
    /// with a horizontal CI line.
    #[default]
    Study,
    /// A pooled estimate: a diamond whose tips are the CI limits.
    Summary,
    /// A prediction interval: a dashed bar with end caps, no point marker.
    Prediction,
    /// A group or subgroup title: bold label, no marker.
    Heading,
    /// A fixed-size dot with a CI line (cumulative meta-analysis steps).
    Point,
}

/// One row of a forest plot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ForestRow {
    /// Row label (study name, outcome or model name).
    pub label: String,
    /// Text cells, one per [`ForestSpec::columns`] entry.
    pub cells: Vec<String>,
    /// Point estimate on the natural scale.
    pub estimate: Option<f64>,
    /// Lower CI limit on the natural scale.
    pub ci_low: Option<f64>,
    /// Upper CI limit on the natural scale.
    pub ci_high: Option<f64>,
    /// Weight (any positive unit, e.g. percent); sets the square's area.
    pub weight: Option<f64>,
    /// What to draw.
    pub kind: RowKind,
    /// Subgroup this row belongs to (shown in the data table).
    pub group: Option<String>,
    /// The study's risk-of-bias judgements ([`super::RobCells`]): a compact
    /// column of D1–D5 and overall is drawn when any row has an assessed
    /// one; `Some` with every cell `None` is drawn and listed as not assessed.
    pub risk_of_bias: Option<super::RobCells>,
}

impl ForestRow {
    /// A study row with an estimate and CI and no text cells.
    pub fn study(label: impl Into<String>, estimate: f64, ci_low: f64, ci_high: f64) -> ForestRow {
        ForestRow {
            label: label.into(),
            estimate: Some(estimate),
            ci_low: Some(ci_low),
            ci_high: Some(ci_high),
            ..ForestRow::default()
        }
    }

    /// Builder-style: set the text cells.
    pub fn with_cells<I, S>(mut self, cells: I) -> ForestRow
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cells = cells.into_iter().map(Into::into).collect();
        self
    }

    /// Builder-style: set the row kind.
    pub fn with_kind(mut self, kind: RowKind) -> ForestRow {
        self.kind = kind;
        self
    }

    /// Builder-style: set the weight.
    pub fn with_weight(mut self, weight: f64) -> ForestRow {
        self.weight = Some(weight);
        self
    }

    /// A heading row (group or subgroup title).
    pub fn heading(label: impl Into<String>) -> ForestRow {
        ForestRow {
            label: label.into(),
            kind: RowKind::Heading,
            ..ForestRow::default()
        }
    }
}

/// Everything needed to draw one forest plot. Contains plain values only, no
/// trial or analysis objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ForestSpec {
    /// Page-unique id used to build the `<title>`/`<desc>` ids (sanitised;
    /// a hash of the title is used when empty).
    pub id: String,
    /// Visible title and accessible name.
    pub title: String,
    /// Accessible description (a sentence summarising the plot).
    pub description: String,
    /// The value axis.
    pub axis: Axis,
    /// Text under the axis on the left of the null line, e.g. "Favours levosimendan".
    pub favours_left: String,
    /// Text under the axis on the right of the null line, e.g. "Favours placebo".
    pub favours_right: String,
    /// Header of the label column in the data table, e.g. "Study" or
    /// "Outcome" (may be empty).
    pub label_header: String,
    /// Headers of the text columns, e.g. "Levosimendan", "Placebo", "RR [95% CI]", "Weight":
    /// every one is in the data table, the effect column is drawn too.
    pub columns: Vec<String>,
    /// Index of the column holding the effect text ("1.16 [0.71, 1.90]"):
    /// the one column drawn beside the plot.
    pub effect_column: Option<usize>,
    /// The rows, top to bottom.
    pub rows: Vec<ForestRow>,
    /// Lines under the plot: heterogeneity, test for overall effect, model.
    pub footer: Vec<String>,
}

impl ForestSpec {
    /// The plotted data as a table for screen readers and no-SVG contexts.
    pub fn table(&self) -> DataTable {
        let with_group = self.rows.iter().any(|r| r.group.is_some());
        let mut headers = vec![if self.label_header.trim().is_empty() {
            "Row".to_string()
        } else {
            self.label_header.clone()
        }];
        if with_group {
            headers.push("Subgroup".to_string());
        }
        headers.extend(self.columns.iter().cloned());
        let rob = super::rob::forest_has_column(&self.rows);
        if rob {
            headers.push("Risk of bias (RoB 2)".to_string());
        }
        let numeric = self.columns.is_empty();
        if numeric {
            headers.push("Estimate".to_string());
            headers.push("95% CI".to_string());
        }
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.label.clone()];
                if with_group {
                    row.push(r.group.clone().unwrap_or_default());
                }
                for i in 0..self.columns.len() {
                    row.push(r.cells.get(i).cloned().unwrap_or_default());
                }
                if rob {
                    row.push(super::rob::forest_cell_text(r.risk_of_bias.as_ref()));
                }
                if numeric {
                    row.push(opt_num(r.estimate));
                    row.push(match (finite(r.ci_low), finite(r.ci_high)) {
                        (Some(a), Some(b)) => format!("{a:.2} to {b:.2}"),
                        _ => String::new(),
                    });
                }
                row
            })
            .collect();
        DataTable {
            caption: self.title.clone(),
            headers,
            rows,
            notes: self.footer.clone(),
        }
    }

    fn has_data(&self) -> bool {
        let log = self.axis.scale == Scale::Log;
        self.rows.iter().any(|r| {
            let ok = |v: Option<f64>| finite(v).is_some_and(|v| !log || v > 0.0);
            ok(r.estimate) || (ok(r.ci_low) && ok(r.ci_high))
        })
    }
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

fn opt_num(v: Option<f64>) -> String {
    finite(v).map(|v| format!("{v:.2}")).unwrap_or_default()
}

use super::frame::{FS, MARGIN};

/// Render a forest plot as a standalone SVG string. Never panics; a spec
/// without any plottable value gives a small "No data" SVG.
pub(crate) fn render(spec: &ForestSpec, kind_class: &str) -> String {
    let id = super::svg::make_id(&spec.id, kind_class, &spec.title);
    if !spec.has_data() {
        return super::svg::no_data(&id, kind_class, &spec.title, &spec.description);
    }
    let g = Geometry::new(spec);
    let mut svg = Svg::new();
    let y = frame::title(&mut svg, &spec.title, g.w, 6.0, 6.0);
    let rows_top = draw::header(&mut svg, spec, &g, y);
    let (rows_bottom, null_segments) = draw::rows(&mut svg, spec, &g, rows_top);
    draw::null_line(&mut svg, &g, &null_segments);
    let y = draw::axis(&mut svg, spec, &g, rows_bottom);
    let y = draw::favours(&mut svg, spec, &g, y);
    let y = frame::footer(&mut svg, &spec.footer, g.w, y) + 10.0;
    svg.finish(&id, kind_class, g.w, y, &spec.title, &spec.description)
}
