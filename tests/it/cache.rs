//! `appraise build --cache`: a cached build writes what a clean build
//! writes, whatever changed since the last one (sources edited, output
//! files touched by hand, the cache deleted or foreign), and renders only
//! the pages whose inputs changed.

use std::path::Path;

use appraise::diag::Diagnostics;
use appraise::discover::Sources;
use appraise::pipeline::{self, Options, Report};
use proptest::prelude::*;

use crate::incremental::{apply, edit_one_number, example, op};
use crate::{build, stderr, tree};

/// Write `s` as the site in `root`, as an author's edits would leave it:
/// a file whose bytes are unchanged is left alone (it keeps its stamp),
/// one that is new or changed is written, one that is gone is removed.
fn put_site(s: &Sources, root: &Path) {
    let want: std::collections::BTreeMap<&str, &[u8]> = (s.files.iter())
        .map(|f| (f.rel_path.as_str(), f.bytes.as_slice()))
        .collect();
    for dir in appraise::discover::TREES {
        if !root.join(dir).is_dir() {
            continue;
        }
        for (rel, _) in tree(&root.join(dir)) {
            let rel = format!("{dir}/{rel}");
            if !want.contains_key(rel.as_str()) {
                std::fs::remove_file(root.join(&rel)).unwrap();
            }
        }
    }
    for (rel, bytes) in want {
        let p = root.join(rel);
        if std::fs::read(&p).is_ok_and(|b| b == bytes) {
            continue;
        }
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Wait until the files just written are old enough for a cached build
/// to trust their stamps ([`appraise::cache::SETTLED_NANOS`]).
fn settle() {
    let nanos = u64::try_from(appraise::cache::SETTLED_NANOS).unwrap();
    std::thread::sleep(std::time::Duration::from_nanos(nanos + 100_000_000));
}

/// A cached build of `root` into `root/public`; `unreleased` as
/// `build --drafts` sets it (then every trial is analysed: the changes
/// since the last version need them all).
fn cached_with(root: &Path, unreleased: bool) -> Report {
    pipeline::build_cached(&Options {
        output: Some(root.join("public")),
        keep_files: false,
        cache: true,
        unreleased,
        ..Options::in_memory(root.to_path_buf())
    })
}

/// The parse cache's shard files in `root` (`sources-NN.bin`), sorted.
fn shard_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root.join(".appraise-cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("sources-") && name.ends_with(".bin")
        })
        .collect();
    files.sort();
    files
}

/// The example site put in `root`, settled, and built once with the
/// cache; its sources.
fn built_example(root: &Path) -> Sources {
    let s = example();
    put_site(&s, root);
    settle();
    let r = cached(root);
    assert!(!r.failed(), "{}", r.diagnostics);
    s
}

/// Override the theme's `partials/meta.html` in the site at `root` with
/// a copy that adds a comment.
fn override_meta_template(root: &Path) {
    let tpl = root.join("templates/partials/meta.html");
    std::fs::create_dir_all(tpl.parent().unwrap()).unwrap();
    let theme = crate::repo().join("themes/default/templates/partials/meta.html");
    let text = std::fs::read_to_string(theme).unwrap();
    std::fs::write(&tpl, format!("{text}<!-- site's own -->")).unwrap();
}

fn cached(root: &Path) -> Report {
    cached_with(root, false)
}

/// A clean build in memory: diagnostics, "ok:" lines and files.
fn full_with(s: &Sources, unreleased: bool) -> (Diagnostics, Vec<String>, Vec<(String, Vec<u8>)>) {
    let opts = Options {
        unreleased,
        ..Options::in_memory("/nonexistent".into())
    };
    let r = pipeline::build_sources(s, Diagnostics::new(), &opts);
    let files = r.output.into_iter().map(|f| (f.path, f.bytes)).collect();
    (r.diagnostics, r.reproduced, files)
}

fn full(s: &Sources) -> (Diagnostics, Vec<String>, Vec<(String, Vec<u8>)>) {
    full_with(s, false)
}

/// The output folder's files, without the marker every build writes.
fn output(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut t = tree(&root.join("public"));
    t.retain(|(p, _)| p != appraise::write::MARKER);
    t
}

/// What a clean build of `s` gives, as `output` lists it.
fn clean(s: &Sources) -> Vec<(String, Vec<u8>)> {
    let (diags, _, files) = full(s);
    assert!(!diags.has_errors(), "{diags}");
    files
}

