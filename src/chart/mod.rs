//! Chart stage: turns plain chart specifications (rows of label, estimate, CI,
//! weight, …) into accessible, responsive, deterministic SVG strings.
//!
//! The stage knows nothing about trials or analyses; callers build a
//! [`ForestSpec`], [`CumulativeSpec`], [`EventRateSpec`] or [`TimelineSpec`]
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
//! # Output conventions (for the theme)
//!
//! * Root: `<svg class="ap-chart ap-<kind> ap-chart--wide|ap-chart--compact"
//!   viewBox=… role="img" aria-labelledby="<id>-title <id>-desc">`, no
//!   `width`/`height`. Style it with `.ap-chart { width: 100%; height: auto; }`.
//! * Colours: text, lines and diamonds use `currentColor`, so dark mode works
//!   by inheriting `color`; accent fills are presentation attributes that any
//!   CSS rule overrides. Classes: `text`, `.chart-title`, `.col-head`,
//!   `.row-label`, `.cell`, `.tick-label`, `.axis-label`, `.favours`,
//!   `.footer`, `.legend`, `.rule`, `.axis`, `.tick`, `.null`, `.ci`, `.cap`, `.arrow`,
//!   `.square`, `.diamond`, `.pi`, `.point`, `.offscale`, `.grid`, `.arm`,
//!   `.arm-0`…`.arm-3`, `.track`, `.done`, `.pending`, `.event`,
//!   `.event-done`, `.event-pending`, `.date`, `.milestone-status`, `.no-data`.
//!   Font sizes are inline styles (13 by default, 12 for `.small`, 15 for the
//!   title): the layout estimates text widths at those sizes, so a page rule
//!   for a generic class must not change them.
//! * No embedded `<style>`: an inline SVG's `<style>` would leak to the whole
//!   HTML page and fight the theme.
//! * Layout: [`Layout::Wide`] (desktop, all columns) and [`Layout::Compact`]
//!   (phones, [`COMPACT_WIDTH`] user units wide: labels above their row,
//!   only the effect column). Emit both and show one with a media query, see [`Layout`].

mod cumulative;
mod forest;
mod frame;
mod rates;
mod scale;
mod svg;
mod timeline;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use cumulative::{CumulativeSpec, CumulativeStep};
pub use forest::{Axis, ForestRow, ForestSpec, RowKind, Scale};
pub use rates::{ArmRate, EventRateGroup, EventRateSpec};
pub use timeline::{TimelineEvent, TimelineSpec};

/// Width in SVG user units of every chart in the [`Layout::Compact`]
/// arrangement. A figure on a 360 px phone is about 340 px wide, so one user
/// unit is about one CSS pixel there.
pub const COMPACT_WIDTH: f64 = 340.0;

/// Which arrangement of a chart to draw.
///
/// The SVG scales with its container (`viewBox` only), so text size on screen
/// is `font-size × container width ÷ viewBox width`. The wide layout is
/// 560–1000 user units wide and meant for containers ≥ 40 rem; the compact
/// layout is [`COMPACT_WIDTH`] (340) units wide, about the width a chart gets
/// on a 360 px phone, so 13-unit text is drawn at about 13 px and 12-unit
/// tick labels at about 12 px. Suggested theme CSS:
///
/// ```css
/// .ap-chart { width: 100%; height: auto; }
/// .ap-chart--compact { display: none; }
/// @media (max-width: 40rem) {
///   .ap-chart--wide { display: none; }
///   .ap-chart--compact { display: block; }
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Desktop arrangement: every column, labels beside their rows.
    #[default]
    Wide,
    /// Phone arrangement: [`COMPACT_WIDTH`] units wide, labels above their
    /// rows (wrapped onto two lines when long), reduced columns.
    Compact,
}

impl Layout {
    fn class(self) -> &'static str {
        match self {
            Layout::Wide => "ap-chart--wide",
            Layout::Compact => "ap-chart--compact",
        }
    }

    /// Suffix that keeps ids unique when both layouts are on one page.
    fn id_suffix(self) -> &'static str {
        match self {
            Layout::Wide => "",
            Layout::Compact => "-c",
        }
    }
}

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
}

impl ChartSpec {
    /// Render the chart in the given layout.
    pub fn render(&self, layout: Layout) -> String {
        match self {
            ChartSpec::Forest(s) => forest(s, layout),
            ChartSpec::Cumulative(s) => cumulative(s, layout),
            ChartSpec::EventRates(s) => event_rates(s, layout),
            ChartSpec::Timeline(s) => timeline(s, layout),
        }
    }

    /// The chart's data as a table.
    pub fn table(&self) -> DataTable {
        match self {
            ChartSpec::Forest(s) => s.table(),
            ChartSpec::Cumulative(s) => s.table(),
            ChartSpec::EventRates(s) => s.table(),
            ChartSpec::Timeline(s) => s.table(),
        }
    }
}

/// Draw a forest plot (trial outcomes, or a topic meta-analysis with weighted
/// squares, diamonds, prediction interval and subgroups).
pub fn forest(spec: &ForestSpec, layout: Layout) -> String {
    forest::render(spec, layout, "ap-forest")
}

/// Draw a cumulative meta-analysis plot (pooled estimate after each trial).
pub fn cumulative(spec: &CumulativeSpec, layout: Layout) -> String {
    forest::render(&spec.to_forest(), layout, "ap-cumulative")
}

/// Draw the risk in each arm with its CI, grouped by outcome.
pub fn event_rates(spec: &EventRateSpec, layout: Layout) -> String {
    rates::render(spec, layout)
}

/// Draw a horizontal timeline of trial milestones.
pub fn timeline(spec: &TimelineSpec, layout: Layout) -> String {
    timeline::render(spec, layout)
}
