//! Discover: the only stage that reads the disk.
//!
//! Walks `content/`, `history/`, `static/`, `templates/` and `themes/` under the site
//! root with walkdir (sorted by file name, symlinks not followed, so a link
//! cannot pull files from outside the site), classifies each file and reads
//! its bytes. Hidden files and folders (a name starting with `.`) and
//! editor scratch files are skipped, so `content/.git/` or a `.secret/`
//! folder is never published. Everything after this stage works on the returned
//! [`Sources`] in memory, so every later stage is testable without a disk.
//! Bytes are not decoded here: whether a page is valid UTF-8 is the parse
//! stage's question, so that it can be reported with the others.

use std::path::Path;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::cache::{FileStamp, SETTLED_NANOS};
use crate::diag::{Diagnostic, Diagnostics};

/// What a discovered file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A Markdown page under `content/` (`.md`).
    Page,
    /// A CSV data table under `content/` (outcome rows of a page bundle).
    DataCsv,
    /// Any other file under `content/`: copied beside its page.
    Asset,
    /// A file under `static/`: copied to the output root unchanged.
    Static,
    /// A template under the site's own `templates/` (overrides the theme).
    SiteTemplate,
    /// A file of a theme on disk, under `themes/<name>/`.
    ThemeFile,
    /// A released version under `history/` (`history/0002.json`), written
    /// by `appraise release` and read by every build ([`crate::history`]).
    History,
}

/// One file of the site, read into memory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root, `/`-separated, e.g. `content/trials/leopards/index.md`.
    pub rel_path: String,
    /// What the file is.
    pub kind: FileKind,
    /// The file's bytes, undecoded.
    pub bytes: Vec<u8>,
}

/// Everything discover found, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// All files, sorted by `rel_path`.
    pub files: Vec<SourceFile>,
}

impl Sources {
    /// Files of one kind, in path order.
    pub fn of_kind(&self, kind: FileKind) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(move |f| f.kind == kind)
    }
}

/// Walk the site at `root` and read every file the build may need.
///
/// Problems (an unreadable file, a missing `content/` directory) become
/// diagnostics; the walk goes on.
pub fn discover(root: &Path) -> (Sources, Diagnostics) {
    let (sources, diags, _) = discover_known(root, |_| None);
    (sources, diags)
}

/// What [`discover_known`] found besides the files it read.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    /// Pages not read, because `known` gave the stamp they have: their
    /// [`SourceFile::bytes`] are empty.
    pub unread: std::collections::HashSet<String>,
    /// The stamp of every page, read or not, unless the file changed too
    /// recently for its stamp to be trusted ([`crate::cache::SETTLED_NANOS`]).
    pub stamps: std::collections::HashMap<String, FileStamp>,
}

/// [`discover`], reading no page whose stamp is the one `known` gives for
/// its path (the build cache's, [`crate::cache::SourceCache`]): such a
/// page is in [`Sources`] with no bytes, and listed in [`Listed::unread`].
/// The clock is read only to tell whether a stamp has settled.
pub fn discover_known(
    root: &Path,
    known: impl Fn(&str) -> Option<FileStamp> + Sync,
) -> (Sources, Diagnostics, Listed) {
    let mut diags = Diagnostics::new();
    let content = root.join("content");
    if !content.is_dir() {
        diags.push(
            Diagnostic::error("content", 0, 0, format!("no content/ directory in {}", root.display()))
                .with_hint("run `appraise build` from the site's folder, pass --root DIR, or create a site with `appraise init DIR`"),
        );
        return (Sources::default(), diags, Listed::default());
    }
    let found = walk(root, &mut diags);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let read: Vec<Result<(SourceFile, Option<FileStamp>, bool), Diagnostic>> = found
        .into_par_iter()
        .map(|(rel_path, kind, path, stamp)| {
            let stamp = stamp.filter(|_| kind == FileKind::Page);
            let settled = stamp.filter(|s| now - s.changed.max(s.modified) > SETTLED_NANOS);
            if stamp.is_some() && known(&rel_path) == stamp {
                let file = SourceFile {
                    rel_path,
                    kind,
                    bytes: Vec::new(),
                };
                return Ok((file, settled, true));
            }
            match std::fs::read(&path) {
                Ok(bytes) => Ok((
                    SourceFile {
                        rel_path,
                        kind,
                        bytes,
                    },
                    settled,
                    false,
                )),
                Err(e) => Err(Diagnostic::error(
                    &rel_path,
                    0,
                    0,
                    format!("cannot read: {e}"),
                )),
            }
        })
        .collect();
    let mut files = Vec::with_capacity(read.len());
    let mut listed = Listed::default();
    for r in read {
        match r {
            Ok((f, stamp, unread)) => {
                if let Some(s) = stamp {
                    listed.stamps.insert(f.rel_path.clone(), s);
                }
                if unread {
                    listed.unread.insert(f.rel_path.clone());
                }
                files.push(f);
            }
            Err(d) => diags.push(d),
        }
    }
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    (Sources { files }, diags, listed)
}

