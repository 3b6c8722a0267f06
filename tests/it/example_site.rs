//! The bundled example site (`content/`): the smoke test, the seeds'
//! numbers on the pages, byte-identical rebuilds, GitHub Pages links, and
//! the JSON twins against independent reference numbers
//! (tests/reference/example_site.py → example_site.json).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::*;

fn built(extra: &[&str]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let o = build(&repo(), &t.path().join("public"), extra);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).lines().any(|l| l.starts_with("error:")),
        "{}",
        stderr(&o)
    );
    t
}

#[test]
fn example_pages_show_the_seeds_numbers() {
    let t = built(&[]);
    let out = t.path().join("public");
    let leo = read(&out, "trials/leopards/index.html");
    for s in [
        "89/258 (34.5%)",
        "79/256 (30.9%)",
        "RD 3.6 pts (−4.5 to 11.7); p = 0.43",
        "6.68 ± 3.96",
        "ISRCTN12776039",
        // Continuous effects whose p the paper took from Mann–Whitney: shown
        // as explained, not as errors.
        "The paper used: bootstrap CI; Mann–Whitney test",
        "7 differ because the paper used another method",
    ] {
        assert!(leo.contains(s), "LeoPARDS page lacks {s}");
    }
    let levo = read(&out, "trials/levoecmo/index.html");
    for s in [
        "26/101 (25.7%)",
        "23/104 (22.1%)",
        "RR 1.16 (0.71 to 1.90)",
        "sHR 1.02 (0.74 to 1.39); p = 0.92",
        "NCT04728932",
        "<strong>7 do not add up</strong>",
    ] {
        assert!(levo.contains(s), "LEVOECMO page lacks {s}");
    }
    let nct = read(&out, "trials/nct04728932/index.html");
    assert!(nct.contains("Recruiting"));
    assert!(nct.contains("27 August 2021"));
    assert!(
        nct.contains("href=\"/appraise-demo/trials/levoecmo/\"")
            || nct.contains("trials/levoecmo/"),
        "registry record links the publication"
    );
    let topic = read(&out, "topics/levosimendan/index.html");
    for s in [
        "LIDO", "RUSSLAN", "SURVIVE", "REVIVE", "LeoPARDS", "LEVOECMO", "<svg",
    ] {
        assert!(topic.contains(s), "topic lacks {s}");
    }
    // The registry record of LEVOECMO is pooled as LEVOECMO, not listed as
    // a trial that could not be pooled.
    assert!(
        topic.contains("Not pooled: LIDO"),
        "the heart-failure trials are listed"
    );
    assert!(
        !topic.contains("NCT04728932: reports no"),
        "superseded record listed as not pooled"
    );
    for p in [
        "appraisals/leopards-blog/index.html",
        "appraisals/levoecmo-bottom-line/index.html",
        "index.html",
        "404.html",
        "tags/index.html",
        "feed.xml",
        "sitemap.xml",
        ".nojekyll",
    ] {
        assert!(out.join(p).exists(), "{p}");
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let a = built(&[]);
    let b = built(&[]);
    let ta = tree(&a.path().join("public"));
    let tb = tree(&b.path().join("public"));
    assert_eq!(ta.len(), tb.len());
    for (x, y) in ta.iter().zip(&tb) {
        assert_eq!(x.0, y.0);
        assert!(x.1 == y.1, "{} differs between builds", x.0);
    }
}

/// Every href/src in every HTML page points inside the site (and the file exists).
fn check_links(out: &std::path::Path, base_path: &str) {
    let mut missing = BTreeSet::new();
    for (path, bytes) in tree(out) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        assert_unique_ids(&html, &path);
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let url = &part[..part.find('"').unwrap()];
                if let Some(frag) = url.strip_prefix('#') {
                    // An in-page link (table of contents, skip link) names an
                    // element of this page.
                    if !html.contains(&format!(" id=\"{frag}\"")) {
                        missing.insert(format!("{path} -> {url}"));
                    }
                    continue;
                }
                if url.starts_with("http") || url.starts_with("mailto:") {
                    continue;
                }
                assert!(
                    url.starts_with(base_path),
                    "{path}: {url} is not under {base_path}"
                );
                let rel = url[base_path.len()..].split('#').next().unwrap();
                let file = if rel.is_empty() || rel.ends_with('/') {
                    format!("{rel}index.html")
                } else {
                    rel.to_string()
                };
                if !out.join(&file).exists() {
                    missing.insert(format!("{path} -> {url}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "broken links: {missing:#?}");
}

#[test]
fn links_resolve_under_a_project_path_and_at_the_root() {
    let t = built(&["--base-url", "https://example.github.io/appraise-demo/"]);
    check_links(&t.path().join("public"), "/appraise-demo/");
    let t = built(&["--base-url", "https://example.org/"]);
    check_links(&t.path().join("public"), "/");
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() < 1e-4,
        "{what}: appraise {a} vs reference {b}"
    );
}

#[test]
fn json_twins_agree_with_the_independent_reference() {
    let reference: Value =
        serde_json::from_str(include_str!("../reference/example_site.json")).unwrap();
    let t = built(&[]);
    let out = t.path().join("public");
    let mut checked = 0;
    for r in reference["outcomes"].as_array().unwrap() {
        let trial = r["trial"].as_str().unwrap();
        let id = r["outcome"].as_str().unwrap();
        let json: Value =
            serde_json::from_str(&read(&out, &format!("trials/{trial}/index.json"))).unwrap();
        let o = json["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap_or_else(|| panic!("{trial}/{id} missing"));
        for m in ["RR", "OR", "RD"] {
            let e = o["effects"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["measure"] == m)
                .unwrap();
            let want = r[m].as_array().unwrap();
            close(
                e["estimate"].as_f64().unwrap(),
                want[0].as_f64().unwrap(),
                &format!("{trial}/{id} {m}"),
            );
            close(
                e["ci_low"].as_f64().unwrap(),
                want[1].as_f64().unwrap(),
                &format!("{trial}/{id} {m} low"),
            );
            close(
                e["ci_high"].as_f64().unwrap(),
                want[2].as_f64().unwrap(),
                &format!("{trial}/{id} {m} high"),
            );
        }
        close(
            o["nnt"]["exact"].as_f64().unwrap(),
            r["nnt_exact"].as_f64().unwrap(),
            &format!("{trial}/{id} NNT"),
        );
        assert_eq!(o["nnt"]["direction"], r["nnt_direction"], "{trial}/{id}");
        assert_eq!(
            o["fragility_index"], r["fragility_index"],
            "{trial}/{id} fragility index"
        );
        let fisher = o["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["test"] == "Fisher exact")
            .unwrap();
        close(
            fisher["p"].as_f64().unwrap(),
            r["fisher_p"].as_f64().unwrap(),
            &format!("{trial}/{id} Fisher p"),
        );
        checked += 1;
    }
    assert_eq!(checked, reference["outcomes"].as_array().unwrap().len());
    let topic: Value = serde_json::from_str(&read(&out, "topics/levosimendan/index.json")).unwrap();
    let a = topic["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "mortality")
        .unwrap();
    let r = &reference["pooled"]["levosimendan/mortality"];
    assert_eq!(a["k"], 2);
    assert_eq!(a["model"], "cochrane-2025");
    // Two trials: τ² cannot be estimated, so the common effect leads and
    // the modified-HKSJ random-effects interval is given beside it.
    assert_eq!(a["lead"], "common-too-few-studies");
    assert_eq!(a["lead"], r["lead"]);
    assert_eq!(a["prediction_missing"], "needs 3 or more trials");
    for k in ["estimate", "ci_low", "ci_high", "p", "tau2", "q"] {
        close(
            a[k].as_f64().unwrap(),
            r[k].as_f64().unwrap(),
            &format!("pooled {k}"),
        );
    }
    for (x, y) in a["random"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["random"].as_array().unwrap())
    {
        close(x.as_f64().unwrap(), y.as_f64().unwrap(), "random effects");
    }
    let page = read(&out, "topics/levosimendan/index.html");
    assert!(
        page.contains(
            "<p class=\"headline\">RR 1.13 (0.90 to 1.41); 2 trials, common effect, p = 0.29</p>"
        ),
        "topic headline"
    );
    assert!(
        page.contains("Only 2 trials: too few to estimate reliably how much the true effect varies between trials (τ²)"),
        "the headline says why it is a common effect"
    );
    assert!(page.contains("No prediction interval: it needs 3 or more trials"));
    for (s, w) in a["studies"]
        .as_array()
        .unwrap()
        .iter()
        .zip(r["weights"].as_array().unwrap())
    {
        close(s["weight"].as_f64().unwrap(), w.as_f64().unwrap(), "weight");
    }
    assert_eq!(a["cumulative"].as_array().unwrap().len(), 2);
}