fn assert_same(got: &[(String, Vec<u8>)], want: &[(String, Vec<u8>)], after: &str) {
    let paths = |t: &[(String, Vec<u8>)]| t.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(paths(got), paths(want), "paths after {after}");
    for (g, w) in got.iter().zip(want) {
        assert!(g.1 == w.1, "{} differs after {after}", g.0);
    }
}

#[test]
fn a_cached_build_renders_only_what_changed_and_writes_what_a_clean_build_writes() {
    let t = tempfile::tempdir().unwrap();
    let mut s = example();
    put_site(&s, t.path());
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    let pages = r.cached.unwrap().0;
    assert!(
        pages >= 10,
        "the first build renders every page: {:?}",
        r.cached
    );
    assert!(t.path().join(".appraise-cache/build.json").is_file());
    assert!(t.path().join(".appraise-cache/CACHEDIR.TAG").is_file());
    assert_same(&output(t.path()), &clean(&s), "the first build");
    // Nothing changed: nothing is rendered, and the files keep their times.
    let page = t.path().join("public/trials/leopards/index.html");
    let before = std::fs::metadata(&page).unwrap().modified().unwrap();
    let r = cached(t.path());
    assert_eq!(r.cached, Some((0, pages)), "{}", r.summary());
    // The trials were not analysed again, yet their findings are all there.
    let (diags, reproduced, _) = full(&s);
    assert_eq!((&r.diagnostics, &r.reproduced), (&diags, &reproduced));
    assert!(!reproduced.is_empty());
    assert!(r.summary().contains(&format!(
        "(0 pages rendered, {pages} unchanged from the cache)"
    )));
    assert_eq!(
        std::fs::metadata(&page).unwrap().modified().unwrap(),
        before
    );
    // One number of LeoPARDS: its page, its appraisal and its topic.
    edit_one_number(&mut s);
    put_site(&s, t.path());
    let r = cached(t.path());
    let (rendered, kept) = r.cached.unwrap();
    assert!(
        (3..=5).contains(&rendered) && rendered + kept == pages,
        "{:?}",
        r.cached
    );
    assert_eq!(
        r.charts,
        full_report(&s).charts,
        "charts counted with the kept pages"
    );
    assert_same(&output(t.path()), &clean(&s), "an edit");
}

fn full_report(s: &Sources) -> Report {
    pipeline::build_sources(
        s,
        Diagnostics::new(),
        &Options::in_memory("/nonexistent".into()),
    )
}

#[test]
fn output_files_changed_by_hand_are_rendered_again() {
    let t = tempfile::tempdir().unwrap();
    let s = example();
    put_site(&s, t.path());
    let pages = cached(t.path()).cached.unwrap().0;
    // A second build keeps every page: its cache records the kept files'
    // stamps as listed before it (they are links of those files).
    assert_eq!(cached(t.path()).cached, Some((0, pages)));
    let public = t.path().join("public");
    // Edited (same size, other bytes and time), removed, and the cache gone.
    let html = public.join("trials/leopards/index.html");
    let mut bytes = std::fs::read(&html).unwrap();
    bytes[0] = b'X';
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&html, &bytes).unwrap();
    std::fs::remove_file(public.join("trials/levoecmo/index.json")).unwrap();
    let r = cached(t.path());
    assert_eq!(r.cached, Some((2, pages - 2)), "{}", r.summary());
    assert_same(&output(t.path()), &clean(&s), "files changed by hand");
    std::fs::remove_dir_all(t.path().join(".appraise-cache")).unwrap();
    let r = cached(t.path());
    assert_eq!(
        r.cached,
        Some((pages, 0)),
        "without a cache every page is rendered"
    );
    assert_same(&output(t.path()), &clean(&s), "the cache deleted");
}

#[test]
fn a_theme_change_renders_every_page_again() {
    let t = tempfile::tempdir().unwrap();
    let s = example();
    put_site(&s, t.path());
    let pages = cached(t.path()).cached.unwrap().0;
    override_meta_template(t.path());
    let r = cached(t.path());
    assert_eq!(r.cached, Some((pages, 0)), "{}", r.summary());
    let (s, d) = appraise::discover::discover(t.path());
    assert!(d.is_empty(), "{d}");
    assert_same(&output(t.path()), &clean(&s), "a template override");
}

