//! Chart stage: turns plain chart specifications (rows of label, estimate, CI,
//! weight, …) into accessible, responsive, deterministic SVG strings.
//!
//! The stage knows nothing about trials or analyses; callers build a
//! [`ForestSpec`], [`CumulativeSpec`], [`EventRateSpec`], [`TimelineSpec`] or
//! [`TsaChartSpec`]
//! and call [`forest`], [`cumulative`], [`event_rates`] or [`timeline`] (or
//! [`ChartSpec::render`]). Every entry point is infallible and does no I/O; a
//! spec without plottable data gives a small valid SVG saying "No data".
//!
//! # Why the SVG is written by hand (and what plotters does)
//!
//! plotters (0.3.7, `svg_backend` only) is used for what it does well: the
//! value → coordinate transforms (`LogCoord` for ratio axes, `RangedCoordf64`
//! for linear axes) and nice linear tick steps (`Ranged::key_points`); see
//! `scale.rs`. Its `SVGBackend` is *not* used to write the document because it
//! cannot emit what the site needs: CSS classes (dark mode, theming),
//! `role="img"`, `<title>`/`<desc>` with `aria-labelledby`, a `viewBox`
//! without fixed pixel size, and controlled number formatting (it prints
//! font sizes divided by 1.24 as 17-digit floats and estimates text width per
//! byte). So elements are written directly with one-decimal coordinates.
//!
//! # One responsive SVG per chart, inline
//!
//! Each chart is drawn once, in one arrangement [`WIDTH`] (340) user units
//! wide, with a `viewBox` and no fixed size, so it scales to its container:
//! on a 360 px phone a chart gets about 340 px, one user unit is one CSS
//! pixel, and the smallest text (12 units) is drawn at 12 px. Row labels
//! sit above their rows (wrapped onto two lines when long) and only the
//! effect column is drawn beside the plot; every other column (events per
//! arm, weights) is in the data table under the chart. The theme caps the
//! chart's width on wide screens (`max-width: 27rem` in the default theme)
//! so its text stays near body size instead of growing with the page.
//!
//! The SVG is written into the page, not linked as a file by `<img>` or
//! `<object>`: inline, its `<title>` and `<desc>` are the accessible name
//! and description (`role="img"`, `aria-labelledby`), its text can be found
//! and copied, and it inherits the page's `color` and CSS (dark mode with
//! `prefers-color-scheme`, theme colours). An `<img>` would reduce it to
//! `alt` text and cut it off from the page CSS; an `<object>` keeps the
//! markup but still sees none of the page CSS and costs a request per chart.
//! Drawing it once instead of twice (a wide and a compact copy, one hidden
//! by CSS) halves what the charts add to a page.
//!
//! # Output conventions (for the theme)
//!
//! * Root: `<svg class="ap-chart ap-<kind>" viewBox=… role="img"
//!   aria-labelledby="<id>-title <id>-desc">`, no `width`/`height`. Style
//!   it with `.ap-chart { width: 100%; height: auto; }`.
//! * Colours: text, lines and diamonds use `currentColor`, so dark mode works
//!   by inheriting `color`; accent fills are presentation attributes that any
//!   CSS rule overrides. Classes: `text`, `.chart-title`, `.col-head`,
//!   `.row-label`, `.cell`, `.tick-label`, `.axis-label`, `.favours`,
//!   `.footer`, `.legend`, `.rule`, `.axis`, `.tick`, `.null`, `.ci`, `.arrow`,
//!   `.square`, `.diamond`, `.pi`, `.point`, `.offscale`, `.grid`, `.arm`,
//!   `.arm-0`…`.arm-3`, `.track`, `.done`, `.pending`, `.event`,
//!   `.event-done`, `.event-pending`, `.date`, `.milestone-status`, `.no-data`.
//!   Font sizes are inline styles (13 by default, 12 for `.small`, 15 for the
//!   title): the layout estimates text widths at those sizes, so a page rule
//!   for a generic class must not change them.
//! * Compact markup: no whitespace between elements; lines of one class are
//!   sub-paths of one `<path>` (a CI line and its end caps are one `.ci`
//!   path); consecutive texts or shapes of one class share a `<g>` that
//!   carries the class and attributes, so style them with descendant
//!   selectors (`.ap-chart .tick-label`), not `text.tick-label`.
//! * No embedded `<style>`: an inline SVG's `<style>` would leak to the whole
//!   HTML page and fight the theme.

