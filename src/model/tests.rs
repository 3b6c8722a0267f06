//! Tests of the model stage as a whole: diagnostics located at the key
//! that holds the bad value, URLs and page kinds, printed percentages, and
//! unsafe slugs.

use super::*;
use crate::diag::Diagnostics;
use crate::parse::parse_page;
use crate::parse::Parsed;

fn site_of(files: &[(&str, &str)]) -> (Site, Diagnostics) {
    let mut parsed = Parsed::default();
    let mut diags = Diagnostics::new();
    for (p, t) in files {
        let (d, g) = parse_page(p, t.as_bytes());
        diags.extend(g);
        parsed.docs.extend(d);
    }
    let (s, g) = build(&parsed, &Overrides::default());
    diags.extend(g);
    (s, diags)
}

const TRIAL: &str = "---\ntitle: T\ntrial:\n  acronym: X\n  arms:\n    - { id: a, label: A, n: 10 }\n    - { id: b, label: B, n: 10, control: true }\n  outcomes:\n    - id: death\n      label: Death\n      binary: { a: 3/10, b: 12/10 }\n      reported: { measure: RR, estimate: 0.5, ci: [0.6, 0.9], p: 1.5 }\n---\n";

#[test]
fn schema_violations_are_located() {
    let (_, d) = site_of(&[
        ("content/_index.md", "---\ntitle: S\n---\n"),
        ("content/trials/x.md", TRIAL),
    ]);
    let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert!(msgs.contains(&"error: content/trials/x.md:11:26: 12 events out of 10: events exceed the total\n  hint: check the order: events first, then the number analysed".to_string()), "{msgs:#?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("x.md:12:") && m.contains("outside its CI")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("x.md:12:") && m.contains("outside [0, 1]")),
        "{msgs:#?}"
    );
}

#[test]
fn urls_and_kinds() {
    let (s, d) = site_of(&[
        (
            "content/_index.md",
            "---\ntitle: S\nbase_url: https://x.github.io/r\n---\n",
        ),
        (
            "content/trials/y/index.md",
            "---\ntitle: Y\ntrial:\n  acronym: Y\n---\n",
        ),
        (
            "content/appraisals/z.md",
            "---\ntitle: Z\ntrials: [y]\n---\n",
        ),
    ]);
    assert!(!d.has_errors(), "{d}");
    assert_eq!(s.config.base_url, "https://x.github.io/r/");
    let y = s.pages.iter().find(|p| p.id == "y").unwrap();
    let z = s.pages.iter().find(|p| p.id == "z").unwrap();
    assert_eq!(z.url_path, "appraisals/z/");
    assert!(matches!(z.kind, PageKind::Appraisal(_)));
    assert_eq!(y.url_path, "trials/y/");
    assert!(matches!(y.kind, PageKind::Trial(_)));
}

#[test]
fn printed_percentages_are_checked() {
    let t = TRIAL.replace(
        "binary: { a: 3/10, b: 12/10 }",
        "binary: { a: 3/10 (30%), b: 4/10 (35.0%) }",
    );
    let (s, d) = site_of(&[
        ("content/_index.md", "---\ntitle: S\n---\n"),
        ("content/trials/x.md", &t),
    ]);
    let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert!(
        msgs.iter().any(|m| m.starts_with(
            "warning: content/trials/x.md:11:32: 4/10 is 40.00%, but 35.0% is printed"
        )),
        "{msgs:#?}"
    );
    assert!(!msgs.iter().any(|m| m.contains("3/10 is")), "{msgs:#?}");
    assert!(!s.pages.is_empty());
}

#[test]
fn unsafe_slug_is_rejected() {
    let (_, d) = site_of(&[("content/a.md", "---\ntitle: A\nslug: ../../etc\n---\n")]);
    assert!(d.iter().any(|d| d.message.contains("not a safe URL slug")));
}
