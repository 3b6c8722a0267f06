//! Forest plots: per-trial outcome plots, topic (meta-analysis) plots with
//! weighted squares, pooled diamonds, prediction intervals and subgroups, and
//! (through [`super::cumulative`]) cumulative meta-analysis plots.
//!
//! Conventions follow metafor/RevMan: ratio measures on a log axis with the
//! line of no effect at 1, differences on a linear axis at 0; square *area*
//! proportional to weight; pooled estimates as diamonds whose tips are the CI
//! limits; prediction intervals as a dashed bar; "favours" labels under the
//! axis on either side of the null line.

use serde::Serialize;

use super::scale::{Clip, XAxis};
use super::svg::{fit, polygon, text_width, wrap, Anchor, Svg, N, PALETTE};
use super::{DataTable, Layout};

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
    /// Header of the label column, e.g. "Study" or "Outcome" (may be empty).
    pub label_header: String,
    /// Headers of the text columns, e.g. "Levosimendan", "Placebo", "RR [95% CI]", "Weight".
    pub columns: Vec<String>,
    /// How many of the trailing `columns` are drawn to the right of the plot
    /// (metafor style); the others go between the labels and the plot
    /// (RevMan style).
    pub columns_right: usize,
    /// Index of the column holding the effect text ("1.16 [0.71, 1.90]"):
    /// the only column kept in the compact (phone) layout.
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

/// Font size of body text (user units).
const FS: f64 = 13.0;
/// Horizontal margin.
const MARGIN: f64 = 8.0;
/// Minimum width of the wide layout (user units).
const WIDE_MIN: f64 = 720.0;

/// One text column: right edge x, width and header.
struct Col {
    /// Index into spec.columns.
    idx: usize,
    /// Right edge (text is right-aligned).
    right: f64,
    /// Maximum text width.
    width: f64,
}

