//! A drawn figure as the template sees it ([`FigureCtx`]): shared by the
//! trial and topic views and by charts placed in the prose.

use crate::figures::Figure;

use super::context::FigureCtx;

/// The template context of figure `f`.
pub(super) fn figure_ctx(f: &Figure) -> FigureCtx {
    FigureCtx {
        key: f.key.clone(),
        dom_id: format!("fig-{}-{}", f.page, f.key),
        title: f.title.clone(),
        wide_svg: f.wide.clone(),
        compact_svg: f.compact.clone(),
        table: f.table.clone(),
    }
}
