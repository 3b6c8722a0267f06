//! Sanitise: what content may put into a page.
//!
//! This module owns the site's HTML safety policy, so that every other stage
//! can treat a page body as trusted once it has been through here:
//!
//! - [`body`] cleans the HTML that pulldown-cmark rendered from a Markdown
//!   body (raw HTML written by the author included) with the `ammonia`
//!   sanitiser: no `<script>`, `<iframe>`, `<object>`, `<form>`, `<svg>`,
//!   `<meta>`, `<base>` or `<style>`, no event-handler attributes, no `style`
//!   attribute (except the `text-align` pulldown-cmark puts on table cells),
//!   and no link or image whose URL uses a scheme other than the usual web
//!   ones (`javascript:`, `vbscript:`, `data:` are dropped however they are
//!   spelled or encoded: the HTML is parsed, entities decoded and the URL
//!   normalised before its scheme is checked). What authors write stays:
//!   tables, footnotes, task lists, `<details>`/`<summary>`, `<sup>`/`<sub>`,
//!   heading ids, classes, and the chart shortcode markers.
//! - [`unsafe_url_scheme`] is the check for URLs written in front matter
//!   (`publication.url`, a registration's `url`, `base_url`): the model stage
//!   makes an unsafe one an error at its line.
//! - [`strip_nul`] removes NUL characters, which never reach any output.
//! - [`safe_body_url`] is the body's URL rule, for the Markdown renderer:
//!   a body without raw HTML, heading attributes or an unsafe link URL is
//!   made only of HTML pulldown-cmark wrote and escaped, so it skips the
//!   sanitiser (the parse stage says which bodies need it; most do not,
//!   and cleaning every page cost about a fifth of a 10,000-page build).
//!
//! `unsafe_html: true` in `content/_index.md` turns [`body`] off for the whole
//! site (the model stage decides); the front-matter URL check and the NUL rule
//! stay on whatever the setting.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::parse::markdown::marker;

/// The element that stands in for a shortcode marker while the body is
/// cleaned (the sanitiser drops comments, and the markers are comments).
const PLACEHOLDER: &str = "appraise-shortcode";

/// URL schemes a link or image in a body may use. Anything else (including
/// `javascript:`, `vbscript:`, `data:` and `file:`) is dropped. URLs without
/// a scheme (`/about/`, `#results`, `@/trials/leopards`, `figure.png`) stay.
const BODY_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "ftp", "ftps"];

/// URL schemes a front-matter URL field may use.
pub const FIELD_SCHEMES: &[&str] = &["http", "https"];

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(BODY_SCHEMES.iter().copied().collect())
            // Keep the links as written: no rel="noopener noreferrer" added.
            .link_rel(None)
            // Ids (headings, footnotes) and classes (code languages, footnote
            // and theme classes) on any element.
            .add_generic_attributes(["id", "class"])
            // Task lists (`- [x] done`) are disabled checkboxes.
            .add_tags(["input", "section", PLACEHOLDER])
            .add_tag_attributes("input", ["checked", "disabled"])
            .add_tag_attribute_values("input", "type", ["checkbox"])
            .set_tag_attribute_value("input", "disabled", "")
            .add_tag_attributes(PLACEHOLDER, ["n"])
            .add_tag_attributes("details", ["open"])
            // Table column alignment, as pulldown-cmark writes it.
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .attribute_filter(|element, attribute, value| match attribute {
                "style" => text_align(element, value).map(Cow::Borrowed),
                _ => Some(value.into()),
            });
        b
    })
}

/// `style="text-align: left|center|right"` on a table cell, nothing else.
fn text_align<'v>(element: &str, value: &'v str) -> Option<&'v str> {
    if element != "th" && element != "td" {
        return None;
    }
    let v = value.trim().trim_end_matches(';');
    let (prop, val) = v.split_once(':')?;
    let ok = prop.trim().eq_ignore_ascii_case("text-align")
        && ["left", "center", "right"]
            .iter()
            .any(|a| val.trim().eq_ignore_ascii_case(a));
    ok.then_some(value)
}

/// Whether a link or image URL written in Markdown may stay as it is under
/// the body policy (an allowed scheme, or none).
pub fn safe_body_url(url: &str) -> bool {
    unsafe_url_scheme(url, BODY_SCHEMES).is_none()
}

