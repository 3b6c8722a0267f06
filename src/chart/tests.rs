//! Unit and snapshot tests for the chart stage, with realistic data
//! (LeoPARDS, LEVOECMO, a pooled levosimendan example, NCT04728932).
//!
//! Snapshots live in `tests/snapshots/chart/*.svg` (relative to the package
//! root) and are compared byte for byte; run with `UPDATE_SNAPSHOTS=1` to
//! rewrite them after an intended change, then review the diff and the PNGs.

use super::*;

// ---------------------------------------------------------------- fixtures

/// LEVOECMO outcomes as a trial forest plot (ratio measures).
pub(super) fn levoecmo_ratios() -> ForestSpec {
    let row = |label: &str, e: &str, c: &str, rr: f64, lo: f64, hi: f64| {
        ForestRow::study(label, rr, lo, hi).with_cells([
            e.to_string(),
            c.to_string(),
            format!("{rr:.2} [{lo:.2}, {hi:.2}]"),
        ])
    };
    ForestSpec {
        id: "levoecmo-rr".into(),
        title: "LEVOECMO: outcomes, levosimendan vs placebo".into(),
        description:
            "Risk ratios with 95% confidence intervals for three outcomes of the LEVOECMO trial."
                .into(),
        axis: Axis::ratio("Risk ratio (log scale)"),
        favours_left: "Favours levosimendan".into(),
        favours_right: "Favours placebo".into(),
        label_header: "Outcome".into(),
        columns: vec![
            "Levosimendan".into(),
            "Placebo".into(),
            "RR [95% CI]".into(),
        ],
        effect_column: Some(2),
        rows: vec![
            row(
                "All-cause mortality, day 30",
                "26/101",
                "23/104",
                1.16,
                0.71,
                1.90,
            ),
            row(
                "Ventricular arrhythmia",
                "18/101",
                "9/104",
                2.06,
                0.97,
                4.37,
            ),
            row(
                "Kidney replacement therapy",
                "29/101",
                "38/104",
                0.79,
                0.53,
                1.17,
            ),
        ],
        footer: vec!["Risk ratios from the published report; 95% CIs.".into()],
    }
}

/// LeoPARDS mortality as a risk difference (linear axis).
pub(super) fn leopards_rd() -> ForestSpec {
    ForestSpec {
        id: "leopards-rd".into(),
        title: "LeoPARDS: death at 28 days".into(),
        description: "Risk difference in percentage points, levosimendan minus placebo.".into(),
        axis: Axis::difference("Risk difference (percentage points)"),
        favours_left: "Favours levosimendan".into(),
        favours_right: "Favours placebo".into(),
        label_header: "Outcome".into(),
        columns: vec![
            "Levosimendan".into(),
            "Placebo".into(),
            "RD [95% CI]".into(),
        ],
        effect_column: Some(2),
        rows: vec![
            ForestRow::study("Death at 28 days", 3.6, -4.5, 11.7).with_cells([
                "89/258",
                "79/256",
                "3.6 [\u{2212}4.5, 11.7]",
            ]),
        ],
        footer: vec![],
    }
}

