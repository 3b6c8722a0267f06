//! Risk-of-bias charts, as robvis draws them: the traffic-light chart (one
//! row per assessment, a cell per RoB 2 domain D1–D5 and one for the
//! overall judgement) and the summary chart (per domain, the share of
//! studies judged low, some concerns, high or not assessed, as stacked
//! horizontal bars).
//!
//! A judgement is never told by colour alone: each cell is a coloured
//! circle with a glyph inside (`+` low, `!` some concerns, `−` high, `?`
//! not assessed), a legend names the glyphs, and each summary bar segment
//! carries its percentage in text beside the bar. The fills are
//! presentation attributes with classes (`.rob-low`, `.rob-some-concerns`,
//! `.rob-high`, `.rob-none`) a theme may restyle; the glyph colours are
//! chosen against their fill, so they read the same in dark mode.

use std::fmt::Write as _;

use serde::Serialize;

use super::frame::{self, FS, MARGIN};
use super::svg::{fit, fmt_num, text_width, wrap, Anchor, Svg, N};
use super::{DataTable, WIDTH};
use crate::model::bias::{BiasDomain, Judgement};

/// One row of a traffic-light chart: an assessment's judgements.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RobRow {
    /// What was assessed (a trial, or one of its outcomes).
    pub label: String,
    /// D1–D5 in the tool's order (`None`: not assessed).
    pub domains: [Option<Judgement>; 5],
    /// The overall judgement (`None`: not assessed).
    pub overall: Option<Judgement>,
}

/// A traffic-light chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RobChartSpec {
    /// Page-unique id (see [`super::ForestSpec::id`]).
    pub id: String,
    /// Title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Header of the data table's first column (`Result`).
    pub label_header: String,
    /// The rows.
    pub rows: Vec<RobRow>,
}

/// A summary chart: per domain and overall, the share of studies by
/// judgement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RobSummarySpec {
    /// Page-unique id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// The studies' assessments, each with its weight (any positive
    /// scale: shares are of the total weight; 1 each for unweighted).
    pub studies: Vec<(RobRow, f64)>,
    /// Notes under the chart (how the shares are weighted).
    pub footer: Vec<String>,
}

/// The glyph inside a cell: never colour alone.
pub(crate) fn glyph(j: Option<Judgement>) -> &'static str {
    match j {
        Some(Judgement::Low) => "+",
        Some(Judgement::SomeConcerns) => "!",
        Some(Judgement::High) => "−",
        None => "?",
    }
}

/// The reader's word for a judgement, or "Not assessed".
pub(crate) fn judgement_text(j: Option<Judgement>) -> &'static str {
    j.map(Judgement::label).unwrap_or("Not assessed")
}

/// Fill, glyph colour and class of a cell.
fn look(j: Option<Judgement>) -> (&'static str, &'static str, &'static str) {
    match j {
        Some(Judgement::Low) => ("#1f7a3a", "#ffffff", "rob-low"),
        Some(Judgement::SomeConcerns) => ("#f2c230", "#1a1a1a", "rob-some-concerns"),
        Some(Judgement::High) => ("#b8232f", "#ffffff", "rob-high"),
        None => ("#8a8a8a", "#ffffff", "rob-none"),
    }
}

/// Draw one cell (circle and glyph) centred at (`cx`, `cy`), radius `r`.
pub(crate) fn cell(svg: &mut Svg, j: Option<Judgement>, cx: f64, cy: f64, r: f64) {
    let (fill, ink, class) = look(j);
    let _ = write!(
        svg.raw(),
        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" class=\"rob-cell {class}\" fill=\"{fill}\"/>",
        N(cx),
        N(cy),
        N(r)
    );
    let own = format!("x=\"{}\" y=\"{}\"", N(cx), N(cy + r * 0.45));
    let attrs = format!(
        " text-anchor=\"middle\" font-weight=\"bold\" class=\"rob-glyph\" fill=\"{ink}\" style=\"font-size:{}px\"",
        N(r * 1.3)
    );
    svg.element("text", &own, &attrs, Some(glyph(j)));
}

