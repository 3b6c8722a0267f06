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
//! Beside it, `sources-00.bin` to `sources-31.bin` ([`SourceCache`]) hold
//! every page file's parse under the file's stamp ([`FileStamp`]: size,
//! modification and status-change times, inode), so a page whose file
//! keeps its stamp is neither read nor parsed again by discover and the
//! engine; and with it the page's model ([`CachedModel`]) under the
//! page's own key, so that a page whose file, bundle CSV files and
//! site-wide inputs are unchanged is not modelled again either (its front
//! matter is then not even deserialised). The pages are split into shards
//! by path so that a build which parsed a few pages again rewrites only
//! their shards.
//!
//! And `lists.bin` ([`ListsCache`]) holds the list memo of the last build
//! (list pages, search entries, the home page's social image, each under
//! the key of what it is made of; see [`crate::render::ListMemo`]), with
//! the key of the site-wide inputs it was made under, so that a build
//! renders only the lists whose inputs changed. A list file edited by hand
//! in the output is still written again: the write stage compares every
//! site-wide file's bytes with the output's.
//!
//! A page is taken from the last output instead of rendered when its
//! render key is recorded and every one of its files is in the output with
//! the stamp recorded: a file edited, replaced or removed by hand since
//! then has another stamp (or none) and its page is rendered again. A
//! cache written by another appraise version, for another output folder,
//! or in another format is ignored whole (the version is also part of
//! every key). The format is JSON: small (a few megabytes for 10,000
//! pages), readable when something needs explaining, and already a
//! dependency. Every file of the folder is ignored, never an error, when
//! damaged or written by another version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::key::Key;

/// The cache folder, in the site's folder.
pub const DIR: &str = ".appraise-cache";

/// The cache file, in [`DIR`].
pub const FILE: &str = "build.json";

/// The version of the file's format. Also raised when the analysis gives
/// other results for the same input (4: Fisher's p is counted exactly
/// near 0.05 for small tables), since the records name a page's rendered
/// files and its "ok:" lines under keys that do not include the engine;
/// and when a record holds more (5: a trial's line in a list).
const FORMAT: u32 = 5;

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

/// One trial's analysis as the build summary and the lists need it when
/// the trial is not analysed again (no page shown again needs its
/// numbers): what the analysis reported, its "ok:" lines and its line in
/// a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedTrial {
    /// The analysis's diagnostics.
    pub diags: Vec<Diagnostic>,
    /// Its "ok:" lines (see [`crate::pipeline::Report::reproduced`]).
    pub reproduced: Vec<String>,
    /// Its result at a glance, for the lists that show it.
    #[serde(default)]
    pub glance: Option<crate::render::GlanceCtx>,
}

/// The cache: page records by render key, trial records by the trial's
/// own key, and the output's stamps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// The files of parsed pages, in [`DIR`] ([`SourceCache`]): the pages
/// are split into this many shards by their path ([`shard_of`]), so a
/// build that re-parses one page rewrites one shard, not all of them.
pub const SOURCES_SHARDS: usize = 32;

/// The file name of shard `n` of the parsed pages (`sources-07.bin`).
pub fn sources_file(n: usize) -> String {
    format!("sources-{n:02}.bin")
}

/// The file of parsed pages that builds before [`SOURCES_SHARDS`] wrote
/// (one file for all pages): no longer read, removed when the shards are
/// saved.
pub const OLD_SOURCES_FILE: &str = "sources.bin";

/// The shard of the parsed pages that the page at `path` is kept in.
pub fn shard_of(path: &str) -> usize {
    (crate::key::hash_bytes(path.as_bytes()) % SOURCES_SHARDS as u128) as usize
}

/// The version of the shards' format.
const SOURCES_FORMAT: u32 = 6;

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
/// is deserialised again from its YAML text when the page's model must be
/// made again (exactly what parse makes of it), and parse's diagnostics.
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
    /// Its model, when the build that parsed it made one.
    pub model: Option<CachedModel>,
}

/// A page as [`CachedSource::revive`] gives it back: the key of its file's
/// bytes, its parse, parse's diagnostics, and its model with the own key it
/// was made under (when that decodes).
pub type Revived = (
    Key,
    crate::parse::ParsedDoc,
    Vec<Diagnostic>,
    Option<(Key, crate::model::PageOut)>,
);

