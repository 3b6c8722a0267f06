//! Trial sequential analysis charts: the cumulative z-curve (one point per
//! trial, joined from the origin) against the two-sided monitoring
//! boundaries, the conventional ±1.96 lines and the required information
//! size, with patients accrued on the horizontal axis. Boundaries beyond
//! the plotted range are drawn at its edge. Title, legend and notes come
//! from the shared [`super::frame`].

use std::fmt::Write as _;

use serde::Serialize;

use super::frame::{self, MARGIN};
use super::svg::{Anchor, Svg, N, PALETTE};
use super::{DataTable, WIDTH};

/// One look: the trial added and where the analysis stands after it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TsaLookSpec {
    /// "LeoPARDS (2016)".
    pub label: String,
    /// Patients accrued so far.
    pub accrued: f64,
    /// Cumulative z (`None`: no pooled estimate).
    pub z: Option<f64>,
    /// Efficacy boundary (±), when there is one.
    pub boundary: Option<f64>,
    /// The table cells after the label: patients, fraction, z, boundary.
    pub cells: Vec<String>,
}

/// A trial sequential analysis chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TsaChartSpec {
    /// Page-unique id (see [`super::ForestSpec::id`]).
    pub id: String,
    /// Visible title and accessible name.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Required information size (patients).
    pub required: f64,
    /// Its label on the chart: "Required 2,209".
    pub required_label: String,
    /// The looks in order.
    pub looks: Vec<TsaLookSpec>,
    /// The boundary beyond the last look, if the information reached the
    /// required size in equal steps: (patients, boundary), drawn dashed.
    pub projected: Vec<(f64, f64)>,
    /// Notes under the chart.
    pub footer: Vec<String>,
}

impl TsaChartSpec {
    /// The plotted data as a table.
    pub fn table(&self) -> DataTable {
        DataTable {
            caption: self.title.clone(),
            headers: [
                "Trial added",
                "Patients so far",
                "Information fraction",
                "Cumulative z",
                "Boundary (±)",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .looks
                .iter()
                .map(|l| {
                    let mut r = vec![l.label.clone()];
                    r.extend(l.cells.iter().cloned());
                    r
                })
                .collect(),
            notes: self.footer.clone(),
        }
    }
}

/// A line marker for the legend.
fn line_marker(out: &mut String, _slot: usize, x: f64, y: f64) {
    let _ = write!(
        out,
        "<path d=\"M{} {}h10\" stroke=\"currentColor\" stroke-width=\"2.5\"/>",
        N(x - 5.0),
        N(y)
    );
}

/// The plot's vertical extent: the largest |z| or boundary shown, at
/// least 3 and at most 8, rounded up.
fn z_range(spec: &TsaChartSpec) -> f64 {
    let biggest = spec
        .looks
        .iter()
        .flat_map(|l| [l.z.map(f64::abs), l.boundary])
        .flatten()
        .filter(|x| x.is_finite())
        .fold(3.0_f64, f64::max);
    biggest.min(8.0).ceil()
}

/// A polyline in palette slot `slot` with the attributes `extra` (its
/// stroke width, a dash pattern).
fn polyline(svg: &mut Svg, pts: &[(f64, f64)], slot: usize, extra: &str, class: &str) {
    if pts.len() < 2 {
        return;
    }
    let mut s = format!(
        "<polyline class=\"{class}\" color=\"{}\" fill=\"none\" stroke=\"currentColor\"{extra} points=\"",
        PALETTE[slot]
    );
    for (i, (x, y)) in pts.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{},{}", N(*x), N(*y));
    }
    s.push_str("\"/>");
    svg.raw().push_str(&s);
}

/// The stroke of the z-curve and the boundaries.
const WIDE: &str = " stroke-width=\"2.5\"";

/// Where the plot sits and how values map onto it.
struct Plot {
    /// Left and right edges of the plotting area.
    x0: f64,
    x1: f64,
    /// Top and height of the plotting area.
    top: f64,
    h: f64,
    /// The largest |z| shown.
    zmax: f64,
    /// The patients at the right edge.
    xmax: f64,
}

impl Plot {
    /// The horizontal position of `v` patients.
    fn xm(&self, v: f64) -> f64 {
        self.x0 + v / self.xmax * (self.x1 - self.x0)
    }
    /// The vertical position of `z` (clamped to the range shown).
    fn ym(&self, z: f64) -> f64 {
        self.top + (self.zmax - z.clamp(-self.zmax, self.zmax)) / (2.0 * self.zmax) * self.h
    }
}

