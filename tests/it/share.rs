//! Sharing and indexing metadata (fixture `good/share`): OpenGraph and
//! Twitter card tags on every page, Google Scholar `citation_*` tags
//! exactly when the publication gives the fields, the Vancouver reference,
//! and schema.org JSON-LD that parses, names the trials with their
//! registration ids, and cannot be broken out of by a title.

use crate::*;

/// Build the fixture into a temporary folder.
fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    built_fixture("good/share")
}

/// The `<meta property=…>` and `<meta name=…>` tags of `html`'s head whose
/// key starts with one of the sharing prefixes, in order.
fn share_tags(html: &str) -> Vec<String> {
    let head = &html[..html.find("</head>").expect("a head")];
    head.lines()
        .map(str::trim)
        .filter(|l| {
            ["og:", "article:", "twitter:", "citation_"]
                .iter()
                .any(|p| {
                    l.starts_with(&format!("<meta property=\"{p}"))
                        || l.starts_with(&format!("<meta name=\"{p}"))
                })
        })
        .map(str::to_string)
        .collect()
}

/// The JSON-LD blocks of `html`, parsed.
fn json_ld(html: &str) -> Vec<serde_json::Value> {
    let open = "<script type=\"application/ld+json\">";
    html.split(open)
        .skip(1)
        .map(|s| {
            let body = &s[..s.find("</script>").expect("closed")];
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
        })
        .collect()
}

/// The OpenGraph and Twitter lines every page has, for a page titled
/// `title` (as escaped) at `path` with `description`.
fn og(kind: &str, title: &str, description: &str, path: &str) -> Vec<String> {
    vec![
        format!("<meta property=\"og:type\" content=\"{kind}\">"),
        format!("<meta property=\"og:title\" content=\"{title}\">"),
        format!("<meta property=\"og:description\" content=\"{description}\">"),
        format!("<meta property=\"og:url\" content=\"https://example.org/club/{path}\">"),
        "<meta property=\"og:site_name\" content=\"Share &amp; tell\">".into(),
        "<meta property=\"og:locale\" content=\"en\">".into(),
    ]
}

/// The Twitter card line: X takes the title, description and image from
/// the og: tags, so they are not written again.
fn twitter_card() -> Vec<String> {
    vec!["<meta name=\"twitter:card\" content=\"summary\">".into()]
}

#[test]
fn a_trial_with_a_full_publication_has_every_tag() {
    let (_t, out) = built();
    let html = read(&out, "trials/paper/index.html");
    let title = "PAPER &quot;quoted&quot; &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    let desc = "A trial whose title tries to break out &amp; more";
    let mut want = og("article", title, desc, "trials/paper/");
    want.push("<meta property=\"article:published_time\" content=\"2021-03-04\">".into());
    want.extend(twitter_card());
    for (name, content) in [
        (
            "citation_title",
            "Drug versus placebo in shock: a randomised trial",
        ),
        ("citation_author", "Smith J"),
        ("citation_author", "O&#39;Brien &lt;b&gt;L&lt;/b&gt;"),
        ("citation_author", "Jones K"),
        ("citation_journal_title", "J Fixture Med"),
        ("citation_publication_date", "2021/03/04"),
        ("citation_volume", "12"),
        ("citation_issue", "3"),
        ("citation_firstpage", "101"),
        ("citation_lastpage", "109"),
        ("citation_doi", "10.1000/fixture.1"),
        ("citation_pmid", "12345678"),
    ] {
        want.push(format!("<meta name=\"{name}\" content=\"{content}\">"));
    }
    assert_eq!(share_tags(&html), want);
    // The reference on the page, in the one style.
    assert!(
        html.contains(
            "<dt>Citation</dt><dd>Smith J, O&#39;Brien &lt;b&gt;L&lt;/b&gt;, Jones K, et al. \
             Drug versus placebo in shock: a randomised trial. J Fixture Med. \
             2021 Mar 4;12(3):101-109. doi:10.1000/fixture.1. PMID: 12345678."
        ),
        "{html}"
    );
}

#[test]
fn a_trial_known_by_its_citation_has_no_scholar_tags() {
    let (_t, out) = built();
    let html = read(&out, "trials/bare/index.html");
    let (title, desc) = (
        "BARE: a trial known by its citation",
        "A trial with only a written citation.",
    );
    // No date: no published time; no publication title: no citation_* tags.
    let mut want = og("article", title, desc, "trials/bare/");
    want.extend(twitter_card());
    assert_eq!(share_tags(&html), want);
    assert!(html.contains("<dt>Citation</dt><dd>Known only through a review.</dd>"));
}

