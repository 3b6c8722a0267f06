//! The offline search index: one entry per trial, appraisal and topic,
//! built from the typed model (never by reading the rendered HTML), with
//! its searchable words already normalised by [`normalise`] so that the
//! theme's `search.js` only has to normalise the query the same way and
//! compare word prefixes.
//!
//! An entry holds what a result shows (title, kind, URL under the base
//! path, a one-line summary) and two word lists: `keys` (title, acronym,
//! registry ids: a match there ranks first) and `text` (population,
//! intervention and comparator, conditions, tags, journal, year, outcome
//! labels; for appraisals and topics the trials they discuss). Each list
//! holds every word once, in the order first met, and `text` leaves out the
//! words of the summary when `search.js` can normalise them itself (an
//! ASCII summary), so the index stays small and its bytes depend only on
//! the site.
//!
//! The entries are split into shards (`search/shard-N.json`, about
//! [`SHARD_ENTRIES`] entries each, a page's shard chosen by the hash of its
//! path) listed by a small manifest, `search/index.json`: a rebuild after
//! one edit changes one shard, not the whole index. In `serve` and
//! `build --cache` each page's entry is kept under the page's dependency
//! key ([`super::ListMemo`]), so only changed pages' entries are derived
//! again.

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::Diagnostics;
use crate::key::{hash_bytes, KeyHasher};
use crate::link::Links;
use crate::model::{Appraisal, Page, PageKind, Site, Topic, Trial};
use crate::write::OutputFile;

use super::engine::render_list_file;
use super::page::{ctx_for, simple_page};
use super::site::Env;

/// Where the index's manifest is written in the output (an interface:
/// `docs/json.md`).
pub const INDEX_PATH: &str = "search/index.json";

/// How the output paths of the index's shards begin (`search/shard-0.json`, …).
pub const SHARD_PREFIX: &str = "search/shard-";

/// About how many entries a shard holds: the number of shards is the
/// least power of two that keeps them at most this many on average.
pub const SHARD_ENTRIES: usize = 2048;

/// Where the search page is written.
const PAGE_PATH: &str = "search/index.html";

/// The version of the index's format, bumped when a key changes meaning
/// (2: a manifest and shards; `text` without the summary's words).
pub const INDEX_VERSION: u32 = 2;

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

/// One page in the index.
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
    /// Normalised words of the title, acronym and registry ids, each once.
    pub keys: String,
    /// Normalised words of everything else searched, each once, none of `keys`.
    pub text: String,
}

