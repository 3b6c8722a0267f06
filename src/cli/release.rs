//! `appraise release "NOTE"`: record the site's evidence state as the next
//! numbered version, `history/NNNN.json` (see [`crate::history`]).
//!
//! The release date is a fact recorded at release time: `--date`, else
//! `SOURCE_DATE_EPOCH`, else today (UTC). Builds never read the clock; they
//! read the date from the version file. A site with an error is not
//! released, and an existing version file is never overwritten.

use std::path::Path;
use std::process::ExitCode;

use crate::history::{self, Version};
use crate::model::Date;
use crate::pipeline::{self, Options};

/// Where the release date comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DateSource {
    /// `--date YYYY-MM-DD`.
    Flag(String),
    /// `SOURCE_DATE_EPOCH` (seconds since 1970, UTC).
    Epoch(String),
    /// The clock, now (seconds since 1970, UTC).
    Now(i64),
}

impl DateSource {
    /// The source the command line and the environment give.
    pub(super) fn from_env(flag: Option<String>) -> DateSource {
        if let Some(d) = flag {
            return DateSource::Flag(d);
        }
        if let Ok(e) = std::env::var("SOURCE_DATE_EPOCH") {
            return DateSource::Epoch(e);
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        DateSource::Now(now)
    }

    /// The release day, or why it is not one.
    pub(super) fn day(&self) -> Result<Date, String> {
        match self {
            DateSource::Flag(s) => match Date::parse(s) {
                Ok(d) if d.day.is_some() && &d.iso() == s => Ok(d),
                Ok(_) => Err(format!("--date `{s}`: write a day, YYYY-MM-DD")),
                Err(e) => Err(format!("--date: {e}")),
            },
            DateSource::Epoch(s) => s
                .trim()
                .parse::<i64>()
                .map(Date::from_unix_seconds)
                .map_err(|_| format!("SOURCE_DATE_EPOCH `{s}` is not a number of seconds")),
            DateSource::Now(secs) => Ok(Date::from_unix_seconds(*secs)),
        }
    }
}

/// Record the evidence of the site at `root` as its next version.
pub(super) fn release(root: &Path, note: &str, date: &DateSource) -> ExitCode {
    let day = match date.day() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if note.trim().is_empty() {
        eprintln!("error: a release needs a note saying what it is, e.g. appraise release \"LEVOECMO published\"");
        return ExitCode::from(1);
    }
    let r = pipeline::build(&Options {
        keep_files: false,
        ..Options::in_memory(root.to_path_buf())
    });
    eprint!("{}", r.diagnostics);
    if r.failed() {
        let n = r.diagnostics.error_count();
        eprintln!(
            "release refused: the site has {n} error{}; fix {} and release again",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        );
        return ExitCode::from(1);
    }
    let v = Version {
        format: history::FORMAT.into(),
        version: r.next_version,
        date: day.iso(),
        note: note.trim().to_string(),
        evidence: r.evidence,
    };
    let rel = Version::rel_path(v.version);
    if let Err(e) = crate::write::write_new_file(root, &rel, v.to_json().as_bytes()) {
        eprintln!("error: {rel}: {e}");
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            eprintln!("  hint: a released version is never overwritten; remove the file only if it was never published");
        }
        return ExitCode::from(1);
    }
    println!("released version {} ({}): {rel}", v.version, v.date);
    let d = history::diff(r.latest_evidence.as_ref(), &v.evidence);
    for t in &d.topics {
        println!(
            "  {}: {}",
            t.title,
            crate::present::version_topic_line(v.version, day, t)
        );
    }
    if d.is_empty() {
        println!("  {}", crate::present::NO_CHANGE);
    }
    println!("commit {rel} with the site");
    ExitCode::SUCCESS
}
