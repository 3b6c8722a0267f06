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

/// The index of the site built at `out`: its manifest, every entry of its
/// entry shards by id, and every word of its term shards with its
/// postings decoded to (entry id, place).
type Terms = std::collections::BTreeMap<String, Vec<(usize, u64)>>;

fn index(out: &std::path::Path) -> (Value, Vec<Value>, Terms) {
    let manifest: Value = serde_json::from_str(&read(out, "search/index.json")).unwrap();
    assert_eq!(manifest["path"], "/appraise-demo/search/");
    let mut entries = Vec::new();
    for k in 0..manifest["docs"].as_u64().unwrap() {
        let shard: Value =
            serde_json::from_str(&read(out, &format!("search/docs-{k}.json"))).unwrap();
        assert_eq!(shard["version"], 3);
        assert_eq!(shard["first"].as_u64().unwrap(), k * 64);
        entries.extend(shard["entries"].as_array().unwrap().iter().cloned());
    }
    let mut terms = Terms::new();
    let mut bytes = (0..manifest["docs"].as_u64().unwrap())
        .map(|k| read(out, &format!("search/docs-{k}.json")).len())
        .sum::<usize>();
    for k in 0..manifest["terms"].as_u64().unwrap() {
        let text = read(out, &format!("search/terms-{k}.json"));
        bytes += text.len();
        let shard: Value = serde_json::from_str(&text).unwrap();
        for (w, list) in shard["terms"].as_object().unwrap() {
            let n = manifest["terms"].as_u64().unwrap() as usize;
            assert_eq!(
                appraise::render::search::term_shard(w, n),
                k as usize,
                "{w}"
            );
            let mut id = 0;
            let decoded = list.as_array().unwrap().iter().map(|n| {
                let n = n.as_u64().unwrap();
                id += (n >> 2) as usize;
                (id, n & 3)
            });
            terms.insert(w.clone(), decoded.collect());
        }
    }
    // What keeping the whole index downloads: every shard's bytes.
    assert_eq!(manifest["bytes"].as_u64().unwrap() as usize, bytes);
    (manifest, entries, terms)
}

/// The id of the entry whose URL is `url`, and the entry.
fn entry<'v>(entries: &'v [Value], url: &str) -> (usize, &'v Value) {
    entries
        .iter()
        .enumerate()
        .find(|(_, e)| e["url"] == url)
        .unwrap_or_else(|| panic!("no entry for {url}"))
}

/// The place (0 elsewhere, 1 a key, 2 the acronym) of each of `words` in
/// entry `id`, none for a word it does not hold.
fn places(terms: &Terms, id: usize, words: &str) -> Vec<Option<u64>> {
    let place = |w: &str| terms.get(w)?.iter().find(|(i, _)| *i == id).map(|p| p.1);
    words.split(' ').map(place).collect()
}

fn all(n: usize, p: u64) -> Vec<Option<u64>> {
    vec![Some(p); n]
}

