//! Write: the only stage that writes to the disk. It owns the output folder
//! (`public/` or `--output`), the files beside it (`.public.lock`, the
//! staging folder) and the two ways source files are created (`init`, and
//! `new`/`import` through [`write_new_file`]), and the one way a source file
//! is changed (a re-`import`, through [`replace_file`]).
//!
//! Guarantees of [`write_site`]:
//!
//! - **Nothing lost.** The output must not be, contain, or lie inside the
//!   site's folder, `content/`, `templates/`, `static/`, `themes/`, nor be
//!   or contain the current folder (paths compared once canonicalised, so
//!   symlinks, relative paths and `..` are seen through). No flag overrides
//!   this. An existing output is replaced only if it is empty or holds the
//!   marker file [`MARKER`] (`.appraise-output`) that every build writes;
//!   [`Destination::force`] overrides that marker check, and only it.
//! - **Atomic switch.** The build is written into a staging folder beside the
//!   output, then switched in with one `renameat2(RENAME_EXCHANGE)` on Linux:
//!   at every instant the output path holds the complete old or the complete
//!   new site. Where the exchange is unavailable (other systems, a file
//!   system answering `EINVAL`/`ENOSYS`), two renames are used, and a crash
//!   between them is repaired by the next build (the old tree is renamed
//!   back). A failed build never touches the last good output.
//! - **Only what changed is written.** A file whose bytes are the same as
//!   in the output being replaced is hard-linked from it into the staging
//!   folder rather than written again, so it keeps its modification time.
//! - **One writer at a time.** Builds into one output take an exclusive lock
//!   on `.<name>.lock` beside it (`flock`-style, released when the process
//!   ends, even by a crash); a second build waits for the first and then
//!   replaces its output whole. Leftover staging folders are removed only
//!   while holding that lock, so no build deletes another's work.
//!
//! [`write_new_file`] creates one source file and never writes through a
//! symlink that leads out of its top folder (`content/`).

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// One output file: a path relative to the output root, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators (`trials/leopards/index.html`).
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// The marker file every build writes at the top of its output: a folder
/// holding it was written by appraise and may be replaced by the next build.
pub const MARKER: &str = ".appraise-output";

/// What the marker file says to whoever opens it.
const MARKER_TEXT: &str =
    "This folder was written by `appraise build`. The next build replaces it\n\
whole: do not keep your own files here.\n";

/// Where a build goes, and what it must not destroy.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The output folder, as the user gave it (shown in errors).
    pub out: &'a Path,
    /// The site's folder (holds `content/`): never replaced, nor its sources.
    pub root: &'a Path,
    /// Replace an existing non-empty output that has no [`MARKER`].
    pub force: bool,
}

/// The folders a build must never replace, contain or write into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protected {
    Root,
    Content,
    Templates,
    Static,
    Themes,
    Cwd,
    Home,
}

impl Protected {
    fn what(self) -> &'static str {
        match self {
            Protected::Root => "the site's folder",
            Protected::Content => "the content folder",
            Protected::Templates => "the templates folder",
            Protected::Static => "the static folder",
            Protected::Themes => "the themes folder",
            Protected::Cwd => "the current folder",
            Protected::Home => "your home folder",
        }
    }
    fn why(self) -> &'static str {
        match self {
            Protected::Root => "which holds the site's sources",
            Protected::Content => "which holds the source pages",
            Protected::Templates => "which holds the site's templates",
            Protected::Static => "which holds files copied into the site",
            Protected::Themes => "which holds the site's themes",
            Protected::Cwd => "whose files would be deleted",
            Protected::Home => "whose files would be deleted",
        }
    }
    /// Source folders: an output inside them would be read by the next build.
    fn is_source(self) -> bool {
        !matches!(self, Protected::Root | Protected::Cwd | Protected::Home)
    }
}

/// Whether a build may write to `dest`, without writing anything: the
/// output is not a protected folder (whatever `force` says) and is missing,
/// empty, or marked (unless `force`). The error says which and why.
pub fn check_destination(dest: &Destination<'_>) -> io::Result<()> {
    let out = resolve(dest.out)?;
    check_protected(dest, &out)?;
    check_replaceable(dest, &out)
}

fn check_protected(dest: &Destination<'_>, out: &Path) -> io::Result<()> {
    let cwd = std::env::current_dir()?;
    let folders = [
        (Protected::Root, dest.root.to_path_buf()),
        (Protected::Content, dest.root.join("content")),
        (Protected::Templates, dest.root.join("templates")),
        (Protected::Static, dest.root.join("static")),
        (Protected::Themes, dest.root.join("themes")),
        (Protected::Cwd, cwd),
    ];
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| (Protected::Home, PathBuf::from(h)));
    let shown = dest.out.display();
    for (kind, folder) in folders.iter().chain(home.iter()) {
        let real = resolve(folder)?;
        let why = if real == out {
            format!("it is {}, {}", kind.what(), kind.why())
        } else if real.starts_with(out) {
            format!(
                "it contains {} ({}), {}",
                kind.what(),
                folder.display(),
                kind.why()
            )
        } else if kind.is_source() && out.starts_with(&real) {
            format!(
                "it is inside {} ({}), which the next build would read as sources",
                kind.what(),
                folder.display()
            )
        } else {
            continue;
        };
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing to write the site into {shown}: {why}; choose another --output"),
        ));
    }
    Ok(())
}

