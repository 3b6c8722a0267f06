//! Charts on the example site: the acceptance list of the charts issue
//! (which page shows which chart), accessibility wrappers, phone card tables,
//! and independence from the fonts installed on the machine.

use std::path::Path;

use crate::*;

/// Every `<svg …>…</svg>` element of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg ") {
        let tail = &rest[i..];
        let end = tail
            .find("</svg>")
            .map_or(tail.len(), |j| j + "</svg>".len());
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

fn build_example(out: &Path, envs: &[(&str, &Path)]) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_appraise"));
    cmd.args(["build", "--root"])
        .arg(repo())
        .arg("--output")
        .arg(out);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run appraise");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn each_page_shows_its_charts_with_title_desc_and_data_table() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    build_example(&out, &[]);
    let wants: &[(&str, &[&str])] = &[
        ("trials/leopards/index.html", &["ap-forest", "ap-rates"]),
        ("trials/levoecmo/index.html", &["ap-forest", "ap-rates"]),
        (
            "topics/levosimendan/index.html",
            &["ap-forest", "ap-cumulative"],
        ),
        ("trials/nct04728932/index.html", &["ap-timeline"]),
    ];
    for (page, kinds) in wants {
        let html = read(&out, page);
        let charts = svgs(&html);
        for kind in *kinds {
            assert!(
                charts
                    .iter()
                    .any(|s| s.contains(&format!("class=\"ap-chart {kind}"))),
                "{page}: no {kind} chart"
            );
        }
        // One responsive SVG per figure: no second copy hidden by CSS.
        let figures = html.matches("<figure class=\"chart\"").count();
        assert_eq!(charts.len(), figures, "{page}: SVGs per figure");
        for layout in ["ap-chart--wide", "ap-chart--compact"] {
            assert!(!html.contains(layout), "{page}: {layout}");
        }
        for svg in &charts {
            let open = &svg[..svg.find('>').unwrap()];
            assert!(open.contains("role=\"img\""), "{page}: {open}");
            assert!(open.contains("aria-labelledby="), "{page}: {open}");
            assert!(svg.contains("<title id="), "{page}: chart without a title");
            assert!(
                svg.contains("<desc id="),
                "{page}: chart without a description"
            );
            assert!(!open.contains(" width="), "{page}: fixed width: {open}");
        }
        // One collapsed data table per figure, read as cards on a phone.
        let figures = html.matches("<figure class=\"chart\"").count();
        assert!(figures > 0, "{page}");
        assert_eq!(
            html.matches("<details class=\"chart-data\"><summary>")
                .count(),
            figures,
            "{page}"
        );
        assert!(html.contains("<table class=\"cards\">"), "{page}");
    }
}

#[test]
fn shortcode_results_table_is_the_theme_table_with_phone_labels() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    build_example(&out, &[]);
    let html = read(&out, "appraisals/levoecmo-bottom-line/index.html");
    let i = html
        .find("<table class=\"outcomes cards\">")
        .expect("the {{ results() }} table in the prose");
    let table = &html[i..i + html[i..].find("</table>").unwrap()];
    for s in [
        "data-label=\"Levosimendan\">69/101 (68.3%)",
        "data-label=\"Placebo\">71/104 (68.3%)",
        "data-label=\"Reported\"",
        "data-label=\"Recomputed by appraise\"",
        "sHR 1.02 (0.74 to 1.39); p = 0.92",
    ] {
        assert!(table.contains(s), "results table lacks {s}");
    }
}

#[test]
fn builds_byte_identically_without_system_fonts() {
    // appraise never reads a font: the chart stage estimates text widths from
    // a built-in table and plotters is built without its font features. Prove
    // it from outside: a build that can see no fonts at all (an empty
    // fontconfig, empty XDG folders) gives the same bytes as a normal build.
    let t = tempfile::tempdir().unwrap();
    let empty = t.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let conf = t.path().join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n\
             <fontconfig><cachedir>{}</cachedir></fontconfig>\n",
            empty.display()
        ),
    )
    .unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    build_example(&a, &[]);
    build_example(
        &b,
        &[
            ("FONTCONFIG_FILE", conf.as_path()),
            ("FONTCONFIG_PATH", empty.as_path()),
            ("XDG_DATA_HOME", empty.as_path()),
            ("XDG_DATA_DIRS", empty.as_path()),
            ("XDG_CONFIG_HOME", empty.as_path()),
            ("HOME", empty.as_path()),
        ],
    );
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(
        ta.iter().map(|x| &x.0).collect::<Vec<_>>(),
        tb.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    for (x, y) in ta.iter().zip(&tb) {
        assert!(x.1 == y.1, "{} differs without system fonts", x.0);
    }
    // And no font-loading crate is linked in at all.
    let lock = std::fs::read_to_string(repo().join("Cargo.lock")).unwrap();
    for krate in [
        "font-kit",
        "ttf-parser",
        "ab_glyph",
        "rusttype",
        "fontconfig",
        "freetype",
        "yeslogic-fontconfig-sys",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{krate}\"")),
            "Cargo.lock pulls in the font crate {krate}"
        );
    }
}

#[test]
fn a_chart_placed_in_the_prose_is_not_repeated_by_the_page() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let o = build(&fixture("good/placed-charts"), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("content/trials/demo.md:38:1: `rates` shows what line 30 already shows; it is shown once"),
        "{err}"
    );
    let html = read(&out, "trials/demo/index.html");
    // The trial forest plot: placed once in the prose, not again by the
    // template; the per-outcome rates chart once despite two shortcodes.
    assert_eq!(
        html.matches("id=\"fig-demo-forest-ratio\"").count(),
        1,
        "{html}"
    );
    assert_eq!(html.matches("id=\"fig-demo-rates-death\"").count(), 1);
    // The difference-scale plot, placed with scale="difference"; its
    // arm cells (in its data table: the chart draws only the effect
    // column) print mean and SD with the same decimals (6.70, not 6.7).
    assert_eq!(html.matches("id=\"fig-demo-forest-diff\"").count(), 1);
    assert!(
        html.contains("<td data-label=\"Drug\">6.70 ± 3.96</td>"),
        "{html}"
    );
    // The all-outcome rates chart was not placed, so the template shows it.
    assert_eq!(html.matches("id=\"fig-demo-rates\"").count(), 1);
    assert_unique_ids(&html, "trials/demo");
}
