//! Numbers typed in prose, in the few forms a check can compare with a
//! trial's data: a count with its percentage (`89/258 (34.5%)`), two
//! percentages set against each other (`34.5% vs 30.9%`), a percentage
//! said of an arm (`30.9% with placebo`) and an effect
//! with its interval (`RR 1.12 (0.87 to 1.43)`, `HR 1.24, 95% CI 0.91 to
//! 1.67`). This module only finds them in a run of text; what they are
//! compared with, and when that is worth a warning, is
//! [`crate::analyse::prose`]'s.

/// A number as typed: its value and how many decimals were written.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Typed {
    /// The value (a true minus sign read as `-`).
    pub value: f64,
    /// Decimals written (`34.5` → 1).
    pub decimals: u32,
}

/// What form a typed number takes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TypedKind {
    /// `89/258 (34.5%)`.
    CountPercent {
        /// The count before the slash.
        events: u64,
        /// The count after it.
        total: u64,
        /// The percentage typed beside them.
        percent: Typed,
    },
    /// `34.5% vs 30.9%` (or `versus`).
    PercentPair(Typed, Typed),
    /// `30.9% with placebo`: a percentage and the words after `with`,
    /// `in` or `on` (lower case, up to four), which may name an arm.
    PercentArm {
        /// The percentage.
        percent: Typed,
        /// The words that follow, joined by single spaces.
        words: String,
    },
    /// `RR 1.12 (0.87 to 1.43)`: a measure's short name, its estimate and
    /// interval.
    Effect {
        /// As typed (`RR`, `sHR`).
        measure: String,
        /// The estimate.
        estimate: Typed,
        /// The lower limit.
        low: Typed,
        /// The upper limit.
        high: Typed,
    },
}

/// A typed number found in a text run, at a byte offset of that run.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// What was found.
    pub kind: TypedKind,
    /// The text as typed.
    pub text: String,
    /// Byte offset of its first character in the run.
    pub offset: usize,
}

/// The short names of the measures an effect can be typed with.
const MEASURES: &[&str] = &["RR", "OR", "HR", "sHR", "RD", "MD", "SMD"];

/// A cursor over a text run.
struct Cur<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cur<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }
    fn ws(&mut self) {
        let r = self.rest();
        self.i += r.len() - r.trim_start().len();
    }
    /// Take `lit` (ASCII, case-insensitive) if it comes next.
    fn lit(&mut self, lit: &str) -> bool {
        let r = self.rest();
        if r.len() >= lit.len()
            && r.is_char_boundary(lit.len())
            && r[..lit.len()].eq_ignore_ascii_case(lit)
        {
            self.i += lit.len();
            true
        } else {
            false
        }
    }
    fn any(&mut self, lits: &[&str]) -> bool {
        lits.iter().any(|l| self.lit(l))
    }
    /// A number: optional minus (`-` or `−`), digits, optional decimals.
    fn num(&mut self) -> Option<Typed> {
        let start = self.i;
        let neg = self.lit("-") || self.lit("−");
        let r = self.rest();
        let int = r.bytes().take_while(u8::is_ascii_digit).count();
        if int == 0 {
            self.i = start;
            return None;
        }
        let mut len = int;
        let mut decimals = 0;
        if r[int..].starts_with('.') {
            let d = r[int + 1..].bytes().take_while(u8::is_ascii_digit).count();
            if d > 0 {
                decimals = d as u32;
                len = int + 1 + d;
            }
        }
        let value: f64 = r[..len].parse().ok()?;
        self.i += len;
        Some(Typed {
            value: if neg { -value } else { value },
            decimals,
        })
    }
    /// A whole number with no sign or decimals.
    fn whole(&mut self) -> Option<u64> {
        let r = self.rest();
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        let v = r[..n].parse().ok()?;
        if r[n..].starts_with('.') && r[n + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.i += n;
        Some(v)
    }
    /// A percentage: a number, optional space, `%`.
    fn percent(&mut self) -> Option<Typed> {
        let start = self.i;
        let n = self.num()?;
        self.ws();
        if self.lit("%") {
            Some(n)
        } else {
            self.i = start;
            None
        }
    }
    /// `low to high` (or a dash or comma between them).
    fn range(&mut self) -> Option<(Typed, Typed)> {
        let lo = self.num()?;
        self.ws();
        if !self.any(&["to", "–", "—", ",", "-"]) {
            return None;
        }
        self.ws();
        Some((lo, self.num()?))
    }
    /// An optional `95% CI` (or `95% confidence interval`) and punctuation.
    fn ci_words(&mut self) {
        let start = self.i;
        if self.percent().is_some() {
            self.ws();
        }
        if self.any(&["CI", "confidence interval"]) {
            self.ws();
            if self.any(&[",", ":"]) {
                self.ws();
            }
        } else {
            self.i = start;
        }
    }
}