/// The legend of glyphs under `y`, flowing over lines; `none` adds "Not
/// assessed". Returns the new `y`.
fn legend(svg: &mut Svg, none: bool, w: f64, mut y: f64) -> f64 {
    let mut items: Vec<Option<Judgement>> = vec![
        Some(Judgement::Low),
        Some(Judgement::SomeConcerns),
        Some(Judgement::High),
    ];
    if none {
        items.push(None);
    }
    let mut x = MARGIN;
    y += 20.0;
    for j in items {
        let name = judgement_text(j);
        let item_w = 22.0 + text_width(name, FS, false);
        if x > MARGIN && x + item_w > w - MARGIN {
            x = MARGIN;
            y += 22.0;
        }
        cell(svg, j, x + 8.0, y - FS * 0.35, 8.0);
        svg.text(x + 20.0, y, Anchor::Start, "legend", name);
        x += item_w + 14.0;
    }
    y + 4.0
}

/// The domain key under a chart: a note per domain, `D1: Randomisation process`.
fn domain_key() -> Vec<String> {
    BiasDomain::ALL
        .iter()
        .map(|d| format!("{}: {}", d.code(), d.label()))
        .collect()
}

/// Data-table headers: the label column, D1–D5 with their names, Overall.
fn domain_headers(first: &str) -> Vec<String> {
    let mut h = vec![first.to_string()];
    h.extend(
        BiasDomain::ALL
            .iter()
            .map(|d| format!("{} {}", d.code(), d.label())),
    );
    h.push("Overall".into());
    h
}

impl RobRow {
    /// D1–D5 then the overall judgement.
    fn cells(&self) -> impl Iterator<Item = Option<Judgement>> + '_ {
        self.domains.iter().copied().chain([self.overall])
    }
}

impl RobChartSpec {
    /// The chart's data as a table: one row per assessment, the judgement
    /// of each domain in words.
    pub fn table(&self) -> DataTable {
        DataTable {
            caption: self.title.clone(),
            headers: domain_headers(&self.label_header),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    let mut v = vec![r.label.clone()];
                    v.extend(r.cells().map(|j| judgement_text(j).to_string()));
                    v
                })
                .collect(),
            notes: vec![format!("Risk of bias by {}.", crate::model::bias::TOOL)],
        }
    }
}

/// Draw a traffic-light chart. Never panics.
pub(crate) fn render(spec: &RobChartSpec) -> String {
    let id = super::svg::make_id(&spec.id, "rob", &spec.title);
    let classes = "ap-rob";
    if spec.rows.is_empty() {
        return super::svg::no_data(&id, classes, &spec.title, &spec.description);
    }
    let w = WIDTH;
    let (col, overall_col, r) = (28.0, 56.0, 10.0);
    let start = w - MARGIN - 5.0 * col - overall_col;
    let cx = |k: usize| {
        if k < 5 {
            start + col * (k as f64 + 0.5)
        } else {
            start + 5.0 * col + overall_col / 2.0
        }
    };
    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 6.0);
    y += 16.0;
    for k in 0..6 {
        let head = if k < 5 {
            BiasDomain::ALL[k].code()
        } else {
            "Overall".to_string()
        };
        svg.text(cx(k), y, Anchor::Middle, "col-head bold small", &head);
    }
    let label_w = start - MARGIN - 6.0;
    for row in &spec.rows {
        let lines = wrap(&row.label, label_w, FS, false, 2);
        let row_h = (lines.len() as f64 * 15.0 + 8.0).max(2.0 * r + 8.0);
        let cy = y + 4.0 + row_h / 2.0;
        let first = cy - (lines.len() as f64 - 1.0) * 7.5 + FS * 0.35;
        for (i, line) in lines.iter().enumerate() {
            svg.text(
                MARGIN,
                first + i as f64 * 15.0,
                Anchor::Start,
                "row-label",
                line,
            );
        }
        for (k, j) in row.cells().enumerate() {
            cell(&mut svg, j, cx(k), cy, r);
        }
        y += 4.0 + row_h;
        svg.line(MARGIN, y, w - MARGIN, y, "rule", " stroke-opacity=\".25\"");
    }
    let none = spec.rows.iter().any(|r| r.cells().any(|j| j.is_none()));
    y = legend(&mut svg, none, w, y);
    y = frame::footer(&mut svg, &domain_key(), w, y);
    svg.finish(&id, classes, w, y + 8.0, &spec.title, &spec.description)
}

