//! No live script from content: raw HTML and Markdown links in bodies are
//! sanitised by default (a payload list, none of which may survive), while
//! what authors legitimately write stays; `unsafe_html: true` restores raw
//! HTML; unsafe URL schemes in front matter are errors (see
//! bad/unsafe-url); NUL never reaches a rendered file; imported registry
//! text cannot become a link; hidden folders are not published.

use crate::*;

/// The part of a page between the fixture's BEGIN/END paragraphs.
fn payload_region(html: &str) -> &str {
    let start = html.find("<p>BEGIN-PAYLOADS</p>").expect("begin marker");
    let end = html.find("<p>END-PAYLOADS</p>").expect("end marker");
    &html[start..end]
}

/// Every value of `attr="…"` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let v = &html[i + needle.len()..];
            &v[..v.find('"').unwrap_or(v.len())]
        })
        .collect()
}

/// Panic if anything that could run script is left in `html`.
fn assert_inert(html: &str, what: &str) {
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<button",
        "<meta",
        "<base",
        "<link",
        "<style",
        "<svg",
        "<math",
        "<noscript",
        " on",
        "formaction",
        "srcdoc",
        "http-equiv",
        " background=",
        " autofocus",
        " target=",
        " rel=",
        " value=",
    ] {
        // ` on` catches every event handler (onerror, onload, onclick, ontoggle…).
        let hit = if needle == " on" {
            lower.match_indices(" on").any(|(i, _)| {
                lower[i + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count()
                    > 0
                    && lower[i + 3..]
                        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .starts_with('=')
            })
        } else {
            lower.contains(needle)
        };
        assert!(!hit, "{what}: `{needle}` survived in\n{html}");
    }
    for attr in ["href", "src", "action", "data", "xlink:href"] {
        for v in attr_values(&lower, attr) {
            let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            for scheme in ["javascript:", "vbscript:", "data:", "&#"] {
                assert!(!v.starts_with(scheme), "{what}: {attr}=\"{v}\" survived");
            }
        }
    }
    for v in attr_values(&lower, "style") {
        assert!(
            [
                "text-align: left",
                "text-align: center",
                "text-align: right"
            ]
            .contains(&v),
            "{what}: style=\"{v}\" survived"
        );
    }
}

#[test]
fn no_payload_survives_in_a_body_and_legitimate_markup_stays() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/sanitize"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o)
            .lines()
            .filter(|l| l.starts_with("warning"))
            .count(),
        0,
        "{}",
        stderr(&o)
    );
    let page = read(&out, "appraisals/payloads/index.html");
    let body = payload_region(&page);
    assert_inert(body, "appraisals/payloads");
    // Every payload's link text is still there, without its link.
    for n in 1..=10 {
        assert!(body.contains(&format!("<a>j{n}</a>")), "j{n}\n{body}");
    }
    for t in [
        "<a>v1</a>",
        "<a>v2</a>",
        "<a>d1</a>",
        "<a>d2</a>",
        "<a>m1</a>",
        "<a>m2</a>",
    ] {
        assert!(body.contains(t), "{t}\n{body}");
    }
    for t in [
        "<a>m3</a>",
        "<img alt=\"m4\">",
        "<a>m5</a>",
        "<a>m6</a>",
        "<a>m7</a>",
    ] {
        assert!(body.contains(t), "{t}\n{body}");
    }
    // What an author writes on purpose stays.
    for keep in [
        "<h2 id=\"custom-id\" class=\"lead\">Custom heading</h2>",
        "<th style=\"text-align: left\">Left</th><th style=\"text-align: center\">Centre</th><th style=\"text-align: right\">Right</th>",
        "<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup>",
        "<div class=\"footnote-definition\" id=\"1\">",
        "H<sub>2</sub>O and x<sup>2</sup>",
        "<details><summary>More</summary>Hidden text</details>",
        "<li><input disabled=\"\" type=\"checkbox\" checked=\"\">\ndone</li>",
        "<span class=\"badge\">classy</span>",
        "<a href=\"https://example.org/paper\">paper</a>",
        "<a href=\"/about/\">about</a>",
        "<a href=\"mailto:someone@example.org\">mail</a>",
        "<img src=\"figure.png\" alt=\"a figure\">",
        "<a href=\"https://example.org/\">safe link</a>",
    ] {
        assert!(body.contains(keep), "lost: {keep}\n{body}");
    }
    // The chart shortcode still places its chart, once; no marker or
    // placeholder is left (neither the real one nor the ones written in).
    assert_eq!(
        page.matches("<figure class=\"chart\" id=\"fig-demo-forest-ratio\">")
            .count(),
        1
    );
    assert!(!page.contains("appraise:shortcode"), "marker left");
    assert!(!page.contains("appraise-shortcode"), "placeholder left");
    // The home page's and a section's introduction are bodies too.
    let home = read(&out, "index.html");
    assert!(
        home.contains("<p>Home  page with a <a>bad link</a>.</p>"),
        "{home}"
    );
    let trials = read(&out, "trials/index.html");
    assert!(
        trials.contains("<p>Section intro <img src=\"x\">.</p>"),
        "{trials}"
    );
    // Pure Markdown (no raw HTML) that could still carry script: unsafe
    // link and image URLs, an autolink and a heading attribute send the
    // body through the sanitiser too.
    let md = read(&out, "appraisals/markdown-only/index.html");
    let body = payload_region(&md);
    assert_inert(body, "appraisals/markdown-only");
    for t in [
        "<a>k1</a>",
        "<a>k2</a>",
        "<a>k3</a>",
        "<a href=\"https://example.org/\">kept</a>",
    ] {
        assert!(body.contains(t), "{t}\n{body}");
    }
    // A registry record imported by an older appraise, its link still live
    // in the page source: the build drops the link.
    let rec = read(&out, "trials/nct01234567/index.html");
    assert!(rec.contains("see <a>the protocol</a>."), "{rec}");
    for f in tree(&out) {
        let text = String::from_utf8_lossy(&f.1).to_ascii_lowercase();
        assert!(!text.contains("alert("), "{}: a payload survived", f.0);
        assert!(
            !text.contains("evil.example"),
            "{}: a payload survived",
            f.0
        );
    }
}

