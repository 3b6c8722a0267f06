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
    let x0 = MARGIN + 40.0;
    let x1 = w - MARGIN - if spec.ongoing { 56.0 } else { 40.0 };

    // Positions: by date when every date parses, else evenly in order.
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
    let xmap = |t: f64| x0 + (t - t0) / (t1 - t0) * (x1 - x0);

    // Order by position (stable) for track styling and label lanes.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by(|&a, &b| pos[a].total_cmp(&pos[b]));

    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 0.0);

    // Label lanes: lane k is above the track when k is even, below when
    // odd, at level k / 2 (level 0 next to the track). Greedy: each label
    // takes the first lane where it overlaps nothing, alternating sides.
    const MAX_LANES: usize = 16;
    struct Placed {
        lane: usize,
        l: f64,
        r: f64,
    }
    let mut placed: Vec<Placed> = Vec::new();
    let mut lanes: Vec<(usize, f64)> = Vec::with_capacity(events.len()); // (lane, centre x)
    let max_label_w = 120.0;
    for &i in &order {
        let e = events[i];
        let label = fit(&e.label, max_label_w, FS, true);
        let date = fit(&e.date, max_label_w, 12.0, false);
        let lw = text_width(&label, FS, true).max(text_width(&date, 12.0, false));
        let cx = xmap(pos[i]).clamp(MARGIN + lw / 2.0, w - MARGIN - lw / 2.0);
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
    let level_above = lanes
        .iter()
        .filter(|(l, _)| l % 2 == 0)
        .map(|(l, _)| l / 2)
        .max()
        .unwrap_or(0);
    let level_below = lanes
        .iter()
        .filter(|(l, _)| l % 2 == 1)
        .map(|(l, _)| l / 2)
        .max()
        .unwrap_or(0);
    let row = 34.0;
    let above = (level_above as f64 + 1.0) * row;
    let below = (level_below as f64 + 1.0) * row;
    let ty = y + 14.0 + above + 6.0; // track y

    // Year ticks under the track (by-date only).
    if by_date {
        let years = (t1 - t0).round() as i64;
        let step = [1i64, 2, 5, 10, 20, 50]
            .into_iter()
            .find(|s| years / s <= 4)
            .unwrap_or(100);
        let first = t0 as i64;
        let mut yv = first;
        while yv as f64 <= t1 + 1.0e-9 {
            let x = xmap(yv as f64);
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
                    xmap(yv as f64),
                    ty + below + 26.0,
                    Anchor::Middle,
                    "tick-label small muted",
                    &yv.to_string(),
                );
            }
            yv += 1;
        }
    }

    // Track: solid up to the last done milestone, dashed after it.
    let last_done = order
        .iter()
        .filter(|&&i| events[i].done)
        .map(|&i| xmap(pos[i]))
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.max(x)))
        });
    let start = xmap(t0);
    let last_event = pos.iter().copied().fold(t0, f64::max);
    let end = if spec.ongoing {
        x1 + 36.0
    } else {
        xmap(last_event)
    };
    let split = last_done.unwrap_or(start);
    // Thin axis under everything (covers the span after the last milestone).
    svg.line(start, ty, xmap(t1), ty, "axis", " stroke-opacity=\".4\"");
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
    if spec.ongoing {
        super::svg::polygon(
            svg.raw(),
            &[(end + 8.0, ty), (end, ty - 5.0), (end, ty + 5.0)],
            "track pending arrow",
            " fill-opacity=\".7\"",
        );
    }

    // Milestones and labels.
    for (k, &i) in order.iter().enumerate() {
        let e = events[i];
        let x = xmap(pos[i]);
        let (lane, cx) = lanes[k];
        // A done dot is filled with the chart's fill (currentColor).
        let (cls, fill) = if e.done {
            ("event event-done", "")
        } else {
            ("event event-pending", " fill=\"none\"")
        };
        // Connector from the dot to its label.
        let level = (lane / 2) as f64 * row;
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
        let label = fit(&e.label, max_label_w, FS, true);
        let date = fit(&e.date, max_label_w, 12.0, false);
        svg.text(cx, ly_label, Anchor::Middle, "event-label bold", &label);
        svg.text(cx, ly_date, Anchor::Middle, "date small muted", &date);
    }
    y = ty + below + if by_date { 30.0 } else { 8.0 };
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