/// Render a forest plot as a standalone SVG string. Never panics; a spec
/// without any plottable value gives a small "No data" SVG.
pub(crate) fn render(spec: &ForestSpec, layout: Layout, kind_class: &str) -> String {
    let id = super::svg::make_id(&spec.id, kind_class, &spec.title);
    let id = format!("{id}{}", layout.id_suffix());
    let classes = format!("{kind_class} {}", layout.class());
    let compact = layout == Layout::Compact;
    if !spec.has_data() {
        let w = if compact { super::COMPACT_WIDTH } else { 560.0 };
        return super::svg::no_data(&id, &classes, &spec.title, &spec.description, w);
    }
    let log = spec.axis.scale == Scale::Log;
    let null = Some(spec.axis.null_value).filter(|v| v.is_finite() && (!log || *v > 0.0));

    // ---- horizontal layout -------------------------------------------
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
        w = super::COMPACT_WIDTH;
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

    // ---- axis ----------------------------------------------------------
    let mut points: Vec<f64> = Vec::with_capacity(spec.rows.len());
    let mut values: Vec<f64> = Vec::with_capacity(spec.rows.len() * 2);
    for r in &spec.rows {
        if r.kind == RowKind::Heading {
            continue;
        }
        points.extend(r.estimate);
        values.extend([r.ci_low, r.ci_high].into_iter().flatten());
    }
    let axis = XAxis::new(
        log,
        &points,
        &values,
        null,
        spec.axis.limits,
        (plot_x0, plot_x1),
        if compact { 5 } else { 7 },
    );

    let mut svg = Svg::new();
    let mut y = 6.0;

    // ---- title -----------------------------------------------------------
    if !spec.title.trim().is_empty() {
        for line in wrap(&spec.title, w - 2.0 * MARGIN, 15.0, true, 2) {
            y += 19.0;
            svg.text(MARGIN, y, Anchor::Start, "chart-title bold", &line);
        }
        y += 6.0;
    }

    // ---- header row ----------------------------------------------------
    let has_headers = !compact && !spec.label_header.trim().is_empty()
        || right_cols
            .iter()
            .chain(&left_cols)
            .any(|c| !spec.columns[c.idx].trim().is_empty());
    if has_headers {
        y += 18.0;
        if !compact {
            svg.text(
                MARGIN,
                y,
                Anchor::Start,
                "col-head bold",
                &fit(&spec.label_header, label_w, FS, true),
            );
        }
        for c in left_cols.iter().chain(&right_cols) {
            let h = fit(&spec.columns[c.idx], c.width, FS, true);
            svg.text(c.right, y, Anchor::End, "col-head bold", &h);
        }
        y += 7.0;
        svg.line(
            MARGIN,
            y,
            w - MARGIN,
            y,
            "rule",
            " stroke-opacity=\"0.35\" stroke-width=\"1\"",
        );
    }
    y += 4.0;
    let rows_top = y;

    // ---- rows ------------------------------------------------------------
    let max_weight = spec
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Study)
        .filter_map(|r| finite(r.weight))
        .filter(|w| *w > 0.0)
        .fold(0.0, f64::max);
    let row_h = if compact { 20.0 } else { 22.0 };
    let mut marks = String::new(); // markers drawn after CI lines
    let mut null_segments: Vec<(f64, f64)> = Vec::new();
    for r in &spec.rows {
        let heading = r.kind == RowKind::Heading;
        let bold = matches!(r.kind, RowKind::Heading | RowKind::Summary);
        let label_class = if bold { "row-label bold" } else { "row-label" };
        if compact {
            // Label on its own line(s) above the marks: up to two lines, so
            // long outcome names stay readable on a phone.
            for line in wrap(&r.label, label_w, FS, bold, 2) {
                y += 15.0;
                svg.text(MARGIN, y, Anchor::Start, label_class, &line);
            }
            if heading {
                y += 6.0;
                continue;
            }
            y += 4.0;
        }
        // Wide layout: a label too long for its column wraps onto a second
        // line and the row grows; the marks and cells sit between the lines.
        let label_lines = if compact {
            Vec::new()
        } else {
            wrap(&r.label, label_w, FS, bold, 2)
        };
        let extra = 15.0 * label_lines.len().saturating_sub(1) as f64;
        let row_h = row_h + extra;
        let cy = y + row_h / 2.0;
        let base = cy + FS * 0.35;
        for (k, line) in label_lines.iter().enumerate() {
            let ly = base - extra / 2.0 + 15.0 * k as f64;
            svg.text(MARGIN, ly, Anchor::Start, label_class, line);
        }
        for c in left_cols.iter().chain(&right_cols) {
            if let Some(cell) = r.cells.get(c.idx) {
                if !cell.trim().is_empty() {
                    let cls = if bold { "cell bold" } else { "cell" };
                    svg.text(
                        c.right,
                        base,
                        Anchor::End,
                        cls,
                        &fit(cell, c.width, FS, bold),
                    );
                }
            }
        }
        if !heading {
            // The marks are sized from the standard row height, so a
            // wrapped label never makes a study look heavier.
            draw_marks(
                &mut svg,
                &mut marks,
                &axis,
                r,
                cy,
                row_h - extra,
                max_weight,
            );
        }
        y += row_h;
        null_segments.push((y - row_h, y));
    }
    let rows_bottom = y + 2.0;
    if let Some(last) = null_segments.last_mut() {
        last.1 = rows_bottom + 4.0;
    }
    svg.body.push_str(&marks);

    // ---- null line --------------------------------------------------------
    // One line in the wide layout; in the compact layout one segment per
    // plotted row so it never crosses the labels above the rows.
    if let Some((x, Clip::In)) = null.and_then(|n| axis.map(n)) {
        let attrs = " stroke-width=\"1\" stroke-opacity=\"0.8\"";
        if compact {
            for &(y0, y1) in &null_segments {
                svg.line(x, y0, x, y1, "null", attrs);
            }
        } else {
            svg.line(x, rows_top, x, rows_bottom + 4.0, "null", attrs);
        }
    }

    // ---- axis --------------------------------------------------------------
    let ay = rows_bottom + 4.0;
    svg.line(
        axis.x0,
        ay,
        axis.x1,
        ay,
        "axis",
        " stroke-width=\"1\" stroke-linecap=\"square\"",
    );
    for &t in &axis.ticks {
        let x = axis.x(t);
        svg.line(x, ay, x, ay + 5.0, "axis tick", " stroke-width=\"1\"");
    }
    for (t, s) in axis.labelled_ticks(null, 12.0, "") {
        svg.text(axis.x(t), ay + 18.0, Anchor::Middle, "tick-label small", &s);
    }
    y = ay + 18.0;
    if !spec.axis.label.trim().is_empty() {
        y += 17.0;
        let cx = (axis.x0 + axis.x1) / 2.0;
        let max_w = if compact {
            w - 2.0 * MARGIN
        } else {
            axis.x1 - axis.x0 + 120.0
        };
        let cx = if compact { w / 2.0 } else { cx };
        svg.text(
            cx,
            y,
            Anchor::Middle,
            "axis-label",
            &fit(&spec.axis.label, max_w, FS, false),
        );
    }
    // Favours labels either side of the null line (or of the axis centre).
    let fav_l = spec.favours_left.trim();
    let fav_r = spec.favours_right.trim();
    if !fav_l.is_empty() || !fav_r.is_empty() {
        y += 17.0;
        let nx = null
            .and_then(|n| axis.map(n))
            .map_or((axis.x0 + axis.x1) / 2.0, |(x, _)| x);
        // Beside the null line when they fit; otherwise pushed inwards from
        // the edges, and on two lines (each as wide as the chart) if they
        // would still collide.
        let full = w - 2.0 * MARGIN;
        let tl = if fav_l.is_empty() {
            String::new()
        } else {
            fit(&format!("\u{2190} {fav_l}"), full, 12.0, false)
        };
        let tr = if fav_r.is_empty() {
            String::new()
        } else {
            fit(&format!("{fav_r} \u{2192}"), full, 12.0, false)
        };
        let (wl, wr) = (text_width(&tl, 12.0, false), text_width(&tr, 12.0, false));
        let l_end = (nx - 6.0).max(MARGIN + wl).min(w - MARGIN);
        let r_start = (nx + 6.0).min(w - MARGIN - wr).max(MARGIN);
        if !tl.is_empty() {
            svg.text(l_end, y, Anchor::End, "favours small", &tl);
        }
        if !tr.is_empty() {
            if !tl.is_empty() && r_start < l_end + 8.0 {
                y += 15.0;
            }
            svg.text(r_start, y, Anchor::Start, "favours small", &tr);
        }
    }

    // ---- footer -------------------------------------------------------------
    if !spec.footer.is_empty() {
        y += 8.0;
    }
    for f in spec.footer.iter().take(12) {
        for line in wrap(f, w - 2.0 * MARGIN, 12.0, false, 3) {
            y += 16.0;
            svg.text(MARGIN, y, Anchor::Start, "footer small", &line);
        }
    }
    y += 10.0;
    svg.finish(&id, &classes, w, y, &spec.title, &spec.description)
}

