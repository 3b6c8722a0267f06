//! Horizontal value axes: automatic domain choice, nice explicit ticks and the
//! value → x mapping.
//!
//! The coordinate transforms come from plotters (`LogCoord` for ratio axes,
//! `RangedCoordf64` for linear ones) and linear tick steps from plotters'
//! `Ranged::key_points`. Log-axis ticks are always explicit (…0.1 0.2 0.5 1 2
//! 5 10…), because plotters' automatic log key points skip everything below 1
//! on short ranges. plotters maps to integer pixels, so we map onto a ×10
//! range and divide, giving 0.1-unit precision (exactly what we print).

use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;

use super::svg::fmt_num;

/// Smallest and largest values a ratio axis may show by default; CIs beyond
/// these limits are clipped and marked with an arrow.
const LOG_MIN: f64 = 0.01;
const LOG_MAX: f64 = 100.0;
/// CI limits widen a ratio axis only within these bounds.
const LOG_CI_MIN: f64 = 0.1;
const LOG_CI_MAX: f64 = 10.0;
/// Hard limits for caller-supplied log limits.
const LOG_HARD_MIN: f64 = 0.001;
const LOG_HARD_MAX: f64 = 1000.0;
/// Hard magnitude limit for linear axes (guards against absurd input).
const LIN_HARD: f64 = 1.0e9;

/// Whether a value lies inside the axis or had to be clamped to an edge.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Clip {
    /// Inside the axis.
    In,
    /// Below the axis minimum (clamped to the left edge).
    Low,
    /// Above the axis maximum (clamped to the right edge).
    High,
}

enum Coord {
    Log(LogCoord<f64>),
    Lin(RangedCoordf64),
}

/// A horizontal axis mapped onto `[x0, x1]` user units.
pub(crate) struct XAxis {
    coord: Coord,
    /// Whether this is a logarithmic (ratio) axis.
    pub(crate) log: bool,
    /// Domain minimum (natural units).
    pub(crate) lo: f64,
    /// Domain maximum (natural units).
    pub(crate) hi: f64,
    /// Left edge in user units.
    pub(crate) x0: f64,
    /// Right edge in user units.
    pub(crate) x1: f64,
    /// Tick values (natural units), ascending.
    pub(crate) ticks: Vec<f64>,
    decimals: usize,
}

/// The 1-2-5 sequence used for log ticks, ascending.
fn log_sequence() -> Vec<f64> {
    let mut v = Vec::with_capacity(24);
    for e in -3i32..=3 {
        let p = 10f64.powi(e);
        for m in [1.0, 2.0, 5.0] {
            // Round to kill representation noise such as 0.30000000000000004.
            let x = m * p;
            v.push((x * 1.0e6).round() / 1.0e6);
        }
    }
    v
}

impl XAxis {
    /// Build an axis from the values that must be visible.
    ///
    /// * `log`: ratio axis (values must be > 0; others are ignored).
    /// * `points`: point estimates (always inside a log axis up to 0.01–100).
    /// * `values`: CI bounds (widen a log axis only up to 0.1–10);
    ///   non-finite values are ignored everywhere.
    /// * `null`: the line of no effect, always inside the domain.
    /// * `limits`: optional caller-fixed domain.
    /// * `max_ticks`: rough upper bound on the number of ticks.
    pub(crate) fn new(
        log: bool,
        points: &[f64],
        values: &[f64],
        null: Option<f64>,
        limits: Option<(f64, f64)>,
        (x0, x1): (f64, f64),
        max_ticks: usize,
    ) -> XAxis {
        let (x0, x1) = if x1 - x0 >= 10.0 {
            (x0, x1)
        } else {
            (x0, x0 + 10.0)
        };
        if log {
            Self::new_log(points, values, null, limits, x0, x1)
        } else {
            let all: Vec<f64> = points.iter().chain(values).copied().collect();
            Self::new_lin(&all, null, limits, x0, x1, max_ticks.max(2))
        }
    }

