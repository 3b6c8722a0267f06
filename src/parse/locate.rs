//! Find the line and column of a key path in YAML text.
//!
//! serde_yaml reports positions for syntax and type errors, but the checks
//! made after deserialising (events > total, an unknown arm, a CI that does
//! not contain its estimate) only know the *path* of the offending value,
//! such as `trial.outcomes[2].binary.levo`. This module maps such a path back
//! to a position by reading the block structure of the YAML text: a key is
//! looked up among the lines at the indentation of its parent mapping, a
//! sequence index counts the `- ` items, and inside a flow mapping
//! (`{ levo: 89/258 }`) the key is searched for on the same line. When a
//! segment cannot be found, the position of the deepest segment found is
//! returned, which still points the author at the right block.

/// One step of a path into YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// Shorthand: parse `a.b[2].c` into segments.
pub fn path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in p.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = stripped.get(end + 1..).unwrap_or("");
            }
        } else if !rest.is_empty() {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// One line of a YAML text: its indentation and the text after it.
pub struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// The lines of `yaml`, as [`locate_in`] walks them: made once for every
/// path looked up in one text.
pub fn lines(yaml: &str) -> Vec<Line<'_>> {
    yaml.lines()
        .map(|l| {
            let t = l.trim_start_matches(' ');
            Line {
                indent: l.len() - t.len(),
                text: t,
            }
        })
        .collect()
}

/// Locate `segs` in `yaml`; returns a 0-based (line, column) within the YAML
/// text, or `None` when not even the first segment is found.
pub fn locate(yaml: &str, segs: &[Seg]) -> Option<(usize, usize)> {
    locate_in(&lines(yaml), segs)
}

/// [`locate`] in the [`lines`] of a YAML text.
pub fn locate_in(lines: &[Line], segs: &[Seg]) -> Option<(usize, usize)> {
    let mut w = Walk {
        start: 0,
        end: lines.len(),
        col: None,
        found: None,
        inline: false,
        key_pos: None,
        lines,
    };
    for seg in segs {
        let go_on = if w.inline {
            w.inline_step(seg)
        } else {
            match w.region_col() {
                None => false,
                Some(region_col) => match seg {
                    Seg::Key(k) => w.key_step(k, region_col),
                    Seg::Index(n) => w.index_step(*n, region_col),
                },
            }
        };
        if !go_on {
            return w.found;
        }
    }
    w.key_pos.or(w.found)
}

/// Whether a line holds content (not blank, not a comment).
fn is_content(l: &Line) -> bool {
    !l.text.is_empty() && !l.text.starts_with('#')
}

/// A walk down a path through the lines of a YAML text.
struct Walk<'l, 'a> {
    lines: &'l [Line<'a>],
    /// The current region: lines [start, end).
    start: usize,
    end: usize,
    /// The column where the region's entries begin (None: the first
    /// content line's indentation).
    col: Option<usize>,
    /// The deepest position found so far.
    found: Option<(usize, usize)>,
    /// Set when the value at `found` is written inline (flow style).
    inline: bool,
    /// Position of the last key found (the answer when the path ends on a key).
    key_pos: Option<(usize, usize)>,
}

impl Walk<'_, '_> {
    /// The column of the current region's entries (`None`: it is empty).
    fn region_col(&self) -> Option<usize> {
        match self.col {
            Some(c) => Some(c),
            None => (self.start..self.end)
                .find(|&j| is_content(&self.lines[j]))
                .map(|j| self.lines[j].indent),
        }
    }

    /// One segment inside a flow value, on the line of `found`. Returns
    /// whether the walk goes on.
    fn inline_step(&mut self, seg: &Seg) -> bool {
        let Some((fl, fc)) = self.found else {
            return false;
        };
        let line = self.lines[fl].text;
        let from = fc - self.lines[fl].indent;
        let rest = line.get(from..);
        let at = match seg {
            Seg::Key(k) => rest.and_then(|t| find_key(t, k)),
            Seg::Index(n) => rest.and_then(|t| flow_item(t, *n)),
        };
        match at {
            Some(p) => {
                self.found = Some((fl, fc + p));
                self.key_pos = self.found;
                true
            }
            None => false,
        }
    }

