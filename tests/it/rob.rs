//! Risk of bias (RoB 2): assessments read from front matter with located
//! errors for every mistake at once, the JSON written for them, and the
//! charts drawn from them.

use crate::*;

#[test]
fn every_mistake_in_an_assessment_is_reported_at_its_key() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("rob/bad"), &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let f = "error: content/trials/demo.md";
    let names = "randomisation, deviations, missing-data, measurement, selection";
    let expected = [
        format!("{f}:10:3: the assessment has no `overall` judgement\n  hint: add overall: one of low, some-concerns, high, at least as bad as the worst domain"),
        format!("{f}:11:5: unknown risk-of-bias tool `ROBINS-I`\n  hint: appraise reads RoB 2 assessments: write tool: RoB 2, or leave it out"),
        format!("{f}:13:7: unknown judgement `lwo`\n  hint: did you mean `low`? Use one of low, some-concerns, high"),
        format!("{f}:16:7: unknown RoB 2 domain `measurment`\n  hint: did you mean `measurement`? Use one of {names}"),
        format!("{f}:17:7: this judgement has no `judgement`\n  hint: add judgement: one of low, some-concerns, high"),
        format!("{f}:24:9: missing RoB 2 domain: measurement, selection\n  hint: RoB 2 judges all five domains: {names}"),
        format!("{f}:38:9: overall `low` is better than the worst domain (`high`: measurement)\n  hint: in RoB 2 the overall judgement is at least as bad as the worst domain: use high"),
        format!("{f}:42:5: there is no outcome `deth` in this trial\n  hint: did you mean `death`? The outcomes are: death, sofa"),
        format!("{f}:45:5: outcome `sofa` is assessed twice\n  hint: keep either its `risk_of_bias` under `trial.outcomes` or this one"),
    ];
    let mut want = expected.join("\n");
    want.push_str(&format!(
        "\nbuild failed: 9 errors; {} left as it was\n",
        out.display()
    ));
    assert_eq!(stderr(&o), want);
}

#[test]
fn good_assessments_build_without_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let o = build(&fixture("rob/good"), &t.path().join("public"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn the_json_twin_holds_each_assessment_and_null_where_there_is_none() {
    let (_t, out) = built_fixture("rob/good");
    let json = |id: &str| -> serde_json::Value {
        serde_json::from_str(&read(&out, &format!("trials/{id}/index.json"))).unwrap()
    };
    let alpha = json("alpha");
    assert_eq!(
        alpha["risk_of_bias"],
        serde_json::json!({
            "tool": "RoB 2",
            "domains": [
                {"domain": "randomisation", "judgement": "low", "support": "Central web randomisation, concealed."},
                {"domain": "deviations", "judgement": "low", "support": "Double-blind placebo."},
                {"domain": "missing-data", "judgement": "low", "support": "Two patients lost."},
                {"domain": "measurement", "judgement": "low", "support": "Death is objective."},
                {"domain": "selection", "judgement": "some-concerns", "support": "The analysis plan came late."}
            ],
            "overall": "some-concerns",
            "overall_support": "Only the late plan."
        })
    );
    // The trial's assessment is not repeated on an outcome without its own.
    assert_eq!(
        alpha["outcomes"][0]["risk_of_bias"],
        serde_json::Value::Null
    );
    let beta = json("beta");
    assert_eq!(beta["risk_of_bias"], serde_json::Value::Null);
    let judgements = |o: &serde_json::Value| -> Vec<String> {
        let r = &o["risk_of_bias"];
        let mut v: Vec<String> = r["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}={}",
                    d["domain"].as_str().unwrap(),
                    d["judgement"].as_str().unwrap()
                )
            })
            .collect();
        v.push(format!("overall={}", r["overall"].as_str().unwrap()));
        v
    };
    assert_eq!(beta["outcomes"][0]["id"], "death");
    assert_eq!(
        judgements(&beta["outcomes"][0]),
        [
            "randomisation=low",
            "deviations=low",
            "missing-data=low",
            "measurement=low",
            "selection=low",
            "overall=low"
        ]
    );
    assert_eq!(beta["outcomes"][1]["id"], "sofa");
    assert_eq!(
        judgements(&beta["outcomes"][1]),
        [
            "randomisation=low",
            "deviations=some-concerns",
            "missing-data=high",
            "measurement=some-concerns",
            "selection=low",
            "overall=high"
        ]
    );
    assert_eq!(
        beta["outcomes"][1]["risk_of_bias"]["domains"][0]["support"],
        ""
    );
    assert_eq!(json("gamma")["risk_of_bias"], serde_json::Value::Null);
}

/// The data table of figure `fig` on a built page: its body rows' cells.
fn figure_rows(html: &str, fig: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("id=\"{fig}\""))
        .unwrap_or_else(|| panic!("no figure {fig}"));
    let rest = &html[start..];
    let body = &rest[rest.find("<tbody>").unwrap() + 7..rest.find("</tbody>").unwrap()];
    body.split("</tr>")
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.split("</t")
                .filter_map(|c| c.rsplit_once('>').map(|(_, t)| t.to_string()))
                .filter(|t| !t.is_empty())
                .collect()
        })
        .collect()
}

