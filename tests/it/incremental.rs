//! Incremental rebuilds equal full builds: random sequences of add, edit,
//! delete and rename on a copy of the example site (in memory), each
//! followed by an incremental build, must give the output, diagnostics and
//! "ok:" lines of a clean full build of the same files.

use std::path::PathBuf;

use appraise::diag::Diagnostics;
use appraise::discover::{self, FileKind, SourceFile, Sources};
use appraise::incremental::Engine;
use appraise::pipeline::{self, Options};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::repo;

/// One change to the site's files.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Copy file `from` (a page) to a new trial page `new-<n>`.
    Add { from: usize, n: u8 },
    /// Change a page's text.
    Edit { file: usize, how: Edit },
    /// Remove a file.
    Delete { file: usize },
    /// Move a file to a new name in the same folder.
    Rename { file: usize, n: u8 },
    /// Break a page's front matter (the build fails).
    Break { file: usize },
    /// Repair every broken page.
    Repair,
    /// Change the first count of the first binary outcome of the `k`-th
    /// page that has one to `d`: a number the appraisals quote with
    /// `{{ value(...) }}` (LeoPARDS' deaths, LEVOECMO's weaning).
    Quote { k: usize, d: u8 },
}

/// Ways to edit a page.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    /// Replace the `k`-th digit with `d`.
    Digit { k: usize, d: u8 },
    /// Append a paragraph to the body.
    Append,
    /// Change the title.
    Title,
    /// Add a tag that other pages use (`levosimendan`).
    Tag,
}

/// What [`Op::Break`] writes for `title:`: a YAML error.
const BROKEN: &str = "title: [broken";

pub(crate) fn op() -> impl Strategy<Value = Op> {
    let edit = prop_oneof![
        (any::<usize>(), 0u8..10).prop_map(|(k, d)| Edit::Digit { k, d }),
        Just(Edit::Append),
        Just(Edit::Title),
        Just(Edit::Tag),
    ];
    prop_oneof![
        1 => (any::<usize>(), any::<u8>()).prop_map(|(from, n)| Op::Add { from, n }),
        3 => (any::<usize>(), edit).prop_map(|(file, how)| Op::Edit { file, how }),
        1 => any::<usize>().prop_map(|file| Op::Delete { file }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(file, n)| Op::Rename { file, n }),
        1 => any::<usize>().prop_map(|file| Op::Break { file }),
        1 => Just(Op::Repair),
        2 => (any::<usize>(), 0u8..10).prop_map(|(k, d)| Op::Quote { k, d }),
    ]
}

/// Pages, CSV files and version files (`history/0001.json`), by index
/// into `sources.files` (other files are left alone: the theme and static
/// files are not what authors edit).
fn editable(s: &Sources) -> Vec<usize> {
    (0..s.files.len())
        .filter(|&i| {
            matches!(
                s.files[i].kind,
                FileKind::Page | FileKind::DataCsv | FileKind::History
            )
        })
        .collect()
}

fn pick(s: &Sources, k: usize) -> Option<usize> {
    let v = editable(s);
    (!v.is_empty()).then(|| v[k % v.len()])
}

