//! Low-level SVG writing helpers shared by every chart: escaping, fixed-precision
//! number formatting, font-independent text-width estimation, truncation and
//! wrapping, id sanitising and the common `<svg>` wrapper.
//!
//! Everything here is deterministic: numbers are rounded to one decimal and
//! printed with the fewest characters that keep that value (`8`, `.5`,
//! `43.3`), never with Rust's shortest-round-trip float formatting, and no
//! hash maps are iterated.
//!
//! To keep charts small, [`Svg`] writes no whitespace between elements,
//! gathers consecutive lines drawn with the same attributes into one
//! `<path>` (a sub-path per line, with relative commands where shorter), and
//! wraps consecutive text (or other shapes) sharing their attributes in one
//! `<g>` that carries those attributes once. Drawing order is unchanged.

use std::fmt::Write as _;

/// Generic font stack; text is laid out by the browser, never by us.
pub(crate) const FONT_FAMILY: &str =
    "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif";

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

/// A coordinate/length formatter: rounded to one decimal and printed as
/// briefly as that value allows (`8`, `.5`, `-2.5`, `43.3`). Non-finite
/// values become `0` and negative zero prints as `0`, so output never
/// contains `NaN`, `inf` or `-0`.
#[derive(Clone, Copy)]
pub(crate) struct N(pub(crate) f64);

impl N {
    /// The value in whole tenths, clamped to a sane range so a
    /// pathological value cannot produce a 300-digit number.
    fn tenths(self) -> i64 {
        let v = if self.0.is_finite() { self.0 } else { 0.0 };
        (v.clamp(-1.0e7, 1.0e7) * 10.0).round() as i64
    }
}

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Tenths(self.tenths()).fmt(f)
    }
}

/// A number given in whole tenths, printed as [`N`] prints it. Integer
/// arithmetic on tenths keeps relative path commands exact: a relative
/// step lands on the same tenth as the absolute coordinate it replaces.
#[derive(Clone, Copy)]
struct Tenths(i64);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        push_tenths(f, self.0)
    }
}