fn check_replaceable(dest: &Destination<'_>, out: &Path) -> io::Result<()> {
    let shown = dest.out.display();
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("refusing to replace {shown}: it is a file, not a folder"),
        ));
    }
    // A repository (a gh-pages checkout, say) holds history appraise did
    // not write: never replaced, whatever the flags.
    if std::fs::symlink_metadata(out.join(".git")).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refusing to replace {shown}: it holds a git repository (.git), which appraise \
                 did not write; build into another folder and copy the files in"
            ),
        ));
    }
    // The marker must be a file of its own, not a link planted to one.
    let marked = std::fs::symlink_metadata(out.join(MARKER)).is_ok_and(|m| m.is_file());
    if dest.force || marked || std::fs::read_dir(out)?.next().is_none() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "refusing to replace {shown}: it is not empty and has no {MARKER} file, so appraise \
             did not write it; empty it or choose another --output (--force replaces it anyway)"
        ),
    ))
}

/// Write `files` to `dest.out`: checked ([`check_destination`]), under the
/// output's lock, through a staging folder switched in atomically. The
/// output also gets the [`MARKER`] file.
pub fn write_site(files: &[OutputFile], dest: &Destination<'_>) -> io::Result<()> {
    let staging = Staging::open(dest)?;
    staging.put(files)?;
    staging.commit()
}

/// A build being written: the output checked and locked, and a staging
/// folder beside it that files are put into as they are rendered (so the
/// whole site never has to be held in memory). [`Staging::commit`] switches
/// it in; dropping it uncommitted (the build failed) removes it and leaves
/// the last good output as it was.
pub struct Staging {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    dir: PathBuf,
    /// The output being replaced, when there is one: unchanged files are
    /// linked from it.
    previous: Option<PathBuf>,
    /// Whether the tree this build replaces is kept as the next build's
    /// spare ([`Staging::open_reusing`]) rather than removed.
    keep_spare: bool,
    _lock: std::fs::File,
}

impl Staging {
    /// Check `dest`, take its lock, clear stale leftovers, and create an
    /// empty staging folder.
    pub fn open(dest: &Destination<'_>) -> io::Result<Staging> {
        Staging::open_with(dest, false)
    }

    /// [`Staging::open`] for a build that knows its whole output at once
    /// (`build --cache`): the staging folder starts as the tree the last
    /// such build replaced (kept beside the output as `.<name>.spare`),
    /// which [`Staging::sync`] brings up to date touching only what
    /// differs, instead of creating every folder and link again. Its
    /// [`Staging::commit`] keeps the tree it replaces as the next spare.
    pub fn open_reusing(dest: &Destination<'_>) -> io::Result<Staging> {
        Staging::open_with(dest, true)
    }

