//! Event-rate charts: the risk of each outcome in each arm with its 95% CI,
//! drawn as dot-and-whisker rows on a percentage axis (0 % to a nice maximum
//! ≤ 100 %), grouped by outcome, with "events/total (risk %)" text.
//!
//! Arms are told apart by label, marker shape (circle, square, triangle,
//! diamond) *and* colour, so the chart works in greyscale. Each arm's group
//! carries a `color` presentation attribute and draws with `currentColor`, so
//! the theme can recolour arms with `.ap-chart .arm-0 { color: … }`.

use std::fmt::Write as _;

use serde::Serialize;

use super::frame::{self, FS, MARGIN};
use super::scale::{Clip, XAxis};
use super::svg::{fit, fmt_num, polygon, text_width, wrap, Anchor, Svg, N, PALETTE};
use super::{DataTable, WIDTH};

/// Risk in one arm.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ArmRate {
    /// Arm name, e.g. "Levosimendan".
    pub label: String,
    /// Risk as a proportion (0..1). If not finite, `events / total` is used.
    pub risk: f64,
    /// Lower CI limit as a proportion, if known.
    pub ci_low: Option<f64>,
    /// Upper CI limit as a proportion, if known.
    pub ci_high: Option<f64>,
    /// Participants with the event.
    pub events: u64,
    /// Participants analysed.
    pub total: u64,
}

impl ArmRate {
    fn risk(&self) -> Option<f64> {
        if self.risk.is_finite() {
            Some(self.risk.clamp(0.0, 1.0))
        } else if self.total > 0 && self.events <= self.total {
            Some(self.events as f64 / self.total as f64)
        } else {
            None
        }
    }

    pub(crate) fn summary(&self) -> String {
        if self.risk().is_none() {
            return "no data".into();
        }
        let mut s = String::new();
        if self.total > 0 {
            let _ = write!(s, "{}/{}", self.events, self.total);
        }
        if let Some(r) = self.risk() {
            if s.is_empty() {
                let _ = write!(s, "{}%", fmt_num(r * 100.0, 1));
            } else {
                let _ = write!(s, " ({}%)", fmt_num(r * 100.0, 1));
            }
        }
        s
    }
}

/// One outcome with the risk in each arm.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventRateGroup {
    /// Outcome name, e.g. "All-cause mortality at day 30".
    pub label: String,
    /// Arms in display order (the same order for every outcome, so colours
    /// and shapes match).
    pub arms: Vec<ArmRate>,
}

/// A chart of event rates per arm for one or more outcomes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventRateSpec {
    /// Page-unique id (see [`super::ForestSpec::id`]).
    pub id: String,
    /// Visible title and accessible name.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Axis title; "Risk, % (95% CI)" when empty.
    pub axis_label: String,
    /// The outcomes, top to bottom.
    pub outcomes: Vec<EventRateGroup>,
}

impl EventRateSpec {
    /// The plotted data as a table laid out as the chart is: a row per
    /// outcome, a column per arm, each cell `events/total, risk% (95% CI)`
    /// (`26/101, 25.7% (18.1 to 35.0)`; empty for an arm without data).
    pub fn table(&self) -> DataTable {
        let pct = |v: f64| fmt_num(v * 100.0, 1);
        let cell = |a: &ArmRate| {
            let Some(risk) = a.risk() else {
                return String::new();
            };
            let mut s = String::new();
            if a.total > 0 {
                let _ = write!(s, "{}/{}, ", a.events, a.total);
            }
            let _ = write!(s, "{}%", pct(risk));
            if let (Some(l), Some(h)) = (a.ci_low, a.ci_high) {
                if l.is_finite() && h.is_finite() {
                    let _ = write!(s, " ({} to {})", pct(l), pct(h));
                }
            }
            s
        };
        let widest = self
            .outcomes
            .iter()
            .max_by_key(|g| g.arms.len())
            .map_or(&[][..], |g| &g.arms[..]);
        let mut headers = vec!["Outcome".to_string()];
        headers.extend(widest.iter().map(|a| a.label.clone()));
        let rows = self
            .outcomes
            .iter()
            .map(|g| {
                let mut row = vec![g.label.clone()];
                row.extend((0..widest.len()).map(|i| g.arms.get(i).map(cell).unwrap_or_default()));
                row
            })
            .collect();
        DataTable {
            caption: self.title.clone(),
            headers,
            rows,
            notes: vec!["Each cell: events/patients, the risk in % (95% CI in %).".into()],
        }
    }
}

