//! `appraise init DIR`: a new, working site.
//!
//! The files are fixed text (in `src/cli/init/`), written with
//! [`crate::write::write_new_site`], which refuses a non-empty folder. The
//! new site uses the default theme embedded in the binary, so it builds
//! at once with no other files.

use std::path::Path;
use std::process::ExitCode;

use crate::write::{write_new_site, OutputFile};

const FILES: &[(&str, &str)] = &[
    ("content/_index.md", include_str!("init/_index.md")),
    (
        "content/trials/leopards/index.md",
        include_str!("init/trial.md"),
    ),
    (
        "content/appraisals/first-appraisal.md",
        include_str!("init/appraisal.md"),
    ),
    (".gitignore", "/public\n/.public.*\n/.appraise-cache\n"),
    (
        ".github/workflows/pages.yml",
        include_str!("init/pages.yml"),
    ),
];

/// Create the site; prints what to do next.
pub(super) fn init(dir: &Path) -> ExitCode {
    let files: Vec<OutputFile> = FILES
        .iter()
        .map(|(p, t)| OutputFile {
            path: p.to_string(),
            bytes: t.as_bytes().to_vec(),
        })
        .collect();
    match write_new_site(&files, dir) {
        Ok(()) => {
            println!("created a new site in {}", dir.display());
            println!(
                "next: appraise serve --root {}   (preview at http://127.0.0.1:1111/ while you write)",
                dir.display()
            );
            println!(
                "      appraise build --root {}   (the site goes to {}/public)",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                eprintln!("  hint: choose a new or empty folder, e.g. appraise init my-site");
            }
            ExitCode::from(1)
        }
    }
}
