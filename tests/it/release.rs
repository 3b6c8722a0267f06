//! `appraise release` and what a build makes of the history: the
//! LeoPARDS → LEVOECMO story in two releases (tests/fixtures/release/story:
//! `before/` is the site with LeoPARDS and the NCT04728932 registry record,
//! `levoecmo/` the page that arrives), told by the topic page, `/changes/`,
//! the site feed and the topic feed; the numbers recorded checked against
//! tests/reference/example_site.json (scipy/statsmodels, same arm counts);
//! refusals (a broken site, an existing file); byte-identical releases.

use std::process::{Command, Output};

use crate::bad_input::copy_dir;
use crate::*;

/// Run `appraise release NOTE --root ROOT` with `extra` arguments and
/// `SOURCE_DATE_EPOCH` set to `epoch` (or unset).
fn release(root: &Path, note: &str, extra: &[&str], epoch: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_appraise"));
    c.args(["release", note, "--root", root.to_str().unwrap()])
        .args(extra);
    match epoch {
        Some(e) => c.env("SOURCE_DATE_EPOCH", e),
        None => c.env_remove("SOURCE_DATE_EPOCH"),
    };
    c.output().expect("run appraise release")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The story's site before LEVOECMO, in a fresh folder.
fn story_site(t: &tempfile::TempDir) -> PathBuf {
    let site = t.path().join("site");
    copy_dir(&fixture("release/story/before"), &site);
    site
}

/// A number of a version file, at a JSON pointer.
fn at(v: &serde_json::Value, pointer: &str) -> f64 {
    v.pointer(pointer)
        .and_then(|x| x.as_f64())
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
}

/// The reference numbers (estimate, low, high) for LeoPARDS alone and
/// for LeoPARDS with LEVOECMO, from tests/reference/example_site.json.
fn reference() -> ([f64; 3], [f64; 3]) {
    let r: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/reference/example_site.json")).unwrap(),
    )
    .unwrap();
    let leopards = r["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["trial"] == "leopards" && o["outcome"] == "death-28d")
        .unwrap();
    let rr = |i: usize| leopards["RR"][i].as_f64().unwrap();
    let pooled = &r["pooled"]["levosimendan/mortality"];
    let p = |k: &str| pooled[k].as_f64().unwrap();
    (
        [rr(0), rr(1), rr(2)],
        [p("estimate"), p("ci_low"), p("ci_high")],
    )
}

const V1: &str =
    "Version 1 (2026-11-20): first recorded: LeoPARDS (2016). RR 1.12 (0.87 to 1.43); 1 trial.";
const V2_TEXT: &str = "+ LEVOECMO (2026). RR 1.12 (0.87 to 1.43) → 1.13 (0.90 to 1.41); trials 1 → 2; I² 0%; conclusion unchanged. NCT04728932: registry record now published as LEVOECMO (2026).";

#[test]
fn the_leopards_to_levoecmo_story_is_told_with_the_right_numbers() {
    let t = tempfile::tempdir().unwrap();
    let site = story_site(&t);
    let o = release(&site, "LeoPARDS only", &["--date", "2026-11-20"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("released version 1 (2026-11-20): history/0001.json\n  Levosimendan: {V1}\ncommit history/0001.json with the site\n")
    );
    // LEVOECMO's page arrives; the registry record is now published.
    copy_dir(&fixture("release/story/levoecmo"), &site);

    // Before the release, a preview says what it will say; a plain build does not.
    let drafts = t.path().join("drafts");
    let o = build(&site, &drafts, &["--drafts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = read(&drafts, "topics/levosimendan/index.html");
    assert!(
        page.contains(&format!("<strong>Changes since version 1</strong> (not released; shown in previews only): {V2_TEXT}</p>")),
        "{page}"
    );
    let changes = read(&drafts, "changes/index.html");
    assert!(
        changes.contains("<h2 id=\"h-unreleased\">Changes since version 1</h2>"),
        "{changes}"
    );
    let plain = t.path().join("plain");
    assert!(build(&site, &plain, &[]).status.success());
    for f in ["topics/levosimendan/index.html", "changes/index.html"] {
        assert!(!read(&plain, f).contains("Changes since"), "{f}");
    }

    let o = release(&site, "LEVOECMO published", &["--date", "2026-12-01"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("released version 2 (2026-12-01): history/0002.json\n  Levosimendan: Version 2 (2026-12-01): {V2_TEXT}\ncommit history/0002.json with the site\n")
    );

    // The numbers recorded are the reference's.
    let (alone, pooled) = reference();
    for (file, want, k) in [("0001.json", alone, 1.0), ("0002.json", pooled, 2.0)] {
        let v: serde_json::Value =
            serde_json::from_str(&read(&site.join("history"), file)).unwrap();
        let a = "/evidence/topics/levosimendan/analyses/mortality";
        for (key, w) in ["estimate", "ci_low", "ci_high"].iter().zip(want) {
            let got = at(&v, &format!("{a}/{key}"));
            assert!((got - w).abs() < 1e-9, "{file} {key}: {got} vs {w}");
        }
        assert_eq!(at(&v, &format!("{a}/k")), k);
        assert_eq!(
            v.pointer(&format!("{a}/certainty")),
            Some(&serde_json::Value::Null)
        );
    }

    let out = t.path().join("public");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = read(&out, "topics/levosimendan/index.html");
    for want in [
        format!("<p class=\"version-latest\" id=\"version-2\"><strong>Version 2 (2026-12-01):</strong> {V2_TEXT} <span class=\"small\">“LEVOECMO published”</span></p>"),
        format!("<li id=\"version-1\"><strong>{}:</strong>{} <span class=\"small\">“LeoPARDS only”</span></li>", &V1[..22], &V1[23..]),
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Levosimendan: new versions\" href=\"/topics/levosimendan/feed.xml\">".to_string(),
    ] {
        assert!(page.contains(&want), "{want}\nnot in\n{page}");
    }
    assert!(!page.contains("Changes since"));
    assert_unique_ids(&page, "topic page");

    let changes = read(&out, "changes/index.html");
    for want in [
        format!("<li><span class=\"changed-kind\">Topic</span> <a href=\"/topics/levosimendan/\">Levosimendan</a>: {V2_TEXT}</li>"),
        "<li><span class=\"changed-kind\">Trial</span> <a href=\"/trials/levoecmo/\">LEVOECMO</a>: new on the site</li>".to_string(),
        "<li><span class=\"changed-kind\">Trial</span> <a href=\"/trials/nct04728932/\">NCT04728932</a>: registry record now published as LEVOECMO (2026)</li>".to_string(),
        format!("<li><span class=\"changed-kind\">Topic</span> <a href=\"/topics/levosimendan/\">Levosimendan</a>: {}</li>", &V1[24..]),
    ] {
        assert!(changes.contains(&want), "{want}\nnot in\n{changes}");
    }
    // Newest first.
    assert!(changes.find("id=\"version-2\"").unwrap() < changes.find("id=\"version-1\"").unwrap());
    assert_unique_ids(&changes, "/changes/");

    let feed = read(&out, "feed.xml");
    let entry = |title: &str, link: &str, day: &str, summary: &str| {
        format!("<entry>\n<title>{title}</title>\n<link href=\"{link}\"/>\n<id>{link}</id>\n<updated>{day}T00:00:00Z</updated>\n<summary>{summary}</summary>\n</entry>\n")
    };
    for want in [
        entry(
            "Version 2: LEVOECMO published",
            "https://example.org/changes/#version-2",
            "2026-12-01",
            &format!("Levosimendan: {V2_TEXT}"),
        ),
        entry(
            "Version 1: LeoPARDS only",
            "https://example.org/changes/#version-1",
            "2026-11-20",
            &format!("Levosimendan: {}", &V1[24..]),
        ),
    ] {
        assert!(feed.contains(&want), "{want}\nnot in\n{feed}");
    }
    let topic_feed = read(&out, "topics/levosimendan/feed.xml");
    assert!(
        topic_feed.contains("<title>Levosimendan · Release story</title>\n"),
        "{topic_feed}"
    );
    assert!(
        topic_feed.contains("<updated>2026-12-01T00:00:00Z</updated>\n<author>"),
        "{topic_feed}"
    );
    for want in [
        entry(
            "Version 2: Levosimendan",
            "https://example.org/topics/levosimendan/#version-2",
            "2026-12-01",
            V2_TEXT,
        ),
        entry(
            "Version 1: Levosimendan",
            "https://example.org/topics/levosimendan/#version-1",
            "2026-11-20",
            &V1[24..],
        ),
    ] {
        assert!(topic_feed.contains(&want), "{want}\nnot in\n{topic_feed}");
    }
    assert!(topic_feed.find("#version-2").unwrap() < topic_feed.find("#version-1").unwrap());
}

#[test]
fn a_release_is_byte_identical_for_the_same_site_and_date() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (sa, sb) = (story_site(&a), story_site(&b));
    assert!(
        release(&sa, "LeoPARDS only", &["--date", "2026-11-20"], None)
            .status
            .success()
    );
    // SOURCE_DATE_EPOCH 1795132800 is 2026-11-20T00:00:00Z; the flag wins over it.
    assert!(release(&sb, "LeoPARDS only", &[], Some("1795132800"))
        .status
        .success());
    let (fa, fb) = (
        std::fs::read(sa.join("history/0001.json")).unwrap(),
        std::fs::read(sb.join("history/0001.json")).unwrap(),
    );
    assert_eq!(fa, fb);
    let o = release(&sa, "again", &["--date", "2026-11-21"], Some("0"));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&read(&sa.join("history"), "0002.json")).unwrap();
    assert_eq!(v["date"], "2026-11-21");
    assert_eq!(v["version"], 2);
    // Version 1 is untouched, and an unchanged site says so.
    assert_eq!(std::fs::read(sa.join("history/0001.json")).unwrap(), fa);
    assert!(
        stdout(&o).contains("\n  No change to the evidence.\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn release_refuses_a_broken_site_an_existing_file_and_a_bad_date() {
    let t = tempfile::tempdir().unwrap();
    let broken = t.path().join("broken");
    copy_dir(&fixture("release/broken"), &broken);
    let o = release(&broken, "v1", &["--date", "2026-11-20"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: content/topics/t.md:4:12: no trial has the id `missing`\n  hint: a trial's id is its folder or file name under content/trials/\nrelease refused: the site has 1 error; fix it and release again\n"
    );
    assert!(!broken.join("history").exists());

    // A bad version file is an error of the site too.
    let bad = t.path().join("bad");
    copy_dir(&fixture("bad/history-json"), &bad);
    let o = release(&bad, "v5", &["--date", "2026-11-20"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .ends_with("release refused: the site has 4 errors; fix them and release again\n"),
        "{}",
        stderr(&o)
    );

    // Something already at the next version's path is never replaced.
    let site = story_site(&t);
    std::fs::create_dir_all(site.join("history/0001.json/kept")).unwrap();
    let o = release(&site, "v1", &["--date", "2026-11-20"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("error: history/0001.json: "), "{err}");
    assert!(err.ends_with("  hint: a released version is never overwritten; remove the file only if it was never published\n"), "{err}");
    assert!(site.join("history/0001.json/kept").is_dir());

    for (date, epoch, msg) in [
        (
            Some("2026-11"),
            None,
            "error: --date `2026-11`: write a day, YYYY-MM-DD\n",
        ),
        (
            Some("2026-02-30"),
            None,
            "error: --date: `2026-02-30`: February 2026 has 28 days\n",
        ),
        (
            None,
            Some("soon"),
            "error: SOURCE_DATE_EPOCH `soon` is not a number of seconds\n",
        ),
    ] {
        let extra: Vec<&str> = date.map(|d| vec!["--date", d]).unwrap_or_default();
        let o = release(
            &story_site(&tempfile::tempdir().unwrap()),
            "v",
            &extra,
            epoch,
        );
        assert_eq!((o.status.code(), stderr(&o)), (Some(1), msg.to_string()));
    }
}
