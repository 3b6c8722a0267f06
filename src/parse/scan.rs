//! A linear pre-scan of front-matter YAML, run before it is deserialised:
//! refuse absurd nesting, and find duplicated keys with both positions.
//!
//! The YAML parser's time grows with the square of the nesting depth
//! (50,000 levels of `[[[[…` or `a: {a: {…` took 25 s), so the depth is
//! measured here in one pass over the text and pages nested deeper than
//! [`MAX_DEPTH`] are refused. serde reports a duplicated key as "duplicate
//! field" at one place only, or, inside a count such as
//! `{ events: 89, total: 258, events: 90 }`, not at all; this scan names the
//! key and both of its lines.
//!
//! The scan reads the block structure by indentation (mapping keys at one
//! column, `- ` items) and flow collections (`[…]`, `{…}`) character by
//! character, skipping quoted strings, comments and block scalars (`|`,
//! `>`). It is deliberately conservative: what it cannot read as a key is
//! left for the YAML parser to judge.

use std::collections::HashMap;

/// Deepest nesting of collections accepted in front matter.
pub const MAX_DEPTH: usize = 64;

/// A problem found by the scan (0-based line and column in the YAML text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// 0-based line within the YAML text.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The 0-based line of the key's first occurrence, for a duplicate.
    pub first_line: Option<usize>,
}

/// The keys of one mapping, each with the line it was first met on. A
/// short list searched in order while the mapping is small (nearly every
/// one is: hashing each key was most of the scan's time), moved into a hash
/// map once it is long, so a mapping of 100,000 keys still scans in linear
/// time.
#[derive(Default)]
struct Keys {
    few: Vec<(String, usize)>,
    many: HashMap<String, usize>,
}

/// Past this many keys a mapping's keys go into the hash map.
const FEW_KEYS: usize = 16;

impl Keys {
    /// The line `key` was first met on, if it was; otherwise it is
    /// recorded as met on `line`.
    fn first_or_insert(&mut self, key: &str, line: usize) -> Option<usize> {
        if self.many.is_empty() {
            if let Some(&(_, first)) = self.few.iter().find(|(k, _)| k == key) {
                return Some(first);
            }
            if self.few.len() < FEW_KEYS {
                self.few.push((key.to_string(), line));
                return None;
            }
            self.many.extend(self.few.drain(..));
        }
        if let Some(&first) = self.many.get(key) {
            return Some(first);
        }
        self.many.insert(key.to_string(), line);
        None
    }
}

/// One open block collection: its column and, for a mapping, its keys.
struct Block {
    indent: usize,
    keys: Keys,
}

/// One open flow collection; `keys` is `Some` for a mapping.
struct Flow {
    keys: Option<Keys>,
    /// Whether the next scalar in this mapping is in key position.
    expect_key: bool,
}

struct Scanner {
    blocks: Vec<Block>,
    flows: Vec<Flow>,
    /// Inside a quoted string that continues on the next line.
    quote: Option<char>,
    /// Inside a block scalar whose parent is at this column.
    block_scalar: Option<usize>,
}

/// Scan `yaml`; `Err` for nesting deeper than [`MAX_DEPTH`] or a key that
/// appears twice in one mapping.
pub fn scan(yaml: &str) -> Result<(), ScanError> {
    let mut s = Scanner {
        blocks: Vec::new(),
        flows: Vec::new(),
        quote: None,
        block_scalar: None,
    };
    for (ln, line) in yaml.lines().enumerate() {
        s.line(ln, line.trim_end_matches('\r'))?;
    }
    Ok(())
}

fn too_deep(line: usize, column: usize) -> ScanError {
    ScanError {
        line,
        column,
        message: format!("front matter nested deeper than {MAX_DEPTH} levels"),
        first_line: None,
    }
}

fn duplicate(key: &str, line: usize, column: usize, first: usize) -> ScanError {
    ScanError {
        line,
        column,
        message: format!("duplicate key `{key}`"),
        first_line: Some(first),
    }
}

impl Scanner {
    fn depth(&self) -> usize {
        self.blocks.len() + self.flows.len()
    }

