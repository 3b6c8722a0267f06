//! The integration tests: one binary, one module per feature, one small
//! fixture site per case under `tests/fixtures/`.

mod answer;
mod bad_input;
mod bounds;
mod cache;
mod charts;
mod evidence;
mod example_site;
mod good_sites;
mod import;
mod incremental;
mod inline;
mod numbers;
mod offline;
#[cfg(unix)]
mod output_safety;
mod registry;
mod release;
mod rob;
mod robustness;
mod sanitize;
mod search;
mod sensitivity;
mod serve;
mod share;
mod social;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture folder.
pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// Run the appraise binary.
pub fn appraise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appraise"))
        .args(args)
        .output()
        .expect("run appraise")
}

/// Build `root` into `out`; returns the output.
pub fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    appraise(&args)
}

/// Build fixture `rel` into a fresh temporary folder, asserting success;
/// returns the folder (keep it alive) and the output path.
pub fn built_fixture(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture(rel), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    (t, out)
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Read a built file as text.
pub fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            v.push((
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    // By the whole path, as a build sorts its files: walking by file name
    // puts `a/x` before `a-b/x`, a build puts it after ('-' < '/').
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Panic unless every `id="…"` in `html` is unique (`what` names the page).
pub fn assert_unique_ids(html: &str, what: &str) {
    let mut ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .filter_map(|s| s.find('"').map(|e| &s[..e]))
        .collect();
    ids.sort_unstable();
    let dups: Vec<&&str> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(dups.is_empty(), "{what}: duplicate ids {dups:?}");
}
