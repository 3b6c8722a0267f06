//! Bounded time on every input: pages that once hung `build` and `check`
//! (a continuous outcome with 10⁷ patients per arm, counts past 2⁵³,
//! YAML nested 50,000 deep) finish quickly, with located errors where the
//! input is refused. Each run is killed after [`LIMIT`], so a regression
//! fails instead of hanging the test suite.

use crate::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A debug build on a shared machine: generous, but far below a hang.
const LIMIT: Duration = Duration::from_secs(20);

/// Run appraise with `args`, killing it after [`LIMIT`]; returns the
/// output and the time taken, or panics naming the hang.
fn run_bounded(args: &[&str]) -> (Output, Duration) {
    run_bounded_for(args, LIMIT)
}

/// As [`run_bounded`], killing the run after `limit`.
fn run_bounded_for(args: &[&str], limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_appraise"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run appraise");
    loop {
        if child.try_wait().expect("wait").is_some() {
            let o = child.wait_with_output().expect("output");
            return (o, start.elapsed());
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("appraise {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check(root: &Path) -> (Output, Duration) {
    run_bounded(&["check", "--root", root.to_str().unwrap()])
}

fn build_bounded(root: &Path) -> (Output, Duration) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    run_bounded(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

#[test]
fn continuous_outcome_with_ten_million_per_arm_builds() {
    let site = fixture("good/huge-continuous");
    let (o, took) = check(&site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("the printed MD adds up"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let (o, _) = build_bounded(&site);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(took < Duration::from_secs(10), "check took {took:?}");
}

#[test]
fn counts_past_the_limit_are_refused_at_once() {
    for args in [&["check"][..], &["build"][..]] {
        let case = fixture("bad/huge-counts");
        let (o, took) = if args[0] == "check" {
            check(&case)
        } else {
            build_bounded(&case)
        };
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(
                "error: content/trials/demo.md:12:17: 10000000000000000 patients in one arm: the limit is 1000000000"
            ),
            "{}",
            stderr(&o)
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

#[test]
fn the_largest_accepted_trial_is_analysed_in_bounded_time() {
    // 10⁹ per arm, not significant: the reverse fragility search runs
    // thousands of Fisher tests on the largest tables accepted.
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    std::fs::create_dir_all(site.join("content/trials")).unwrap();
    std::fs::write(
        site.join("content/_index.md"),
        "---\ntitle: S\nbase_url: https://example.org/\n---\n",
    )
    .unwrap();
    std::fs::write(
        site.join("content/trials/big.md"),
        "---\ntitle: Big\ntrial:\n  acronym: BIG\n  arms:\n    - { id: a, n: 1000000000 }\n    - { id: b, n: 1000000000, control: true }\n  outcomes:\n    - id: death\n      binary: { a: 300000000/1000000000, b: 300010000/1000000000 }\n---\n",
    )
    .unwrap();
    // About 9 s in a debug build on an idle core: the limit only has to
    // tell a slow run from one that never ends, on a loaded CI machine.
    let (o, took) = run_bounded_for(
        &["check", "--root", site.to_str().unwrap()],
        Duration::from_secs(180),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    eprintln!("10⁹ per arm: check took {took:?}");
}

#[test]
fn yaml_nested_fifty_thousand_deep_is_refused_in_linear_time() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path();
    std::fs::create_dir_all(site.join("content")).unwrap();
    std::fs::write(site.join("content/_index.md"), "---\ntitle: S\n---\n").unwrap();
    // 50,000 levels took the YAML parser 25 s (quadratic).
    let flow = format!(
        "---\ntitle: A\ntags: {}{}\n---\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let map = format!(
        "---\ntitle: B\nx: {}1{}\n---\n",
        "{a: ".repeat(50_000),
        "}".repeat(50_000)
    );
    let block: String = (0..2_000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    std::fs::write(site.join("content/flow.md"), flow).unwrap();
    std::fs::write(site.join("content/map.md"), map).unwrap();
    std::fs::write(
        site.join("content/block.md"),
        format!("---\ntitle: C\n{block}---\n"),
    )
    .unwrap();
    let (o, took) = check(site);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for line in [
        "error: content/flow.md:3:70: front matter nested deeper than 64 levels",
        "error: content/map.md:3:256: front matter nested deeper than 64 levels",
        "error: content/block.md:67:65: front matter nested deeper than 64 levels",
    ] {
        assert!(err.lines().any(|l| l == line), "missing {line}\n{err}");
    }
    assert!(took < Duration::from_secs(5), "{took:?}");
}
