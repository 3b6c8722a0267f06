//! `appraise serve`: a local preview that rebuilds when a file changes and
//! reloads the browser.
//!
//! The site is built for `http://127.0.0.1:PORT/` by the incremental
//! engine ([`crate::incremental`]), which keeps the output in memory (nothing
//! is written to disk), and served from memory. The operating system's file
//! notifications (the `notify` crate: inotify on Linux, FSEvents on macOS)
//! say which files under `content/`, `static/`, `templates/` or `themes/`
//! changed; only those are read again ([`discover::refresh`]), and only the
//! pages they affect are rendered again. When the build succeeds the new
//! site is swapped in and a version number bumped. Every HTML page served gets a small
//! script that polls `/__appraise/status`: a new version reloads the page; a
//! failed build shows its errors (file:line:col) over the last good site,
//! which stays on screen.
//!
//! Safety: the server listens on 127.0.0.1 only and answers only requests
//! whose `Host` header is `127.0.0.1:PORT` or `localhost:PORT` (the port it
//! bound; the bare name also when that port is 80). Any other Host gets
//! `403 Forbidden`: a web page on another site cannot use DNS rebinding (its
//! own name pointed at 127.0.0.1) to read the preview, drafts included. At
//! most [`MAX_CONNECTIONS`] connections are handled at once; one more is
//! answered `503 Service Unavailable` (with `Retry-After: 1`) at once rather
//! than queued, so a client that opens many idle connections cannot make
//! the preview hang. Idle, the server costs one blocking `accept` and one
//! blocking wait for file events: no CPU. Where files cannot be watched (a
//! watch limit reached, a file system without notifications) it falls back
//! to a metadata-only walk every [`POLL`] and says so at start.
//!
//! Why the HTTP server is written here rather than taken from a crate: the
//! preview only answers `GET`/`HEAD` for files it already holds, on
//! 127.0.0.1, one request per connection, and never reads a request body —
//! about a hundred lines on `std::net`. The usual choices are wrong for that:
//! axum + tower-http + tower-livereload bring tokio and ~60 crates (minutes of
//! compile on a 2-core machine for a dev-only feature), and tiny_http is
//! unmaintained with an open request-smuggling report. Watching files is
//! taken from `notify` (what mdBook, Zola and cargo-watch use): it knows each
//! platform's API and its pitfalls, and adds five small crates on Linux.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, RwLock};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::discover::{self, Sources, TREES};
use crate::incremental::Engine;
use crate::pipeline::Options;

/// What to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Site root (holds `content/`).
    pub root: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Include draft pages.
    pub drafts: bool,
    /// Print the time each stage of every rebuild took.
    pub timings: bool,
    /// The day of `SOURCE_DATE_EPOCH`, read by the command line.
    pub source_date: Option<crate::model::Date>,
}

/// The site being served and the state of the last build.
#[derive(Default)]
struct State {
    /// Output path (`trials/leopards/index.html`) → bytes.
    files: Arc<BTreeMap<String, Arc<[u8]>>>,
    /// Bumped after every successful build.
    version: u64,
    /// The errors of the last build, when it failed (empty otherwise).
    errors: Vec<String>,
}

type Shared = Arc<RwLock<State>>;

/// How often the files are looked at when they cannot be watched.
pub const POLL: Duration = Duration::from_millis(300);

/// How long after a change the watcher waits for more before rebuilding.
pub const SETTLE: Duration = Duration::from_millis(30);

/// Connections handled at once; one more is answered 503 straight away.
pub const MAX_CONNECTIONS: usize = 64;

/// Decrements the count of open connections when a handler ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The script added to every HTML page served.
const RELOAD_SCRIPT: &str = r#"<script>(()=>{let v=null;const show=e=>{let d=document.getElementById("appraise-serve-errors");if(!e.length){if(d)d.remove();return}if(!d){d=document.createElement("pre");d.id="appraise-serve-errors";d.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;margin:0;padding:1rem;background:#3a1a1d;color:#fbe9ea;font:13px/1.45 ui-monospace,monospace;white-space:pre-wrap;z-index:2147483647";document.body.appendChild(d)}d.textContent="appraise: the last build failed; this is the last good version of the site.\n\n"+e.join("\n")};const tick=()=>fetch("/__appraise/status",{cache:"no-store"}).then(r=>r.json()).then(s=>{if(v!==null&&s.version!==v){location.reload();return}v=s.version;show(s.errors)}).catch(()=>{}).finally(()=>setTimeout(tick,700));tick()})();</script>"#;