/// Every file of the trees under `root`: its path relative to the root,
/// kind, path on disk and stamp.
fn walk(
    root: &Path,
    diags: &mut Diagnostics,
) -> Vec<(String, FileKind, std::path::PathBuf, Option<FileStamp>)> {
    let mut found = Vec::new();
    for dir in TREES {
        let classify = classifier(dir).expect("one of the trees");
        let base = root.join(dir);
        if !base.is_dir() {
            continue;
        }
        let walk = WalkDir::new(&base).follow_links(false).sort_by_file_name();
        for entry in walk.into_iter().filter_entry(|e| !is_hidden_dir(dir, e)) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let p = e
                        .path()
                        .map(|p| rel(root, p))
                        .unwrap_or_else(|| dir.to_string());
                    diags.push(Diagnostic::error(&p, 0, 0, format!("cannot read: {e}")));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let rel_path = rel(root, entry.path());
            if is_scratch(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let stamp = entry.metadata().ok().and_then(|m| stamp_of(&m));
            let kind = classify(&rel_path);
            found.push((rel_path, kind, entry.into_path(), stamp));
        }
    }
    found
}

/// A file's stamp ([`FileStamp`]); none where the file system does not
/// give a status-change time and an inode.
#[cfg(unix)]
fn stamp_of(m: &std::fs::Metadata) -> Option<FileStamp> {
    use std::os::unix::fs::MetadataExt;
    let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
    Some(FileStamp {
        len: m.len(),
        modified: ns(m.mtime(), m.mtime_nsec()),
        changed: ns(m.ctime(), m.ctime_nsec()),
        inode: m.ino(),
    })
}

/// A file's stamp ([`FileStamp`]); none where the file system does not
/// give a status-change time and an inode.
#[cfg(not(unix))]
fn stamp_of(_: &std::fs::Metadata) -> Option<FileStamp> {
    None
}

/// Files no build reads: hidden files (`.DS_Store`, Vim's `.x.swp`), Emacs
/// autosaves (`#x#`) and backups (`x~`). Saving them must not trigger a
/// rebuild in `appraise serve` either.
fn is_scratch(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~')
}

/// Folders no build reads, with everything under them: any folder whose
/// name starts with `.` (`content/.git/`, `content/trials/.secret/`, a
/// theme's `.git/`), so a hidden folder is never published. The one
/// exception is `static/.well-known/` (`security.txt` and the like), which
/// is meant to be served. `tree` is the top folder being walked.
fn is_hidden_dir(tree: &str, e: &walkdir::DirEntry) -> bool {
    e.depth() > 0
        && e.file_type().is_dir()
        && hidden_folder(tree, e.depth(), &e.file_name().to_string_lossy())
}

/// Whether the folder `name`, `depth` levels under the top of `tree`
/// (1: directly in it), is hidden: the one rule of [`is_hidden_dir`] (the
/// walk) and [`kind_of`] (one path).
fn hidden_folder(tree: &str, depth: usize, name: &str) -> bool {
    name.starts_with('.') && !(tree == "static" && depth == 1 && name == ".well-known")
}

/// The folders under the site root that builds read.
pub const TREES: [&str; 5] = ["content", "history", "static", "templates", "themes"];

/// How the files of `tree` are classified; `None` for another folder.
fn classifier(tree: &str) -> Option<fn(&str) -> FileKind> {
    Some(match tree {
        "content" => classify_content,
        "history" => |_| FileKind::History,
        "static" => |_| FileKind::Static,
        "templates" => |_| FileKind::SiteTemplate,
        "themes" => |_| FileKind::ThemeFile,
        _ => return None,
    })
}

/// What discover makes of the file at `rel_path` (relative to the site
/// root, `/`-separated): its kind, or `None` when no build reads it (outside
/// the five trees, hidden, or scratch). The same rules as the walk in
/// [`discover`], applied to one path.
pub fn kind_of(rel_path: &str) -> Option<FileKind> {
    let parts: Vec<&str> = rel_path.split('/').collect();
    let (tree, rest) = parts.split_first()?;
    let (name, dirs) = rest.split_last()?;
    let classify = classifier(tree)?;
    let hidden = dirs
        .iter()
        .enumerate()
        .any(|(i, d)| hidden_folder(tree, i + 1, d));
    (!hidden && !is_scratch(name)).then(|| classify(rel_path))
}

