//! The search index's term shards (`search/terms-N.json`, format:
//! `docs/json.md`): assembled from scratch (`term_shards`) for a clean
//! build, and kept between the builds of `serve` ([`TermMemo`]) so that a
//! rebuild reassembles only the shards whose words or entry ids changed.
//!
//! Both take each entry's words as [`super::search`] writes them (`0word
//! 1word 2word`: the place, then the word; space-separated), entry `i` at
//! index `i`, and give the same bytes for the same words: the memo is
//! tested against `term_shards` after random changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::search::{term_shard, INDEX_VERSION};

/// The words of one entry's word list with their places (the digit before
/// each word), as the index takes them: words of at least one character
/// after the place, valid UTF-8.
fn entry_words(ws: &[u8]) -> impl Iterator<Item = (&str, u32)> {
    ws.split(|&b| b == b' ')
        .filter(|w| w.len() > 1)
        .filter_map(|w| {
            let word = std::str::from_utf8(&w[1..]).ok()?;
            Some((word, u32::from(w[0].saturating_sub(b'0'))))
        })
}

/// A posting as the shards keep it: the entry's id times four plus the
/// place, so a list sorted by id is sorted by posting and the JSON number
/// is the difference from the previous entry's id times four.
fn posting(id: usize, place: u32) -> u32 {
    (id as u32) << 2 | place.min(3)
}

/// The entry id of a posting.
fn id_of(p: u32) -> usize {
    (p >> 2) as usize
}

/// The `n` term shards' bytes from each entry's words (entry `i` at
/// `words[i]`): each word, in its shard, with its postings (see
/// [`write_postings`]), words in byte order, one a line.
pub(super) fn term_shards(words: &[&[u8]], n: usize) -> Vec<Vec<u8>> {
    let mut shards: Vec<BTreeMap<&str, Vec<u32>>> = vec![BTreeMap::new(); n];
    for (i, ws) in words.iter().enumerate() {
        for (word, place) in entry_words(ws) {
            let list = shards[term_shard(word, n)].entry(word).or_default();
            list.push(posting(i, place));
        }
    }
    shards
        .par_iter()
        .map(|terms| shard_json(terms.iter().map(|(w, l)| (w.as_bytes(), &l[..]))))
        .collect()
}

/// A term shard's bytes from its words (in byte order) and their postings.
fn shard_json<'t>(terms: impl Iterator<Item = (&'t [u8], &'t [u32])>) -> Vec<u8> {
    let mut out = format!("{{\"version\":{INDEX_VERSION},\"terms\":{{").into_bytes();
    for (n, (w, list)) in terms.enumerate() {
        out.extend_from_slice(if n == 0 { b"\n\"" } else { b",\n\"" });
        out.extend_from_slice(w);
        out.extend_from_slice(b"\":");
        write_postings(&mut out, list);
    }
    out.extend_from_slice(b"\n}}\n");
    out
}

/// A word's postings as JSON, appended to `out`: the entries that hold it,
/// by increasing id, each one number, `(id - previous id) * 4 + place`
/// (the first counted from 0), so the list stays short and gzips well.
fn write_postings(out: &mut Vec<u8>, list: &[u32]) {
    out.push(b'[');
    let mut prev = 0u32;
    for (n, &p) in list.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_number(out, p - (prev & !3));
        prev = p;
    }
    out.push(b']');
}

