//! Low-level SVG writing helpers shared by every chart: escaping, fixed-precision
//! number formatting, font-independent text-width estimation, truncation and
//! wrapping, id sanitising and the common `<svg>` wrapper.
//!
//! Everything here is deterministic: numbers are printed with one decimal
//! (`{:.1}`), never with Rust's shortest-round-trip float formatting, and no
//! hash maps are iterated.

use std::fmt::Write as _;

/// Generic font stack; text is laid out by the browser, never by us.
pub(crate) const FONT_FAMILY: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/// Accent colours used as presentation attributes (overridable by CSS classes).
/// Blue / orange / green / purple: distinguishable with the common colour-vision
/// deficiencies and at least 3:1 against both white and near-black backgrounds.
pub(crate) const PALETTE: [&str; 4] = ["#3b6ea8", "#c0622b", "#4f8a34", "#8a5aa8"];

/// Append `s` to `out`, escaping `& < > " '` and dropping characters that are
/// not allowed in XML 1.0 (C0 controls other than tab/newline, lone
/// surrogates cannot occur in `str`, U+FFFE/U+FFFF). Newlines and tabs become
/// spaces because SVG `<text>` does not wrap.
pub(crate) fn push_esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// A coordinate/length formatter with exactly one decimal. Non-finite values
/// become `0.0` and negative zero prints as `0.0`, so output never contains
/// `NaN`, `inf` or `-0.0`.
#[derive(Clone, Copy)]
pub(crate) struct N(pub(crate) f64);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut v = if self.0.is_finite() { self.0 } else { 0.0 };
        // Clamp to a sane range so a pathological value cannot produce a
        // 300-digit number.
        v = v.clamp(-1.0e7, 1.0e7);
        // Whole tenths as an integer: exact, fast (no float formatting
        // machinery on the hot path of 20,000 charts), and -0.04 prints as
        // 0.0, not -0.0.
        let tenths = (v * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let t = tenths.unsigned_abs();
        write!(f, "{sign}{}.{}", t / 10, t % 10)
    }
}