/// Build, serve and rebuild on change until the process is stopped.
/// Returns only on a setup error (the port is taken).
pub fn serve(opts: &ServeOptions) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", opts.port))?;
    let port = listener.local_addr()?.port();
    let base_url = format!("http://127.0.0.1:{port}/");
    // Watchers report absolute paths; compare them with an absolute root.
    let root = std::fs::canonicalize(&opts.root).unwrap_or_else(|_| opts.root.clone());
    let build_opts = Options {
        root: root.clone(),
        output: None,
        base_url: Some(base_url.clone()),
        drafts: opts.drafts,
        force: false,
        keep_files: false,
        cache: false,
        // A preview shows the author what the next release will say.
        unreleased: true,
        source_date: opts.source_date,
    };
    let state: Shared = Arc::default();
    let (tx, rx) = mpsc::channel();
    let watcher = watch(&root, tx);
    let mut preview = Preview {
        timings: opts.timings,
        opts: build_opts,
        engine: Engine::new(),
        sources: Sources::default(),
    };
    preview.rebuild(None, &state);
    let how = match &watcher {
        Ok(_) => "rebuilds when a file changes",
        Err(_) => "cannot watch the files; looking for changes every 300 ms",
    };
    println!("serving the site at {base_url} ({how}; Ctrl-C to stop)");
    let _ = io::stdout().flush();

    let watch_state = Arc::clone(&state);
    std::thread::spawn(move || match watcher {
        Ok(w) => preview.on_events(w, &rx, &watch_state),
        Err(_) => preview.poll(&watch_state),
    });

    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::SeqCst);
            busy(stream);
            continue;
        }
        let slot = Slot(Arc::clone(&open));
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let mut stream = stream;
            let _ = handle(&mut stream, &state, port);
            // The slot is free before the client can see the connection
            // close, so a client that was answered and connects again at
            // once is never counted twice.
            drop(slot);
            drop(stream);
        });
    }
    Ok(())
}

/// What the watcher sends: the paths that changed, or `None` when the
/// watcher lost events and the whole site must be read again.
type Changes = Option<Vec<PathBuf>>;

/// Watch the five trees recursively, and the site folder itself (not
/// recursively) so that a tree created later is seen. Events that only
/// read a file (a build reading its sources) are not changes.
fn watch(root: &Path, tx: mpsc::Sender<Changes>) -> notify::Result<RecommendedWatcher> {
    let tree_root = root.to_path_buf();
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let msg = match res {
            Ok(ev) if ev.need_rescan() => None,
            Ok(ev) if matches!(ev.kind, EventKind::Access(_)) => return,
            Ok(ev) => {
                let paths: Vec<PathBuf> = ev
                    .paths
                    .into_iter()
                    .filter(|p| {
                        p.strip_prefix(&tree_root)
                            .ok()
                            .and_then(|r| r.components().next())
                            .is_some_and(|c| TREES.iter().any(|t| c.as_os_str() == *t))
                    })
                    .collect();
                if paths.is_empty() {
                    return;
                }
                Some(paths)
            }
            Err(_) => None,
        };
        let _ = tx.send(msg);
    })?;
    w.watch(root, RecursiveMode::NonRecursive)?;
    for t in TREES {
        let dir = root.join(t);
        if dir.is_dir() {
            w.watch(&dir, RecursiveMode::Recursive)?;
        }
    }
    Ok(w)
}

/// The preview's builder: the sources in memory and the engine that
/// rebuilds only what changed.
struct Preview {
    opts: Options,
    timings: bool,
    engine: Engine,
    sources: Sources,
}

