//! The answer first: the result card that opens trial, appraisal and topic
//! pages (fixture `good/answer`; numbers from
//! tests/reference/answer_card.py → answer_card.json), and the outcome rows
//! that open on their details.

use crate::*;

/// The reference numbers and texts.
fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("../reference/answer_card.json")).unwrap()
}

/// Build the fixture once per test into a temporary folder.
fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    built_fixture("good/answer")
}

/// The visible text of `html` between `start` and the first `end` after
/// it: tags dropped, entities decoded, white space collapsed.
fn text_of(html: &str, start: &str, end: &str) -> String {
    let i = html.find(start).unwrap_or_else(|| panic!("no {start}"));
    let j = i + html[i..].find(end).unwrap_or_else(|| panic!("no {end}"));
    let mut s = String::new();
    let mut in_tag = false;
    for c in html[i..j].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                s.push(' ');
            }
            _ if !in_tag => s.push(c),
            _ => {}
        }
    }
    let s = s
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of the first result card on `html`.
fn card(html: &str) -> String {
    text_of(html, "<section class=\"result-card\"", "</section>")
}

/// The reference RR, its CI limits, to two decimals.
fn rr_text(r: &serde_json::Value) -> Vec<String> {
    (0..3)
        .map(|i| format!("{:.2}", r["rr"][i].as_f64().unwrap()))
        .collect()
}

fn int(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn a_trial_page_opens_with_its_primary_result_then_the_bottom_line_then_the_prose() {
    let (_t, out) = built();
    let html = read(&out, "trials/clear/index.html");
    let r = &reference()["clear"];
    // The printed RR is the one the reference recomputes (log CI).
    let rr = rr_text(r);
    assert_eq!(rr, ["0.57", "0.40", "0.83"]);
    let nnt = &r["nnt"];
    let fi = int(&r["fragility"]);
    assert_eq!(
        card(&html),
        format!(
            "Primary outcome Death at 28 days \
             Drug 40/500 (8.0%) Placebo 70/500 (14.0%) \
             RR 0.57 (0.40 to 0.83) As printed in the paper \
             Absolute difference {} \
             NNT NNTB {} ({} to {}) \
             Paper check ✓ RR adds up Reproduced by log-Wald (Katz) \
             Fragility Fragility index {fi}: {fi} patients with a different outcome would make \
             p ≥ 0.05 (Fisher); 8 of the 1008 randomised were not analysed \
             This outcome in detail",
            r["difference"].as_str().unwrap(),
            int(&nnt[0]),
            int(&nnt[1]),
            int(&nnt[2]),
        )
    );
    // The card, then the bottom line, then the author's prose, then the rows.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("class=\"result-card\"") < at("class=\"bottom-line\""));
    assert!(at("class=\"bottom-line\"") < at("What we think"));
    assert!(at("What we think") < at("class=\"orows\""));
    // The card's link goes to the outcome's row.
    assert!(html.contains("<a href=\"#outcome-death\">This outcome in detail</a>"));
}

#[test]
fn every_outcome_is_one_row_that_opens_on_its_details() {
    let (_t, out) = built();
    let html = read(&out, "trials/clear/index.html");
    assert_eq!(html.matches("<details class=\"orow\"").count(), 2);
    for id in ["sofa", "death"] {
        assert!(
            html.contains(&format!("<details class=\"orow\" id=\"outcome-{id}\">")),
            "{id}"
        );
    }
    // The separate "NNT, fragility…" disclosure and the stacked outcome
    // table are gone from the trial page: the rows hold it all.
    assert!(!html.contains("<details class=\"more\">"));
    assert!(!html.contains("<table class=\"outcomes"));
    let death = text_of(
        &html,
        "<details class=\"orow\" id=\"outcome-death\">",
        "</details>",
    );
    assert!(
        death.starts_with(
            // The label says "28 days": the time point is not repeated.
            "Death at 28 days primary Drug: 40/500 (8.0%) Placebo: 70/500 (14.0%) \
             RR 0.57 (0.40 to 0.83) ✓ RR adds up As reported RR 0.57 (0.40 to 0.83)"
        ),
        "{death}"
    );
    assert!(death.contains("NNT NNTB 17 (11 to 47)"), "{death}");
}

#[test]
fn a_registry_record_card_says_there_are_no_results_yet() {
    let (_t, out) = built();
    let html = read(&out, "trials/planned/index.html");
    assert_eq!(
        card(&html),
        "NCT00000009: results No results to show No results yet: this is the registry \
         record of a trial that is recruiting; planned enrolment 300."
    );
    assert!(!html.contains("class=\"orows\""));
}

#[test]
fn with_no_primary_outcome_the_card_says_so_and_no_nnt_through_no_difference() {
    let (_t, out) = built();
    let html = read(&out, "trials/alpha/index.html");
    let r = &reference()["alpha"];
    let rr = rr_text(r);
    let (b, h) = (int(&r["nnt"][1]), int(&r["nnt"][2]));
    let rfi = int(&r["reverse_fragility"]);
    assert_eq!(
        card(&html),
        format!(
            "No outcome is marked primary: the first one reported Death at 28 days \
             Drug 50/200 (25.0%) Placebo 49/200 (24.5%) \
             RR {} ({} to {}) Recomputed by appraise (log-Wald); the paper printed none \
             Absolute difference {} \
             NNT Not estimable: the 95% CI includes no difference, so it fits benefit \
             (NNTB {b} or more) and harm (NNTH {h} or more) \
             Paper check – nothing to check Nothing printed to check: the effect shown is \
             appraise's own recomputation \
             Fragility Reverse fragility index {rfi}: {rfi} patients with a different outcome \
             would make p < 0.05 (Fisher); all 400 randomised patients were analysed \
             This outcome in detail",
            rr[0],
            rr[1],
            rr[2],
            r["difference"].as_str().unwrap(),
        )
    );
}

#[test]
fn a_topic_of_two_trials_opens_too_uncertain_to_tell_not_no_effect() {
    let (_t, out) = built();
    let html = read(&out, "topics/pair/index.html");
    let r = &reference()["pair"];
    let p = r["numbers"]["p"].as_f64().unwrap();
    assert_eq!(
        card(&html),
        format!(
            "Pooled analysis · 2 trials, 700 participants Death at 28 days {} \
             Common effect, p = {p:.2} {}. The analysis in detail",
            r["estimate"].as_str().unwrap(),
            r["reading"].as_str().unwrap(),
        )
    );
    assert!(!card(&html).contains("no effect"));
}

#[test]
fn an_appraisal_opens_with_the_card_of_the_trial_it_appraises() {
    let (_t, out) = built();
    let html = read(&out, "appraisals/post/index.html");
    let c = card(&html);
    assert!(
        c.starts_with("CLEAR · Primary outcome Death at 28 days Drug 40/500 (8.0%)"),
        "{c}"
    );
    // No link to a row that is not on this page.
    assert!(!c.contains("This outcome in detail"), "{c}");
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("class=\"result-card\"") < at("Believe it, for now."));
    assert!(at("Believe it, for now.") < at("Our view"));
}