/// Estimated advance width of one character, in em. A coarse table modelled
/// on wide sans-serif fonts (DejaVu Sans, Verdana-like) so that narrower
/// system fonts only leave a little slack; counts characters, not bytes, so non-ASCII text
/// is not over-estimated. Wide (CJK, emoji) characters count as 1 em and
/// combining marks as 0.
fn char_em(c: char) -> f64 {
    match c {
        ' ' => 0.32,
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' | '`' => 0.3,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '{' | '}' | '/' | '\\' | '-' | '"' => 0.4,
        '0'..='9' => 0.62,
        'm' | 'w' => 0.97,
        'M' | 'W' | '%' | '@' | '—' => 0.95,
        '←' | '→' | '↑' | '↓' | '∞' | '≥' | '≤' | '±' => 0.84,
        'A'..='Z' => 0.72,
        'a'..='z' => 0.62,
        '\u{0300}'..='\u{036f}' | '\u{200b}'..='\u{200f}' => 0.0,
        c if (c as u32) >= 0x1100 && is_wide(c) => 1.0,
        _ => 0.6,
    }
}

/// East-Asian wide and emoji ranges (approximate).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd)
}

/// Width factor of bold text.
const BOLD: f64 = 1.1;

/// Estimated rendered width of `s` at `font_size` user units.
pub(crate) fn text_width(s: &str, font_size: f64, bold: bool) -> f64 {
    let em: f64 = s.chars().map(char_em).sum::<f64>();
    em * em_size(font_size, bold)
}

/// Width of one em of [`char_em`]'s table at `font_size`, with a 4% safety
/// margin: DejaVu Sans (the widest common fallback) runs slightly wider than
/// the table on long strings.
fn em_size(font_size: f64, bold: bool) -> f64 {
    font_size * 1.04 * if bold { BOLD } else { 1.0 }
}

/// Shorten `s` with a trailing ellipsis so that it fits in `max_w`.
/// Control characters are turned into spaces first (escaping happens later).
pub(crate) fn fit(s: &str, max_w: f64, font_size: f64, bold: bool) -> String {
    let s = s.trim();
    if text_width(s, font_size, bold) <= max_w {
        return s.to_string();
    }
    let scale = em_size(font_size, bold);
    let budget = max_w - char_em('…') * scale;
    let mut w = 0.0;
    let mut out = String::new();
    for c in s.chars() {
        let cw = char_em(c) * scale;
        if w + cw > budget {
            break;
        }
        w += cw;
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Greedy word wrap into lines no wider than `max_w`; at most `max_lines`
/// lines, the last one ending in an ellipsis when text was cut. Single words
/// longer than a line are shortened with an ellipsis.
pub(crate) fn wrap(
    s: &str,
    max_w: f64,
    font_size: f64,
    bold: bool,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut truncated = false;
    for word in s.split_whitespace() {
        if cur.is_empty() {
            cur.push_str(word);
            continue;
        }
        let len = cur.len();
        cur.push(' ');
        cur.push_str(word);
        // Measure the joined line as a whole: the same sum a caller used to
        // size a column for it, so a label that fits is never split.
        if text_width(&cur, font_size, bold) > max_w {
            cur.truncate(len);
            lines.push(std::mem::take(&mut cur));
            if lines.len() >= max_lines {
                truncated = true;
                break;
            }
            cur.push_str(word);
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    let n = lines.len();
    for (i, l) in lines.iter_mut().enumerate() {
        if truncated && i + 1 == n {
            let ell = char_em('…') * em_size(font_size, bold);
            let mut t = fit(l, max_w - ell, font_size, bold);
            if !t.ends_with('…') {
                t.push('…');
            }
            *l = t;
        } else if text_width(l, font_size, bold) > max_w {
            *l = fit(l, max_w, font_size, bold);
        }
    }
    lines
}

/// Turn a caller-supplied id into a valid, unique-looking XML id.
/// Falls back to a hash of `seed` when `id` has no usable characters.
pub(crate) fn make_id(id: &str, kind: &str, seed: &str) -> String {
    let mut out = String::from("ap-");
    for c in id.chars().take(64) {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    if out.len() <= 3 || out == "ap--" {
        // FNV-1a 64: deterministic across runs and platforms.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in kind.bytes().chain(seed.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out = format!("ap-{kind}-{h:016x}");
    }
    out
}

/// Format a number for axis labels with a fixed number of decimals and a
/// typographic minus sign.
pub(crate) fn fmt_num(v: f64, decimals: usize) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{:.*}", decimals, v.abs());
    let is_zero = s.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !is_zero {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// Incrementally built SVG document with the accessibility wrapper every chart
/// shares (`role="img"`, `<title>`/`<desc>` referenced by `aria-labelledby`,
/// `viewBox` only, no fixed pixel size).
///
/// plotters' `SVGBackend` cannot emit any of these (it writes fixed
/// `width`/`height`, no classes, no ARIA, no `<title>`), so the document shell
/// is always written by hand.
pub(crate) struct Svg {
    pub(crate) body: String,
}

impl Svg {
    /// Start an empty drawing body.
    pub(crate) fn new() -> Self {
        Svg {
            body: String::with_capacity(8192),
        }
    }

    /// Left/centre/right aligned text. `class` may be empty.
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: Anchor, class: &str, s: &str) {
        let b = &mut self.body;
        let _ = write!(b, "<text x=\"{}\" y=\"{}\"", N(x), N(y));
        match anchor {
            Anchor::Start => {}
            Anchor::Middle => b.push_str(" text-anchor=\"middle\""),
            Anchor::End => b.push_str(" text-anchor=\"end\""),
        }
        if !class.is_empty() {
            let _ = write!(b, " class=\"{class}\"");
            // Weight and opacity as presentation attributes (the theme may
            // override them). Sizes as inline style: the layout's text-width
            // estimates assume them, and a page rule for a generic class such
            // as `.small` must not resize chart text and make it overrun.
            for c in class.split(' ') {
                match c {
                    "bold" => b.push_str(" font-weight=\"bold\""),
                    "chart-title" => b.push_str(" style=\"font-size:15px\""),
                    "small" => b.push_str(" style=\"font-size:12px\""),
                    "muted" => b.push_str(" fill-opacity=\"0.75\""),
                    _ => {}
                }
            }
        }
        b.push('>');
        push_esc(b, s);
        b.push_str("</text>\n");
    }

    /// A straight line with `stroke="currentColor"`.
    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{class}\" stroke=\"currentColor\"{extra}/>",
            N(x1),
            N(y1),
            N(x2),
            N(y2)
        );
    }

    /// Wrap the body into a complete `<svg>` element.
    pub(crate) fn finish(
        self,
        id: &str,
        classes: &str,
        w: f64,
        h: f64,
        title: &str,
        desc: &str,
    ) -> String {
        let mut out = String::with_capacity(self.body.len() + 600);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" class=\"ap-chart {classes}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{FONT_FAMILY}\" style=\"font-size:13px\" fill=\"currentColor\">",
            N(w),
            N(h)
        );
        let _ = write!(out, "<title id=\"{id}-title\">");
        push_esc(
            &mut out,
            if title.trim().is_empty() {
                "Chart"
            } else {
                title.trim()
            },
        );
        let _ = write!(out, "</title>\n<desc id=\"{id}-desc\">");
        push_esc(&mut out, desc.trim());
        out.push_str("</desc>\n");
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// Append a `<polygon>` to `out`.
pub(crate) fn polygon(out: &mut String, pts: &[(f64, f64)], class: &str, extra: &str) {
    out.push_str("<polygon points=\"");
    for (i, (x, y)) in pts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{},{}", N(*x), N(*y));
    }
    let _ = writeln!(out, "\" class=\"{class}\"{extra}/>");
}

/// Horizontal text anchor.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `text-anchor="start"` (the default, attribute omitted).
    Start,
    /// `text-anchor="middle"`.
    Middle,
    /// `text-anchor="end"`.
    End,
}

/// A small, valid SVG that says "No data" (used for degenerate specs).
pub(crate) fn no_data(id: &str, classes: &str, title: &str, desc: &str) -> String {
    let w = super::WIDTH;
    let mut svg = Svg::new();
    let t = fit(title, w - 16.0, 15.0, true);
    let mut y = 8.0;
    if !t.is_empty() {
        y += 16.0;
        svg.text(8.0, y, Anchor::Start, "chart-title bold", &t);
    }
    y += 30.0;
    svg.text(w / 2.0, y, Anchor::Middle, "no-data", "No data");
    let desc = if desc.trim().is_empty() {
        "No data available for this chart.".to_string()
    } else {
        format!("{} No data available for this chart.", desc.trim())
    };
    svg.finish(
        id,
        &format!("{classes} ap-chart--empty"),
        w,
        y + 16.0,
        title,
        &desc,
    )
}
