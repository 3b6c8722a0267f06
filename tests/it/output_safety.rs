//! Nothing lost: `build` refuses to replace the site's own folders or a
//! folder it did not write, switches outputs atomically under a lock, and
//! `import` never writes through a symlink out of `content/`.

use std::os::unix::fs::symlink;
use std::process::{Command, Output};

use crate::*;

/// Run appraise with `dir` as the current folder.
fn appraise_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appraise"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run appraise")
}

/// A copy of the minimal site at `t/site`.
fn site(t: &Path) -> PathBuf {
    let site = t.join("site");
    crate::bad_input::copy_dir(&fixture("good/minimal"), &site);
    site
}

/// Names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn refused(o: &Output, expected: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert_eq!(stderr(o), format!("error: {expected}\n"));
    assert!(o.stdout.is_empty());
}

#[test]
fn build_refuses_the_sites_own_folders_whatever_the_flags() {
    let t = tempfile::tempdir().unwrap();
    let site = site(t.path());
    symlink(site.join("content"), site.join("link")).unwrap();
    let work = t.path().join("work");
    std::fs::create_dir_all(work.join("notes")).unwrap();
    std::fs::write(work.join("notes/todo.txt"), "mine").unwrap();
    let before = tree(t.path());
    let cases: [(&Path, &str, String); 8] = [
        (
            &site,
            "content",
            "it is the content folder, which holds the source pages".into(),
        ),
        (
            &site,
            "link",
            "it is the content folder, which holds the source pages".into(),
        ),
        (
            &site,
            "public/../templates",
            "it is the templates folder, which holds the site's templates".into(),
        ),
        (
            &site,
            ".",
            "it is the site's folder, which holds the site's sources".into(),
        ),
        (
            &site,
            "..",
            "it contains the site's folder (.), which holds the site's sources".into(),
        ),
        (
            &site,
            "content/site",
            "it is inside the content folder (./content), which the next build would read \
             as sources"
                .into(),
        ),
        (
            &site,
            "static",
            "it is the static folder, which holds files copied into the site".into(),
        ),
        (
            &site,
            "themes",
            "it is the themes folder, which holds the site's themes".into(),
        ),
    ];
    for (cwd, out, why) in &cases {
        for force in [&[][..], &["--force"][..]] {
            let mut args = vec!["build", "--output", out];
            args.extend_from_slice(force);
            let o = appraise_in(cwd, &args);
            refused(
                &o,
                &format!("refusing to write the site into {out}: {why}; choose another --output"),
            );
        }
    }
    // `--output "$PWD"` from a folder that is not the site.
    let pwd = work.to_str().unwrap();
    let root = site.to_str().unwrap();
    let o = appraise_in(
        &work,
        &["build", "--root", root, "--output", pwd, "--force"],
    );
    refused(
        &o,
        &format!(
            "refusing to write the site into {pwd}: it is the current folder, whose files would \
             be deleted; choose another --output"
        ),
    );
    assert_eq!(tree(t.path()), before, "nothing written, nothing deleted");
    assert_eq!(names(&site), ["content", "link"], "not even a lock file");
}

#[test]
fn build_replaces_only_a_folder_it_wrote_unless_forced() {
    let t = tempfile::tempdir().unwrap();
    let site = site(t.path());
    let mine = t.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let o = build(&site, &mine, &[]);
    refused(
        &o,
        &format!(
            "refusing to replace {}: it is not empty and has no .appraise-output file, so \
             appraise did not write it; empty it or choose another --output (--force replaces \
             it anyway)",
            mine.display()
        ),
    );
    assert_eq!(names(&mine), ["notes.txt"]);

    let o = build(&site, &mine, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!mine.join("notes.txt").exists());
    assert!(
        read(&mine, ".appraise-output").starts_with("This folder was written by `appraise build`.")
    );
    // Marked now: the next build replaces it without --force.
    let o = build(&site, &mine, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(mine.join("index.html").exists());

    // A file in the way is refused even with --force.
    let file = t.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = build(&site, &file, &["--force"]);
    refused(
        &o,
        &format!(
            "refusing to replace {}: it is a file, not a folder",
            file.display()
        ),
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn two_builds_into_one_output_at_once_leave_one_complete_site() {
    let t = tempfile::tempdir().unwrap();
    let site = site(t.path());
    let reference = t.path().join("reference");
    let o = build(&site, &reference, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = tree(&reference);
    let out = site.join("public");
    let args = [
        "build",
        "--root",
        site.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    for round in 0..3 {
        let children: Vec<_> = (0..3)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_appraise"))
                    .args(args)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}: {}", stderr(&o));
        }
        assert!(
            tree(&out) == expected,
            "round {round}: output differs from one build's"
        );
        assert_eq!(
            names(&site),
            [".public.lock", "content", "public"],
            "round {round}: no staging folder left"
        );
    }
}

#[test]
fn import_never_writes_through_a_symlink_out_of_content() {
    let json = fixture("import/nct04728932.json");
    for linked in ["content/trials", "content/trials/nct04728932"] {
        let t = tempfile::tempdir().unwrap();
        let site = site(t.path());
        let elsewhere = t.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::create_dir_all(site.join(linked).parent().unwrap()).unwrap();
        if linked == "content/trials" {
            std::fs::remove_dir_all(site.join(linked)).unwrap();
        }
        symlink(&elsewhere, site.join(linked)).unwrap();
        let o = appraise(&[
            "import",
            json.to_str().unwrap(),
            "--root",
            site.to_str().unwrap(),
        ]);
        refused(
            &o,
            &format!(
                "content/trials/nct04728932/index.md: refusing to write through {linked}: it is \
                 a symlink to {}, outside content/",
                elsewhere.canonicalize().unwrap().display()
            ),
        );
        assert!(
            names(&elsewhere).is_empty(),
            "{linked}: nothing written outside"
        );
    }
}

#[test]
fn force_never_replaces_the_home_folder_a_repository_or_a_planted_marker_link() {
    let t = tempfile::tempdir().unwrap();
    let site = site(t.path());
    let home = t.path().join("home");
    std::fs::create_dir_all(home.join("notes")).unwrap();
    std::fs::write(home.join("notes/todo.txt"), "keep").unwrap();
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "build",
            "--root",
            site.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_appraise"))
            .env("HOME", &home)
            .args(&args)
            .output()
            .unwrap()
    };
    // The home folder, and a link to it, even with --force.
    let o = run(&home, &["--force"]);
    refused(
        &o,
        &format!(
            "refusing to write the site into {}: it is your home folder, whose files would be deleted; choose another --output",
            home.display()
        ),
    );
    let link = t.path().join("to-home");
    symlink(&home, &link).unwrap();
    assert_eq!(run(&link, &["--force"]).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(home.join("notes/todo.txt")).unwrap(),
        "keep"
    );
    // A gh-pages checkout: its history is not appraise's to delete.
    let pages = t.path().join("gh-pages");
    std::fs::create_dir_all(pages.join(".git")).unwrap();
    std::fs::write(pages.join(".appraise-output"), "").unwrap();
    let o = run(&pages, &["--force"]);
    refused(
        &o,
        &format!(
            "refusing to replace {}: it holds a git repository (.git), which appraise did not write; build into another folder and copy the files in",
            pages.display()
        ),
    );
    assert!(pages.join(".git").is_dir());
    // A marker that is a link to some file does not mark the folder.
    let other = t.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("data.csv"), "keep").unwrap();
    symlink(home.join("notes/todo.txt"), other.join(".appraise-output")).unwrap();
    assert_eq!(run(&other, &[]).status.code(), Some(1));
    assert!(other.join("data.csv").is_file());
}