impl CachedSource {
    /// The page at `rel_path` as parse and the model left it. With a model
    /// (and for a page that is no section's `_index.md`, whose front
    /// matter configures the site), the front matter is left pending
    /// ([`crate::parse::ParsedDoc::front_pending`]): the model is what a
    /// build needs of it. `None` when the YAML must be deserialised and no
    /// longer does (a damaged cache: the file is then read again).
    pub fn revive(self, rel_path: &str) -> Option<Revived> {
        let index = rel_path.ends_with("_index.md");
        let model = (self.model)
            .filter(|_| !index)
            .and_then(|m| Some((m.key, m.decode()?)));
        let front = match model {
            Some(_) => Default::default(),
            None => Box::new(
                crate::parse::front_matter::deserialize(&self.doc.yaml)
                    .ok()?
                    .0,
            ),
        };
        let doc = crate::parse::ParsedDoc {
            rel_path: rel_path.to_string(),
            front,
            yaml: self.doc.yaml,
            yaml_line: self.doc.yaml_line,
            body_line: self.doc.body_line,
            body: self.doc.body,
            front_pending: model.is_some(),
        };
        Some((self.hash, doc, self.doc.diags, model))
    }
}

/// One page's model as the build cache keeps it
/// ([`crate::model::PageOut`]), under the page's own key when it was made
/// (which the engine's memo of models is keyed by: the file's bytes, its
/// bundle's CSV files and the site-wide inputs). The page itself is in
/// borsh, without its body (the parse has it), because the model types'
/// serde form is the one of the JSON twins and templates, which leaves
/// fields out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedModel {
    /// The page's own key when its model was made.
    pub key: Key,
    /// The model's diagnostics.
    pub diags: Vec<Diagnostic>,
    /// The CSV files it read.
    pub used_csv: Vec<String>,
    /// The page in borsh (`None`: the model rejected it, or left it out).
    pub page: Option<Blob>,
    /// The key of the page's bytes: a page whose bytes were damaged is
    /// not decoded (borsh could take some damage for another page).
    pub check: Key,
}

impl CachedModel {
    /// The record of `out` made under `key`; `None` when its page does not
    /// encode (borsh refuses a NaN).
    fn of(key: Key, out: &crate::model::PageOut) -> Option<Self> {
        let page = match &out.page {
            Some(p) => Some(Blob(borsh::to_vec(p).ok()?)),
            None => None,
        };
        Some(CachedModel {
            key,
            diags: out.diags.0.clone(),
            used_csv: out.used_csv.clone(),
            check: page_check(page.as_ref()),
            page,
        })
    }

    /// The model, its page without a body
    /// ([`crate::model::PageOut::restore_body`] gives it one); `None` when
    /// the page does not decode.
    fn decode(self) -> Option<crate::model::PageOut> {
        if page_check(self.page.as_ref()) != self.check {
            return None;
        }
        let page = match self.page {
            Some(b) => Some(borsh::from_slice::<crate::model::Page>(&b.0).ok()?),
            None => None,
        };
        Some(crate::model::PageOut {
            page,
            diags: crate::diag::Diagnostics(self.diags),
            used_csv: self.used_csv,
        })
    }
}

/// The key of a cached model's page bytes ([`CachedModel::check`]).
fn page_check(page: Option<&Blob>) -> Key {
    page.map_or(0, |b| crate::key::hash_bytes(&b.0))
}