/// A pooled levosimendan meta-analysis with subgroups, a prediction interval
/// and a heterogeneity footer (illustrative numbers).
pub(super) fn pooled() -> ForestSpec {
    let st = |label: &str, e: &str, c: &str, rr: f64, lo: f64, hi: f64, w: f64| {
        ForestRow::study(label, rr, lo, hi)
            .with_cells([
                e.to_string(),
                c.to_string(),
                format!("{rr:.2} [{lo:.2}, {hi:.2}]"),
                format!("{w:.1}%"),
            ])
            .with_weight(w)
    };
    let mut sepsis = st("LeoPARDS 2016", "89/258", "79/256", 1.12, 0.87, 1.44, 61.0);
    sepsis.group = Some("Septic shock".into());
    let mut ecmo = st("LEVOECMO 2026", "26/101", "23/104", 1.16, 0.71, 1.90, 21.0);
    ecmo.group = Some("VA-ECMO".into());
    let mut small = st("WEAN-LEVO 2019", "4/30", "9/31", 0.46, 0.16, 1.33, 6.0);
    small.group = Some("VA-ECMO".into());
    let mut tiny = st("Pilot 2012 (n = 20)", "0/10", "2/10", 0.20, 0.01, 3.70, 1.5);
    tiny.group = Some("VA-ECMO".into());
    let mut mid = st("CARDIO-LEVO 2021", "12/60", "14/58", 0.83, 0.42, 1.63, 10.5);
    mid.group = Some("VA-ECMO".into());
    let diamond = |label: &str, rr: f64, lo: f64, hi: f64, w: &str| ForestRow {
        label: label.into(),
        cells: vec![
            String::new(),
            String::new(),
            format!("{rr:.2} [{lo:.2}, {hi:.2}]"),
            w.into(),
        ],
        estimate: Some(rr),
        ci_low: Some(lo),
        ci_high: Some(hi),
        weight: None,
        kind: RowKind::Summary,
        group: None,
        risk_of_bias: None,
    };
    ForestSpec {
        id: "pooled-mortality".into(),
        title: "Levosimendan vs control: mortality".into(),
        description:
            "Random-effects meta-analysis of five trials: pooled risk ratio 1.06 (0.88 to 1.27)."
                .into(),
        axis: Axis::ratio("Risk ratio (log scale)"),
        favours_left: "Favours levosimendan".into(),
        favours_right: "Favours control".into(),
        label_header: "Study".into(),
        columns: vec![
            "Levosimendan".into(),
            "Control".into(),
            "RR [95% CI]".into(),
            "Weight".into(),
        ],
        effect_column: Some(2),
        rows: vec![
            ForestRow::heading("Septic shock"),
            sepsis,
            diamond("Subtotal", 1.12, 0.87, 1.44, "61.0%"),
            ForestRow::heading("VA-ECMO"),
            tiny,
            small,
            mid,
            ecmo,
            diamond("Subtotal", 0.92, 0.62, 1.36, "39.0%"),
            diamond("Random effects model", 1.06, 0.88, 1.27, "100.0%"),
            ForestRow {
                label: "Prediction interval".into(),
                cells: vec![String::new(), String::new(), "[0.64, 1.75]".into()],
                ci_low: Some(0.64),
                ci_high: Some(1.75),
                kind: RowKind::Prediction,
                ..ForestRow::default()
            },
        ],
        footer: vec![
            "Heterogeneity: \u{3c4}\u{b2} = 0.00; Q = 0.41, df = 4 (p = 0.98); I\u{b2} = 0%".into(),
            "Test for subgroup differences: Q = 0.62, df = 1 (p = 0.43)".into(),
            "Random effects model (REML, Hartung\u{2013}Knapp); preset cochrane-2025".into(),
        ],
    }
}

/// Cumulative meta-analysis in publication order.
pub(super) fn cumulative_spec() -> CumulativeSpec {
    let step = |label: &str, rr: f64, lo: f64, hi: f64| CumulativeStep {
        label: label.into(),
        estimate: Some(rr),
        ci_low: Some(lo),
        ci_high: Some(hi),
        effect_text: format!("{rr:.2} [{lo:.2}, {hi:.2}]"),
    };
    CumulativeSpec {
        id: "cumulative-mortality".into(),
        title: "Cumulative meta-analysis: mortality".into(),
        description: "Pooled risk ratio after each trial, in publication order.".into(),
        axis: Axis::ratio("Risk ratio (log scale)"),
        favours_left: "Favours levosimendan".into(),
        favours_right: "Favours control".into(),
        label_header: "Trial added".into(),
        effect_header: "RR [95% CI]".into(),
        steps: vec![
            step("Pilot (2012)", 0.20, 0.01, 3.70),
            step("+ LeoPARDS (2016)", 1.10, 0.86, 1.42),
            step("+ WEAN-LEVO (2019)", 1.04, 0.80, 1.35),
            step("+ CARDIO-LEVO (2021)", 1.01, 0.81, 1.26),
            step("+ LEVOECMO (2026)", 1.06, 0.88, 1.27),
        ],
        footer: vec!["Random effects model (REML); preset cochrane-2025".into()],
    }
}

/// LEVOECMO event rates per arm.
pub(super) fn rates_spec() -> EventRateSpec {
    let arm = |label: &str, e: u64, n: u64, lo: f64, hi: f64| ArmRate {
        label: label.into(),
        risk: e as f64 / n as f64,
        ci_low: Some(lo),
        ci_high: Some(hi),
        events: e,
        total: n,
    };
    EventRateSpec {
        id: "levoecmo-rates".into(),
        title: "LEVOECMO: risk in each arm".into(),
        description: "Proportion of patients with each outcome, by arm, with Wilson 95% CIs."
            .into(),
        axis_label: String::new(),
        outcomes: vec![
            EventRateGroup {
                label: "All-cause mortality, day 30".into(),
                arms: vec![
                    arm("Levosimendan", 26, 101, 0.181, 0.350),
                    arm("Placebo", 23, 104, 0.152, 0.313),
                ],
            },
            EventRateGroup {
                label: "Ventricular arrhythmia".into(),
                arms: vec![
                    arm("Levosimendan", 18, 101, 0.116, 0.265),
                    arm("Placebo", 9, 104, 0.046, 0.156),
                ],
            },
            EventRateGroup {
                label: "Kidney replacement therapy".into(),
                arms: vec![
                    arm("Levosimendan", 29, 101, 0.207, 0.383),
                    arm("Placebo", 38, 104, 0.279, 0.463),
                ],
            },
        ],
    }
}

