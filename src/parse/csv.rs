//! Outcome tables from CSV files beside a trial's `index.md` (page bundles).
//!
//! Long format, one row per outcome and arm, as exported from a
//! spreadsheet. Columns (header names, any order; unknown columns are
//! reported):
//!
//! `outcome, label, endpoint, role, timepoint, direction, arm, events, total,
//! mean, sd, n, measure, estimate, ci_low, ci_high, p`
//!
//! Rows of one outcome follow each other; outcome-level columns (label,
//! role, measure...) are read from the outcome's first row. A row with
//! `events`/`total` makes the outcome binary, one with `mean`/`sd`/`n`
//! continuous. The rows load into the same [`RawOutcome`] type as outcomes
//! written in front matter, so everything after this point is shared.

use std::collections::BTreeMap;

use super::front_matter::{
    OneOrMany, Printed, RawCount, RawMeanSd, RawOutcome, RawReported, RawWhole,
};

/// The columns a CSV outcome table may have.
pub const COLUMNS: &[&str] = &[
    "outcome",
    "label",
    "endpoint",
    "role",
    "timepoint",
    "direction",
    "arm",
    "events",
    "total",
    "mean",
    "sd",
    "n",
    "measure",
    "estimate",
    "ci_low",
    "ci_high",
    "p",
];

/// A CSV problem: 1-based line and column in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Outcomes read from a CSV file, each with the line it starts on.
pub fn parse_outcomes(text: &str) -> (Vec<(RawOutcome, usize)>, Vec<CsvError>) {
    let mut errors = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errors.push(CsvError {
                line: 1,
                column: 1,
                message: format!("cannot read the header row: {e}"),
            });
            return (Vec::new(), errors);
        }
    };
    let col_of = columns(&headers, text, &mut errors);
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(RawOutcome, usize)> = Vec::new();
    // The outcome id of each row, so that an outcome that lost a row to an
    // error is left out whole (its error is already reported; half an
    // outcome would cause a second, misleading one).
    let mut row_ids: Vec<(usize, String)> = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(CsvError {
                    line,
                    column: 1,
                    message: format!("{e}"),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let row = Row {
            rec: &rec,
            col_of: &col_of,
            line,
            raw_line: lines.get(line.saturating_sub(1)).copied().unwrap_or(""),
        };
        row_ids.push((line, row.get("outcome").unwrap_or("").to_string()));
        take_row(&row, &mut out, &mut errors);
    }
    let broken: std::collections::BTreeSet<&str> = row_ids
        .iter()
        .filter(|(line, _)| errors.iter().any(|e| e.line == *line))
        .map(|(_, id)| id.as_str())
        .collect();
    out.retain(|(o, _)| !broken.contains(o.id.as_str()));
    (out, errors)
}

/// The known columns of the header row by position; an unknown or missing
/// column is an error.
fn columns(
    headers: &csv::StringRecord,
    text: &str,
    errors: &mut Vec<CsvError>,
) -> BTreeMap<&'static str, usize> {
    let mut col_of: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(h)) {
            Some(c) => {
                col_of.insert(c, i);
            }
            None => {
                let hint = crate::diag::did_you_mean(h, COLUMNS)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                errors.push(CsvError {
                    line: 1,
                    column: column_of(text.lines().next().unwrap_or(""), i),
                    message: format!("unknown column `{h}`{hint}"),
                });
            }
        }
    }
    for needed in ["outcome", "arm"] {
        if !col_of.contains_key(needed) {
            errors.push(CsvError {
                line: 1,
                column: 1,
                message: format!("missing column `{needed}`"),
            });
        }
    }
    col_of
}

/// One data row, its fields read by column name.
struct Row<'a> {
    rec: &'a csv::StringRecord,
    col_of: &'a BTreeMap<&'static str, usize>,
    /// 1-based line of the row.
    line: usize,
    /// The row's text, to locate a field.
    raw_line: &'a str,
}