/// Bring `sources` up to date after the files or folders at `changed`
/// (absolute paths under `root`, as a file watcher reports them) were
/// created, modified, removed or renamed: each path that is now a file is
/// read again, a folder is walked again, and whatever no longer exists is
/// dropped. `sources` stays sorted. Problems become diagnostics.
pub fn refresh(root: &Path, sources: &mut Sources, changed: &[std::path::PathBuf]) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let files = &mut sources.files;
    for path in changed {
        let Some(rel_path) = rel_path(root, path).filter(|r| !r.is_empty()) else {
            continue;
        };
        // Whatever was at or under this path is read again or dropped. The
        // names under `x/` are together in path order, but not next to `x`
        // itself (`x-y` sorts between them).
        if let Ok(i) = files.binary_search_by(|f| f.rel_path.as_str().cmp(&rel_path)) {
            files.remove(i);
        }
        let under = format!("{rel_path}/");
        let from = files.partition_point(|f| f.rel_path < under);
        let n = files[from..]
            .iter()
            .take_while(|f| f.rel_path.starts_with(&under))
            .count();
        files.drain(from..from + n);
        for (rel_path, path) in files_at(root, path) {
            let Some(kind) = kind_of(&rel_path) else {
                continue;
            };
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let f = SourceFile {
                        rel_path,
                        kind,
                        bytes,
                    };
                    match files.binary_search_by(|g| g.rel_path.cmp(&f.rel_path)) {
                        Ok(i) => files[i] = f,
                        Err(i) => files.insert(i, f),
                    }
                }
                Err(e) => diags.push(Diagnostic::error(
                    &rel_path,
                    0,
                    0,
                    format!("cannot read: {e}"),
                )),
            }
        }
    }
    diags
}

/// The files at `path`: itself if it is a file, everything under it if it
/// is a folder (symlinks not followed), nothing if it is gone.
fn files_at(root: &Path, path: &Path) -> Vec<(String, std::path::PathBuf)> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => WalkDir::new(path)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| (rel(root, e.path()), e.into_path()))
            .collect(),
        Ok(m) if m.is_file() => vec![(rel(root, path), path.to_path_buf())],
        _ => Vec::new(),
    }
}

/// `path` (absolute, under `root`) relative to the site root, as
/// [`SourceFile::rel_path`] spells it; `None` outside `root`.
pub fn rel_path(root: &Path, path: &Path) -> Option<String> {
    path.strip_prefix(root).ok().map(|_| rel(root, path))
}

/// Read one file given on the command line (`appraise import FILE`).
pub fn read_one(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// Read one file given on the command line, refusing one over `max` bytes
/// without reading more than `max + 1` of them (a huge or endless file
/// cannot fill the memory).
pub fn read_one_capped(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    (std::fs::File::open(path)?.take(max as u64 + 1)).read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is over {max} bytes, more than a record may be"),
        ));
    }
    Ok(bytes)
}

/// The bytes of the site's page `root/rel`, or `None` when there is no
/// file of that name; a symlink in its place is refused (an import
/// updates only a page of the site itself).
pub fn read_page_at(root: &Path, rel: &str) -> std::io::Result<Option<Vec<u8>>> {
    let path = root.join(rel);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "refusing to read or update the page: it is a symlink",
        )),
        Ok(m) if !m.is_file() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a file",
        )),
        Ok(_) => std::fs::read(&path).map(Some),
    }
}

/// A cheap summary of the site's files for `appraise serve`: changes when
/// any file under `content/`, `history/`, `static/`, `templates/` or `themes/` is added,
/// removed, resized or modified (path, length and modification time; no
/// file is read). Equal fingerprints mean "nothing to rebuild".
pub fn fingerprint(root: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for dir in TREES {
        let base = root.join(dir);
        dir.hash(&mut h);
        if !base.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&base)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !is_hidden_dir(dir, e))
            .flatten()
        {
            if !entry.file_type().is_file() || is_scratch(&entry.file_name().to_string_lossy()) {
                continue;
            }
            entry.path().hash(&mut h);
            if let Ok(m) = entry.metadata() {
                m.len().hash(&mut h);
                if let Ok(t) = m.modified() {
                    t.hash(&mut h);
                }
            }
        }
    }
    h.finish()
}