/// Whether the character before byte `i` of `s` joins a number or word
/// (so a match cannot start there).
fn joined(s: &str, i: usize) -> bool {
    s[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '/' || c == '_')
}

/// `89/258 (34.5%)` at the cursor.
fn count_percent(c: &mut Cur) -> Option<TypedKind> {
    let events = c.whole()?;
    if !c.lit("/") {
        return None;
    }
    let total = c.whole()?;
    c.ws();
    if !c.lit("(") {
        return None;
    }
    c.ws();
    let percent = c.percent()?;
    Some(TypedKind::CountPercent {
        events,
        total,
        percent,
    })
}

/// `34.5% vs 30.9%` at the cursor.
fn percent_pair(c: &mut Cur) -> Option<TypedKind> {
    let a = c.percent()?;
    c.ws();
    if !(c.lit("versus") || c.lit("vs.") || c.lit("vs")) {
        return None;
    }
    c.ws();
    let b = c.percent()?;
    Some(TypedKind::PercentPair(a, b))
}

/// `30.9% with placebo` at the cursor (up to four words of letters).
fn percent_arm(c: &mut Cur) -> Option<TypedKind> {
    let percent = c.percent()?;
    c.ws();
    if !["with ", "in ", "on "].iter().any(|w| c.lit(w)) {
        return None;
    }
    let mut words = Vec::new();
    while words.len() < 4 {
        c.ws();
        let r = c.rest();
        let n: usize = r
            .chars()
            .take_while(|ch| ch.is_alphabetic() || *ch == '-')
            .map(char::len_utf8)
            .sum();
        if n == 0 {
            break;
        }
        words.push(r[..n].to_lowercase());
        c.i += n;
    }
    if words.is_empty() {
        return None;
    }
    Some(TypedKind::PercentArm {
        percent,
        words: words.join(" "),
    })
}

/// `RR 1.12 (0.87 to 1.43)` or `RR 1.12, 95% CI 0.87 to 1.43` at the cursor.
fn effect(c: &mut Cur) -> Option<TypedKind> {
    let measure = MEASURES.iter().find(|m| c.rest().starts_with(**m))?;
    c.i += measure.len();
    if c.rest().starts_with(|ch: char| ch.is_alphanumeric()) {
        return None;
    }
    c.ws();
    if c.any(&["=", ":"]) {
        c.ws();
    }
    let estimate = c.num()?;
    c.ws();
    let paren = c.lit("(");
    if !paren && c.lit(",") {
        c.ws();
    }
    c.ws();
    let before = c.i;
    c.ci_words();
    if !paren && c.i == before {
        // Outside parentheses the interval must say it is one.
        return None;
    }
    let (low, high) = c.range()?;
    Some(TypedKind::Effect {
        measure: measure.to_string(),
        estimate,
        low,
        high,
    })
}

/// Every typed number of `run`, in order; matches do not overlap.
pub fn find(run: &str) -> Vec<Found> {
    let b = run.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Every form holds a digit, and a match has nothing but a measure's
    // name, `=` or `:`, spaces and a minus before its first digit. So the
    // next digit is looked for first (one quick pass over the bytes), and
    // only the few places just before it and the digit itself are tried:
    // a match cannot start anywhere earlier. Trying every letter a measure
    // starts with (the `s` of every plural) was most of the time spent here.
    while let Some(k) = b[i..].iter().position(u8::is_ascii_digit) {
        let digit = i + k;
        let from = earliest_start(run, digit).max(i);
        match first_match(run, from, digit) {
            Some((found, end)) => {
                out.push(found);
                i = end;
            }
            None => i = digit + 1,
        }
        if i >= run.len() {
            break;
        }
    }
    out
}