#[test]
fn unsafe_html_true_in_the_site_config_keeps_raw_html() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/unsafe-html"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let home = read(&out, "index.html");
    assert!(
        home.contains(
            "<p>Home with an <iframe src=\"https://example.org/embed\"></iframe> embed.</p>"
        ),
        "{home}"
    );
    let w = read(&out, "widget/index.html");
    assert!(
        w.contains("<script>document.getElementById(\"widget\").textContent = \"live\";</script>"),
        "{w}"
    );
    assert!(w.contains("<button onclick=\"go()\">Go</button>"), "{w}");
    // Set on any other page, it is a warning (and has no effect of its own).
    let err = stderr(&o);
    assert!(
        err.lines().any(|l| l == "warning: content/widget.md:3:1: `unsafe_html` is a site setting and is read only from content/_index.md; it has no effect here"),
        "{err}"
    );
}

#[test]
fn nul_never_reaches_a_rendered_file() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/nul"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = tree(&out);
    assert!(files.len() > 5);
    for (path, bytes) in &files {
        if path.ends_with(".png") {
            // A social image is binary (NUL bytes are part of PNG); its text
            // is in the page's og:image:alt, checked with the HTML.
            continue;
        }
        assert!(!bytes.contains(&0), "{path} holds a NUL byte");
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("\\u0000"), "{path} holds an escaped NUL");
    }
    let page = read(&out, "trials/demo/index.html");
    assert!(page.contains("<title>DEMO: a trial"), "{page}");
    assert!(
        page.contains("<b title=\"x\u{FFFD}y\">bold</b>")
            || page.contains("<b title=\"xy\">bold</b>"),
        "{page}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&out, "trials/demo/index.json")).unwrap();
    assert_eq!(json["acronym"], "DEMO");
    assert!(read(&out, "feed.xml").contains("<title>Nul site</title>"));
}

#[test]
fn an_imported_javascript_link_stays_text() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/minimal"), &site);
    let json = fixture("import/javascript-link.json");
    let o = appraise(&[
        "import",
        json.to_str().unwrap(),
        "--root",
        site.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(site.join("content/trials/nct09999999/index.md")).unwrap();
    assert!(
        page.contains("Read \\[the protocol\\](javascript:alert(document.domain)) first."),
        "{page}"
    );
    let out = t.path().join("public");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = read(&out, "trials/nct09999999/index.html");
    assert!(
        html.contains("Read [the protocol](javascript:alert(document.domain)) first."),
        "{html}"
    );
    assert!(!html.contains("href=\"javascript"), "{html}");
}

#[test]
fn files_under_hidden_folders_are_not_published() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    crate::bad_input::copy_dir(&fixture("good/hidden"), &site);
    // Git will not store a `.git` folder in a fixture: make one here.
    std::fs::create_dir_all(site.join("content/.git")).unwrap();
    std::fs::write(site.join("content/.git/config"), "[remote]\nurl = secret\n").unwrap();
    std::fs::write(
        site.join("content/.git/COMMIT_EDITMSG.md"),
        "---\ntitle: Commit\n---\n",
    )
    .unwrap();
    let out = t.path().join("public");
    let o = build(&site, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let paths: Vec<String> = tree(&out).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            ".appraise-output",
            ".nojekyll",
            ".well-known/security.txt",
            "404.html",
            "about/index.html",
            "feed.xml",
            "index.html",
            "manifest.webmanifest",
            "offline.html",
            "search/index.html",
            "search/index.json",
            "site.css",
            "sitemap.xml",
            "social.png",
            "static/favicon.svg",
            "static/search.js",
            "static/style.css",
            "static/sw-register.js",
            "sw.js",
        ],
        "{paths:?}"
    );
    for (p, b) in tree(&out) {
        let s = String::from_utf8_lossy(&b);
        for secret in [
            "Secret plan",
            "Draft trial",
            "Hidden page",
            "Commit",
            "SECRET",
            "secret",
        ] {
            assert!(!s.contains(secret), "{p} mentions {secret}");
        }
    }
}
