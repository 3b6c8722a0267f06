//! Parse: bytes to raw documents.
//!
//! Each page is decoded as UTF-8, its front matter split off and
//! checked by [`scan::scan`] (nesting depth, duplicate keys) in linear time,
//! deserialised into [`front_matter::RawFrontMatter`], and its body rendered
//! to HTML by [`markdown::render`]. CSV outcome tables are read by
//! [`csv::parse_outcomes`]. Files are independent, so they are parsed in
//! parallel; every problem becomes a located diagnostic and the file is
//! skipped, the build goes on to find the others.

pub mod body;
pub mod csv;
pub mod front_matter;
pub mod locate;
pub mod markdown;
pub mod numbers;
pub mod scan;

use rayon::prelude::*;

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::discover::{FileKind, Sources};
use front_matter::{RawFrontMatter, RawOutcome, SplitError};

/// Largest page accepted, in bytes; larger files are reported, not parsed.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// A page after parsing: raw front matter, rendered body, and positions.
#[derive(Debug, Clone)]
pub struct ParsedDoc {
    /// Path relative to the site root (`content/trials/leopards/index.md`).
    pub rel_path: String,
    /// The front matter as written (boxed: it is most of the document's
    /// size, and the documents are moved between the engine's maps);
    /// empty while [`ParsedDoc::front_pending`].
    pub front: Box<RawFrontMatter>,
    /// The YAML text, kept to locate later validation errors.
    pub yaml: String,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line: usize,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The rendered body.
    pub body: markdown::Markdown,
    /// Whether `front` is left empty until needed: a page taken from the
    /// build cache with its model is not deserialised again
    /// ([`ParsedDoc::with_front`] gives it whole when the model must be
    /// made again after all).
    pub front_pending: bool,
}

/// A CSV outcome table after parsing.
#[derive(Debug, Clone)]
pub struct ParsedCsv {
    /// Path relative to the site root.
    pub rel_path: String,
    /// Outcomes with the 1-based line each starts on.
    pub outcomes: Vec<(RawOutcome, usize)>,
}

/// Everything parse produced.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Pages in path order.
    pub docs: Vec<ParsedDoc>,
    /// CSV tables in path order.
    pub csvs: Vec<ParsedCsv>,
}

impl ParsedDoc {
    /// Turn a 0-based position in the YAML text into a file position.
    pub fn yaml_pos(&self, line0: usize, col0: usize) -> (usize, usize) {
        (self.yaml_line + line0, col0 + 1)
    }

    /// This document with its front matter deserialised from its YAML,
    /// when it was left pending ([`ParsedDoc::front_pending`]); `Ok(None)`
    /// when it is not. YAML that no longer deserialises (it did when
    /// cached, so the cache was damaged) is an error.
    pub fn with_front(&self) -> Result<Option<ParsedDoc>, Diagnostic> {
        if !self.front_pending {
            return Ok(None);
        }
        let Ok((front, _)) = front_matter::deserialize(&self.yaml) else {
            let d = Diagnostic::error(
                &self.rel_path,
                self.yaml_line,
                1,
                "this page's copy in the build cache is damaged",
            );
            return Err(d.with_hint("delete .appraise-cache and build again"));
        };
        Ok(Some(ParsedDoc {
            front: Box::new(front),
            front_pending: false,
            ..self.clone()
        }))
    }

    /// File position (1-based line, column) of a dotted key path such as
    /// `trial.outcomes[2].binary.levo`; the front-matter start if not found.
    pub fn locate(&self, path: &str) -> (usize, usize) {
        self.locate_in(&locate::lines(&self.yaml), path)
    }

    /// [`ParsedDoc::locate`] given the [`locate::lines`] of its YAML (for
    /// the many paths of one document).
    pub fn locate_in(&self, lines: &[locate::Line], path: &str) -> (usize, usize) {
        match locate::locate_in(lines, &locate::path(path)) {
            Some((l, c)) => self.yaml_pos(l, c),
            None => (self.yaml_line.saturating_sub(1).max(1), 1),
        }
    }
}

/// Parse every page and CSV file of `sources`, taking their bytes out of
/// it: each file's bytes are freed as soon as it is parsed, so a build never
/// holds all the pages both as bytes and parsed. Gives what [`parse`] gives.
pub fn parse_taking(sources: &mut Sources) -> (Parsed, Diagnostics) {
    let (mut pages, mut tables) = (Vec::new(), Vec::new());
    for f in &mut sources.files {
        let to = match f.kind {
            FileKind::Page => &mut pages,
            FileKind::DataCsv => &mut tables,
            _ => continue,
        };
        to.push((f.rel_path.clone(), std::mem::take(&mut f.bytes)));
    }
    parse_files(pages, tables)
}

