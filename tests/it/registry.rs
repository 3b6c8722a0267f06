//! Registry versus paper (issue 11): posted results cross-checked with
//! the paper arm by arm, provenance of every outcome's data, outcome
//! switching, enrolment, why stopped, and results overdue against a
//! reference date that is never the clock. One fixture site per case
//! under tests/fixtures/registry/; exact expected messages.

use std::process::Command;

use crate::*;

/// `appraise check` on a registry fixture, with `SOURCE_DATE_EPOCH` set
/// to `epoch` or removed; returns the warnings and errors (not the "ok:"
/// lines or the summary).
fn check(case: &str, epoch: Option<&str>) -> (bool, Vec<String>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_appraise"));
    c.args(["check", "--root"])
        .arg(fixture(&format!("registry/{case}")));
    match epoch {
        Some(e) => c.env("SOURCE_DATE_EPOCH", e),
        None => c.env_remove("SOURCE_DATE_EPOCH"),
    };
    let o = c.output().unwrap();
    let lines = stderr(&o)
        .lines()
        .filter(|l| {
            l.starts_with("warning:") || l.starts_with("error:") || l.starts_with("  hint:")
        })
        .map(str::to_string)
        .collect();
    (o.status.success(), lines)
}

/// Build a registry fixture (no `SOURCE_DATE_EPOCH`) into a fresh folder.
fn built(case: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_appraise"))
        .args(["build", "--root"])
        .arg(fixture(&format!("registry/{case}")))
        .arg("--output")
        .arg(&out)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    (t, out)
}

/// A trial's `index.json`.
fn json(out: &Path, page: &str) -> serde_json::Value {
    serde_json::from_str(&read(out, &format!("trials/{page}/index.json"))).unwrap()
}

#[test]
fn posted_values_are_checked_against_the_paper_with_a_warning_at_the_registry_line() {
    let (ok, lines) = check("cross-check", None);
    assert!(ok);
    assert_eq!(
        lines,
        [
            "warning: content/trials/paper.md:13:7: the primary outcome “Death at day 28” is measured at a different time than registered (registered: “Death from any cause”)",
            "warning: content/trials/record.md:21:13: Death at day 28, Drug: the registry posted 88/258, the paper reports 89/258",
        ]
    );
}