/// The earliest byte a match whose first digit is at `digit` can start at
/// (or earlier): back over a minus, spaces, an `=` or `:`, spaces and a
/// measure's name (at most three ASCII letters), on a char boundary.
fn earliest_start(run: &str, digit: usize) -> usize {
    let mut head = &run[..digit];
    head = head
        .strip_suffix('-')
        .or_else(|| head.strip_suffix('\u{2212}'))
        .unwrap_or(head);
    head = head.trim_end();
    head = head
        .strip_suffix('=')
        .or_else(|| head.strip_suffix(':'))
        .unwrap_or(head);
    head = head.trim_end();
    let mut at = head.len().saturating_sub(3);
    while !run.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first match starting in `from..=last` (tried at each place a match
/// can start, in order), with the byte where it ends.
fn first_match(run: &str, from: usize, last: usize) -> Option<(Found, usize)> {
    // A match starts at a digit, a minus (`-`, or `−`, whose UTF-8 starts
    // 0xE2) or a measure's first letter: skip every other byte at once (all
    // of these are ASCII or a lead byte, so `i` stays on a char boundary).
    let can_start = |b: &u8| {
        matches!(
            b,
            b'0'..=b'9' | b'-' | 0xE2 | b'R' | b'O' | b'H' | b's' | b'M' | b'S'
        )
    };
    let mut i = from;
    while i <= last {
        i += run.as_bytes()[i..=last].iter().position(can_start)?;
        let ch = run[i..].chars().next().map_or(1, char::len_utf8);
        // `joined` first: it passes over a letter inside a word before any
        // measure name is tried.
        let starts = || {
            run[i..].starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '\u{2212}')
                || MEASURES.iter().any(|m| run[i..].starts_with(m))
        };
        if joined(run, i) || !starts() {
            i += ch;
            continue;
        }
        let tries: [fn(&mut Cur) -> Option<TypedKind>; 4] =
            [count_percent, percent_pair, effect, percent_arm];
        let hit = tries.iter().find_map(|f| {
            let mut c = Cur { s: run, i };
            f(&mut c).map(|k| (k, c.i))
        });
        if let Some((kind, end)) = hit {
            // Include the closing parenthesis of one the match opened.
            let open = run[i..end].matches('(').count() > run[i..end].matches(')').count();
            let end = end + usize::from(open && run[end..].starts_with(')'));
            let found = Found {
                kind,
                text: run[i..end].trim_end().to_string(),
                offset: i,
            };
            return Some((found, end));
        }
        i += ch;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(value: f64, decimals: u32) -> Typed {
        Typed { value, decimals }
    }

    #[test]
    fn each_form_is_found_with_its_decimals() {
        let f = find("Death: 89/258 (34.5%) against 79/256 (30.9 %), so 34.5% vs 30.9%.");
        let kinds: Vec<&TypedKind> = f.iter().map(|x| &x.kind).collect();
        assert_eq!(
            kinds,
            [
                &TypedKind::CountPercent {
                    events: 89,
                    total: 258,
                    percent: t(34.5, 1)
                },
                &TypedKind::CountPercent {
                    events: 79,
                    total: 256,
                    percent: t(30.9, 1)
                },
                &TypedKind::PercentPair(t(34.5, 1), t(30.9, 1)),
            ]
        );
        assert_eq!(f[0].text, "89/258 (34.5%)");
        assert_eq!(
            find("so RR 1.12 (0.87 to 1.43).")[0].text,
            "RR 1.12 (0.87 to 1.43)"
        );
        assert_eq!(
            find("(RR 1.12, CI 0.87 to 1.43)")[0].text,
            "RR 1.12, CI 0.87 to 1.43"
        );
        assert_eq!(f[0].offset, 7);
        assert_eq!(f[2].text, "34.5% vs 30.9%");
    }

    #[test]
    fn effects_in_the_usual_spellings() {
        let effect = |s: &str| match find(s).into_iter().next().map(|x| x.kind) {
            Some(TypedKind::Effect {
                measure,
                estimate,
                low,
                high,
            }) => Some((measure, estimate.value, low.value, high.value)),
            _ => None,
        };
        let rr = Some(("RR".to_string(), 1.12, 0.87, 1.43));
        assert_eq!(effect("RR 1.12 (0.87 to 1.43)"), rr);
        assert_eq!(effect("RR = 1.12 (95% CI, 0.87–1.43)"), rr);
        assert_eq!(effect("RR 1.12, 95% CI 0.87 to 1.43"), rr);
        assert_eq!(
            effect("an RD of RD 3.6 (−4.5 to 11.7)"),
            Some(("RD".to_string(), 3.6, -4.5, 11.7))
        );
        assert_eq!(
            effect("sHR 2.16, 95% CI 0.97 to 4.80"),
            Some(("sHR".to_string(), 2.16, 0.97, 4.8))
        );
        // No interval, a bare "1.12, 0.87 to 1.43", or a word that only
        // starts like a measure: nothing to compare.
        assert_eq!(effect("RR 1.12 overall"), None);
        assert_eq!(effect("RR 1.12, 0.87 to 1.43"), None);
        assert_eq!(effect("ORs 1.1 (0.9 to 1.3)"), None);
        assert_eq!(effect("MORE 1.1 (0.9 to 1.3)"), None);
    }

    #[test]
    fn numbers_inside_other_numbers_or_words_are_not_taken() {
        assert!(find("version 2.89/258 (3%)").is_empty());
        assert!(find("1/2 of them").is_empty());
        assert!(find("34.5% and 30.9%").is_empty(), "only vs/versus pairs");
        assert_eq!(
            find("in 30.9% with Placebo, 2 of them")[0].kind,
            TypedKind::PercentArm {
                percent: t(30.9, 1),
                words: "placebo".into()
            }
        );
        let f = find("34.5% in the levosimendan group vs 30.9%");
        assert_eq!(
            f[0].kind,
            TypedKind::PercentArm {
                percent: t(34.5, 1),
                words: "the levosimendan group vs".into()
            }
        );
        assert_eq!(
            find("(13.5% versus 7.7%)")[0].kind,
            TypedKind::PercentPair(t(13.5, 1), t(7.7, 1))
        );
    }

    /// Every match, trying every place from the last match's end to the
    /// end of the run (what `find` did before it looked for digits first):
    /// the reference for the property below.
    fn find_everywhere(run: &str) -> Vec<Found> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some((found, end)) = (i < run.len())
            .then(|| first_match(run, i, run.len() - 1))
            .flatten()
        {
            out.push(found);
            i = end;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Looking for the next digit first finds exactly what trying
        /// every place finds.
        #[test]
        fn the_digit_first_scan_finds_what_trying_everywhere_finds(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "RR", "OR", "HR", "sHR", "RD", "MD", "SMD", "s", "M", "R", "x", "é",
                " ", "  ", "\u{a0}", "=", ":", "-", "\u{2212}", "–", ",", ".", "/", "%",
                "(", ")", "0", "1", "12", "3.5", "95% CI", " to ", " vs ", " versus ",
                " with ", " in ", "placebo", "CI", "\n", "sHR 2.16, 95% CI 0.97 to 4.80",
                "RR = 1.12 (0.87\u{2013}1.43)", "89/258 (34.5%)", "34.5% vs 30.9%",
                "30.9% with placebo", "HR: \u{2212}0.5 (\u{2212}1 to 0)", "SMD  -0.2 (-0.4, 0)",
                "OR\u{a0}=\u{a0}2 (1 to 3)",
            ]), 0..40)
        ) {
            let run: String = parts.concat();
            proptest::prop_assert_eq!(find(&run), find_everywhere(&run));
        }
    }
}
