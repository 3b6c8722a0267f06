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

#[test]
fn risk_of_bias_is_read_for_the_trial_and_for_single_outcomes() {
    let (s, d) = site_of(&[
        ("content/_index.md", "---\ntitle: S\n---\n"),
        (
            "content/trials/alpha.md",
            include_str!("../../tests/fixtures/rob/good/content/trials/alpha.md"),
        ),
        (
            "content/trials/beta.md",
            include_str!("../../tests/fixtures/rob/good/content/trials/beta.md"),
        ),
    ]);
    assert!(d.is_empty(), "{d}");
    let trial = |id: &str| match &s.pages.iter().find(|p| p.id == id).unwrap().kind {
        PageKind::Trial(t) => t.clone(),
        _ => panic!("{id} is not a trial"),
    };
    let alpha = trial("alpha");
    let a = alpha.risk_of_bias.as_ref().expect("alpha is assessed");
    assert_eq!(a.tool, "RoB 2");
    let names: Vec<&str> = a.domains.iter().map(|d| d.domain.name()).collect();
    assert_eq!(names, bias::BiasDomain::names());
    assert_eq!(a.domains[4].judgement, bias::Judgement::SomeConcerns);
    assert_eq!(
        a.domains[0].support,
        "Central web randomisation, concealed."
    );
    assert_eq!(a.overall, bias::Judgement::SomeConcerns);
    assert_eq!(a.overall_support, "Only the late plan.");
    // The trial's assessment applies to an outcome without its own.
    assert_eq!(alpha.risk_of_bias_for("death"), Some(a));

    let beta = trial("beta");
    assert!(beta.risk_of_bias.is_none());
    assert!(beta.risk_of_bias_for("death").unwrap().is_low());
    let sofa = beta.risk_of_bias_for("sofa").unwrap();
    assert_eq!(sofa.overall, bias::Judgement::High);
    assert_eq!(
        sofa.judgement_of(bias::BiasDomain::MissingData),
        Some(bias::Judgement::High)
    );
    assert_eq!(sofa.domains[0].support, "");
    assert!(beta.risk_of_bias_for("other").is_none());
}