/// Parse every page and CSV file of `sources`.
pub fn parse(sources: &Sources) -> (Parsed, Diagnostics) {
    let of = |kind| {
        sources
            .of_kind(kind)
            .map(|f| (f.rel_path.clone(), f.bytes.as_slice()))
            .collect::<Vec<_>>()
    };
    parse_files(of(FileKind::Page), of(FileKind::DataCsv))
}

/// Parse pages (in parallel) and CSV tables, each (path, bytes), in order.
fn parse_files<B: AsRef<[u8]> + Send>(
    pages: Vec<(String, B)>,
    tables: Vec<(String, B)>,
) -> (Parsed, Diagnostics) {
    let results: Vec<(Option<ParsedDoc>, Diagnostics)> = pages
        .into_par_iter()
        .map(|(path, bytes)| parse_page(&path, bytes.as_ref()))
        .collect();
    let mut diags = Diagnostics::new();
    let mut docs = Vec::new();
    for (doc, d) in results {
        diags.extend(d);
        docs.extend(doc);
    }
    let mut csvs = Vec::new();
    for (path, bytes) in tables {
        let (csv, d) = parse_csv(&path, bytes.as_ref());
        diags.extend(d);
        csvs.extend(csv);
    }
    (Parsed { docs, csvs }, diags)
}

fn utf8_error(file: &str, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let good = &bytes[..e.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    Diagnostic::error(file, line, col, "the file is not valid UTF-8 text")
        .with_hint("save it as UTF-8 (most editors have an \"encoding\" option)")
}

/// Parse one CSV outcome table. Pure: takes the path and bytes. A table
/// with bad rows is still returned (with its good rows); one that is not
/// UTF-8 is not.
pub fn parse_csv(rel_path: &str, bytes: &[u8]) -> (Option<ParsedCsv>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            diags.push(utf8_error(rel_path, bytes, e));
            return (None, diags);
        }
    };
    let (outcomes, errors) = csv::parse_outcomes(text);
    for e in errors {
        diags.push(Diagnostic::error(rel_path, e.line, e.column, e.message));
    }
    let csv = ParsedCsv {
        rel_path: rel_path.to_string(),
        outcomes,
    };
    (Some(csv), diags)
}

/// Parse one page. Pure: takes the path and bytes.
pub fn parse_page(rel_path: &str, bytes: &[u8]) -> (Option<ParsedDoc>, Diagnostics) {
    let mut diags = Diagnostics::new();
    match read_page(rel_path, bytes) {
        Ok(split) => {
            let doc = page_from(rel_path, &split, &mut diags);
            (doc, diags)
        }
        Err(d) => {
            diags.push(d);
            (None, diags)
        }
    }
}