impl Preview {
    /// Wait for changes; after the first, gather what follows within
    /// [`SETTLE`] (an editor's save is several events), then rebuild.
    fn on_events(
        &mut self,
        mut w: RecommendedWatcher,
        rx: &mpsc::Receiver<Changes>,
        state: &Shared,
    ) {
        let mut watched: Vec<bool> = TREES
            .iter()
            .map(|t| self.opts.root.join(t).is_dir())
            .collect();
        while let Ok(first) = rx.recv() {
            let mut changes = first;
            while let Ok(more) = rx.recv_timeout(SETTLE) {
                changes = match (changes, more) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            // A tree created since the start is watched from now on (a
            // watch walks the whole tree: only once per tree).
            for (t, seen) in TREES.iter().zip(&mut watched) {
                let dir = self.opts.root.join(t);
                if !dir.is_dir() {
                    *seen = false;
                } else if !*seen {
                    *seen = w.watch(&dir, RecursiveMode::Recursive).is_ok();
                }
            }
            self.rebuild(changes, state);
        }
    }

    /// Without a watcher: look at the files' metadata every [`POLL`].
    fn poll(&mut self, state: &Shared) {
        let mut fingerprint = discover::fingerprint(&self.opts.root);
        loop {
            std::thread::sleep(POLL);
            let now = discover::fingerprint(&self.opts.root);
            if now == fingerprint {
                continue;
            }
            // Let an editor finish saving (several writes) before building.
            std::thread::sleep(POLL / 3);
            if discover::fingerprint(&self.opts.root) != now {
                continue;
            }
            fingerprint = now;
            self.rebuild(None, state);
        }
    }

    /// Bring the sources up to date (`changes`, or everything when `None`),
    /// rebuild what they change; on success swap the new site in, else keep
    /// the old one and record the errors. Prints what a build prints.
    fn rebuild(&mut self, changes: Changes, state: &Shared) {
        let start = std::time::Instant::now();
        let (diags, changed) = match changes {
            Some(paths) => {
                let d = discover::refresh(&self.opts.root, &mut self.sources, &paths);
                let rel: Vec<String> = paths
                    .iter()
                    .filter_map(|p| discover::rel_path(&self.opts.root, p))
                    .collect();
                (d, Some(rel))
            }
            None => {
                let (s, d) = discover::discover(&self.opts.root);
                self.sources = s;
                (d, None)
            }
        };
        let cpu = cpu_time();
        let discovered = start.elapsed();
        let (mut r, redone) =
            self.engine
                .rebuild(&self.sources, changed.as_deref(), diags, &self.opts);
        r.elapsed = start.elapsed();
        if self.timings {
            let stages: Vec<String> = std::iter::once(("discover", discovered))
                .chain(r.timings.iter().copied())
                .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1000.0))
                .collect();
            // The CPU this process used meanwhile (every thread, including
            // the few the server spends answering requests), beside the
            // wall time: on a busy machine the wall time says little.
            let used = cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
            let used = used.map_or(String::new(), |d| {
                format!(", cpu {:.1} ms", d.as_secs_f64() * 1000.0)
            });
            eprintln!(
                "timings: {}; total {:.1} ms{used}",
                stages.join(", "),
                r.elapsed.as_secs_f64() * 1000.0
            );
        }
        eprint!("{}", r.diagnostics);
        let mut s = match state.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if r.failed() {
            s.errors = r
                .diagnostics
                .iter()
                .filter(|d| d.severity == crate::diag::Severity::Error)
                .map(|d| d.to_string().trim_end().to_string())
                .collect();
            eprintln!(
                "build failed: {} error(s); still serving the last good site",
                s.errors.len()
            );
            return;
        }
        // Reload open pages only when the site really changed (saving a file
        // without changes, or a change that renders the same, does not).
        if redone.changed_files > 0 || !s.errors.is_empty() || s.version == 0 {
            s.version += 1;
        }
        let last = std::mem::replace(&mut s.files, Arc::clone(self.engine.output()));
        s.errors.clear();
        // Requests wait on the lock: the last site (10,000 pages' files,
        // about 15 ms to free) is let go only once they see the new one.
        drop(s);
        drop(last);
        eprintln!(
            "{} ({} pages rendered again, {} files changed)",
            r.summary(),
            redone.rendered,
            redone.changed_files
        );
    }
}