/// The index's manifest, `search/index.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchManifest {
    /// [`INDEX_VERSION`].
    pub version: u32,
    /// How many entries the shards hold in all.
    pub entries: usize,
    /// The shards' URLs (absolute paths under the base path), in order.
    pub shards: Vec<String>,
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
    let mut met: HashSet<String> = skip.iter().cloned().collect();
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        for w in normalise(p).split(' ').filter(|w| !w.is_empty()) {
            if met.insert(w.to_string()) {
                out.push(w.to_string());
            }
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

/// Page `i`'s entry, or none for a plain page.
fn entry(env: &Env, i: usize) -> Option<SearchEntry> {
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
    let keys = words(keys, &[]);
    let mut skip = keys.clone();
    skip.extend(summary_words(&summary));
    let text = words(text, &skip);
    Some(SearchEntry {
        kind,
        title: p.title.clone(),
        acronym,
        url: env.url(&p.url_path),
        summary,
        keys: keys.join(" "),
        text: text.join(" "),
    })
}

/// The words of a summary that `search.js` finds by itself (it searches
/// the summary as well as `text`): all of them when the summary, but for
/// its ellipsis, is ASCII (where its normalisation and [`normalise`]
/// agree), else none.
fn summary_words(summary: &str) -> Vec<String> {
    if summary.trim_end_matches('…').is_ascii() {
        words([summary], &[])
    } else {
        Vec::new()
    }
}

/// Page `i`'s entry as one line of JSON (empty for a plain page), taken
/// from the memo of the last build when the page's dependency key is the
/// same (the key covers the page, the pages linked with it, and the
/// site-wide inputs such as the base URL).
fn entry_line(env: &Env, i: usize) -> Vec<u8> {
    let make = || {
        entry(env, i)
            .map(|e| serde_json::to_vec(&e).unwrap_or_default())
            .unwrap_or_default()
    };
    let Some((memo, keys)) = env.lists.and_then(|m| Some((m, m.page_keys.as_ref()?))) else {
        return make();
    };
    let key = KeyHasher::default()
        .bytes(b"search entry")
        .key(keys[i])
        .finish();
    memo.reuse(key).unwrap_or_else(|| {
        let b = make();
        memo.keep(key, b.clone());
        b
    })
}

/// How many shards `entries` entries are split into (none for none).
fn shard_count(entries: usize) -> usize {
    if entries == 0 {
        0
    } else {
        entries.div_ceil(SHARD_ENTRIES).next_power_of_two()
    }
}

/// The output path of shard `n`.
fn shard_path(n: usize) -> String {
    format!("{SHARD_PREFIX}{n}.json")
}

/// The index's files: the manifest ([`INDEX_PATH`]) and its shards, each
/// shard holding its pages' entries in the site's page order.
pub(super) fn search_files(env: &Env) -> Vec<OutputFile> {
    let site = env.input.site;
    let lines: Vec<(usize, Vec<u8>)> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| (i, entry_line(env, i)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let n = shard_count(lines.len());
    let mut shards: Vec<Vec<&[u8]>> = vec![Vec::new(); n];
    for (i, l) in &lines {
        let h = hash_bytes(site.pages[*i].url_path.as_bytes());
        shards[(h % n as u128) as usize].push(l);
    }
    let manifest = SearchManifest {
        version: INDEX_VERSION,
        entries: lines.len(),
        shards: (0..n).map(|k| env.url(&shard_path(k))).collect(),
    };
    let mut bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    let mut files = vec![OutputFile {
        path: INDEX_PATH.into(),
        bytes,
    }];
    for (k, s) in shards.iter().enumerate() {
        files.push(OutputFile {
            path: shard_path(k),
            bytes: shard_json(s),
        });
    }
    files
}

/// The search page (`/search/`, template `search.html`): the form, the
/// live region and the list that `search.js` fills.
pub(super) fn search_page(env: &Env, diags: &mut Diagnostics) -> Option<OutputFile> {
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

/// A shard's bytes from its entries' JSON `lines` (compact, one entry a
/// line so that a diff between two builds reads page by page).
fn shard_json(lines: &[&[u8]]) -> Vec<u8> {
    let head = format!("{{\"version\":{INDEX_VERSION},\"entries\":[");
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
    fn a_long_summary_is_cut_at_a_word() {
        assert_eq!(summary("A short\n  line."), "A short line.");
        let long = "word, ".repeat(40);
        let s = summary(&long);
        assert!(s.ends_with("word…"), "{s}");
        assert!(s.chars().count() <= SUMMARY_CHARS + 1, "{s}");
    }

    #[test]
    fn the_json_is_one_entry_a_line() {
        let e = SearchEntry {
            kind: SearchKind::Topic,
            title: "T".into(),
            acronym: None,
            url: "/x/topics/t/".into(),
            summary: "S".into(),
            keys: "t".into(),
            text: "s".into(),
        };
        let b = serde_json::to_vec(&e).unwrap();
        let line = r#"{"kind":"topic","title":"T","url":"/x/topics/t/","summary":"S","keys":"t","text":"s"}"#;
        let want = format!("{{\"version\":2,\"entries\":[\n{line},\n{line}\n]}}\n");
        assert_eq!(String::from_utf8(shard_json(&[&b, &b])).unwrap(), want);
        assert_eq!(shard_json(&[]), b"{\"version\":2,\"entries\":[\n]}\n");
    }

    #[test]
    fn shards_are_a_power_of_two_of_about_shard_entries_each() {
        assert_eq!(shard_count(0), 0);
        assert_eq!(shard_count(1), 1);
        assert_eq!(shard_count(SHARD_ENTRIES), 1);
        assert_eq!(shard_count(SHARD_ENTRIES + 1), 2);
        assert_eq!(shard_count(10_000), 8);
    }

    #[test]
    fn only_an_ascii_summary_gives_its_words_to_search_js() {
        assert_eq!(
            summary_words("Septic-shock, adults…"),
            ["septic", "shock", "adults"]
        );
        assert!(summary_words("Hôpitaux de Paris").is_empty());
    }
}
