//! The figure store: every drawn chart of the site, by page and by
//! [`FigureKey`], so render finds a figure without building a string; and
//! [`FigureRef`], one figure held by its page's shared list, which is how
//! render holds a figure whether it came from the store or was drawn for
//! the page being rendered ([`super::OnDemand`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::chart::DataTable;
use crate::link::FigureKey;

/// A drawn chart with its data table.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Id of the page the figure belongs to.
    pub page: String,
    /// Which figure of its page it is.
    pub which: FigureKey,
    /// Its name within its page (`forest-ratio`, `rates`,
    /// `pooled-mortality`): [`FigureKey::key`], built once when drawn, for
    /// element ids and templates.
    pub key: String,
    /// Title.
    pub title: String,
    /// The chart's one SVG, for every screen width (see [`crate::chart`]).
    pub svg: String,
    /// The data as a table.
    pub table: DataTable,
}

/// All figures, by page index, each page's sorted by [`FigureKey`] (a page
/// has a handful: a sorted list is a map that also gives them in order).
#[derive(Debug, Clone, Default)]
pub struct Figures(BTreeMap<usize, Arc<[Figure]>>);

impl Figures {
    /// The store of these pages' figures, each page's in any order.
    pub fn new(pages: impl IntoIterator<Item = (usize, Vec<Figure>)>) -> Figures {
        Figures::shared(pages.into_iter().map(|(i, v)| (i, Figures::page(v))))
    }

    /// One page's figures as the store keeps them (sorted, shared), so an
    /// incremental build can keep them from one build to the next.
    pub fn page(mut v: Vec<Figure>) -> Arc<[Figure]> {
        v.sort_by(|a, b| a.which.cmp(&b.which));
        v.dedup_by(|a, b| a.which == b.which);
        Arc::from(v)
    }

    /// The store of pages' figures made by [`Figures::page`].
    pub fn shared(pages: impl IntoIterator<Item = (usize, Arc<[Figure]>)>) -> Figures {
        Figures(pages.into_iter().filter(|(_, v)| !v.is_empty()).collect())
    }

    /// All figures of a page, in [`FigureKey`] order.
    pub fn of(&self, page: usize) -> &[Figure] {
        self.0.get(&page).map(|v| &v[..]).unwrap_or(&[])
    }

    /// All figures of a page as the store shares them (an empty list for
    /// a page without figures).
    pub fn shared_of(&self, page: usize) -> Arc<[Figure]> {
        self.0.get(&page).map_or_else(|| Arc::from([]), Arc::clone)
    }

    /// Total number of figures.
    pub fn count(&self) -> usize {
        self.0.values().map(|v| v.len()).sum()
    }
}

/// One figure of a page, holding the page's figures (as
/// [`Figures::shared_of`] gives them) so that it stays valid after a
/// drawer that made them lets them go ([`super::OnDemand::release`]).
#[derive(Debug, Clone)]
pub struct FigureRef {
    figures: Arc<[Figure]>,
    at: usize,
}

impl FigureRef {
    /// The figure `key` among a page's `figures`.
    pub fn find(figures: Arc<[Figure]>, key: impl FigureLookup) -> Option<FigureRef> {
        let at = key.position(&figures)?;
        Some(FigureRef { figures, at })
    }
}

impl std::ops::Deref for FigureRef {
    type Target = Figure;
    fn deref(&self) -> &Figure {
        &self.figures[self.at]
    }
}

/// What [`FigureRef::find`] finds a figure by, among one page's figures.
pub trait FigureLookup: Sized {
    /// Where the figure is among `figures` (sorted by [`FigureKey`]).
    fn position(self, figures: &[Figure]) -> Option<usize>;
}

impl FigureLookup for &FigureKey {
    fn position(self, figures: &[Figure]) -> Option<usize> {
        figures.binary_search_by(|f| f.which.cmp(self)).ok()
    }
}

/// By name (`"pooled-mortality"`): a scan comparing names, for callers
/// that have not moved to [`FigureKey`].
impl FigureLookup for &str {
    fn position(self, figures: &[Figure]) -> Option<usize> {
        figures.iter().position(|f| f.key == self)
    }
}

/// By name, as `&str`.
impl FigureLookup for &String {
    fn position(self, figures: &[Figure]) -> Option<usize> {
        FigureLookup::position(self.as_str(), figures)
    }
}