    fn open_with(dest: &Destination<'_>, reuse: bool) -> io::Result<Staging> {
        let out = resolve(dest.out)?;
        check_protected(dest, &out)?;
        let (parent, name) = match (out.parent(), out.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("cannot write the site into {}", dest.out.display()),
                ))
            }
        };
        std::fs::create_dir_all(&parent)?;
        let lock = lock(&parent, &name)?;
        // Under the lock: no other build is writing here, so leftovers are stale.
        recover(&parent, &name, &out)?;
        check_replaceable(dest, &out)?;
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        let previous = std::fs::symlink_metadata(&out)
            .is_ok_and(|m| m.is_dir())
            .then(|| out.clone());
        let spare = parent.join(spare_name(&name));
        let spare_is_dir = std::fs::symlink_metadata(&spare).is_ok_and(|m| m.is_dir());
        if reuse && previous.is_some() && spare_is_dir {
            std::fs::rename(&spare, &dir)?;
        } else {
            if !reuse && spare_is_dir {
                // A build that does not use it: the spare would go stale.
                remove_any(&spare)?;
            }
            std::fs::create_dir_all(&dir)?;
        }
        Ok(Staging {
            out,
            parent,
            name,
            dir,
            previous,
            keep_spare: reuse,
            _lock: lock,
        })
    }

    /// Put `files` into the staging folder (safe to call from several
    /// threads at once).
    pub fn put(&self, files: &[OutputFile]) -> io::Result<()> {
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect();
        write_all(&files, &self.dir, self.previous.as_deref(), false)
    }

    /// Make the staging folder hold exactly `files` and, from the output
    /// being replaced, the files at `kept` unchanged (hard-linked, or
    /// copied where a link cannot be made), whatever it held before:
    /// files and links not wanted are removed, a kept file already the
    /// same file as the output's (one inode, linked by an earlier build)
    /// is left as it is, and every other file is removed before it is
    /// written or linked again, so that no write ever goes through a link
    /// into a file the live output shares. A kept file missing from the
    /// output is an error: the output changed under the build, so build
    /// again.
    pub fn sync(
        &self,
        files: &std::collections::BTreeMap<String, std::sync::Arc<[u8]>>,
        kept: &[String],
    ) -> io::Result<()> {
        let wanted: std::collections::HashSet<&str> = (files.keys().map(String::as_str))
            .chain(kept.iter().map(String::as_str))
            .collect();
        let left = prune(&self.dir, &wanted)?;
        let fresh: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
        write_all(&fresh, &self.dir, self.previous.as_deref(), true)?;
        make_parents(kept.iter().map(String::as_str), &self.dir, &left.dirs)?;
        let previous = match (&self.previous, kept.is_empty()) {
            (_, true) => return Ok(()),
            (Some(p), false) => p,
            (None, false) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "there is no earlier output to keep files from",
                ))
            }
        };
        let here = std::fs::symlink_metadata(&self.dir)?;
        kept.par_iter().try_for_each(|p| {
            check_inside(p)?;
            let (old, to) = (previous.join(p), self.dir.join(p));
            let old_meta = std::fs::symlink_metadata(&old).ok().filter(|m| m.is_file());
            let Some(old_meta) = old_meta else {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{p} is gone from the output since it was listed; build again"),
                ));
            };
            // What is at `to` is known from the walk of `prune`: no stat.
            match left.files.get(p.as_str()) {
                Some(&ino) if same_inode(&old_meta, &here, ino) => return Ok(()),
                Some(_) => std::fs::remove_file(&to)?,
                None if left.dirs.contains(p.as_str()) => std::fs::remove_dir_all(&to)?,
                None => {}
            }
            if std::fs::hard_link(&old, &to).is_err() {
                std::fs::copy(&old, &to)?;
            }
            Ok(())
        })
    }

    /// Write the marker and switch the staging folder in as the output.
    /// A staging folder opened with [`Staging::open_reusing`] keeps the
    /// tree it replaces as the next build's spare.
    pub fn commit(self) -> io::Result<()> {
        let marker = self.dir.join(MARKER);
        remove_any(&marker)?;
        std::fs::write(marker, MARKER_TEXT)?;
        let switched = switch(&self.dir, &self.out, &self.parent, &self.name)?;
        if self.keep_spare && switched == Switched::Exchanged {
            let spare = self.parent.join(spare_name(&self.name));
            remove_any(&spare)?;
            std::fs::rename(&self.dir, &spare)?;
        }
        Ok(())
        // Dropping `self` removes the staging path, which now holds the old
        // tree (or nothing).
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = remove_any(&self.dir);
    }
}

/// Remove the folder `dir` (not a link: see [`remove_any`]) and
/// everything in it, the entries two levels
/// down on all threads at once: the old output a build replaces holds
/// 10,000 folders under `trials/`, and `remove_dir_all` alone took about
/// 85 ms at the very end of a 10,000-page build with the other core idle.
/// Each entry goes through `remove_dir_all`, which never follows a
/// symbolic link; only real folders (by their entry's own type) are
/// descended into here.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries = |d: &Path| -> io::Result<Vec<(PathBuf, bool)>> {
        std::fs::read_dir(d)?
            .map(|e| {
                let e = e?;
                Ok((e.path(), e.file_type()?.is_dir()))
            })
            .collect()
    };
    let top = match entries(dir) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut below = Vec::new();
    for (path, is_dir) in &top {
        if *is_dir {
            below.extend(entries(path)?);
        } else {
            below.push((path.clone(), false));
        }
    }
    // Each entry's type is known from its folder entry: no stat.
    below.par_iter().try_for_each(|(p, is_dir)| match is_dir {
        true => std::fs::remove_dir_all(p),
        false => std::fs::remove_file(p),
    })?;
    // The first-level folders are empty now; `remove_dir_all` takes what
    // else may have come meanwhile.
    std::fs::remove_dir_all(dir)
}

/// The name of the spare tree beside the output `name` (see
/// [`Staging::open_reusing`]).
fn spare_name(name: &str) -> String {
    format!(".{name}.spare")
}

