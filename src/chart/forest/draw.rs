//! Forest-plot drawing: the effect column's header, each row (label, effect
//! text, CI line and marker), the line of no effect, the value axis with its
//! ticks and title, and the "favours" captions, on a [`Geometry`].

use super::super::scale::{Clip, XAxis};
use super::super::svg::{fit, polygon, text_width, wrap, Anchor, Svg, N, PALETTE};
use super::layout::Geometry;
use super::{finite, ForestRow, ForestSpec, RowKind, FS, MARGIN};

/// The effect column's header and the rule under it, below `y`. Returns
/// the `y` where the rows start.
pub(super) fn header(svg: &mut Svg, spec: &ForestSpec, g: &Geometry, mut y: f64) -> f64 {
    if super::super::rob::forest_has_column(&spec.rows) {
        y += 16.0;
        super::super::rob::forest_header(svg, g.w - MARGIN, y);
    }
    let head = g.effect.as_ref().map(|c| (c, spec.columns[c.idx].trim()));
    if let Some((c, h)) = head.filter(|(_, h)| !h.is_empty()) {
        y += 18.0;
        svg.text(
            c.right,
            y,
            Anchor::End,
            "col-head bold",
            &fit(h, c.width, FS, true),
        );
        y += 7.0;
        svg.line(
            MARGIN,
            y,
            g.w - MARGIN,
            y,
            "rule",
            " stroke-opacity=\".35\"",
        );
    }
    y + 4.0
}

/// Every row from `y` down: its label on its own line(s) above it (up to
/// two, so long outcome names stay readable on a phone), then its effect
/// text and CI line, with the markers drawn last, on top. Returns the
/// bottom of the rows and, per plotted row, the span of the null line
/// beside it (it never crosses the labels).
pub(super) fn rows(
    svg: &mut Svg,
    spec: &ForestSpec,
    g: &Geometry,
    mut y: f64,
) -> (f64, Vec<(f64, f64)>) {
    let max_weight = spec
        .rows
        .iter()
        .filter(|r| r.kind == RowKind::Study)
        .filter_map(|r| finite(r.weight))
        .filter(|w| *w > 0.0)
        .fold(0.0, f64::max);
    let row_h = 20.0;
    let mut marks = Svg::new(); // markers drawn after CI lines
    let mut null_segments: Vec<(f64, f64)> = Vec::new();
    for r in &spec.rows {
        let bold = matches!(r.kind, RowKind::Heading | RowKind::Summary);
        let label_class = if bold { "row-label bold" } else { "row-label" };
        for (i, line) in wrap(&r.label, g.label_w, FS, bold, 2).iter().enumerate() {
            y += 15.0;
            svg.text(MARGIN, y, Anchor::Start, label_class, line);
            if let (0, Some(cells)) = (i, &r.risk_of_bias) {
                super::super::rob::forest_cells(svg, cells, g.w - MARGIN, y - FS * 0.35);
            }
        }
        if r.kind == RowKind::Heading {
            y += 6.0;
            continue;
        }
        y += 4.0;
        let cy = y + row_h / 2.0;
        let cell = g
            .effect
            .as_ref()
            .and_then(|c| Some((c, r.cells.get(c.idx)?)));
        if let Some((c, cell)) = cell.filter(|(_, t)| !t.trim().is_empty()) {
            let cls = if bold { "cell bold" } else { "cell" };
            let text = fit(cell, c.width, FS, bold);
            svg.text(c.right, cy + FS * 0.35, Anchor::End, cls, &text);
        }
        draw_marks(svg, &mut marks, &g.axis, r, cy, row_h, max_weight);
        y += row_h;
        null_segments.push((y - row_h, y));
    }
    let rows_bottom = y + 2.0;
    if let Some(last) = null_segments.last_mut() {
        last.1 = rows_bottom + 4.0;
    }
    svg.append(marks);
    (rows_bottom, null_segments)
}

/// The line of no effect: one segment beside each plotted row.
pub(super) fn null_line(svg: &mut Svg, g: &Geometry, null_segments: &[(f64, f64)]) {
    if let Some((x, Clip::In)) = g.null.and_then(|n| g.axis.map(n)) {
        let attrs = " stroke-opacity=\".8\"";
        for &(y0, y1) in null_segments {
            svg.line(x, y0, x, y1, "null", attrs);
        }
    }
}

/// The axis under the rows, its ticks and labels and its title. Returns
/// the new `y`.
pub(super) fn axis(svg: &mut Svg, spec: &ForestSpec, g: &Geometry, rows_bottom: f64) -> f64 {
    let axis = &g.axis;
    let ay = rows_bottom + 4.0;
    svg.line(
        axis.x0,
        ay,
        axis.x1,
        ay,
        "axis",
        " stroke-linecap=\"square\"",
    );
    for &t in &axis.ticks {
        let x = axis.x(t);
        svg.line(x, ay, x, ay + 5.0, "axis tick", "");
    }
    for (t, s) in axis.labelled_ticks(g.null, 12.0, "") {
        svg.text(axis.x(t), ay + 18.0, Anchor::Middle, "tick-label small", &s);
    }
    let mut y = ay + 18.0;
    if !spec.axis.label.trim().is_empty() {
        y += 17.0;
        let label = fit(&spec.axis.label, g.w - 2.0 * MARGIN, FS, false);
        svg.text(g.w / 2.0, y, Anchor::Middle, "axis-label", &label);
    }
    y
}

