//! The offline search index: one entry per trial, appraisal and topic,
//! built from the typed model (never by reading the rendered HTML), with
//! its searchable words already normalised by [`normalise`] so that the
//! theme's `search.js` only has to normalise the query the same way and
//! compare word prefixes.
//!
//! The index is split by word so that a search downloads only what it
//! needs (format: `docs/json.md`). A small manifest, `search/index.json`,
//! names two kinds of shard:
//!
//! - term shards (`search/terms-N.json`): every normalised word of the
//!   entries, in the shard chosen by the hash of its first two characters
//!   ([`term_shard`], the same function as `search.js`'s), mapped to the
//!   ids of the entries that hold it and where (the title, acronym and
//!   registry ids rank first). A query word needs one term shard: every
//!   word it begins is there.
//! - entry shards (`search/docs-N.json`): what a result shows (title, kind,
//!   URL under the base path, a one-line summary), [`DOC_ENTRIES`] entries
//!   a shard in the site's page order; entry `i` is in shard
//!   `i / DOC_ENTRIES`, fetched only for the results shown.
//!
//! The bytes depend only on the site. An edit that keeps a page's words
//! rewrites at most its entry shard; one that changes words also rewrites
//! the term shards of those words. In `serve` and `build --cache` each
//! page's entry and words are kept under the page's dependency key
//! ([`super::ListMemo`]), so only changed pages' entries are derived
//! again; in `serve` the term shards are kept too ([`super::terms`]), and
//! only those holding a changed entry's words, or ids moved by an entry
//! added or removed, are assembled again.

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::Diagnostics;
use crate::key::KeyHasher;
use crate::link::Links;
use crate::model::{Appraisal, Page, PageKind, Site, Topic, Trial};
use crate::write::OutputFile;
use std::sync::Arc;

use super::engine::{render_list_file, SiteFile};
use super::page::{ctx_for, simple_page};
use super::site::Env;
use super::terms::term_shards;

/// Where the index's manifest is written in the output (an interface:
/// `docs/json.md`).
pub const INDEX_PATH: &str = "search/index.json";

/// The folder of the index's files, and how the paths of its term shards
/// (`search/terms-0.json`, …) and entry shards (`search/docs-0.json`, …)
/// begin.
pub const SEARCH_DIR: &str = "search/";
/// How a term shard's file name begins.
pub const TERMS_PREFIX: &str = "terms-";
/// How an entry shard's file name begins.
pub const DOCS_PREFIX: &str = "docs-";

/// How many entries an entry shard holds (the last one fewer).
pub const DOC_ENTRIES: usize = 64;

/// About how many (word, entry) pairs a term shard holds: the number of
/// term shards is the least power of two that keeps them at most this
/// many on average.
pub const TERM_POSTINGS: usize = 4096;

/// Where the search page is written.
const PAGE_PATH: &str = "search/index.html";

/// The version of the index's format, bumped when a key changes meaning
/// (2: a manifest and shards; 3: split by word, term and entry shards).
pub const INDEX_VERSION: u32 = 3;

/// The longest summary, in characters, before it is cut at a word.
const SUMMARY_CHARS: usize = 180;

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    /// A trial or a registry record.
    Trial,
    /// An appraisal.
    Appraisal,
    /// A topic.
    Topic,
}

/// Where in an entry a word is: the rank a match there earns. Its number
/// is the low two bits of a posting (`docs/json.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// Elsewhere: population, intervention, tags, summary, ….
    Text = 0,
    /// The title, acronym or registry ids.
    Key = 1,
    /// A word of the trial's acronym.
    Acronym = 2,
}

/// What a result shows of one page (a line of an entry shard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchEntry {
    /// Trial, appraisal or topic.
    pub kind: SearchKind,
    /// The page's title.
    pub title: String,
    /// The trial's acronym (trials only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// The page's URL: an absolute path under the base path.
    pub url: String,
    /// One line of context: the description, else the trial's question.
    pub summary: String,
}

/// One page's words as the index holds them: each normalised word once,
/// in the order first met, with the best place it is found in.
pub type EntryWords = Vec<(String, Place)>;

