//! Markdown to HTML with pulldown-cmark, plus the few things a site needs
//! from the body: heading ids, chart placeholders and internal links.
//!
//! Chart shortcodes such as `{{ forest(outcome="death-28d") }}` on a line of
//! their own are replaced, before Markdown runs, by an HTML comment marker
//! `<!--appraise:shortcode:N-->`; the render stage swaps each marker for the
//! drawn chart. Tera is never called while parsing Markdown, so there is no
//! cycle between parse and render.
//!
//! Inline shortcodes such as `{{ value(outcome="death-28d", arm="levo") }}`
//! (the names in [`INLINE`]) sit anywhere in the text; each becomes an
//! inline marker of the same form, which render replaces by the number. In
//! code spans and code blocks both kinds stay literal text. Numbers the
//! author typed in the prose (`89/258 (34.5%)`, `34.5% vs 30.9%`, `RR 1.12
//! (0.87 to 1.43)`) are recorded as [`TypedNumber`]s with their place, for
//! the check against the linked trials' data. Links written `@/trials/leopards` (a
//! path under `content/`, Zola style) are recorded with their line so the
//! link stage can check them; their `href` is rewritten at render time.
//!
//! The HTML made here is the author's, raw HTML included, and is not safe
//! to publish yet: the model stage cleans it with [`crate::sanitize::body`]
//! (which keeps the markers), unless the site sets `unsafe_html: true`.

use std::ops::Range;
use std::sync::Arc;

use pulldown_cmark::utils::TextMergeWithOffset;
use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A chart (or other generated block) placed in the prose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shortcode {
    /// The name before the parenthesis (`forest`).
    pub name: String,
    /// The `key="value"` arguments, in order.
    pub args: Vec<(String, String)>,
    /// 1-based line in the body text where it was written.
    pub line: usize,
    /// 1-based column in the body text of its `{{` (1 for a chart).
    pub column: usize,
    /// Written inside the text (`value`, `effect`), not on a line of its own.
    pub inline: bool,
}

/// The shortcodes written inside the text, which become a number; every
/// other name is a chart, written on a line of its own.
pub const INLINE: &[&str] = &["value", "effect"];

/// A link to another page written `@/path`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InternalLink {
    /// The path after `@/`, e.g. `trials/leopards` or `trials/leopards/index.md#results`.
    pub target: String,
    /// 1-based line in the body text.
    pub line: usize,
    /// 1-based column in the body text.
    pub column: usize,
}

/// A heading of the body, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` attribute.
    pub id: String,
    /// Plain text.
    pub text: String,
}

/// The body rendered to HTML, with what was found in it. Reads as its
/// [`Found`] too (`body.headings`): that part is shared, not copied, by
/// the copies a page and its parse hold ([`Markdown::with_html`]).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Markdown {
    /// HTML with shortcode markers still in place (a range of the parse
    /// cache's bytes, for a page taken from it: [`super::body`]).
    pub html: super::body::BodyHtml,
    /// Everything else found in the body (written in the parse cache as
    /// if its fields were this struct's).
    #[serde(serialize_with = "found_ser", deserialize_with = "found_de")]
    pub found: Arc<Found>,
}

/// What was found in a body beside its HTML.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Found {
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Shortcodes: those on a line of their own (charts) in body order,
    /// then those inside the text in body order; marker N is `shortcodes[N]`.
    pub shortcodes: Vec<Shortcode>,
    /// `@/` links.
    pub links: Vec<InternalLink>,
    /// Numbers typed in the prose in a form the check compares with data.
    pub typed_numbers: TypedNumbers,
    /// Plain text of the first paragraph (for summaries).
    pub first_paragraph: String,
    /// Whether the HTML holds anything the author wrote as HTML, or could
    /// carry script (raw HTML other than our markers, heading attributes,
    /// a link or image URL with an unsafe scheme): such a body goes
    /// through [`crate::sanitize::body`]; any other body is HTML
    /// pulldown-cmark wrote and escaped itself.
    pub needs_sanitising: bool,
}

impl std::ops::Deref for Markdown {
    type Target = Found;
    fn deref(&self) -> &Found {
        &self.found
    }
}

/// The numbers typed in a body's prose ([`TypedNumber`]), read as a
/// slice. Only render reads them (to check the prose of a page it
/// renders), so a body taken from the parse cache keeps them as the
/// cache's bytes and decodes them on first use: a build that renders a few
/// pages does not decode every page's (their texts and contexts are most
/// of the cache's small allocations).
#[derive(Clone, Default)]
pub struct TypedNumbers(NumbersRepr);