/// The page's text split into front matter and body, or the one error that
/// stops it being read (too big, not UTF-8, empty, no or unclosed front
/// matter, TOML).
fn read_page<'b>(rel_path: &str, bytes: &'b [u8]) -> Result<front_matter::Split<'b>, Diagnostic> {
    if bytes.len() > MAX_PAGE_BYTES {
        return Err(Diagnostic::error(
            rel_path,
            0,
            0,
            format!(
                "the file is {} bytes; pages over {MAX_PAGE_BYTES} bytes are not read",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| utf8_error(rel_path, bytes, e))?;
    if text.trim().is_empty() {
        return Err(Diagnostic::error(rel_path, 1, 1, "the file is empty")
            .with_hint("a page starts with front matter between two `---` lines, e.g. ---\\ntitle: My page\\n---"));
    }
    front_matter::split(text).map_err(|e| match e {
        SplitError::Missing => Diagnostic::error(rel_path, 1, 1, "the page has no front matter")
            .with_hint("start the file with a line `---`, then `title: ...`, then another `---`"),
        SplitError::Unterminated => {
            Diagnostic::error(rel_path, 1, 1, "the front matter is not closed")
                .with_hint("add a line `---` after the last front-matter line")
        }
        SplitError::Toml => {
            Diagnostic::error(rel_path, 1, 1, "TOML front matter (+++) is not supported")
                .with_hint("write the front matter as YAML between `---` lines")
        }
    })
}

/// The parsed page of a split file, or `None` after its error: the linear
/// pre-scan first (deep nesting costs the YAML parser quadratic time), then
/// the front matter deserialised, the body rendered, and a warning for
/// every key that is ignored.
fn page_from(
    rel_path: &str,
    split: &front_matter::Split,
    diags: &mut Diagnostics,
) -> Option<ParsedDoc> {
    if let Err(e) = scan::scan(split.yaml) {
        let message = match e.first_line {
            Some(f) => format!("{} (first on line {})", e.message, split.yaml_line + f),
            None => e.message,
        };
        let mut d = Diagnostic::error(rel_path, split.yaml_line + e.line, e.column + 1, message);
        if e.first_line.is_some() {
            d = d.with_hint(
                "each key may appear only once in a mapping; remove or rename one of them",
            );
        }
        diags.push(d);
        return None;
    }
    let (front, ignored) = match front_matter::deserialize(split.yaml) {
        Ok(v) => v,
        Err(e) => {
            let hint = if e.message.contains("duplicate") {
                Some("each key may appear only once in a mapping; remove or rename one of them")
            } else if e.message.contains("mapping values are not allowed") {
                Some("a value containing `: ` must be quoted, e.g. title: \"LeoPARDS: levosimendan in sepsis\"")
            } else {
                None
            };
            let mut d =
                Diagnostic::error(rel_path, split.yaml_line + e.line, e.column + 1, e.message);
            if let Some(h) = hint {
                d = d.with_hint(h);
            }
            diags.push(d);
            return None;
        }
    };
    let (body, sc_errors) = markdown::render(split.body);
    let doc = ParsedDoc {
        rel_path: rel_path.to_string(),
        front: Box::new(front),
        yaml: split.yaml.to_string(),
        yaml_line: split.yaml_line,
        body_line: split.body_line,
        body,
        front_pending: false,
    };
    for e in sc_errors {
        diags.push(Diagnostic::error(
            rel_path,
            split.body_line + e.line - 1,
            e.column,
            e.message,
        ));
    }
    if rel_path.ends_with("_index.md") {
        // The site's and the sections' front pages are not pages: nothing
        // places a shortcode there.
        for sc in &doc.body.shortcodes {
            diags.push(Diagnostic::warning(
                rel_path,
                split.body_line + sc.line - 1,
                sc.column,
                format!(
                    "`{}` is not drawn on a front page (_index.md); it is left out",
                    sc.name
                ),
            ));
        }
    }
    for key in ignored {
        diags.push(ignored_key(&doc, &key));
    }
    Some(doc)
}

/// The warning for a front-matter key no field takes (`a.b.0.c`), at the
/// key, with the nearest known key as a hint.
fn ignored_key(doc: &ParsedDoc, key: &str) -> Diagnostic {
    let dotted = key
        .split('.')
        .map(|s| {
            if s.parse::<usize>().is_ok() {
                format!("[{s}]")
            } else {
                format!(".{s}")
            }
        })
        .collect::<String>();
    let dotted = dotted.trim_start_matches('.').replace(".[", "[");
    let last = key.rsplit('.').next().unwrap_or(key).to_string();
    let (line, col) = doc.locate(&dotted);
    let mut d = Diagnostic::warning(
        &doc.rel_path,
        line,
        col,
        format!("unknown key `{dotted}` is ignored"),
    );
    if let Some(s) = did_you_mean(&last, front_matter::keys_at(key)) {
        d = d.with_hint(format!("did you mean `{s}`?"));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_error_lines_count_in_the_file() {
        let (doc, d) = parse_page("content/a.md", b"---\ntitle: A\ndate: [\n---\nbody\n");
        assert!(doc.is_none());
        let e = &d.0[0];
        assert!(e.line >= 3, "{e}");
    }

    #[test]
    fn unknown_key_warns_with_suggestion() {
        let (doc, d) = parse_page("content/a.md", b"---\ntitle: A\ntgas: [x]\n---\nbody\n");
        assert!(doc.is_some());
        assert_eq!(d.0[0].to_string(), "warning: content/a.md:3:1: unknown key `tgas` is ignored\n  hint: did you mean `tags`?");
    }

    #[test]
    fn non_utf8_and_empty() {
        let (_, d) = parse_page("content/a.md", b"---\ntitle: \xff\n---\n");
        assert!(d.0[0].message.contains("UTF-8"));
        assert_eq!((d.0[0].line, d.0[0].column), (2, 8));
        let (_, d) = parse_page("content/a.md", b"  \n");
        assert!(d.0[0].message.contains("empty"));
    }
}
