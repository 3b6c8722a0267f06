//! Social images (fixture `good/social`, the `good/share` site with
//! images on, under the base path `/appraise-demo/`): every trial,
//! appraisal and topic page and the home page get a `social.png` named in
//! their head with its size and alt text and the large Twitter card; the
//! PNGs decode at 1200×630 and are the same bytes on every build;
//! `social_images: false` (fixture `good/share`) writes none and keeps the
//! `summary` card.

use std::path::Path;

use resvg::tiny_skia::Pixmap;

use crate::bad_input::copy_dir;
use crate::*;

/// The pages of the fixture that get an image, by output folder.
const WITH_IMAGES: [&str; 5] = [
    "",
    "trials/paper/",
    "trials/bare/",
    "appraisals/club/",
    "topics/shock/",
];

/// The content of `<meta {attr}="{key}" content="…">` in `html`, unescaped
/// as far as the tests need (`&quot;`, `&lt;`, `&gt;`, `&amp;`).
fn meta(html: &str, attr: &str, key: &str) -> Option<String> {
    let open = format!("<meta {attr}=\"{key}\" content=\"");
    let rest = &html[html.find(&open)? + open.len()..];
    let value = &rest[..rest.find('"')?];
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Every `social.png` under `out`, by path.
fn pngs(out: &Path) -> Vec<(String, Vec<u8>)> {
    tree(out)
        .into_iter()
        .filter(|(p, _)| p.ends_with("social.png"))
        .collect()
}

#[test]
fn every_article_and_the_home_page_name_their_image_under_the_base_path() {
    let (_t, out) = built_fixture("good/social");
    for dir in WITH_IMAGES {
        let html = read(&out, &format!("{dir}index.html"));
        let url = format!("https://example.org/appraise-demo/{dir}social.png");
        assert_eq!(meta(&html, "property", "og:image"), Some(url), "{dir}");
        // X reads the image from og:image; it is not named twice.
        assert_eq!(meta(&html, "name", "twitter:image"), None, "{dir}");
        assert_eq!(
            meta(&html, "property", "og:image:width").as_deref(),
            Some("1200")
        );
        assert_eq!(
            meta(&html, "property", "og:image:height").as_deref(),
            Some("630")
        );
        assert_eq!(
            meta(&html, "name", "twitter:card").as_deref(),
            Some("summary_large_image"),
            "{dir}"
        );
        let alt = meta(&html, "property", "og:image:alt").unwrap();
        assert_eq!(meta(&html, "name", "twitter:image:alt"), Some(alt.clone()));
        // The site title: the footer of an article's image, the home page's title.
        assert!(alt.contains("Share & tell, with pictures."), "{dir}: {alt}");
        assert!(out.join(dir).join("social.png").is_file(), "{dir}");
    }
    // A plain page has no image and keeps the small card.
    let about = read(&out, "about/index.html");
    assert_eq!(meta(&about, "property", "og:image"), None);
    assert_eq!(
        meta(&about, "name", "twitter:card").as_deref(),
        Some("summary")
    );
    assert_eq!(pngs(&out).len(), WITH_IMAGES.len());
}

#[test]
fn the_alt_text_reads_the_result_card_of_the_page() {
    let (_t, out) = built_fixture("good/social");
    let html = read(&out, "trials/paper/index.html");
    let alt = meta(&html, "property", "og:image:alt").unwrap();
    // The title as written (escaped in the attribute, never markup), the
    // primary outcome, and the arms: 20/100 and 30/100 events.
    assert!(
        alt.starts_with("PAPER \"quoted\" </script><script>alert(1)</script>. Death at 28 days."),
        "{alt}"
    );
    assert!(
        !html.contains("content=\"PAPER \"quoted\""),
        "attribute not escaped"
    );
    assert!(
        alt.contains("Drug 20/100 (20.0%) vs Placebo 30/100 (30.0%)"),
        "{alt}"
    );
    // RR 0.2 / 0.3 = 0.67, log-Wald 95% CI 0.41 to 1.09 (by hand:
    // SE = sqrt(1/20 − 1/100 + 1/30 − 1/100) = 0.2517).
    assert!(alt.contains("RR 0.67 (0.41 to 1.09)"), "{alt}");
    // The appraisal shows the card of the trial it discusses.
    let club = read(&out, "appraisals/club/index.html");
    let club_alt = meta(&club, "property", "og:image:alt").unwrap();
    assert!(
        club_alt.starts_with("Journal club on PAPER. Death at 28 days."),
        "{club_alt}"
    );
    assert!(club_alt.contains("RR 0.67 (0.41 to 1.09)"), "{club_alt}");
}

#[test]
fn the_images_decode_at_1200_by_630_and_two_builds_give_the_same_bytes() {
    let (_a, first) = built_fixture("good/social");
    let (_b, second) = built_fixture("good/social");
    let (one, two) = (pngs(&first), pngs(&second));
    assert_eq!(one.len(), WITH_IMAGES.len());
    for ((path, bytes), (path2, bytes2)) in one.iter().zip(&two) {
        assert_eq!(path, path2);
        assert!(bytes == bytes2, "{path} differs between two builds");
        let img = Pixmap::decode_png(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!((img.width(), img.height()), (1200, 630), "{path}");
        // Opaque, and text was drawn: dark pixels below the accent bar.
        assert!(img.pixels().iter().all(|p| p.alpha() == 255), "{path}");
        let dark = img.pixels()[1200 * 20..]
            .iter()
            .filter(|p| p.red() < 80)
            .count();
        assert!(dark > 2000, "{path}: {dark} dark pixels");
    }
    // Different pages, different images.
    assert_ne!(one[0].1, one[1].1);
}

#[test]
fn social_images_false_writes_none_and_keeps_the_summary_card() {
    let (_t, out) = built_fixture("good/share");
    assert!(pngs(&out).is_empty());
    for dir in WITH_IMAGES {
        let html = read(&out, &format!("{dir}index.html"));
        assert_eq!(meta(&html, "property", "og:image"), None, "{dir}");
        assert_eq!(meta(&html, "name", "twitter:image"), None, "{dir}");
        assert_eq!(
            meta(&html, "name", "twitter:card").as_deref(),
            Some("summary"),
            "{dir}"
        );
    }
}

#[test]
fn social_images_on_another_page_is_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/social"), &site);
    let about = site.join("content/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(
        &about,
        text.replacen("---\n", "---\nsocial_images: false\n", 1),
    )
    .unwrap();
    let o = build(&site, &t.path().join("public"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: content/about.md:2:1: `social_images` is a site setting and is read only from content/_index.md; it has no effect here"),
        "{}",
        stderr(&o)
    );
    // The site's setting (on) still holds.
    assert_eq!(pngs(&t.path().join("public")).len(), WITH_IMAGES.len());
}
