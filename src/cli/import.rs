//! `appraise import FILE`: a ClinicalTrials.gov record becomes a new
//! registry-record page, or updates the `trial.registry` block of the page
//! already there. Every failure names the file; nothing is written after
//! one.

use std::path::Path;
use std::process::ExitCode;

use crate::import::{Record, MAX_RECORD_BYTES};

/// Read, convert, write; prints what was created or what changed.
pub(super) fn import(file: &Path, root: &Path) -> ExitCode {
    let record = crate::discover::read_one_capped(file, MAX_RECORD_BYTES)
        .map_err(|e| e.to_string())
        .and_then(|bytes| Record::read(&bytes));
    let record = match record {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    let rel = record.rel_path();
    match crate::discover::read_page_at(root, &rel) {
        Ok(None) => create(file, root, &record),
        Ok(Some(old)) => update(file, root, &record, &old),
        Err(e) => {
            eprintln!("error: {rel}: {e}");
            ExitCode::from(1)
        }
    }
}

fn warn_skipped(file: &Path, skipped: &[String]) {
    for why in skipped {
        eprintln!("warning: {}: left out {why}", file.display());
    }
}

/// A new page.
fn create(file: &Path, root: &Path, record: &Record) -> ExitCode {
    let page = match record.new_page() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    match crate::write::write_new_file(root, &page.rel_path, page.text.as_bytes()) {
        Ok(()) => {
            warn_skipped(file, &page.skipped);
            println!(
                "created {} (registry record {}); add tags and a question, then build",
                page.rel_path, page.id
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", page.rel_path);
            ExitCode::from(1)
        }
    }
}

/// The record applied to its existing page `old`.
fn update(file: &Path, root: &Path, record: &Record, old: &[u8]) -> ExitCode {
    let rel = record.rel_path();
    let up = match record.update(&rel, old) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {rel}: {e}");
            eprintln!("  (nothing written; the record is {})", file.display());
            return ExitCode::from(1);
        }
    };
    warn_skipped(file, &up.skipped);
    let Some(text) = &up.text else {
        println!(
            "no change: {} already holds this record of {}",
            up.rel_path, up.id
        );
        return ExitCode::SUCCESS;
    };
    match crate::write::replace_file(root, &up.rel_path, old, text.as_bytes()) {
        Ok(()) => {
            println!("updated {} (registry record {}):", up.rel_path, up.id);
            for c in &up.changes {
                println!("  {c}");
            }
            for c in &up.comments {
                println!("  {c}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", up.rel_path);
            ExitCode::from(1)
        }
    }
}