/// Clean a rendered body. Shortcode markers (`<!--appraise:shortcode:N-->`,
/// `n` of them) survive in place; everything unsafe is removed.
pub fn body(html: &str, shortcodes: usize) -> String {
    let mut src = strip_nul(html).into_owned();
    for n in 0..shortcodes {
        src = src.replacen(
            &marker(n),
            &format!("<{PLACEHOLDER} n=\"{n}\"></{PLACEHOLDER}>"),
            1,
        );
    }
    let mut out = cleaner().clean(&src).to_string();
    for n in 0..shortcodes {
        out = out.replacen(
            &format!("<{PLACEHOLDER} n=\"{n}\"></{PLACEHOLDER}>"),
            &marker(n),
            1,
        );
    }
    // A placeholder the author wrote is not one of ours: drop it.
    if out.contains(PLACEHOLDER) {
        out = remove_placeholders(&out);
    }
    out
}

/// Remove every `<appraise-shortcode …>` / `</appraise-shortcode>` tag left
/// in sanitised HTML (the sanitiser wrote them, so they are well formed).
fn remove_placeholders(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let open = rest.find(&format!("<{PLACEHOLDER}"));
        let close = rest.find(&format!("</{PLACEHOLDER}>"));
        let at = match (open, close) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `s` without NUL characters (borrowed when there is none).
pub fn strip_nul(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', ""))
    } else {
        Cow::Borrowed(s)
    }
}

/// Remove NUL from a rendered file: raw NUL bytes from HTML and XML, and
/// `\u0000` escapes from JSON, the web app manifest's too (serde_json
/// writes a NUL in a string that way). A PNG (a social image) is binary
/// and kept as it is: its text was escaped before it was drawn.
pub fn strip_nul_output(path: &str, bytes: &mut Vec<u8>) {
    if path.ends_with(".png") {
        return;
    }
    if path.ends_with(".json") || path.ends_with(".webmanifest") {
        if memchr::memmem::find(bytes, b"\\u0000").is_some() {
            *bytes = strip_json_nul(&String::from_utf8_lossy(bytes)).into_bytes();
        }
    } else if bytes.contains(&0) {
        bytes.retain(|&b| b != 0);
    }
}

/// JSON text without `\u0000` escapes (an escaped backslash followed by
/// `u0000`, i.e. the text `\\u0000`, is kept).
pub fn strip_json_nul(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("\\u0000") {
            rest = after;
        } else {
            // Any other escape: copy the backslash and the escaped character.
            let n = 1 + tail[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&tail[..n]);
            rest = &tail[n..];
        }
    }
    out.push_str(rest);
    out
}

/// The scheme of `url` when it is not one of `allowed`, lower-cased as a
/// browser would read it; `None` for a safe URL (an allowed scheme, or no
/// scheme at all: a path, `#fragment` or `//host/…`).
///
/// The URL is read the way a browser reads an `href` after HTML parsing:
/// character references are decoded (`&#106;avascript:`, `&colon;`),
/// leading spaces and control characters are skipped, and tabs and line
/// breaks inside the URL are ignored (`java\tscript:`).
pub fn unsafe_url_scheme(url: &str, allowed: &[&str]) -> Option<String> {
    let decoded = decode_references(url);
    let mut scheme = String::new();
    for c in decoded.chars() {
        if c == '\t' || c == '\n' || c == '\r' {
            continue;
        }
        if scheme.is_empty() && (c <= ' ' || c == '\u{feff}') {
            continue;
        }
        if c == ':' {
            let ok = scheme
                .chars()
                .next()
                .is_some_and(|f| f.is_ascii_alphabetic());
            if !ok {
                return None;
            }
            return (!allowed.contains(&scheme.as_str())).then_some(scheme);
        }
        if c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.' {
            scheme.push(c.to_ascii_lowercase());
        } else {
            // `/`, `?`, `#`, `@` … before any colon: no scheme.
            return None;
        }
    }
    None
}

