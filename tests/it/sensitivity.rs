//! Sensitivity analyses in a topic's `index.json` (`analyses[].sensitivity`
//! and `analyses[].subgroup_test`), on the `good/sensitivity` fixture: four
//! trials with two subgroups and risk-of-bias assessments (two low) under
//! the default preset, and two of them under a common-effect model. The expected values are
//! `tests/reference/sensitivity_fixture.json`, written by
//! `tests/reference/sensitivity.py` from statsmodels and scipy.

use serde_json::Value;

use super::{built_fixture, read, repo};

/// `got` and `want` are the same JSON: the same keys, strings, nulls and
/// integers, and numbers within 1e-6 relative (REML's τ² is found
/// iteratively on both sides, see src/stats/sensitivity.rs).
fn same(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            let gk: Vec<&String> = g.keys().collect();
            let wk: Vec<&String> = w.keys().collect();
            assert_eq!(gk, wk, "keys at {at}");
            for (k, wv) in w {
                same(&g[k], wv, &format!("{at}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "length at {at}");
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                same(gv, wv, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(g), Value::Number(w)) if w.is_f64() => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{at}: got {g}, want {w}"
            );
        }
        _ => assert_eq!(got, want, "at {at}"),
    }
}

#[test]
fn sensitivity_and_subgroup_test_match_the_reference() {
    let (_dir, out) = built_fixture("good/sensitivity");
    let text = read(&out, "topics/sens/index.json");
    let got: Value = serde_json::from_str(&text).unwrap();
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/reference/sensitivity_fixture.json")).unwrap(),
    )
    .unwrap();
    let analyses = got["analyses"].as_array().unwrap();
    let wanted = want["analyses"].as_array().unwrap();
    assert_eq!(analyses.len(), wanted.len());
    for (a, w) in analyses.iter().zip(wanted) {
        assert_eq!(a["id"], w["id"]);
        let id = a["id"].as_str().unwrap();
        same(
            &a["sensitivity"],
            &w["sensitivity"],
            &format!("{id}.sensitivity"),
        );
        same(
            &a["subgroup_test"],
            &w["subgroup_test"],
            &format!("{id}.subgroup_test"),
        );
    }
    // The keys in the documented order (serde_json's Value sorts them).
    let order = [
        "\"sensitivity\":{",
        "\"leave_one_out\":[",
        "\"omitted\":\"alpha\"",
        "\"estimate\"",
        "\"ci_low\"",
        "\"ci_high\"",
        "\"low_risk_only\":{",
        "\"common\":{",
        "\"k\":4",
        "\"random\":{",
        "\"subgroup_test\":{",
        "\"q\"",
        "\"df\":1",
        "\"p\"",
    ];
    let mut from = 0;
    for key in order {
        let at = text[from..]
            .find(key)
            .unwrap_or_else(|| panic!("{key} after byte {from}"));
        from += at + key.len();
    }
}

#[test]
fn the_topic_page_shows_the_sensitivity_analyses_in_words() {
    let (_dir, out) = built_fixture("good/sensitivity");
    let html = read(&out, "topics/sens/index.html");
    for line in [
        "<h3 id=\"sens-mortality\">Sensitivity analyses</h3>",
        // Each section is a landmark named with its analysis (axe:
        // landmark-unique).
        "<section class=\"sensitivity\" aria-labelledby=\"sens-common an-common\">",
        "<li>Common effect RR 0.67 (0.55 to 0.81); random effects RR 0.67 (0.49 to 0.92).</li>",
        // ALPHA (low) and GAMMA (low for this outcome, some concerns for the
        // trial); BETA high, DELTA not assessed.
        "<li>Low risk of bias only (2 of 4 trials): RR 0.69 (0.50 to 0.96).</li>",
        "<li>Low risk of bias only (2 of 2 trials): RR 0.69 (0.50 to 0.96).</li>",
        "<li>Test for subgroup differences: Q = 0.31, df = 1, p = 0.58.</li>",
        "<caption>Leave one out: the analysis without each trial in turn (4 of them change the conclusion)</caption>",
        "<td class=\"full\" data-label=\"The others (95% CI)\">RR 0.69 (0.42 to 1.13), 3 trials</td><td class=\"full\" data-label=\"Conclusion changes?\">Yes: the CI now includes no difference</td>",
        // Two trials, common effect: without ALPHA the CI includes 1.
        "<li>Common effect RR 0.69 (0.50 to 0.96); random effects RR 0.71 (0.48 to 1.06).</li>",
        "<caption>Leave one out: the analysis without each trial in turn (1 of them changes the conclusion)</caption>",
        "RR 0.60 (0.40 to 0.90), 1 trial</td><td class=\"full\" data-label=\"Conclusion changes?\">No</td>",
    ] {
        assert!(html.contains(line), "missing: {line}");
    }
    // The common-effect analysis declares no subgroups.
    assert_eq!(html.matches("Test for subgroup differences").count(), 1);
}
