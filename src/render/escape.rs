//! The HTML escaping of every value a template prints without `| safe`
//! (and of the text render writes itself, [`super::html::esc`]):
//! `&`, `<`, `>`, `"` and `'` become `&amp;`, `&lt;`, `&gt;`, `&quot;` and
//! `&#39;`, the same bytes as Tera's own escaping (so a theme's single-quoted
//! attribute stays closed too).
//!
//! Written here rather than taken from a crate because none in the tree
//! gives these exact bytes: Tera's default writes each byte of the text
//! through its `dyn Write` one call at a time (5–6% of a full build's CPU at
//! 10,000 pages), its `fast_escape` feature (pulldown-cmark-escape) leaves
//! `'` as it is, and ammonia's `clean_text` also escapes spaces and `=`. This
//! one writes each run of plain bytes in one call.

use std::io::Write;

/// Escape `input` for HTML text and attribute values into `out`.
pub(super) fn html(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let bytes = input.as_bytes();
    let mut plain = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[plain..i])?;
        out.write_all(entity)?;
        plain = i + 1;
    }
    out.write_all(&bytes[plain..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str, f: fn(&str, &mut dyn Write) -> std::io::Result<()>) -> Vec<u8> {
        let mut out = Vec::new();
        f(s, &mut out).unwrap();
        out
    }

    #[test]
    fn gives_the_same_bytes_as_teras_own_escaping() {
        for s in [
            "",
            "plain text, no entities",
            "Fisher's exact test",
            "<script>alert(\"x\")</script> & 'more'",
            "&&<<>>\"\"''",
            "β-blockers · 95% CI −0.07 to 1.29 <",
            "'",
            "tail &",
        ] {
            assert_eq!(escaped(s, html), escaped(s, tera::escape_html), "{s}");
        }
    }
}
