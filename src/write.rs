//! Write: the only stage that writes to the disk.
//!
//! A build is written into a fresh staging folder beside the output folder,
//! and swapped into place with two renames only once every file is written.
//! A failed build therefore never touches the last good `public/`; a crash
//! half-way leaves at worst a stray `.public.staging-*` folder, which the
//! next build removes. Files are written in parallel.

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

/// Write `files` to `out` atomically (staging folder, then swap).
pub fn write_site(files: &[OutputFile], out: &Path) -> io::Result<()> {
    let out = absolute(out)?;
    let parent = out
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    std::fs::create_dir_all(&parent)?;
    // Clear leftovers of an interrupted build.
    if let Ok(rd) = std::fs::read_dir(&parent) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&format!(".{name}.staging-"))
                || n.starts_with(&format!(".{name}.old-"))
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.staging-{pid}"));
    std::fs::create_dir_all(&staging)?;
    let result = write_all(files, &staging);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        std::fs::rename(&out, &old)?;
        if let Err(e) = std::fs::rename(&staging, &out) {
            let _ = std::fs::rename(&old, &out);
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&staging, &out)?;
    }
    Ok(())
}

fn write_all(files: &[OutputFile], dir: &Path) -> io::Result<()> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent().map(|p| dir.join(p)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        std::fs::create_dir_all(d)?;
    }
    files.par_iter().try_for_each(|f| {
        if f.path.split('/').any(|s| s == ".." || s.is_empty()) || f.path.starts_with('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output folder: {}", f.path),
            ));
        }
        std::fs::write(dir.join(&f.path), &f.bytes)
    })
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
    write_all(files, dir)
}

/// Write one new source file at `root/rel`, creating its folders; fails
/// if the file already exists (never overwrites an author's page).
pub fn write_new_file(root: &Path, rel: &str, bytes: &[u8]) -> io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::io::Write::write_all(&mut f, bytes)
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

    #[test]
    fn swap_replaces_old_output() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("public");
        write_site(
            &[OutputFile {
                path: "a/index.html".into(),
                bytes: b"1".to_vec(),
            }],
            &out,
        )
        .unwrap();
        write_site(
            &[OutputFile {
                path: "b.html".into(),
                bytes: b"2".to_vec(),
            }],
            &out,
        )
        .unwrap();
        assert!(!out.join("a/index.html").exists());
        assert_eq!(std::fs::read(out.join("b.html")).unwrap(), b"2");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_paths_outside() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("public");
        write_site(
            &[OutputFile {
                path: "ok.html".into(),
                bytes: vec![],
            }],
            &out,
        )
        .unwrap();
        assert!(write_site(
            &[OutputFile {
                path: "../x".into(),
                bytes: vec![]
            }],
            &out
        )
        .is_err());
        assert!(out.join("ok.html").exists(), "old output kept");
    }
}