#[derive(Clone)]
enum NumbersRepr {
    Decoded(Vec<TypedNumber>),
    /// A range of a cache file holding them encoded, and the decoding.
    Encoded {
        buf: Arc<super::body::Buffer>,
        start: usize,
        end: usize,
        /// The numbers, or `None` when the bytes do not decode.
        done: std::sync::OnceLock<Option<Vec<TypedNumber>>>,
    },
}

impl Default for NumbersRepr {
    fn default() -> Self {
        NumbersRepr::Decoded(Vec::new())
    }
}

impl TypedNumbers {
    /// The room of their allocation (for the tests of its sizing).
    #[cfg(test)]
    fn capacity(&self) -> usize {
        match &self.0 {
            NumbersRepr::Decoded(v) => v.capacity(),
            NumbersRepr::Encoded { .. } => self.len(),
        }
    }

    /// Whether they are still a cache file's encoded bytes.
    #[cfg(test)]
    fn is_encoded(&self) -> bool {
        matches!(&self.0, NumbersRepr::Encoded { done, .. } if done.get().is_none())
    }
}

impl From<Vec<TypedNumber>> for TypedNumbers {
    fn from(v: Vec<TypedNumber>) -> Self {
        TypedNumbers(NumbersRepr::Decoded(v))
    }
}

impl std::ops::Deref for TypedNumbers {
    type Target = [TypedNumber];
    fn deref(&self) -> &[TypedNumber] {
        match &self.0 {
            NumbersRepr::Decoded(v) => v,
            // Damaged bytes read as no numbers; render reports the page.
            NumbersRepr::Encoded { .. } => self.decoded().map_or(&[], Vec::as_slice),
        }
    }
}

impl TypedNumbers {
    /// The numbers of an encoded range, decoded on first use (`None` when
    /// the bytes do not decode).
    fn decoded(&self) -> Option<&Vec<TypedNumber>> {
        match &self.0 {
            NumbersRepr::Decoded(v) => Some(v),
            NumbersRepr::Encoded {
                buf,
                start,
                end,
                done,
            } => done
                .get_or_init(|| postcard::from_bytes(&buf[*start..*end]).ok())
                .as_ref(),
        }
    }

    /// Whether they are a cache file's bytes that do not decode (the file
    /// was damaged).
    pub fn is_damaged(&self) -> bool {
        self.decoded().is_none()
    }
}

impl Markdown {
    /// Whether this body was taken from a damaged cache file: its HTML or
    /// its typed numbers do not read back (they read as empty).
    pub fn is_damaged(&self) -> bool {
        self.html.is_damaged() || self.typed_numbers.is_damaged()
    }
}

impl PartialEq for TypedNumbers {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for TypedNumbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl serde::Serialize for TypedNumbers {
    /// As one byte string of their postcard encoding, so that reading them
    /// back can leave them encoded.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Still encoded as read from the cache: those bytes are the encoding.
        if let NumbersRepr::Encoded {
            buf,
            start,
            end,
            done,
        } = &self.0
        {
            if done.get().is_none() {
                return s.serialize_bytes(&buf[*start..*end]);
            }
        }
        let bytes = postcard::to_stdvec(&**self).map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&bytes)
    }
}

impl<'de> serde::Deserialize<'de> for TypedNumbers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        fn decode<E: serde::de::Error>(b: &[u8]) -> Result<TypedNumbers, E> {
            postcard::from_bytes::<Vec<TypedNumber>>(b)
                .map(TypedNumbers::from)
                .map_err(E::custom)
        }
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = TypedNumbers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("encoded typed numbers")
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(
                self,
                b: &'de [u8],
            ) -> Result<TypedNumbers, E> {
                match super::body::in_buffer(b) {
                    Some((buf, start, end)) => Ok(TypedNumbers(NumbersRepr::Encoded {
                        buf,
                        start,
                        end,
                        done: std::sync::OnceLock::new(),
                    })),
                    None => decode(b),
                }
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<TypedNumbers, E> {
                decode(b)
            }
        }
        d.deserialize_bytes(Visit)
    }
}

/// Write [`Markdown::found`] as its fields.
fn found_ser<S: serde::Serializer>(found: &Arc<Found>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(found.as_ref(), s)
}

/// Read [`Markdown::found`] from its fields.
fn found_de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<Found>, D::Error> {
    <Found as serde::Deserialize>::deserialize(d).map(Arc::new)
}

impl Markdown {
    /// This body with its HTML replaced by `html`; what was found in it is
    /// shared, not copied.
    pub fn with_html(&self, html: super::body::BodyHtml) -> Markdown {
        Markdown {
            html,
            found: Arc::clone(&self.found),
        }
    }
}

/// A problem in a shortcode (reported by the caller with the file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortcodeError {
    /// 1-based line in the body.
    pub line: usize,
    /// 1-based column in the body.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The marker that stands in for shortcode `n` in the HTML.
