//! Trial sequential analysis and summary of findings on the example topic:
//! the `tsa` and `sof` objects of its `index.json`, their numbers against
//! the same JSON's pooled estimate and studies, and the page's prose
//! quoting the information size appraise computed.

use serde_json::Value;

use crate::*;

fn topic() -> (Value, String) {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&repo(), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&read(&out, "topics/levosimendan/index.json")).unwrap();
    (json, read(&out, "topics/levosimendan/index.html"))
}

#[test]
fn example_topic_json_has_the_tsa_and_its_numbers_hang_together() {
    let (json, html) = topic();
    let a = &json["analyses"][0];
    let tsa = &a["tsa"];
    let asm = &tsa["assumptions"];
    for k in ["control_risk", "rrr", "alpha", "beta", "heterogeneity"] {
        assert!(asm[k].is_number(), "assumptions.{k}: {tsa}");
    }
    let d2 = asm["heterogeneity"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&d2));
    let n0 = tsa["unadjusted_information_size"].as_u64().unwrap();
    let ris = tsa["required_information_size"].as_u64().unwrap();
    // Both are rounded up from the same unrounded size: within one patient.
    assert!((ris as f64 - n0 as f64 / (1.0 - d2)).abs() <= 1.0, "{tsa}");
    // Accrued = every patient of the pooled studies, from their arms.
    let studies = a["studies"].as_array().unwrap();
    let patients: u64 = studies
        .iter()
        .flat_map(|s| s["arms"].as_array().unwrap().iter())
        .map(|arm| arm["total"].as_u64().unwrap())
        .sum();
    assert_eq!(tsa["accrued"].as_u64().unwrap(), patients);
    let looks = tsa["boundaries"].as_array().unwrap();
    assert_eq!(looks.len(), studies.len());
    let mut so_far = 0;
    for (l, s) in looks.iter().zip(studies) {
        assert_eq!(l["trial"], s["trial"]);
        so_far += s["arms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arm| arm["total"].as_u64().unwrap())
            .sum::<u64>();
        let f = l["information_fraction"].as_f64().unwrap();
        assert!((f - so_far as f64 / ris as f64).abs() < 1e-12, "{l}");
        // An O'Brien–Fleming-type boundary this early is far above 1.96.
        assert!(l["efficacy_boundary"].as_f64().unwrap() > 3.0, "{l}");
        assert!(l["z"].is_number());
    }
    // The last z is the pooled estimate's own test statistic: the JSON's
    // two-sided p of the pooled estimate is 2(1 − Φ(|z|)).
    let z = looks.last().unwrap()["z"].as_f64().unwrap();
    let p = a["p"].as_f64().unwrap();
    let normal = statrs::distribution::Normal::standard();
    let tail = statrs::distribution::ContinuousCDF::sf(&normal, z.abs());
    assert!((2.0 * tail - p).abs() < 1e-9, "z {z}, p {p}");
    // The prose quotes the computed size and its difference from Chang et
    // al.'s 2082, not a number typed from elsewhere.
    let diff = n0 as i64 - 2082;
    let pct = (100.0 * diff as f64 / 2082.0).round();
    for s in [
        format!("needs {} patients", appraise::present::count(n0)),
        format!("{} ({pct}%) more than Chang", diff),
    ] {
        assert!(html.contains(&s), "page lacks “{s}”");
    }
    assert!(
        html.contains("<strong>Exploratory."),
        "no exploratory label"
    );
    assert!(html.contains("class=\"ap-chart ap-tsa\""), "no TSA chart");
}

