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
