//! The per-document context of the model stage: the document being
//! validated, where its diagnostics go, and the site's HTML policy; with the
//! helpers every part of the model reports through (an error or warning at
//! a front-matter key, or at a CSV line).

use crate::diag::{Diagnostic, Diagnostics};
use crate::parse::front_matter::RawDate;
use crate::parse::ParsedDoc;

use super::{Date, MAX_PATIENTS_PER_ARM};

/// Per-document context: the document, where diagnostics go, and the
/// site's HTML policy.
pub(super) struct Cx<'a> {
    /// The document being validated.
    pub(super) doc: &'a ParsedDoc,
    /// Where its problems are reported.
    pub(super) diags: &'a mut Diagnostics,
    /// `unsafe_html: true` in `content/_index.md`: bodies keep raw HTML.
    pub(super) unsafe_html: bool,
    /// The lines of the document's YAML, split once for every key located.
    pub(super) lines: std::cell::OnceCell<Vec<crate::parse::locate::Line<'a>>>,
}

impl<'a> Cx<'a> {
    /// A context for `doc`, its problems going to `diags`.
    pub(super) fn new(doc: &'a ParsedDoc, diags: &'a mut Diagnostics, unsafe_html: bool) -> Self {
        Cx {
            doc,
            diags,
            unsafe_html,
            lines: std::cell::OnceCell::new(),
        }
    }
    /// File position (1-based line, column) of the front-matter key `path`
    /// ([`ParsedDoc::locate`]).
    pub(super) fn locate(&self, path: &str) -> (usize, usize) {
        let doc = self.doc;
        let lines = (self.lines).get_or_init(|| crate::parse::locate::lines(&doc.yaml));
        doc.locate_in(lines, path)
    }
    /// The document's body HTML under the site's policy: sanitised (see
    /// [`crate::sanitize::body`]) unless the site set `unsafe_html: true`
    /// or the body is only HTML pulldown-cmark wrote itself.
    pub(super) fn body_html(&self) -> String {
        self.body().to_string()
    }
    /// [`Cx::body_html`] as the page keeps it: for a body taken from the
    /// parse cache, applied only when render reads it
    /// ([`crate::parse::body::BodyHtml::with_policy`]).
    pub(super) fn body(&self) -> crate::parse::body::BodyHtml {
        body_under(self.doc, self.unsafe_html)
    }
    /// An error at `path` unless the URL there uses a safe scheme; returns
    /// the URL when it may be linked.
    pub(super) fn url(&mut self, path: &str, url: Option<&String>) -> Option<String> {
        let u = url?;
        match crate::sanitize::unsafe_url_scheme(u, crate::sanitize::FIELD_SCHEMES) {
            None => Some(u.clone()),
            Some(scheme) => {
                let d = self.error(
                    path,
                    format!("`{scheme}:` URLs are not allowed: only http and https addresses (or a path on this site) are linked"),
                );
                hint(
                    d,
                    "a link with another scheme could run a script in the reader's browser",
                );
                None
            }
        }
    }
    /// An error at the front-matter key `path` (dotted, `trial.arms[0].n`).
    pub(super) fn error(&mut self, path: &str, msg: impl Into<String>) -> &mut Diagnostic {
        let (l, c) = self.locate(path);
        self.diags
            .push(Diagnostic::error(&self.doc.rel_path, l, c, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
    /// A warning at the front-matter key `path`.
    pub(super) fn warn(&mut self, path: &str, msg: impl Into<String>) -> &mut Diagnostic {
        let (l, c) = self.locate(path);
        self.diags
            .push(Diagnostic::warning(&self.doc.rel_path, l, c, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
    /// The date at `path`, or an error there when it is not a real date.
    pub(super) fn date(&mut self, path: &str, d: &Option<RawDate>) -> Option<Date> {
        let d = d.as_ref()?;
        match Date::parse(&d.0) {
            Ok(v) => Some(v),
            Err(m) => {
                self.error(path, m);
                None
            }
        }
    }
}

/// Set the hint of a diagnostic just reported.
pub(super) fn hint(d: &mut Diagnostic, h: impl Into<String>) {
    d.hint = Some(h.into());
}

/// Report a problem either in front matter (by path) or in a CSV (by line).
pub(super) fn at<'c>(
    cx: &'c mut Cx,
    csv: Option<&str>,
    line: usize,
    path: &str,
    msg: String,
    warning: bool,
) -> &'c mut Diagnostic {
    match csv {
        Some(file) => {
            let d = if warning {
                Diagnostic::warning(file, line, 1, msg)
            } else {
                Diagnostic::error(file, line, 1, msg)
            };
            cx.diags.push(d);
            cx.diags.0.last_mut().expect("just pushed")
        }
        None if warning => cx.warn(path, msg),
        None => cx.error(path, msg),
    }
}

/// Report (and return true) when `n` patients in one arm is past
/// [`MAX_PATIENTS_PER_ARM`].
pub(super) fn too_many(cx: &mut Cx, csv: Option<&str>, line: usize, path: &str, n: u64) -> bool {
    if n <= MAX_PATIENTS_PER_ARM {
        return false;
    }
    let shown = if n == u64::MAX {
        "more than 9223372036854775807".to_string()
    } else {
        n.to_string()
    };
    let d = at(
        cx,
        csv,
        line,
        path,
        format!("{shown} patients in one arm: the limit is {MAX_PATIENTS_PER_ARM}"),
        false,
    );
    hint(d, "check the number for a typing slip");
    true
}

/// The body HTML of `doc` as its page keeps it under the site's HTML
/// policy (`unsafe_html`): see [`Cx::body`].
pub(super) fn body_under(doc: &ParsedDoc, unsafe_html: bool) -> crate::parse::body::BodyHtml {
    let b = &doc.body;
    let sanitise = !unsafe_html && b.needs_sanitising;
    b.html.with_policy(sanitise, b.shortcodes.len())
}