/// The index's manifest, `search/index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchManifest {
    /// [`INDEX_VERSION`].
    pub version: u32,
    /// How many entries the index holds; their ids are `0..entries`.
    pub entries: usize,
    /// The folder of the shards: an absolute path under the base path.
    pub path: String,
    /// How many term shards (`terms-0.json` … in `path`).
    pub terms: usize,
    /// How many entries an entry shard holds ([`DOC_ENTRIES`]).
    pub doc_entries: usize,
    /// How many entry shards (`docs-0.json` … in `path`).
    pub docs: usize,
    /// The bytes of every term and entry shard together: what keeping the
    /// whole index on a device downloads (before compression).
    pub bytes: usize,
}

/// What the search page's template gets besides the site and page.
#[derive(Debug, Clone, Serialize)]
pub struct SearchCtx {
    /// The index's URL, an absolute path under the base path.
    pub index: String,
    /// Whether the site has a tags index to offer when search cannot run.
    pub tags: bool,
}

/// Text as the index stores it: transliterated to ASCII (accents folded:
/// "Hôpitaux" → "hopitaux"), lowercase, every run of other characters
/// (hyphens, punctuation, spaces) one space, trimmed. `septic-shock` and
/// "Septic shock" both become `septic shock`.
pub fn normalise(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for w in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The normalised words of `parts`, each once in the order first met,
/// leaving out those in `skip`.
fn words<'s>(parts: impl IntoIterator<Item = &'s str>, skip: &[String]) -> Vec<String> {
    let texts: Vec<String> = parts.into_iter().map(normalise).collect();
    let mut met: HashSet<&str> = skip.iter().map(String::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    for w in texts
        .iter()
        .flat_map(|t| t.split(' '))
        .filter(|w| !w.is_empty())
    {
        if met.insert(w) {
            out.push(w.to_string());
        }
    }
    out
}

/// `s` cut to at most [`SUMMARY_CHARS`] characters at a word, with an
/// ellipsis when cut.
fn summary(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= SUMMARY_CHARS {
        return s;
    }
    let cut: String = s.chars().take(SUMMARY_CHARS).collect();
    let end = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end_matches([',', ';', ':', '.']))
}

/// What a trial adds to its entry: (key texts, other texts).
fn trial_texts(t: &Trial) -> (Vec<&str>, Vec<&str>) {
    let mut keys: Vec<&str> = vec![&t.acronym];
    keys.extend(t.title.as_deref());
    keys.extend(t.registrations.iter().map(|r| r.id.as_str()));
    let pop = &t.population;
    let mut text: Vec<&str> = Vec::new();
    text.extend(pop.description.as_deref());
    text.extend(pop.setting.as_deref());
    for a in &t.arms {
        text.push(&a.label);
        text.extend(a.intervention.as_deref());
    }
    if let Some(r) = &t.registry {
        text.extend(r.conditions.iter().map(String::as_str));
        text.extend(r.sponsor.as_deref());
    }
    text.extend(t.question.as_deref());
    text.extend(t.publication.as_ref().and_then(|p| p.journal.as_deref()));
    text.extend(t.outcomes.iter().map(|o| o.label.as_str()));
    text.extend(t.design.countries.iter().map(String::as_str));
    (keys, text)
}

/// The acronyms of the trials at `pages`.
fn acronyms<'s>(site: &'s Site, pages: Option<&Vec<usize>>) -> Vec<&'s str> {
    pages
        .into_iter()
        .flatten()
        .filter_map(|&j| match &site.pages[j].kind {
            PageKind::Trial(t) => Some(t.acronym.as_str()),
            _ => None,
        })
        .collect()
}

/// What an appraisal or a topic adds: the trials it discusses or pools,
/// and a topic's analyses.
fn gathering_texts<'s>(
    site: &'s Site,
    links: &Links,
    i: usize,
    topic: Option<&'s Topic>,
) -> Vec<&'s str> {
    let mut text = match topic {
        Some(_) => acronyms(site, links.topic_trials.get(&i)),
        None => acronyms(site, links.appraisal_trials.get(&i)),
    };
    if let Some(t) = topic {
        text.extend(t.analyses.iter().map(|a| a.title.as_str()));
    }
    text
}