/// The bytes of the build cache's file `name` (`.appraise-cache/build.json`,
/// a shard [`crate::cache::sources_file`] or [`crate::cache::LISTS_FILE`]
/// in the site's folder), when there is
/// one; a missing or unreadable cache is none (it is rebuilt). A link in
/// its place is not followed.
pub fn read_cache(root: &Path, name: &str) -> Option<Vec<u8>> {
    std::fs::read(cache_file(root, name)?).ok()
}

/// The path of the build cache's file `name` in the site's folder `root`,
/// unless it or the cache folder is a link (or missing).
fn cache_file(root: &Path, name: &str) -> Option<std::path::PathBuf> {
    let dir = root.join(crate::cache::DIR);
    let file = dir.join(name);
    let regular =
        |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| !m.file_type().is_symlink());
    (regular(&dir) && regular(&file)).then_some(file)
}

/// The build cache's file `name` in the site's folder `root` (as
/// [`read_cache`] finds it), mapped into memory rather than read: the
/// parse cache's shards hold every page's body, which a build that renders
/// a few pages never reads ([`crate::parse::body`]). Read into memory
/// when it cannot be mapped (an empty file).
pub fn map_cache(root: &Path, name: &str) -> Option<crate::parse::body::Buffer> {
    let file = cache_file(root, name)?;
    let f = std::fs::File::open(&file).ok()?;
    // SAFETY: appraise never writes a cache file in place: a new one is
    // written beside it and renamed over it (`write::save_cache`), which
    // leaves this one's bytes as mapped. Another program writing into or
    // truncating the file while a build runs is undefined behaviour, as for
    // any mapped file (in practice: wrong bytes, or the process ends); a
    // cache folder is appraise's own (it has our CACHEDIR.TAG).
    match unsafe { memmap2::MmapOptions::new().map_copy_read_only(&f) } {
        Ok(map) if !map.is_empty() => Some(crate::parse::body::Buffer::mapped(map)),
        _ => std::fs::read(file).ok().map(Into::into),
    }
}

/// The regular files of the output folder `out` and their stamps (size,
/// modification time), for the build cache: nothing when it does not
/// exist. Links are not followed; the marker file is left out.
pub fn output_listing(out: &Path) -> crate::cache::Listing {
    let mut listing = crate::cache::Listing::new();
    if !std::fs::symlink_metadata(out).is_ok_and(|m| m.is_dir()) {
        return listing;
    }
    for entry in WalkDir::new(out).follow_links(false).into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let (Ok(m), path) = (entry.metadata(), rel(out, entry.path())) else {
            continue;
        };
        if let (Some(stamp), false) = (output_stamp(&m), path == crate::write::MARKER) {
            listing.insert(path, stamp);
        }
    }
    listing
}

/// The stamps of the files at `paths` (relative, with `/`) in the output
/// folder `out`, as [`output_listing`] would give them (regular files
/// only, links not followed): for the files a build has just written,
/// without walking the files it kept.
pub fn output_stamps<'p>(
    out: &Path,
    paths: impl Iterator<Item = &'p str>,
) -> crate::cache::Listing {
    paths
        .filter_map(|p| {
            let m = std::fs::symlink_metadata(out.join(p)).ok()?;
            let stamp = output_stamp(&m).filter(|_| m.is_file())?;
            Some((p.to_string(), stamp))
        })
        .collect()
}

/// An output file's stamp: its size and modification time.
fn output_stamp(m: &std::fs::Metadata) -> Option<crate::cache::Stamp> {
    let t = m.modified().ok()?;
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Some(crate::cache::Stamp {
        len: m.len(),
        secs: since.as_secs(),
        nanos: since.subsec_nanos(),
    })
}