/// Render the event-rate chart. Never panics.
///
/// A legend names the arms once (label, colour and marker shape); each
/// outcome is a bold heading (up to two lines) over one row per arm: its
/// whisker and marker on the plot, its "events/total (risk %)" at the
/// right, never shortened.
pub(crate) fn render(spec: &EventRateSpec) -> String {
    let id = super::svg::make_id(&spec.id, "rates", &spec.title);
    let classes = "ap-rates";
    let has_data = spec
        .outcomes
        .iter()
        .any(|g| g.arms.iter().any(|a| a.risk().is_some()));
    if !has_data {
        return super::svg::no_data(&id, classes, &spec.title, &spec.description);
    }
    let w = WIDTH;
    let text_w = spec
        .outcomes
        .iter()
        .flat_map(|g| &g.arms)
        .map(|a| text_width(&a.summary(), FS, false))
        .fold(40.0, f64::max)
        .min(w * 0.5);
    let axis = risk_axis(spec, (MARGIN + 8.0, w - MARGIN - text_w - 16.0));

    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 4.0);
    if let Some(g) = spec.outcomes.iter().find(|g| !g.arms.is_empty()) {
        let names: Vec<&str> = g.arms.iter().map(|a| a.label.as_str()).collect();
        let marker = |out: &mut String, slot, x, cy| marker(out, slot, x, cy, 5.0);
        y = frame::legend(&mut svg, &names, marker, w, y);
    }
    let row_h = 22.0;
    let mut marks = Svg::new();
    let mut grid_y1 = y + 4.0;
    let mut segments: Vec<(f64, f64)> = Vec::new();
    for g in &spec.outcomes {
        y += 7.0;
        for line in wrap(&g.label, w - 2.0 * MARGIN, FS, true, 2) {
            y += 15.0;
            svg.text(MARGIN, y, Anchor::Start, "row-label bold", &line);
        }
        y += 4.0;
        let seg_top = y;
        for (i, a) in g.arms.iter().enumerate() {
            let cy = y + row_h / 2.0;
            let summary = fit(&a.summary(), text_w, FS, false);
            svg.text(w - MARGIN, cy + FS * 0.35, Anchor::End, "cell", &summary);
            draw_arm(&mut marks, &axis, a, i, cy);
            y += row_h;
        }
        grid_y1 = y;
        segments.push((seg_top, y));
    }
    if let Some(last) = segments.last_mut() {
        last.1 = grid_y1 + 4.0;
    }
    grid(&mut svg, &axis, &segments);
    svg.append(marks);
    let y = draw_axis(&mut svg, spec, &axis, w, grid_y1 + 4.0);
    svg.finish(&id, classes, w, y, &spec.title, &spec.description)
}

/// The percentage axis over `(x0, x1)`: 0 to a nice maximum covering every
/// risk and upper CI limit.
fn risk_axis(spec: &EventRateSpec, x: (f64, f64)) -> XAxis {
    let mut top: f64 = 0.0;
    for a in spec.outcomes.iter().flat_map(|g| &g.arms) {
        for v in [a.risk(), a.ci_high.filter(|v| v.is_finite())]
            .into_iter()
            .flatten()
        {
            top = top.max(v.clamp(0.0, 1.0) * 100.0);
        }
    }
    let nice_max = [10.0, 20.0, 25.0, 40.0, 50.0, 60.0, 80.0, 100.0]
        .into_iter()
        .find(|&m| m >= top - 1.0e-9)
        .unwrap_or(100.0);
    XAxis::new(
        false,
        &[0.0, nice_max],
        &[],
        None,
        Some((0.0, nice_max)),
        x,
        5,
    )
}