/// The share of each judgement (low, some concerns, high, not assessed)
/// in one column of `studies` (0–4 the domains, 5 the overall), as
/// fractions of the total weight.
fn shares(studies: &[(RobRow, f64)], k: usize) -> [f64; 4] {
    let mut s = [0.0; 4];
    let mut total = 0.0;
    for (row, w) in studies {
        let w = if w.is_finite() && *w > 0.0 { *w } else { 0.0 };
        let j = row.cells().nth(k).flatten();
        s[j.map(|j| j as usize).unwrap_or(3)] += w;
        total += w;
    }
    if total > 0.0 {
        for v in &mut s {
            *v /= total;
        }
    }
    s
}

/// The judgements in the order the summary stacks them, with "not assessed" last.
const STACK: [Option<Judgement>; 4] = [
    Some(Judgement::Low),
    Some(Judgement::SomeConcerns),
    Some(Judgement::High),
    None,
];

/// A share as whole percent text (`33%`).
fn pct(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0, 0))
}

impl RobSummarySpec {
    /// The chart's data as a table: per domain, the percent of each
    /// judgement.
    pub fn table(&self) -> DataTable {
        let mut rows = Vec::new();
        for k in 0..6 {
            let s = shares(&self.studies, k);
            let mut v = vec![column_name(k)];
            v.extend(s.iter().map(|&x| pct(x)));
            rows.push(v);
        }
        let mut headers = vec!["Domain".to_string()];
        headers.extend(STACK.iter().map(|&j| judgement_text(j).to_string()));
        DataTable {
            caption: self.title.clone(),
            headers,
            rows,
            notes: self.footer.clone(),
        }
    }
}

/// The summary chart's name for column `k` (`D1 Randomisation process`, `Overall`).
fn column_name(k: usize) -> String {
    match BiasDomain::ALL.get(k) {
        Some(d) => format!("{} {}", d.code(), d.label()),
        None => "Overall".into(),
    }
}

/// Draw a summary chart. Never panics.
pub(crate) fn render_summary(spec: &RobSummarySpec) -> String {
    let id = super::svg::make_id(&spec.id, "rob-summary", &spec.title);
    let classes = "ap-rob-summary";
    if spec.studies.is_empty() {
        return super::svg::no_data(&id, classes, &spec.title, &spec.description);
    }
    let w = WIDTH;
    let (x0, x1) = (MARGIN, w - MARGIN);
    let mut svg = Svg::new();
    let mut y = frame::title(&mut svg, &spec.title, w, 6.0, 0.0);
    let none = (0..6).any(|k| shares(&spec.studies, k)[3] > 0.0);
    y = legend(&mut svg, none, w, y);
    for k in 0..6 {
        let s = shares(&spec.studies, k);
        y += 22.0;
        let name = fit(&column_name(k), w - 2.0 * MARGIN, FS, k == 5);
        let class = if k == 5 {
            "row-label bold"
        } else {
            "row-label"
        };
        svg.text(MARGIN, y, Anchor::Start, class, &name);
        y += 6.0;
        let mut x = x0;
        for (slot, &j) in STACK.iter().enumerate() {
            let seg = (x1 - x0) * s[slot];
            if seg <= 0.0 {
                continue;
            }
            let (fill, _, cls) = look(j);
            let _ = write!(
                svg.raw(),
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" class=\"rob-bar {cls}\" fill=\"{fill}\"/>",
                N(x),
                N(y),
                N(seg)
            );
            x += seg;
        }
        y += 14.0 + 15.0;
        let text: Vec<String> = STACK
            .iter()
            .zip(s)
            .filter(|(_, v)| *v > 0.0)
            .map(|(&j, v)| format!("{} {} {}", glyph(j), judgement_text(j), pct(v)))
            .collect();
        // Every percentage is kept: the text wraps rather than being cut.
        for (i, line) in wrap(&text.join(" · "), w - 2.0 * MARGIN, 12.0, false, 2)
            .iter()
            .enumerate()
        {
            if i > 0 {
                y += 15.0;
            }
            svg.text(MARGIN, y, Anchor::Start, "cell small", line);
        }
    }
    y = frame::footer(&mut svg, &spec.footer, w, y + 4.0);
    svg.finish(&id, classes, w, y + 8.0, &spec.title, &spec.description)
}

/// A study's judgements in a forest plot's risk-of-bias column: D1–D5
/// then overall (`None`: not assessed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RobCells(pub [Option<Judgement>; 6]);

/// Width of the forest plot's risk-of-bias column (six cells).
pub(crate) const FOREST_COLUMN_W: f64 = 6.0 * FOREST_STEP;
/// Distance between the centres of two cells of the forest column.
const FOREST_STEP: f64 = 15.0;

