//! The offline search index (`search/index.json`, a manifest, and its
//! shards) of the example site built under a project subpath, the search page and the header form, and
//! the theme's `search.js` matching against that index (with node, when
//! it is installed).

use serde_json::Value;

use crate::*;

const BASE: &str = "https://x.github.io/appraise-demo/";

fn built() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let o = build(&repo(), &t.path().join("public"), &["--base-url", BASE]);
    assert!(o.status.success(), "{}", stderr(&o));
    t
}

/// The index of the site built at `out`: its manifest, and every entry of
/// its shards in the manifest's order (as `search.js` gathers them).
fn index(out: &std::path::Path) -> (Value, Vec<Value>) {
    let manifest: Value = serde_json::from_str(&read(out, "search/index.json")).unwrap();
    let mut entries = Vec::new();
    for url in manifest["shards"].as_array().unwrap() {
        let rel = url
            .as_str()
            .unwrap()
            .strip_prefix("/appraise-demo/")
            .unwrap();
        let shard: Value = serde_json::from_str(&read(out, rel)).unwrap();
        assert_eq!(shard["version"], 2, "{rel}");
        entries.extend(shard["entries"].as_array().unwrap().iter().cloned());
    }
    (manifest, entries)
}

/// The entry whose URL is `url`.
fn entry<'v>(entries: &'v [Value], url: &str) -> &'v Value {
    entries
        .iter()
        .find(|e| e["url"] == url)
        .unwrap_or_else(|| panic!("no entry for {url}"))
}

/// Whether the space-separated `words` hold every word of `want`.
fn has_words(words: &Value, want: &str) -> bool {
    let have: Vec<&str> = words.as_str().unwrap().split(' ').collect();
    want.split(' ').all(|w| have.contains(&w))
}

/// Whether the words `search.js` searches besides the keys (the
/// normalised summary, then `text`) hold every word of `want`.
fn has_text(e: &Value, want: &str) -> bool {
    let summary = appraise::render::search::normalise(e["summary"].as_str().unwrap());
    let all = format!("{summary} {}", e["text"].as_str().unwrap());
    has_words(&Value::from(all), want)
}

#[test]
fn the_example_index_has_the_trials_topic_and_registry_record() {
    let t = built();
    let out = t.path().join("public");
    let (manifest, idx) = index(&out);
    assert_eq!(manifest["version"], 2);
    // One entry per trial, appraisal and topic: 7 + 2 + 1, no plain page;
    // ten entries make one shard.
    assert_eq!(manifest["entries"], 10);
    assert_eq!(idx.len(), 10);
    assert_eq!(
        manifest["shards"],
        serde_json::json!(["/appraise-demo/search/shard-0.json"])
    );
    assert!(!read(&out, "search/shard-0.json").contains("/about/"));

    let leo = entry(&idx, "/appraise-demo/trials/leopards/");
    assert_eq!(leo["kind"], "trial");
    assert_eq!(leo["acronym"], "LeoPARDS");
    assert_eq!(
        leo["title"],
        "LeoPARDS: levosimendan for organ dysfunction in septic shock"
    );
    assert!(has_words(&leo["keys"], "leopards isrctn12776039"));
    // Tag `septic-shock`, population, arms, journal, year, outcome labels.
    assert!(has_text(leo, "inotropes placebo"));
    assert!(has_words(&leo["keys"], "sepsis"));
    assert!(has_text(leo, "vasopressors"));
    assert!(has_text(leo, "n engl j med 2016"));
    assert!(has_text(leo, "sofa mortality"));
    // "septic shock" is a key (the title) so not repeated in the text.
    assert!(has_words(&leo["keys"], "septic shock"));
    assert!(!has_words(&leo["text"], "septic"));
    // Nor are the summary's words: search.js searches the summary too.
    let said = appraise::render::search::normalise(leo["summary"].as_str().unwrap());
    let said: Vec<&str> = said.split(' ').collect();
    let text = leo["text"].as_str().unwrap();
    assert!(text.split(' ').all(|w| !said.contains(&w)), "{text}");

    let rec = entry(&idx, "/appraise-demo/trials/nct04728932/");
    assert_eq!(rec["acronym"], "NCT04728932");
    assert!(has_words(&rec["keys"], "nct04728932"));
    // Accents folded: "Hôpitaux".
    assert!(has_text(rec, "assistance publique hopitaux de paris"));
    assert!(has_text(rec, "cardiogenic refractory"));

    let topic = entry(&idx, "/appraise-demo/topics/levosimendan/");
    assert_eq!(topic["kind"], "topic");
    assert!(has_text(topic, "septic shock leopards levoecmo lido"));

    let blog = entry(&idx, "/appraise-demo/appraisals/leopards-blog/");
    assert_eq!(blog["kind"], "appraisal");
    assert!(has_words(&blog["keys"], "leopards"));
}

#[test]
fn the_search_page_and_header_form_work_under_the_subpath() {
    let t = built();
    let out = t.path().join("public");
    let page = read(&out, "search/index.html");
    assert!(page.contains(r#"data-index="/appraise-demo/search/index.json""#));
    assert!(page.contains(r#"<label for="search-q">"#));
    assert!(page.contains(r#"role="status" aria-live="polite""#));
    let leo = read(&out, "trials/leopards/index.html");
    assert!(leo.contains(r#"action="/appraise-demo/search/" method="get" data-index="/appraise-demo/search/index.json""#));
    // The header's suggestions: closed until the reader types, their count
    // announced and tied to the box.
    assert!(leo.contains(r#"aria-describedby="site-suggest-status""#));
    assert!(leo.contains(r#"<div class="site-suggest" id="site-suggest" hidden>"#));
    assert!(leo
        .contains(r#"<p id="site-suggest-status" class="site-suggest-status" role="status"></p>"#));
    assert!(leo.contains(r#"<script src="/appraise-demo/static/search.js" defer></script>"#));
    assert!(out.join("static/search.js").is_file());
}

#[test]
fn the_index_bytes_do_not_change_between_builds() {
    let a = built();
    let b = built();
    for rel in ["search/index.json", "search/shard-0.json"] {
        assert_eq!(
            std::fs::read(a.path().join("public").join(rel)).unwrap(),
            std::fs::read(b.path().join("public").join(rel)).unwrap()
        );
    }
}

#[test]
fn search_js_finds_the_done_when_queries() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node is not installed, search.js not run");
        return;
    }
    let t = built();
    let index = t.path().join("public/search/index.json");
    let o = Command::new("node")
        .arg(repo().join("tests/js/search.test.js"))
        .arg(&index)
        .args(["LeoPARDS", "septic shock", "NCT04728932", "Hôpitaux", "zzz"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let b = "/appraise-demo/";
    let want = format!(
        "LeoPARDS => {b}trials/leopards/ {b}appraisals/leopards-blog/ {b}topics/levosimendan/\n\
         septic shock => {b}trials/leopards/ {b}appraisals/leopards-blog/ {b}topics/levosimendan/\n\
         NCT04728932 => {b}trials/nct04728932/ {b}trials/levoecmo/ {b}topics/levosimendan/\n\
         Hôpitaux => {b}trials/nct04728932/\n\
         zzz => \n"
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
}
