//! Offline reading: the web app manifest under a project path, the service
//! worker's precache list and version (the same for the same site, new for
//! any edit, the same from a cached build), and `offline: false`.

use std::path::Path;

use crate::{build, fixture, read, stderr};

/// Build `root` into `out`, which must succeed.
fn built(root: &Path, out: &Path, extra: &[&str]) {
    let o = build(root, out, extra);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The `VERSION` line of a built `sw.js`.
fn version_line(out: &Path) -> String {
    let sw = read(out, "sw.js");
    let line = sw.lines().find(|l| l.starts_with("const VERSION = \""));
    line.unwrap_or_else(|| panic!("no VERSION in\n{sw}"))
        .to_string()
}

#[test]
fn the_manifest_is_under_the_project_path() {
    let t = tempfile::tempdir().unwrap();
    built(&fixture("good/offline"), t.path(), &[]);
    let m: serde_json::Value =
        serde_json::from_str(&read(t.path(), "manifest.webmanifest")).unwrap();
    assert_eq!(m["name"], "Ward reading: trials");
    assert_eq!(m["short_name"], "Ward reading");
    assert_eq!(m["start_url"], "/project/");
    assert_eq!(m["scope"], "/project/");
    assert_eq!(m["display"], "standalone");
    assert_eq!(m["theme_color"], "#0b5d6b");
    assert_eq!(m["background_color"], "#fbfbf8");
    assert_eq!(m["icons"][0]["src"], "/project/static/favicon.svg");
    assert_eq!(m["icons"][0]["sizes"], "any");
    let home = read(t.path(), "index.html");
    for line in [
        "<link rel=\"manifest\" href=\"/project/manifest.webmanifest\">",
        "<meta name=\"theme-color\" content=\"#0b5d6b\">",
        "<script src=\"/project/static/sw-register.js\" data-worker=\"/project/sw.js\" data-scope=\"/project/\" defer></script>",
    ] {
        assert!(home.lines().any(|l| l == line), "no {line} in\n{home}");
    }
    assert!(read(t.path(), "offline.html").contains("<h1>Not saved for offline reading</h1>"));
    assert!(read(t.path(), "static/sw-register.js").contains("isSecureContext"));
}

#[test]
fn the_worker_precaches_the_home_page_and_its_version_follows_the_site() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/offline"), &site);
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    built(&site, &a, &[]);
    built(&site, &b, &[]);
    let sw = read(&a, "sw.js");
    assert_eq!(sw, read(&b, "sw.js"), "two builds give one sw.js");
    // The home page, the theme's files, the offline page, and search: its
    // manifest, script, the small index's two shards (entries, words), and page.
    let precache = "const PRECACHE = [\"/project/\",\"/project/static/style.css\",\"/project/static/favicon.svg\",\"/project/offline.html\",\"/project/search/index.json\",\"/project/static/search.js\",\"/project/search/docs-0.json\",\"/project/search/terms-0.json\",\"/project/search/\"];";
    assert!(sw.lines().any(|l| l == precache), "{sw}");
    assert!(sw.contains("const BASE = \"/project/\";"), "{sw}");
    assert!(
        sw.contains("const OFFLINE = \"/project/offline.html\";"),
        "{sw}"
    );
    // One word of one page changes the version.
    let post = site.join("content/appraisals/post.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, format!("{text}\nOne more sentence.\n")).unwrap();
    built(&site, &c, &[]);
    assert_ne!(version_line(&a), version_line(&c));
    // Only the version line differs.
    let others = |s: &str| -> Vec<String> {
        (s.lines().filter(|l| !l.starts_with("const VERSION")))
            .map(String::from)
            .collect()
    };
    assert_eq!(others(&sw), others(&read(&c, "sw.js")));
}

#[test]
fn a_cached_build_gives_the_clean_builds_worker() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/offline"), &site);
    let cached = site.join("public");
    built(&site, &cached, &["--cache"]);
    let post = site.join("content/appraisals/post.md");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(&post, format!("{text}\nOne more sentence.\n")).unwrap();
    // The trial page is kept from the last output, the post rendered again.
    built(&site, &cached, &["--cache"]);
    let clean = t.path().join("clean");
    built(&site, &clean, &[]);
    assert_eq!(read(&cached, "sw.js"), read(&clean, "sw.js"));
}

#[test]
fn offline_false_writes_no_manifest_no_worker_and_no_registration() {
    let t = tempfile::tempdir().unwrap();
    built(&fixture("good/offline-off"), t.path(), &[]);
    for f in ["sw.js", "manifest.webmanifest", "offline.html"] {
        assert!(!t.path().join(f).exists(), "{f} was written");
    }
    let home = read(t.path(), "index.html");
    assert!(!home.contains("rel=\"manifest\""), "{home}");
    assert!(!home.contains("sw-register.js"), "{home}");
    assert!(!home.contains("theme-color"), "{home}");
}
