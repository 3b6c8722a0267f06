//! `appraise new trial|appraisal|topic NAME`: a new page from a skeleton.
//!
//! The skeletons (in `src/cli/new/`) are valid pages marked `draft: true`,
//! with comments saying what goes where; `appraise serve --drafts` shows them
//! at once. The file is written with [`crate::write::write_new_file`], which
//! never overwrites.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::write::write_new_file;

/// What kind of page to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewKind {
    /// A trial page: content/trials/NAME/index.md (a bundle, so an
    /// outcomes.csv can sit beside it).
    Trial,
    /// An appraisal: content/appraisals/NAME.md.
    Appraisal,
    /// A topic: content/topics/NAME.md.
    Topic,
}

/// Create the page; prints its path.
pub(super) fn new(root: &Path, kind: NewKind, name: &str) -> ExitCode {
    let ok_name = !name.is_empty()
        && name.len() <= 80
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if !ok_name {
        eprintln!("error: `{name}` cannot be a page name");
        eprintln!(
            "  hint: use lower-case letters, digits and dashes, e.g. appraise new trial leopards-2"
        );
        return ExitCode::from(2);
    }
    let (rel, skeleton) = match kind {
        NewKind::Trial => (
            format!("content/trials/{name}/index.md"),
            include_str!("new/trial.md"),
        ),
        NewKind::Appraisal => (
            format!("content/appraisals/{name}.md"),
            include_str!("new/appraisal.md"),
        ),
        NewKind::Topic => (
            format!("content/topics/{name}.md"),
            include_str!("new/topic.md"),
        ),
    };
    let title = crate::model::capitalise(&name.replace('-', " "));
    let text = skeleton
        .replace("{ACRONYM}", &name.to_ascii_uppercase())
        .replace("{TITLE}", &title)
        .replace("{DATE}", &today());
    match write_new_file(root, &rel, text.as_bytes()) {
        Ok(()) => {
            println!("created {rel} (a draft: see it with appraise serve --drafts)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {rel}: {e}");
            ExitCode::from(1)
        }
    }
}

/// Today's date (UTC) as YYYY-MM-DD.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_778), (2026, 11, 21));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