    fn new_log(
        points: &[f64],
        values: &[f64],
        null: Option<f64>,
        limits: Option<(f64, f64)>,
        x0: f64,
        x1: f64,
    ) -> XAxis {
        let seq = log_sequence();
        let valid = |v: f64| v.is_finite() && v > 0.0;
        let (lo, hi) = match limits {
            Some((a, b)) if valid(a) && valid(b) && a < b => {
                (a.max(LOG_HARD_MIN), b.min(LOG_HARD_MAX).max(a * 1.01))
            }
            _ => {
                let mut lo = null.filter(|v| valid(*v)).unwrap_or(1.0);
                let mut hi = lo;
                for &v in points.iter().filter(|v| valid(**v)) {
                    lo = lo.min(v.clamp(LOG_MIN, LOG_MAX));
                    hi = hi.max(v.clamp(LOG_MIN, LOG_MAX));
                }
                // CI limits widen the axis only up to 0.1 … 10; a very wide
                // CI is clipped with an arrow rather than squeezing every
                // other row into a corner.
                for &v in values.iter().filter(|v| valid(**v)) {
                    lo = lo.min(v.clamp(LOG_CI_MIN, LOG_CI_MAX));
                    hi = hi.max(v.clamp(LOG_CI_MIN, LOG_CI_MAX));
                }
                // At least 0.5 … 2 around the null (or the data).
                lo = lo.min(0.5);
                hi = hi.max(2.0);
                // Snap outwards to the 1-2-5 sequence (with a little slack so
                // 0.505 does not push the axis to 0.2).
                let snap_lo = seq
                    .iter()
                    .rev()
                    .find(|&&t| t <= lo * 1.0001)
                    .copied()
                    .unwrap_or(LOG_HARD_MIN);
                let snap_hi = seq
                    .iter()
                    .find(|&&t| t >= hi / 1.0001)
                    .copied()
                    .unwrap_or(LOG_HARD_MAX);
                (snap_lo, snap_hi)
            }
        };
        let ticks: Vec<f64> = seq
            .iter()
            .copied()
            .filter(|&t| t >= lo / 1.0001 && t <= hi * 1.0001)
            .collect();
        let coord: LogCoord<f64> = (lo..hi).log_scale().into();
        XAxis {
            coord: Coord::Log(coord),
            log: true,
            lo,
            hi,
            x0,
            x1,
            ticks,
            decimals: 0,
        }
    }

    fn new_lin(
        values: &[f64],
        null: Option<f64>,
        limits: Option<(f64, f64)>,
        x0: f64,
        x1: f64,
        max_ticks: usize,
    ) -> XAxis {
        let ok = |v: f64| v.is_finite() && v.abs() <= LIN_HARD;
        let fixed = matches!(limits, Some((a, b)) if ok(a) && ok(b) && a < b);
        let (mut lo, mut hi) = match limits {
            Some((a, b)) if fixed => (a, b),
            _ => {
                let start = null.filter(|v| ok(*v));
                let mut it = values.iter().copied().filter(|v| ok(*v)).chain(start);
                match it.next() {
                    None => (-1.0, 1.0),
                    Some(first) => it.fold((first, first), |(a, b), v| (a.min(v), b.max(v))),
                }
            }
        };
        if hi - lo < 1.0e-9 * lo.abs().max(1.0) {
            let pad = if lo.abs() > 0.0 { lo.abs() * 0.5 } else { 1.0 };
            lo -= pad;
            hi += pad;
        }
        // plotters picks a 1-2-5 step for at most `max_ticks` points.
        let probe = RangedCoordf64::from(lo..hi).key_points(max_ticks);
        let step = if probe.len() >= 2 {
            probe[1] - probe[0]
        } else {
            (hi - lo) / 2.0
        };
        let mut step = nice_step(step);
        if fixed {
            // Prefer a step that divides the fixed range so the last tick
            // sits on the axis end (0–50 %: 10, not 20).
            for _ in 0..3 {
                let k = (hi - lo) / step;
                if (k - k.round()).abs() < 1.0e-6 {
                    break;
                }
                step = nice_step(step / 2.0 * 0.99);
            }
        } else {
            lo = (lo / step - 1.0e-9).floor() * step;
            hi = (hi / step + 1.0e-9).ceil() * step;
        }
        let first = (lo / step - 1.0e-9).ceil() as i64;
        let last = (hi / step + 1.0e-9).floor() as i64;
        let ticks: Vec<f64> = (first..=last.min(first + 40))
            .map(|i| {
                let v = i as f64 * step;
                if v.abs() < step * 1.0e-9 {
                    0.0
                } else {
                    v
                }
            })
            .collect();
        let decimals = decimals_for(step);
        XAxis {
            coord: Coord::Lin(RangedCoordf64::from(lo..hi)),
            log: false,
            lo,
            hi,
            x0,
            x1,
            ticks,
            decimals,
        }
    }