#[test]
fn registry_check_in_the_json_names_outcome_arm_paper_registry_and_agrees() {
    let (_t, out) = built("cross-check");
    let j = json(&out, "paper");
    let want = serde_json::json!([
        { "outcome": "death", "arm": "drug", "paper": "89/258", "registry": "88/258", "agrees": false },
        { "outcome": "death", "arm": "placebo", "paper": "80/258", "registry": "80/258", "agrees": true },
        { "outcome": "sofa", "arm": "drug", "paper": "6.70 ± 3.96 (n = 250)", "registry": "6.70 ± 3.96 (n = 250)", "agrees": true },
        { "outcome": "sofa", "arm": "placebo", "paper": "6.9 ± 4.1 (n = 251)", "registry": "6.9 ± 4.1 (n = 251)", "agrees": true },
    ]);
    assert_eq!(j["registry_check"], want);
    assert_eq!(j["outcomes"][0]["source"], "paper");
    // The record has no outcomes of its own: its posted ones are its
    // data, marked as the registry's, and recomputed like a paper's.
    let r = json(&out, "record");
    assert_eq!(r["outcomes"][0]["id"], "death");
    assert_eq!(r["outcomes"][0]["source"], "registry");
    assert_eq!(r["outcomes"][0]["arms"][0]["events"], 88);
    assert!(r["outcomes"][0]["effects"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(r["status"], "superseded");
}

#[test]
fn the_trial_page_shows_the_cross_check_switching_and_enrolment() {
    let (_t, out) = built("cross-check");
    let html = read(&out, "trials/paper/index.html");
    assert!(
        html.contains("<td>Drug</td><td class=\"num\"><span class=\"check check-changed\">registry 88/258, paper 89/258</span>"),
        "{html}"
    );
    assert!(html.contains("<td>Placebo</td><td class=\"num\"><span class=\"check check-ok\">registry 80/258 = paper ✓</span>"));
    assert!(
        html.contains("3 of 4 posted arm values agree with the paper; <strong>1 differs</strong>.")
    );
    assert!(html.contains("Death from any cause <span class=\"meta\">· Day 90</span>"));
    assert!(html.contains("Measured at a different time than registered"));
    assert!(html.contains("<dt>Planned</dt><dd>520 (registry)</dd>"));
    assert!(html.contains("<dt>Actual</dt><dd>518 (registry)</dd>"));
    let rec = read(&out, "trials/record/index.html");
    assert!(
        rec.contains("primary · Day 90")
            || rec.contains("· <span class=\"posted\">Posted on ClinicalTrials.gov</span>"),
        "{rec}"
    );
    assert!(rec.contains("Posted on ClinicalTrials.gov"));
}

#[test]
fn an_author_judgement_and_a_promoted_secondary_outcome_on_one_page() {
    let (ok, lines) = check("same-page", None);
    assert!(ok);
    assert_eq!(
        lines,
        ["warning: content/trials/trial.md:36:7: the primary outcome “Mortality at 28 days” was registered as a secondary outcome (registered: “Mortality”)"]
    );
    let (_t, out) = built("same-page");
    let j = json(&out, "trial");
    assert_eq!(j["registry_check"][0]["paper"], "20 (10–25) (n = 120)");
    assert_eq!(j["registry_check"][0]["agrees"], true);
    let html = read(&out, "trials/trial/index.html");
    assert!(html.contains("The registered outcome, as the author judged it"));
    assert!(html.contains("<dt>Why stopped</dt><dd>Slow recruitment</dd>"));
    assert!(html.contains("<dt>Planned</dt><dd>300 (registry)</dd>"));
    // The paper's own outcomes are the page's data, not the posted ones.
    assert!(!html.contains("class=\"posted\""));
}

#[test]
fn results_overdue_is_judged_against_the_newest_checked_date() {
    let (_, lines) = check("overdue", None);
    assert_eq!(
        lines,
        ["warning: content/trials/late.md:10:5: results overdue: primary completion 2021-05 is more than 12 months before 2022-06-01 (the newest registry `checked` date in the site, content/trials/late.md), and no results are posted or published"]
    );
    let (_t, out) = built("overdue");
    let html = read(&out, "trials/late/index.html");
    assert!(html.contains("Results overdue: primary completion was 2021-05, more than 12 months ago, and no results are posted or published (as of 2022-06-01 (the newest registry `checked` date in the site, content/trials/late.md))."), "{html}");
    assert!(!read(&out, "trials/early/index.html").contains("Results overdue"));
}

#[test]
fn results_overdue_is_judged_against_source_date_epoch_when_set() {
    // 2022-01-01: neither is a year past its primary completion.
    assert_eq!(check("overdue", Some("1640995200")).1, Vec::<String>::new());
    // 2023-11-14: both are.
    let (_, lines) = check("overdue", Some("1700000000"));
    assert_eq!(
        lines,
        [
            "warning: content/trials/early.md:9:5: results overdue: primary completion 2021-07 is more than 12 months before 2023-11-14 (the build's SOURCE_DATE_EPOCH), and no results are posted or published",
            "warning: content/trials/late.md:10:5: results overdue: primary completion 2021-05 is more than 12 months before 2023-11-14 (the build's SOURCE_DATE_EPOCH), and no results are posted or published",
        ]
    );
    let (ok, lines) = check("overdue", Some("soon"));
    assert!(!ok);
    assert_eq!(
        lines,
        ["error: SOURCE_DATE_EPOCH `soon` is not a number of seconds"]
    );
}

#[test]
fn results_overdue_is_judged_against_the_newest_updated_date() {
    let (_, lines) = check("overdue-updated", None);
    assert_eq!(
        lines,
        ["warning: content/trials/late.md:10:5: results overdue: primary completion 2021-05 is more than 12 months before 2023-02-01 (the newest `updated` date in the site, content/about.md), and no results are posted or published"]
    );
}

#[test]
fn the_example_levoecmo_page_shows_registered_against_published_and_enrolment() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&repo(), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = read(&out, "trials/levoecmo/index.html");
    for s in [
        "Successful and faster weaning from VA-ECMO <span class=\"meta\">· no time frame registered</span>",
        // The label says the time point: it is not repeated.
        "<div>Successful VA-ECMO weaning within 30 days <span class=\"check check-ok\">",
        "Matches the registered measure; no registered time frame to compare",
        "<dt>Planned</dt><dd>206 (registry)</dd>",
        "<dt>Actual</dt><dd>205 (paper)</dd>",
    ] {
        assert!(html.contains(s), "LEVOECMO page lacks {s}");
    }
    let rec = read(&out, "trials/nct04728932/index.html");
    assert!(rec.contains("<dt>Planned</dt><dd>206 (registry)</dd>"));
}

#[test]
fn the_record_page_shows_the_posted_flow_baseline_and_adverse_events() {
    let (_t, out) = built("cross-check");
    let html = read(&out, "trials/record/index.html");
    assert!(
        html.contains("<h3>Also posted on ClinicalTrials.gov</h3>"),
        "{html}"
    );
    // One column per arm; a count the registry did not give is a dash.
    assert!(html.contains(
        "<tr><th scope=\"row\">Started</th><td class=\"num\">260</td><td class=\"num\">258</td></tr>\
         <tr><th scope=\"row\">Completed</th><td class=\"num\">255</td><td class=\"num\">—</td></tr>\
         <tr><th scope=\"row\">Analysed at baseline</th><td class=\"num\">260</td><td class=\"num\">258</td></tr>"
    ), "{html}");
    // Serious events first, each out of those at risk.
    assert!(html.contains("<summary>Adverse events posted: 2 (1 serious)</summary>"));
    let af = html.find("Atrial fibrillation <span class=\"meta\">(serious)</span></th><td class=\"num\">9/260 (3.5%)</td><td class=\"num\">4/258 (1.6%)</td>").expect("serious event row");
    let headache = html.find("Headache</th><td class=\"num\">30/260 (11.5%)</td><td class=\"num\">21/258 (8.1%)</td>").expect("other event row");
    assert!(af < headache);
}

#[test]
fn a_registered_as_that_names_no_registered_outcome_is_a_warning() {
    let (ok, lines) = check("registered-as-unknown", None);
    assert!(ok);
    assert_eq!(
        lines,
        [
            "warning: content/trials/trial.md:36:7: the primary outcome “Mortality at 28 days” differs from the registered one (registered: “Ventilator-free days”)",
            "warning: content/trials/trial.md:40:7: `registered_as: Mortalty` names no registered outcome (registered: “Ventilator-free days”, “Mortality”); the outcome is judged by its words instead",
        ]
    );
}

#[test]
fn the_posted_flow_baseline_and_adverse_events_are_in_the_json() {
    let (_t, out) = built("cross-check");
    let want = serde_json::json!({
        "arms": [
            { "arm": "drug", "group": "Drug", "started": 260, "completed": 255, "baseline": 260 },
            { "arm": "placebo", "group": "Placebo", "started": 258, "completed": null, "baseline": 258 },
        ],
        "adverse_events": [
            { "term": "Headache", "serious": false, "arms": [
                { "arm": "drug", "affected": 30, "at_risk": 260 },
                { "arm": "placebo", "affected": 21, "at_risk": 258 },
            ] },
            { "term": "Atrial fibrillation", "serious": true, "arms": [
                { "arm": "drug", "affected": 9, "at_risk": 260 },
                { "arm": "placebo", "affected": 4, "at_risk": 258 },
            ] },
        ],
    });
    assert_eq!(json(&out, "record")["registry_posted"], want);
    // The paper posted nothing of its own.
    assert_eq!(
        json(&out, "paper")["registry_posted"],
        serde_json::Value::Null
    );
}

#[test]
fn a_posted_group_the_paper_lacks_is_warned_at_its_key_and_shown_as_registry_only() {
    let (ok, lines) = check("extra-group", None);
    assert!(ok);
    assert_eq!(
        lines,
        ["warning: content/trials/record.md:13:34: posted group `low` (“Low dose”) matches no arm of the paper (its arms: high, placebo); its values are shown as the registry's only"]
    );
    let (_t, out) = built("extra-group");
    let j = json(&out, "paper");
    assert_eq!(
        j["registry_only"],
        serde_json::json!([{ "outcome": "death", "arm": "low", "group": "Low dose", "registry": "25/100" }])
    );
    assert_eq!(j["registry_check"].as_array().map(Vec::len), Some(2));
    let html = read(&out, "trials/paper/index.html");
    assert!(html.contains("2 of 2 posted arm values agree with the paper; 1 posted for a group the paper does not have."), "{html}");
    assert!(html.contains("<td>Low dose</td><td class=\"num\"><span class=\"check check-registry-only\">registry 25/100; no such arm in the paper</span>"));
}

#[test]
fn a_posted_outcome_claims_a_direction_only_when_one_is_given() {
    let (_t, out) = built("extra-group");
    let r = json(&out, "record");
    let o = |k: usize| r["outcomes"][k].clone();
    // `death` reports the paper's outcome (on the published trial's
    // page): it takes its direction, and so its NNT and P(benefit).
    assert_eq!(o(0)["id"], "death");
    assert_eq!(o(0)["direction"], "lower-is-better");
    assert_eq!(o(0)["nnt"]["direction"], "benefit");
    assert_eq!(o(0)["bayes"].as_array().map(Vec::len), Some(2));
    // `Stroke` reports nothing and says no direction: unknown, so no
    // NNTB/NNTH and no P(benefit).
    assert_eq!(o(1)["label"], "Stroke");
    assert_eq!(o(1)["direction"], serde_json::Value::Null);
    assert_eq!(o(1)["nnt"], serde_json::Value::Null);
    assert_eq!(o(1)["bayes"], serde_json::json!([]));
    assert_eq!(o(2)["direction"], "higher-is-better");
    let html = read(&out, "trials/record/index.html");
    let stroke = &html[html.find("id=\"outcome-registry-2\"").expect("stroke row")..];
    let stroke = &stroke[..stroke.find("</details>").unwrap()];
    assert!(
        !stroke.contains("NNT") && !stroke.contains("P(benefit)"),
        "{stroke}"
    );
    // The ratio plot (death, stroke) favours no arm; the mean-difference
    // plot (ventilator-free days, higher is better, given) does.
    assert!(html.contains("Lower with High dose"));
    assert!(html.contains("Whether fewer or more is better is not given for an outcome posted on the registry: the captions say which arm is lower or higher, and favour none."));
    assert!(html.contains("← Favours Placebo</text>"));
    // The paper's own outcome keeps its direction.
    assert_eq!(
        json(&out, "paper")["outcomes"][0]["direction"],
        "lower-is-better"
    );
}

#[test]
fn a_record_with_posted_results_and_no_paper_has_its_own_status() {
    let (_t, out) = built("posted-only");
    assert_eq!(json(&out, "record")["status"], "results-posted");
    let html = read(&out, "trials/record/index.html");
    assert!(html.contains(
        "<span class=\"status status-results-posted\">Results posted on the registry, no paper</span>"
    ), "{html}");
    assert!(!html.contains(">Published<"));
}

#[test]
fn the_reference_date_is_named_whenever_the_status_depends_on_it() {
    let (_t, out) = built("overdue");
    let early = read(&out, "trials/early/index.html");
    assert!(early.contains("<p class=\"reg-due\">Results not overdue yet: primary completion was 2021-07, not more than 12 months before 2022-06-01, the reference date (the newest registry `checked` date in the site, content/trials/late.md).</p>"), "{early}");
    let (_t, out) = built("undated");
    assert!(read(&out, "trials/record/index.html").contains("<p class=\"reg-due\">Whether results are overdue is not judged: the build has no reference date (set SOURCE_DATE_EPOCH, or give a page an `updated` date or the registry block a `checked` date).</p>"));
    assert_eq!(check("undated", None).1, Vec::<String>::new());
    // A record with results posted does not depend on it.
    let (_t, out) = built("posted-only");
    assert!(!read(&out, "trials/record/index.html").contains("reg-due"));
}

#[test]
fn switching_says_which_version_of_the_record_it_compares_with() {
    let (_t, out) = built("extra-group");
    assert!(read(&out, "trials/paper/index.html").contains("<p class=\"note reg-version\">The registered outcome is the record&#39;s as last updated on 2023-04-02; the registry&#39;s data give no earlier version, so a change made before then would not show here.</p>"));
    let (_t, out) = built("cross-check");
    assert!(read(&out, "trials/paper/index.html").contains("<p class=\"note reg-version\">The registered outcome is the record&#39;s as copied on this page, which gives no update date; it may not be the one first registered.</p>"));
}

#[test]
fn a_direction_taken_from_the_paper_is_the_same_on_a_build_from_the_cache() {
    let (_f, fresh) = built("extra-group");
    let want = read(&fresh, "trials/record/index.json");
    assert!(want.contains("\"direction\":\"lower-is-better\""), "{want}");
    // A copy of the site (the cache lives beside its content), built
    // twice with --cache: the second takes the trial analyses from it.
    let t = tempfile::tempdir().unwrap();
    let from = fixture("registry/extra-group/content");
    std::fs::create_dir_all(t.path().join("content/trials")).unwrap();
    for f in ["_index.md", "trials/paper.md", "trials/record.md"] {
        std::fs::copy(from.join(f), t.path().join("content").join(f)).unwrap();
    }
    let out = t.path().join("public");
    for _ in 0..2 {
        let o = build(t.path(), &out, &["--cache"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(read(&out, "trials/record/index.json"), want);
    }
}