/// The favours captions under the axis. Returns the new `y`.
pub(super) fn favours(svg: &mut Svg, spec: &ForestSpec, g: &Geometry, mut y: f64) -> f64 {
    let (w, axis, null) = (g.w, &g.axis, g.null);
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
    y
}

/// A mapped end of a CI: its x and whether it is on the axis.
type End = Option<(f64, Clip)>;

/// Draw the CI line into `svg` (with its caps, as one path) and the marker
/// into `marks` (so markers sit on top of every line).
fn draw_marks(
    svg: &mut Svg,
    marks: &mut Svg,
    axis: &XAxis,
    r: &ForestRow,
    cy: f64,
    row_h: f64,
    max_weight: f64,
) {
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
    match r.kind {
        RowKind::Summary => {
            if let Some((ex, _)) = est {
                summary_diamond(marks, ex, (lo, hi), cy, row_h);
            }
        }
        RowKind::Prediction => prediction_line(svg, (lo, hi), cy),
        RowKind::Study | RowKind::Point | RowKind::Heading => {
            study_ci(svg, (lo, hi), cy);
            if let Some(est) = est {
                study_marker(marks, r, est, cy, row_h, max_weight);
            }
        }
    }
}

/// A summary row: a diamond from the CI's low end to its high end (a
/// narrow one round the estimate `ex` when there is no CI).
fn summary_diamond(marks: &mut Svg, ex: f64, (lo, hi): (End, End), cy: f64, row_h: f64) {
    let h = row_h * 0.32;
    let (lx, hx) = match (lo, hi) {
        (Some((l, _)), Some((h2, _))) => (l.min(ex), h2.max(ex)),
        _ => (ex - 4.0, ex + 4.0),
    };
    polygon(
        marks.raw(),
        &[(lx, cy), (ex, cy - h), (hx, cy), (ex, cy + h)],
        "diamond",
        " stroke=\"currentColor\" stroke-linejoin=\"round\"",
    );
    clip_arrows(marks.raw(), lo, hi, cy);
}

/// A prediction interval: a dashed line with caps at the ends on the axis.
fn prediction_line(svg: &mut Svg, (lo, hi): (End, End), cy: f64) {
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
        clip_arrows(svg.raw(), lo, hi, cy);
    }
}

/// A study's CI: a line with caps at the ends on the axis.
fn study_ci(svg: &mut Svg, (lo, hi): (End, End), cy: f64) {
    if let (Some((lx, _)), Some((hx, _))) = (lo, hi) {
        svg.line(lx, cy, hx, cy, "ci", " stroke-width=\"1.5\"");
        for (x, c) in [lo, hi].into_iter().flatten() {
            if c == Clip::In {
                svg.line(x, cy - 3.0, x, cy + 3.0, "ci", " stroke-width=\"1.5\"");
            }
        }
        clip_arrows(svg.raw(), lo, hi, cy);
    }
}

/// A study's estimate at `(ex, eclip)`: an open triangle at the edge when
/// it is off the axis, a dot for a point row, else a square with area ∝
/// weight (fixed size when no weights are given).
fn study_marker(
    marks: &mut Svg,
    r: &ForestRow,
    (ex, eclip): (f64, Clip),
    cy: f64,
    row_h: f64,
    max_weight: f64,
) {
    if eclip != Clip::In {
        let d = if eclip == Clip::Low { -1.0 } else { 1.0 };
        polygon(
            marks.raw(),
            &[(ex, cy), (ex - d * 8.0, cy - 5.0), (ex - d * 8.0, cy + 5.0)],
            "offscale",
            " fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"",
        );
        return;
    }
    if r.kind == RowKind::Point {
        let own = format!("cx=\"{}\" cy=\"{}\" r=\"4\"", N(ex), N(cy));
        marks.element("circle", &own, " class=\"point\"", None);
        return;
    }
    let max_side = row_h * 0.75;
    let side = match finite(r.weight) {
        Some(wt) if max_weight > 0.0 && wt > 0.0 => {
            (max_side * (wt / max_weight).sqrt()).clamp(4.0, max_side)
        }
        Some(_) if max_weight > 0.0 => 4.0,
        _ => 9.0,
    };
    let own = format!(
        "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
        N(ex - side / 2.0),
        N(cy - side / 2.0),
        N(side),
        N(side)
    );
    let attrs = format!(" class=\"square\" fill=\"{}\"", PALETTE[0]);
    marks.element("rect", &own, &attrs, None);
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