/// `v` in decimal, appended to `out`.
fn write_number(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// One term shard as the memo keeps it: its words' postings and its bytes.
#[derive(Debug, Clone, Default)]
struct Shard {
    terms: BTreeMap<Box<str>, Vec<u32>>,
    bytes: Arc<[u8]>,
}

/// The term shards of the last build with the words they were assembled
/// from, for the next build of `serve` ([`super::ListMemo`]).
///
/// Each build's update compares the new words with the kept ones entry by
/// entry: the postings of entries whose words changed are taken out and
/// put in again, and when entries were added or removed the ids after them
/// move. Only the shards one of those touched are assembled again.
#[derive(Debug, Clone, Default)]
pub struct TermMemo {
    entries: Vec<Vec<u8>>,
    shards: Vec<Shard>,
}

impl TermMemo {
    /// The `n` term shards' bytes for `words` (as [`term_shards`] gives
    /// them), kept for the next call.
    pub(super) fn update(&mut self, words: &[&[u8]], n: usize) -> Vec<Arc<[u8]>> {
        if n != self.shards.len() {
            self.entries.clear();
            self.shards = vec![Shard::default(); n];
        }
        let mut dirty = vec![false; n];
        if self.shards.iter().all(|s| s.bytes.is_empty()) {
            dirty.fill(true);
        }
        self.apply(words, &mut dirty);
        self.shards
            .par_iter_mut()
            .zip(dirty)
            .for_each(|(s, dirty)| {
                if dirty {
                    let json = shard_json(s.terms.iter().map(|(w, l)| (w.as_bytes(), &l[..])));
                    s.bytes = Arc::from(json);
                }
            });
        self.shards.iter().map(|s| Arc::clone(&s.bytes)).collect()
    }

    /// Bring the postings from the kept entries' words to `words`, marking
    /// the shards changed in `dirty`.
    fn apply(&mut self, words: &[&[u8]], dirty: &mut [bool]) {
        let old = self.entries.len();
        let same = |i: usize, j: usize| self.entries[i][..] == *words[j];
        let common = old.min(words.len());
        let first = (0..common).find(|&i| !same(i, i)).unwrap_or(common);
        let last = (0..common - first)
            .find(|&k| !same(old - 1 - k, words.len() - 1 - k))
            .unwrap_or(common - first);
        let (old_end, new_end) = (old - last, words.len() - last);
        if old_end == new_end {
            for i in first..old_end {
                if self.entries[i][..] != *words[i] {
                    let kept = std::mem::take(&mut self.entries[i]);
                    self.remove(i, &kept, dirty);
                    self.add(i, words[i], dirty);
                    self.entries[i] = words[i].to_vec();
                }
            }
            return;
        }
        let gone: Vec<Vec<u8>> = self.entries.drain(first..old_end).collect();
        for (k, ws) in gone.iter().enumerate() {
            self.remove(first + k, ws, dirty);
        }
        self.shift(old_end, new_end as i64 - old_end as i64, dirty);
        for (i, ws) in words.iter().enumerate().take(new_end).skip(first) {
            self.add(i, ws, dirty);
        }
        let fresh = words[first..new_end].iter().map(|w| w.to_vec());
        self.entries.splice(first..first, fresh);
    }

    /// The words of the shard holding `word`, marked changed in `dirty`.
    fn shard_of(&mut self, word: &str, dirty: &mut [bool]) -> &mut BTreeMap<Box<str>, Vec<u32>> {
        let k = term_shard(word, self.shards.len());
        dirty[k] = true;
        &mut self.shards[k].terms
    }

    /// Take entry `id`'s postings (its words `ws`) out.
    fn remove(&mut self, id: usize, ws: &[u8], dirty: &mut [bool]) {
        for (word, _) in entry_words(ws) {
            let terms = self.shard_of(word, dirty);
            let Some(list) = terms.get_mut(word) else {
                continue;
            };
            let at = list.partition_point(|&p| id_of(p) < id);
            if list.get(at).is_some_and(|&p| id_of(p) == id) {
                list.remove(at);
            }
            if list.is_empty() {
                terms.remove(word);
            }
        }
    }

    /// Put entry `id`'s postings (its words `ws`) in, after any it holds.
    fn add(&mut self, id: usize, ws: &[u8], dirty: &mut [bool]) {
        for (word, place) in entry_words(ws) {
            let terms = self.shard_of(word, dirty);
            let list = match terms.get_mut(word) {
                Some(l) => l,
                None => terms.entry(word.into()).or_default(),
            };
            let at = list.partition_point(|&p| id_of(p) <= id);
            list.insert(at, posting(id, place));
        }
    }

    /// Move the ids from `from` on by `by`, marking the shards holding one.
    fn shift(&mut self, from: usize, by: i64, dirty: &mut [bool]) {
        let step = by * 4;
        let moved: Vec<bool> = (self.shards.par_iter_mut())
            .map(|s| {
                let mut any = false;
                for list in s.terms.values_mut() {
                    let at = list.partition_point(|&p| id_of(p) < from);
                    for p in &mut list[at..] {
                        *p = (i64::from(*p) + step) as u32;
                        any = true;
                    }
                }
                any
            })
            .collect();
        for (d, m) in dirty.iter_mut().zip(moved) {
            *d |= m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_shards_list_each_word_with_its_entries_places_and_gaps() {
        // Entry 0 has "septic" in its title, entry 2 has it elsewhere;
        // "sepsis" shares its first two letters, so its shard.
        let words: [&[u8]; 3] = [b"2leo 1septic", b"0shock", b"0septic 0sepsis"];
        let shards = term_shards(&words, 4);
        let se = term_shard("septic", 4);
        assert_eq!(term_shard("sepsis", 4), se);
        let text = String::from_utf8(shards[se].clone()).unwrap();
        assert!(
            text.contains("\n\"sepsis\":[8],\n\"septic\":[1,8]"),
            "{text}"
        );
        let leo = String::from_utf8(shards[term_shard("leo", 4)].clone()).unwrap();
        assert!(leo.contains("\"leo\":[2]"), "{leo}");
        // Every shard is JSON, an empty one too; the four words in all.
        let words: usize = shards
            .iter()
            .map(|s| serde_json::from_slice::<serde_json::Value>(s).unwrap())
            .map(|v| v["terms"].as_object().unwrap().len())
            .sum();
        assert_eq!(words, 4);
        let mut out = Vec::new();
        write_postings(&mut out, &[]);
        assert_eq!(out, b"[]");
    }

    #[test]
    fn postings_are_gaps_times_four_plus_the_place() {
        let mut out = Vec::new();
        let list = [
            posting(0, 1),
            posting(3, 0),
            posting(1000, 2),
            posting(123_456, 0),
        ];
        write_postings(&mut out, &list);
        let want = format!("[1,12,{},{}]", 997 * 4 + 2, (123_456 - 1000) * 4);
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn new_words_of_one_entry_change_only_their_term_shards() {
        let before: [&[u8]; 3] = [b"1alpha 0septic", b"0shock 0beta", b"0septic 0gamma"];
        let after: [&[u8]; 3] = [b"1alpha 0septic", b"0shock 0delta", b"0septic 0gamma"];
        let n = 16;
        let (a, b) = (term_shards(&before, n), term_shards(&after, n));
        let changed: Vec<usize> = (0..n).filter(|&k| a[k] != b[k]).collect();
        let mut want = vec![term_shard("beta", n), term_shard("delta", n)];
        want.sort_unstable();
        want.dedup();
        assert_eq!(changed, want);
    }

    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// An entry's word list: distinct words from a small vocabulary (so
    /// entries share words), each with a place.
    fn random_entry(rng: &mut Rng) -> Vec<u8> {
        const VOCAB: [&str; 12] = [
            "septic",
            "sepsis",
            "shock",
            "se",
            "leo",
            "levosimendan",
            "a",
            "trial",
            "tr",
            "nct0123",
            "adults",
            "mortality",
        ];
        let mut ws: Vec<String> = Vec::new();
        for _ in 0..rng.below(6) {
            let w = VOCAB[rng.below(VOCAB.len())];
            if !ws.iter().any(|x| &x[1..] == w) {
                ws.push(format!("{}{w}", rng.below(3)));
            }
        }
        ws.join(" ").into_bytes()
    }

    #[test]
    fn the_memo_equals_a_fresh_assembly_after_random_changes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for run in 0..20 {
            let mut memo = TermMemo::default();
            let mut entries: Vec<Vec<u8>> =
                (0..rng.below(30)).map(|_| random_entry(&mut rng)).collect();
            for step in 0..40 {
                let len = entries.len();
                match rng.below(5) {
                    0 if len > 0 => entries[rng.below(len)] = random_entry(&mut rng),
                    1 => entries.insert(rng.below(len + 1), random_entry(&mut rng)),
                    2 if len > 0 => {
                        entries.remove(rng.below(len));
                    }
                    3 if len > 1 => {
                        // Two apart at once, as a trial and the topic citing it.
                        let (i, j) = (rng.below(len), rng.below(len));
                        entries[i] = random_entry(&mut rng);
                        entries[j] = random_entry(&mut rng);
                    }
                    _ => {}
                }
                let words: Vec<&[u8]> = entries.iter().map(|e| &e[..]).collect();
                let n = [1, 2, 4, 8][(run + step / 10) % 4];
                let kept: Vec<Vec<u8>> = (memo.update(&words, n).iter())
                    .map(|b| b.to_vec())
                    .collect();
                assert_eq!(kept, term_shards(&words, n), "run {run}, step {step}");
            }
        }
    }

    #[test]
    fn the_memo_reassembles_only_the_shards_a_change_touches() {
        let before: [&[u8]; 3] = [b"1alpha 0septic", b"0shock 0beta", b"0septic 0gamma"];
        let after: [&[u8]; 3] = [b"1alpha 0septic", b"0shock 0delta", b"0septic 0gamma"];
        let n = 16;
        let mut memo = TermMemo::default();
        memo.update(&before, n);
        let mut dirty = vec![false; n];
        memo.apply(&after, &mut dirty);
        let marked: Vec<usize> = (0..n).filter(|&k| dirty[k]).collect();
        let mut want = vec![
            term_shard("shock", n),
            term_shard("beta", n),
            term_shard("delta", n),
        ];
        want.sort_unstable();
        want.dedup();
        assert_eq!(marked, want);
    }
}