/// Remove whatever is at `p` (a file, a link, a folder and its contents);
/// nothing there is no error.
fn remove_any(p: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => remove_tree(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether the file of `old` is the one whose folder entry in the folder
/// of `dir` (the staging folder, on one device) gives inode `ino`.
#[cfg(unix)]
fn same_inode(old: &std::fs::Metadata, dir: &std::fs::Metadata, ino: u64) -> bool {
    use std::os::unix::fs::MetadataExt;
    ino != 0 && old.dev() == dir.dev() && old.ino() == ino
}

/// Elsewhere no file is taken to be another's: every kept file is linked again.
#[cfg(not(unix))]
fn same_inode(_old: &std::fs::Metadata, _dir: &std::fs::Metadata, _ino: u64) -> bool {
    false
}

/// The inode number a folder entry gives (from reading the folder, not a
/// stat: on Linux's file systems the same as the file's own), 0 where the
/// platform gives none.
#[cfg(unix)]
fn entry_ino(e: &walkdir::DirEntry) -> u64 {
    use walkdir::DirEntryExt;
    e.ino()
}

#[cfg(not(unix))]
fn entry_ino(_e: &walkdir::DirEntry) -> u64 {
    0
}

/// What [`prune`] left in a tree: its folders and, for each file, the
/// inode number its folder entry gives (paths relative, with `/`).
#[derive(Debug, Default)]
struct Left {
    dirs: std::collections::HashSet<String>,
    files: std::collections::HashMap<String, u64>,
}

/// Remove from the tree `dir` every file and link whose path (relative,
/// with `/`) is not `wanted`, anything that is neither a file nor a
/// folder, and the folders left empty; say what is left. Links are
/// removed, never followed.
fn prune(dir: &Path, wanted: &std::collections::HashSet<&str>) -> io::Result<Left> {
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .contents_first(true)
        .min_depth(1);
    let mut left = Left::default();
    for e in walk {
        let e = e.map_err(io::Error::other)?;
        let rel: Vec<String> = (e.path().strip_prefix(dir).unwrap_or(e.path()).components())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        let t = e.file_type();
        if t.is_dir() {
            // Left empty by what was removed: not wanted (fails when not empty).
            if std::fs::remove_dir(e.path()).is_err() {
                left.dirs.insert(rel);
            }
        } else if !t.is_file() || !wanted.contains(rel.as_str()) {
            std::fs::remove_file(e.path())?;
        } else {
            left.files.insert(rel, entry_ino(&e));
        }
    }
    Ok(left)
}

/// The exclusive lock of the output `parent/name`, held until dropped.
fn lock(parent: &Path, name: &str) -> io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(parent.join(format!(".{name}.lock")))?;
    file.lock()?;
    Ok(file)
}

/// With the lock held: put back an old output a crash left half-switched
/// (two-rename fallback), then remove every leftover staging and old folder.
fn recover(parent: &Path, name: &str, out: &Path) -> io::Result<()> {
    let staging = format!(".{name}.staging-");
    let old = format!(".{name}.old-");
    let mut leftovers = Vec::new();
    for e in std::fs::read_dir(parent)?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&staging) || n.starts_with(&old) {
            leftovers.push((n.starts_with(&old), e.path()));
        }
    }
    if std::fs::symlink_metadata(out).is_err() {
        if let Some((_, path)) = leftovers.iter().find(|(is_old, _)| *is_old) {
            std::fs::rename(path, out)?;
        }
    }
    for (_, path) in leftovers {
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

/// How the new tree was put in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Switched {
    /// There was no output: one rename.
    Renamed,
    /// One atomic exchange; the old tree is now at the staging path.
    Exchanged,
    /// Two renames (no exchange available); the old tree was removed.
    TwoRenames,
}

/// Put `staging` at `out`. Afterwards the old tree, if any, is at `staging`
/// or already gone.
fn switch(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<Switched> {
    if std::fs::symlink_metadata(out).is_err() {
        std::fs::rename(staging, out)?;
        return Ok(Switched::Renamed);
    }
    if exchange(staging, out)? {
        return Ok(Switched::Exchanged);
    }
    two_renames(staging, out, parent, name)?;
    Ok(Switched::TwoRenames)
}

/// The fallback: old output aside, staging in, old removed. A crash between
/// the renames leaves `.name.old-*`, which [`recover`] puts back.
fn two_renames(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    let _ = remove_any(&old);
    Ok(())
}

/// Swap `a` and `b` in one step; `Ok(false)` when this system or file
/// system cannot (the caller falls back to two renames).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the
    // call; renameat2 only reads them. The raw syscall avoids needing a
    // glibc new enough to wrap it; ENOSYS then means an old kernel.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

/// No atomic exchange here: the caller falls back to two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// `p` made absolute and canonical as far as it exists (symlinks and `..`
/// resolved), with its missing tail appended.
fn resolve(p: &Path) -> io::Result<PathBuf> {
    use std::path::Component;
    let mut cur = PathBuf::new();
    for c in absolute(p)?.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => cur.push(c.as_os_str()),
            Component::CurDir => {}
            // `cur` is canonical wherever it exists, so popping is exact.
            Component::ParentDir => {
                cur.pop();
            }
            Component::Normal(n) => {
                cur.push(n);
                if let Ok(real) = std::fs::canonicalize(&cur) {
                    cur = real;
                }
            }
        }
    }
    Ok(cur)
}

/// Write `files` under `dir`. A file whose bytes equal those of the same
/// path in `previous` (the output being replaced) is hard-linked from there
/// instead of written: an edit that changes a few pages writes a few files,
/// and unchanged files keep their modification times (what `rsync` and
/// deploy tools compare). The old file is only read, never changed; if the
/// link cannot be made (another file system) the file is written.
/// With `replace`, whatever is at a file's path in `dir` is removed first
/// (a staging folder reused from an earlier build, whose files may be
/// links of the live output's).
fn write_all(
    files: &[(&str, &[u8])],
    dir: &Path,
    previous: Option<&Path>,
    replace: bool,
) -> io::Result<()> {
    make_parents(files.iter().map(|f| f.0), dir, &Default::default())?;
    files.par_iter().try_for_each(|&(path, bytes)| {
        check_inside(path)?;
        let to = dir.join(path);
        if replace {
            remove_any(&to)?;
        }
        if let Some(old) = previous.map(|p| p.join(path)) {
            if same_bytes(&old, bytes) && std::fs::hard_link(&old, &to).is_ok() {
                return Ok(());
            }
        }
        std::fs::write(to, bytes)
    })
}