pub fn marker(n: usize) -> String {
    format!("<!--appraise:shortcode:{n}-->")
}

/// A number typed in the prose, in a form the check compares with data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TypedNumber {
    /// What was typed, as numbers.
    pub kind: super::numbers::TypedKind,
    /// The text as typed.
    pub text: String,
    /// The text around it, lowercased: its paragraph, list item or table
    /// cell, or, in a table, its row so far (what says which outcome the
    /// number is about).
    pub context: String,
    /// 1-based line in the body text.
    pub line: usize,
    /// 1-based column in the body text.
    pub column: usize,
}

/// Render `body` to HTML.
pub fn render(body: &str) -> (Markdown, Vec<ShortcodeError>) {
    let (text, mut shortcodes, mut errors, lines) = extract_shortcodes(body);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    // A place in `text` as a line and column of `body`.
    let pos = |offset: usize| {
        let line = line_starts.partition_point(|&s| s <= offset);
        let col = offset - line_starts[line - 1] + 1;
        (lines.body_line(line), col)
    };
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    opts.insert(Options::ENABLE_GFM);
    let mut walk = Walk::new();
    let mut prose = Run::default();
    let mut typed_numbers = Vec::new();
    let parsed = TextMergeWithOffset::new(Parser::new_ext(&text, opts).into_offset_iter());
    let mut out = String::with_capacity(text.len() * 3 / 2);
    // The events go to the HTML writer as they come, each looked at on
    // the way; only a heading's are held back until it ends (its id comes
    // from its text). Holding the whole body's events was two lists of
    // about one event per 12 bytes of prose, filled and copied per page.
    html::push_html(
        &mut out,
        Stream {
            events: Inline {
                events: parsed,
                text: &text,
                pos: &pos,
                codes: &mut shortcodes,
                errors: &mut errors,
                in_code: false,
                split: Vec::new().into_iter(),
            },
            walk: &mut walk,
            prose: &mut prose,
            pos: &pos,
            found: &mut typed_numbers,
            ready: Vec::new().into_iter(),
        },
    );
    prose.flush(&pos, &mut typed_numbers);
    (
        Markdown {
            // In an allocation of its length (`BodyHtml::from`): a parsed
            // body is kept until the model takes it in.
            html: out.into(),
            found: Arc::new(Found {
                headings: walk.headings,
                shortcodes,
                links: walk.links,
                typed_numbers: exact_vec(typed_numbers).into(),
                first_paragraph: walk.first_paragraph.trim().to_string(),
                needs_sanitising: walk.needs_sanitising,
            }),
        },
        errors,
    )
}

/// `v` in an allocation of its length, its elements moved (not cloned)
/// there when it holds an eighth more. A parsed body's numbers are kept
/// until the model takes them in, and shrinking in place would keep the
/// block (mimalloc does not move an allocation that shrinks by less than
/// half).
fn exact_vec<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() - v.len() > v.len() / 8 {
        let mut exact = Vec::with_capacity(v.len());
        exact.append(&mut v);
        exact
    } else {
        v
    }
}

/// What [`render`] gathers while it walks the events: heading ids, the
/// first paragraph's text, internal links, and whether the HTML must be
/// sanitised.
struct Walk<'a> {
    /// The events of the open heading, held back until it ends (it gets
    /// its id in place).
    held: Vec<Event<'a>>,
    links: Vec<InternalLink>,
    headings: Vec<Heading>,
    /// Ids in use, and the next suffix to try per base id (linear, not quadratic).
    used_ids: std::collections::HashSet<String>,
    next_suffix: std::collections::HashMap<String, usize>,
    /// Whether a heading is open (its start is `held[0]`: nothing is held
    /// when one starts).
    in_heading: bool,
    heading_text: String,
    first_paragraph: String,
    in_first_para: bool,
    first_para_done: bool,
    needs_sanitising: bool,
    in_code: bool,
}

impl<'a> Walk<'a> {
    fn new() -> Self {
        Walk {
            held: Vec::new(),
            links: Vec::new(),
            headings: Vec::new(),
            used_ids: RESERVED_IDS.iter().map(|s| s.to_string()).collect(),
            next_suffix: std::collections::HashMap::new(),
            in_heading: false,
            heading_text: String::new(),
            first_paragraph: String::new(),
            in_first_para: false,
            first_para_done: false,
            needs_sanitising: false,
            in_code: false,
        }
    }