/// Whether a forest plot draws the risk-of-bias column: some row has an
/// assessed judgement.
pub(crate) fn forest_has_column(rows: &[super::ForestRow]) -> bool {
    rows.iter()
        .filter_map(|r| r.risk_of_bias.as_ref())
        .any(|c| c.0.iter().any(Option::is_some))
}

/// The column's header (`RoB 2 domains 1 2 3 4 5 O`, over the cells, ending at `right`)
/// at baseline `y`.
pub(crate) fn forest_header(svg: &mut Svg, right: f64, y: f64) {
    let x0 = right - FOREST_COLUMN_W;
    svg.text(x0 - 4.0, y, Anchor::End, "col-head small", "RoB 2 domains");
    for k in 0..6 {
        let head = if k < 5 {
            format!("{}", k + 1)
        } else {
            "O".into()
        };
        let x = x0 + FOREST_STEP * (k as f64 + 0.5);
        svg.text(x, y, Anchor::Middle, "col-head bold small", &head);
    }
}

/// One study's six cells, ending at `right`, centred on `cy`.
pub(crate) fn forest_cells(svg: &mut Svg, cells: &RobCells, right: f64, cy: f64) {
    let x0 = right - FOREST_COLUMN_W;
    for (k, &j) in cells.0.iter().enumerate() {
        cell(svg, j, x0 + FOREST_STEP * (k as f64 + 0.5), cy, 6.5);
    }
}

/// A study's judgements in the forest data table, in words.
pub(crate) fn forest_cell_text(cells: Option<&RobCells>) -> String {
    let Some(c) = cells else {
        return String::new();
    };
    if c.0.iter().all(Option::is_none) {
        return "Not assessed".into();
    }
    c.0.iter()
        .enumerate()
        .map(|(k, &j)| {
            let head = if k < 5 {
                format!("D{}", k + 1)
            } else {
                "Overall".into()
            };
            format!("{head} {}", judgement_text(j).to_lowercase())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The note under a forest plot with a risk-of-bias column.
pub fn forest_note() -> String {
    "Risk of bias (RoB 2): domains 1 to 5 (D1–D5) and O, overall; + low, ! some concerns, − high, ? not assessed.".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(d: [Option<Judgement>; 5], o: Option<Judgement>) -> RobRow {
        RobRow {
            label: "T".into(),
            domains: d,
            overall: o,
        }
    }

    #[test]
    fn shares_are_of_the_total_weight_and_count_the_unassessed() {
        let low = Some(Judgement::Low);
        let high = Some(Judgement::High);
        let studies = vec![
            (row([low; 5], low), 1.0),
            (row([high, low, low, low, low], high), 3.0),
            (row([None; 5], None), 4.0),
        ];
        assert_eq!(shares(&studies, 0), [0.125, 0.0, 0.375, 0.5]);
        assert_eq!(shares(&studies, 1), [0.5, 0.0, 0.0, 0.5]);
        assert_eq!(shares(&studies, 5), [0.125, 0.0, 0.375, 0.5]);
        // A weight that is not a positive number counts for nothing.
        let odd = vec![(row([low; 5], low), f64::NAN), (row([high; 5], high), 2.0)];
        assert_eq!(shares(&odd, 0), [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn every_cell_has_a_glyph_and_the_table_has_words() {
        let spec = RobChartSpec {
            id: "x".into(),
            title: "X: risk of bias".into(),
            description: "d".into(),
            label_header: "Result".into(),
            rows: vec![row(
                [
                    Some(Judgement::Low),
                    Some(Judgement::SomeConcerns),
                    Some(Judgement::High),
                    None,
                    None,
                ],
                Some(Judgement::High),
            )],
        };
        let svg = render(&spec);
        for g in ["+", "!", "−", "?"] {
            assert!(svg.contains(&format!(">{g}</text>")), "{g} in {svg}");
        }
        assert_eq!(
            svg.matches("class=\"rob-cell").count(),
            6 + 4,
            "cells and legend"
        );
        let t = spec.table();
        assert_eq!(t.headers[3], "D3 Missing outcome data");
        assert_eq!(
            t.rows[0],
            [
                "T",
                "Low",
                "Some concerns",
                "High",
                "Not assessed",
                "Not assessed",
                "High"
            ]
        );
    }
}
