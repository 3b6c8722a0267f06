//! Forest-plot layout: where the effect column and the plot go across the
//! chart (labels sit above their rows, across the whole width), and the
//! value axis mapped onto the plot. Nothing here writes SVG.

use super::super::scale::XAxis;
use super::super::svg::text_width;
use super::super::WIDTH;
use super::{ForestSpec, RowKind, Scale, FS, MARGIN};

/// The effect column, right-aligned at the chart's right margin.
pub(super) struct Col {
    /// Index into spec.columns.
    pub(super) idx: usize,
    /// Right edge (text is right-aligned).
    pub(super) right: f64,
    /// Maximum text width.
    pub(super) width: f64,
}

/// Where everything goes across a forest plot.
pub(super) struct Geometry {
    /// Chart width.
    pub(super) w: f64,
    /// Width a row label may take (the whole chart between the margins).
    pub(super) label_w: f64,
    /// The effect column right of the plot, when the spec names one.
    pub(super) effect: Option<Col>,
    /// The value axis across the plot.
    pub(super) axis: XAxis,
    /// The line of no effect, when it can be drawn on this axis.
    pub(super) null: Option<f64>,
}

impl Geometry {
    /// Lay out `spec`: the effect column as wide as its widest cell (at
    /// most 150 units), the plot in what is left (at least 120 units).
    pub(super) fn new(spec: &ForestSpec) -> Geometry {
        let log = spec.axis.scale == Scale::Log;
        let null = Some(spec.axis.null_value).filter(|v| v.is_finite() && (!log || *v > 0.0));
        let w = WIDTH;
        let mut right = w - MARGIN;
        let effect = spec
            .effect_column
            .filter(|&i| i < spec.columns.len())
            .map(|i| {
                let width = column_width(spec, i).min(150.0);
                let col = Col {
                    idx: i,
                    right,
                    width,
                };
                right -= width + 14.0;
                col
            });
        let plot_x0 = MARGIN + 6.0;
        let plot_x1 = right.max(plot_x0 + 120.0);
        Geometry {
            w,
            label_w: w - 2.0 * MARGIN - rob_w(spec),
            effect,
            axis: plot_axis(spec, log, null, (plot_x0, plot_x1)),
            null,
        }
    }
}

/// The width column `i` needs: its header or its widest cell, at most 170.
fn column_width(spec: &ForestSpec, i: usize) -> f64 {
    let head = text_width(&spec.columns[i], FS, true);
    let cells = spec
        .rows
        .iter()
        .filter_map(|r| {
            let bold = matches!(r.kind, RowKind::Heading | RowKind::Summary);
            r.cells.get(i).map(|c| text_width(c.trim(), FS, bold))
        })
        .fold(0.0, f64::max);
    head.max(cells).min(170.0)
}

/// The value axis over `(x0, x1)`, covering every estimate and CI limit.
fn plot_axis(spec: &ForestSpec, log: bool, null: Option<f64>, x: (f64, f64)) -> XAxis {
    let mut points: Vec<f64> = Vec::with_capacity(spec.rows.len());
    let mut values: Vec<f64> = Vec::with_capacity(spec.rows.len() * 2);
    for r in &spec.rows {
        if r.kind == RowKind::Heading {
            continue;
        }
        points.extend(r.estimate);
        values.extend([r.ci_low, r.ci_high].into_iter().flatten());
    }
    XAxis::new(log, &points, &values, null, spec.axis.limits, x, 5)
}

/// The room the risk-of-bias column takes at the right of the label lines
/// (none when no row has an assessment).
pub(super) fn rob_w(spec: &ForestSpec) -> f64 {
    if super::super::rob::forest_has_column(&spec.rows) {
        super::super::rob::FOREST_COLUMN_W + 8.0
    } else {
        0.0
    }
}