    /// Take note of one event (before it is passed on or held), written
    /// at `at` (a line and column, worked out only for links).
    fn event(&mut self, ev: &Event<'a>, at: impl Fn() -> (usize, usize)) {
        match ev {
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            Event::Html(h) | Event::InlineHtml(h) => self.html(h),
            Event::Start(Tag::Heading { attrs, .. }) => {
                if !attrs.is_empty() {
                    self.needs_sanitising = true;
                }
                self.in_heading = true;
                self.heading_text.clear();
            }
            Event::End(TagEnd::Heading(level)) => self.end_heading(*level),
            Event::Start(Tag::Paragraph) if !self.first_para_done && !self.in_heading => {
                self.in_first_para = true
            }
            Event::End(TagEnd::Paragraph) if self.in_first_para => {
                self.in_first_para = false;
                self.first_para_done = true;
            }
            Event::Text(t) | Event::Code(t) => {
                if self.in_heading {
                    self.heading_text.push_str(t);
                }
                if self.in_first_para {
                    self.first_paragraph.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak if self.in_first_para => {
                self.first_paragraph.push(' ')
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => self.link(dest_url, at()),
            _ => {}
        }
    }

    /// Raw HTML: anything but shortcode markers needs sanitising.
    fn html(&mut self, h: &str) {
        if !is_marker(h) {
            self.needs_sanitising = true;
        } else if self.in_first_para {
            // A number drawn from the data is not known yet: the
            // summary stops before it rather than read without it.
            self.first_paragraph.push('…');
            self.in_first_para = false;
            self.first_para_done = true;
        }
    }

    /// A heading closes: give its start event a unique id.
    fn end_heading(&mut self, level: HeadingLevel) {
        if !std::mem::take(&mut self.in_heading) {
            return;
        }
        let Some(Event::Start(Tag::Heading {
            level: l,
            id,
            classes,
            attrs,
        })) = self.held.first()
        else {
            return;
        };
        let id = match id {
            Some(id) => id.to_string(),
            None => unique_id(
                slugify(&self.heading_text),
                &self.used_ids,
                &mut self.next_suffix,
            ),
        };
        self.used_ids.insert(id.clone());
        self.headings.push(Heading {
            level: level_num(level),
            id: id.clone(),
            text: self.heading_text.clone(),
        });
        self.held[0] = Event::Start(Tag::Heading {
            level: *l,
            id: Some(CowStr::from(id)),
            classes: classes.clone(),
            attrs: attrs.clone(),
        });
    }

    /// A link or image: an unsafe URL needs sanitising; `@/` is internal.
    fn link(&mut self, dest_url: &str, (line, column): (usize, usize)) {
        if !crate::sanitize::safe_body_url(dest_url) {
            self.needs_sanitising = true;
        }
        if let Some(t) = dest_url.strip_prefix("@/") {
            self.links.push(InternalLink {
                target: t.to_string(),
                line,
                column,
            });
        }
    }
}

/// Whether raw HTML is only shortcode markers (as `extract_shortcodes`
/// wrote them) and white space.
fn is_marker(h: &str) -> bool {
    let mut rest = h.trim();
    while let Some(r) = rest.strip_prefix("<!--appraise:shortcode:") {
        let Some(end) = r.find("-->") else {
            return false;
        };
        if !r[..end].bytes().all(|b| b.is_ascii_digit()) || end == 0 {
            return false;
        }
        rest = r[end + 3..].trim_start();
    }
    rest.is_empty()
}

fn level_num(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Element ids the page templates use for their own sections (`#results`,
/// `#design`, …). A heading in the body never takes one of these
/// automatically: "## Design" becomes `design-1`, so every id on a page stays
/// unique and links such as `@/trials/leopards#results` keep working.
pub const RESERVED_IDS: &[&str] = &[
    "main",
    "bl",
    "pico",
    "results",
    "summary",
    "design",
    "baseline",
    "registration",
    "related",
    "trials",
];

/// Lower-case ASCII letters, digits and dashes (for ids and tag URLs).
///
/// Other scripts are transliterated by the `slug` crate (Zola's choice)
/// rather than dropped, so "β-blockers" becomes `b-blockers`, not
/// `blockers`, and tags in other alphabets keep distinct URLs.
pub fn slugify(s: &str) -> String {
    let out = slug::slugify(s);
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

/// Prefixes of ids the templates build from data (`outcome-death-28d`,
/// `an-mortality`, `pico-leopards`, `fig-leopards-rates`): an automatic
/// heading id never starts with one unchanged.
pub const RESERVED_PREFIXES: &[&str] = &["outcome-", "an-", "pico-", "fig-"];

fn unique_id(
    base: String,
    used: &std::collections::HashSet<String>,
    next: &mut std::collections::HashMap<String, usize>,
) -> String {
    let reserved = RESERVED_PREFIXES.iter().any(|p| base.starts_with(p));
    if !used.contains(&base) && !reserved {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let c = format!("{base}-{n}");
        *n += 1;
        if !used.contains(&c) {
            return c;
        }
    }
}

/// Where the lines of the text Markdown reads came from in the body: a
/// chart's line becomes three (a blank line, its marker, a blank line).
#[derive(Debug, Default)]
struct LineMap(Vec<(usize, usize)>);

impl LineMap {
    /// The body line of text line `l` (both 1-based).
    fn body_line(&self, l: usize) -> usize {
        let k = self.0.partition_point(|&(t, _)| t <= l);
        match k.checked_sub(1).map(|k| self.0[k]) {
            Some((t, b)) => b + (l - t),
            None => l,
        }
    }
}

/// The name a call starts with (`forest` in `forest(outcome="x")`).
fn call_name(s: &str) -> &str {
    s.split('(').next().unwrap_or("").trim()
}

/// Replace shortcode lines by markers, outside fenced code blocks. A line
/// holding only an inline shortcode (`value`, `effect`) is left for
/// [`inline_shortcodes`].
fn extract_shortcodes(body: &str) -> (String, Vec<Shortcode>, Vec<ShortcodeError>, LineMap) {
    let mut out = String::with_capacity(body.len() + 64);
    let mut codes = Vec::new();
    let mut errors = Vec::new();
    let mut lines = LineMap::default();
    let mut text_line = 1;
    let mut fence: Option<String> = None;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) {
                fence = None;
            }
            out.push_str(line);
            text_line += 1;
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(t[..3].to_string());
            out.push_str(line);
            text_line += 1;
            continue;
        }
        let call = t.strip_prefix("{{").and_then(|r| r.strip_suffix("}}"));
        if let Some(inner) = call.filter(|c| !INLINE.contains(&call_name(c))) {
            match parse_call(inner.trim()) {
                Ok((name, args)) => {
                    out.push('\n');
                    out.push_str(&marker(codes.len()));
                    out.push_str("\n\n");
                    codes.push(Shortcode {
                        name,
                        args,
                        line: i + 1,
                        column: 1,
                        inline: false,
                    });
                    lines.0.push((text_line, i + 1));
                    lines.0.push((text_line + 3, i + 2));
                    text_line += 3;
                }
                Err(m) => errors.push(ShortcodeError {
                    line: i + 1,
                    column: 1,
                    message: format!("chart shortcode: {m}"),
                }),
            }
            continue;
        }
        out.push_str(line);
        text_line += 1;
    }
    (out, codes, errors, lines)
}

/// Where `{{ name(` starts in `t` from byte `from`, if anywhere.
fn next_call(t: &str, from: usize) -> Option<usize> {
    let mut at = from;
    // A search for one byte (memchr) then a look at the next: cheaper than
    // a substring search set up again for each of a body's text events.
    while let Some(k) = t[at..].find('{').map(|k| k + at) {
        if !t[k + 1..].starts_with('{') {
            at = k + 1;
            continue;
        }
        let rest = t[k + 2..].trim_start();
        let name = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if name > 0 && rest[name..].trim_start().starts_with('(') {
            return Some(k);
        }
        at = k + 2;
    }
    None
}

/// The body's events on their way to the HTML writer: each is looked at
/// ([`Walk::event`], and [`Run::take`] for typed numbers) and passed on,
/// except a heading's, which are held until it ends.
struct Stream<'a, 'p, I, P> {
    events: I,
    walk: &'p mut Walk<'a>,
    prose: &'p mut Run,
    pos: &'p P,
    found: &'p mut Vec<TypedNumber>,
    /// A heading's events, ready to be passed on.
    ready: std::vec::IntoIter<Event<'a>>,
}

impl<'a, I, P> Iterator for Stream<'a, '_, I, P>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
    P: Fn(usize) -> (usize, usize),
{
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if let Some(ev) = self.ready.next() {
                return Some(ev);
            }
            let Some((ev, range)) = self.events.next() else {
                // A heading left open (pulldown-cmark always ends one).
                self.walk.in_heading = false;
                if self.walk.held.is_empty() {
                    return None;
                }
                self.ready = std::mem::take(&mut self.walk.held).into_iter();
                continue;
            };
            let pos = self.pos;
            self.prose
                .take(&ev, &range, self.walk.in_code, pos, self.found);
            self.walk.event(&ev, || pos(range.start));
            if self.walk.in_heading {
                self.walk.held.push(ev);
            } else if !self.walk.held.is_empty() {
                // The heading's end: it has its id now.
                self.walk.held.push(ev);
                self.ready = std::mem::take(&mut self.walk.held).into_iter();
            } else {
                return Some(ev);
            }
        }
    }
}

/// The body's events with each text event that holds `{{ name(...) }}`
/// (outside code) split into the text around it and an inline marker;
/// each is recorded as an inline [`Shortcode`] at the place of its `{{`.
struct Inline<'a, 'p, I, P> {
    events: I,
    text: &'a str,
    pos: &'p P,
    codes: &'p mut Vec<Shortcode>,
    errors: &'p mut Vec<ShortcodeError>,
    in_code: bool,
    /// The pieces of the last text event split, still to come.
    split: std::vec::IntoIter<(Event<'a>, Range<usize>)>,
}

impl<'a, I, P> Iterator for Inline<'a, '_, I, P>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
    P: Fn(usize) -> (usize, usize),
{
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(piece) = self.split.next() {
            return Some(piece);
        }
        let (ev, range) = self.events.next()?;
        match &ev {
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            Event::Text(t) if !self.in_code && next_call(t, 0).is_some() => {
                self.split = self.split_calls(t, range).into_iter();
                return self.split.next().or_else(|| self.next());
            }
            _ => {}
        }
        Some((ev, range))
    }
}

impl<'a, I, P: Fn(usize) -> (usize, usize)> Inline<'a, '_, I, P> {
    /// Text `t` (at `range` of the text) as the text around its
    /// shortcodes and their markers.
    fn split_calls(&mut self, t: &str, range: Range<usize>) -> Vec<(Event<'a>, Range<usize>)> {
        let mut out = Vec::new();
        let src = &self.text[range.clone()];
        // Offsets in the text are offsets in the source when the text is
        // written as it reads (no escapes or entities).
        let verbatim = src == t;
        let at = |k: usize| {
            if verbatim {
                range.start + k
            } else {
                range.start + src.find("{{").unwrap_or(0)
            }
        };
        let sub = |a: usize, b: usize| {
            if verbatim {
                range.start + a..range.start + b
            } else {
                range.clone()
            }
        };
        let mut done = 0;
        while let Some(k) = next_call(t, done) {
            if k > done {
                out.push((Event::Text(t[done..k].to_string().into()), sub(done, k)));
            }
            let (line, column) = (self.pos)(at(k));
            let Some(end) = t[k..].find("}}").map(|e| e + k) else {
                self.errors.push(ShortcodeError {
                    line,
                    column,
                    message:
                        "shortcode: no closing }} on this line (write the shortcode on one line)"
                            .into(),
                });
                done = t.len();
                break;
            };
            match parse_call(t[k + 2..end].trim()) {
                Ok((name, args)) => {
                    out.push((
                        Event::InlineHtml(marker(self.codes.len()).into()),
                        sub(k, end + 2),
                    ));
                    self.codes.push(Shortcode {
                        name,
                        args,
                        line,
                        column,
                        inline: true,
                    });
                }
                Err(m) => self.errors.push(ShortcodeError {
                    line,
                    column,
                    message: format!("shortcode: {m}"),
                }),
            }
            done = end + 2;
        }
        if done < t.len() {
            out.push((
                Event::Text(t[done..].to_string().into()),
                sub(done, t.len()),
            ));
        }
        out
    }
}