/// Page `i`'s entry and words, or none for a plain page.
fn entry(env: &Env, i: usize) -> Option<(SearchEntry, EntryWords)> {
    let site = env.input.site;
    let p: &Page = &site.pages[i];
    let mut keys: Vec<&str> = vec![&p.title];
    let mut text: Vec<&str> = vec![&p.description];
    text.extend(p.tags.iter().map(String::as_str));
    text.extend(p.bottom_line.as_deref());
    let year;
    let (kind, acronym, fallback) = match &p.kind {
        PageKind::Trial(t) => {
            let (k, x) = trial_texts(t);
            keys.extend(k);
            text.extend(x);
            year = t
                .publication
                .as_ref()
                .and_then(|p| p.year)
                .map(|y| y.to_string());
            text.extend(year.as_deref());
            let acronym = Some(t.acronym.clone());
            (SearchKind::Trial, acronym, t.question.as_deref())
        }
        PageKind::Appraisal(Appraisal { .. }) => {
            text.extend(gathering_texts(site, env.input.links, i, None));
            (SearchKind::Appraisal, None, None)
        }
        PageKind::Topic(t) => {
            text.extend(gathering_texts(site, env.input.links, i, Some(t)));
            (SearchKind::Topic, None, None)
        }
        PageKind::Plain => return None,
    };
    let line = if p.description.trim().is_empty() {
        fallback.unwrap_or_default()
    } else {
        &p.description
    };
    let summary = summary(line);
    text.push(&summary);
    let words = placed_words(acronym.as_deref(), &keys, &text);
    let e = SearchEntry {
        kind,
        title: p.title.clone(),
        acronym,
        url: env.url(&p.url_path),
        summary,
    };
    Some((e, words))
}

/// Every word of the acronym, the `keys` texts and the other `text`s,
/// once each, in that order, with the best place it is found in.
fn placed_words(acronym: Option<&str>, keys: &[&str], text: &[&str]) -> EntryWords {
    let acronym = words(acronym, &[]);
    let keys = words(keys.iter().copied(), &acronym);
    let mut skip = acronym.clone();
    skip.extend(keys.iter().cloned());
    let text = words(text.iter().copied(), &skip);
    let place = |ws: Vec<String>, p: Place| ws.into_iter().map(move |w| (w, p));
    place(acronym, Place::Acronym)
        .chain(place(keys, Place::Key))
        .chain(place(text, Place::Text))
        .collect()
}

/// Page `i`'s entry as a line of JSON followed by its words (`0word`,
/// `1word`, `2word`: the place, then the word; space-separated), or empty
/// for a plain page; taken from the memo of the last build when the page's
/// dependency key is the same (the key covers the page, the pages linked
/// with it, and the site-wide inputs such as the base URL).
fn entry_line(env: &Env, i: usize) -> Arc<[u8]> {
    let make = || {
        let Some((e, words)) = entry(env, i) else {
            return Vec::new();
        };
        let mut b = serde_json::to_vec(&e).unwrap_or_default();
        b.push(b'\n');
        for (n, (w, p)) in words.iter().enumerate() {
            if n > 0 {
                b.push(b' ');
            }
            b.push(b'0' + *p as u8);
            b.extend_from_slice(w.as_bytes());
        }
        b
    };
    let Some((memo, keys)) = env.lists.and_then(|m| Some((m, m.page_keys.as_ref()?))) else {
        return Arc::from(make());
    };
    let key = KeyHasher::default()
        .bytes(b"search entry 3")
        .key(keys[i])
        .finish();
    memo.reuse(key).unwrap_or_else(|| {
        let b: Arc<[u8]> = Arc::from(make());
        memo.keep(key, Arc::clone(&b));
        b
    })
}

/// The least power of two of shards that keeps `items` at most `per`
/// on average (none for none).
fn shard_count(items: usize, per: usize) -> usize {
    if items == 0 {
        0
    } else {
        items.div_ceil(per).next_power_of_two()
    }
}