#[test]
fn example_topic_summary_of_findings_by_hand_from_its_own_json() {
    let (json, html) = topic();
    let a = &json["analyses"][0];
    let sof = &a["sof"];
    // The assumed control risk is the median of the pooled trials' control
    // risks: with two trials, their mean.
    let risks: Vec<f64> = a["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["arms"][1]["risk"].as_f64().unwrap())
        .collect();
    assert_eq!(risks.len(), 2);
    let cr = (risks[0] + risks[1]) / 2.0;
    assert!((sof["assumed_control_risk"].as_f64().unwrap() - cr).abs() < 1e-12);
    // Risk with levosimendan = RR × control risk; per 1,000 = 1000 × the
    // difference, at the estimate and at each CI limit.
    let rr = |k: &str| a[k].as_f64().unwrap();
    assert!((sof["corresponding_risk"].as_f64().unwrap() - rr("estimate") * cr).abs() < 1e-12);
    for (k, e) in [
        ("estimate", "estimate"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ] {
        let want = 1000.0 * (rr(e) * cr - cr);
        let got = sof["absolute_per_1000"][k].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{k}: {got} vs {want}");
    }
    assert_eq!(sof["participants"], json["analyses"][0]["tsa"]["accrued"]);
    assert_eq!(sof["trials"], a["k"]);
    assert_eq!(sof["certainty"], "low");
    let reasons = sof["reasons"].as_array().unwrap();
    let domains: Vec<&str> = reasons
        .iter()
        .map(|r| r["domain"].as_str().unwrap())
        .collect();
    assert_eq!(domains, ["indirectness", "imprecision"]);
    assert!(html.contains("aria-label=\"Low certainty (2 of 4)\">⊕⊕◯◯</span> Low"));
}

#[test]
fn a_settled_question_an_author_d2_and_an_odds_ratio() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/evidence"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&read(&out, "topics/settled/index.json")).unwrap();
    let html = read(&out, "topics/settled/index.html");
    let a = &json["analyses"][0];
    let tsa = &a["tsa"];
    assert_eq!(tsa["assumptions"]["heterogeneity"], 0.25);
    assert_eq!(tsa["assumptions"]["heterogeneity_from"], "author");
    assert_eq!(tsa["assumptions"]["beta"], 0.2, "the default β");
    // N = 4(z_0.975 + z_0.8)² p̄(1 − p̄)/δ², p_c 0.3, p_e 0.225; then /(1 − D²).
    let normal = statrs::distribution::Normal::standard();
    let q = |p: f64| statrs::distribution::ContinuousCDF::inverse_cdf(&normal, p);
    let z = q(0.975) + q(0.8);
    let (pc, pe) = (0.3, 0.3 * 0.75);
    let pbar: f64 = (pc + pe) / 2.0;
    let n = 4.0 * z * z * pbar * (1.0 - pbar) / ((pc - pe) * (pc - pe));
    assert_eq!(tsa["unadjusted_information_size"], n.ceil() as u64);
    let ris = tsa["required_information_size"].as_u64().unwrap();
    assert_eq!(ris, (n / 0.75).ceil() as u64);
    let looks = tsa["boundaries"].as_array().unwrap();
    // The second step pools two trials that disagree: no z there.
    assert!(looks[1]["z"].is_null());
    // Past the information size the last look is the final one, and its
    // boundary is the lowest.
    let last = looks.last().unwrap();
    assert!(last["information_fraction"].as_f64().unwrap() > 1.0);
    let b: Vec<f64> = looks
        .iter()
        .map(|l| l["efficacy_boundary"].as_f64().unwrap())
        .collect();
    assert!(b.windows(2).all(|w| w[0] > w[1]), "{b:?}");
    // The first trial's |z| is already past its boundary.
    assert!(looks[0]["z"].as_f64().unwrap().abs() > b[0]);
    assert!(html.contains("The cumulative z-curve crossed the monitoring boundary at GAMMA (2014)"));
    // Placed in the text, the chart is not repeated in the analysis.
    assert_eq!(
        html.matches(">Death at 28 days: trial sequential analysis</title>")
            .count(),
        1
    );
    // The author's control risk 0.2 and the pooled OR: odds 0.25 × OR,
    // risk = odds/(1 + odds).
    let sof = &a["sof"];
    assert_eq!(sof["control_risk_from"], "author");
    let or = a["estimate"].as_f64().unwrap();
    let odds = 0.25 * or;
    let risk = odds / (1.0 + odds);
    assert!((sof["corresponding_risk"].as_f64().unwrap() - risk).abs() < 1e-12);
    let per = sof["absolute_per_1000"]["estimate"].as_f64().unwrap();
    assert!((per - 1000.0 * (risk - 0.2)).abs() < 1e-9);
    assert_eq!(sof["certainty"], "very-low");
    assert!(html.contains("aria-label=\"Very low certainty (1 of 4)\">⊕◯◯◯</span> Very low"));
    assert!(html.contains("Risk of bias (very serious, −2): None of the trials was blinded."));
}

#[test]
fn d2_comes_from_the_trials_under_random_effects_and_is_zero_under_a_common_effect() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/evidence"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: Value = serde_json::from_str(&read(&out, "topics/settled/index.json")).unwrap();
    let by_id = |id: &str| {
        json["analyses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()
            .clone()
    };
    let random = by_id("random");
    // D² = 1 − V_F/V_R = 1 − Σ1/(v + τ²) / Σ1/v, with each study's variance
    // recovered from its 95% CI on the log scale.
    let tau2 = random["tau2"].as_f64().unwrap();
    assert!(tau2 > 0.0, "the fixture's trials are heterogeneous");
    let z = 1.959_963_984_540_054;
    let vi: Vec<f64> = random["studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let se = (s["ci_high"].as_f64().unwrap().ln() - s["ci_low"].as_f64().unwrap().ln())
                / (2.0 * z);
            se * se
        })
        .collect();
    let sf: f64 = vi.iter().map(|v| 1.0 / v).sum();
    let sr: f64 = vi.iter().map(|v| 1.0 / (v + tau2)).sum();
    let d2 = random["tsa"]["assumptions"]["heterogeneity"]
        .as_f64()
        .unwrap();
    assert!((d2 - (1.0 - sr / sf)).abs() < 1e-9, "{d2}");
    assert_eq!(random["tsa"]["assumptions"]["heterogeneity_from"], "data");
    let common = by_id("common");
    assert_eq!(common["tsa"]["assumptions"]["heterogeneity"], 0.0);
    assert!(
        random["tsa"]["required_information_size"].as_u64()
            > common["tsa"]["required_information_size"].as_u64()
    );
}