/// Create the folders under `dir` that the relative `paths` go into,
/// but those in `there` (relative, with `/`: known to exist).
fn make_parents<'p>(
    paths: impl Iterator<Item = &'p str>,
    dir: &Path,
    there: &std::collections::HashSet<String>,
) -> io::Result<()> {
    let mut dirs: Vec<&str> = paths
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
        .filter(|d| !there.contains(*d))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    for d in dirs {
        std::fs::create_dir_all(dir.join(d))?;
    }
    Ok(())
}

/// Refuse an output path that could leave the output folder.
fn check_inside(path: &str) -> io::Result<()> {
    if path.split('/').any(|s| s == ".." || s.is_empty()) || path.starts_with('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output folder: {path}"),
        ));
    }
    Ok(())
}

/// Whether `path` is a regular file (not a link) holding exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// What the cache folder's `CACHEDIR.TAG` says: the standard signature
/// (so backup tools skip the folder), then to whoever opens it.
const CACHE_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This folder is the build cache of `appraise build --cache`.\n\
# It is safe to delete; the next build is then a full one.\n";

/// Save the build cache's file `name` with `bytes` in the site's folder
/// `root` ([`crate::cache::DIR`]), replacing the last one atomically (written
/// beside it, then renamed). A folder of that name that appraise did not
/// create (no `CACHEDIR.TAG` of ours), or a link in its place, is refused.
pub fn save_cache(root: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let dir = root.join(crate::cache::DIR);
    let tag = dir.join("CACHEDIR.TAG");
    match std::fs::symlink_metadata(&dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir(&dir)?;
            std::fs::write(&tag, CACHE_TAG)?;
        }
        Err(e) => return Err(e),
        Ok(m) if m.is_dir() && std::fs::read(&tag).is_ok_and(|t| t == CACHE_TAG.as_bytes()) => {}
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and was not made by appraise; move it away to use --cache",
                    dir.display()
                ),
            ))
        }
    }
    let tmp = dir.join(format!(".{name}.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Remove the build cache's file `name` from the site's folder `root`
/// (a file an older appraise wrote there and no longer reads), when the
/// cache folder is ours (it has our `CACHEDIR.TAG`) and `name` is a file
/// or link in it; anything else is left alone.
pub fn remove_cache(root: &Path, name: &str) -> io::Result<()> {
    let dir = root.join(crate::cache::DIR);
    let ours = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
        && std::fs::read(dir.join("CACHEDIR.TAG")).is_ok_and(|t| t == CACHE_TAG.as_bytes());
    let file = dir.join(name);
    match std::fs::symlink_metadata(&file) {
        Ok(m) if ours && !m.is_dir() => std::fs::remove_file(file),
        _ => Ok(()),
    }
}

/// Write a new site's files into `dir`, which must be empty or missing.
pub fn write_new_site(files: &[OutputFile], dir: &Path) -> io::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    write_all(&files, dir, None, false)
}

/// Write one new source file at `root/rel`, creating its folders; fails
/// if the file already exists (never overwrites an author's page), and
/// refuses to write through a symlink that leads out of the top folder of
/// `rel` (`content/` for `content/trials/x/index.md`): every existing folder
/// on the way must resolve inside it, and the file itself is created, never
/// followed.
pub fn write_new_file(root: &Path, rel: &str, bytes: &[u8]) -> io::Result<()> {
    let (dir, file) = source_folder(root, rel)?;
    // `create_new` (O_CREAT|O_EXCL) fails on an existing name, a symlink
    // included, so the page is never written through one.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join(file))?;
    std::io::Write::write_all(&mut f, bytes)
}

/// Replace the existing source file `root/rel`, which must still hold
/// `old` (else nothing is written: it changed since it was read), with
/// `bytes`: written beside it, then renamed over it, so a reader or a crash
/// sees the old page or the new one, never half of one. The same folder
/// rule as [`write_new_file`]; a symlink in the file's place is refused.
pub fn replace_file(root: &Path, rel: &str, old: &[u8], bytes: &[u8]) -> io::Result<()> {
    let (dir, file) = source_folder(root, rel)?;
    let path = dir.join(file);
    let meta = std::fs::symlink_metadata(&path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing to replace {rel}: it is not a plain file"),
        ));
    }
    if std::fs::read(&path)? != old {
        return Err(io::Error::new(
            io::ErrorKind::Other,
            format!("{rel} changed while it was being updated; nothing written"),
        ));
    }
    let tmp = dir.join(format!(".{file}.import-{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.set_permissions(meta.permissions())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The real folder of the source file `root/rel` and the file's name,
/// its folders created: every existing folder on the way must resolve
/// inside the top folder of `rel` (`content/` for
/// `content/trials/x/index.md`), so no symlink leads the write elsewhere.
fn source_folder<'r>(root: &Path, rel: &'r str) -> io::Result<(PathBuf, &'r str)> {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    if file.is_empty()
        || parts.is_empty()
        || rel
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a path inside a folder of the site: {rel}"),
        ));
    }
    let top = root.join(parts[0]);
    std::fs::create_dir_all(&top)?;
    let base = std::fs::canonicalize(&top)?;
    let mut dir = base.clone();
    let mut shown = parts[0].to_string();
    for part in &parts[1..] {
        shown = format!("{shown}/{part}");
        let next = dir.join(part);
        match std::fs::create_dir(&next) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let real = match std::fs::canonicalize(&next) {
            Ok(r) => r,
            Err(e) if next.is_symlink() => {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!("refusing to write through {shown}: it is a broken symlink ({e})"),
                ))
            }
            Err(e) => return Err(e),
        };
        if !real.starts_with(&base) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "refusing to write through {shown}: it is a symlink to {}, outside {}/",
                    real.display(),
                    parts[0]
                ),
            ));
        }
        if !real.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{shown} is a file, not a folder"),
            ));
        }
        dir = real;
    }
    Ok((dir, file))
}