/// The term shard, of `n`, that holds `word`: the 32-bit FNV-1a hash of
/// its first two bytes (of the word itself when it has one), modulo `n`.
/// `search.js` computes the same.
pub fn term_shard(word: &str, n: usize) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in word.as_bytes().iter().take(2) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as usize % n.max(1)
}

/// The output path of shard `n` of the kind whose file names begin `prefix`.
fn shard_path(prefix: &str, n: usize) -> String {
    format!("{SEARCH_DIR}{prefix}{n}.json")
}

/// The index's files: the manifest ([`INDEX_PATH`]), its term shards and
/// its entry shards.
pub(super) fn search_files(env: &Env) -> Vec<SiteFile> {
    let site = env.input.site;
    // Each entry with where its words start and how many it has, found in
    // parallel (`serve` does this on every rebuild, for every page).
    let lines: Vec<(Arc<[u8]>, usize, usize)> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| entry_line(env, i))
        .filter(|l| !l.is_empty())
        .map(|l| {
            let n = l.iter().position(|&b| b == b'\n').unwrap_or(l.len());
            let words = l.get(n + 1..).unwrap_or_default();
            let count = words
                .split(|&b| b == b' ')
                .filter(|w| !w.is_empty())
                .count();
            (l, n, count)
        })
        .collect();
    let split: Vec<(&[u8], &[u8])> = (lines.iter())
        .map(|(l, n, _)| (&l[..*n], l.get(n + 1..).unwrap_or_default()))
        .collect();
    let postings: usize = lines.iter().map(|(_, _, count)| count).sum();
    let terms = shard_count(postings, TERM_POSTINGS);
    let words: Vec<&[u8]> = split.iter().map(|(_, w)| *w).collect();
    let kept = env.lists.and_then(|memo| memo.terms());
    let mut shards: Vec<SiteFile> = match kept {
        Some(mut memo) => (memo.update(&words, terms).into_iter().enumerate())
            .map(|(k, bytes)| SiteFile::shared(shard_path(TERMS_PREFIX, k), bytes))
            .collect(),
        None => (term_shards(&words, terms).into_iter().enumerate())
            .map(|(k, bytes)| {
                SiteFile::from(OutputFile {
                    path: shard_path(TERMS_PREFIX, k),
                    bytes,
                })
            })
            .collect(),
    };
    let docs: Vec<SiteFile> = (split.par_chunks(DOC_ENTRIES).enumerate())
        .map(|(k, chunk)| {
            let entries: Vec<&[u8]> = chunk.iter().map(|(e, _)| *e).collect();
            SiteFile::from(OutputFile {
                path: shard_path(DOCS_PREFIX, k),
                bytes: doc_shard_json(k * DOC_ENTRIES, &entries),
            })
        })
        .collect();
    shards.extend(docs);
    let manifest = SearchManifest {
        version: INDEX_VERSION,
        entries: lines.len(),
        path: env.url(SEARCH_DIR),
        terms,
        doc_entries: DOC_ENTRIES,
        docs: lines.len().div_ceil(DOC_ENTRIES),
        bytes: shards.iter().map(SiteFile::len).sum(),
    };
    let mut bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    let mut files = vec![SiteFile::from(OutputFile {
        path: INDEX_PATH.into(),
        bytes,
    })];
    files.extend(shards);
    files
}

/// The search page (`/search/`, template `search.html`): the form, the
/// live region and the list that `search.js` fills.
pub(super) fn search_page(env: &Env, diags: &mut Diagnostics) -> Option<SiteFile> {
    let page = simple_page(
        env,
        "search",
        "Search".into(),
        "search/",
        format!(
            "Search the trials, appraisals and topics of {}.",
            env.site.title
        ),
    );
    let mut ctx = ctx_for(env, page);
    ctx.search = Some(SearchCtx {
        index: env.url(INDEX_PATH),
        tags: !env.input.links.tags.is_empty(),
    });
    render_list_file(env, "search.html", &ctx, "search", PAGE_PATH.into(), diags)
}

