//! The build cache kept across runs of `appraise build --cache`: what it
//! records, its file format, and when a record may be trusted. Discover
//! reads its bytes and the output's file stamps; write writes it; the
//! incremental engine ([`crate::incremental`]) decides with it which pages
//! need rendering again.
//!
//! It lives in `.appraise-cache/build.json` in the site's folder (with a
//! `CACHEDIR.TAG`, so backup tools skip it; `init` puts the folder in
//! `.gitignore`). It is safe to delete at any time: the next build is then
//! a full one. It holds no rendered bytes: those are the output folder's.
//! For every page it names the page's *render key* (everything the page's
//! files are made from, [`crate::incremental`]) and the files rendered
//! from it; for every trial, under its own key, the diagnostics and "ok:"
//! lines of its analysis (so a trial no page shown again needs is not
//! analysed again); and for every file of the output the stamp (size and
//! modification time) it had when the build that wrote it finished.
//!
//! A page is taken from the last output instead of rendered when its
//! render key is recorded and every one of its files is in the output with
//! the stamp recorded: a file edited, replaced or removed by hand since
//! then has another stamp (or none) and its page is rendered again. A
//! cache written by another appraise version, for another output folder,
//! or in another format is ignored whole (the version is also part of
//! every key). The format is JSON: small (a few megabytes for 10,000
//! pages), readable when something needs explaining, and already a
//! dependency.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::key::Key;

/// The cache folder, in the site's folder.
pub const DIR: &str = ".appraise-cache";

/// The cache file, in [`DIR`].
pub const FILE: &str = "build.json";

/// The version of the file's format.
const FORMAT: u32 = 2;

/// A file's size and modification time, as the file system gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time: seconds since the Unix epoch.
    pub secs: u64,
    /// Modification time: the nanoseconds beyond `secs`.
    pub nanos: u32,
}

/// The regular files of an output folder (paths relative to it, with `/`)
/// and their stamps.
pub type Listing = BTreeMap<String, Stamp>;

/// One page's record: the files its render key gave, and its charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPage {
    /// Output paths of the page's files.
    pub files: Vec<String>,
    /// Charts the page drew (counted in the build's summary).
    pub charts: usize,
    /// What rendering the page reported (a typed number in its prose that
    /// contradicts its trial's data, say), given again when it is kept.
    #[serde(default)]
    pub diags: Vec<Diagnostic>,
    /// The key of each file's bytes (as hex, in the order of `files`), for
    /// the service worker's version ([`crate::render::offline`]).
    #[serde(default)]
    pub digests: Vec<String>,
}

/// One trial's analysis as the build summary needs it when the trial is
/// not analysed again (no page shown again needs its numbers): what the
/// analysis reported, and its "ok:" lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedTrial {
    /// The analysis's diagnostics.
    pub diags: Vec<Diagnostic>,
    /// Its "ok:" lines (see [`crate::pipeline::Report::reproduced`]).
    pub reproduced: Vec<String>,
}

/// The cache: page records by render key, trial records by the trial's
/// own key, and the output's stamps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildCache {
    format: u32,
    version: String,
    output: String,
    /// Page records by render key, as 32 hexadecimal digits.
    pages: BTreeMap<String, CachedPage>,
    /// Trial records by own key, as 32 hexadecimal digits.
    trials: BTreeMap<String, CachedTrial>,
    /// The output's files as the last build left them.
    stamps: Listing,
}

impl BuildCache {
    /// An empty cache for builds into `output` (the folder as given).
    pub fn new(output: &str) -> Self {
        BuildCache {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            output: output.to_string(),
            ..BuildCache::default()
        }
    }

    /// The cache in `bytes`, when they hold one written by this version
    /// of appraise for builds into `output`; otherwise an empty one (a
    /// damaged or foreign cache is not an error: it is rebuilt).
    pub fn read(bytes: Option<&[u8]>, output: &str) -> Self {
        bytes
            .and_then(|b| serde_json::from_slice::<BuildCache>(b).ok())
            .filter(|c| {
                c.format == FORMAT && c.version == env!("CARGO_PKG_VERSION") && c.output == output
            })
            .unwrap_or_else(|| BuildCache::new(output))
    }

    /// The cache as the bytes of its file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec(self).unwrap_or_default();
        b.push(b'\n');
        b
    }

    /// The record of the page rendered under `key`, when `now` (the
    /// output as it is) still holds every one of its files as the last
    /// build left them (and the record has the key of each one's bytes).
    pub fn reusable(&self, key: Key, now: &Listing) -> Option<&CachedPage> {
        let page = self.pages.get(&hex(key))?;
        let digested = page.digests.len() == page.files.len();
        let unchanged =
            (page.files.iter()).all(|f| now.get(f).is_some_and(|s| self.stamps.get(f) == Some(s)));
        (digested && unchanged).then_some(page)
    }

    /// Record the page rendered under `key`.
    pub fn record(&mut self, key: Key, page: CachedPage) {
        self.pages.insert(hex(key), page);
    }

    /// The record of the trial analysed under its own `key`.
    pub fn trial(&self, key: Key) -> Option<&CachedTrial> {
        self.trials.get(&hex(key))
    }

    /// Record the trial analysed under its own `key`.
    pub fn record_trial(&mut self, key: Key, trial: CachedTrial) {
        self.trials.insert(hex(key), trial);
    }

    /// Record the output's stamps, as the build just written left them.
    pub fn stamp(&mut self, listing: Listing) {
        self.stamps = listing;
    }

    /// Whether there is no page record.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// A key as 32 hexadecimal digits.
fn hex(key: Key) -> String {
    format!("{key:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(len: u64, secs: u64) -> Stamp {
        Stamp {
            len,
            secs,
            nanos: 7,
        }
    }

    fn cache_with_page() -> BuildCache {
        let mut c = BuildCache::new("public");
        c.record(
            42,
            CachedPage {
                files: vec!["a/index.html".into(), "a/index.json".into()],
                charts: 2,
                diags: Vec::new(),
                digests: vec!["1".into(), "2".into()],
            },
        );
        c.stamp(Listing::from([
            ("a/index.html".to_string(), stamp(10, 1)),
            ("a/index.json".to_string(), stamp(5, 1)),
        ]));
        c
    }

    #[test]
    fn a_page_is_reusable_only_while_all_its_files_keep_their_stamps() {
        let c = cache_with_page();
        let mut now = c.stamps.clone();
        assert_eq!(c.reusable(42, &now).map(|p| p.charts), Some(2));
        assert!(c.reusable(43, &now).is_none(), "another key");
        now.insert("a/index.json".into(), stamp(5, 2));
        assert!(c.reusable(42, &now).is_none(), "a file touched since");
        now.remove("a/index.json");
        assert!(c.reusable(42, &now).is_none(), "a file removed since");
    }

    #[test]
    fn a_cache_reads_back_only_for_its_version_output_and_format() {
        let c = cache_with_page();
        let bytes = c.to_bytes();
        assert_eq!(BuildCache::read(Some(&bytes), "public"), c);
        assert!(BuildCache::read(Some(&bytes), "elsewhere").is_empty());
        assert!(BuildCache::read(Some(b"{ not json"), "public").is_empty());
        assert!(BuildCache::read(None, "public").is_empty());
        let other = String::from_utf8(bytes)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "0.0.0-other");
        assert!(BuildCache::read(Some(other.as_bytes()), "public").is_empty());
    }
}