/// Append `t` tenths as `8`, `.5`, `-2.5`, `43.3`: integer formatting
/// (exact, and no float formatting machinery on the hot path of 20,000
/// charts; `itoa` for the whole part), so -0.04 prints as 0. The one home
/// of this rule: [`Tenths`]' `Display` and the path data both write here.
fn push_tenths(w: &mut impl std::fmt::Write, t: i64) -> std::fmt::Result {
    if t < 0 {
        w.write_char('-')?;
    }
    let t = t.unsigned_abs();
    let (whole, tenth) = (t / 10, t % 10);
    if whole > 0 || tenth == 0 {
        w.write_str(itoa::Buffer::new().format(whole))?;
    }
    if tenth > 0 {
        w.write_char('.')?;
        w.write_char((b'0' + tenth as u8) as char)?;
    }
    Ok(())
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
    // The em sum of `cur`, carried from word to word. Its additions come in
    // the order `text_width` makes them over the joined line, so the sum is
    // the same to the last bit: the one a caller used to size a column,
    // and a label that fits is never split. (Summing each joined line
    // again was quadratic in a footnote's words.)
    let em = |w: &str, from: f64| w.chars().fold(from, |a, c| a + char_em(c));
    let scale = em_size(font_size, bold);
    let mut cur_em = 0.0;
    let mut truncated = false;
    for word in s.split_whitespace() {
        if cur.is_empty() {
            cur.push_str(word);
            cur_em = em(word, -0.0);
            continue;
        }
        let joined = em(word, cur_em + char_em(' '));
        if joined * scale > max_w {
            lines.push(std::mem::take(&mut cur));
            if lines.len() >= max_lines {
                truncated = true;
                break;
            }
            cur.push_str(word);
            cur_em = em(word, -0.0);
        } else {
            cur.push(' ');
            cur.push_str(word);
            cur_em = joined;
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
///
/// Elements are written through a pending *run*: consecutive lines with the
/// same attributes become one `<path>`, consecutive texts or shapes with the
/// same attributes share one `<g>`. [`Svg::raw`] ends the run before
/// anything is written directly.
pub(crate) struct Svg {
    body: String,
    run: Run,
    /// Scratch room for one element's attributes and coordinates, reused
    /// from call to call (20,000 charts draw a few hundred elements each).
    scratch: (String, String),
}

/// What [`Svg`] is gathering and has not written yet.
enum Run {
    /// Nothing pending.
    None,
    /// Sub-paths of one `<path>` with attributes `attrs`; `at` is the
    /// current point in tenths, for relative commands.
    Path {
        attrs: String,
        d: String,
        at: (i64, i64),
    },
    /// `n` elements sharing the attributes `attrs`, written without them.
    Group {
        attrs: String,
        items: String,
        n: usize,
    },
}

/// The shortest of an absolute and a relative path command: `abs`/`rel`
/// with `to` (absolute, in tenths) or `to - from`. Both are written into
/// `d` and the longer is cut off again (no allocation on this hot path).
fn push_cmd(d: &mut String, abs: char, rel: char, from: &[i64], to: &[i64]) {
    let start = d.len();
    d.push(abs);
    for (i, &t) in to.iter().enumerate() {
        push_num(d, i > 0, t);
    }
    let mid = d.len();
    d.push(rel);
    for (i, (&f, &t)) in from.iter().zip(to).enumerate() {
        push_num(d, i > 0, t - f);
    }
    if d.len() - mid < mid - start {
        d.replace_range(start..mid, "");
    } else {
        d.truncate(mid);
    }
}

/// Append a number (in tenths) to path data, with a space before it when it
/// follows another number and does not start with a minus sign.
fn push_num(d: &mut String, after_number: bool, t: i64) {
    if after_number && t >= 0 {
        d.push(' ');
    }
    let _ = push_tenths(d, t);
}

impl Svg {
    /// Start an empty drawing body.
    pub(crate) fn new() -> Self {
        Svg {
            body: String::with_capacity(8192),
            run: Run::None,
            scratch: Default::default(),
        }
    }

    /// Write the pending run, if any, into the body.
    fn flush(&mut self) {
        let b = &mut self.body;
        match std::mem::replace(&mut self.run, Run::None) {
            Run::None => {}
            Run::Path { attrs, d, .. } => {
                b.push_str("<path d=\"");
                b.push_str(&d);
                b.push('"');
                b.push_str(&attrs);
                b.push_str("/>");
            }
            Run::Group { attrs, items, n } => {
                if n == 1 {
                    // One element: its attributes go back on it, after its
                    // own (`<text x=… y=…` + attrs + `>…`).
                    let at = items.find(['>', '/']).unwrap_or(items.len());
                    b.push_str(&items[..at]);
                    b.push_str(&attrs);
                    b.push_str(&items[at..]);
                } else {
                    let _ = write!(b, "<g{attrs}>{items}</g>");
                }
            }
        }
    }

    /// The body, for writing elements directly (after the pending run).
    pub(crate) fn raw(&mut self) -> &mut String {
        self.flush();
        &mut self.body
    }

    /// Append everything drawn into `other` (its run ends first).
    pub(crate) fn append(&mut self, mut other: Svg) {
        other.flush();
        self.raw().push_str(&other.body);
    }

    /// An element `<tag own…>content</tag>` (or `<tag own…/>` without
    /// content) with the attributes `attrs` (each with a leading space),
    /// which it shares with a `<g>` when the elements before it have the
    /// same ones. `own` must not contain `>` or `/`.
    pub(crate) fn element(&mut self, tag: &str, own: &str, attrs: &str, content: Option<&str>) {
        let same = matches!(&self.run, Run::Group { attrs: a, .. } if a == attrs);
        if !same {
            self.flush();
            self.run = Run::Group {
                attrs: attrs.to_string(),
                items: String::new(),
                n: 0,
            };
        }
        let Run::Group { items, n, .. } = &mut self.run else {
            unreachable!("a group run was just started");
        };
        *n += 1;
        items.push('<');
        items.push_str(tag);
        items.push(' ');
        items.push_str(own);
        match content {
            Some(s) => {
                items.push('>');
                push_esc(items, s);
                items.push_str("</");
                items.push_str(tag);
                items.push('>');
            }
            None => items.push_str("/>"),
        }
    }

    /// Left/centre/right aligned text. `class` may be empty.
    pub(crate) fn text(&mut self, x: f64, y: f64, anchor: Anchor, class: &str, s: &str) {
        let (mut attrs, mut own) = std::mem::take(&mut self.scratch);
        attrs.clear();
        own.clear();
        match anchor {
            Anchor::Start => {}
            Anchor::Middle => attrs.push_str(" text-anchor=\"middle\""),
            Anchor::End => attrs.push_str(" text-anchor=\"end\""),
        }
        if !class.is_empty() {
            attrs.push_str(" class=\"");
            attrs.push_str(class);
            attrs.push('"');
            // Weight and opacity as presentation attributes (the theme may
            // override them). Sizes as inline style: the layout's text-width
            // estimates assume them, and a page rule for a generic class such
            // as `.small` must not resize chart text and make it overrun.
            for c in class.split(' ') {
                match c {
                    "bold" => attrs.push_str(" font-weight=\"bold\""),
                    "chart-title" => attrs.push_str(" style=\"font-size:15px\""),
                    "small" => attrs.push_str(" style=\"font-size:12px\""),
                    "muted" => attrs.push_str(" fill-opacity=\".75\""),
                    _ => {}
                }
            }
        }
        own.push_str("x=\"");
        let _ = push_tenths(&mut own, N(x).tenths());
        own.push_str("\" y=\"");
        let _ = push_tenths(&mut own, N(y).tenths());
        own.push('"');
        self.element("text", &own, &attrs, Some(s));
        self.scratch = (attrs, own);
    }

    /// A straight line with `stroke="currentColor"` and the attributes
    /// `extra` (each with a leading space). Consecutive lines with the same
    /// class and attributes are drawn as one `<path>`.
    pub(crate) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str, extra: &str) {
        let attrs = &mut self.scratch.0;
        attrs.clear();
        attrs.push_str(" class=\"");
        attrs.push_str(class);
        attrs.push_str("\" stroke=\"currentColor\"");
        attrs.push_str(extra);
        let same = matches!(&self.run, Run::Path { attrs: a, .. } if a == attrs);
        if !same {
            let attrs = attrs.clone();
            self.flush();
            self.run = Run::Path {
                attrs,
                d: String::new(),
                at: (0, 0),
            };
        }
        let Run::Path { d, at, .. } = &mut self.run else {
            unreachable!("a path run was just started");
        };
        let (x1, y1, x2, y2) = (
            N(x1).tenths(),
            N(y1).tenths(),
            N(x2).tenths(),
            N(y2).tenths(),
        );
        if d.is_empty() {
            d.push('M');
            push_num(d, false, x1);
            push_num(d, true, y1);
        } else {
            push_cmd(d, 'M', 'm', &[at.0, at.1], &[x1, y1]);
        }
        if y1 == y2 {
            push_cmd(d, 'H', 'h', &[x1], &[x2]);
        } else if x1 == x2 {
            push_cmd(d, 'V', 'v', &[y1], &[y2]);
        } else {
            push_cmd(d, 'L', 'l', &[x1, y1], &[x2, y2]);
        }
        *at = (x2, y2);
    }

    /// Wrap the body into a complete `<svg>` element.
    pub(crate) fn finish(
        mut self,
        id: &str,
        classes: &str,
        w: f64,
        h: f64,
        title: &str,
        desc: &str,
    ) -> String {
        self.flush();
        let mut out = String::with_capacity(self.body.len() + 600);
        let _ = write!(
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
        let _ = write!(out, "</title><desc id=\"{id}-desc\">");
        push_esc(&mut out, desc.trim());
        out.push_str("</desc>");
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
    let _ = write!(out, "\" class=\"{class}\"{extra}/>");
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

#[cfg(test)]
mod svg_tests {
    use super::*;

    /// Tenths print as briefly as their value allows, with no `-0`.
    #[test]
    fn tenths_are_written_as_briefly_as_they_allow() {
        let cases = [
            (0, "0"),
            (5, ".5"),
            (-5, "-.5"),
            (10, "1"),
            (-10, "-1"),
            (25, "2.5"),
            (-433, "-43.3"),
            (1_000_000_000, "100000000"),
            (i64::MAX, "922337203685477580.7"),
            (i64::MIN + 1, "-922337203685477580.7"),
        ];
        for (t, want) in cases {
            let mut s = String::new();
            push_tenths(&mut s, t).unwrap();
            assert_eq!(s, want, "{t}");
            assert_eq!(Tenths(t).to_string(), want, "{t}");
        }
    }

    /// A path command is the shorter of the absolute and relative forms,
    /// the absolute one on a tie.
    #[test]
    fn path_commands_take_the_shorter_form() {
        let cmd = |from: &[i64], to: &[i64]| {
            let mut d = String::from("M0 0");
            push_cmd(&mut d, 'L', 'l', from, to);
            d
        };
        assert_eq!(cmd(&[1000, 1000], &[1005, 995]), "M0 0l.5-.5");
        assert_eq!(cmd(&[1000, 1000], &[5, 5]), "M0 0L.5 .5");
        assert_eq!(cmd(&[10, 10], &[20, 20]), "M0 0L2 2");
        assert_eq!(cmd(&[4000, 10], &[20, 25]), "M0 0L2 2.5");
    }
}