/// An entry shard's bytes from its entries' JSON `lines` (compact, one
/// entry a line so that a diff between two builds reads page by page),
/// `first` the id of its first entry.
fn doc_shard_json(first: usize, lines: &[&[u8]]) -> Vec<u8> {
    let head = format!("{{\"version\":{INDEX_VERSION},\"first\":{first},\"entries\":[");
    let len = head.len() + lines.iter().map(|l| l.len() + 2).sum::<usize>() + 4;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head.as_bytes());
    for (n, l) in lines.iter().enumerate() {
        out.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b"\n]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_case_accents_and_hyphens() {
        assert_eq!(normalise("septic-shock"), "septic shock");
        assert_eq!(normalise("  Septic   Shock. "), "septic shock");
        assert_eq!(
            normalise("Assistance Publique - Hôpitaux de Paris"),
            "assistance publique hopitaux de paris"
        );
        assert_eq!(normalise("LeoPARDS"), "leopards");
        assert_eq!(normalise("NCT04728932"), "nct04728932");
        assert_eq!(normalise("Ærø — ß"), "aero ss");
        assert_eq!(normalise("!!"), "");
    }

    #[test]
    fn words_are_kept_once_in_order_and_skip_the_keys() {
        let keys = words(["LeoPARDS trial", "leopards"], &[]);
        assert_eq!(keys, ["leopards", "trial"]);
        let text = words(["Septic shock", "septic-shock", "Trial of shock"], &keys);
        assert_eq!(text, ["septic", "shock", "of"]);
    }

    #[test]
    fn a_word_has_the_best_place_it_is_found_in() {
        let w = placed_words(
            Some("LeoPARDS"),
            &["LeoPARDS: levosimendan in septic shock", "ISRCTN12776039"],
            &["Septic shock, adults", "levosimendan"],
        );
        let want = [
            ("leopards", Place::Acronym),
            ("levosimendan", Place::Key),
            ("in", Place::Key),
            ("septic", Place::Key),
            ("shock", Place::Key),
            ("isrctn12776039", Place::Key),
            ("adults", Place::Text),
        ];
        let want: Vec<(String, Place)> = want.iter().map(|(w, p)| (w.to_string(), *p)).collect();
        assert_eq!(w, want);
    }

    #[test]
    fn a_long_summary_is_cut_at_a_word() {
        assert_eq!(summary("A short\n  line."), "A short line.");
        let long = "word, ".repeat(40);
        let s = summary(&long);
        assert!(s.ends_with("word…"), "{s}");
        assert!(s.chars().count() <= SUMMARY_CHARS + 1, "{s}");
    }

    #[test]
    fn an_entry_shard_is_one_entry_a_line() {
        let e = SearchEntry {
            kind: SearchKind::Topic,
            title: "T".into(),
            acronym: None,
            url: "/x/topics/t/".into(),
            summary: "S".into(),
        };
        let b = serde_json::to_vec(&e).unwrap();
        let line = r#"{"kind":"topic","title":"T","url":"/x/topics/t/","summary":"S"}"#;
        let want = format!("{{\"version\":3,\"first\":64,\"entries\":[\n{line},\n{line}\n]}}\n");
        assert_eq!(
            String::from_utf8(doc_shard_json(64, &[&b, &b])).unwrap(),
            want
        );
    }

    #[test]
    fn the_term_hash_is_fnv_1a_of_two_bytes() {
        // FNV-1a 32 of "se" is 0x3c520aa5 (worked out apart, in Python, from
        // the FNV offset basis 0x811c9dc5 and prime 0x01000193).
        assert_eq!(term_shard("septic", 1 << 32), 0x3c52_0aa5);
        assert_eq!(term_shard("se", 1 << 20), term_shard("septic", 1 << 20));
        assert_eq!(term_shard("x", 1), 0);
    }

    #[test]
    fn shards_are_a_power_of_two_of_about_the_target_each() {
        assert_eq!(shard_count(0, 64), 0);
        assert_eq!(shard_count(1, 64), 1);
        assert_eq!(shard_count(64, 64), 1);
        assert_eq!(shard_count(65, 64), 2);
        assert_eq!(shard_count(600_000, TERM_POSTINGS), 256);
    }
}