#[test]
fn a_cache_folder_appraise_did_not_make_is_left_alone() {
    let t = tempfile::tempdir().unwrap();
    put_site(&example(), t.path());
    let dir = t.path().join(".appraise-cache");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = t.path().join("public");
    let o = build(t.path(), &out, &["--cache"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().find(|l| l.contains("build cache")),
        Some(
            format!(
                "warning: .appraise-cache: cannot save the build cache: {} exists and was not made by appraise; move it away to use --cache",
                dir.display()
            )
            .as_str()
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!dir.join("build.json").exists());
    assert!(out.join("index.html").is_file());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Random sequences of add, edit, delete, rename, break and repair,
    /// each followed by a cached build on disk (every other one showing
    /// the unreleased changes): the output is a clean build's; a failed build leaves the last output and cache as they were.
    #[test]
    fn cached_builds_equal_clean_builds(ops in proptest::collection::vec(op(), 1..5)) {
        let t = tempfile::tempdir().unwrap();
        let mut s = example();
        put_site(&s, t.path());
        // The files are then old enough that an unchanged page is not read
        // again: its parse is the cache's.
        settle();
        prop_assert!(!cached(t.path()).failed());
        let mut last_good = output(t.path());
        for (k, op) in ops.iter().enumerate() {
            apply(&mut s, op);
            put_site(&s, t.path());
            // The clean build is of what is on disk: a rename can move a
            // file out of the trees discover reads (`content/_index.md` to
            // `content-r1.md`), and the cached build no longer sees it.
            s = appraise::discover::discover(t.path()).0;
            let unreleased = k % 2 == 1;
            let r = cached_with(t.path(), unreleased);
            let (diags, reproduced, files) = full_with(&s, unreleased);
            prop_assert_eq!(&r.diagnostics, &diags, "diagnostics after {:?}", op);
            prop_assert_eq!(&r.reproduced, &reproduced, "ok: lines after {:?}", op);
            if r.failed() {
                prop_assert!(output(t.path()) == last_good, "a failed build changed the output");
            } else {
                assert_same(&output(t.path()), &files, &format!("{op:?}"));
                last_good = files;
            }
        }
    }
}

#[test]
fn a_kept_page_still_reports_what_rendering_it_found() {
    let t = tempfile::tempdir().unwrap();
    let (s, d) = appraise::discover::discover(&crate::fixture("inline/prose-numbers"));
    assert!(d.is_empty(), "{d}");
    put_site(&s, t.path());
    let first = cached(t.path());
    let (diags, _, _) = full(&s);
    assert!(
        diags.warning_count() > 0,
        "the fixture has typed numbers to warn about"
    );
    assert_eq!(first.diagnostics, diags);
    let again = cached(t.path());
    assert_eq!(again.cached.map(|c| c.0), Some(0), "{}", again.summary());
    assert_eq!(again.diagnostics, diags, "the warnings of the kept pages");
}

/// "Results overdue" is judged against the site's newest `updated` or
/// `checked` date, which another page can move: a registry record that
/// was not overdue becomes overdue in a cached build when only the about
/// page's `updated` date changes, as in a clean build.
#[test]
fn a_kept_registry_page_follows_a_reference_date_moved_by_another_page() {
    let t = tempfile::tempdir().unwrap();
    let (mut s, d) = appraise::discover::discover(
        &crate::repo().join("tests/fixtures/registry/overdue-updated"),
    );
    assert!(d.is_empty(), "{d}");
    // Primary completion 2021-05: not overdue as of 2022-02-01 (the
    // record itself checked before that).
    let late = s
        .files
        .iter_mut()
        .find(|f| f.rel_path.ends_with("late.md"))
        .unwrap();
    let checked = String::from_utf8(late.bytes.clone()).unwrap();
    late.bytes = checked
        .replace("checked: 2022-06-01", "checked: 2022-01-01")
        .into_bytes();
    let text = s
        .files
        .iter()
        .find(|f| f.rel_path.ends_with("about.md"))
        .map(|f| String::from_utf8(f.bytes.clone()).unwrap())
        .unwrap();
    let early = text.replace("updated: 2023-02-01", "updated: 2022-02-01");
    assert_ne!(early, text);
    let set_about = |s: &mut Sources, text: &str| {
        let f = s
            .files
            .iter_mut()
            .find(|f| f.rel_path.ends_with("about.md"))
            .unwrap();
        f.bytes = text.as_bytes().to_vec();
    };
    set_about(&mut s, &early);
    put_site(&s, t.path());
    assert!(!cached(t.path()).failed());
    let page =
        |root: &Path| std::fs::read_to_string(root.join("public/trials/late/index.html")).unwrap();
    let before = page(t.path());
    assert!(
        !before.contains("Results overdue"),
        "not overdue as of 2022-02-01"
    );
    // Only the about page moves the date on, past 12 months after completion.
    set_about(&mut s, &text);
    put_site(&s, t.path());
    assert!(!cached(t.path()).failed());
    assert_same(&output(t.path()), &clean(&s), "moving the reference date");
    assert!(page(t.path()).contains("Results overdue"));
}

/// A page whose stamp is the one recorded is neither read nor parsed
/// again; a page edited in place so that it keeps its size and its
/// modification time (set back by a program) is: its status-change time
/// moved. Either way the output is a clean build's.
#[test]
fn an_unchanged_page_is_not_parsed_again_and_an_edit_that_keeps_size_and_time_is_seen() {
    let t = tempfile::tempdir().unwrap();
    let mut s = example();
    put_site(&s, t.path());
    settle();
    let csvs = s.of_kind(appraise::discover::FileKind::DataCsv).count();
    let pages = s.of_kind(appraise::discover::FileKind::Page).count();
    let first = cached(t.path());
    assert!(!first.failed(), "{}", first.diagnostics);
    assert_eq!(
        first.parsed,
        Some(pages + csvs),
        "the first build parses all"
    );
    let shards = shard_files(t.path());
    assert_eq!(shards.len(), 32, "{shards:?}");
    let again = cached(t.path());
    assert_eq!(
        again.parsed,
        Some(csvs),
        "only the CSV tables are read again"
    );
    assert_eq!(again.diagnostics, first.diagnostics);
    assert_same(
        &output(t.path()),
        &clean(&s),
        "a build from the parse cache",
    );
    // One count of LeoPARDS, same number of digits, the time set back.
    let rel = "content/trials/leopards/index.md";
    let path = t.path().join(rel);
    let time = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("89/258", "90/258", 1);
    assert_ne!(edited, text, "the fixture has the count");
    assert_eq!(edited.len(), text.len());
    std::fs::write(&path, &edited).unwrap();
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(time).unwrap();
    drop(f);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), time);
    s.files
        .iter_mut()
        .find(|f| f.rel_path == rel)
        .unwrap()
        .bytes = edited.into_bytes();
    let r = cached(t.path());
    assert_eq!(r.parsed, Some(csvs + 1), "the edited page is read again");
    assert_same(
        &output(t.path()),
        &clean(&s),
        "an edit keeping size and time",
    );
}

