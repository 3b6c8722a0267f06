//! Figures drawn on demand: a full build draws each page's charts when
//! render first asks for them and lets them go once that page is written
//! ([`OnDemand`]), instead of drawing all 20,000 of a 10,000-page site
//! before render and holding them (SVG and data tables, about 100 MB) to
//! the end of the build. The figures are the ones [`super::figures`] would
//! draw, so the output is the same. `serve` and `build --cache` keep a
//! [`super::Figures`] store instead (the incremental engine shares a
//! page's figures between rebuilds).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{page_figures, Figure, Figures, Requests};
use crate::analyse::Analyses;
use crate::link::Links;
use crate::model::Site;

/// Each page's figures, drawn when first asked for and kept only until
/// the page itself is rendered ([`OnDemand::release`]).
pub struct OnDemand<'a> {
    site: &'a Site,
    links: &'a Links,
    analyses: &'a Analyses,
    wanted: Requests,
    /// Page `i`'s figures while they are kept.
    kept: Vec<Mutex<Option<Arc<[Figure]>>>>,
    /// Whether page `i` was rendered: its figures are no longer kept (a
    /// later page that shows one of them has them drawn again).
    released: Vec<AtomicBool>,
    /// Whether page `i`'s figures were counted in `count`.
    counted: Vec<AtomicBool>,
    count: AtomicUsize,
}

impl std::fmt::Debug for OnDemand<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnDemand")
            .field("pages", &self.kept.len())
            .finish_non_exhaustive()
    }
}

impl<'a> OnDemand<'a> {
    /// Draw the figures of `site`'s pages as render asks for them.
    pub fn new(site: &'a Site, links: &'a Links, analyses: &'a Analyses) -> Self {
        let n = site.pages.len();
        OnDemand {
            site,
            links,
            analyses,
            wanted: Requests::of(links),
            kept: (0..n).map(|_| Mutex::new(None)).collect(),
            released: (0..n).map(|_| AtomicBool::new(false)).collect(),
            counted: (0..n).map(|_| AtomicBool::new(false)).collect(),
            count: AtomicUsize::new(0),
        }
    }

    /// All figures of page `page`, in [`crate::link::FigureKey`] order (as
    /// [`Figures::shared_of`] gives them), drawn now unless kept.
    pub fn of(&self, page: usize) -> Arc<[Figure]> {
        if self.released[page].load(Ordering::Acquire) {
            return self.draw(page);
        }
        let mut kept = self.kept[page].lock().unwrap_or_else(|e| e.into_inner());
        match &*kept {
            Some(f) => Arc::clone(f),
            None => {
                let f = self.draw(page);
                *kept = Some(Arc::clone(&f));
                f
            }
        }
    }

    /// Page `page` is rendered: its figures are let go.
    pub fn release(&self, page: usize) {
        self.released[page].store(true, Ordering::Release);
        let mut kept = self.kept[page].lock().unwrap_or_else(|e| e.into_inner());
        *kept = None;
    }

    /// How many figures the site's pages have (those render never asked
    /// for are drawn to be counted), as [`Figures::count`] gives it.
    pub fn count(&self) -> usize {
        for page in 0..self.counted.len() {
            if !self.counted[page].load(Ordering::Acquire) {
                self.draw(page);
            }
        }
        self.count.load(Ordering::Acquire)
    }

    /// Draw page `page`'s figures, counting them the first time.
    fn draw(&self, page: usize) -> Arc<[Figure]> {
        let v = page_figures(self.site, self.links, self.analyses, &self.wanted, page);
        let f = Figures::page(v);
        if !self.counted[page].swap(true, Ordering::AcqRel) {
            self.count.fetch_add(f.len(), Ordering::AcqRel);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example site's pages, links and analyses.
    fn example() -> (Site, Links, Analyses) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (sources, _) = crate::discover::discover(root);
        let (parsed, _) = crate::parse::parse(&sources);
        let (site, _) = crate::model::build(&parsed, &Default::default());
        let (links, _) = crate::link::link(&site);
        let (analyses, _) = crate::analyse::analyse(&site, &links);
        (site, links, analyses)
    }

    /// The figures' keys and SVG, to compare two lists of figures.
    fn drawn(figures: &[Figure]) -> Vec<(String, String)> {
        (figures.iter())
            .map(|f| (f.key.clone(), f.svg.clone()))
            .collect()
    }

    #[test]
    fn figures_drawn_on_demand_are_those_of_the_figures_stage() {
        let (site, links, analyses) = example();
        let all = super::super::figures(&site, &links, &analyses);
        assert!(all.count() > 5, "the example site has charts");
        let on_demand = OnDemand::new(&site, &links, &analyses);
        for i in 0..site.pages.len() {
            let first = on_demand.of(i);
            assert_eq!(drawn(&first), drawn(all.of(i)), "page {i}");
            // Kept until the page is rendered: the same list is given again.
            assert!(Arc::ptr_eq(&first, &on_demand.of(i)));
            on_demand.release(i);
            // Let go, then drawn again if asked for, still the same.
            let again = on_demand.of(i);
            assert!(!Arc::ptr_eq(&first, &again));
            assert_eq!(drawn(&again), drawn(all.of(i)), "page {i} again");
        }
        assert_eq!(on_demand.count(), all.count());
    }

    #[test]
    fn figures_never_asked_for_are_still_counted() {
        let (site, links, analyses) = example();
        let all = super::super::figures(&site, &links, &analyses);
        let on_demand = OnDemand::new(&site, &links, &analyses);
        let trial = (0..site.pages.len())
            .find(|&i| !all.of(i).is_empty())
            .unwrap();
        on_demand.of(trial);
        assert_eq!(on_demand.count(), all.count());
        // Counting draws none twice.
        assert_eq!(on_demand.count(), all.count());
    }
}