/// NCT04728932 timeline.
pub(super) fn timeline_spec(ongoing: bool) -> TimelineSpec {
    let ev = |label: &str, date: &str, done: bool| TimelineEvent {
        label: label.into(),
        date: date.into(),
        done,
    };
    TimelineSpec {
        id: if ongoing {
            "nct04728932-ongoing"
        } else {
            "nct04728932"
        }
        .into(),
        title: "NCT04728932 (LEVOECMO): timeline".into(),
        description:
            "Registered 2021, started 27 August 2021, completed November 2024, published 2026."
                .into(),
        events: vec![
            ev("Registered", "2021-01-28", true),
            ev("Started", "2021-08-27", true),
            ev("Completed", "2024-11", !ongoing),
            ev("Published", "2026", !ongoing),
        ],
        ongoing,
    }
}

/// Every representative chart with its snapshot name.
pub(super) fn all_snapshots() -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    v.push(("forest-levoecmo", forest(&levoecmo_ratios())));
    v.push(("forest-leopards-rd", forest(&leopards_rd())));
    v.push(("forest-pooled", forest(&pooled())));
    v.push(("cumulative", cumulative(&cumulative_spec())));
    v.push(("rates-levoecmo", event_rates(&rates_spec())));
    v.push(("timeline-done", timeline(&timeline_spec(false))));
    v.push(("timeline-ongoing", timeline(&timeline_spec(true))));
    v.push(("no-data", forest(&ForestSpec::default())));
    v
}

// ---------------------------------------------------------------- helpers

/// The chart with one drawn element a line, as if it were written without
/// the size savings: each element carries the attributes of the `<g>`s
/// around it (after its own), and each sub-path of a `<path>` of lines is a
/// `<line x1=… y1=… x2=… y2=…>`.
fn flat(svg: &str) -> String {
    let mut out = String::new();
    let mut groups: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag == "/g" {
            groups.pop();
            continue;
        }
        if tag.starts_with('/') {
            continue;
        }
        let (name, own) = tag.split_once(' ').unwrap_or((tag, ""));
        let closed = own.ends_with('/');
        let own = own.trim_end_matches('/');
        if name == "g" {
            groups.push(own.to_string());
            continue;
        }
        let inherited = groups.join(" ");
        if name == "path" {
            let d = own.split("d=\"").nth(1).and_then(|s| s.split('"').next());
            let other = own.split_once("\" ").map_or("", |(_, o)| o);
            for (x1, y1, x2, y2) in path_lines(d.unwrap_or("")) {
                out.push_str(&format!(
                    "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" {other} {inherited}/>\n"
                ));
            }
            continue;
        }
        if closed {
            out.push_str(&format!("<{name} {own} {inherited}/>\n"));
        } else {
            let content = &rest[..rest.find('<').unwrap_or(rest.len())];
            out.push_str(&format!("<{name} {own} {inherited}>{content}</{name}>\n"));
        }
    }
    out
}

/// A token of path data: a command letter or a number.
#[derive(Debug)]
enum Tok {
    Cmd(char),
    Num(f64),
}

/// The straight segments of path data made of `M m H h V v L l` commands.
fn path_lines(d: &str) -> Vec<(f64, f64, f64, f64)> {
    let mut toks: Vec<Tok> = Vec::new();
    let mut num = String::new();
    let flush = |num: &mut String, toks: &mut Vec<Tok>| {
        if !num.is_empty() {
            toks.push(Tok::Num(num.parse().expect("number")));
            num.clear();
        }
    };
    for c in d.chars() {
        match c {
            c if c.is_ascii_alphabetic() => {
                flush(&mut num, &mut toks);
                toks.push(Tok::Cmd(c));
            }
            ' ' | ',' => flush(&mut num, &mut toks),
            '-' => {
                flush(&mut num, &mut toks);
                num.push('-');
            }
            c => num.push(c),
        }
    }
    flush(&mut num, &mut toks);
    let mut out = Vec::new();
    let (mut x, mut y) = (0.0, 0.0);
    let mut it = toks.into_iter();
    while let Some(Tok::Cmd(cmd)) = it.next() {
        let mut n = || match it.next() {
            Some(Tok::Num(v)) => v,
            t => panic!("expected a number in {d}, got {t:?}"),
        };
        let (bx, by) = if cmd.is_ascii_lowercase() {
            (x, y)
        } else {
            (0.0, 0.0)
        };
        let (nx, ny) = match cmd.to_ascii_uppercase() {
            'M' | 'L' => (bx + n(), by + n()),
            'H' => (bx + n(), y),
            'V' => (x, by + n()),
            c => panic!("unexpected path command {c} in {d}"),
        };
        if !cmd.eq_ignore_ascii_case(&'M') {
            out.push((x, y, nx, ny));
        }
        (x, y) = (nx, ny);
    }
    out
}

