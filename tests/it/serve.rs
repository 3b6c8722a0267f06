//! `appraise serve`: serves the site from memory, redirects folder URLs,
//! answers 404 with the site's page, rebuilds when a file changes, and shows
//! a failed build's errors while keeping the last good site.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::*;

/// Kills the server when the test ends, even on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (status code, headers, body) of a GET.
fn get(port: u16, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, head.to_string(), body.to_string())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Poll the status endpoint until `pred` holds (or fail after 20 s).
fn wait_for(port: u16, what: &str, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let start = Instant::now();
    loop {
        let (_, _, body) = get(port, "/__appraise/status");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if pred(&v) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Start `appraise serve --port 0` on `site`; returns the guard and the port.
fn start(site: &std::path::Path) -> (Server, u16) {
    let child = Command::new(env!("CARGO_BIN_EXE_appraise"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start appraise serve");
    let mut server = Server(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (server, port)
}

#[test]
fn serve_previews_rebuilds_and_keeps_the_last_good_site() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let (_server, port) = start(&site);

    // Pages, with links for the local address and the reload script.
    let (code, head, home) = get(port, "/");
    assert_eq!(code, 200);
    assert!(head.contains("Content-Type: text/html; charset=utf-8"));
    assert!(
        home.contains("/__appraise/status"),
        "reload script injected"
    );
    let (code, _, trial) = get(port, "/trials/demo/");
    assert_eq!(code, 200);
    assert!(trial.contains("20/100 (20.0%)"));
    assert!(trial.contains("href=\"/static/style.css\"") || trial.contains("/static/"));
    let (code, head, css) = get(port, "/static/style.css");
    assert_eq!(code, 200);
    assert!(head.contains("text/css"));
    assert!(!css.contains("__appraise"), "no script in CSS");
    // A folder without its slash is redirected; a missing page is a 404.
    let (code, head, _) = get(port, "/trials/demo");
    assert_eq!(code, 301);
    assert!(head.contains("Location: /trials/demo/"), "{head}");
    // Never a redirect to another host.
    let (code, head, _) = get(port, "//trials/demo");
    assert_eq!(code, 301);
    assert!(
        head.lines().any(|l| l == "Location: /trials/demo/"),
        "{head}"
    );
    let (code, _, body) = get(port, "/no/such/page/");
    assert_eq!(code, 404);
    assert!(body.contains("<html"), "the site's 404 page");

    // An edit is picked up: the version moves on and the page changes.
    let v0 = wait_for(port, "the first build", |v| v["version"] == 1);
    let page = site.join("content/trials/demo.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("drug: 20/100", "drug: 9/100")).unwrap();
    wait_for(port, "a rebuild", |v| v["version"] == 2);
    assert!(get(port, "/trials/demo/").2.contains("9/100 (9.0%)"));
    // An editor's swap file is not part of the site: no rebuild, no reload.
    std::fs::write(site.join("content/trials/.demo.md.swp"), "swap").unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(wait_for(port, "the same version", |_| true)["version"], 2);

    // A broken edit: the errors are reported with file:line:col, the last
    // good site stays, and the version does not move.
    std::fs::write(&page, text.replace("drug: 20/100", "drug: 120/100")).unwrap();
    let v = wait_for(port, "the failed build", |v| {
        v["errors"].as_array().is_some_and(|e| !e.is_empty())
    });
    let errors = v["errors"].to_string();
    assert!(
        errors.contains("content/trials/demo.md:") && errors.contains("events exceed the total"),
        "{errors}"
    );
    assert_eq!(v["version"], 2, "{v} (was {v0})");
    assert!(get(port, "/trials/demo/").2.contains("9/100 (9.0%)"));

    // Fixing it clears the errors and rebuilds.
    std::fs::write(&page, &text).unwrap();
    let v = wait_for(port, "the fixed build", |v| v["version"] == 3);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
    assert!(get(port, "/trials/demo/").2.contains("20/100 (20.0%)"));
}

#[test]
fn serve_shows_the_errors_when_there_is_no_good_build_yet() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let page = site.join("content/trials/demo.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("drug: 20/100", "drug: 120/100")).unwrap();
    let (_server, port) = start(&site);
    let (code, _, body) = get(port, "/trials/demo/");
    assert_eq!(code, 503);
    assert!(
        body.contains("no good build") && body.contains("/__appraise/status"),
        "{body}"
    );
    let v = wait_for(port, "the errors", |v| {
        v["errors"].as_array().is_some_and(|e| !e.is_empty())
    });
    assert_eq!(v["version"], 0);
    std::fs::write(&page, &text).unwrap();
    wait_for(port, "the first good build", |v| v["version"] == 1);
    assert_eq!(get(port, "/trials/demo/").0, 200);
}

/// Send `head` as the whole request; (status code, body) of the answer.
fn raw(port: u16, head: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, body.to_string())
}

#[test]
fn serve_answers_only_requests_for_its_own_loopback_name() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let (_server, port) = start(&site);
    let req = |host: &str| format!("GET /__appraise/status HTTP/1.1\r\n{host}\r\n\r\n");
    for ok in [
        format!("Host: 127.0.0.1:{port}"),
        format!("Host: localhost:{port}"),
    ] {
        assert_eq!(raw(port, &req(&ok)).0, 200, "{ok}");
    }
    // DNS rebinding: a page on another site, its name pointed at 127.0.0.1,
    // sends its own name as the Host. So does a wrong port or no Host.
    let refused = format!(
        "appraise serve answers only requests for http://127.0.0.1:{port}/ or http://localhost:{port}/\n"
    );
    for bad in [
        format!("Host: evil.example:{port}"),
        format!("Host: 127.0.0.1.evil.example:{port}"),
        format!("Host: localhost:{}", port.wrapping_add(1)),
        "Host: localhost".to_string(),
        String::new(),
    ] {
        assert_eq!(raw(port, &req(&bad)), (403, refused.clone()), "{bad}");
        let page = format!("GET /trials/demo/ HTTP/1.1\r\n{bad}\r\n\r\n");
        assert_eq!(raw(port, &page), (403, refused.clone()), "{bad}");
    }
}

#[test]
fn serve_caps_its_connections_and_answers_the_extra_one_503() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let (_server, port) = start(&site);
    assert_eq!(get(port, "/").0, 200);
    // 64 clients that connect and say nothing hold every slot...
    let idle: Vec<TcpStream> = (0..64)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // ...so the next one is told to come back, at once.
    let started = Instant::now();
    let (code, body) = raw(
        port,
        &format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
    );
    assert_eq!(
        (code, body.as_str()),
        (
            503,
            "appraise serve is busy (64 connections open); try again\n"
        )
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // When they go, the server answers again.
    drop(idle);
    let start = Instant::now();
    while get(port, "/").0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(10), "still busy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// CPU time (user + system, in clock ticks) the process has used so far.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses): utime is
    // the 14th field of the line, stime the 15th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn serve_uses_next_to_no_cpu_when_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let (server, port) = start(&site);
    wait_for(port, "the first build", |v| v["version"] == 1);
    std::thread::sleep(Duration::from_millis(500));
    let pid = server.0.id();
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(pid) - before;
    // 3 s at 100 ticks/s: a busy loop would use ~300 ticks; polling a small
    // site every 300 ms uses about none. Allow 15 ticks (5%) for a loaded CI.
    assert!(used <= 15, "idle serve used {used} ticks of CPU in 3 s");
}

/// Files and folders added, renamed and deleted while serving: the listing
/// and the pages follow, as the file watcher reports each change.
#[test]
fn serve_follows_added_renamed_and_deleted_trials() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("good/minimal"), &site);
    let (_server, port) = start(&site);
    wait_for(port, "the first build", |v| v["version"] == 1);
    let demo = std::fs::read_to_string(site.join("content/trials/demo.md")).unwrap();
    let other = demo
        .replace("DEMO: a small trial", "OTHER: a new trial")
        .replace("acronym: DEMO", "acronym: OTHER");

    // A new page bundle (its folder created with the file in it).
    let bundle = site.join("content/trials/other");
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("index.md"), &other).unwrap();
    eventually("the new trial", || {
        get(port, "/trials/").2.contains("OTHER: a new trial")
            && get(port, "/trials/other/").0 == 200
    });

    // The folder renamed: the old URL goes, the new one comes.
    std::fs::rename(&bundle, site.join("content/trials/renamed")).unwrap();
    eventually("the rename", || {
        get(port, "/trials/other/").0 == 404 && get(port, "/trials/renamed/").0 == 200
    });

    // Deleted: gone from the listing.
    std::fs::remove_dir_all(site.join("content/trials/renamed")).unwrap();
    eventually("the deletion", || {
        !get(port, "/trials/").2.contains("OTHER: a new trial")
            && get(port, "/trials/renamed/").0 == 404
    });
    let v = wait_for(port, "no errors", |v| v["errors"] == serde_json::json!([]));
    assert!(v["version"].as_u64().unwrap() >= 4, "{v}");
}