/// Apply `op`; returns the paths it touched (what a file watcher reports).
pub(crate) fn apply(s: &mut Sources, op: &Op) -> Vec<String> {
    let mut touched = Vec::new();
    match op {
        Op::Add { from, n } => {
            let Some(i) = pick(s, *from) else {
                return touched;
            };
            let f = s.files[i].clone();
            if f.kind != FileKind::Page {
                return touched;
            }
            let rel_path = format!("content/trials/new-{n}.md");
            touched.push(rel_path.clone());
            s.files.push(SourceFile { rel_path, ..f });
        }
        Op::Edit { file, how } => {
            let Some(i) = pick(s, *file) else {
                return touched;
            };
            touched.push(s.files[i].rel_path.clone());
            let text = String::from_utf8_lossy(&s.files[i].bytes).into_owned();
            let text = match how {
                Edit::Digit { k, d } => {
                    let digits: Vec<usize> = text
                        .char_indices()
                        .filter(|(_, c)| c.is_ascii_digit())
                        .map(|(j, _)| j)
                        .collect();
                    if digits.is_empty() {
                        return touched;
                    }
                    let at = digits[k % digits.len()];
                    format!("{}{}{}", &text[..at], d, &text[at + 1..])
                }
                Edit::Append => format!("{text}\n\nOne more sentence.\n"),
                Edit::Title => text.replacen("title: ", "title: Edited ", 1),
                Edit::Tag => text.replacen("tags: [", "tags: [levosimendan, ", 1),
            };
            s.files[i].bytes = text.into_bytes();
        }
        Op::Delete { file } => {
            let Some(i) = pick(s, *file) else {
                return touched;
            };
            touched.push(s.files.remove(i).rel_path);
        }
        Op::Break { file } => {
            let Some(i) = pick(s, *file) else {
                return touched;
            };
            if s.files[i].kind == FileKind::Page {
                touched.push(s.files[i].rel_path.clone());
                let text = String::from_utf8_lossy(&s.files[i].bytes).into_owned();
                s.files[i].bytes = text.replacen("title:", BROKEN, 1).into_bytes();
            }
        }
        Op::Repair => {
            for f in &mut s.files {
                let text = String::from_utf8_lossy(&f.bytes).into_owned();
                if text.contains(BROKEN) {
                    touched.push(f.rel_path.clone());
                    f.bytes = text.replace(BROKEN, "title:").into_bytes();
                }
            }
        }
        Op::Quote { k, d } => {
            const AT: &str = "binary: {";
            let with: Vec<usize> = (0..s.files.len())
                .filter(|&i| s.files[i].kind == FileKind::Page)
                .filter(|&i| String::from_utf8_lossy(&s.files[i].bytes).contains(AT))
                .collect();
            if with.is_empty() {
                return touched;
            }
            let i = with[k % with.len()];
            let text = String::from_utf8_lossy(&s.files[i].bytes).into_owned();
            let at = text.find(AT).unwrap();
            let Some(start) = text[at..]
                .find(|c: char| c.is_ascii_digit())
                .map(|j| at + j)
            else {
                return touched;
            };
            let end = text[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(text.len(), |j| start + j);
            touched.push(s.files[i].rel_path.clone());
            s.files[i].bytes = format!("{}{d}{}", &text[..start], &text[end..]).into_bytes();
        }
        Op::Rename { file, n } => {
            let Some(i) = pick(s, *file) else {
                return touched;
            };
            let f = &mut s.files[i];
            // The site's own `content/_index.md` (its settings) stays: as a
            // bundle's page it would leave `content/`.
            let Some((dir, name)) = f.rel_path.rsplit_once('/') else {
                return touched;
            };
            if f.rel_path == "content/_index.md" {
                return touched;
            }
            touched.push(f.rel_path.clone());
            if name == "index.md" || name == "_index.md" {
                // A bundle's page: rename the folder's page into a file page.
                f.rel_path = format!("{dir}-r{n}.md");
            } else {
                f.rel_path = format!("{dir}/r{n}-{name}");
            }
            touched.push(f.rel_path.clone());
        }
    }
    s.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    s.files.dedup_by(|a, b| a.rel_path == b.rel_path);
    touched
}

/// In memory, showing the changes since the latest version (as `serve`
/// does), so that topic pages and `/changes/` depend on the current state.
fn options() -> Options {
    Options {
        unreleased: true,
        ..Options::in_memory(PathBuf::from("/nonexistent"))
    }
}

/// What a build gives that must not depend on how it was built.
pub(crate) fn full(s: &Sources) -> (Diagnostics, Vec<String>, Vec<(String, Vec<u8>)>) {
    let r = pipeline::build_sources(s, Diagnostics::new(), &options());
    let files = r.output.into_iter().map(|f| (f.path, f.bytes)).collect();
    (r.diagnostics, r.reproduced, files)
}

pub(crate) fn example() -> Sources {
    let (s, d) = discover::discover(&repo());
    assert!(d.is_empty(), "{d}");
    s
}

/// Build `s`, then after each of `ops` rebuild incrementally (told which
/// files changed, or not, by turns) and compare with a full build.
fn check_sequence(mut s: Sources, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut engine = Engine::new();
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    prop_assert!(!r.failed(), "{}", r.diagnostics);
    for (k, op) in ops.iter().enumerate() {
        let touched = apply(&mut s, op);
        let changed = (k % 2 == 0).then_some(touched.as_slice());
        let (r, _) = engine.rebuild(&s, changed, Diagnostics::new(), &options());
        let (diags, reproduced, files) = full(&s);
        prop_assert_eq!(&r.diagnostics, &diags, "diagnostics after {:?}", op);
        prop_assert_eq!(&r.reproduced, &reproduced, "ok: lines after {:?}", op);
        if !diags.has_errors() {
            let got: Vec<(String, Vec<u8>)> = engine
                .output()
                .iter()
                .map(|(p, b)| (p.clone(), b.to_vec()))
                .collect();
            let got_paths: Vec<&String> = got.iter().map(|f| &f.0).collect();
            let want_paths: Vec<&String> = files.iter().map(|f| &f.0).collect();
            prop_assert_eq!(got_paths, want_paths, "paths after {:?}", op);
            for (g, w) in got.iter().zip(&files) {
                prop_assert!(g.1 == w.1, "{} differs after {:?}", g.0, op);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The example site: trials, appraisals citing them, a topic pooling
    /// them, a registry record, chart shortcodes, tags.
    #[test]
    fn incremental_builds_equal_full_builds(ops in proptest::collection::vec(op(), 1..6)) {
        check_sequence(example(), &ops)?;
    }

    /// A site whose trial list runs over seven pages (two trials a page):
    /// list pages are reused by the keys of the trials they show.
    #[test]
    fn incremental_builds_of_paginated_lists_equal_full_builds(
        ops in proptest::collection::vec(op(), 1..6)
    ) {
        let (s, d) = discover::discover(&crate::fixture("good/paginated"));
        prop_assert!(d.is_empty(), "{}", d);
        check_sequence(s, &ops)?;
    }
}

/// Change one number of the example's LeoPARDS (89/258 deaths → 90/258).
pub(crate) fn edit_one_number(s: &mut Sources) {
    let i = s
        .files
        .iter()
        .position(|f| f.rel_path == "content/trials/leopards/index.md")
        .unwrap();
    let text = String::from_utf8(s.files[i].bytes.clone()).unwrap();
    assert!(text.contains("89/258"), "the fixture changed");
    s.files[i].bytes = text.replacen("89/258", "90/258", 1).into_bytes();
}

/// Editing one number of one trial parses one file, analyses that trial
/// and the topic that pools it, and renders only the pages that show it.
#[test]
fn one_edit_redoes_only_what_depends_on_it() {
    let mut s = example();
    let mut engine = Engine::new();
    let (r, first) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    // The first build renders every page.
    assert!(first.rendered >= 10 && first.parsed >= 15, "{first:?}");
    let (_, again) = engine.build(&s, Diagnostics::new(), &options());
    assert_eq!((again.parsed, again.analysed, again.rendered), (0, 0, 0));
    edit_one_number(&mut s);
    let (r, edit) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    // LeoPARDS, and the levosimendan topic that pools it.
    assert_eq!((edit.parsed, edit.analysed), (1, 2));
    // LeoPARDS, its blog appraisal and its topic (plus any page placing its charts).
    assert!(edit.rendered >= 3 && edit.rendered <= 5, "{edit:?}");
}

/// A page rendered again in a build that then fails (an error elsewhere)
/// is not lost: once the error is fixed, the page shows its new text, not
/// the text of the last good build.
#[test]
fn a_page_rendered_in_a_failed_build_is_not_stale_after_the_fix() {
    let mut s = example();
    let mut engine = Engine::new();
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    let at = |s: &Sources, rel: &str| s.files.iter().position(|f| f.rel_path == rel).unwrap();
    let leo = at(&s, "content/trials/leopards/index.md");
    let levo = at(&s, "content/trials/levoecmo/index.md");
    let edit = |s: &mut Sources, i: usize, from: &str, to: &str| {
        let text = String::from_utf8(s.files[i].bytes.clone()).unwrap();
        assert!(text.contains(from), "the fixture changed");
        s.files[i].bytes = text.replacen(from, to, 1).into_bytes();
    };
    // One edit, and an error in another page: the build fails.
    edit(&mut s, leo, "89/258", "90/258");
    let good = s.files[levo].bytes.clone();
    edit(&mut s, levo, "title:", "title: [");
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(r.failed());
    // The error fixed: the edit shows.
    s.files[levo].bytes = good;
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    let (_, _, files) = full(&s);
    let page = "trials/leopards/index.html";
    let want = &files.iter().find(|f| f.0 == page).unwrap().1;
    let got = engine.output().get(page).unwrap();
    assert!(String::from_utf8_lossy(want).contains("90/258"));
    assert!(got[..] == want[..], "{page} is stale");
}

/// A number quoted with `{{ value(...) }}` follows its trial: editing the
/// trial's count re-renders the appraisal that cites the trial and a page
/// that only quotes it (the shortcode alone links them), as a full build does.
#[test]
fn a_number_quoted_in_prose_follows_its_trial() {
    let mut s = example();
    let about = s
        .files
        .iter()
        .position(|f| f.rel_path == "content/about.md")
        .unwrap();
    let mut text = String::from_utf8(s.files[about].bytes.clone()).unwrap();
    text.push_str(
        "\nLeoPARDS: {{ value(trial=\"leopards\", outcome=\"death-28d\", arm=\"levo\") }} died.\n",
    );
    s.files[about].bytes = text.into_bytes();
    let mut engine = Engine::new();
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    let blog = "appraisals/leopards-blog/index.html";
    let before = engine.output().get(blog).unwrap().clone();
    assert!(String::from_utf8_lossy(&before).contains("<strong>Death:</strong> 34.5% vs"));
    let op = Op::Quote { k: 0, d: 7 };
    let touched = apply(&mut s, &op);
    assert_eq!(
        touched,
        ["content/trials/leopards/index.md"],
        "the first trial with a binary outcome"
    );
    let (r, redone) = engine.rebuild(&s, Some(&touched), Diagnostics::new(), &options());
    let (diags, _, files) = full(&s);
    assert_eq!(r.diagnostics, diags);
    let want = &files.iter().find(|f| f.0 == blog).unwrap().1;
    // 7/258 died with levosimendan.
    assert!(String::from_utf8_lossy(want).contains("<strong>Death:</strong> 2.7% vs"));
    assert!(
        engine.output().get(blog).unwrap()[..] == want[..],
        "{blog} is stale"
    );
    let page = "about/index.html";
    let want = &files.iter().find(|f| f.0 == page).unwrap().1;
    assert!(String::from_utf8_lossy(want).contains("LeoPARDS: 7/258 (2.7%) died."));
    assert!(
        engine.output().get(page).unwrap()[..] == want[..],
        "{page} is stale"
    );
    assert!(redone.rendered >= 4, "{redone:?}");
}

/// A list page (the home page) follows an edit of its template's text in
/// the same engine, as `serve` keeps one engine across template edits.
#[test]
fn a_list_page_follows_an_edit_of_its_template() {
    let mut s = example();
    let theme = std::fs::read(repo().join("themes/default/templates/index.html")).unwrap();
    s.files.push(SourceFile {
        rel_path: "templates/index.html".into(),
        kind: FileKind::SiteTemplate,
        bytes: theme.clone(),
    });
    s.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let mut engine = Engine::new();
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    let text = String::from_utf8(theme).unwrap();
    let edited = text.replacen("{% block main %}", "{% block main %}<p>Edited home</p>", 1);
    assert_ne!(edited, text);
    let t = s
        .files
        .iter_mut()
        .find(|f| f.rel_path == "templates/index.html");
    t.unwrap().bytes = edited.into_bytes();
    let (r, _) = engine.build(&s, Diagnostics::new(), &options());
    assert!(!r.failed(), "{}", r.diagnostics);
    let home = |files: &[(String, Vec<u8>)]| {
        let f = files.iter().find(|f| f.0 == "index.html").unwrap();
        String::from_utf8(f.1.clone()).unwrap()
    };
    let got: Vec<(String, Vec<u8>)> = engine
        .output()
        .iter()
        .map(|(p, b)| (p.clone(), b.to_vec()))
        .collect();
    assert!(home(&got).contains("<p>Edited home</p>"));
    assert_eq!(home(&got), home(&full(&s).2));
}