/// Draw the CI line into `svg` and the marker into `marks` (so markers sit on
/// top of every line).
fn draw_marks(
    svg: &mut Svg,
    marks: &mut String,
    axis: &XAxis,
    r: &ForestRow,
    cy: f64,
    row_h: f64,
    max_weight: f64,
) {
    use std::fmt::Write as _;
    let est = finite(r.estimate).and_then(|v| axis.map(v));
    let (lo, hi) = match (
        r.ci_low.filter(|v| !v.is_nan()),
        r.ci_high.filter(|v| !v.is_nan()),
    ) {
        (Some(a), Some(b)) => {
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            (axis.map(a), axis.map(b))
        }
        _ => (None, None),
    };
    let accent = PALETTE[0];
    match r.kind {
        RowKind::Summary => {
            let h = row_h * 0.32;
            let (ex, eclip) = match est {
                Some(e) => e,
                None => return,
            };
            let (lx, hx) = match (lo, hi) {
                (Some((l, _)), Some((h2, _))) => (l.min(ex), h2.max(ex)),
                _ => (ex - 4.0, ex + 4.0),
            };
            let _ = eclip;
            polygon(
                marks,
                &[(lx, cy), (ex, cy - h), (hx, cy), (ex, cy + h)],
                "diamond",
                " stroke=\"currentColor\" stroke-width=\"1\" stroke-linejoin=\"round\"",
            );
            clip_arrows(marks, lo, hi, cy);
        }
        RowKind::Prediction => {
            if let (Some((lx, _)), Some((hx, _))) = (lo, hi) {
                svg.line(
                    lx,
                    cy,
                    hx,
                    cy,
                    "pi",
                    " stroke-width=\"2\" stroke-dasharray=\"5 3\"",
                );
                for (x, c) in [lo, hi].into_iter().flatten() {
                    if c == Clip::In {
                        svg.line(x, cy - 4.0, x, cy + 4.0, "pi", " stroke-width=\"1.5\"");
                    }
                }
                clip_arrows(&mut svg.body, lo, hi, cy);
            }
        }
        RowKind::Study | RowKind::Point | RowKind::Heading => {
            if let (Some((lx, _)), Some((hx, _))) = (lo, hi) {
                svg.line(lx, cy, hx, cy, "ci", " stroke-width=\"1.5\"");
                for (x, c) in [lo, hi].into_iter().flatten() {
                    if c == Clip::In {
                        svg.line(x, cy - 3.0, x, cy + 3.0, "ci cap", " stroke-width=\"1.5\"");
                    }
                }
                clip_arrows(&mut svg.body, lo, hi, cy);
            }
            let Some((ex, eclip)) = est else { return };
            if eclip != Clip::In {
                // The estimate itself is off the axis: an open triangle at
                // the edge instead of a marker.
                let d = if eclip == Clip::Low { -1.0 } else { 1.0 };
                polygon(
                    marks,
                    &[(ex, cy), (ex - d * 8.0, cy - 5.0), (ex - d * 8.0, cy + 5.0)],
                    "offscale",
                    " fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"",
                );
                return;
            }
            if r.kind == RowKind::Point {
                let _ = writeln!(
                    marks,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"4.0\" class=\"point\"/>",
                    N(ex),
                    N(cy)
                );
                return;
            }
            // Square with area ∝ weight; fixed size when no weights given.
            let max_side = row_h * 0.75;
            let side = match finite(r.weight) {
                Some(wt) if max_weight > 0.0 && wt > 0.0 => {
                    (max_side * (wt / max_weight).sqrt()).clamp(4.0, max_side)
                }
                Some(_) if max_weight > 0.0 => 4.0,
                _ => 9.0,
            };
            let _ = writeln!(
                marks,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"square\" fill=\"{accent}\"/>",
                N(ex - side / 2.0),
                N(cy - side / 2.0),
                N(side),
                N(side)
            );
        }
    }
}

/// Small filled arrowheads (tip on the axis edge) at CI ends that run off
/// the axis.
fn clip_arrows(out: &mut String, lo: Option<(f64, Clip)>, hi: Option<(f64, Clip)>, cy: f64) {
    for (x, c) in [lo, hi].into_iter().flatten() {
        let d = match c {
            Clip::In => continue,
            Clip::Low => -1.0,
            Clip::High => 1.0,
        };
        polygon(
            out,
            &[(x, cy), (x - d * 7.0, cy - 4.5), (x - d * 7.0, cy + 4.5)],
            "ci arrow",
            "",
        );
    }
}