/// The user and system CPU time this process has used so far, where the
/// system says (Linux); for `--timings`.
fn cpu_time() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage fills the struct it is given and reads nothing else.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let t = |tv: libc::timeval| {
                Duration::from_secs(tv.tv_sec.max(0) as u64)
                    + Duration::from_micros(tv.tv_usec.max(0) as u64)
            };
            return Some(t(u.ru_utime) + t(u.ru_stime));
        }
    }
    None
}

/// What a request needs from the shared state, copied out so that no lock
/// is held while writing to a (possibly slow) client.
enum Found {
    /// A file: its content type and bytes.
    File(&'static str, Arc<[u8]>),
    /// A folder asked for without its trailing slash.
    Redirect(String),
    /// Nothing there: the site's 404 page, if it has one.
    Missing(Option<Arc<[u8]>>),
    /// No good build yet: show the errors and wait for one.
    NoSite,
}

/// Answer a connection over [`MAX_CONNECTIONS`] with 503, on the accept
/// thread and in bounded time: read what the client sent within 50 ms (so
/// that closing does not reset the connection before it reads the answer),
/// then answer.
fn busy(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
    let mut chunk = [0u8; 4096];
    let _ = stream.read(&mut chunk);
    let msg = format!("appraise serve is busy ({MAX_CONNECTIONS} connections open); try again\n");
    let _ = respond(&mut stream, 503, "text/plain", msg.as_bytes(), true, None);
    // Close our side, then read until the client closes (for at most half
    // a second): a request that arrives late is read, not answered with a
    // reset that would destroy the answer before the client reads it.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let until = std::time::Instant::now() + Duration::from_millis(500);
    while std::time::Instant::now() < until {
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 => continue,
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                continue
            }
            _ => break,
        }
    }
}

/// Whether the request head names this server in its `Host` header:
/// `127.0.0.1:PORT` or `localhost:PORT` (any case), or the bare name when
/// the port is 80. Exactly one Host header is required.
fn host_allowed(head: &str, port: u16) -> bool {
    let mut hosts = head
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) => (n, p.parse::<u16>().ok()),
        None => (host.as_str(), Some(80)),
    };
    (name == "127.0.0.1" || name == "localhost") && p == Some(port)
}

/// Answer one request.
fn handle(stream: &mut TcpStream, state: &Shared, port: u16) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let end_of_head =
        |h: &[u8]| h.windows(4).any(|w| w == b"\r\n\r\n") || h.windows(2).any(|w| w == b"\n\n");
    while !end_of_head(&head) {
        if head.len() > 16 * 1024 {
            let msg = b"request head too large\n";
            return respond(stream, 431, "text/plain", msg, true, None);
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or("").split_whitespace();
    let method = words.next().unwrap_or("");
    let target = words.next().unwrap_or("/");
    let send_body = method != "HEAD";
    if !host_allowed(&head, port) {
        let msg = format!(
            "appraise serve answers only requests for http://127.0.0.1:{port}/ or http://localhost:{port}/\n"
        );
        return respond(stream, 403, "text/plain", msg.as_bytes(), send_body, None);
    }
    if method != "GET" && method != "HEAD" {
        let msg = b"GET or HEAD only\n";
        return respond(stream, 405, "text/plain", msg, true, None);
    }
    let path = percent_decode(target.split(['?', '#']).next().unwrap_or("/"));
    let key = path.trim_start_matches('/');
    let key = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_string()
    };
    // Copy out what is needed, then let go of the lock before any I/O: a
    // slow client must never hold up a rebuild (or, through it, everyone).
    let (version, found, status) = {
        let state = match state.read() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let status = (path == "/__appraise/status").then(|| {
            serde_json::json!({ "version": state.version, "errors": state.errors }).to_string()
        });
        let found = if state.files.is_empty() {
            Found::NoSite
        } else if let Some(bytes) = state.files.get(&key) {
            Found::File(content_type(&key), Arc::clone(bytes))
        } else if state.files.contains_key(&format!("{key}/index.html")) {
            // Built from the key, never from the raw path: `//x` must not
            // become a redirect to another host.
            Found::Redirect(format!("/{}/", key.trim_end_matches('/')))
        } else {
            Found::Missing(state.files.get("404.html").cloned())
        };
        (state.version, found, status)
    };
    if let Some(body) = status {
        let ctype = "application/json";
        return respond(stream, 200, ctype, body.as_bytes(), send_body, None);
    }
    let html = "text/html; charset=utf-8";
    match found {
        Found::File(ctype, bytes) => {
            let body = with_reload_script(ctype, &bytes, version);
            respond(stream, 200, ctype, &body, send_body, None)
        }
        Found::Redirect(to) => respond(stream, 301, "text/plain", b"", send_body, Some(&to)),
        Found::Missing(page) => {
            let body = match page {
                Some(b) => with_reload_script(html, &b, version),
                None => b"Not found\n".to_vec(),
            };
            respond(stream, 404, html, &body, send_body, None)
        }
        Found::NoSite => {
            let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                <title>appraise: waiting for a good build</title></head><body>\
                <p>appraise has no good build of this site yet. Fix the errors below \
                and this page reloads.</p></body></html>";
            let body = with_reload_script(html, page.as_bytes(), version);
            respond(stream, 503, html, &body, send_body, None)
        }
    }
}