/// Wait up to 20 s for `ok` to hold.
fn eventually(what: &str, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The release story in a preview: what the next release will say, then
/// the release itself picked up from `history/` while serving.
#[test]
fn serve_shows_the_changes_since_the_latest_version_and_picks_up_a_release() {
    let t = tempfile::tempdir().unwrap();
    let site = t.path().join("site");
    copy_dir(&fixture("release/story/before"), &site);
    let release = |note: &str, date: &str| {
        let o = appraise(&[
            "release",
            note,
            "--root",
            site.to_str().unwrap(),
            "--date",
            date,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    release("LeoPARDS only", "2026-11-20");
    let (_server, port) = start(&site);
    wait_for(port, "the first build", |v| v["version"] == 1);
    let topic = || get(port, "/topics/levosimendan/").2;
    assert!(
        topic().contains("<strong>Changes since version 1</strong> (not released; shown in previews only): No change to the evidence.</p>"),
        "{}",
        topic()
    );
    copy_dir(&fixture("release/story/levoecmo"), &site);
    eventually("the unreleased change", || {
        topic().contains("<strong>Changes since version 1</strong> (not released; shown in previews only): + LEVOECMO (2026). RR 1.12 (0.87 to 1.43) → 1.13 (0.90 to 1.41); trials 1 → 2;")
    });
    release("LEVOECMO published", "2026-12-01");
    eventually("version 2", || {
        let page = topic();
        page.contains("<strong>Version 2 (2026-12-01):</strong> + LEVOECMO (2026).")
            && page.contains("<strong>Changes since version 2</strong> (not released; shown in previews only): No change to the evidence.</p>")
            && get(port, "/changes/").2.contains("<h2 id=\"h-version-2\">Version 2 (2026-12-01)</h2>")
    });
}
