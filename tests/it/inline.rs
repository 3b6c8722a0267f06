//! Numbers drawn from the data: inline `value` and `effect` shortcodes
//! render as the trial page words the same numbers, every unknown name is
//! a located error, shortcodes in code stay literal, and numbers typed in
//! the prose that contradict the linked trial are warnings (failures under
//! `check --strict`). Fixtures: tests/fixtures/inline/.

use appraise::diag::Code;
use appraise::pipeline::{self, Options};

use crate::*;

/// The author's prose of a built page (`<div class="prose">` of an
/// appraisal, `<section class="prose" …>` of a trial), up to its end tag.
fn prose(html: &str) -> &str {
    let start = html.find(" class=\"prose\"").expect("a prose block");
    let start = html[..start].rfind('<').unwrap();
    let end = ["</div>", "</section>"]
        .iter()
        .filter_map(|t| html[start..].find(t))
        .min()
        .unwrap()
        + start;
    &html[start..end]
}

/// Build fixture `inline/<name>` into a temporary folder; the folder and stderr.
fn built(name: &str) -> (tempfile::TempDir, String) {
    let t = tempfile::tempdir().unwrap();
    let o = build(
        &fixture(&format!("inline/{name}")),
        &t.path().join("public"),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    (t, stderr(&o))
}

#[test]
fn values_and_effects_read_as_the_trial_page_shows_them() {
    let (t, err) = built("values");
    assert_eq!(err, "", "no diagnostics");
    let out = t.path().join("public");
    let post = read(&out, "appraisals/post/index.html");
    let body = prose(&post);
    for s in [
        // Binary: the arm result, the risk alone, the count alone.
        "Death: 89/258 (34.5%) with the drug against\n79/256 (30.9%) with placebo, RR 1.12 (0.87 to 1.43);\nthe risks were 34.5% and 79/256 died.",
        // Recomputed and printed effects, the paper's adjusted HR by
        // default (the only HR) and by name, a reported-only outcome.
        "<li>Risk difference: RD 3.6 pts (−4.5 to 11.7), as printed RD 3.6 pts (−4.5 to 11.7).</li>",
        "<li>Hazard ratio, adjusted: HR 1.24 (0.91 to 1.67) (the same: HR 1.24 (0.91 to 1.67)).</li>",
        "<li>Weaning: HR 0.77 (0.60 to 0.97).</li>",
        // Continuous and median, in a table.
        "<td>6.68 ± 3.96 (n = 258)</td><td>6.06</td>",
        "<td>7.3 (3.2–14.8)</td><td>8.3</td>",
        "Mean difference MD 0.62 (−0.06 to 1.30), standardised SMD 0.16 (−0.02 to 0.33).",
        // On a line of its own it is a paragraph, not a chart.
        "<p>89/258 (34.5%)</p>",
        // Raw HTML around it is sanitised; the number stays.
        "the number kept: <span>34.5%</span>.",
    ] {
        assert!(body.contains(s), "the post lacks {s:?}:\n{body}");
    }
    assert!(!post.contains("onclick") && !post.contains("alert(2)"));
    assert!(!body.contains("{{") && !body.contains("appraise:shortcode"));
    // The trial page shows the same words for the same numbers.
    let trial = read(&out, "trials/demo/index.html");
    for s in [
        "89/258 (34.5%)",
        "79/256 (30.9%)",
        "RR 1.12 (0.87 to 1.43)",
        "RD 3.6 pts (−4.5 to 11.7), Wald",
        "MD 0.62 (−0.06 to 1.30)",
        "6.68 ± 3.96 (n = 258)",
        "7.3 (3.2–14.8)",
        "HR 1.24 (0.91 to 1.67); p = 0.17 (adjusted)",
    ] {
        assert!(trial.contains(s), "the trial page lacks {s:?}");
    }
    // On its own page a trial's shortcodes need no trial argument.
    assert!(prose(&trial).contains("Its own page: 30.9% died with placebo."));
    // A summary taken from the text stops before a number it cannot know yet.
    assert!(trial.contains("<meta name=\"description\" content=\"Its own page: …\">"));
}

#[test]
fn shortcodes_in_code_stay_literal() {
    let (t, err) = built("in-code");
    assert_eq!(err, "", "the shortcodes in code are not checked");
    let post = read(&t.path().join("public"), "appraisals/post/index.html");
    assert_eq!(
        prose(&post),
        "<div class=\"prose\"><p>Write <code>{{ value(outcome=\"death\", arm=\"drug\") }}</code> to quote a number, or in a block:</p>\n\
         <pre><code>{{ effect(outcome=\"death\", measure=\"RR\") }}\n</code></pre>\n\
         <pre><code>{{ value(outcome=\"nothing\", arm=\"nobody\") }}\n</code></pre>\n\
         <p>Only this one is drawn: 89/258 (34.5%).</p>\n"
    );
}

#[test]
fn a_front_page_says_it_leaves_its_shortcodes_out() {
    let (_, err) = built("front-page");
    assert_eq!(
        err,
        "warning: content/_index.md:5:9: `value` is not drawn on a front page (_index.md); it is left out\n"
    );
}

#[test]
fn every_unknown_name_is_a_located_error_with_a_hint() {
    let t = tempfile::tempdir().unwrap();
    let o = build(
        &fixture("inline/unknown-names"),
        &t.path().join("public"),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let f = "error: content/appraisals/post.md";
    let expected = [
        format!("{f}:5:8: no trial has the id `dmeo` (did you mean `demo`?)"),
        format!("{f}:6:10: trial `demo` has no outcome `deaht` (did you mean `death`?)"),
        format!("{f}:6:56: trial `demo` has no arm `drgu` (did you mean `drug`?); its arms are `drug` and `placebo`"),
        format!("{f}:7:9: `RRR` is not a measure; use RR, OR, RD, MD, SMD, HR, sHR or MedD"),
        format!("{f}:7:58: outcome `death` of trial `demo` has no SMD; recomputed: RR, OR, RD; printed by the paper: RD, HR (adjusted)"),
        format!("{f}:8:10: `value` takes no argument `shwo` (did you mean `show`?); it takes `trial`, `outcome`, `arm` or `show`"),
        format!("{f}:8:70: `show=\"risk\"` does not fit outcome `sofa`; use `all` or `mean`"),
        format!("{f}:9:8: outcome `death` of trial `demo` has no unadjusted HR printed by the paper; recomputed: RR, OR, RD; printed by the paper: RD, HR (adjusted)"),
        format!("{f}:9:80: outcome `weaning` has no arm data, only the paper's effect: use effect(outcome=\"weaning\", measure=\"…\")"),
        format!("{f}:10:9: `forest` is a chart: write it on a line of its own"),
        format!("{f}:10:39: unknown shortcode `vlaue` (did you mean `value`?); inside the text use `value` or `effect`"),
        format!("{f}:11:8: shortcode: missing closing parenthesis"),
        format!("{f}:11:40: shortcode: no closing }}}} on this line (write the shortcode on one line)"),
        format!("{f}:12:14: `value` takes no argument `shwo` (did you mean `show`?); it takes `trial`, `outcome`, `arm` or `show`"),
        format!("{f}:12:14: trial `demo` has no outcome `deaht` (did you mean `death`?)"),
        format!("build failed: 15 errors; {} left as it was", t.path().join("public").display()),
    ];
    assert_eq!(stderr(&o), expected.join("\n") + "\n");
}

#[test]
fn typed_numbers_that_contradict_the_data_are_warnings() {
    let site = fixture("inline/prose-numbers");
    let o = appraise(&["check", "--root", site.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "warnings only");
    let f = "warning: content/appraisals/post.md";
    let hint = "  hint: check the number, or quote it from the data with {{ value(...) }} or {{ effect(...) }}";
    let expected = [
        format!("{f}:7:39: `89/258 (35.5%)`: 89/258 is 34.5%, not 35.5%"),
        format!("{f}:8:30: `34.5% vs 30.8%`: Death at 28 days (demo) is 34.5% (89/258) with drug vs 30.9% (79/256) with placebo"),
        format!("{f}:9:30: `43.5% vs 30.9%`: Death at 28 days (demo) is 34.5% (89/258) with drug vs 30.9% (79/256) with placebo"),
        format!("{f}:10:43: `30.9% with the drug`: that is the placebo arm's death at 28 days (demo): 30.9% (79/256); the drug arm's is 34.5% (89/258)"),
        format!("{f}:11:34: `RR 1.12 (0.87 to 1.34)`: Death at 28 days (demo) gives RR 1.12 (0.87 to 1.43)"),
        format!("{f}:12:27: `RR 0.89, 95% CI 0.70 to 1.15`: the arms are swapped: Death at 28 days (demo) gives RR 1.12 (0.87 to 1.43), experimental arm over control"),
        format!("{f}:31:29: `RR 1.12 (0.87 to 1.34)`: Death at 28 days (demo) gives RR 1.12 (0.87 to 1.43)"),
    ];
    let want: String = expected.iter().map(|l| format!("{l}\n{hint}\n")).collect();
    assert_eq!(stderr(&o), want, "exactly these, and none for the numbers that agree, come from elsewhere, are whole or are code");
    let strict = appraise(&["check", "--strict", "--root", site.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).ends_with(
            "check failed: 0 errors, 7 number(s) in the prose that contradict the trial data (--strict)\n"
        ),
        "{}",
        stderr(&strict)
    );
}

#[test]
fn the_example_site_quotes_its_numbers_from_the_data() {
    let r = pipeline::build(&Options::in_memory(repo()));
    assert!(!r.failed(), "{}", r.diagnostics);
    let prose: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Some(Code::ProseNumber))
        .map(|d| d.to_string())
        .collect();
    assert!(prose.is_empty(), "{prose:?}");
    // The two appraisals quote every number of the trials' outcome data from
    // the data. What the check can read as typed numbers and still finds
    // there is not in the outcome data: adherence, baseline rows (free
    // text in the model) and a subgroup result.
    let levoecmo_not_in_the_data = [
        "93% vs 96%",
        "10.9% vs 2.9%",
        "38.6% vs 38.5%",
        "15% in both",
        "86.1% vs 76.9%",
        "25.7% vs 11.5%",
        "sHR 2.16, 95% CI 0.97 to 4.80",
    ];
    for (rel, left, quoted) in [
        ("content/appraisals/leopards-blog.md", &[][..], 10),
        (
            "content/appraisals/levoecmo-bottom-line.md",
            &levoecmo_not_in_the_data[..],
            15,
        ),
    ] {
        let bytes = std::fs::read(repo().join(rel)).unwrap();
        let (doc, d) = appraise::parse::parse_page(rel, &bytes);
        assert!(d.is_empty(), "{d}");
        let doc = doc.expect("the page parses");
        let typed: Vec<&str> = doc
            .body
            .typed_numbers
            .iter()
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(typed, left, "{rel}");
        let inline = doc.body.shortcodes.iter().filter(|s| s.inline).count();
        assert_eq!(inline, quoted, "{rel}: numbers quoted from the data");
    }
}
