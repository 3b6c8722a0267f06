//! Forest-plot layout: where the label column, the text columns and the
//! plot go across the chart, and the value axis mapped onto the plot.
//! Nothing here writes SVG.

use super::super::scale::XAxis;
use super::super::svg::text_width;
use super::super::Layout;
use super::{ForestSpec, RowKind, Scale, FS, MARGIN};

/// Minimum width of the wide layout (user units).
const WIDE_MIN: f64 = 720.0;

/// One text column: right edge x, width and header.
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
    /// Phone arrangement: labels above their rows, only the effect column.
    pub(super) compact: bool,
    /// Chart width.
    pub(super) w: f64,
    /// Width of the label column (the whole chart when compact).
    pub(super) label_w: f64,
    /// Text columns between the labels and the plot.
    pub(super) left_cols: Vec<Col>,
    /// Text columns right of the plot.
    pub(super) right_cols: Vec<Col>,
    /// The value axis across the plot.
    pub(super) axis: XAxis,
    /// The line of no effect, when it can be drawn on this axis.
    pub(super) null: Option<f64>,
}

impl Geometry {
    /// Lay out `spec` in `layout`.
    pub(super) fn new(spec: &ForestSpec, layout: Layout) -> Geometry {
        let compact = layout == Layout::Compact;
        let log = spec.axis.scale == Scale::Log;
        let null = Some(spec.axis.null_value).filter(|v| v.is_finite() && (!log || *v > 0.0));
        let ncols = spec.columns.len();
        let n_right = spec.columns_right.min(ncols);
        let col_width = |i: usize| -> f64 {
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
        };
        let mut left_cols: Vec<Col> = Vec::new();
        let mut right_cols: Vec<Col> = Vec::new();
        let (w, label_w, plot_x0, plot_x1);
        if compact {
            w = super::super::COMPACT_WIDTH;
            label_w = w - 2.0 * MARGIN;
            let eff = spec.effect_column.filter(|&i| i < ncols);
            let mut right = w - MARGIN;
            if let Some(i) = eff {
                let cw = col_width(i).min(150.0);
                right_cols.push(Col {
                    idx: i,
                    right,
                    width: cw,
                });
                right -= cw + 14.0;
            }
            plot_x0 = MARGIN + 6.0;
            plot_x1 = right.max(plot_x0 + 120.0);
        } else {
            let mut lw = text_width(&spec.label_header, FS, true);
            for r in &spec.rows {
                let bold = matches!(r.kind, RowKind::Heading | RowKind::Summary);
                lw = lw.max(text_width(r.label.trim(), FS, bold));
            }
            label_w = lw.clamp(60.0, 230.0);
            let mut x = MARGIN + label_w;
            for i in 0..ncols - n_right {
                let cw = col_width(i);
                x += 16.0 + cw;
                left_cols.push(Col {
                    idx: i,
                    right: x,
                    width: cw,
                });
            }
            plot_x0 = x + 22.0;
            // The plot takes what is left of a 720-unit minimum width (so text
            // scale is the same across charts), but never less than 300 units.
            let right_w: f64 = (ncols - n_right..ncols).map(|i| 16.0 + col_width(i)).sum();
            let plot_w = (WIDE_MIN - plot_x0 - 8.0 - right_w - MARGIN).clamp(300.0, 420.0);
            plot_x1 = plot_x0 + plot_w;
            x = plot_x1 + 8.0;
            for i in ncols - n_right..ncols {
                let cw = col_width(i);
                x += 16.0 + cw;
                right_cols.push(Col {
                    idx: i,
                    right: x,
                    width: cw,
                });
            }
            w = x + MARGIN;
        }

        let axis = plot_axis(spec, log, null, (plot_x0, plot_x1), compact);
        Geometry {
            compact,
            w,
            label_w,
            left_cols,
            right_cols,
            axis,
            null,
        }
    }
}

/// The value axis over `(x0, x1)`, covering every estimate and CI limit.
fn plot_axis(
    spec: &ForestSpec,
    log: bool,
    null: Option<f64>,
    (plot_x0, plot_x1): (f64, f64),
    compact: bool,
) -> XAxis {
    let mut points: Vec<f64> = Vec::with_capacity(spec.rows.len());
    let mut values: Vec<f64> = Vec::with_capacity(spec.rows.len() * 2);
    for r in &spec.rows {
        if r.kind == RowKind::Heading {
            continue;
        }
        points.extend(r.estimate);
        values.extend([r.ci_low, r.ci_high].into_iter().flatten());
    }
    XAxis::new(
        log,
        &points,
        &values,
        null,
        spec.axis.limits,
        (plot_x0, plot_x1),
        if compact { 5 } else { 7 },
    )
}