#[test]
fn a_trial_page_draws_one_traffic_light_row_per_assessment_with_a_table_in_words() {
    let (_t, out) = built_fixture("rob/good");
    let alpha = read(&out, "trials/alpha/index.html");
    assert_eq!(alpha.matches("class=\"ap-chart ap-rob\"").count(), 1);
    let rows = figure_rows(&alpha, "fig-alpha-risk-of-bias");
    assert_eq!(
        rows,
        [[
            "All outcomes",
            "Low",
            "Low",
            "Low",
            "Low",
            "Some concerns",
            "Some concerns"
        ]]
    );
    // Every support text is on the page, under its domain.
    assert!(alpha.contains("<summary>D5 Selection of the reported result: <span class=\"rob rob-some-concerns\">Some concerns</span></summary><p>The analysis plan came late.</p>"), "{alpha}");
    let beta = read(&out, "trials/beta/index.html");
    assert_eq!(
        figure_rows(&beta, "fig-beta-risk-of-bias"),
        [
            ["Death at 28 days", "Low", "Low", "Low", "Low", "Low", "Low"],
            [
                "SOFA score at day 3",
                "Low",
                "Some concerns",
                "High",
                "Some concerns",
                "Low",
                "High"
            ],
        ]
    );
    assert!(beta.contains("No support text given."));
    // An unassessed trial has no chart and no section.
    let gamma = read(&out, "trials/gamma/index.html");
    assert!(!gamma.contains("ap-rob") && !gamma.contains("id=\"rob\""));
    // Each cell carries its glyph, so colour is not the only cue.
    let svg = &beta[beta.find("class=\"ap-chart ap-rob\"").unwrap()..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    for g in ["+", "!", "−"] {
        assert!(svg.contains(&format!(">{g}<")), "{g}");
    }
}

#[test]
fn the_topic_summary_weights_each_trial_by_its_weight_in_the_analysis() {
    let (_t, out) = built_fixture("rob/good");
    let json: serde_json::Value =
        serde_json::from_str(&read(&out, "topics/mortality/index.json")).unwrap();
    let weight = |id: &str| -> f64 {
        json["analyses"][0]["studies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["trial"] == id)
            .unwrap()["weight"]
            .as_f64()
            .unwrap()
    };
    let (a, b, g) = (weight("alpha"), weight("beta"), weight("gamma"));
    let total = a + b + g;
    let pct = |w: f64| format!("{:.0}%", 100.0 * w / total);
    let html = read(&out, "topics/mortality/index.html");
    let rows = figure_rows(&html, "fig-mortality-rob-summary-mortality");
    // alpha: all low but D5 some concerns (overall some concerns); beta's
    // death outcome: all low; gamma: not assessed.
    assert_eq!(
        rows[0],
        ["D1 Randomisation process", &pct(a + b), "0%", "0%", &pct(g)]
    );
    assert_eq!(
        rows[4],
        [
            "D5 Selection of the reported result",
            &pct(b),
            &pct(a),
            "0%",
            &pct(g)
        ]
    );
    assert_eq!(rows[5], ["Overall", &pct(b), &pct(a), "0%", &pct(g)]);
    // The table's note says how the shares are weighted.
    assert!(html.contains(
        "<p class=\"note\">Shares are weighted by each trial&#39;s weight in the pooled analysis.</p>"
    ));
}

#[test]
fn a_pooled_forest_plot_gets_a_risk_of_bias_column_with_the_judgements_in_its_table() {
    let (_t, out) = built_fixture("rob/good");
    let html = read(&out, "topics/mortality/index.html");
    let rows = figure_rows(&html, "fig-mortality-pooled-mortality");
    let rob = |label: &str| -> String {
        rows.iter()
            .find(|r| r[0].starts_with(label))
            .unwrap_or_else(|| panic!("{label}: {rows:?}"))
            .last()
            .unwrap()
            .clone()
    };
    assert_eq!(
        rob("ALPHA"),
        "D1 low, D2 low, D3 low, D4 low, D5 some concerns, Overall some concerns"
    );
    assert_eq!(
        rob("BETA"),
        "D1 low, D2 low, D3 low, D4 low, D5 low, Overall low"
    );
    assert_eq!(rob("GAMMA"), "Not assessed");
    assert!(html.contains("<th scope=\"col\">Risk of bias (RoB 2)</th>"));
    // Drawn: six cells for each of the three studies, the unassessed as `?`.
    let start = html.find("class=\"ap-chart ap-forest\"").unwrap();
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    assert_eq!(svg.matches("class=\"rob-cell").count(), 18);
    assert_eq!(svg.matches("rob-cell rob-none").count(), 6);
    // A trial's own forest plot has no such column.
    let alpha = read(&out, "trials/alpha/index.html");
    let start = alpha.find("class=\"ap-chart ap-forest\"").unwrap();
    let svg = &alpha[start..start + alpha[start..].find("</svg>").unwrap()];
    assert!(!svg.contains("rob-cell"));
}