/// A parse cache that is damaged, or written by another version, is
/// ignored: every page is read and parsed again.
#[test]
fn a_damaged_parse_cache_is_ignored() {
    let t = tempfile::tempdir().unwrap();
    let s = built_example(t.path());
    for file in shard_files(t.path()) {
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&file, &bytes).unwrap();
    }
    let pages = s.of_kind(appraise::discover::FileKind::Page).count();
    let csvs = s.of_kind(appraise::discover::FileKind::DataCsv).count();
    let r = cached(t.path());
    assert_eq!(r.parsed, Some(pages + csvs));
    assert_same(&output(t.path()), &clean(&s), "a damaged parse cache");
}

/// After one page is edited, only the parse cache's shard holding that
/// page is written again (the others keep their bytes and inodes), and the
/// single file of older versions is removed.
#[test]
fn an_edit_rewrites_only_the_shard_of_the_edited_page() {
    use std::os::unix::fs::MetadataExt;
    let t = tempfile::tempdir().unwrap();
    let mut s = built_example(t.path());
    let old = t.path().join(".appraise-cache/sources.bin");
    std::fs::write(&old, b"an older version's parse cache").unwrap();
    let before: Vec<(std::path::PathBuf, u64, Vec<u8>)> = shard_files(t.path())
        .into_iter()
        .map(|p| {
            (
                p.clone(),
                std::fs::metadata(&p).unwrap().ino(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    let rel = "content/trials/leopards/index.md";
    let text = std::fs::read_to_string(t.path().join(rel)).unwrap();
    let edited = text.replacen("89/258", "90/258", 1);
    assert_ne!(edited, text, "the fixture has the count");
    std::fs::write(t.path().join(rel), &edited).unwrap();
    (s.files.iter_mut().find(|f| f.rel_path == rel).unwrap()).bytes = edited.into_bytes();
    settle();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    let changed: Vec<String> = before
        .iter()
        .filter(|(p, ino, bytes)| {
            std::fs::metadata(p).unwrap().ino() != *ino || std::fs::read(p).unwrap() != *bytes
        })
        .map(|(p, _, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let shard = appraise::cache::sources_file(appraise::cache::shard_of(rel));
    assert_eq!(changed, [shard]);
    assert!(!old.exists(), "the older single file is removed");
    assert_same(&output(t.path()), &clean(&s), "an edit from the shards");
    let again = cached(t.path());
    let csvs = s.of_kind(appraise::discover::FileKind::DataCsv).count();
    assert_eq!(again.parsed, Some(csvs), "the edited page is cached again");
}

/// Flip one byte in the middle of the copy of `file`'s bytes that the
/// list memo `.appraise-cache/lists.bin` in `root` holds; the bytes the
/// memo then holds for it.
fn tamper_memo(root: &Path, file: &str) -> Vec<u8> {
    let memo = root.join(".appraise-cache/lists.bin");
    let mut bytes = std::fs::read(&memo).unwrap();
    let mut want = std::fs::read(root.join("public").join(file)).unwrap();
    let at = (bytes.windows(want.len()))
        .position(|w| w == want)
        .unwrap_or_else(|| panic!("the memo holds {file}"));
    let mid = want.len() / 2;
    want[mid] ^= 0x01;
    bytes[at + mid] = want[mid];
    std::fs::write(&memo, bytes).unwrap();
    want
}

/// The list memo is kept in the build cache: the home page and its social
/// image are taken from it while their inputs are the same (shown here by
/// bytes planted in it), and made again when a site-wide input changes;
/// a list page edited by hand in the output is written again.
#[test]
fn list_pages_and_the_home_image_come_from_the_cached_memo_while_their_inputs_hold() {
    let t = tempfile::tempdir().unwrap();
    built_example(t.path());
    let public = t.path().join("public");
    assert!(public.join("social.png").is_file(), "the example draws it");
    let home = tamper_memo(t.path(), "index.html");
    let image = tamper_memo(t.path(), "social.png");
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert!(std::fs::read(public.join("index.html")).unwrap() == home);
    assert!(std::fs::read(public.join("social.png")).unwrap() == image);
    // A template override: the memo's site-wide inputs differ.
    override_meta_template(t.path());
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    let (s, d) = appraise::discover::discover(t.path());
    assert!(d.is_empty(), "{d}");
    assert_same(&output(t.path()), &clean(&s), "a template override");
    // A list page edited by hand (same size) is written again.
    let tags = std::fs::read_dir(public.join("tags"))
        .unwrap()
        .map(|e| e.unwrap().path().join("index.html"))
        .find(|p| p.is_file())
        .expect("the example has a tag page");
    let mut bytes = std::fs::read(&tags).unwrap();
    bytes[0] = b'X';
    std::fs::write(&tags, &bytes).unwrap();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_same(&output(t.path()), &clean(&s), "a list page edited by hand");
}

/// The example site with a page whose body holds HTML of the author's
/// (an event handler the sanitiser removes) and a NUL character.
fn example_with_raw_html() -> Sources {
    let mut s = example();
    s.files.push(appraise::discover::SourceFile {
        rel_path: "content/notes/raw-html.md".into(),
        kind: appraise::discover::FileKind::Page,
        bytes: b"---\ntitle: Raw HTML\n---\nA <span onclick=\"go()\">span</span> and a\0nul.\n\n<div class=\"box\">block</div>\n".to_vec(),
    });
    s.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    s
}

/// A page taken from the parse cache keeps its body as the cache's bytes
/// until render reads it (`appraise::parse::body`); rendered again (a
/// template edited) and under the other HTML policy (`unsafe_html`
/// switched on), every page is the one a clean build writes.
#[test]
fn bodies_from_the_parse_cache_render_as_parsed_ones_under_either_policy() {
    let t = tempfile::tempdir().unwrap();
    let s = example_with_raw_html();
    let csvs = s.of_kind(appraise::discover::FileKind::DataCsv).count();
    put_site(&s, t.path());
    settle();
    let first = cached(t.path());
    assert!(!first.failed(), "{}", first.diagnostics);
    let pages = first.cached.unwrap().0;
    override_meta_template(t.path());
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_eq!(r.parsed, Some(csvs), "every page from the parse cache");
    assert_eq!(r.cached, Some((pages, 0)), "and every page rendered");
    let (s, d) = appraise::discover::discover(t.path());
    assert!(d.is_empty(), "{d}");
    assert_same(&output(t.path()), &clean(&s), "a template edit");
    let page = t.path().join("public/notes/raw-html/index.html");
    let sanitised = std::fs::read_to_string(&page).unwrap();
    assert!(sanitised.contains("span") && !sanitised.contains("onclick"));
    assert!(!sanitised.contains('\0'));
    let index = t.path().join("content/_index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(
        &index,
        text.replacen("---\n", "---\nunsafe_html: true\n", 1),
    )
    .unwrap();
    settle();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_eq!(r.parsed, Some(csvs + 1), "only the site's settings read");
    let (s, d) = appraise::discover::discover(t.path());
    assert!(d.is_empty(), "{d}");
    assert_same(&output(t.path()), &clean(&s), "unsafe_html switched on");
    let raw = std::fs::read_to_string(&page).unwrap();
    assert!(
        raw.contains("onclick=\"go()\"") && !raw.contains('\0'),
        "{raw}"
    );
}

/// A cache file whose bytes a build leaves as they were (the build cache,
/// the list memo, a shard) is not written again: it keeps its inode. One
/// whose bytes change is replaced.
#[test]
fn cache_files_a_build_leaves_the_same_are_not_written_again() {
    use std::os::unix::fs::MetadataExt;
    let t = tempfile::tempdir().unwrap();
    let mut s = built_example(t.path());
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    let dir = t.path().join(".appraise-cache");
    let inodes = || -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().unwrap().ino(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = inodes();
    assert!(before.iter().any(|(n, _)| n == "build.json"));
    assert!(before.iter().any(|(n, _)| n == "lists.bin"));
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_eq!(inodes(), before, "nothing changed: nothing written");
    let rel = "content/trials/leopards/index.md";
    let text = std::fs::read_to_string(t.path().join(rel)).unwrap();
    let edited = text.replacen("89/258", "90/258", 1);
    std::fs::write(t.path().join(rel), &edited).unwrap();
    (s.files.iter_mut().find(|f| f.rel_path == rel).unwrap()).bytes = edited.into_bytes();
    settle();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    let after = inodes();
    let replaced: Vec<&str> = (after.iter().zip(&before))
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    let shard = appraise::cache::sources_file(appraise::cache::shard_of(rel));
    assert!(replaced.contains(&"build.json"), "{replaced:?}");
    assert!(replaced.contains(&shard.as_str()), "{replaced:?}");
    assert_same(
        &output(t.path()),
        &clean(&s),
        "an edit after a build that wrote nothing",
    );
}

/// Every page's model (its typed trial, topic or appraisal) is kept with
/// its parse: a cached build with nothing changed makes none again. A
/// bundle's CSV file edited while its page keeps its stamp makes that
/// page's model again (its front matter, left out of the cache's copy,
/// read again then), and a change to the site-wide inputs makes every
/// model again. Each time the output is a clean build's.
#[test]
fn a_model_comes_from_the_cache_until_its_file_its_data_or_the_site_changes() {
    let t = tempfile::tempdir().unwrap();
    let mut s = built_example(t.path());
    let pages = (s.of_kind(appraise::discover::FileKind::Page))
        .filter(|f| !f.rel_path.ends_with("_index.md"))
        .count();
    let again = cached(t.path());
    assert!(!again.failed(), "{}", again.diagnostics);
    assert_eq!(again.modelled, Some(0), "nothing changed");
    assert_same(&output(t.path()), &clean(&s), "nothing changed");

    let rel = "content/trials/leopards/outcomes.csv";
    let csv = s.files.iter_mut().find(|f| f.rel_path == rel).unwrap();
    let text = String::from_utf8(csv.bytes.clone()).unwrap();
    let edited = text.replacen("levo,32,258", "levo,33,258", 1);
    assert_ne!(edited, text, "the fixture has the count");
    csv.bytes = edited.into_bytes();
    put_site(&s, t.path());
    settle();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_eq!(r.modelled, Some(1), "only the bundle's page");
    assert_same(&output(t.path()), &clean(&s), "a bundle's CSV edited");

    let index = t.path().join("content/_index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replacen("title: \"", "title: \"New: ", 1)).unwrap();
    settle();
    let r = cached(t.path());
    assert!(!r.failed(), "{}", r.diagnostics);
    assert_eq!(r.modelled, Some(pages), "the site's settings changed");
    let (s, d) = appraise::discover::discover(t.path());
    assert!(d.is_empty(), "{d}");
    assert_same(&output(t.path()), &clean(&s), "the site's settings changed");
}

/// A page body damaged in the parse cache (bytes that are not text) is
/// reported when the page is rendered again, and the build stops, rather
/// than the page being written without its body.
#[test]
fn a_body_damaged_in_the_cache_is_an_error_not_an_empty_page() {
    let t = tempfile::tempdir().unwrap();
    built_example(t.path());
    let mut damaged = false;
    for file in shard_files(t.path()) {
        let mut bytes = std::fs::read(&file).unwrap();
        if let Some(at) = bytes.windows(4).position(|w| w == b"<p>L") {
            bytes[at + 1] = 0xff;
            std::fs::write(&file, &bytes).unwrap();
            damaged = true;
            break;
        }
    }
    assert!(damaged, "a body in the shards starts a paragraph with L");
    override_meta_template(t.path());
    let r = cached(t.path());
    assert!(r.failed());
    let messages: Vec<(&str, Option<&str>)> = (r.diagnostics.0.iter())
        .filter(|d| d.severity == appraise::diag::Severity::Error)
        .map(|d| (d.message.as_str(), d.hint.as_deref()))
        .collect();
    assert_eq!(
        messages,
        [(
            "this page's copy in the build cache is damaged",
            Some("delete .appraise-cache and build again")
        )]
    );
}

/// A cached build into `root/public` with `build --drafts` (`drafts`) or
/// without, and what a clean build with the same options writes.
fn cached_and_clean(root: &Path, drafts: bool) -> (Vec<(String, Vec<u8>)>, Vec<(String, Vec<u8>)>) {
    let r = pipeline::build_cached(&Options {
        output: Some(root.join("public")),
        keep_files: false,
        cache: true,
        drafts,
        unreleased: drafts,
        ..Options::in_memory(root.to_path_buf())
    });
    assert!(!r.failed(), "{}", r.diagnostics);
    let s = appraise::discover::discover(root).0;
    let opts = Options {
        drafts,
        unreleased: drafts,
        ..Options::in_memory("/nonexistent".into())
    };
    let clean = pipeline::build_sources(&s, Diagnostics::new(), &opts);
    assert!(!clean.diagnostics.has_errors(), "{}", clean.diagnostics);
    let files = clean
        .output
        .into_iter()
        .map(|f| (f.path, f.bytes))
        .collect();
    (output(root), files)
}

#[test]
fn a_cached_build_follows_drafts_switched_on_and_off() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    let s = example();
    put_site(&s, root);
    // A draft trial: the LeoPARDS appraisal under another name, marked draft.
    let leo = s
        .files
        .iter()
        .find(|f| f.rel_path == "content/trials/leopards/index.md");
    let text = String::from_utf8(leo.expect("the example has LeoPARDS").bytes.clone()).unwrap();
    let draft = text.replacen("---\n", "---\ndraft: true\n", 1).replacen(
        "title: \"LeoPARDS:",
        "title: \"Draft LeoPARDS:",
        1,
    );
    // The bundle's other files (its outcome data) go with it.
    for f in s.files.iter() {
        if let Some(rest) = f.rel_path.strip_prefix("content/trials/leopards/") {
            let to = root.join("content/trials/zz-draft").join(rest);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, &f.bytes).unwrap();
        }
    }
    std::fs::write(root.join("content/trials/zz-draft/index.md"), draft).unwrap();
    settle();
    let page = "trials/zz-draft/index.html";
    let has = |t: &[(String, Vec<u8>)]| t.iter().any(|(p, _)| p == page);
    for (k, drafts) in [false, true, false, true].into_iter().enumerate() {
        let (got, want) = cached_and_clean(root, drafts);
        assert_eq!(
            has(&want),
            drafts,
            "the clean build's draft page, build {k}"
        );
        assert_same(&got, &want, &format!("build {k} (drafts {drafts})"));
    }
}
