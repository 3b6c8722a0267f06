//! Themes: which template and static file wins.
//!
//! Resolution order for each file name: the site's own `templates/<name>`,
//! then `themes/<config.theme>/templates/<name>` on disk, then the default
//! theme embedded in the binary by `build.rs`. Static files come from the
//! disk theme if it exists, else from the embedded one. Pure: works on the
//! files discover already read.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics};
use crate::discover::{FileKind, Sources};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));
}

/// The embedded default theme's files: (path relative to the theme folder, bytes).
pub fn default_theme_files() -> &'static [(&'static str, &'static [u8])] {
    embedded::DEFAULT_THEME
}

/// A resolved theme.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name (`trial.html`) → source text.
    pub templates: BTreeMap<String, String>,
    /// Static file path (`style.css`) → bytes, copied under `static/` in the output.
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// Assemble the theme named `name` from the sources and the embedded default.
pub fn resolve(sources: &Sources, name: &str) -> (Theme, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut theme = Theme::default();
    for (path, bytes) in default_theme_files() {
        add(
            &mut theme,
            path,
            bytes,
            "(embedded default theme)",
            &mut diags,
        );
    }
    let prefix = format!("themes/{name}/");
    let on_disk: Vec<_> = sources
        .of_kind(FileKind::ThemeFile)
        .filter(|f| f.rel_path.starts_with(&prefix))
        .collect();
    if name != "default" && on_disk.is_empty() {
        diags.push(
            Diagnostic::error(
                "content/_index.md",
                0,
                0,
                format!("there is no theme `{name}`"),
            )
            .with_hint(format!(
                "create themes/{name}/templates/, or remove `theme:` to use the default theme"
            )),
        );
    }
    if !on_disk.is_empty() {
        theme.statics.clear();
    }
    for f in on_disk {
        let rel = &f.rel_path[prefix.len()..];
        add(&mut theme, rel, &f.bytes, &f.rel_path, &mut diags);
    }
    for f in sources.of_kind(FileKind::SiteTemplate) {
        let rel = f.rel_path.strip_prefix("templates/").unwrap_or(&f.rel_path);
        add(
            &mut theme,
            &format!("templates/{rel}"),
            &f.bytes,
            &f.rel_path,
            &mut diags,
        );
    }
    (theme, diags)
}

fn add(theme: &mut Theme, rel: &str, bytes: &[u8], origin: &str, diags: &mut Diagnostics) {
    if let Some(t) = rel.strip_prefix("templates/") {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                theme.templates.insert(t.to_string(), s.to_string());
            }
            Err(_) => diags.push(Diagnostic::error(
                origin,
                0,
                0,
                "template is not valid UTF-8",
            )),
        }
    } else if let Some(s) = rel.strip_prefix("static/") {
        theme.statics.insert(s.to_string(), bytes.to_vec());
    }
}