/// The text of one block (a paragraph, a list item, a table cell) as it
/// reads, with where each piece of it sits in the source, to find typed
/// numbers in (`numbers::find`).
#[derive(Default)]
struct Run {
    text: String,
    /// (offset in `text`, offset in the source) of each piece.
    pieces: Vec<(usize, usize)>,
    /// The text of the table row the run is in, so far (its first cells
    /// name what the row's numbers are about); `None` outside tables.
    row: Option<String>,
}

impl Run {
    /// Take what `ev` adds to the run: text, a space for a line break, a
    /// break for code or markup, or the end of the block.
    fn take(
        &mut self,
        ev: &Event,
        range: &Range<usize>,
        in_code: bool,
        pos: &impl Fn(usize) -> (usize, usize),
        found: &mut Vec<TypedNumber>,
    ) {
        match ev {
            Event::Text(t) if !in_code => {
                // Offsets map one to one where the text is as written; an
                // escape or entity makes later columns of the piece approximate.
                self.pieces.push((self.text.len(), range.start));
                self.text.push_str(t);
            }
            Event::SoftBreak | Event::HardBreak => self.text.push(' '),
            // Code, raw HTML and shortcode markers: numbers do not run across them.
            Event::Code(_) | Event::InlineHtml(_) | Event::Html(_) => self.text.push('\u{1}'),
            Event::Start(t) if is_inline(t) => {}
            Event::End(t) if is_inline_end(t) => {}
            Event::Start(Tag::TableRow | Tag::TableHead) => {
                self.flush(pos, found);
                self.row = Some(String::new());
            }
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                self.flush(pos, found);
                self.row = None;
            }
            Event::Start(_) | Event::End(_) => self.flush(pos, found),
            _ => {}
        }
    }

    /// Find the typed numbers of the run and start a new one.
    fn flush(&mut self, pos: &impl Fn(usize) -> (usize, usize), found: &mut Vec<TypedNumber>) {
        if let Some(row) = &mut self.row {
            row.push_str(" | ");
            row.push_str(&self.text);
        }
        let typed = if self.text.bytes().any(|b| b.is_ascii_digit()) {
            super::numbers::find(&self.text)
        } else {
            Vec::new()
        };
        if !typed.is_empty() {
            let context = self.row.as_ref().unwrap_or(&self.text).to_lowercase();
            for f in typed {
                let k = self.pieces.partition_point(|&(r, _)| r <= f.offset);
                let src = k
                    .checked_sub(1)
                    .map_or(0, |k| self.pieces[k].1 + (f.offset - self.pieces[k].0));
                let (line, column) = pos(src);
                found.push(TypedNumber {
                    kind: f.kind,
                    text: f.text,
                    context: context.clone(),
                    line,
                    column,
                });
            }
        }
        self.text.clear();
        self.pieces.clear();
    }
}

