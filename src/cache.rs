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
//! Beside it, `sources.bin` ([`SourceCache`]) holds every page file's
//! parse under the file's stamp ([`FileStamp`]: size, modification and
//! status-change times, inode), so a page whose file keeps its stamp is
//! neither read nor parsed again by discover and the engine.
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

/// The file of parsed pages, in [`DIR`] ([`SourceCache`]).
pub const SOURCES_FILE: &str = "sources.bin";

/// The version of [`SOURCES_FILE`]'s format.
const SOURCES_FORMAT: u32 = 1;

/// What the file system says of a source file when it is listed, without
/// reading it: size, modification time, status-change time and inode. An
/// edit changes the status-change time whatever it does to the size and
/// the modification time (which a program can set back; the status-change
/// time it cannot), and a file put in another's place has another inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified: i128,
    /// Status-change time, nanoseconds since the Unix epoch.
    pub changed: i128,
    /// Inode number.
    pub inode: u64,
}

/// How recent a stamp may be and still be trusted, in nanoseconds: a file
/// written again within the file system's clock tick (a few milliseconds
/// for the status-change time) after it was listed could keep its stamp,
/// so a stamp younger than this when it is taken is not recorded.
pub const SETTLED_NANOS: i128 = 2_000_000_000;

/// One page as parse left it, for a build that does not read it again:
/// everything of [`crate::parse::ParsedDoc`] but the front matter, which
/// is deserialised again from its YAML text (cheap next to rendering the
/// body, and exactly what parse makes of it), and parse's diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedDoc {
    /// The YAML text of the front matter.
    pub yaml: String,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line: usize,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The rendered body.
    pub body: crate::parse::markdown::Markdown,
    /// What parsing the page reported (warnings: a page with an error is
    /// not recorded).
    pub diags: Vec<Diagnostic>,
}

/// One page file's record: its stamp when it was read, the key of its
/// bytes, and its parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedSource {
    /// The file's stamp when the build that parsed it listed it.
    pub stamp: FileStamp,
    /// The key of its bytes ([`crate::key::hash_bytes`]).
    pub hash: Key,
    /// Its parse.
    pub doc: CachedDoc,
}

impl CachedSource {
    /// The page at `rel_path` as parse left it, with parse's diagnostics;
    /// `None` when its YAML no longer deserialises (a damaged cache: the
    /// file is then read again).
    pub fn revive(self, rel_path: &str) -> Option<(Key, crate::parse::ParsedDoc, Vec<Diagnostic>)> {
        let (front, _) = crate::parse::front_matter::deserialize(&self.doc.yaml).ok()?;
        let doc = crate::parse::ParsedDoc {
            rel_path: rel_path.to_string(),
            front,
            yaml: self.doc.yaml,
            yaml_line: self.doc.yaml_line,
            body_line: self.doc.body_line,
            body: self.doc.body,
        };
        Some((self.hash, doc, self.doc.diags))
    }
}

/// A [`CachedSource`] made of borrowed parts, written without copying
/// the page (its bytes are those of the owned record).
#[derive(Serialize)]
pub struct SourceRecord<'a> {
    /// The file's stamp when the build that parsed it listed it.
    pub stamp: FileStamp,
    /// The key of its bytes.
    pub hash: Key,
    /// Its parse.
    pub doc: DocRecord<'a>,
}

/// A [`CachedDoc`] made of borrowed parts (fields in its order).
#[derive(Serialize)]
pub struct DocRecord<'a> {
    /// The YAML text of the front matter.
    pub yaml: &'a str,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line: usize,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The rendered body.
    pub body: &'a crate::parse::markdown::Markdown,
    /// What parsing the page reported.
    pub diags: &'a [Diagnostic],
}

impl<'a> SourceRecord<'a> {
    /// The record of `doc` (with parse's `diags`), its bytes keyed `hash`,
    /// when listed with `stamp`.
    pub fn of(
        doc: &'a crate::parse::ParsedDoc,
        diags: &'a [Diagnostic],
        hash: Key,
        stamp: FileStamp,
    ) -> Self {
        SourceRecord {
            stamp,
            hash,
            doc: DocRecord {
                yaml: &doc.yaml,
                yaml_line: doc.yaml_line,
                body_line: doc.body_line,
                body: &doc.body,
                diags,
            },
        }
    }
}

