//! Trial timelines: milestones (registered, started, completed, published) on
//! a horizontal time axis with year ticks. Done milestones are filled dots on
//! a solid track; pending ones are hollow dots on a dashed track; an ongoing
//! trial (no results yet) gets a dashed arrow past its last milestone and an
//! "Ongoing" note.
//!
//! Dates are ISO strings ("2021-08-27", "2024-11", "2026"); a year alone is
//! placed mid-year and a month alone mid-month. If any date cannot be parsed
//! the milestones are spaced evenly in the given order instead. There is no
//! notion of "today", so output does not depend on the clock.

use std::fmt::Write as _;

use serde::Serialize;

use super::frame::{self, FS, MARGIN};
use super::svg::{fit, text_width, Anchor, Svg, N};
use super::{DataTable, WIDTH};

/// One milestone.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// Milestone name, e.g. "Registered".
    pub label: String,
    /// ISO date: "2021-08-27", "2024-11" or "2026".
    pub date: String,
    /// Whether the milestone has happened (false: planned/anticipated).
    pub done: bool,
}

/// A trial timeline.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimelineSpec {
    /// Page-unique id (see [`super::ForestSpec::id`]).
    pub id: String,
    /// Visible title and accessible name.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Milestones (any order; drawn by date).
    pub events: Vec<TimelineEvent>,
    /// True when the trial has no results yet.
    pub ongoing: bool,
}

impl TimelineSpec {
    /// The milestones as a table.
    pub fn table(&self) -> DataTable {
        DataTable {
            caption: self.title.clone(),
            headers: ["Milestone", "Date", "Status"].map(String::from).to_vec(),
            rows: self
                .events
                .iter()
                .map(|e| {
                    vec![
                        e.label.clone(),
                        e.date.clone(),
                        if e.done { "Done" } else { "Anticipated" }.to_string(),
                    ]
                })
                .collect(),
            notes: if self.ongoing {
                vec!["Ongoing: no results yet.".to_string()]
            } else {
                Vec::new()
            },
        }
    }
}

/// Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD" to a fractional year.
fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    let mut parts = s.split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    if !(1000..=9999).contains(&y) {
        return None;
    }
    let m: Option<u32> = match parts.next() {
        Some(p) => Some(p.parse().ok().filter(|m| (1..=12).contains(m))?),
        None => None,
    };
    let d: Option<u32> = match parts.next() {
        Some(p) => Some(p.parse().ok().filter(|d| (1..=31).contains(d))?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    let y = f64::from(y);
    Some(match (m, d) {
        (None, _) => y + 0.5,
        (Some(m), None) => y + (f64::from(m) - 0.5) / 12.0,
        (Some(m), Some(d)) => y + (f64::from(m) - 1.0 + (f64::from(d) - 0.5) / 31.0) / 12.0,
    })
}

/// Where the milestones go along the time axis: by date when every date
/// parses, else evenly in the given order.
struct Axis {
    /// Whether positions are dates (fractional years).
    by_date: bool,
    /// First and last time of the axis.
    t0: f64,
    t1: f64,
    /// Each milestone's time.
    pos: Vec<f64>,
    /// Left and right ends of the axis in the SVG.
    x0: f64,
    x1: f64,
}

impl Axis {
    fn new(events: &[&TimelineEvent], x0: f64, x1: f64) -> Axis {
        let dates: Vec<Option<f64>> = events.iter().map(|e| parse_date(&e.date)).collect();
        let by_date = dates.iter().all(Option::is_some);
        let (t0, t1, pos): (f64, f64, Vec<f64>) = if by_date {
            let ds: Vec<f64> = dates.iter().map(|d| d.unwrap_or(0.0)).collect();
            let lo = ds.iter().copied().fold(f64::INFINITY, f64::min).floor();
            let hi = ds.iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil();
            let hi = if hi - lo < 1.0 { lo + 1.0 } else { hi };
            (lo, hi, ds)
        } else {
            let n = events.len() as f64;
            (
                0.0,
                (n - 1.0).max(1.0),
                (0..events.len()).map(|i| i as f64).collect(),
            )
        };
        Axis {
            by_date,
            t0,
            t1,
            pos,
            x0,
            x1,
        }
    }

    /// The x of time `t`.
    fn x(&self, t: f64) -> f64 {
        self.x0 + (t - self.t0) / (self.t1 - self.t0) * (self.x1 - self.x0)
    }
}

/// The widest a milestone's label may be.
const MAX_LABEL_W: f64 = 120.0;

/// The height of one label lane.
const ROW: f64 = 34.0;

/// Each milestone's label lane and centre x, in `order`. Lane k is above
/// the track when k is even, below when odd, at level k / 2 (level 0 next
/// to the track). Greedy: each label takes the first lane where it
/// overlaps nothing, alternating sides.
fn label_lanes(
    events: &[&TimelineEvent],
    order: &[usize],
    axis: &Axis,
    w: f64,
) -> Vec<(usize, f64)> {
    const MAX_LANES: usize = 16;
    struct Placed {
        lane: usize,
        l: f64,
        r: f64,
    }
    let mut placed: Vec<Placed> = Vec::new();
    let mut lanes: Vec<(usize, f64)> = Vec::with_capacity(events.len());
    for &i in order {
        let e = events[i];
        let label = fit(&e.label, MAX_LABEL_W, FS, true);
        let date = fit(&e.date, MAX_LABEL_W, 12.0, false);
        let lw = text_width(&label, FS, true).max(text_width(&date, 12.0, false));
        let cx = axis
            .x(axis.pos[i])
            .clamp(MARGIN + lw / 2.0, w - MARGIN - lw / 2.0);
        let (l, r) = (cx - lw / 2.0 - 5.0, cx + lw / 2.0 + 5.0);
        let flip = usize::from(!lanes.len().is_multiple_of(2));
        let lane = (0..MAX_LANES)
            .map(|k| k ^ flip)
            .find(|&lane| {
                placed
                    .iter()
                    .filter(|p| p.lane == lane)
                    .all(|p| r <= p.l || l >= p.r)
            })
            .unwrap_or((MAX_LANES - 2) | flip);
        placed.push(Placed { lane, l, r });
        lanes.push((lane, cx));
    }
    lanes
}

/// The height taken by the lanes on one side of the track (`side` 0
/// above, 1 below).
fn side_height(lanes: &[(usize, f64)], side: usize) -> f64 {
    let level = lanes
        .iter()
        .filter(|(l, _)| l % 2 == side)
        .map(|(l, _)| l / 2)
        .max()
        .unwrap_or(0);
    (level as f64 + 1.0) * ROW
}

/// Year ticks on the track at `ty`, labelled `below` under it.
fn year_ticks(svg: &mut Svg, axis: &Axis, ty: f64, below: f64) {
    let (t0, t1) = (axis.t0, axis.t1);
    let years = (t1 - t0).round() as i64;
    let step = [1i64, 2, 5, 10, 20, 50]
        .into_iter()
        .find(|s| years / s <= 4)
        .unwrap_or(100);
    let first = t0 as i64;
    let mut yv = first;
    while yv as f64 <= t1 + 1.0e-9 {
        let x = axis.x(yv as f64);
        svg.line(
            x,
            ty - 3.0,
            x,
            ty + 3.0,
            "axis tick",
            " stroke-opacity=\".6\"",
        );
        yv += 1;
    }
    let mut yv = first;
    while yv as f64 <= t1 + 1.0e-9 {
        if (yv - first) % step == 0 {
            svg.text(
                axis.x(yv as f64),
                ty + below + 26.0,
                Anchor::Middle,
                "tick-label small muted",
                &yv.to_string(),
            );
        }
        yv += 1;
    }
}

/// The track at `ty`: solid up to the last done milestone, dashed after
/// it, with an arrow past the end for an ongoing trial.
fn track(svg: &mut Svg, events: &[&TimelineEvent], axis: &Axis, ty: f64, ongoing: bool) {
    let last_done = (0..events.len())
        .filter(|&i| events[i].done)
        .map(|i| axis.x(axis.pos[i]))
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.max(x)))
        });
    let start = axis.x(axis.t0);
    let last_event = axis.pos.iter().copied().fold(axis.t0, f64::max);
    let end = if ongoing {
        axis.x1 + 36.0
    } else {
        axis.x(last_event)
    };
    let split = last_done.unwrap_or(start);
    // Thin axis under everything (covers the span after the last milestone).
    svg.line(
        start,
        ty,
        axis.x(axis.t1),
        ty,
        "axis",
        " stroke-opacity=\".4\"",
    );
    if split > start {
        svg.line(start, ty, split, ty, "track done", " stroke-width=\"3\"");
    }
    if end > split + 0.5 {
        svg.line(
            split,
            ty,
            end,
            ty,
            "track pending",
            " stroke-width=\"2\" stroke-dasharray=\"6 4\" stroke-opacity=\".7\"",
        );
    }
    if ongoing {
        super::svg::polygon(
            svg.raw(),
            &[(end + 8.0, ty), (end, ty - 5.0), (end, ty + 5.0)],
            "track pending arrow",
            " fill-opacity=\".7\"",
        );
    }
}

