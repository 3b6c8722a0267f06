//! A drawn figure as the template sees it ([`FigureCtx`]): shared by the
//! trial and topic views and by charts placed in the prose.

use crate::figures::Figure;

use super::context::FigureCtx;

/// The template context of figure `f`.
pub(super) fn figure_ctx(f: &Figure) -> FigureCtx {
    FigureCtx {
        which: f.which.clone(),
        key: f.key.clone(),
        dom_id: format!("fig-{}-{}", f.page, f.key),
        title: f.title.clone(),
        svg: f.svg.clone(),
        table: f.table.clone(),
    }
}