/// The line under each list item's title that gives its result.
fn glance_of(html: &str, href: &str) -> Option<String> {
    let i = html.find(&format!("<a href=\"{href}\">"))?;
    let item = &html[i..i + html[i..].find("</li>")?];
    item.contains("class=\"glance\"")
        .then(|| text_of(item, "<p class=\"glance\"", "</p>"))
}

#[test]
fn every_list_item_gives_its_result_at_a_glance() {
    let (_t, out) = built();
    let r = reference();
    let rr = |k: &str| {
        let v = rr_text(&r[k]);
        format!("RR {} ({} to {})", v[0], v[1], v[2])
    };
    let trials = read(&out, "trials/index.html");
    // The card's outcome, arms and effect, printed or (with none printed)
    // recomputed.
    assert_eq!(
        glance_of(&trials, "/trials/clear/").as_deref(),
        Some("Death at 28 days: Drug 8.0% vs Placebo 14.0%, RR 0.57 (0.40 to 0.83)")
    );
    assert_eq!(rr("clear"), "RR 0.57 (0.40 to 0.83)");
    assert_eq!(
        glance_of(&trials, "/trials/alpha/"),
        Some(format!(
            "Death at 28 days: Drug 25.0% vs Placebo 24.5%, {}",
            rr("alpha")
        ))
    );
    // A registry record has no result to give.
    assert_eq!(glance_of(&trials, "/trials/planned/"), None);
    // A topic: its pooled estimate, size and a verdict no stronger than the
    // reading on its page.
    let topics = read(&out, "topics/index.html");
    let pair = &r["pair"];
    assert_eq!(
        glance_of(&topics, "/topics/pair/"),
        Some(format!(
            "Death at 28 days: {} · 2 trials, 700 participants · Too uncertain to tell",
            pair["estimate"].as_str().unwrap()
        ))
    );
    assert!(pair["reading"]
        .as_str()
        .unwrap()
        .starts_with("Too uncertain to tell"));
    // An appraisal: the trial it appraises; the home page shows the same.
    let home = read(&out, "index.html");
    let clear = glance_of(&trials, "/trials/clear/");
    assert_eq!(
        glance_of(&read(&out, "appraisals/index.html"), "/appraisals/post/"),
        clear
    );
    assert_eq!(glance_of(&home, "/appraisals/post/"), clear);
    assert_eq!(glance_of(&home, "/trials/clear/"), clear);
    // An appraisal of several trials names whose result it gives: its
    // first trial's.
    assert_eq!(
        glance_of(&read(&out, "appraisals/index.html"), "/appraisals/two/"),
        Some(format!(
            "ALPHA · Death at 28 days: Drug 25.0% vs Placebo 24.5%, {}",
            rr("alpha")
        ))
    );
    // The feed sums each entry up with the same line.
    let feed = read(&out, "feed.xml");
    let want = format!(
        "<summary>Trial results. {}. Fewer deaths with the drug.</summary>",
        clear.unwrap()
    );
    assert!(feed.contains(&want), "{want}\nnot in\n{feed}");
}
