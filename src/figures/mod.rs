//! Figures: which charts each page gets, as plain chart specifications.
//!
//! This stage sits between analyse and render: it turns recomputed results
//! into [`crate::chart`] specifications (rows of label, estimate, CI,
//! weight) and draws them, in parallel per page. The chart module never sees
//! a trial; render never draws. Every trial gets its forest plots (ratios on
//! a log axis, differences on a linear one), an event-rate chart and, when
//! dates are known, a timeline; every topic analysis gets a pooled forest
//! plot and a cumulative plot. Charts asked for by shortcodes in the prose
//! (`{{ forest(outcome="death-28d") }}`) are drawn here too.
//!
//! This file owns the stage's entry point, drawing one spec into a
//! [`Figure`] and the "favours" captions both kinds of page use;
//! `trial` builds a trial's specs, `topic` a topic analysis' specs,
//! `store` keeps the drawn figures by page and [`FigureKey`], and `demand`
//! draws a page's figures when render asks for them ([`OnDemand`], what a
//! full build uses).

mod demand;
mod rob;
mod store;
mod topic;
mod trial;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::analyse::Analyses;
use crate::chart::ChartSpec;
use crate::link::{FigureKey, Links};
use crate::model::{Direction, PageKind, Site};

pub use demand::OnDemand;
pub use store::{Figure, FigureLookup, FigureRef, Figures};

/// Draw `spec` as figure `which` of page `page`.
fn draw(page: &str, which: FigureKey, spec: ChartSpec) -> Figure {
    let table = spec.table();
    let title = table.caption.clone();
    Figure {
        page: page.to_string(),
        key: which.key(),
        which,
        title,
        svg: spec.render(),
        table,
    }
}

/// Draw every page's figures.
pub fn figures(site: &Site, links: &Links, analyses: &Analyses) -> Figures {
    let wanted = Requests::of(links);
    let pages: Vec<(usize, Vec<Figure>)> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(i, _)| (i, page_figures(site, links, analyses, &wanted, i)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    Figures::new(pages)
}

/// The charts that shortcodes on any page ask of each trial, beyond the
/// trial's own (a forest plot of one outcome).
pub struct Requests(BTreeMap<usize, Vec<FigureKey>>);

impl Requests {
    /// What the shortcodes resolved by link ask for.
    pub fn of(links: &Links) -> Requests {
        Requests(trial::shortcode_requests(links))
    }
}

/// The figures of page `i`: a trial's own and those asked of it, a topic's
/// per analysis, none for other pages. Depends on the page, its analyses
/// and the pages linked with it.
pub fn page_figures(
    site: &Site,
    links: &Links,
    analyses: &Analyses,
    wanted: &Requests,
    i: usize,
) -> Vec<Figure> {
    let p = &site.pages[i];
    match &p.kind {
        PageKind::Trial(t) => trial::trial_figures(
            site,
            links,
            i,
            t,
            analyses.trials.get(&i).map(Vec::as_slice).unwrap_or(&[]),
            wanted.0.get(&i).map(Vec::as_slice).unwrap_or(&[]),
        ),
        PageKind::Topic(_) => analyses
            .topics
            .get(&i)
            .map(|a| {
                a.iter()
                    .flat_map(|r| {
                        let mut v = topic::topic_figures(&p.id, r, &rob::study_cells(site, r));
                        v.extend(rob::summary_chart(site, &p.id, r));
                        v
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The captions under a forest plot's axis, left and right of the line of
/// no effect, for rows whose outcomes point the given ways.
///
/// Left of the line the experimental arm has fewer events (or lower
/// values). That favours it when lower is better, and favours the control
/// when higher is better; when the rows point different ways no single
/// "favours" caption is true for every row, so the captions say which arm
/// is lower or higher instead, and each ↑ better row is marked as such.
pub(crate) fn favours_captions(e: &str, c: &str, directions: &[Direction]) -> (String, String) {
    let e = if e.is_empty() { "experimental" } else { e };
    let c = if c.is_empty() { "control" } else { c };
    let higher = directions
        .iter()
        .filter(|d| **d == Direction::HigherIsBetter)
        .count();
    if higher == 0 {
        (format!("Favours {e}"), format!("Favours {c}"))
    } else if higher == directions.len() {
        (format!("Favours {c}"), format!("Favours {e}"))
    } else {
        neutral_captions(e)
    }
}

/// The captions when no single "favours" caption is true (directions
/// differ, or one is unknown): which way the experimental arm is lower or
/// higher.
pub(crate) fn neutral_captions(e: &str) -> (String, String) {
    let e = if e.is_empty() { "experimental" } else { e };
    (format!("Lower with {e}"), format!("Higher with {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favours_captions_are_true_for_every_row() {
        use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};
        let cap = |d: &[Direction]| favours_captions("Levosimendan", "Placebo", d);
        assert_eq!(
            cap(&[Down, Down]),
            ("Favours Levosimendan".into(), "Favours Placebo".into())
        );
        // Fewer good events with the drug (left of 1) favour the control.
        assert_eq!(
            cap(&[Up]),
            ("Favours Placebo".into(), "Favours Levosimendan".into())
        );
        // LeoPARDS: death (↓ better) beside weaning (↑ better).
        assert_eq!(
            cap(&[Down, Up, Down]),
            (
                "Lower with Levosimendan".into(),
                "Higher with Levosimendan".into()
            )
        );
    }
}