/// The bytes of the [`SourceCache`] holding `records` (path, record, in
/// any order), without copying a page.
pub fn sources_bytes(records: &[(&str, SourceRecord)]) -> Vec<u8> {
    /// The records as the map of [`SourceCache::pages`].
    struct Pages<'r, 'a>(&'r [(&'a str, SourceRecord<'a>)]);
    impl Serialize for Pages<'_, '_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(p, r)| (*p, r)))
        }
    }
    #[derive(Serialize)]
    struct File<'r, 'a> {
        format: u32,
        version: &'static str,
        pages: Pages<'r, 'a>,
    }
    let file = File {
        format: SOURCES_FORMAT,
        version: env!("CARGO_PKG_VERSION"),
        pages: Pages(records),
    };
    postcard::to_stdvec(&file).unwrap_or_default()
}

/// The parsed pages of the last `build --cache`, by path relative to the
/// site root, in [`SOURCES_FILE`]: a page whose file still has the stamp
/// recorded is neither read nor parsed again. Binary (postcard): the
/// rendered bodies of 10,000 pages are some 150 MB, which JSON would take
/// longer to decode than parsing takes. A file of another format or
/// appraise version is ignored whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceCache {
    format: u32,
    version: String,
    /// Page records by path.
    pub pages: BTreeMap<String, CachedSource>,
}

impl SourceCache {
    /// A cache of `pages`, for this version of appraise.
    pub fn new(pages: BTreeMap<String, CachedSource>) -> Self {
        SourceCache {
            format: SOURCES_FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            pages,
        }
    }

    /// The cache in `bytes` when they hold one this version wrote; an
    /// empty one otherwise (a damaged cache is rebuilt, not an error).
    pub fn read(bytes: Option<&[u8]>) -> Self {
        bytes
            .and_then(|b| postcard::from_bytes::<SourceCache>(b).ok())
            .filter(|c| c.format == SOURCES_FORMAT && c.version == env!("CARGO_PKG_VERSION"))
            .unwrap_or_default()
    }

    /// The cache as the bytes of its file.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// How many pages it records.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether it records no page.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The stamp recorded for the page at `path`.
    pub fn stamp(&self, path: &str) -> Option<FileStamp> {
        self.pages.get(path).map(|p| p.stamp)
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

    #[test]
    fn parsed_pages_written_from_borrowed_parts_read_back_whole() {
        let (doc, diags) = crate::parse::parse_page(
            "content/trials/x.md",
            b"---\ntitle: X\nmystery: 1\n---\nBody with 89/258 (34.5%).\n\n## Results\n",
        );
        let doc = doc.unwrap();
        assert!(!diags.is_empty(), "the unknown key is warned about");
        let stamp = FileStamp {
            len: 9,
            modified: -5,
            changed: 1 << 70,
            inode: 3,
        };
        let rec = SourceRecord::of(&doc, &diags.0, 77, stamp);
        let bytes = sources_bytes(&[("content/trials/x.md", rec)]);
        let back = SourceCache::read(Some(&bytes));
        assert_eq!(back.len(), 1);
        assert_eq!(back.stamp("content/trials/x.md"), Some(stamp));
        let (hash, revived, d) = (back.pages.into_iter().next().unwrap().1)
            .revive("content/trials/x.md")
            .unwrap();
        assert_eq!((hash, d), (77, diags.0));
        assert_eq!(revived.front, doc.front);
        assert_eq!(revived.body, doc.body);
        assert_eq!(
            (revived.yaml, revived.yaml_line, revived.body_line),
            (doc.yaml, doc.yaml_line, doc.body_line)
        );
        assert!(SourceCache::read(Some(&bytes[..bytes.len() - 1])).is_empty());
        let mut other = SourceCache::new(BTreeMap::new()).to_bytes();
        assert!(SourceCache::read(Some(&other)).is_empty());
        other.clear();
        assert!(SourceCache::read(Some(&other)).is_empty());
    }
}