/// Draw the chart.
pub(crate) fn render(spec: &TsaChartSpec) -> String {
    let id = super::svg::make_id(&spec.id, "tsa", &spec.title);
    let classes = "ap-tsa";
    if spec.looks.is_empty() || spec.required.is_nan() || spec.required <= 0.0 {
        return super::svg::no_data(&id, classes, &spec.title, &spec.description);
    }
    let w = WIDTH;
    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 0.0);
    y = frame::legend(
        &mut svg,
        &["Cumulative z", "Monitoring boundary", "z = ±1.96"],
        line_marker,
        w,
        y,
    );
    let last = spec.looks.iter().map(|l| l.accrued).fold(0.0, f64::max);
    let plot = Plot {
        x0: MARGIN + 24.0,
        x1: w - MARGIN - 6.0,
        top: y + 14.0,
        h: 220.0,
        zmax: z_range(spec),
        xmax: spec.required.max(last) * 1.08,
    };
    z_axis(&mut svg, &plot);
    required_line(&mut svg, &plot, spec, w);
    boundaries(&mut svg, &plot, spec);
    z_curve(&mut svg, &plot, spec);

    // Horizontal axis: 0 and the last look's patients.
    y = plot.top + plot.h + 16.0;
    svg.text(plot.x0, y, Anchor::Start, "tick-label small", "0");
    svg.text(
        plot.x1,
        y,
        Anchor::End,
        "tick-label small",
        "Patients accrued →",
    );
    y = frame::footer(&mut svg, &spec.footer, w, y + 4.0);
    svg.finish(&id, classes, w, y + 10.0, &spec.title, &spec.description)
}

/// Axes, z ticks and the ±1.96 lines.
fn z_axis(svg: &mut Svg, plot: &Plot) {
    let (x0, x1, top, h, zmax) = (plot.x0, plot.x1, plot.top, plot.h, plot.zmax);
    svg.line(x0, top, x0, top + h, "axis", "");
    svg.line(x0, plot.ym(0.0), x1, plot.ym(0.0), "axis", "");
    let step = if zmax > 5.0 { 2.0 } else { 1.0 };
    let mut t = -zmax;
    while t <= zmax + 1e-9 {
        svg.line(x0 - 3.0, plot.ym(t), x0, plot.ym(t), "axis tick", "");
        let label = crate::present::num(t, 0);
        svg.text(
            x0 - 5.0,
            plot.ym(t) + 4.0,
            Anchor::End,
            "tick-label small",
            &label,
        );
        t += step;
    }
    for s in [1.96, -1.96] {
        polyline(
            svg,
            &[(x0, plot.ym(s)), (x1, plot.ym(s))],
            2,
            " stroke-dasharray=\"5 4\" stroke-width=\"1.5\"",
            "conventional",
        );
    }
}

/// The required information size: a dotted vertical line and its label
/// (`w`: the chart's width).
fn required_line(svg: &mut Svg, plot: &Plot, spec: &TsaChartSpec, w: f64) {
    let (top, h) = (plot.top, plot.h);
    let xr = plot.xm(spec.required);
    svg.line(xr, top, xr, top + h, "ris", " stroke-dasharray=\"2 3\"");
    let anchor = if xr > w * 0.6 {
        Anchor::End
    } else {
        Anchor::Start
    };
    let dx = if anchor == Anchor::End { -4.0 } else { 4.0 };
    svg.text(
        xr + dx,
        top + 12.0,
        anchor,
        "ris-label small",
        &spec.required_label,
    );
}

/// Boundaries (upper and lower), through the looks that have one, and
/// dashed on from the last of them to the required information size.
fn boundaries(svg: &mut Svg, plot: &Plot, spec: &TsaChartSpec) {
    for sign in [1.0, -1.0] {
        let pts: Vec<(f64, f64)> = spec
            .looks
            .iter()
            .filter_map(|l| l.boundary.map(|b| (plot.xm(l.accrued), plot.ym(sign * b))))
            .collect();
        polyline(svg, &pts, 1, WIDE, "boundary");
        let ahead: Vec<(f64, f64)> = (pts.last().copied().into_iter())
            .chain((spec.projected.iter()).map(|&(x, b)| (plot.xm(x), plot.ym(sign * b))))
            .collect();
        if ahead.len() > 1 {
            polyline(
                svg,
                &ahead,
                1,
                " stroke-width=\"1.5\" stroke-dasharray=\"6 4\"",
                "boundary projected",
            );
        }
    }
}

/// The z-curve from the origin, with a dot at each look.
fn z_curve(svg: &mut Svg, plot: &Plot, spec: &TsaChartSpec) {
    let mut pts = vec![(plot.xm(0.0), plot.ym(0.0))];
    pts.extend(
        spec.looks
            .iter()
            .filter_map(|l| l.z.map(|z| (plot.xm(l.accrued), plot.ym(z)))),
    );
    polyline(svg, &pts, 0, WIDE, "z-curve");
    let mut dots = format!("<g color=\"{}\">", PALETTE[0]);
    for (x, y) in pts.iter().skip(1) {
        let _ = write!(dots, "<circle cx=\"{}\" cy=\"{}\" r=\"4\"/>", N(*x), N(*y));
    }
    dots.push_str("</g>");
    svg.raw().push_str(&dots);
}
