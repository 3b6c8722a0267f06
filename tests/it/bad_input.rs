//! Bad input: every fixture under tests/fixtures/bad/ fails the build with
//! exactly the diagnostics in its expected.txt, leaves the previous output
//! untouched, and `check` fails the same way.

use crate::*;

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_bad_fixture_reports_its_expected_errors() {
    let mut failures = Vec::new();
    for case in cases() {
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        let t = tempfile::tempdir().unwrap();
        let o = build(&case, &t.path().join("public"), &[]);
        let err = stderr(&o);
        if o.status.code() != Some(1) {
            failures.push(format!(
                "{}: exit {:?}\n{err}",
                case.display(),
                o.status.code()
            ));
        }
        for line in expected.lines().filter(|l| !l.is_empty()) {
            if !err.lines().any(|l| l == line) {
                failures.push(format!(
                    "{}: missing line\n  {line}\ngot:\n{err}",
                    case.display()
                ));
            }
        }
        // Every error is expected: no error caused only by another one.
        let count = |s: &str| s.lines().filter(|l| l.starts_with("error:")).count();
        if count(&err) != count(&expected) {
            failures.push(format!(
                "{}: {} errors, expected {}\n{err}",
                case.display(),
                count(&err),
                count(&expected)
            ));
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            !t.path().join("public").exists(),
            "{}: a failed build wrote output",
            case.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn failed_build_leaves_the_last_good_output_untouched() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let out = t.path().join("public");
    assert!(build(&site, &out, &[]).status.success());
    let before = tree(&out);
    // Break one page's front matter.
    std::fs::write(site.join("content/about.md"), "---\ntitle: [broken\n---\n").unwrap();
    let o = build(&site, &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error: content/about.md:"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        tree(&out),
        before,
        "the previous output must stay byte for byte"
    );
}

#[test]
fn check_fails_on_errors_without_writing() {
    let case = fixture("bad/many-errors");
    let o = appraise(&["check", "--root", case.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("check failed: 3 errors"),
        "{}",
        stderr(&o)
    );
    assert!(!case.join("public").exists());
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