/// Extract the value of attribute `attr` from every element `<tag` whose
/// `class` contains `class`.
fn attrs(svg: &str, tag: &str, class: &str, attr: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let svg = flat(svg);
    for el in svg.split('<').filter(|e| e.starts_with(tag)) {
        let has_class = el
            .split("class=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .is_some_and(|c| c.split(' ').any(|c| c == class));
        if !has_class {
            continue;
        }
        if let Some(v) = el
            .split(&format!(" {attr}=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
        {
            out.push(v);
        }
    }
    out
}

/// x of the tick label whose text is `label`.
fn tick_x(svg: &str, label: &str) -> Option<f64> {
    flat(svg)
        .split("<text ")
        .filter(|e| e.contains("tick-label"))
        .find(|e| e.split('>').nth(1).and_then(|s| s.split('<').next()) == Some(label))
        .and_then(|e| e.split("x=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
}

/// Minimal well-formedness check: balanced tags, no raw `<`/`&` in text.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(svg.ends_with("</svg>\n"));
    assert!(svg.contains(" role=\"img\""));
    assert!(!svg.contains("NaN") && !svg.contains("inf\""));
    assert!(!svg.contains(" width=\"100") || !svg.starts_with("<svg width"));
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        assert!(!text.contains('>'), "raw > in text: {text}");
        if let Some(amp) = text.find('&') {
            let ent = &text[amp..];
            assert!(
                ent.starts_with("&amp;")
                    || ent.starts_with("&lt;")
                    || ent.starts_with("&gt;")
                    || ent.starts_with("&quot;")
                    || ent.starts_with("&#39;"),
                "bad entity in {text}"
            );
        }
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name = tag.split([' ', '\n']).next().unwrap_or("").to_string();
            stack.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    // Title and desc ids referenced by aria-labelledby.
    let ids = svg
        .split("aria-labelledby=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("aria-labelledby");
    for id in ids.split(' ') {
        assert!(svg.contains(&format!(" id=\"{id}\"")), "missing id {id}");
    }
}

// ---------------------------------------------------------------- tests

#[test]
fn snapshots_match() {
    let dir = std::path::Path::new(file!())
        .parent()
        .and_then(|p| p.parent())
        .and_then(|p| p.parent())
        .map(|p| p.join("tests/snapshots/chart"))
        .expect("snapshot dir");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1");
    let expected: &[(&str, &str)] = &[
        (
            "forest-levoecmo",
            include_str!("../../tests/snapshots/chart/forest-levoecmo.svg"),
        ),
        (
            "forest-leopards-rd",
            include_str!("../../tests/snapshots/chart/forest-leopards-rd.svg"),
        ),
        (
            "forest-pooled",
            include_str!("../../tests/snapshots/chart/forest-pooled.svg"),
        ),
        (
            "cumulative",
            include_str!("../../tests/snapshots/chart/cumulative.svg"),
        ),
        (
            "rates-levoecmo",
            include_str!("../../tests/snapshots/chart/rates-levoecmo.svg"),
        ),
        (
            "timeline-done",
            include_str!("../../tests/snapshots/chart/timeline-done.svg"),
        ),
        (
            "timeline-ongoing",
            include_str!("../../tests/snapshots/chart/timeline-ongoing.svg"),
        ),
        (
            "no-data",
            include_str!("../../tests/snapshots/chart/no-data.svg"),
        ),
    ];
    let mut mismatches = Vec::new();
    for (name, svg) in all_snapshots() {
        assert_well_formed(&svg);
        let want = expected
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .unwrap_or("");
        if update {
            std::fs::create_dir_all(&dir).expect("create snapshot dir");
            std::fs::write(dir.join(format!("{name}.svg")), &svg).expect("write snapshot");
        } else if svg != want {
            mismatches.push(name);
        }
    }
    assert!(
        mismatches.is_empty(),
        "snapshots differ (rerun with UPDATE_SNAPSHOTS=1 and review): {mismatches:?}"
    );
}

#[test]
fn ratio_axis_is_logarithmic_with_null_at_one() {
    let svg = forest(&levoecmo_ratios());
    let x_half = tick_x(&svg, "0.5").expect("tick 0.5");
    let x_one = tick_x(&svg, "1").expect("tick 1");
    let x_two = tick_x(&svg, "2").expect("tick 2");
    assert!(
        (x_one - x_half - (x_two - x_one)).abs() <= 0.2,
        "{x_half} {x_one} {x_two}"
    );
    // One null-line segment beside each of the three rows, all at 1.
    let null_x = attrs(&svg, "line", "null", "x1");
    assert_eq!(null_x.len(), 3);
    assert!(null_x.iter().all(|x| (x - x_one).abs() <= 0.1));
    // 5 sits log-proportionally: (x5 - x1) / (x2 - x1) = log(5)/log(2).
    let x_five = tick_x(&svg, "5").expect("tick 5");
    let ratio = (x_five - x_one) / (x_two - x_one);
    assert!((ratio - 5f64.ln() / 2f64.ln()).abs() < 0.01, "{ratio}");
}

#[test]
fn difference_axis_is_linear_with_null_at_zero() {
    let svg = forest(&leopards_rd());
    let x0 = tick_x(&svg, "0").expect("tick 0");
    let x5 = tick_x(&svg, "5").expect("tick 5");
    let x10 = tick_x(&svg, "10").expect("tick 10");
    let xm5 = tick_x(&svg, "\u{2212}5").expect("tick -5");
    assert!((x10 - x5 - (x5 - x0)).abs() <= 0.2);
    assert!((x0 - xm5 - (x5 - x0)).abs() <= 0.2);
    let null_x = attrs(&svg, "line", "null", "x1");
    assert!((null_x[0] - x0).abs() <= 0.1);
    // The square sits at 3.6 on that scale.
    let sq_x =
        attrs(&svg, "rect", "square", "x")[0] + attrs(&svg, "rect", "square", "width")[0] / 2.0;
    assert!((sq_x - (x0 + 3.6 / 5.0 * (x5 - x0))).abs() < 0.3, "{sq_x}");
}

#[test]
fn larger_weights_give_larger_squares() {
    let svg = forest(&pooled());
    let widths = attrs(&svg, "rect", "square", "width");
    // Row order: LeoPARDS 61, Pilot 1.5, WEAN 6, CARDIO 10.5, LEVOECMO 21.
    assert_eq!(widths.len(), 5);
    let (leo, pilot, wean, cardio, ecmo) = (widths[0], widths[1], widths[2], widths[3], widths[4]);
    assert!(
        leo > ecmo && ecmo > cardio && cardio > wean && wean > pilot,
        "{widths:?}"
    );
    // Area proportional to weight (within rounding) above the minimum size.
    let area_ratio = (leo * leo) / (ecmo * ecmo);
    assert!((area_ratio - 61.0 / 21.0).abs() < 0.15, "{area_ratio}");
    assert_eq!(flat(&svg).matches("class=\"diamond\"").count(), 3);
    assert_eq!(attrs(&svg, "line", "pi", "stroke-width").len(), 3);
}

#[test]
fn labels_are_escaped() {
    let mut spec = levoecmo_ratios();
    spec.title = "A <b>&\"quoted\" 'title'".into();
    spec.rows[0].label = "<script>alert('x')</script> & \"q\"".into();
    spec.rows[1].label = "Arrhythmie — 心律".into();
    spec.columns[0] = "Levo <em>".into();
    spec.footer = vec!["x < y & z > w".into()];
    spec.id = "\"><svg onload=alert(1)>".into();
    {
        let svg = forest(&spec);
        assert_well_formed(&svg);
        assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<em>"));
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
        assert!(svg.contains("A &lt;b&gt;&amp;&quot;quoted&quot; &#39;title&#39;"));
        assert!(svg.contains("Arrhythmie — 心律"));
        assert!(!svg.contains("\"><svg") && !svg.contains("=alert"));
    }
}

#[test]
fn output_is_deterministic() {
    let a: Vec<_> = all_snapshots();
    let b: Vec<_> = all_snapshots();
    assert_eq!(a, b);
}

#[test]
fn degenerate_input_gives_no_data_svg() {
    let nan = ForestRow {
        label: "nan".into(),
        estimate: Some(f64::NAN),
        ci_low: Some(f64::NAN),
        ci_high: Some(f64::INFINITY),
        weight: Some(f64::NAN),
        ..ForestRow::default()
    };
    let mut spec = ForestSpec {
        title: "Empty".into(),
        rows: vec![nan],
        ..ForestSpec::default()
    };
    {
        let svg = forest(&spec);
        assert_well_formed(&svg);
        assert!(svg.contains(">No data</text>"));
        assert!(svg.contains("ap-chart--empty"));
    }
    spec.rows.clear();
    assert!(forest(&spec).contains(">No data</text>"));
    let rates = event_rates(&EventRateSpec::default());
    assert_well_formed(&rates);
    assert!(rates.contains(">No data</text>"));
    let tl = timeline(&TimelineSpec::default());
    assert_well_formed(&tl);
    assert!(tl.contains(">No data</text>"));
    let cu = cumulative(&CumulativeSpec::default());
    assert!(cu.contains(">No data</text>"));
    // Negative "ratios" cannot be drawn on a log axis.
    spec.rows = vec![ForestRow::study("neg", -1.0, -2.0, -0.5)];
    assert!(forest(&spec).contains(">No data</text>"));
}

#[test]
fn hostile_input_never_panics_and_stays_valid() {
    let long: String = "Ünïcödé <&\"'> ".repeat(700); // ~10,000 characters
    let vals = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1.0e-300,
        1.0e300,
        -5.0,
        1.0,
        2.0,
    ];
    let mut rows = Vec::new();
    for (i, &a) in vals.iter().enumerate() {
        for (j, &b) in vals.iter().enumerate() {
            let kind = [
                RowKind::Study,
                RowKind::Summary,
                RowKind::Prediction,
                RowKind::Heading,
                RowKind::Point,
            ][(i + j) % 5];
            rows.push(ForestRow {
                label: if i == j {
                    long.clone()
                } else {
                    format!("r{i}{j}")
                },
                cells: vec![long.clone(); (i + j) % 4],
                estimate: Some(a),
                ci_low: Some(b),
                ci_high: Some(a),
                weight: Some(b),
                kind,
                group: Some(long.clone()),
                risk_of_bias: None,
            });
        }
    }
    for scale in [Scale::Log, Scale::Linear] {
        for limits in [
            None,
            Some((0.5, 2.0)),
            Some((f64::NAN, 3.0)),
            Some((2.0, 1.0)),
        ] {
            let spec = ForestSpec {
                id: long.clone(),
                title: long.clone(),
                description: long.clone(),
                axis: Axis {
                    scale,
                    label: long.clone(),
                    null_value: f64::NAN,
                    limits,
                },
                favours_left: long.clone(),
                favours_right: long.clone(),
                label_header: long.clone(),
                columns: vec![long.clone(); 5],
                effect_column: Some(99),
                rows: rows.clone(),
                footer: vec![long.clone(); 30],
            };
            {
                let svg = forest(&spec);
                assert_well_formed(&svg);
                assert!(svg.len() < 400_000, "{}", svg.len());
            }
            let _ = spec.table();
        }
    }
    // Zero-width CI and estimate outside fixed limits.
    let mut spec = levoecmo_ratios();
    spec.rows[0].ci_low = Some(1.16);
    spec.rows[0].ci_high = Some(1.16);
    spec.axis.limits = Some((0.8, 1.5));
    let svg = forest(&spec);
    assert_well_formed(&svg);
    assert!(svg.contains("class=\"offscale\""));
    assert!(svg.contains("class=\"ci arrow\""));
    // Rates and timeline with junk.
    let rates = EventRateSpec {
        title: long.clone(),
        outcomes: vec![EventRateGroup {
            label: long.clone(),
            arms: (0..6)
                .map(|i| ArmRate {
                    label: long.clone(),
                    risk: vals[i],
                    ci_low: Some(vals[i + 1]),
                    ci_high: Some(vals[i + 2]),
                    events: i as u64 * 7,
                    total: i as u64,
                })
                .collect(),
        }],
        ..EventRateSpec::default()
    };
    {
        assert_well_formed(&event_rates(&rates));
    }
    let tl = TimelineSpec {
        title: long.clone(),
        events: vec![
            TimelineEvent {
                label: long.clone(),
                date: long.clone(),
                done: true,
            },
            TimelineEvent {
                label: "x".into(),
                date: "2021-13-45".into(),
                done: false,
            },
        ],
        ongoing: true,
        ..TimelineSpec::default()
    };
    {
        assert_well_formed(&timeline(&tl));
    }
    let same_day = TimelineSpec {
        events: (0..12)
            .map(|i| TimelineEvent {
                label: format!("Event {i}"),
                date: "2020-01-01".into(),
                done: i % 2 == 0,
            })
            .collect(),
        ..TimelineSpec::default()
    };
    assert_well_formed(&timeline(&same_day));
}

#[test]
fn tables_describe_the_data() {
    let t = pooled().table();
    assert_eq!(t.headers[0], "Study");
    assert_eq!(t.headers[1], "Subgroup");
    assert!(t.rows.iter().all(|r| r.len() == t.headers.len()));
    assert_eq!(t.notes.len(), 3);
    let t = rates_spec().table();
    assert_eq!(t.headers, ["Outcome", "Levosimendan", "Placebo"]);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(
        t.rows[0],
        [
            "All-cause mortality, day 30",
            "26/101, 25.7% (18.1 to 35.0)",
            "23/104, 22.1% (15.2 to 31.3)"
        ]
    );
    let mut gap = rates_spec();
    gap.outcomes[1].arms.pop();
    gap.outcomes[2].arms[0].ci_low = None;
    let t = gap.table();
    assert_eq!(
        t.rows[1],
        ["Ventricular arrhythmia", "18/101, 17.8% (11.6 to 26.5)", ""]
    );
    assert_eq!(t.rows[2][1], "29/101, 28.7%");
    let t = timeline_spec(true).table();
    assert_eq!(t.rows[2], vec!["Completed", "2024-11", "Anticipated"]);
    let t = cumulative_spec().table();
    assert_eq!(t.rows[4][1], "1.06 [0.88, 1.27]");
}

#[test]
fn ids_are_sanitised() {
    let spec = levoecmo_ratios();
    let w = forest(&spec);
    assert!(w.contains("id=\"ap-levoecmo-rr-title\""));
    let mut anon = spec.clone();
    anon.id = String::new();
    let a = forest(&anon);
    assert!(a.contains("aria-labelledby=\"ap-ap-forest-"));
}

#[test]
#[ignore = "timing; run with --ignored --nocapture"]
fn timing_trial_forest() {
    let spec = levoecmo_ratios();
    let start = std::time::Instant::now();
    let mut total = 0usize;
    for _ in 0..10_000 {
        total += forest(&spec).len();
    }
    let el = start.elapsed();
    println!(
        "10,000 trial forest renders: {:?} ({:.1} µs each, {total} bytes)",
        el,
        el.as_secs_f64() * 1.0e6 / 10_000.0
    );
}

#[test]
fn wrapped_lines_fit_and_only_the_last_is_cut() {
    let long = "Sustained renal failure at day 28 (or at ICU discharge if earlier), \
                counted in every participant who survived the first week of the trial";
    for max_w in [80.0, 150.0, 324.0, 600.0] {
        for lines in [1, 2, 3] {
            let out = svg::wrap(long, max_w, 13.0, true, lines);
            assert!(
                !out.is_empty() && out.len() <= lines,
                "{max_w} {lines}: {out:?}"
            );
            for (i, l) in out.iter().enumerate() {
                assert!(
                    svg::text_width(l, 13.0, true) <= max_w + 1e-9,
                    "line too wide at {max_w}: {l:?}"
                );
                if i + 1 < out.len() {
                    assert!(!l.ends_with('…'), "inner line cut at {max_w}: {out:?}");
                }
            }
        }
    }
    // Text that fits on two lines comes back whole, split at a space.
    let two = svg::wrap(
        "Sustained renal failure at day 28 (or at ICU discharge if earlier)",
        324.0,
        13.0,
        true,
        2,
    );
    assert_eq!(
        two.join(" "),
        "Sustained renal failure at day 28 (or at ICU discharge if earlier)"
    );
}

#[test]
fn compact_event_rates_never_shorten_the_numbers() {
    let mut spec = rates_spec();
    spec.outcomes[0].arms[0].events = 148;
    spec.outcomes[0].arms[0].total = 258;
    spec.outcomes[0].arms[0].risk = 148.0 / 258.0;
    {
        let svg = event_rates(&spec);
        assert!(svg.contains(">148/258 (57.4%)</text>"));
        for g in &spec.outcomes {
            for a in &g.arms {
                assert!(
                    svg.contains(&format!(">{}</text>", a.summary())),
                    "arm summary shortened"
                );
            }
        }
    }
    // The compact layout names each arm once, in a legend.
    let compact = event_rates(&spec);
    for a in &spec.outcomes[0].arms {
        assert_eq!(
            compact
                .matches(&format!("class=\"legend\">{}<", a.label))
                .count(),
            1
        );
    }
}

#[test]
fn chart_text_sizes_do_not_depend_on_page_css() {
    // A page rule such as `.small { font-size: 0.88rem }` must not resize
    // chart text, so sizes are inline styles, not presentation attributes.
    for svg in all_snapshots().into_iter().map(|(_, s)| s) {
        assert!(!svg.contains("font-size=\""), "{svg}");
        for line in flat(&svg)
            .lines()
            .filter(|l| l.contains("class=\"") && l.contains(" small"))
        {
            if line.starts_with("<text") {
                assert!(line.contains("style=\"font-size:12px\""), "{line}");
            }
        }
    }
}

#[test]
fn long_row_labels_wrap_instead_of_being_cut() {
    let mut spec = levoecmo_ratios();
    spec.rows[0].label =
        "Sustained renal failure at day 28 (or at ICU discharge if earlier)".into();
    {
        let svg = forest(&spec);
        let flat = flat(&svg);
        let label_lines: Vec<&str> = flat
            .lines()
            .filter(|l| l.contains("class=\"row-label\""))
            .map(|l| &l[l.find('>').unwrap() + 1..l.rfind("</text>").unwrap()])
            .collect();
        let joined = label_lines.join(" ");
        assert!(
            joined.contains("Sustained renal failure at day 28 (or at ICU discharge if earlier)"),
            "{label_lines:?}"
        );
        assert!(!joined.contains('…'), "{label_lines:?}");
    }
}

#[test]
fn a_wrapped_label_does_not_change_the_square() {
    let mut spec = levoecmo_ratios();
    spec.rows[1].label = "Ventricular arrhythmia (ventricular fibrillation, ventricular \
                          tachycardia or torsades de pointes) during the ICU stay"
        .into();
    let svg = forest(&spec);
    let widths = attrs(&svg, "rect", "square", "width");
    assert_eq!(widths.len(), 3, "{svg}");
    assert!(
        widths.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-9),
        "unweighted rows share one square size: {widths:?}"
    );
}

#[test]
fn an_arm_without_data_keeps_the_other_arms_colours() {
    // Three arms; the second outcome has no data for the first arm. Each arm
    // keeps its slot (colour and marker) in every outcome.
    let arm = |label: &str, e: u64| ArmRate {
        label: label.into(),
        risk: e as f64 / 100.0,
        ci_low: None,
        ci_high: None,
        events: e,
        total: 100,
    };
    let missing = ArmRate {
        label: "Low dose".into(),
        risk: f64::NAN,
        ..ArmRate::default()
    };
    let spec = EventRateSpec {
        id: "three-arms".into(),
        title: "Three arms".into(),
        outcomes: vec![
            EventRateGroup {
                label: "Death".into(),
                arms: vec![
                    arm("Low dose", 10),
                    arm("High dose", 12),
                    arm("Placebo", 20),
                ],
            },
            EventRateGroup {
                label: "Stroke".into(),
                arms: vec![missing, arm("High dose", 3), arm("Placebo", 4)],
            },
        ],
        ..EventRateSpec::default()
    };
    let svg = event_rates(&spec);
    // Legend + both outcomes for High dose and Placebo; legend + one outcome
    // for Low dose.
    assert_eq!(svg.matches("<g class=\"arm arm-0\"").count(), 2, "{svg}");
    assert_eq!(svg.matches("<g class=\"arm arm-1\"").count(), 3);
    assert_eq!(svg.matches("<g class=\"arm arm-2\"").count(), 3);
    for name in ["Low dose", "High dose", "Placebo"] {
        assert!(svg.contains(&format!("class=\"legend\">{name}<")), "{name}");
    }
    assert!(svg.contains(">no data</text>"));
    let table = spec.table();
    assert_eq!(
        table.headers,
        ["Outcome", "Low dose", "High dose", "Placebo"]
    );
    assert_eq!(table.rows[1][0], "Stroke");
    assert_eq!(
        table.rows[1][1], "",
        "the arm without data has an empty cell"
    );
    assert!(table.rows[1][2].starts_with("3/"), "{:?}", table.rows[1]);
}

fn tsa_spec() -> TsaChartSpec {
    let look = |label: &str, accrued: f64, z: Option<f64>, boundary: Option<f64>| TsaLookSpec {
        label: label.into(),
        accrued,
        z,
        boundary,
        cells: vec!["x".into(); 4],
    };
    TsaChartSpec {
        id: "t".into(),
        title: "Mortality: trial sequential analysis".into(),
        description: "Exploratory.".into(),
        required: 2210.0,
        required_label: "Required 2,210".into(),
        looks: vec![
            look("+ A (2016)", 514.0, Some(0.88), Some(4.5)),
            look("+ B (2026)", 719.0, Some(1.06), Some(3.76)),
            // A boundary beyond the plotted range is drawn at its edge.
            look("+ C (2030)", 800.0, None, Some(25.0)),
        ],
        projected: vec![(1500.0, 2.6), (2210.0, 2.0)],
        footer: vec!["Control risk 30.9%".into()],
    }
}

/// The `points` of the first polyline of class `class` in `svg`.
fn first_points<'s>(svg: &'s str, class: &str) -> &'s str {
    let after = svg.split(&format!("class=\"{class}\"")).nth(1).unwrap();
    after
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
}

#[test]
fn tsa_chart_draws_the_curve_boundaries_and_information_size() {
    let spec = tsa_spec();
    let svg = ChartSpec::Tsa(spec.clone()).render();
    assert_well_formed(&svg);
    assert_eq!(svg, ChartSpec::Tsa(spec.clone()).render(), "deterministic");
    assert!(svg.contains("class=\"ap-chart ap-tsa\""));
    assert!(svg.contains("Required 2,210"));
    // Two boundary polylines (upper, lower) and the z-curve from 0.
    assert_eq!(svg.matches("class=\"boundary\"").count(), 2);
    // Each dashed on from the last look through the projected looks.
    assert_eq!(svg.matches("class=\"boundary projected\"").count(), 2);
    let ahead = first_points(&svg, "boundary projected");
    assert_eq!(ahead.split(' ').count(), 3, "{ahead}");
    assert_eq!(svg.matches("class=\"z-curve\"").count(), 1);
    assert_eq!(svg.matches("class=\"conventional\"").count(), 2);
    // The curve has the origin and the two looks with a z, not the third.
    let points = first_points(&svg, "z-curve");
    assert_eq!(points.split(' ').count(), 3, "{points}");
    let t = ChartSpec::Tsa(spec).table();
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.headers.len(), t.rows[0].len());
    // No element repeats an attribute (the Nu checker rejects that).
    for tag in svg.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap();
        let names: Vec<&str> = tag
            .split(' ')
            .skip(1)
            .filter_map(|a| a.split_once('=').map(|(n, _)| n))
            .collect();
        let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "repeated attribute in <{tag}>");
    }
    let empty = ChartSpec::Tsa(TsaChartSpec::default()).render();
    assert!(empty.contains("No data"));
}