/// Each milestone's dot on the track at `ty`, its label and date in its
/// lane (`lanes`, in `order`), and a connector to a lane away from the track.
fn milestones(
    svg: &mut Svg,
    events: &[&TimelineEvent],
    order: &[usize],
    lanes: &[(usize, f64)],
    axis: &Axis,
    ty: f64,
) {
    for (k, &i) in order.iter().enumerate() {
        let e = events[i];
        let x = axis.x(axis.pos[i]);
        let (lane, cx) = lanes[k];
        // A done dot is filled with the chart's fill (currentColor).
        let (cls, fill) = if e.done {
            ("event event-done", "")
        } else {
            ("event event-pending", " fill=\"none\"")
        };
        let level = (lane / 2) as f64 * ROW;
        let (ly_label, ly_date, conn_end) = if lane % 2 == 0 {
            (ty - 26.0 - level, ty - 12.0 - level, ty - 8.0 - level)
        } else {
            (ty + 22.0 + level, ty + 34.0 + level, ty + 9.0 + level)
        };
        if lane >= 2 {
            svg.line(x, ty, x, conn_end, "connector", " stroke-opacity=\".4\"");
        }
        let _ = write!(
            svg.raw(),
            "<circle cx=\"{}\" cy=\"{}\" r=\"6\" class=\"{cls}\"{fill} stroke=\"currentColor\" stroke-width=\"2\"/>",
            N(x),
            N(ty)
        );
        let label = fit(&e.label, MAX_LABEL_W, FS, true);
        let date = fit(&e.date, MAX_LABEL_W, 12.0, false);
        svg.text(cx, ly_label, Anchor::Middle, "event-label bold", &label);
        svg.text(cx, ly_date, Anchor::Middle, "date small muted", &date);
    }
}

/// Render the timeline. Never panics.
pub(crate) fn render(spec: &TimelineSpec) -> String {
    let id = super::svg::make_id(&spec.id, "timeline", &spec.title);
    let ongoing = if spec.ongoing {
        " ap-timeline--ongoing"
    } else {
        ""
    };
    let classes = format!("ap-timeline{ongoing}");
    let events: Vec<&TimelineEvent> = spec.events.iter().take(50).collect();
    if events.is_empty() {
        return super::svg::no_data(&id, &classes, &spec.title, &spec.description);
    }
    let w = WIDTH;
    let x1 = w - MARGIN - if spec.ongoing { 56.0 } else { 40.0 };
    let axis = Axis::new(&events, MARGIN + 40.0, x1);
    // Order by position (stable) for label lanes.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by(|&a, &b| axis.pos[a].total_cmp(&axis.pos[b]));
    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 0.0);
    let lanes = label_lanes(&events, &order, &axis, w);
    let (above, below) = (side_height(&lanes, 0), side_height(&lanes, 1));
    let ty = y + 14.0 + above + 6.0; // track y
    if axis.by_date {
        year_ticks(&mut svg, &axis, ty, below);
    }
    track(&mut svg, &events, &axis, ty, spec.ongoing);
    milestones(&mut svg, &events, &order, &lanes, &axis, ty);
    y = ty + below + if axis.by_date { 30.0 } else { 8.0 };
    if spec.ongoing {
        y += 18.0;
        svg.text(
            MARGIN,
            y,
            Anchor::Start,
            "milestone-status small",
            "Ongoing \u{2014} no results yet",
        );
    }
    y += 10.0;
    svg.finish(&id, &classes, w, y, &spec.title, &spec.description)
}