    /// A key among the region's entries at `region_col`. Returns whether
    /// the walk goes on (not when the key is missing or holds a scalar).
    fn key_step(&mut self, k: &str, region_col: usize) -> bool {
        let lines = &self.lines;
        let pat = format!("{k}:");
        let quoted = format!("\"{k}\":");
        let hit = (self.start..self.end).find_map(|j| {
            let l = &lines[j];
            if !is_content(l) {
                return None;
            }
            let (c, t) = strip_dashes(l);
            (c == region_col && (t.starts_with(&pat) || t.starts_with(&quoted))).then_some((j, c))
        });
        let Some((j, c)) = hit else {
            return false;
        };
        self.found = Some((j, c));
        self.key_pos = self.found;
        let text = lines[j].text;
        let key_len = if text[c - lines[j].indent..].starts_with('"') {
            k.len() + 3
        } else {
            k.len() + 1
        };
        let after = text
            .get(c - lines[j].indent + key_len..)
            .unwrap_or("")
            .trim();
        let new_end = (j + 1..self.end)
            .find(|&m| is_content(&lines[m]) && lines[m].indent <= c)
            .unwrap_or(self.end);
        self.start = j + 1;
        self.end = new_end;
        self.col = None;
        if after.starts_with('{') || after.starts_with('[') {
            self.inline = true;
            self.found = Some((j, c + key_len));
            true
        } else {
            // A scalar: nothing deeper.
            after.is_empty()
                || after.starts_with('#')
                || after.starts_with('|')
                || after.starts_with('>')
        }
    }

    /// The `n`th `- ` item among the region's entries at `region_col`.
    /// Returns whether the walk goes on.
    fn index_step(&mut self, n: usize, region_col: usize) -> bool {
        let lines = &self.lines;
        let mut items = (self.start..self.end).filter(|&j| {
            let l = &lines[j];
            is_content(l) && l.indent == region_col && (l.text.starts_with("- ") || l.text == "-")
        });
        let Some(j) = items.nth(n) else {
            return false;
        };
        let rest = lines[j].text[1..].trim_start_matches(' ');
        let item_col = region_col + (lines[j].text.len() - rest.len());
        self.end = (j + 1..self.end)
            .find(|&m| is_content(&lines[m]) && lines[m].indent <= region_col)
            .unwrap_or(self.end);
        self.start = j;
        self.col = Some(item_col);
        self.found = Some((j, item_col));
        self.key_pos = None;
        self.inline = rest.starts_with('{') || rest.starts_with('[');
        true
    }
}

/// Byte offset of the `n`th item of the flow sequence that starts in `t`.
fn flow_item(t: &str, n: usize) -> Option<usize> {
    let open = t.find('[')?;
    let mut depth = 0;
    let mut index = 0;
    let mut item_start = None;
    for (i, c) in t.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                index += 1;
                item_start = None;
                continue;
            }
            _ => {}
        }
        if depth >= 1 && index == n && item_start.is_none() && !c.is_whitespace() {
            item_start = Some(i);
            return item_start;
        }
    }
    None
}

/// Byte offset of `key:` in flow text, at a key boundary (after `{`, `,` or a space).
fn find_key(t: &str, k: &str) -> Option<usize> {
    let pat = format!("{k}:");
    let mut from = 0;
    while let Some(p) = t[from..].find(&pat) {
        let at = from + p;
        let before = t[..at].chars().next_back();
        if matches!(before, None | Some('{') | Some(',') | Some(' ')) {
            return Some(at);
        }
        from = at + pat.len();
    }
    None
}

/// The column and text of a line's entry after any `- ` sequence markers.
fn strip_dashes<'a>(l: &Line<'a>) -> (usize, &'a str) {
    let mut c = l.indent;
    let mut t = l.text;
    while let Some(r) = t.strip_prefix("- ") {
        let r2 = r.trim_start_matches(' ');
        c += 2 + (r.len() - r2.len());
        t = r2;
    }
    (c, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: &str = "title: X\ntrial:\n  acronym: A\n  arms:\n    - { id: levo, n: 258 }\n    - id: placebo\n      n: 257\n  outcomes:\n    - id: death\n      binary: { levo: 89/258, placebo: 79/256 }\n      reported:\n        ci: [1, 2]\n";

    #[test]
    fn finds_nested_keys() {
        assert_eq!(locate(Y, &path("title")), Some((0, 0)));
        assert_eq!(locate(Y, &path("trial.acronym")), Some((2, 2)));
        assert_eq!(locate(Y, &path("trial.arms[1].n")), Some((6, 6)));
        assert_eq!(locate(Y, &path("trial.arms[0].n")), Some((4, 18)));
        assert_eq!(
            locate(Y, &path("trial.outcomes[0].binary.placebo")),
            Some((9, 30))
        );
        assert_eq!(
            locate(Y, &path("trial.outcomes[0].reported.ci")),
            Some((11, 8))
        );
    }

    #[test]
    fn finds_flow_sequence_items() {
        assert_eq!(
            locate("trials: [demo, leopard]\n", &path("trials[1]")),
            Some((0, 15))
        );
    }

    #[test]
    fn falls_back_to_deepest_found() {
        assert_eq!(locate(Y, &path("trial.outcomes[0].nothere")), Some((8, 6)));
        assert_eq!(locate(Y, &path("nope")), None);
    }
}