mod cumulative;
mod forest;
mod frame;
mod rates;
mod rob;
mod scale;
mod svg;
mod timeline;
mod tsa;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use cumulative::{CumulativeSpec, CumulativeStep};
pub use forest::{Axis, ForestRow, ForestSpec, RowKind, Scale};
pub use rates::{ArmRate, EventRateGroup, EventRateSpec};
pub use rob::{forest_note as rob_forest_note, RobCells, RobChartSpec, RobRow, RobSummarySpec};
pub(crate) use svg::push_esc;
pub use timeline::{TimelineEvent, TimelineSpec};
pub use tsa::{TsaChartSpec, TsaLookSpec};

/// Width in SVG user units of every chart. A figure on a 360 px phone is
/// about 340 px wide, so one user unit is about one CSS pixel there.
pub const WIDTH: f64 = 340.0;

/// A chart's data as a plain table, for screen readers and readers without
/// SVG: the renderer turns it into an HTML `<table>` next to the chart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DataTable {
    /// Table caption (the chart title).
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Body rows; each has `headers.len()` cells.
    pub rows: Vec<Vec<String>>,
    /// Notes printed under the table (e.g. heterogeneity, model).
    pub notes: Vec<String>,
}

/// Any chart specification, for callers that handle charts generically.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChartSpec {
    /// A forest plot (trial outcomes or a topic meta-analysis).
    Forest(ForestSpec),
    /// A cumulative meta-analysis plot.
    Cumulative(CumulativeSpec),
    /// Risk of each outcome in each arm.
    EventRates(EventRateSpec),
    /// Trial milestones.
    Timeline(TimelineSpec),
    /// A trial sequential analysis.
    Tsa(TsaChartSpec),
    /// A risk-of-bias traffic-light chart.
    RiskOfBias(RobChartSpec),
    /// A risk-of-bias summary (share of studies per judgement).
    RobSummary(RobSummarySpec),
}

impl ChartSpec {
    /// Render the chart.
    pub fn render(&self) -> String {
        match self {
            ChartSpec::Forest(s) => forest(s),
            ChartSpec::Cumulative(s) => cumulative(s),
            ChartSpec::EventRates(s) => event_rates(s),
            ChartSpec::Timeline(s) => timeline(s),
            ChartSpec::Tsa(s) => tsa::render(s),
            ChartSpec::RiskOfBias(s) => rob::render(s),
            ChartSpec::RobSummary(s) => rob::render_summary(s),
        }
    }

    /// The chart's data as a table.
    pub fn table(&self) -> DataTable {
        match self {
            ChartSpec::Forest(s) => s.table(),
            ChartSpec::Cumulative(s) => s.table(),
            ChartSpec::EventRates(s) => s.table(),
            ChartSpec::Timeline(s) => s.table(),
            ChartSpec::Tsa(s) => s.table(),
            ChartSpec::RiskOfBias(s) => s.table(),
            ChartSpec::RobSummary(s) => s.table(),
        }
    }
}

/// Draw a forest plot (trial outcomes, or a topic meta-analysis with weighted
/// squares, diamonds, prediction interval and subgroups).
pub fn forest(spec: &ForestSpec) -> String {
    forest::render(spec, "ap-forest")
}

/// Draw a cumulative meta-analysis plot (pooled estimate after each trial).
pub fn cumulative(spec: &CumulativeSpec) -> String {
    forest::render(&spec.to_forest(), "ap-cumulative")
}

/// Draw the risk in each arm with its CI, grouped by outcome.
pub fn event_rates(spec: &EventRateSpec) -> String {
    rates::render(spec)
}

/// Draw a horizontal timeline of trial milestones.
pub fn timeline(spec: &TimelineSpec) -> String {
    timeline::render(spec)
}