fn absolute(p: &Path) -> io::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(path: &str, bytes: &[u8]) -> Vec<OutputFile> {
        vec![OutputFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        }]
    }

    /// A site folder `t/site` (with `content/`) and its output `t/site/public`.
    fn site(t: &Path) -> (PathBuf, PathBuf) {
        let root = t.join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        std::fs::write(root.join("content/_index.md"), "---\n---\n").unwrap();
        let out = root.join("public");
        (root, out)
    }

    fn dest<'a>(root: &'a Path, out: &'a Path) -> Destination<'a> {
        Destination {
            out,
            root,
            force: false,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Files by path, as the incremental engine holds them.
    fn shared(files: &[(&str, &str)]) -> std::collections::BTreeMap<String, std::sync::Arc<[u8]>> {
        files
            .iter()
            .map(|(p, b)| (p.to_string(), std::sync::Arc::from(b.as_bytes())))
            .collect()
    }

    /// Build into `out` reusing the spare tree: `files` written, `kept` kept.
    fn reused_build(root: &Path, out: &Path, files: &[(&str, &str)], kept: &[&str]) -> Staging {
        let st = Staging::open_reusing(&dest(root, out)).unwrap();
        let kept: Vec<String> = kept.iter().map(|k| k.to_string()).collect();
        st.sync(&shared(files), &kept).unwrap();
        st
    }

    /// `remove_tree` takes files and folders at every depth, and a
    /// symbolic link (at the first or second level) goes without what it
    /// points to.
    #[cfg(unix)]
    #[test]
    fn remove_tree_removes_the_tree_and_never_follows_links() {
        let t = tempfile::tempdir().unwrap();
        let keep = t.path().join("keep");
        std::fs::create_dir_all(keep.join("d")).unwrap();
        std::fs::write(keep.join("d/f"), "mine").unwrap();
        let old = t.path().join("old");
        std::fs::create_dir_all(old.join("trials/a/b")).unwrap();
        std::fs::write(old.join("trials/a/b/index.html"), "1").unwrap();
        std::fs::write(old.join("trials/x.json"), "2").unwrap();
        std::fs::write(old.join("index.html"), "3").unwrap();
        std::os::unix::fs::symlink(&keep, old.join("top-link")).unwrap();
        std::os::unix::fs::symlink(&keep, old.join("trials/link")).unwrap();
        remove_tree(&old).unwrap();
        assert!(!old.exists());
        assert_eq!(std::fs::read_to_string(keep.join("d/f")).unwrap(), "mine");
        remove_tree(&old).unwrap();
    }

    #[test]
    fn a_reused_staging_folder_never_changes_the_live_output() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        let read = |p: &str| std::fs::read_to_string(out.join(p)).unwrap();
        reused_build(&root, &out, &[("a.html", "1"), ("b/c.html", "2")], &[])
            .commit()
            .unwrap();
        reused_build(
            &root,
            &out,
            &[("b/c.html", "3"), ("d.html", "4")],
            &["a.html"],
        )
        .commit()
        .unwrap();
        // The tree it replaced is kept beside the output as the next staging folder.
        assert_eq!(
            names(&root),
            [".public.lock", ".public.spare", "content", "public"]
        );
        // The spare holds the first build, whose a.html is the output's (one
        // inode): changing a.html must not write through it.
        let st = reused_build(&root, &out, &[("a.html", "5")], &["b/c.html", "d.html"]);
        assert_eq!(
            (read("a.html"), read("b/c.html"), read("d.html")),
            ("1".into(), "3".into(), "4".into())
        );
        st.commit().unwrap();
        assert_eq!(
            (read("a.html"), read("b/c.html"), read("d.html")),
            ("5".into(), "3".into(), "4".into())
        );
        assert_eq!(names(&out), [MARKER, "a.html", "b", "d.html"]);
        // A link planted in the spare is removed, never written through.
        let spare = root.join(".public.spare");
        let outside = t.path().join("outside.html");
        std::fs::write(&outside, "mine").unwrap();
        std::os::unix::fs::symlink(&outside, spare.join("e.html")).unwrap();
        reused_build(
            &root,
            &out,
            &[("e.html", "6")],
            &["a.html", "b/c.html", "d.html"],
        )
        .commit()
        .unwrap();
        assert_eq!(read("e.html"), "6");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
        assert!(!std::fs::symlink_metadata(out.join("e.html"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A build that does not reuse it removes the spare (it would go stale).
        write_site(&one("f.html", b"7"), &dest(&root, &out)).unwrap();
        assert_eq!(names(&root), [".public.lock", "content", "public"]);
    }

    #[test]
    fn swap_replaces_old_output_and_leaves_only_the_lock_beside_it() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        write_site(&one("a/index.html", b"1"), &dest(&root, &out)).unwrap();
        write_site(&one("b.html", b"2"), &dest(&root, &out)).unwrap();
        assert!(!out.join("a/index.html").exists());
        assert_eq!(std::fs::read(out.join("b.html")).unwrap(), b"2");
        assert_eq!(names(&out), [MARKER, "b.html"]);
        assert_eq!(names(&root), [".public.lock", "content", "public"]);
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_linked_not_written_again() {
        use std::os::unix::fs::MetadataExt;
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        let files = |b: &[u8]| {
            vec![
                OutputFile {
                    path: "same/index.html".into(),
                    bytes: b"unchanged".to_vec(),
                },
                OutputFile {
                    path: "edited.html".into(),
                    bytes: b.to_vec(),
                },
            ]
        };
        write_site(&files(b"one"), &dest(&root, &out)).unwrap();
        let inode = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
        let (same, edited) = (inode("same/index.html"), inode("edited.html"));
        // Same length, other bytes: written again.
        write_site(&files(b"two"), &dest(&root, &out)).unwrap();
        assert_eq!(inode("same/index.html"), same, "the same file, linked");
        assert_ne!(inode("edited.html"), edited, "a new file");
        assert_eq!(std::fs::read(out.join("edited.html")).unwrap(), b"two");
        assert_eq!(
            std::fs::read(out.join("same/index.html")).unwrap(),
            b"unchanged"
        );
        // The old tree is gone; the linked file has one name again.
        assert_eq!(
            std::fs::metadata(out.join("same/index.html"))
                .unwrap()
                .nlink(),
            1
        );
        assert_eq!(names(&root), [".public.lock", "content", "public"]);
    }

    #[test]
    fn refuses_paths_outside() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        write_site(&one("ok.html", b""), &dest(&root, &out)).unwrap();
        assert!(write_site(&one("../x", b""), &dest(&root, &out)).is_err());
        assert!(out.join("ok.html").exists(), "old output kept");
    }

    #[test]
    fn only_an_empty_or_marked_folder_is_replaced_unless_forced() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        std::fs::create_dir_all(&out).unwrap();
        write_site(&one("a.html", b"1"), &dest(&root, &out)).unwrap();
        assert!(out.join(MARKER).is_file(), "every output is marked");

        let mine = root.join("mine");
        std::fs::create_dir_all(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), "keep").unwrap();
        let e = write_site(&one("a.html", b"1"), &dest(&root, &mine)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "refusing to replace {}: it is not empty and has no .appraise-output file, so \
                 appraise did not write it; empty it or choose another --output (--force \
                 replaces it anyway)",
                mine.display()
            )
        );
        assert_eq!(std::fs::read(mine.join("notes.txt")).unwrap(), b"keep");
        let forced = Destination {
            force: true,
            ..dest(&root, &mine)
        };
        write_site(&one("a.html", b"1"), &forced).unwrap();
        assert_eq!(names(&mine), [MARKER, "a.html"]);

        let file = root.join("file");
        std::fs::write(&file, "x").unwrap();
        let e = write_site(
            &one("a.html", b"1"),
            &Destination {
                force: true,
                ..dest(&root, &file)
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "refusing to replace {}: it is a file, not a folder",
                file.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn protected_folders_are_refused_even_forced_and_seen_through_links_and_dots() {
        let t = tempfile::tempdir().unwrap();
        let (root, _) = site(t.path());
        let cwd = std::env::current_dir().unwrap();
        let link = t.path().join("link");
        std::os::unix::fs::symlink(root.join("content"), &link).unwrap();
        let refused = |out: PathBuf, why: String| {
            let expected = format!(
                "refusing to write the site into {}: {why}; choose another --output",
                out.display()
            );
            let d = dest(&root, &out);
            let e = write_site(&one("a.html", b""), &d).unwrap_err();
            assert_eq!(e.to_string(), expected);
            // --force changes nothing (checked without writing: the current
            // folder is the repository).
            let forced = Destination { force: true, ..d };
            assert_eq!(
                check_destination(&forced).unwrap_err().to_string(),
                expected
            );
        };
        let c = root.join("content");
        refused(
            root.clone(),
            "it is the site's folder, which holds the site's sources".into(),
        );
        refused(
            c.clone(),
            "it is the content folder, which holds the source pages".into(),
        );
        refused(
            link.clone(),
            "it is the content folder, which holds the source pages".into(),
        );
        refused(
            root.join("public/../templates"),
            "it is the templates folder, which holds the site's templates".into(),
        );
        refused(
            root.join("static"),
            "it is the static folder, which holds files copied into the site".into(),
        );
        refused(
            root.join("themes"),
            "it is the themes folder, which holds the site's themes".into(),
        );
        refused(
            t.path().to_path_buf(),
            format!(
                "it contains the site's folder ({}), which holds the site's sources",
                root.display()
            ),
        );
        refused(
            link.join("out"),
            format!(
                "it is inside the content folder ({}), which the next build would read as sources",
                c.display()
            ),
        );
        refused(
            cwd.clone(),
            "it is the current folder, whose files would be deleted".into(),
        );
        assert_eq!(names(&c), ["_index.md"], "content untouched");
        assert_eq!(names(&root), ["content"], "nothing written beside it");
    }

    #[test]
    fn a_build_waits_for_the_lock_and_only_then_clears_leftovers() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        // Another build holds the lock and is writing its staging folder.
        let held = lock(&root, "public").unwrap();
        let theirs = root.join(".public.staging-999999");
        std::fs::create_dir_all(&theirs).unwrap();
        let (r2, o2) = (root.clone(), out.clone());
        let waiting = std::thread::spawn(move || write_site(&one("a.html", b"1"), &dest(&r2, &o2)));
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!waiting.is_finished(), "the second build waits");
        assert!(
            theirs.exists(),
            "the lock holder's staging folder is left alone"
        );
        assert!(!out.exists());
        drop(held);
        waiting.join().unwrap().unwrap();
        assert!(
            !theirs.exists(),
            "a stale staging folder is removed under the lock"
        );
        assert_eq!(names(&out), [MARKER, "a.html"]);
    }

    #[test]
    fn a_crash_between_the_fallback_renames_is_repaired_by_the_next_build() {
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        write_site(&one("old.html", b"old"), &dest(&root, &out)).unwrap();
        // The crash: the old tree moved aside, the new one never moved in.
        std::fs::rename(&out, root.join(".public.old-4242")).unwrap();
        std::fs::create_dir_all(root.join(".public.staging-4242/half")).unwrap();
        // A build that then fails still finds the old output back in place.
        assert!(write_site(&one("../bad", b""), &dest(&root, &out)).is_err());
        assert_eq!(names(&out), [MARKER, "old.html"]);
        assert_eq!(names(&root), [".public.lock", "content", "public"]);
        // And the fallback itself switches a tree in.
        let staging = root.join(".public.staging-1");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("new.html"), "new").unwrap();
        two_renames(&staging, &out, &root, "public").unwrap();
        assert_eq!(names(&out), ["new.html"]);
        assert_eq!(names(&root), [".public.lock", "content", "public"]);
    }

    /// The switch is one step: a reader polling the output never finds it
    /// missing (with two renames it does, between them).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_output_exists_at_every_instant_of_the_switch() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let t = tempfile::tempdir().unwrap();
        let (root, out) = site(t.path());
        write_site(&one("index.html", b"0"), &dest(&root, &out)).unwrap();
        // Skip where the file system cannot exchange (the fallback is used).
        let probe = root.join(".probe");
        std::fs::create_dir_all(&probe).unwrap();
        if !exchange(&probe, &out).unwrap() {
            eprintln!("skipped: RENAME_EXCHANGE unsupported on this file system");
            return;
        }
        exchange(&probe, &out).unwrap();
        std::fs::remove_dir_all(&probe).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let marker = out.join(MARKER);
        let reader = {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut missing = 0usize;
                while !done.load(Ordering::Relaxed) {
                    if std::fs::symlink_metadata(&marker).is_err() {
                        missing += 1;
                    }
                }
                missing
            })
        };
        for i in 0..200 {
            write_site(
                &one("index.html", format!("{i}").as_bytes()),
                &dest(&root, &out),
            )
            .unwrap();
        }
        done.store(true, Ordering::Relaxed);
        assert_eq!(
            reader.join().unwrap(),
            0,
            "the output was missing during a switch"
        );
        assert_eq!(std::fs::read(out.join("index.html")).unwrap(), b"199");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_never_written_through_a_symlink_out_of_its_folder() {
        let t = tempfile::tempdir().unwrap();
        let (root, _) = site(t.path());
        let elsewhere = t.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("content/trials")).unwrap();
        let e = write_new_file(&root, "content/trials/x/index.md", b"x").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "refusing to write through content/trials: it is a symlink to {}, outside content/",
                elsewhere.canonicalize().unwrap().display()
            )
        );
        assert!(names(&elsewhere).is_empty(), "nothing written outside");
        // A symlink that stays inside content/ is fine.
        std::fs::remove_file(root.join("content/trials")).unwrap();
        std::fs::create_dir_all(root.join("content/real")).unwrap();
        std::os::unix::fs::symlink(root.join("content/real"), root.join("content/trials")).unwrap();
        write_new_file(&root, "content/trials/x/index.md", b"x").unwrap();
        assert_eq!(
            std::fs::read(root.join("content/real/x/index.md")).unwrap(),
            b"x"
        );
        // The file itself as a symlink is not followed.
        std::fs::write(elsewhere.join("target"), "theirs").unwrap();
        std::fs::create_dir_all(root.join("content/y")).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("target"), root.join("content/y/index.md"))
            .unwrap();
        let e = write_new_file(&root, "content/y/index.md", b"x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(elsewhere.join("target")).unwrap(), b"theirs");
    }
}