/// Tags that sit inside a line of text (numbers run across them).
fn is_inline(t: &Tag) -> bool {
    matches!(
        t,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. }
            | Tag::Superscript
            | Tag::Subscript
    )
}

fn is_inline_end(t: &TagEnd) -> bool {
    matches!(
        t,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

/// Parse `name(key="value", key2="value2")`.
fn parse_call(s: &str) -> Result<(String, Vec<(String, String)>), String> {
    let open = s.find('(').ok_or_else(|| {
        format!("`{s}` is not a chart call such as forest(outcome=\"death-28d\")")
    })?;
    let name = s[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{name}` is not a chart name"));
    }
    let rest = s[open + 1..].trim_end();
    let inner = rest
        .strip_suffix(')')
        .ok_or("missing closing parenthesis")?;
    let mut args = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_'))
                .collect();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if key.is_empty() || chars.next() != Some('=') {
            return Err("arguments must look like key=\"value\"".into());
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let q = chars.next();
        if q != Some('"') && q != Some('\'') {
            return Err(format!("the value of `{key}` must be quoted"));
        }
        let q = q.unwrap_or('"');
        let mut val = String::new();
        let mut closed = false;
        for c in chars.by_ref() {
            if c == q {
                closed = true;
                break;
            }
            val.push(c);
        }
        if !closed {
            return Err(format!("the value of `{key}` has no closing quote"));
        }
        args.push((key, val));
    }
    Ok((name.to_string(), args))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body's HTML and typed numbers are kept in allocations of their
    /// size (at most an eighth spare), not in the room reserved while
    /// they were made (half as much again as the text).
    #[test]
    fn a_body_is_kept_in_allocations_of_its_size() {
        let para = "Death occurred in 89/258 (34.5%) with levosimendan and 30.9% with placebo, RR 1.12 (0.87 to 1.43). ";
        let text = format!("# Results\n\n{}\n", para.repeat(40));
        let (m, _) = render(&text);
        assert!(m.html.len() > text.len(), "{}", m.html.len());
        assert!(m.html.capacity() <= m.html.len() + m.html.len() / 8);
        assert!(m.typed_numbers.len() >= 40, "{}", m.typed_numbers.len());
        let n = m.typed_numbers.len();
        assert!(m.typed_numbers.capacity() <= n + n / 8);
    }

    /// Typed numbers decoded from a cache buffer stay encoded until read,
    /// and then read as they were written; outside one they are decoded
    /// at once.
    #[test]
    fn typed_numbers_from_the_cache_are_decoded_when_read() {
        let (m, _) = render("Death in 89/258 (34.5%), RR 1.12 (0.87 to 1.43).\n");
        assert!(m.typed_numbers.len() >= 2);
        let buf = Arc::new(super::super::body::Buffer::from(
            postcard::to_stdvec(&m).unwrap(),
        ));
        let back: Markdown =
            super::super::body::decoding_from(&buf, |b| postcard::from_bytes(b)).unwrap();
        assert!(back.typed_numbers.is_encoded(), "left encoded");
        assert_eq!(back, m);
        let plain: Markdown = postcard::from_bytes(&buf).unwrap();
        assert!(!plain.typed_numbers.is_encoded());
        assert_eq!(plain.typed_numbers, m.typed_numbers);
    }

    #[test]
    fn headings_do_not_take_the_templates_ids() {
        let (md, _) =
            render("## Design\n\n## Results\n\n## Design\n\n## Background\n\n## Outcome death\n");
        let ids: Vec<&str> = md.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "design-1",
                "results-1",
                "design-2",
                "background",
                "outcome-death-1"
            ]
        );
        assert!(
            md.html.contains("<h2 id=\"design-1\">Design</h2>"),
            "{}",
            md.html
        );
    }

    #[test]
    fn only_bodies_that_could_carry_script_need_the_sanitiser() {
        let needs = |md: &str| render(md).0.needs_sanitising;
        assert!(!needs(
            "# Title\n\nText with [a link](https://x.org/) and `code`.\n"
        ));
        assert!(!needs(
            "{{ forest() }}\n\nA chart, and a footnote[^1].\n\n[^1]: note\n"
        ));
        assert!(!needs("## Results {#results-1 .lead}\n"));
        assert!(needs("Text <b>bold</b>.\n"));
        assert!(needs("<div>block</div>\n"));
        assert!(needs("[x](javascript:alert(1))\n"));
        assert!(needs("<javascript:alert(1)>\n"));
        assert!(needs("![x](data:image/png;base64,AAAA)\n"));
        assert!(needs("## Heading {onclick=alert(1)}\n"));
        assert!(
            needs("<!--appraise:shortcode:x-->\n"),
            "not one of our markers"
        );
    }

    #[test]
    fn slugs_keep_other_scripts() {
        assert_eq!(slugify("β-blockers"), "b-blockers");
        assert_eq!(slugify("What did they find?"), "what-did-they-find");
        assert_eq!(slugify("28–30 days"), "28-30-days");
        assert_ne!(slugify("敗血症"), slugify("心不全"));
        assert_eq!(slugify("!!!"), "section");
    }

    #[test]
    fn headings_get_ids() {
        let (m, _) = render("## What did they find?\n\n## What did they find?\n");
        assert!(
            m.html.contains("<h2 id=\"what-did-they-find\">"),
            "{}",
            m.html
        );
        assert!(m.html.contains("<h2 id=\"what-did-they-find-1\">"));
        assert_eq!(m.headings.len(), 2);
    }

    #[test]
    fn shortcodes_become_markers_outside_code() {
        let (m, e) =
            render("Intro\n\n{{ forest(outcome=\"death-28d\") }}\n\n```\n{{ forest() }}\n```\n");
        assert!(e.is_empty());
        assert_eq!(m.shortcodes.len(), 1);
        assert_eq!(
            m.shortcodes[0].args,
            vec![("outcome".into(), "death-28d".into())]
        );
        assert_eq!(m.shortcodes[0].line, 3);
        assert!(m.html.contains(&marker(0)));
        assert!(m.html.contains("{{ forest() }}"));
    }

    #[test]
    fn places_after_a_chart_are_those_of_the_body() {
        let (m, e) = render(
            "{{ forest() }}\n\nSee [x](@/trials/a) and {{ value(outcome=\"o\", arm=\"a\") }}, 89/258 (34.5%).\n",
        );
        assert!(e.is_empty(), "{e:?}");
        assert_eq!((m.links[0].line, m.links[0].column), (3, 5));
        let sc = &m.shortcodes[1];
        assert_eq!(
            (sc.name.as_str(), sc.inline, sc.line, sc.column),
            ("value", true, 3, 25)
        );
        assert_eq!(
            sc.args,
            vec![("outcome".into(), "o".into()), ("arm".into(), "a".into())]
        );
        assert!(
            m.html.contains(&format!("and {}, 89/258", marker(1))),
            "{}",
            m.html
        );
        let n = &m.typed_numbers[0];
        assert_eq!(
            (n.text.as_str(), n.line, n.column),
            ("89/258 (34.5%)", 3, 60)
        );
    }

    #[test]
    fn an_inline_shortcode_on_a_line_of_its_own_is_still_inline() {
        let (m, e) = render("{{ effect(outcome=\"o\", measure=\"RR\") }}\n");
        assert!(e.is_empty(), "{e:?}");
        assert!(m.shortcodes[0].inline);
        assert_eq!(m.html, format!("<p>{}</p>\n", marker(0)));
    }

    #[test]
    fn bad_shortcode_is_an_error() {
        let (_, e) = render("{{ forest(outcome=death) }}\n");
        assert_eq!(e[0].line, 1);
    }

    #[test]
    fn internal_links_are_recorded() {
        let (m, _) = render("See\n[the trial](@/trials/leopards) now.\n");
        assert_eq!(
            m.links,
            vec![InternalLink {
                target: "trials/leopards".into(),
                line: 2,
                column: 1
            }]
        );
    }

    #[test]
    fn raw_text_is_escaped() {
        let (m, _) = render("a < b & c\n");
        assert!(m.html.contains("a &lt; b &amp; c"));
    }
}
