//! Content keys: 128-bit hashes that name a result by everything it was
//! computed from, for the incremental engine ([`crate::incremental`]) and
//! render's memo of list pages.
//!
//! The hash is XXH3 with 128-bit output ([`xxhash_rust::xxh3`]): a fixed,
//! published algorithm, stable across Rust versions and runs (unlike
//! `std`'s `DefaultHasher`), so a key can name a cache on disk; at 128 bits
//! an accidental collision is out of reach for any site. It is not keyed
//! against an adversary, and needs not be: a key only tells a build that
//! what it made before from the same inputs can be used again. Hashing
//! every output file for the service worker and every source for the
//! cache, it reads several gigabytes a second, where SipHash-1-3 (used
//! before) read about one.

use xxhash_rust::xxh3::Xxh3Default;

/// A 128-bit content key.
pub type Key = u128;

/// Hashes parts into a [`Key`].
#[derive(Default)]
pub struct KeyHasher(Xxh3Default);

impl KeyHasher {
    /// Add bytes (their length first, so that ("ab", "c") and ("a", "bc") differ).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update(&(b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }
    /// Add a key.
    pub fn key(&mut self, k: Key) -> &mut Self {
        self.0.update(&k.to_le_bytes());
        self
    }
    /// The key of everything added.
    pub fn finish(&self) -> Key {
        self.0.digest128()
    }
}

/// The key of a file's bytes.
pub fn hash_bytes(b: &[u8]) -> Key {
    KeyHasher::default().bytes(b).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys are XXH3-128 of the length-prefixed bytes, as an
    /// independent implementation computes them (Python's `xxhash` 3:
    /// `xxh3_128_intdigest(struct.pack('<Q', len(b)) + b)`), so a cache
    /// written by one build is read by the next.
    #[test]
    fn keys_are_xxh3_128_of_the_length_prefixed_bytes() {
        assert_eq!(hash_bytes(b"appraise"), 0x4bd47905fd9b63abc57a7cf230adca0d);
        let mut h = KeyHasher::default();
        h.bytes(b"ab").bytes(b"c");
        assert_eq!(h.finish(), 0xf2eda2708bcfd51cc05c0ee4c9f60440);
    }

    #[test]
    fn parts_are_told_apart_by_their_lengths() {
        let mut a = KeyHasher::default();
        a.bytes(b"ab").bytes(b"c");
        let mut b = KeyHasher::default();
        b.bytes(b"a").bytes(b"bc");
        assert_ne!(a.finish(), b.finish());
    }
}