#[test]
fn the_example_index_has_the_trials_topic_and_registry_record() {
    let t = built();
    let out = t.path().join("public");
    let (manifest, idx, terms) = index(&out);
    assert_eq!(manifest["version"], 3);
    // One entry per trial, appraisal and topic: 7 + 2 + 1, no plain page;
    // ten entries make one entry shard.
    assert_eq!(manifest["entries"], 10);
    assert_eq!(manifest["docs"], 1);
    assert_eq!(idx.len(), 10);
    assert!(!read(&out, "search/docs-0.json").contains("/about/"));
    let postings: usize = terms.values().map(Vec::len).sum();
    let want = postings.div_ceil(4096).next_power_of_two();
    assert_eq!(manifest["terms"].as_u64().unwrap() as usize, want);

    let (leo_id, leo) = entry(&idx, "/appraise-demo/trials/leopards/");
    assert_eq!(leo["kind"], "trial");
    assert_eq!(leo["acronym"], "LeoPARDS");
    assert_eq!(
        leo["title"],
        "LeoPARDS: levosimendan for organ dysfunction in septic shock"
    );
    assert_eq!(places(&terms, leo_id, "leopards"), [Some(2)]);
    assert_eq!(places(&terms, leo_id, "isrctn12776039"), [Some(1)]);
    // Title and tag `septic-shock`: a key, once.
    assert_eq!(places(&terms, leo_id, "septic shock sepsis"), all(3, 1));
    // Population, arms, journal, year, outcome labels.
    let text = "inotropes placebo vasopressors n engl j med 2016 sofa mortality";
    assert_eq!(places(&terms, leo_id, text), all(10, 0));
    // Each word lists each entry once, by increasing id.
    for (w, list) in &terms {
        assert!(list.windows(2).all(|p| p[0].0 < p[1].0), "{w}: {list:?}");
    }

    let (rec_id, rec) = entry(&idx, "/appraise-demo/trials/nct04728932/");
    assert_eq!(rec["acronym"], "NCT04728932");
    assert_eq!(places(&terms, rec_id, "nct04728932"), [Some(2)]);
    // Accents folded: "Hôpitaux".
    let sponsor = "assistance publique hopitaux de paris cardiogenic refractory";
    assert_eq!(places(&terms, rec_id, sponsor), all(7, 0));
    // The record's id is also found in the trial that names it and the topic.
    let nct: Vec<&str> = terms["nct04728932"]
        .iter()
        .map(|(i, _)| idx[*i]["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        nct,
        [
            "/appraise-demo/topics/levosimendan/",
            "/appraise-demo/trials/levoecmo/",
            "/appraise-demo/trials/nct04728932/"
        ]
    );

    let (topic_id, topic) = entry(&idx, "/appraise-demo/topics/levosimendan/");
    assert_eq!(topic["kind"], "topic");
    let gathered = "septic shock leopards levoecmo lido";
    assert!(places(&terms, topic_id, gathered)
        .iter()
        .all(Option::is_some));

    let (blog_id, blog) = entry(&idx, "/appraise-demo/appraisals/leopards-blog/");
    assert_eq!(blog["kind"], "appraisal");
    assert_eq!(places(&terms, blog_id, "leopards"), [Some(1)]);
    let septic: Vec<usize> = terms["septic"].iter().map(|p| p.0).collect();
    assert!(septic.contains(&blog_id) && septic.contains(&leo_id));
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
    for rel in [
        "search/index.json",
        "search/docs-0.json",
        "search/terms-0.json",
    ] {
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
        .args([
            "LeoPARDS",
            "septic shock",
            "NCT04728932",
            "Hôpitaux",
            "leo",
            "zzz",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let b = "/appraise-demo/";
    let want = format!(
        "LeoPARDS => {b}trials/leopards/ {b}appraisals/leopards-blog/ {b}topics/levosimendan/\n\
         septic shock => {b}trials/leopards/ {b}appraisals/leopards-blog/ {b}topics/levosimendan/\n\
         NCT04728932 => {b}trials/nct04728932/ {b}trials/levoecmo/ {b}topics/levosimendan/\n\
         Hôpitaux => {b}trials/nct04728932/\n\
         leo => {b}trials/leopards/ {b}appraisals/leopards-blog/ {b}topics/levosimendan/\n\
         zzz => \n"
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
}

#[test]
fn a_cached_build_after_a_number_edit_leaves_the_index_files_untouched() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&repo().join("content"), &site.join("content"));
    let out = site.join("public");
    let o = build(&site, &out, &["--cache", "--base-url", BASE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = [
        "search/index.json",
        "search/docs-0.json",
        "search/terms-0.json",
    ];
    let stamp = |rel: &str| {
        let p = out.join(rel);
        (
            std::fs::read(&p).unwrap(),
            std::fs::metadata(&p).unwrap().modified().unwrap(),
        )
    };
    let before: Vec<_> = files.iter().map(|f| stamp(f)).collect();
    // A number is no word of the index: no index file is written again.
    let leo = site.join("content/trials/leopards/index.md");
    let text = std::fs::read_to_string(&leo).unwrap();
    std::fs::write(&leo, text.replacen("89/258", "90/258", 1)).unwrap();
    let o = build(&site, &out, &["--cache", "--base-url", BASE]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after: Vec<_> = files.iter().map(|f| stamp(f)).collect();
    assert_eq!(before, after);
    // A new word in the title: the entry and its words change.
    std::fs::write(
        &leo,
        text.replacen("title: \"LeoPARDS", "title: \"LeoPARDS zebra", 1),
    )
    .unwrap();
    let o = build(&site, &out, &["--cache", "--base-url", BASE]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read(&out, "search/terms-0.json").contains("\n\"zebra\":["));
    assert!(read(&out, "search/docs-0.json").contains("LeoPARDS zebra"));
}