impl Row<'_> {
    /// The non-empty field of column `c`.
    fn get(&self, c: &str) -> Option<&str> {
        self.col_of
            .get(c)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The number in column `c` (an error when it is not one).
    fn num(&self, c: &str, errors: &mut Vec<CsvError>) -> Option<f64> {
        let s = self.get(c)?;
        // Papers print a typographic minus; accept it as in front matter.
        match s.replace('−', "-").parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                errors.push(self.error(c, format!("`{c}` must be a number, found `{s}`")));
                None
            }
        }
    }

    /// An error at column `c` of this row.
    fn error(&self, c: &str, message: String) -> CsvError {
        CsvError {
            line: self.line,
            column: column_of(self.raw_line, self.col_of[c]),
            message,
        }
    }
}

/// Take in one row: a new outcome when its id differs from the last row's
/// (its outcome-level columns read from this row), then the arm's data.
fn take_row(row: &Row, out: &mut Vec<(RawOutcome, usize)>, errors: &mut Vec<CsvError>) {
    let id = row.get("outcome").unwrap_or("").to_string();
    let arm = row.get("arm").unwrap_or("").to_string();
    let mut num = |c: &str| row.num(c, errors);
    let (events, total, mean, sd, n) = (
        num("events"),
        num("total"),
        num("mean"),
        num("sd"),
        num("n"),
    );
    // Printed numbers keep their text (decimals as typed); check they are numbers.
    let (estimate, lo, hi) = (num("estimate"), num("ci_low"), num("ci_high"));
    let printed = |c: &str| row.get(c).map(|s| Printed(s.to_string()));
    let (estimate, lo, hi) = (
        estimate.and(printed("estimate")),
        lo.and(printed("ci_low")),
        hi.and(printed("ci_high")),
    );
    if out.last().is_none_or(|(o, _)| o.id != id) {
        let reported = match (row.get("measure"), estimate) {
            (Some(m), Some(e)) => Some(OneOrMany::One(RawReported {
                measure: m.to_string(),
                estimate: e,
                ci: lo.zip(hi).map(|(a, b)| vec![a, b]),
                p: printed("p"),
                ..RawReported::default()
            })),
            _ => None,
        };
        let outcome = RawOutcome {
            id: id.clone(),
            label: row.get("label").unwrap_or(&id).to_string(),
            endpoint: row.get("endpoint").map(String::from),
            role: row.get("role").map(String::from),
            timepoint: row.get("timepoint").map(String::from),
            direction: row.get("direction").map(String::from),
            reported,
            ..RawOutcome::default()
        };
        out.push((outcome, row.line));
    }
    let Some((o, _)) = out.last_mut() else {
        return;
    };
    if let (Some(e), Some(t)) = (events, total) {
        o.binary.get_or_insert_with(BTreeMap::new).insert(
            arm,
            RawCount::Long {
                events: RawWhole::from_f64(e),
                total: RawWhole::from_f64(t),
            },
        );
    } else if let (Some(m), Some(s), Some(n)) = (mean, sd, n) {
        if n.fract() != 0.0 || n.abs() > 9.2e18 {
            let found = row.get("n").unwrap_or("");
            errors.push(row.error("n", format!("`n` must be a whole number, found `{found}`")));
            return;
        }
        o.continuous.get_or_insert_with(BTreeMap::new).insert(
            arm,
            RawMeanSd {
                mean: m,
                sd: s,
                n: n as i64,
            },
        );
    } else {
        errors.push(CsvError {
            line: row.line,
            column: 1,
            message: "a row needs either events and total, or mean, sd and n".into(),
        });
    }
}

/// 1-based column where field `i` starts in a simple CSV line.
fn column_of(line: &str, i: usize) -> usize {
    let mut field = 0;
    let mut quoted = false;
    for (pos, c) in line.char_indices() {
        if field == i {
            return line[..pos].chars().count() + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_format_groups_rows() {
        let t = "outcome,label,arm,events,total,measure,estimate,ci_low,ci_high,p\n\
                 death,Death,levo,26,101,RR,1.16,0.71,1.90,\n\
                 death,Death,placebo,23,104,,,,,\n";
        let (o, e) = parse_outcomes(t);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].1, 2);
        assert_eq!(o[0].0.binary.as_ref().unwrap().len(), 2);
    }

    #[test]
    fn bad_number_is_located() {
        let t = "outcome,arm,events,total\ndeath,levo,x,101\n";
        let (_, e) = parse_outcomes(t);
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].column, 12);
    }
}
