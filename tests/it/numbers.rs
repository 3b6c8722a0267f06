//! Numbers a reader can trust: printed precision as typed, honest check
//! verdicts, the headline of a pooled analysis with few trials, and p
//! values that never read `0.00`.

use crate::*;
use serde_json::Value;

fn json(out: &Path, rel: &str) -> Value {
    serde_json::from_str(&read(out, rel)).unwrap()
}

fn check_of<'a>(trial: &'a Value, outcome: &str) -> &'a Value {
    let o = trial["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == outcome)
        .unwrap_or_else(|| panic!("no outcome {outcome}"));
    &o["check"][0]
}

#[test]
fn a_printed_p_is_checked_at_the_decimals_typed() {
    // ADRENAL, 90-day death 511/1832 vs 526/1826: crude p = 0.540 does not
    // reproduce the printed P = 0.50, whether the 0.50 is quoted or not.
    let case = fixture("good/adrenal");
    let o = appraise(&["check", "--root", case.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let out = String::from_utf8_lossy(&o.stdout);
    for (line, id) in [(11, "death-90d"), (16, "death-90d-quoted")] {
        let want = format!(
            "warning: content/trials/adrenal.md:{line}:1: outcome `{id}`: the printed OR does not add up: \
             recomputed 0.96 (0.83 to 1.10) by Woolf (logit); no standard test gives the printed p \
             (got Wald z test 0.540, chi-square 0.540, chi-square with Yates' correction 0.565, \
             Fisher's exact test 0.557, the printed CI 0.494)"
        );
        assert!(
            err.lines().any(|l| l == want),
            "missing\n{want}\ngot\n{err}"
        );
    }
    // Typed to three decimals, the same data reproduce it.
    assert!(
        out.lines().any(|l| l
            == "ok: content/trials/adrenal.md: outcome `death-90d-three-decimals`: the printed OR adds up: \
                Reproduced by Woolf (logit); p by Wald z test, chi-square"),
        "{out}"
    );
    let t = tempfile::tempdir().unwrap();
    let pub_dir = t.path().join("public");
    assert!(build(&case, &pub_dir, &[]).status.success());
    let trial = json(&pub_dir, "trials/adrenal/index.json");
    for id in ["death-90d", "death-90d-quoted"] {
        let c = check_of(&trial, id);
        assert_eq!(c["verdict"], "not-reproduced", "{id}: {c}");
        assert_eq!(c["p_tests"], Value::Array(vec![]), "{id}");
    }
    let page = read(&pub_dir, "trials/adrenal/index.html");
    assert!(
        page.contains("OR 0.95 (0.82 to 1.10); p = 0.50"),
        "printed as typed"
    );
}

#[test]
fn a_hazard_ratio_is_consistent_not_reproduced() {
    let case = fixture("good/adrenal");
    let o = appraise(&["check", "--root", case.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = stderr(&o);
    assert!(
        out.lines().any(|l| l
            == "ok: content/trials/adrenal.md: outcome `shock-reversal`: the printed HR is consistent \
                (its CI and p agree); it cannot be recomputed from the arm data"),
        "{out}"
    );
    assert!(
        !out.contains("`shock-reversal`: the printed HR adds up"),
        "{out}"
    );
    // With no p printed, only the estimate and CI can agree.
    assert!(
        out.lines().any(|l| {
            l
            == "ok: content/trials/adrenal.md: outcome `ventilation`: the printed HR is consistent \
                (its estimate is the middle of its CI); it cannot be recomputed from the arm data"
        }),
        "{out}"
    );
    assert!(
        err.lines().any(|l| l
            == "warning: content/trials/adrenal.md:28:1: outcome `discharge`: the printed HR, its CI and p \
                do not agree with each other: a hazard ratio cannot be recomputed from the arm totals \
                (it needs the time-to-event data); the printed CI implies p < 0.001, not the printed p"),
        "{err}"
    );
    // --strict counts the inconsistent one as a mismatch, by its kind.
    let o = appraise(&["check", "--strict", "--root", case.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).ends_with("check failed: 0 errors, 3 printed result(s) that do not add up or disagree with themselves (--strict)\n"),
        "{}",
        stderr(&o)
    );
    let t = tempfile::tempdir().unwrap();
    let pub_dir = t.path().join("public");
    assert!(build(&case, &pub_dir, &[]).status.success());
    let trial = json(&pub_dir, "trials/adrenal/index.json");
    assert_eq!(check_of(&trial, "shock-reversal")["verdict"], "consistent");
    assert_eq!(check_of(&trial, "discharge")["verdict"], "inconsistent");
    let page = read(&pub_dir, "trials/adrenal/index.html");
    assert!(page.contains("◇ HR: CI and p agree"), "consistency badge");
    assert!(page.contains("◇ HR: estimate and CI agree"), "no p printed");
    assert!(
        page.contains("✗ HR: CI and p disagree"),
        "inconsistency badge"
    );
    assert!(!page.contains("✓ HR adds up"));
}

#[test]
fn two_trials_lead_with_the_common_effect_and_say_why() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/pooling"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let topic = json(&out, "topics/pair/index.json");
    let a = &topic["analyses"][0];
    assert_eq!(a["k"], 2);
    assert_eq!(a["lead"], "common-too-few-studies");
    assert_eq!(a["prediction_missing"], "needs 3 or more trials");
    assert!(a["pi_low"].is_null());
    // The headline is the common effect …
    assert_eq!(a["estimate"], a["common"][0]);
    assert_eq!(a["ci_low"], a["common"][1]);
    assert_eq!(a["ci_high"], a["common"][2]);
    // … and the (modified HKSJ) random-effects interval is never narrower.
    let r = a["random"].as_array().unwrap();
    assert!(r[1].as_f64().unwrap() <= a["ci_low"].as_f64().unwrap());
    assert!(r[2].as_f64().unwrap() >= a["ci_high"].as_f64().unwrap());
    assert_eq!(a["random_ci_method"], "modified HKSJ");
    let page = read(&out, "topics/pair/index.html");
    assert!(page.contains(
        "<p class=\"headline\">RR 1.02 (0.83 to 1.27); 2 trials, common effect, p = 0.83</p>"
    ));
    assert!(page.contains(
        "<p class=\"caveat\">Only 2 trials: too few to estimate reliably how much the true effect varies \
         between trials (τ²), so this is the common-effect estimate, which assumes one shared effect. \
         Allowing for variation (random effects, modified HKSJ), the interval is 0.25 to 4.17.</p>"
    ));
    assert!(page.contains("No prediction interval: it needs 3 or more trials"));
    // The pooled forest plot (inline SVG) shows the common effect as its summary row.
    assert!(page.contains("Common effect (k = 2)"), "summary row");
    assert!(page.contains("Fewer than 3 trials: the common effect is shown"));
}

#[test]
fn three_or_more_trials_lead_with_random_effects_and_small_p_reads_below_0001() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    assert!(build(&fixture("good/pooling"), &out, &[]).status.success());
    let topic = json(&out, "topics/many/index.json");
    let a = &topic["analyses"][0];
    assert_eq!(a["k"], 4);
    assert_eq!(a["lead"], "random");
    assert!(a["prediction_missing"].is_null());
    assert!(a["pi_low"].is_number());
    let b = &topic["analyses"][1];
    assert_eq!(b["lead"], "common");
    assert!(b["p"].as_f64().unwrap() < 0.001);
    assert!(b["p_q"].as_f64().unwrap() < 0.001);
    let page = read(&out, "topics/many/index.html");
    assert!(page.contains(
        "<p class=\"headline\">RR 0.24 (0.12 to 0.47); 4 trials, random effects, p = 0.007</p>"
    ));
    assert!(page.contains(
        "<p class=\"headline\">RR 0.50 (0.42 to 0.58); 6 trials, common effect, p &lt; 0.001</p>"
    ));
    assert!(page.contains("Q = 72.74 on 5 df (p &lt; 0.001)"));
    assert!(
        !page.contains("p = 0.00<") && !page.contains("p = 0.00)"),
        "never p = 0.00"
    );
}

#[test]
fn a_forest_plot_mixing_directions_has_no_false_favours_caption() {
    // ADRENAL's ratio plot holds deaths (↓ better) and time to shock
    // reversal (↑ better): no "Favours" caption is right for both.
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    assert!(build(&fixture("good/adrenal"), &out, &[]).status.success());
    let page = read(&out, "trials/adrenal/index.html");
    assert!(
        page.contains("← Lower with Hydrocortisone<"),
        "left caption"
    );
    assert!(
        page.contains("Higher with Hydrocortisone →<"),
        "right caption"
    );
    assert!(
        !page.contains("Favours Hydrocortisone"),
        "no favours caption"
    );
    assert!(
        page.contains("Outcomes point different ways"),
        "footer says why"
    );
}

#[test]
fn two_trials_that_disagree_get_no_pooled_number() {
    // RR 0.50 and RR 1.10, Q = 30 on 1 df: no common effect is claimed.
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    assert!(build(&fixture("good/pooling"), &out, &[]).status.success());
    let topic = json(&out, "topics/disagree/index.json");
    let a = &topic["analyses"][0];
    assert_eq!(a["lead"], "none-trials-disagree");
    for k in ["estimate", "ci_low", "ci_high", "p"] {
        assert!(a[k].is_null(), "{k}: {}", a[k]);
    }
    assert_eq!(a["cumulative"][1]["lead"], "none-trials-disagree");
    assert!(a["cumulative"][1]["estimate"].is_null());
    assert_eq!(a["cumulative"][0]["lead"], "common-too-few-studies");
    let page = read(&out, "topics/disagree/index.html");
    assert!(page.contains("<p class=\"headline\">No pooled RR: the 2 trials disagree</p>"));
    assert!(page.contains(
        "so no single number is given: ETA (2019) RR 0.50 (0.40 to 0.63); THETA (2021) RR 1.10 (0.93 to 1.30).</p>"
    ));
    assert!(
        !page.contains("No pooled estimate (k = 2)"),
        "no summary diamond"
    );
    assert!(page.contains("The 2 trials disagree: no pooled estimate is shown"));
    // Each cumulative step says which estimate it shows.
    assert!(page.contains("+ ETA (2019) (k = 1, common)"));
    assert!(page.contains("+ THETA (2021) (k = 2, trials disagree)"));
}