fn classify_content(rel_path: &str) -> FileKind {
    let lower = rel_path.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        FileKind::Page
    } else if lower.ends_with(".csv") {
        FileKind::DataCsv
    } else {
        FileKind::Asset
    }
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_folders_are_not_part_of_the_site() {
        let t = tempfile::tempdir().unwrap();
        let w = |rel: &str| {
            let p = t.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "---\ntitle: x\n---\n").unwrap();
        };
        w("content/a.md");
        w("content/.git/config");
        w("content/.secret/b.md");
        w("content/trials/.drafts/c/index.md");
        w("static/.well-known/security.txt");
        w("static/.hidden/x.txt");
        w("themes/t/.git/HEAD");
        let before = fingerprint(t.path());
        let (s, d) = discover(t.path());
        assert!(d.is_empty(), "{d}");
        let paths: Vec<&str> = s.files.iter().map(|f| f.rel_path.as_str()).collect();
        assert_eq!(paths, ["content/a.md", "static/.well-known/security.txt"]);
        // Nor does a change inside one trigger a rebuild in `serve`.
        w("content/.git/index");
        assert_eq!(fingerprint(t.path()), before);
    }

    #[test]
    fn one_path_is_judged_as_the_walk_judges_it() {
        let t = tempfile::tempdir().unwrap();
        let all = [
            "content/a.md",
            "content/trials/x/outcomes.csv",
            "content/trials/x/fig.png",
            "content/.git/config",
            "content/trials/.drafts/c/index.md",
            "content/.a.md.swp",
            "content/a.md~",
            "static/.well-known/security.txt",
            "static/.hidden/x.txt",
            "static/css/.well-known/x.txt",
            "templates/trial.html",
            "themes/t/templates/base.html",
            "themes/t/.git/HEAD",
            "public/index.html",
            "notes.md",
        ];
        for rel in all {
            let p = t.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let (s, _) = discover(t.path());
        let walked: Vec<(&str, FileKind)> = s
            .files
            .iter()
            .map(|f| (f.rel_path.as_str(), f.kind))
            .collect();
        let mut judged: Vec<(&str, FileKind)> = all
            .iter()
            .filter_map(|r| kind_of(r).map(|k| (*r, k)))
            .collect();
        judged.sort_by_key(|(p, _)| *p);
        assert_eq!(walked, judged);
    }

    #[test]
    fn a_cache_file_is_mapped_with_its_bytes_and_links_are_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(crate::cache::DIR);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.bin"), b"shard bytes").unwrap();
        std::fs::write(dir.join("empty.bin"), b"").unwrap();
        std::fs::write(t.path().join("elsewhere.bin"), b"not ours").unwrap();
        std::os::unix::fs::symlink(t.path().join("elsewhere.bin"), dir.join("link.bin")).unwrap();
        let map = |name: &str| map_cache(t.path(), name).map(|b| b.to_vec());
        assert_eq!(map("a.bin").as_deref(), Some(&b"shard bytes"[..]));
        assert_eq!(map("empty.bin").as_deref(), Some(&b""[..]));
        assert_eq!(map("link.bin"), None);
        assert_eq!(map("missing.bin"), None);
        // Replaced the way appraise replaces it, the mapped bytes stay.
        let kept = map_cache(t.path(), "a.bin").unwrap();
        std::fs::write(dir.join(".a.tmp"), b"new bytes, longer than before").unwrap();
        std::fs::rename(dir.join(".a.tmp"), dir.join("a.bin")).unwrap();
        assert_eq!(&kept[..], b"shard bytes");
    }

    #[test]
    fn refresh_reads_changed_paths_again() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let w = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("content/a.md", "a");
        w("content/trials/x/index.md", "x");
        w("content/trials/x/outcomes.csv", "c");
        // Sorts between `x` and `x/`: must survive the removal of `x/`.
        w("content/trials/x-y/index.md", "xy");
        let (mut s, _) = discover(root);
        // Edit a file, add a folder, remove a folder, rename a file.
        w("content/a.md", "a2");
        w("content/trials/y/index.md", "y");
        std::fs::remove_dir_all(root.join("content/trials/x")).unwrap();
        w("content/b.md", "b");
        let changed = [
            "content/a.md",
            "content/trials/y",
            "content/trials/x",
            "content/b.md",
            "content/.b.md.swp",
        ]
        .map(|r| root.join(r));
        let d = refresh(root, &mut s, &changed);
        assert!(d.is_empty(), "{d}");
        let (fresh, _) = discover(root);
        let view = |s: &Sources| -> Vec<(String, Vec<u8>)> {
            s.files
                .iter()
                .map(|f| (f.rel_path.clone(), f.bytes.clone()))
                .collect()
        };
        assert_eq!(view(&s), view(&fresh));
    }

    #[test]
    fn editor_scratch_files_are_not_part_of_the_site() {
        for name in [".index.md.swp", ".DS_Store", "#index.md#", "index.md~"] {
            assert!(is_scratch(name), "{name}");
        }
        for name in ["index.md", "outcomes.csv", "c#-notes.md"] {
            assert!(!is_scratch(name), "{name}");
        }
        // Saving a scratch file leaves the fingerprint alone.
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("content")).unwrap();
        std::fs::write(t.path().join("content/a.md"), "x").unwrap();
        let before = fingerprint(t.path());
        std::fs::write(t.path().join("content/.a.md.swp"), "swap").unwrap();
        std::fs::write(t.path().join("content/#a.md#"), "autosave").unwrap();
        assert_eq!(fingerprint(t.path()), before);
        std::fs::write(t.path().join("content/a.md"), "xy").unwrap();
        assert_ne!(fingerprint(t.path()), before);
    }
}