/// Faint vertical grid lines at the ticks behind the marks, one segment
/// per outcome so they never cross the outcome headings.
fn grid(svg: &mut Svg, axis: &XAxis, segments: &[(f64, f64)]) {
    for &t in &axis.ticks {
        let x = axis.x(t);
        let cls = if t == 0.0 { "axis" } else { "grid" };
        let op = if t == 0.0 { ".8" } else { ".18" };
        for &(y0, y1) in segments {
            svg.line(x, y0, x, y1, cls, &format!(" stroke-opacity=\"{op}\""));
        }
    }
}

/// The axis at `ay`, its ticks, labels and title. Returns the new `y`.
fn draw_axis(svg: &mut Svg, spec: &EventRateSpec, axis: &XAxis, w: f64, ay: f64) -> f64 {
    svg.line(axis.x0, ay, axis.x1, ay, "axis", "");
    for &t in &axis.ticks {
        let x = axis.x(t);
        svg.line(x, ay, x, ay + 5.0, "axis tick", "");
    }
    for (t, s) in axis.labelled_ticks(Some(0.0), 12.0, "%") {
        svg.text(axis.x(t), ay + 18.0, Anchor::Middle, "tick-label small", &s);
    }
    let y = ay + 35.0;
    let label = if spec.axis_label.trim().is_empty() {
        "Risk, % (95% CI)"
    } else {
        spec.axis_label.trim()
    };
    svg.text(
        (axis.x0 + axis.x1) / 2.0,
        y,
        Anchor::Middle,
        "axis-label",
        &fit(label, w - 2.0 * MARGIN, FS, false),
    );
    y + 12.0
}

/// Whisker (the CI line and its caps, one path) and marker for one arm,
/// in the arm's colour.
fn draw_arm(out: &mut Svg, axis: &XAxis, a: &ArmRate, i: usize, cy: f64) {
    let Some(risk) = a.risk() else { return };
    let slot = i % 4;
    let _ = write!(
        out.raw(),
        "<g class=\"arm arm-{slot}\" color=\"{}\">",
        PALETTE[slot]
    );
    let pct = |v: f64| v.clamp(0.0, 1.0) * 100.0;
    if let (Some(l), Some(h)) = (
        a.ci_low.filter(|v| v.is_finite()),
        a.ci_high.filter(|v| v.is_finite()),
    ) {
        let (l, h) = if l <= h { (l, h) } else { (h, l) };
        let (lx, hx) = (axis.x(pct(l)), axis.x(pct(h)));
        let attrs = " stroke-width=\"2\"";
        out.line(lx, cy, hx, cy, "ci", attrs);
        for x in [lx, hx] {
            out.line(x, cy - 4.0, x, cy + 4.0, "ci", attrs);
        }
    }
    let (x, _clip): (f64, Clip) = axis.map(pct(risk)).unwrap_or((axis.x0, Clip::In));
    marker(out.raw(), slot, x, cy, 5.0);
    out.raw().push_str("</g>");
}

/// One arm's marker: circle, square, triangle or diamond by slot, so arms
/// differ in shape as well as colour.
fn marker(out: &mut String, slot: usize, x: f64, cy: f64, r: f64) {
    match slot {
        0 => {
            let _ = write!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" class=\"marker\" fill=\"currentColor\"/>",
                N(x),
                N(cy),
                N(r)
            );
        }
        1 => {
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{s}\" height=\"{s}\" class=\"marker\" fill=\"currentColor\"/>",
                N(x - r * 0.9),
                N(cy - r * 0.9),
                s = N(r * 1.8)
            );
        }
        2 => polygon(
            out,
            &[
                (x, cy - r * 1.1),
                (x + r * 1.1, cy + r * 0.9),
                (x - r * 1.1, cy + r * 0.9),
            ],
            "marker",
            " fill=\"currentColor\"",
        ),
        _ => polygon(
            out,
            &[
                (x, cy - r * 1.2),
                (x + r * 1.2, cy),
                (x, cy + r * 1.2),
                (x - r * 1.2, cy),
            ],
            "marker",
            " fill=\"currentColor\"",
        ),
    }
}