    /// Map a value inside the domain to x (no clamping; callers clamp first).
    fn raw(&self, v: f64) -> f64 {
        let limit = (
            (self.x0 * 10.0).round() as i32,
            (self.x1 * 10.0).round() as i32,
        );
        let px = match &self.coord {
            Coord::Log(c) => c.map(&v, limit),
            Coord::Lin(c) => c.map(&v, limit),
        };
        f64::from(px) / 10.0
    }

    /// Map a value to x, clamping to the axis. Returns `None` for values that
    /// cannot be placed at all (NaN; ≤ 0 on a log axis is treated as `Low`).
    pub(crate) fn map(&self, v: f64) -> Option<(f64, Clip)> {
        if v.is_nan() {
            return None;
        }
        if v < self.lo || (self.log && v <= 0.0) {
            return Some((self.x0, Clip::Low));
        }
        if v > self.hi {
            return Some((self.x1, Clip::High));
        }
        Some((self.raw(v), Clip::In))
    }

    /// Map a value that is known to be inside the domain (e.g. a tick).
    pub(crate) fn x(&self, v: f64) -> f64 {
        self.map(v).map_or(self.x0, |(x, _)| x)
    }

    /// Label text for a tick value.
    pub(crate) fn tick_label(&self, v: f64) -> String {
        if self.log {
            let d = if v >= 1.0 {
                0
            } else {
                // 0.5 → 1, 0.05 → 2, 0.001 → 3.
                ((-v.log10()).ceil() as usize).min(3)
            };
            fmt_num(v, d)
        } else {
            fmt_num(v, self.decimals)
        }
    }

    /// Choose which ticks get a label so that labels never overlap: the
    /// null value first, then decades (log) or every tick (linear), then the
    /// rest, each only when it does not collide with an already chosen one.
    /// `suffix` (e.g. "%") is appended to every label.
    pub(crate) fn labelled_ticks(
        &self,
        null: Option<f64>,
        font_size: f64,
        suffix: &str,
    ) -> Vec<(f64, String)> {
        let lab: Vec<(f64, f64, String)> = self
            .ticks
            .iter()
            .map(|&t| {
                let s = format!("{}{suffix}", self.tick_label(t));
                let w = super::svg::text_width(&s, font_size, false);
                (t, w, s)
            })
            .collect();
        let close = |a: f64, b: f64| (a - b).abs() <= 1.0e-9 * a.abs().max(1.0);
        let is_decade = |t: f64| {
            let l = t.log10();
            (l - l.round()).abs() < 1.0e-6
        };
        let mut order: Vec<usize> = Vec::with_capacity(lab.len());
        if let Some(n) = null {
            order.extend(lab.iter().position(|(t, _, _)| close(*t, n)));
        }
        for pass in 0..2 {
            for (i, (t, _, _)) in lab.iter().enumerate() {
                let primary = if self.log { is_decade(*t) } else { i % 2 == 0 };
                if (pass == 0) == primary && !order.contains(&i) {
                    order.push(i);
                }
            }
        }
        let mut chosen: Vec<(f64, f64, usize)> = Vec::new(); // (left, right, idx)
        for i in order {
            let (t, w, _) = &lab[i];
            let x = self.x(*t);
            let (l, r) = (x - w / 2.0 - 4.0, x + w / 2.0 + 4.0);
            if chosen.iter().all(|&(a, b, _)| r <= a || l >= b) {
                chosen.push((l, r, i));
            }
        }
        chosen.sort_by_key(|&(_, _, i)| i);
        chosen
            .into_iter()
            .map(|(_, _, i)| (lab[i].0, lab[i].2.clone()))
            .collect()
    }
}

/// Round a positive step to 1, 2, 2.5 or 5 × 10^k.
fn nice_step(step: f64) -> f64 {
    if !(step.is_finite() && step > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(step.log10().floor());
    let m = step / p;
    let nm = if m < 1.5 {
        1.0
    } else if m < 2.25 {
        2.0
    } else if m < 3.5 {
        2.5
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    nm * p
}

/// Decimals needed to print multiples of `step` exactly.
fn decimals_for(step: f64) -> usize {
    for d in 0..=6usize {
        let s = step * 10f64.powi(d as i32);
        if (s - s.round()).abs() < 1.0e-6 * s.max(1.0) {
            return d;
        }
    }
    6
}