/// The page with the reload script before `</body>` (HTML only). The
/// script starts from the version the page was built from, so a rebuild that
/// lands before its first poll still reloads it.
fn with_reload_script(ctype: &str, bytes: &[u8], version: u64) -> Vec<u8> {
    if !ctype.starts_with("text/html") {
        return bytes.to_vec();
    }
    let script = RELOAD_SCRIPT.replace("let v=null;", &format!("let v={version};"));
    let html = String::from_utf8_lossy(bytes);
    match html.rfind("</body>") {
        Some(i) => format!("{}{script}{}", &html[..i], &html[i..]).into_bytes(),
        None => format!("{html}{script}").into_bytes(),
    }
}

fn respond(
    stream: &mut TcpStream,
    code: u16,
    ctype: &str,
    body: &[u8],
    send_body: bool,
    location: Option<&str>,
) -> io::Result<()> {
    let reason = match code {
        200 => "OK",
        301 => "Moved Permanently",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };
    let mut head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(l) = location {
        head.push_str(&format!("Location: {l}\r\n"));
    }
    if code == 503 {
        head.push_str("Retry-After: 1\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if send_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// `%20` → space and so on; invalid escapes are kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Content type by file extension.
fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_decode_and_bad_ones_stay() {
        assert_eq!(
            percent_decode("/tags/septic%20shock/"),
            "/tags/septic shock/"
        );
        assert_eq!(percent_decode("/a%zz"), "/a%zz");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("/caf%C3%A9"), "/café");
    }

    #[test]
    fn only_this_servers_own_host_names_are_answered() {
        let req = |host: &str| format!("GET / HTTP/1.1\r\n{host}\r\n\r\n");
        for ok in [
            "Host: 127.0.0.1:4000",
            "Host: localhost:4000",
            "host:LOCALHOST:4000",
            "Host:  127.0.0.1:4000  ",
        ] {
            assert!(host_allowed(&req(ok), 4000), "{ok}");
        }
        for bad in [
            "Host: evil.example:4000",
            "Host: 127.0.0.1:4001",
            "Host: localhost",
            "Host: 127.0.0.1.evil.example:4000",
            "Host: [::1]:4000",
            "X-Forwarded-Host: localhost:4000",
            "Host: localhost:4000\r\nHost: evil.example:4000",
            "",
        ] {
            assert!(!host_allowed(&req(bad), 4000), "{bad}");
        }
        assert!(host_allowed(
            "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            80
        ));
        // A Host line in the body is not a header.
        assert!(!host_allowed(
            "GET / HTTP/1.1\r\n\r\nHost: localhost:4000",
            4000
        ));
    }

    #[test]
    fn the_reload_script_goes_into_html_only() {
        let html = with_reload_script(
            "text/html; charset=utf-8",
            b"<html><body><p>x</p></body></html>",
            7,
        );
        let html = String::from_utf8(html).unwrap();
        assert!(html.ends_with("</script></body></html>"), "{html}");
        assert!(html.contains("let v=7;"), "{html}");
        let css = with_reload_script("text/css; charset=utf-8", b"body{}", 7);
        assert_eq!(css, b"body{}");
    }
}
