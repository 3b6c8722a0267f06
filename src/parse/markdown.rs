//! Markdown to HTML with pulldown-cmark, plus the few things a site needs
//! from the body: heading ids, chart placeholders and internal links.
//!
//! Chart shortcodes such as `{{ forest(outcome="death-28d") }}` on a line of
//! their own are replaced, before Markdown runs, by an HTML comment marker
//! `<!--appraise:shortcode:N-->`; the render stage swaps each marker for the
//! drawn chart. Tera is never called while parsing Markdown, so there is no
//! cycle between parse and render. Links written `@/trials/leopards` (a
//! path under `content/`, Zola style) are recorded with their line so the
//! link stage can check them; their `href` is rewritten at render time.
//!
//! The HTML made here is the author's, raw HTML included, and is not safe
//! to publish yet: the model stage cleans it with [`crate::sanitize::body`]
//! (which keeps the markers), unless the site sets `unsafe_html: true`.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A chart (or other generated block) placed in the prose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shortcode {
    /// The name before the parenthesis (`forest`).
    pub name: String,
    /// The `key="value"` arguments, in order.
    pub args: Vec<(String, String)>,
    /// 1-based line in the body text where it was written.
    pub line: usize,
}

/// A link to another page written `@/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// The path after `@/`, e.g. `trials/leopards` or `trials/leopards/index.md#results`.
    pub target: String,
    /// 1-based line in the body text.
    pub line: usize,
    /// 1-based column in the body text.
    pub column: usize,
}

/// A heading of the body, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` attribute.
    pub id: String,
    /// Plain text.
    pub text: String,
}

/// The body rendered to HTML, with what was found in it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Markdown {
    /// HTML with shortcode markers still in place.
    pub html: String,
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Shortcodes in order; marker N is `shortcodes[N]`.
    pub shortcodes: Vec<Shortcode>,
    /// `@/` links.
    pub links: Vec<InternalLink>,
    /// Plain text of the first paragraph (for summaries).
    pub first_paragraph: String,
    /// Whether the HTML holds anything the author wrote as HTML, or could
    /// carry script (raw HTML other than our markers, heading attributes,
    /// a link or image URL with an unsafe scheme): such a body goes
    /// through [`crate::sanitize::body`]; any other body is HTML
    /// pulldown-cmark wrote and escaped itself.
    pub needs_sanitising: bool,
}

/// A problem in a shortcode line (reported by the caller with the file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortcodeError {
    /// 1-based line in the body.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The marker that stands in for shortcode `n` in the HTML.
pub fn marker(n: usize) -> String {
    format!("<!--appraise:shortcode:{n}-->")
}

/// Render `body` to HTML.
pub fn render(body: &str) -> (Markdown, Vec<ShortcodeError>) {
    let (text, shortcodes, errors) = extract_shortcodes(body);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let pos = |offset: usize| {
        let line = line_starts.partition_point(|&s| s <= offset);
        let col = offset - line_starts[line - 1] + 1;
        (line, col)
    };
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    opts.insert(Options::ENABLE_GFM);
    let mut events: Vec<Event> = Vec::new();
    let mut links = Vec::new();
    let mut headings = Vec::new();
    // Ids in use, and the next suffix to try per base id (linear, not quadratic).
    let mut used_ids: std::collections::HashSet<String> =
        RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    let mut next_suffix: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    let mut heading_at: Option<usize> = None; // index in events of the open heading
    let mut heading_text = String::new();
    let mut first_paragraph = String::new();
    let mut in_first_para = false;
    let mut first_para_done = false;
    let mut needs_sanitising = false;
    for (ev, range) in Parser::new_ext(&text, opts).into_offset_iter() {
        match &ev {
            Event::Html(h) | Event::InlineHtml(h) => {
                if !is_marker(h) {
                    needs_sanitising = true;
                }
            }
            Event::Start(Tag::Heading { attrs, .. }) if !attrs.is_empty() => {
                needs_sanitising = true;
                heading_at = Some(events.len());
                heading_text.clear();
            }
            Event::Start(Tag::Heading { .. }) => {
                heading_at = Some(events.len());
                heading_text.clear();
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(i) = heading_at.take() {
                    if let Event::Start(Tag::Heading {
                        level: l,
                        id,
                        classes,
                        attrs,
                    }) = &events[i]
                    {
                        let id = match id {
                            Some(id) => id.to_string(),
                            None => unique_id(slugify(&heading_text), &used_ids, &mut next_suffix),
                        };
                        used_ids.insert(id.clone());
                        headings.push(Heading {
                            level: level_num(*level),
                            id: id.clone(),
                            text: heading_text.clone(),
                        });
                        events[i] = Event::Start(Tag::Heading {
                            level: *l,
                            id: Some(CowStr::from(id)),
                            classes: classes.clone(),
                            attrs: attrs.clone(),
                        });
                    }
                }
            }
            Event::Start(Tag::Paragraph) if !first_para_done && heading_at.is_none() => {
                in_first_para = true
            }
            Event::End(TagEnd::Paragraph) if in_first_para => {
                in_first_para = false;
                first_para_done = true;
            }
            Event::Text(t) | Event::Code(t) => {
                if heading_at.is_some() {
                    heading_text.push_str(t);
                }
                if in_first_para {
                    first_paragraph.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak if in_first_para => first_paragraph.push(' '),
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                if !crate::sanitize::safe_body_url(dest_url) {
                    needs_sanitising = true;
                }
                if let Some(t) = dest_url.strip_prefix("@/") {
                    let (line, column) = pos(range.start);
                    links.push(InternalLink {
                        target: t.to_string(),
                        line,
                        column,
                    });
                }
            }
            _ => {}
        }
        events.push(ev);
    }
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    (
        Markdown {
            html: out,
            headings,
            shortcodes,
            links,
            first_paragraph: first_paragraph.trim().to_string(),
            needs_sanitising,
        },
        errors,
    )
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

/// Replace shortcode lines by markers, outside fenced code blocks.
fn extract_shortcodes(body: &str) -> (String, Vec<Shortcode>, Vec<ShortcodeError>) {
    let mut out = String::with_capacity(body.len() + 64);
    let mut codes = Vec::new();
    let mut errors = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(t[..3].to_string());
            out.push_str(line);
            continue;
        }
        if let Some(inner) = t.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
            match parse_call(inner.trim()) {
                Ok((name, args)) => {
                    out.push('\n');
                    out.push_str(&marker(codes.len()));
                    out.push_str("\n\n");
                    codes.push(Shortcode {
                        name,
                        args,
                        line: i + 1,
                    });
                }
                Err(m) => errors.push(ShortcodeError {
                    line: i + 1,
                    message: m,
                }),
            }
            continue;
        }
        out.push_str(line);
    }
    (out, codes, errors)
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
