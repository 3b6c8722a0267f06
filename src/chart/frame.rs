//! The frame every chart kind draws around its plot: the wrapped title at
//! the top, a legend of markers and names under it, and wrapped footer
//! notes at the bottom. Forest, cumulative, event-rate and timeline charts
//! all call these, so their titles and notes look and wrap alike.

use std::fmt::Write as _;

use super::svg::{fit, text_width, wrap, Anchor, Svg, PALETTE};

/// Horizontal margin of every chart (user units).
pub(crate) const MARGIN: f64 = 8.0;
/// Font size of body text (user units).
pub(crate) const FS: f64 = 13.0;

/// The title, wrapped onto at most two lines across a chart `w` wide,
/// below `y`; `gap` more is left under it when there is a title. Returns
/// the new `y`.
pub(crate) fn title(svg: &mut Svg, title: &str, w: f64, mut y: f64, gap: f64) -> f64 {
    if title.trim().is_empty() {
        return y;
    }
    for line in wrap(title, w - 2.0 * MARGIN, 15.0, true, 2) {
        y += 19.0;
        svg.text(MARGIN, y, Anchor::Start, "chart-title bold", &line);
    }
    y + gap
}

/// A legend under `y`: each entry's marker (drawn by `marker` at its
/// centre, in the entry's palette slot colour) and name, flowing onto
/// further lines when they do not fit on one. Returns the new `y`.
pub(crate) fn legend(
    svg: &mut Svg,
    names: &[&str],
    marker: fn(&mut String, usize, f64, f64),
    w: f64,
    mut y: f64,
) -> f64 {
    let mut x = MARGIN;
    y += 18.0;
    for (i, label) in names.iter().enumerate() {
        let name = fit(label, w - 2.0 * MARGIN - 16.0, FS, false);
        let item_w = 16.0 + text_width(&name, FS, false);
        if x > MARGIN && x + item_w > w - MARGIN {
            x = MARGIN;
            y += 18.0;
        }
        let slot = i % 4;
        let mut g = String::new();
        let _ = write!(
            g,
            "<g class=\"arm arm-{slot}\" color=\"{}\">",
            PALETTE[slot]
        );
        marker(&mut g, slot, x + 5.0, y - FS * 0.35);
        g.push_str("</g>");
        svg.raw().push_str(&g);
        svg.text(x + 14.0, y, Anchor::Start, "legend", &name);
        x += item_w + 16.0;
    }
    y + 4.0
}

/// The notes under a chart (at most 12, each wrapped onto at most three
/// lines), below `y`. Returns the new `y`.
pub(crate) fn footer(svg: &mut Svg, notes: &[String], w: f64, mut y: f64) -> f64 {
    if !notes.is_empty() {
        y += 8.0;
    }
    for f in notes.iter().take(12) {
        for line in wrap(f, w - 2.0 * MARGIN, 12.0, false, 3) {
            y += 16.0;
            svg.text(MARGIN, y, Anchor::Start, "footer small", &line);
        }
    }
    y
}