/// Bytes written as one byte string (postcard copies them in one go, where
/// a `Vec<u8>` would go byte by byte).
#[derive(Debug, Clone, PartialEq)]
pub struct Blob(pub Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        d.deserialize_byte_buf(V)
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
    /// Its model with the own key it was made under, encoded only when the
    /// record's shard is written (as `None` when it does not encode).
    #[serde(serialize_with = "model_record")]
    pub model: Option<(Key, &'a crate::model::PageOut)>,
}

/// Write [`SourceRecord::model`] as [`CachedSource::model`] reads it.
fn model_record<S: serde::Serializer>(
    model: &Option<(Key, &crate::model::PageOut)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    model
        .and_then(|(key, out)| CachedModel::of(key, out))
        .serialize(s)
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
    /// when listed with `stamp`, and its `model` when it has one.
    pub fn of(
        doc: &'a crate::parse::ParsedDoc,
        diags: &'a [Diagnostic],
        hash: Key,
        stamp: FileStamp,
        model: Option<(Key, &'a crate::model::PageOut)>,
    ) -> Self {
        SourceRecord {
            model,
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

/// Add one page record's identity to a shard's digest: its path, its
/// file's stamp, the key of its bytes (its parse follows from those and
/// the appraise version, which every shard carries) and the own key its
/// model was made under (0 for none).
fn digest_record(
    h: &mut crate::key::KeyHasher,
    path: &str,
    stamp: &FileStamp,
    hash: Key,
    model: Option<Key>,
) {
    h.bytes(path.as_bytes())
        .bytes(&stamp.len.to_le_bytes())
        .bytes(&stamp.modified.to_le_bytes())
        .bytes(&stamp.changed.to_le_bytes())
        .bytes(&stamp.inode.to_le_bytes())
        .key(hash)
        .key(model.unwrap_or(0));
}

/// The shard files to write for `records` (path, record, in any order),
/// as (file name, bytes): every shard whose records differ from what
/// `before` ([`SourceCache::digests`]) says it held when read, encoded
/// without copying a page. A shard left without records is written empty.
pub fn sources_shards(
    records: &[(&str, SourceRecord)],
    before: &[Option<Key>],
) -> Vec<(String, Vec<u8>)> {
    /// The records of one shard as the map of [`Shard::pages`].
    struct Pages<'r, 'a>(Vec<&'r (&'a str, SourceRecord<'a>)>);
    impl Serialize for Pages<'_, '_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(p, r)| (*p, r)))
        }
    }
    #[derive(Serialize)]
    struct File<'r, 'a> {
        format: u32,
        version: &'static str,
        shard: u32,
        pages: Pages<'r, 'a>,
    }
    let mut shards: Vec<Vec<&(&str, SourceRecord)>> = vec![Vec::new(); SOURCES_SHARDS];
    for r in records {
        shards[shard_of(r.0)].push(r);
    }
    let mut out = Vec::new();
    for (n, mut recs) in shards.into_iter().enumerate() {
        recs.sort_unstable_by_key(|r| r.0);
        let mut h = crate::key::KeyHasher::default();
        for (p, r) in &recs {
            digest_record(&mut h, p, &r.stamp, r.hash, r.model.map(|m| m.0));
        }
        if before.get(n).copied().flatten() == Some(h.finish()) {
            continue;
        }
        let file = File {
            format: SOURCES_FORMAT,
            version: env!("CARGO_PKG_VERSION"),
            shard: n as u32,
            pages: Pages(recs),
        };
        out.push((
            sources_file(n),
            postcard::to_stdvec(&file).unwrap_or_default(),
        ));
    }
    out
}

/// One shard file as read ([`sources_shards`] writes it).
#[derive(Deserialize)]
struct Shard {
    format: u32,
    version: String,
    shard: u32,
    pages: Vec<(String, CachedSource)>,
}

/// The parsed pages of the last `build --cache`, by path relative to the
/// site root, from the [`SOURCES_SHARDS`] files [`sources_file`]: a page
/// whose file still has the stamp recorded is neither read nor parsed
/// again. Binary (postcard): the rendered bodies of 10,000 pages are some
/// 200 MB, which JSON would take longer to decode than parsing takes. A
/// shard of another format or appraise version, damaged, or holding a
/// page that belongs in another shard is ignored whole (its pages are
/// read again); the others still count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCache {
    /// Page records by path.
    pub pages: BTreeMap<String, CachedSource>,
    /// For each shard, the digest of the records it held when read
    /// (`None`: missing or ignored), so that saving skips the shards
    /// whose records are the same ([`sources_shards`]).
    pub digests: Vec<Option<Key>>,
}

impl SourceCache {
    /// The cache in the shard files, `read(n)` giving the bytes of shard
    /// `n` ([`sources_file`]) when there is one; the shards are read and
    /// decoded in parallel. The pages' bodies are not copied: each is a
    /// range of its shard's bytes ([`crate::parse::body`]), which are
    /// kept while a body of theirs is.
    pub fn read(read: impl Fn(usize) -> Option<crate::parse::body::Buffer> + Sync) -> Self {
        use rayon::prelude::*;
        let shards: Vec<Option<(Key, Vec<(String, CachedSource)>)>> = (0..SOURCES_SHARDS)
            .into_par_iter()
            .map(|n| {
                let bytes = std::sync::Arc::new(read(n)?);
                crate::parse::body::decoding_from(&bytes, |b| Self::decode(n, b))
            })
            .collect();
        let mut cache = SourceCache::default();
        for shard in shards {
            let Some((digest, pages)) = shard else {
                cache.digests.push(None);
                continue;
            };
            cache.digests.push(Some(digest));
            cache.pages.extend(pages);
        }
        cache
    }

    /// Shard `n` in `bytes`, with its digest, when this version wrote it
    /// for that shard.
    fn decode(n: usize, bytes: &[u8]) -> Option<(Key, Vec<(String, CachedSource)>)> {
        let shard = postcard::from_bytes::<Shard>(bytes).ok()?;
        let ours = shard.format == SOURCES_FORMAT
            && shard.version == env!("CARGO_PKG_VERSION")
            && shard.shard as usize == n
            && shard.pages.iter().all(|(p, _)| shard_of(p) == n);
        if !ours {
            return None;
        }
        let mut h = crate::key::KeyHasher::default();
        for (p, r) in &shard.pages {
            digest_record(&mut h, p, &r.stamp, r.hash, r.model.as_ref().map(|m| m.key));
        }
        Some((h.finish(), shard.pages))
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

/// The file of the list memo, in [`DIR`] ([`ListsCache`]).
pub const LISTS_FILE: &str = "lists.bin";

/// What [`LISTS_FILE`] starts with.
const LISTS_MAGIC: &[u8] = b"appraise list memo\n";

/// The version of [`LISTS_FILE`]'s format.
const LISTS_FORMAT: u32 = 2;

/// The list memo of the last `build --cache` (see
/// [`crate::render::ListMemo`]): the list pages, search entries and home
/// page's social image it rendered, each under the key of everything it
/// is made of, so that the next build renders only the lists whose inputs
/// changed. `guard` is the key of the site-wide inputs it was made under
/// (the engine drops the memo when they differ). The format is a plain
/// binary one (a header, then key, length and bytes for each entry):
/// some tens of megabytes at 10,000 pages, which a byte-wise encoding
/// would decode slowly. A file of another format or appraise version, or
/// damaged, is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListsCache {
    /// The key of the site-wide inputs the memo was made under.
    pub guard: Key,
    /// The memo's entries.
    pub entries: std::collections::HashMap<Key, std::sync::Arc<[u8]>>,
}

impl ListsCache {
    /// The memo in `bytes`, when they hold one this version wrote.
    pub fn read(bytes: &[u8]) -> Option<Self> {
        let mut r = bytes.strip_prefix(LISTS_MAGIC)?;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (a, b) = r.split_at_checked(n)?;
            r = b;
            Some(a)
        };
        let format = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        if format != LISTS_FORMAT || take(len)? != env!("CARGO_PKG_VERSION").as_bytes() {
            return None;
        }
        let guard = Key::from_le_bytes(take(16)?.try_into().ok()?);
        let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let mut entries = std::collections::HashMap::new();
        for _ in 0..count {
            let key = Key::from_le_bytes(take(16)?.try_into().ok()?);
            let len = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
            entries.insert(key, std::sync::Arc::from(take(len)?));
        }
        take(1).is_none().then_some(ListsCache { guard, entries })
    }

    /// The bytes of the file holding `entries` made under `guard` (in key
    /// order, so the same memo gives the same bytes).
    /// The entries' bytes may be owned or shared (`Vec<u8>`, `Arc<[u8]>`).
    pub fn to_bytes<B: AsRef<[u8]>>(
        guard: Key,
        entries: &std::collections::HashMap<Key, B>,
    ) -> Vec<u8> {
        let mut sorted: Vec<(&Key, &[u8])> = entries.iter().map(|(k, v)| (k, v.as_ref())).collect();
        sorted.sort_unstable_by_key(|e| *e.0);
        let size: usize = sorted.iter().map(|e| 24 + e.1.len()).sum();
        let version = env!("CARGO_PKG_VERSION").as_bytes();
        let mut b = Vec::with_capacity(LISTS_MAGIC.len() + 36 + version.len() + size);
        b.extend_from_slice(LISTS_MAGIC);
        b.extend_from_slice(&LISTS_FORMAT.to_le_bytes());
        b.extend_from_slice(&(version.len() as u32).to_le_bytes());
        b.extend_from_slice(version);
        b.extend_from_slice(&guard.to_le_bytes());
        b.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
        for (k, v) in sorted {
            b.extend_from_slice(&k.to_le_bytes());
            b.extend_from_slice(&(v.len() as u64).to_le_bytes());
            b.extend_from_slice(v);
        }
        b
    }
}

/// A `char` in the model's binary encoding (borsh has none): its scalar
/// value as a `u32`, refused when it is not one.
pub mod borsh_char {
    use borsh::io::{Error, ErrorKind, Read, Write};

    /// Write `c` as its scalar value.
    pub fn serialize<W: Write>(c: &char, w: &mut W) -> Result<(), Error> {
        borsh::BorshSerialize::serialize(&u32::from(*c), w)
    }

    /// Read a scalar value back as a `char`.
    pub fn deserialize<R: Read>(r: &mut R) -> Result<char, Error> {
        let n: u32 = borsh::BorshDeserialize::deserialize_reader(r)?;
        char::from_u32(n).ok_or_else(|| Error::new(ErrorKind::InvalidData, "not a char"))
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
        let rec = SourceRecord::of(&doc, &diags.0, 77, stamp, None);
        let path = "content/trials/x.md";
        let n = shard_of(path);
        let files = sources_shards(&[(path, rec)], &[]);
        assert_eq!(files.len(), SOURCES_SHARDS, "every shard is new");
        let bytes = |n: usize| {
            let name = sources_file(n);
            files.iter().find(|f| f.0 == name).map(|f| f.1.clone())
        };
        let back = SourceCache::read(|n| bytes(n).map(Into::into));
        assert_eq!(back.len(), 1);
        assert!(back.digests.iter().all(Option::is_some));
        assert_eq!(back.stamp(path), Some(stamp));
        let rec = SourceRecord::of(&doc, &diags.0, 77, stamp, None);
        assert!(
            sources_shards(&[(path, rec)], &back.digests).is_empty(),
            "the same records write nothing"
        );
        let moved = FileStamp { inode: 4, ..stamp };
        let rec = SourceRecord::of(&doc, &diags.0, 77, moved, None);
        let again = sources_shards(&[(path, rec)], &back.digests);
        assert_eq!(again.len(), 1, "one record changed: its shard only");
        assert_eq!(again[0].0, sources_file(n));
        let (hash, revived, d, model) = (back.pages.into_iter().next().unwrap().1)
            .revive(path)
            .unwrap();
        assert_eq!((hash, d), (77, diags.0));
        assert!(model.is_none() && !revived.front_pending);
        assert_eq!(revived.front, doc.front);
        assert_eq!(revived.body, doc.body);
        assert_eq!(
            (revived.yaml, revived.yaml_line, revived.body_line),
            (doc.yaml, doc.yaml_line, doc.body_line)
        );
        let mine = bytes(n).unwrap();
        let cut = SourceCache::read(|m| {
            bytes(m).map(|b| if m == n { b[..b.len() - 1].to_vec() } else { b }.into())
        });
        assert!(cut.is_empty(), "a damaged shard is ignored");
        assert_eq!(cut.digests[n], None);
        assert_eq!(cut.digests.iter().flatten().count(), SOURCES_SHARDS - 1);
        let elsewhere =
            SourceCache::read(|m| (m == (n + 1) % SOURCES_SHARDS).then(|| mine.clone().into()));
        assert!(
            elsewhere.is_empty(),
            "a shard under another number is ignored"
        );
        let v = env!("CARGO_PKG_VERSION").as_bytes();
        let at = mine.windows(v.len()).position(|w| w == v).unwrap();
        let mut foreign = mine.clone();
        for b in &mut foreign[at..at + v.len()] {
            if b.is_ascii_digit() {
                *b = if *b == b'9' { b'8' } else { b'9' };
            }
        }
        assert!(SourceCache::read(|m| (m == n).then(|| foreign.clone().into())).is_empty());
        assert!(SourceCache::read(|_| Some(Vec::new().into())).is_empty());
    }

    #[test]
    fn a_page_with_its_model_reads_back_with_its_front_matter_pending() {
        let text: &[u8] =
            b"---\ntitle: X\ntags: [sepsis]\n---\nA <span onclick=\"f()\">body</span>.\n";
        let path = "content/notes/x.md";
        let (doc, diags) = crate::parse::parse_page(path, text);
        let doc = doc.unwrap();
        let parsed = crate::parse::Parsed {
            docs: vec![doc.clone()],
            csvs: Vec::new(),
        };
        let over = crate::model::Overrides::default();
        let (site, _, _) = crate::model::build_with(&parsed, &over, Some(&|_| None));
        let out = crate::model::PageOut {
            page: site.pages.first().cloned(),
            diags: crate::diag::Diagnostics(vec![Diagnostic::warning(
                path,
                2,
                1,
                "a model's warning",
            )]),
            used_csv: vec!["content/notes/x.csv".into()],
        };
        let stamp = FileStamp {
            len: 1,
            modified: 2,
            changed: 3,
            inode: 4,
        };
        let with_model = |key| SourceRecord::of(&doc, &diags.0, 7, stamp, Some((key, &out)));
        let files = sources_shards(&[(path, with_model(99))], &[]);
        let bytes = |n: usize| {
            let name = sources_file(n);
            files.iter().find(|f| f.0 == name).map(|f| f.1.clone())
        };
        let back = SourceCache::read(|n| bytes(n).map(Into::into));
        assert!(
            sources_shards(&[(path, with_model(99))], &back.digests).is_empty(),
            "the same records write nothing"
        );
        assert_eq!(
            sources_shards(&[(path, with_model(98))], &back.digests).len(),
            1,
            "a model under another key is a change"
        );
        let (_, revived, _, model) = (back.pages.into_iter().next().unwrap().1)
            .revive(path)
            .unwrap();
        assert!(revived.front_pending, "the front matter is left out");
        assert_eq!(*revived.front, Default::default());
        assert_eq!(revived.with_front().unwrap().unwrap().front, doc.front);
        let (key, mut model) = model.unwrap();
        assert_eq!(key, 99);
        assert_eq!((&model.diags, &model.used_csv), (&out.diags, &out.used_csv));
        let (got, want) = (model.page.as_ref().unwrap(), out.page.as_ref().unwrap());
        assert_eq!(got.body.html.as_str(), "", "kept without its body");
        assert_eq!(
            (&got.title, &got.tags, &got.url_path),
            (&want.title, &want.tags, &want.url_path)
        );
        model.restore_body(&revived, false);
        let body = &model.page.as_ref().unwrap().body;
        assert_eq!(body.html.as_str(), want.body.html.as_str());
        assert!(
            !body.html.contains("onclick"),
            "sanitised as the model would"
        );
    }

    #[test]
    fn a_list_memo_reads_back_only_whole_and_from_this_version() {
        let entries: std::collections::HashMap<Key, std::sync::Arc<[u8]>> =
            std::collections::HashMap::from([(7, b"<html>"[..].into()), (1 << 100, [][..].into())]);
        let bytes = ListsCache::to_bytes(42, &entries);
        let back = ListsCache::read(&bytes).unwrap();
        assert_eq!((back.guard, &back.entries), (42, &entries));
        assert_eq!(
            ListsCache::to_bytes(42, &back.entries),
            bytes,
            "deterministic"
        );
        for n in 0..bytes.len() {
            assert!(ListsCache::read(&bytes[..n]).is_none(), "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(ListsCache::read(&longer).is_none());
        let v = env!("CARGO_PKG_VERSION").as_bytes();
        let at = bytes.windows(v.len()).position(|w| w == v).unwrap();
        let mut other = bytes.clone();
        other[at] = if other[at] == b'9' { b'8' } else { b'9' };
        assert!(ListsCache::read(&other).is_none(), "another version");
    }
}