    fn line(&mut self, ln: usize, line: &str) -> Result<(), ScanError> {
        let text = line.trim_start_matches(' ');
        let indent = line.len() - text.len();
        if let Some(parent) = self.block_scalar {
            if text.is_empty() || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        if self.quote.is_some() || !self.flows.is_empty() {
            return self.inline(ln, line, indent, None);
        }
        if text.is_empty() || text.starts_with('#') {
            return Ok(());
        }
        let mut col = indent;
        let mut dash = indent;
        let mut rest = text;
        self.blocks.retain(|b| b.indent <= col);
        // `- ` items: each opens a sequence at its dash (once) and a new
        // scope for the item's own mapping.
        while rest == "-" || rest.starts_with("- ") {
            if self.blocks.last().is_none_or(|b| b.indent < col) {
                self.blocks.push(Block {
                    indent: col,
                    keys: Keys::default(),
                });
                if self.depth() > MAX_DEPTH {
                    return Err(too_deep(ln, col));
                }
            }
            let after = rest[1..].trim_start_matches(' ');
            dash = col;
            col += rest.len() - after.len();
            rest = after;
            self.blocks.retain(|b| b.indent < col);
        }
        if rest.is_empty() {
            return Ok(());
        }
        if is_block_scalar(rest) {
            // `- |`: the item's text is more indented than its dash.
            self.block_scalar = Some(dash);
            return Ok(());
        }
        if let Some((key, after_colon)) = block_key(rest) {
            match self.blocks.last_mut() {
                Some(b) if b.indent == col => {
                    if let Some(first) = b.keys.first_or_insert(&key, ln) {
                        return Err(duplicate(&key, ln, col, first));
                    }
                }
                _ => {
                    let mut keys = Keys::default();
                    keys.first_or_insert(&key, ln);
                    self.blocks.push(Block { indent: col, keys });
                    if self.depth() > MAX_DEPTH {
                        return Err(too_deep(ln, col));
                    }
                }
            }
            let value = rest[after_colon..].trim_start_matches(' ');
            if is_block_scalar(value) {
                self.block_scalar = Some(col);
                return Ok(());
            }
            let vcol = col + (rest.len() - value.len());
            return self.inline(ln, line, vcol, Some(col));
        }
        self.inline(ln, line, col, Some(col))
    }

    /// Scan `line` from byte `from` for quotes, comments and flow
    /// collections. `parent` is the column of the block entry the text
    /// belongs to (a block scalar indicator makes its lines skipped).
    fn inline(
        &mut self,
        ln: usize,
        line: &str,
        from: usize,
        parent: Option<usize>,
    ) -> Result<(), ScanError> {
        let bytes = line.as_bytes();
        let mut i = from.min(bytes.len());
        while i < bytes.len() {
            let c = bytes[i];
            if let Some(q) = self.quote {
                i = self.in_quote(q, ln, line, i)?;
                continue;
            }
            match c {
                b'#' if i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t' => return Ok(()),
                b'"' | b'\'' => {
                    // Quotes open a string only at the start of a scalar.
                    let starts = i == from
                        || matches!(bytes[i - 1], b' ' | b'[' | b'{' | b',' | b':' | b'\t');
                    if starts {
                        self.quote = Some(c as char);
                    }
                    i += 1;
                }
                // `[` or `{` opens a collection inside a flow, or as the
                // first character of a block value.
                b'[' | b'{' if !self.flows.is_empty() || i == from => {
                    self.flows.push(Flow {
                        keys: (c == b'{').then(Keys::default),
                        expect_key: c == b'{',
                    });
                    if self.depth() > MAX_DEPTH {
                        return Err(too_deep(ln, i));
                    }
                    i += 1;
                }
                b']' | b'}' if !self.flows.is_empty() => {
                    self.flows.pop();
                    i += 1;
                }
                b',' if !self.flows.is_empty() => {
                    if let Some(f) = self.flows.last_mut() {
                        f.expect_key = f.keys.is_some();
                    }
                    i += 1;
                }
                b' ' | b'\t' => i += 1,
                _ if !self.flows.is_empty() => i = self.flow_scalar(ln, line, i)?,
                _ => {
                    // A plain block scalar: nothing nested in the rest of it.
                    if self.flows.is_empty() && parent.is_some() {
                        return Ok(());
                    }
                    i += 1;
                }
            }
        }
        Ok(())
    }

    /// Inside a string quoted with `q`, at byte `i`: skip an escape or a
    /// doubled quote, or close the string. Returns where to go on.
    fn in_quote(&mut self, q: char, ln: usize, line: &str, i: usize) -> Result<usize, ScanError> {
        let bytes = line.as_bytes();
        let c = bytes[i];
        if q == '"' && c == b'\\' {
            return Ok(i + 2);
        }
        if c != q as u8 {
            return Ok(i + 1);
        }
        if q == '\'' && bytes.get(i + 1) == Some(&b'\'') {
            return Ok(i + 2);
        }
        self.quote = None;
        // A quoted key in a flow mapping.
        self.after_scalar(ln, line, i + 1)?;
        Ok(i + 1)
    }

    /// A plain scalar inside a flow collection, starting at byte `i`: read
    /// it (as a key when a `:` follows). Returns where to go on.
    fn flow_scalar(&mut self, ln: usize, line: &str, mut i: usize) -> Result<usize, ScanError> {
        let bytes = line.as_bytes();
        let start = i;
        while i < bytes.len() {
            let b = bytes[i];
            if matches!(b, b',' | b'[' | b']' | b'{' | b'}') {
                break;
            }
            if b == b':'
                && matches!(
                    bytes.get(i + 1),
                    None | Some(b' ') | Some(b',') | Some(b']') | Some(b'}')
                )
            {
                break;
            }
            if b == b'#' && bytes[i - 1] == b' ' {
                break;
            }
            i += 1;
        }
        let key = line[start..i].trim_end();
        self.flow_key(ln, start, key, bytes.get(i) == Some(&b':'))?;
        if bytes.get(i) == Some(&b':') {
            i += 1;
        }
        Ok(i)
    }

    /// After a quoted scalar ends at `i`: in a flow mapping expecting a key,
    /// `"k":` is a key (its text is not needed to detect nesting, and
    /// quoted duplicate keys are left to the YAML parser).
    fn after_scalar(&mut self, _ln: usize, line: &str, i: usize) -> Result<(), ScanError> {
        if let Some(f) = self.flows.last_mut() {
            if f.expect_key && line.as_bytes().get(i) == Some(&b':') {
                f.expect_key = false;
            }
        }
        Ok(())
    }

    /// A plain scalar `key` at column `col` of a flow collection, followed
    /// by `:` when `is_key`.
    fn flow_key(
        &mut self,
        ln: usize,
        col: usize,
        key: &str,
        is_key: bool,
    ) -> Result<(), ScanError> {
        let Some(f) = self.flows.last_mut() else {
            return Ok(());
        };
        if !f.expect_key {
            return Ok(());
        }
        f.expect_key = false;
        if !is_key || key.is_empty() || key.starts_with(['&', '*', '!', '?', '<']) {
            return Ok(());
        }
        if let Some(keys) = f.keys.as_mut() {
            if let Some(first) = keys.first_or_insert(key, ln) {
                return Err(duplicate(key, ln, col, first));
            }
        }
        Ok(())
    }
}

/// Whether a value starts a block scalar (`|`, `>-`), after any tag or
/// anchor (`!!str |`, `&note >`).
fn is_block_scalar(value: &str) -> bool {
    let mut v = value;
    while v.starts_with('!') || v.starts_with('&') {
        match v.find(' ') {
            Some(sp) => v = v[sp..].trim_start_matches(' '),
            None => return false,
        }
    }
    v.starts_with('|') || v.starts_with('>')
}

/// `key: value` or `key:` at the start of `rest` (a plain or quoted key);
/// returns the key and the byte offset just after its colon.
fn block_key(rest: &str) -> Option<(String, usize)> {
    let b = rest.as_bytes();
    let (key, end) = match b.first()? {
        q @ (b'"' | b'\'') => {
            let close = rest[1..].find(*q as char)? + 1;
            (rest[1..close].to_string(), close + 1)
        }
        b'[' | b'{' | b'&' | b'*' | b'!' | b'?' | b'<' | b'|' | b'>' | b'#' | b'%' | b'@'
        | b'`' => return None,
        _ => {
            let mut i = 0;
            loop {
                let p = rest[i..].find(':')? + i;
                if matches!(b.get(p + 1), None | Some(b' ')) {
                    if rest[..p].trim_end().is_empty() {
                        // `: value` of a complex (`? key`) entry.
                        return None;
                    }
                    break (rest[..p].trim_end().to_string(), p);
                }
                i = p + 1;
            }
        }
    };
    if b.get(end) != Some(&b':') || !matches!(b.get(end + 1), None | Some(b' ')) {
        return None;
    }
    if key.contains(" #") {
        return None;
    }
    Some((key, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_block_scalars_and_complex_keys_are_not_duplicates() {
        for yaml in [
            "description: !!str |\n  id: x\n  id: y\ntitle: T\n",
            "description: &note >-\n  id: x\n  id: y\n",
            "items:\n  - !!str |\n    k: 1\n    k: 2\n",
            "? title\n: A\n? description\n: B\n",
        ] {
            assert!(scan(yaml).is_ok(), "{yaml:?}: {:?}", scan(yaml));
        }
        assert!(
            scan("a: 1\nb: !!str |\n  x\na: 2\n").is_err(),
            "a real duplicate"
        );
    }
    use std::time::{Duration, Instant};

    #[test]
    fn ordinary_front_matter_passes() {
        let y = "title: \"A: b\"\ntags: [a, b]\ntrial:\n  arms:\n    - { id: levo, n: 258 }\n    - id: placebo\n      n: 257\n  outcomes:\n    - id: death\n      binary: { levo: 89/258, placebo: 79/256 }\n      note: |\n        id: x\n        id: y\n    - id: other\n      binary:\n        levo:\n          events: 1\n          total: 2\n        placebo: { events: 1, total: 2 }\nurl: https://x.org/a:b\n";
        assert_eq!(scan(y), Ok(()));
    }

    #[test]
    fn block_scalars_in_sequences_are_skipped() {
        assert_eq!(scan("a:\n  - |\n    k: 1\n    k: 2\n  - x\nb: 1\n"), Ok(()));
    }

    #[test]
    fn duplicates_are_found_in_short_and_long_mappings_alike() {
        for n in [2, FEW_KEYS, FEW_KEYS + 1, 1_000] {
            let mut yaml: String = (0..n).map(|i| format!("k{i}: 1\n")).collect();
            assert_eq!(scan(&yaml), Ok(()), "{n} distinct keys");
            yaml.push_str("k1: 2\n");
            let e = scan(&yaml).unwrap_err();
            assert_eq!((e.line, e.first_line), (n, Some(1)), "{n} keys");
            let flow = format!(
                "{{ {} }}",
                (0..n).map(|i| format!("k{i}: 1, ")).collect::<String>() + "k0: 2"
            );
            let e = scan(&format!("m: {flow}\n")).unwrap_err();
            assert_eq!(
                (e.message.as_str(), e.first_line),
                ("duplicate key `k0`", Some(0))
            );
        }
        // 100,000 keys in one mapping: linear, not quadratic.
        let big: String = (0..100_000).map(|i| format!("k{i}: 1\n")).collect();
        let t = std::time::Instant::now();
        assert_eq!(scan(&big), Ok(()));
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let e = scan("title: A\ndate: 2020\ntitle: B\n").unwrap_err();
        assert_eq!((e.line, e.column, e.first_line), (2, 0, Some(0)));
        assert!(e.message.starts_with("duplicate key `title`"), "{e:?}");
        let y = "binary:\n  levo:\n    events: 89\n    total: 258\n  placebo:\n    events: 79\n    total: 256\n    events: 80\n";
        let e = scan(y).unwrap_err();
        assert_eq!((e.line, e.column, e.first_line), (7, 4, Some(5)));
        let e = scan("b: { levo: { events: 1, total: 2, events: 3 } }\n").unwrap_err();
        assert_eq!((e.line, e.column, e.first_line), (0, 34, Some(0)));
        assert!(e.message.starts_with("duplicate key `events`"), "{e:?}");
        // Items of a sequence are separate mappings.
        assert_eq!(
            scan("a:\n  - id: x\n    n: 1\n  - id: y\n    n: 2\n"),
            Ok(())
        );
    }

    #[test]
    fn deep_nesting_is_refused_in_linear_time() {
        let start = Instant::now();
        for y in [
            format!("x: {}{}\n", "[".repeat(50_000), "]".repeat(50_000)),
            format!("x: {}1{}\n", "{a: ".repeat(50_000), "}".repeat(50_000)),
            (0..2_000)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect(),
            (0..2_000)
                .map(|i| format!("{}-\n", " ".repeat(i)))
                .collect(),
        ] {
            let e = scan(&y).unwrap_err();
            assert_eq!(
                e.message,
                format!("front matter nested deeper than {MAX_DEPTH} levels")
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let ok = format!(
            "x: {}{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(scan(&ok), Ok(()));
    }
}