/// Decode HTML character references (`&#106;`, `&#x6A;`, and the named ones
/// that matter for a scheme: `&colon;`, `&Tab;`, `&NewLine;`, `&amp;`), with
/// or without the closing semicolon, as a browser does in an attribute.
fn decode_references(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let (c, used) = reference(tail);
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference starting `tail` (after the `&`) stands for,
/// and how many bytes of `tail` it used.
fn reference(tail: &str) -> (Option<char>, usize) {
    let semi = |n: usize| n + usize::from(tail[n..].starts_with(';'));
    if let Some(num) = tail.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let len = digits
            .chars()
            .take_while(|c| {
                if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if len == 0 {
            return (None, 0);
        }
        let v = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).unwrap_or(0xFFFD);
        let c = char::from_u32(v).unwrap_or('\u{FFFD}');
        return (Some(c), semi(1 + usize::from(hex) + len));
    }
    for (name, c) in [
        ("colon", ':'),
        ("Tab", '\t'),
        ("NewLine", '\n'),
        ("amp", '&'),
        ("AMP", '&'),
    ] {
        if tail.starts_with(name) {
            return (Some(c), semi(name.len()));
        }
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_found_however_they_are_spelled() {
        let a = FIELD_SCHEMES;
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript:alert(1)",
            "&#0000106avascript:alert(1)",
            "javascript&colon;alert(1)",
            "jav&Tab;ascript:alert(1)",
        ] {
            assert_eq!(
                unsafe_url_scheme(url, a).as_deref(),
                Some("javascript"),
                "{url:?}"
            );
        }
        assert_eq!(
            unsafe_url_scheme("VBScript:msgbox", a).as_deref(),
            Some("vbscript")
        );
        assert_eq!(
            unsafe_url_scheme("data:text/html,<script>", a).as_deref(),
            Some("data")
        );
        for url in [
            "https://doi.org/10.1056/NEJMoa1609409",
            "HTTP://example.org",
            "/papers/a.pdf",
            "papers/a.pdf",
            "#results",
            "//example.org/x",
            "?a=b:c",
            "a/b:c",
            "",
        ] {
            assert_eq!(unsafe_url_scheme(url, a), None, "{url:?}");
        }
    }

    #[test]
    fn markers_survive_and_scripts_do_not() {
        let html = format!(
            "<p>a</p>\n{}\n<script>alert(1)</script><p onclick=\"x()\">b</p>{}",
            marker(0),
            marker(1)
        );
        let out = body(&html, 2);
        assert_eq!(
            out,
            format!("<p>a</p>\n{}\n<p>b</p>{}", marker(0), marker(1))
        );
    }

    #[test]
    fn a_written_placeholder_is_dropped() {
        let out = body("<appraise-shortcode n=\"0\">x</appraise-shortcode>", 0);
        assert_eq!(out, "x");
        let out = body(
            &format!(
                "{}<appraise-shortcode n=\"0\"></appraise-shortcode>",
                marker(0)
            ),
            1,
        );
        assert_eq!(out, marker(0));
    }

    #[test]
    fn table_alignment_stays_and_other_styles_go() {
        let out = body(
            "<table><tr><th style=\"text-align: center\">a</th><td style=\"color: red\">b</td></tr></table><p style=\"text-align: center\">c</p>",
            0,
        );
        assert!(
            out.contains("<th style=\"text-align: center\">a</th>"),
            "{out}"
        );
        assert!(out.contains("<td>b</td>"), "{out}");
        assert!(out.contains("<p>c</p>"), "{out}");
    }

    #[test]
    fn nul_is_removed_from_rendered_files() {
        let mut html = b"<p>a\0b</p>".to_vec();
        strip_nul_output("index.html", &mut html);
        assert_eq!(html, b"<p>ab</p>");
        let mut json = br#"{"t":"a\u0000b","u":"c\\u0000d"}"#.to_vec();
        strip_nul_output("index.json", &mut json);
        assert_eq!(json, br#"{"t":"ab","u":"c\\u0000d"}"#);
    }

    #[test]
    fn nul_is_removed() {
        assert_eq!(strip_nul("a\0b"), "ab");
        assert!(matches!(strip_nul("ab"), Cow::Borrowed(_)));
        assert_eq!(body("<p>a\0b</p>", 0), "<p>ab</p>");
    }
}