#[test]
fn a_topic_and_a_plain_page_have_their_tags() {
    let (_t, out) = built();
    let html = read(&out, "topics/shock/index.html");
    let (title, desc) = ("Drugs in shock", "Two trials.");
    let mut want = og("article", title, desc, "topics/shock/");
    want.push("<meta property=\"article:published_time\" content=\"2022-05-06\">".into());
    want.push("<meta property=\"article:modified_time\" content=\"2022-06-07\">".into());
    want.extend(twitter_card());
    assert_eq!(share_tags(&html), want);

    // A plain page is a website, without JSON-LD.
    let html = read(&out, "about/index.html");
    let mut want = og("website", "About", "About this site.", "about/");
    want.extend(twitter_card());
    assert_eq!(share_tags(&html), want);
    assert!(json_ld(&html).is_empty());
    assert!(!html.contains("application/ld+json"));

    // The home page has no description of its own: the site's is shared.
    let html = read(&out, "index.html");
    let (title, desc) = (
        "Share &amp; tell",
        "A fixture for sharing and indexing metadata.",
    );
    let mut want = og("website", title, desc, "");
    want.extend(twitter_card());
    assert_eq!(share_tags(&html), want);
}

#[test]
fn json_ld_names_the_trials_and_their_registrations() {
    let (_t, out) = built();
    let html = read(&out, "trials/paper/index.html");
    let ld = json_ld(&html);
    assert_eq!(ld.len(), 1);
    let a = &ld[0];
    assert_eq!(a["@context"], "https://schema.org");
    assert_eq!(a["@type"], "MedicalScholarlyArticle");
    assert_eq!(
        a["headline"],
        "PAPER \"quoted\" </script><script>alert(1)</script>"
    );
    assert_eq!(a["author"]["name"], "Fixture Author");
    assert_eq!(a["datePublished"], "2021-03-04");
    assert_eq!(a["url"], "https://example.org/club/trials/paper/");
    let t = &a["about"][0];
    assert_eq!(a["about"].as_array().unwrap().len(), 1);
    assert_eq!(t["@type"], "MedicalTrial");
    assert_eq!(t["name"], "Drug <b>versus</b> placebo in shock");
    assert_eq!(t["alternateName"], "PAPER");
    assert_eq!(
        t["identifier"],
        serde_json::json!([
            {"@type": "PropertyValue", "propertyID": "ClinicalTrials.gov", "value": "NCT01234567",
             "url": "https://clinicaltrials.gov/study/NCT01234567"},
            {"@type": "PropertyValue", "propertyID": "ISRCTN", "value": "ISRCTN11112222",
             "url": "https://www.isrctn.com/ISRCTN11112222"}
        ])
    );
    assert_eq!(
        t["trialDesign"],
        serde_json::json!([
            "https://schema.org/RandomizedTrial",
            "https://schema.org/DoubleBlindedTrial",
            "https://schema.org/PlaceboControlledTrial",
            "https://schema.org/SingleCenterTrial"
        ])
    );
    assert_eq!(t["phase"], "Phase 3");
    assert_eq!(
        t["healthCondition"],
        serde_json::json!([{"@type": "MedicalCondition", "name": "Septic shock"}])
    );
    assert_eq!(
        t["studySubject"],
        serde_json::json!([{"@type": "MedicalTherapy", "name": "Drug", "description": "Drug by infusion"}])
    );

    // The topic's article is about both trials it gathers.
    let topic = json_ld(&read(&out, "topics/shock/index.html"));
    let names: Vec<&str> = topic[0]["about"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "https://example.org/club/trials/bare/",
            "https://example.org/club/trials/paper/"
        ]
    );
    assert_eq!(topic[0]["dateModified"], "2022-06-07");
}

#[test]
fn a_title_cannot_break_out_of_the_json_ld() {
    let (_t, out) = built();
    for page in ["trials/paper/index.html", "topics/shock/index.html"] {
        let html = read(&out, page);
        // The one inline script on the page is the JSON-LD, and it still
        // parses; the others are the theme's files (`<script src=…>`).
        let inline = html.matches("<script").count() - html.matches("<script src=\"").count();
        assert_eq!(inline, 1, "{page}");
        assert!(!html.contains("<script>alert"), "{page}");
        assert_eq!(json_ld(&html).len(), 1, "{page}");
        let start = html.find("application/ld+json").unwrap();
        let block = &html[start..start + html[start..].find("</script>").unwrap()];
        assert!(
            !block[20..].contains('<') && !block.contains('&'),
            "{page}: {block}"
        );
    }
}

#[test]
fn an_appraisal_is_an_article_about_its_trial() {
    let (_t, out) = built();
    let html = read(&out, "appraisals/club/index.html");
    let (title, desc) = ("Journal club on PAPER", "What we made of it.");
    let mut want = og("article", title, desc, "appraisals/club/");
    want.push("<meta property=\"article:published_time\" content=\"2021-04-01\">".into());
    want.extend(twitter_card());
    assert_eq!(share_tags(&html), want);
    let ld = json_ld(&html);
    assert_eq!(ld[0]["@type"], "MedicalScholarlyArticle");
    // The page's own author, not the site's.
    assert_eq!(ld[0]["author"]["name"], "A Registrar");
    let about = ld[0]["about"].as_array().unwrap();
    assert_eq!(about.len(), 1);
    assert_eq!(about[0]["alternateName"], "PAPER");
    assert_eq!(about[0]["identifier"][0]["value"], "NCT01234567");
}
