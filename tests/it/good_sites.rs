//! Small good sites: what they build, escaping, CSV bundles, registry
//! records, warnings, init.

use crate::*;

#[test]
fn minimal_site_builds_with_escaped_user_text_and_working_links() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(
        &fixture("good/minimal"),
        &out,
        &["--base-url", "https://example.github.io/appraise-demo/"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let post = read(&out, "appraisals/post/index.html");
    assert!(!post.contains("<script>alert(1)"), "title must be escaped");
    assert!(post.contains("Post &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        post.contains("href=\"/appraise-demo/trials/demo/\""),
        "@/ link resolved under the base path"
    );
    assert!(
        post.contains("href=\"/appraise-demo/about/\""),
        "root-relative link rebased"
    );
    assert!(post.contains("<svg"), "the forest shortcode placed a chart");
    assert!(!post.contains("appraise:shortcode"), "no marker left");
    assert!(out.join(".nojekyll").exists());
    assert!(out.join("404.html").exists());
    assert!(out.join("tags/demo/index.html").exists());
    let feed = read(&out, "feed.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    // The site names no author: the feed still has one (RFC 4287 §4.1.1).
    assert!(
        feed.contains("<author><name>Fixture site</name></author>"),
        "{feed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&out, "trials/demo/index.json")).unwrap();
    assert_eq!(json["outcomes"][0]["arms"][0]["events"], 20);
    assert_eq!(json["outcomes"][0]["effects"][0]["measure"], "RR");
}

#[test]
fn csv_outcomes_load_like_front_matter_outcomes() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/csv-bundle"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = read(&out, "trials/bundle/index.html");
    assert!(html.contains("26/101 (25.7%)"), "{html}");
    assert!(html.contains("23/104 (22.1%)"));
    let json: serde_json::Value =
        serde_json::from_str(&read(&out, "trials/bundle/index.json")).unwrap();
    let rr = &json["outcomes"][0]["effects"][0];
    assert_eq!(rr["measure"], "RR");
    assert!((rr["estimate"].as_f64().unwrap() - (26.0 / 101.0) / (23.0 / 104.0)).abs() < 1e-12);
}

#[test]
fn registry_record_links_to_its_publication_and_ongoing_trials_show() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/registry"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = read(&out, "trials/nct00000001/index.html");
    assert!(
        rec.contains("Results of this registered trial are now published"),
        "{rec}"
    );
    assert!(rec.contains("href=\"/trials/demo/\""));
    let home = read(&out, "index.html");
    assert!(home.contains("Ongoing and registered trials"));
    assert!(home.contains("Still recruiting"));
    let demo = read(&out, "trials/demo/index.html");
    assert!(
        demo.contains("href=\"/trials/nct00000001/\""),
        "published trial links its registry record"
    );
}

#[test]
fn unknown_keys_are_warnings_and_the_build_succeeds() {
    let case = fixture("good/unknown-key");
    let t = tempfile::tempdir().unwrap();
    let o = build(&case, &t.path().join("public"), &[]);
    assert!(o.status.success());
    let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
    assert!(stderr(&o).contains(expected.trim_end()), "{}", stderr(&o));
}

#[test]
fn init_makes_a_site_that_builds_and_refuses_a_non_empty_dir() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("new-site");
    let o = appraise(&["init", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("public");
    let b = build(&dir, &out, &[]);
    assert!(b.status.success(), "{}", stderr(&b));
    assert!(String::from_utf8_lossy(&b.stdout).starts_with("built "));
    assert!(read(&out, "trials/leopards/index.html").contains("89/258"));
    let again = appraise(&["init", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("is not empty"));
}

#[test]
fn init_writes_a_pages_workflow_with_concurrency_cache_and_the_pages_base_url() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("new-site");
    let o = appraise(&["init", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let wf = std::fs::read_to_string(dir.join(".github/workflows/pages.yml")).unwrap();
    for line in [
        "concurrency:",
        "  group: pages",
        "  cancel-in-progress: false",
        "env:",
        "  APPRAISE_INSTALL: cargo install --git https://github.com/appraise-evidence/appraise --locked appraise",
        "        uses: actions/configure-pages@v5",
        "          path: ~/.cargo/bin",
        "          key: appraise-${{ runner.os }}-${{ env.APPRAISE_INSTALL }}",
        "      - if: steps.cache.outputs.cache-hit != 'true'",
        "        run: $APPRAISE_INSTALL",
        "      - run: appraise build --base-url \"${{ steps.pages.outputs.base_url }}/\"",
    ] {
        assert!(wf.lines().any(|l| l == line), "missing line {line:?} in\n{wf}");
    }
    // The install source is set in one place: no other step names cargo install.
    assert_eq!(wf.matches("cargo install").count(), 1, "{wf}");
    let y: serde_yaml::Value = serde_yaml::from_str(&wf).expect("the workflow is valid YAML");
    assert_eq!(
        y["concurrency"]["cancel-in-progress"],
        serde_yaml::Value::Bool(false)
    );
    let steps = y["jobs"]["build"]["steps"].as_sequence().unwrap();
    assert!(steps
        .iter()
        .any(|s| s["uses"].as_str() == Some("actions/cache@v4")
            && s["with"]["path"].as_str() == Some("~/.cargo/bin")));
    assert_eq!(y["jobs"]["deploy"]["needs"].as_str(), Some("build"));
}

#[test]
fn site_templates_override_theme_files() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/minimal"), &site);
    std::fs::create_dir_all(site.join("templates")).unwrap();
    std::fs::write(site.join("templates/404.html"), "{% extends \"base.html\" %}{% block main %}<p>Custom 404 for {{ site.title }}</p>{% endblock main %}").unwrap();
    let out = t.path().join("public");
    assert!(build(&site, &out, &[]).status.success());
    assert!(read(&out, "404.html").contains("Custom 404 for Fixture site"));
}

#[test]
fn check_names_the_method_that_reproduces_each_printed_effect() {
    let case = fixture("good/minimal");
    let o = appraise(&["check", "--root", case.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ok: content/trials/demo.md: outcome `death`: the printed RR adds up: Reproduced by log-Wald"), "{out}");
    assert!(!case.join("public").exists(), "check writes nothing");
}

#[test]
fn strict_check_fails_on_results_that_do_not_add_up() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/minimal"), &site);
    let trial = std::fs::read_to_string(site.join("content/trials/demo.md")).unwrap();
    std::fs::write(
        site.join("content/trials/demo.md"),
        trial.replace("ci: [0.41, 1.09]", "ci: [0.45, 0.98]"),
    )
    .unwrap();
    let lax = appraise(&["check", "--root", site.to_str().unwrap()]);
    assert!(lax.status.success());
    assert!(stderr(&lax).contains("warning: content/trials/demo.md:11:1: outcome `death`: the printed RR does not add up: recomputed 0.67 (0.41 to 1.09) by log-Wald"), "{}", stderr(&lax));
    let strict = appraise(&["check", "--strict", "--root", site.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn long_lists_are_split_into_pages_and_the_home_page_shows_the_latest() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/paginated"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Twelve trials, two per page: trials/, trials/page/2/ … trials/page/6/.
    let p1 = read(&out, "trials/index.html");
    let p2 = read(&out, "trials/page/2/index.html");
    let p6 = read(&out, "trials/page/6/index.html");
    assert!(!out.join("trials/page/7").exists());
    assert!(
        !out.join("trials/page/1").exists(),
        "page 1 is trials/ itself"
    );
    let order = |html: &str| -> Vec<String> {
        html.match_indices("TRIAL")
            .filter(|(i, _)| html[..*i].ends_with('>'))
            .map(|(i, _)| html[i..i + 6].to_string())
            .collect()
    };
    assert_eq!(order(&p1), ["TRIALC", "TRIALB"], "newest first");
    assert_eq!(order(&p2), ["TRIALA", "TRIAL9"]);
    assert_eq!(order(&p6), ["TRIAL2", "TRIAL1"]);
    assert!(p1.contains("Every trial, newest first."), "intro on page 1");
    assert!(
        !p2.contains("Every trial, newest first."),
        "intro only on page 1"
    );
    assert!(p1.contains("Page 1 of 6"));
    assert!(p2.contains("href=\"/pages/trials/\" rel=\"prev\""));
    assert!(p2.contains("href=\"/pages/trials/page/3/\" rel=\"next\""));
    assert!(p2.contains("aria-current=\"page\">2</a>"));
    // Page 2 links 1, 2, 3, 4, a gap, and 6.
    assert!(p2.contains("/pages/trials/page/4/\">4</a>"));
    assert!(!p2.contains("/pages/trials/page/5/\">5</a>"));
    assert!(p2.contains("<li class=\"gap\""));
    assert!(p6.contains("<title>All trials (page 6 of 6)"));
    // Tag pages are split the same way.
    assert!(read(&out, "tags/shock/page/6/index.html").contains("TRIAL1"));
    // The home page lists the latest ten trials and links to all of them.
    let home = read(&out, "index.html");
    assert_eq!(order(&home).len(), 10);
    assert!(!home.contains(">TRIAL2"), "only the latest ten");
    assert!(home.contains("href=\"/pages/trials/\">All 12 published trials →</a>"));
}

#[test]
fn new_pages_start_as_drafts_that_build_and_are_never_overwritten() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    let root = site.to_str().unwrap();
    assert!(appraise(&["init", root]).status.success());
    for (kind, name, path) in [
        ("trial", "rescue-2", "content/trials/rescue-2/index.md"),
        ("appraisal", "my-take", "content/appraisals/my-take.md"),
        ("topic", "shock", "content/topics/shock.md"),
    ] {
        let o = appraise(&["new", kind, name, "--root", root]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = std::fs::read_to_string(site.join(path)).unwrap();
        assert!(text.contains("draft: true"), "{path}");
        // Never overwrites.
        std::fs::write(site.join(path), "mine").unwrap();
        let again = appraise(&["new", kind, name, "--root", root]);
        assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
        assert_eq!(std::fs::read_to_string(site.join(path)).unwrap(), "mine");
    }
    // Put the skeletons back and check they build, as drafts only.
    for p in [
        "content/trials/rescue-2/index.md",
        "content/appraisals/my-take.md",
        "content/topics/shock.md",
    ] {
        std::fs::remove_file(site.join(p)).unwrap();
    }
    for (kind, name) in [
        ("trial", "rescue-2"),
        ("appraisal", "my-take"),
        ("topic", "shock"),
    ] {
        assert!(appraise(&["new", kind, name, "--root", root])
            .status
            .success());
    }
    let out = t.path().join("out");
    let o = build(&site, &out, &["--drafts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("error:"), "{}", stderr(&o));
    assert!(read(&out, "trials/rescue-2/index.html").contains("RESCUE-2"));
    assert!(out.join("appraisals/my-take/index.html").exists());
    assert!(out.join("topics/shock/index.html").exists());
    let out2 = t.path().join("out2");
    assert!(build(&site, &out2, &[]).status.success());
    assert!(
        !out2.join("trials/rescue-2").exists(),
        "drafts stay out of a normal build"
    );
    // A name that cannot be a URL segment is refused.
    let bad = appraise(&["new", "trial", "../escape", "--root", root]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!t.path().join("escape").exists());
}

#[test]
fn an_imported_registry_record_becomes_published_when_its_trial_arrives() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    let root = site.to_str().unwrap();
    assert!(appraise(&["init", root]).status.success());
    let json = fixture("import/nct04728932.json");
    let o = appraise(&["import", json.to_str().unwrap(), "--root", root]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Importing the same record again changes nothing.
    let page = site.join("content/trials/nct04728932/index.md");
    let before = std::fs::read(&page).unwrap();
    let again = appraise(&["import", json.to_str().unwrap(), "--root", root]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("no change: "));
    assert_eq!(std::fs::read(&page).unwrap(), before);

    let out = t.path().join("out");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = read(&out, "trials/nct04728932/index.html");
    for s in [
        "Recruiting",
        "Phase 3",
        "Assistance Publique - Hôpitaux de Paris",
        "27 August 2021",
    ] {
        assert!(rec.contains(s), "registry page lacks {s}");
    }
    assert!(
        rec.contains("status-ongoing"),
        "a registered trial without results is ongoing"
    );
    assert!(read(&out, "index.html").contains("Ongoing and registered trials"));

    // The results are published: the trial's own page, same registration.
    std::fs::create_dir_all(site.join("content/trials/levoecmo")).unwrap();
    std::fs::write(
        site.join("content/trials/levoecmo/index.md"),
        "---\ntitle: \"LEVOECMO: levosimendan to wean VA-ECMO\"\ndate: 2026-03-01\n\
         trial:\n  acronym: LEVOECMO\n  registration: [NCT04728932]\n\
         \x20 publication: { journal: JAMA, year: 2026 }\n  arms:\n\
         \x20   - { id: levo, label: Levosimendan, n: 101 }\n\
         \x20   - { id: placebo, label: Placebo, n: 104, control: true }\n  outcomes:\n\
         \x20   - id: death-30d\n      label: Death at day 30\n\
         \x20     binary: { levo: 26/101, placebo: 23/104 }\n---\nThe results.\n",
    )
    .unwrap();
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rec = read(&out, "trials/nct04728932/index.html");
    assert!(rec.contains("Registry record · published"), "{rec}");
    assert!(
        rec.contains("href=\"/your-repo/trials/levoecmo/\""),
        "links to the publication"
    );
    let home = read(&out, "index.html");
    assert!(
        !home.contains("Ongoing and registered trials"),
        "no longer listed as ongoing"
    );
    // The feed says what changed.
    let feed = read(&out, "feed.xml");
    assert!(
        feed.contains("Results published for registered trial NCT04728932."),
        "{feed}"
    );
}
