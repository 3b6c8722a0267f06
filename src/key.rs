//! Content keys: 128-bit hashes that name a result by everything it was
//! computed from, for the incremental engine ([`crate::incremental`]) and
//! render's memo of list pages.
//!
//! The hash is SipHash-1-3 with 128-bit output ([`siphasher`]): stable
//! across Rust versions and runs (unlike `std`'s `DefaultHasher`), so a key
//! could also name a cache on disk; at 128 bits an accidental collision is
//! out of reach for any site.

use std::hash::Hasher;

use siphasher::sip128::{Hasher128, SipHasher13};

/// A 128-bit content key.
pub type Key = u128;

/// Hashes parts into a [`Key`].
#[derive(Default)]
pub struct KeyHasher(SipHasher13);

impl KeyHasher {
    /// Add bytes (their length first, so that ("ab", "c") and ("a", "bc") differ).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.write_u64(b.len() as u64);
        self.0.write(b);
        self
    }
    /// Add a key.
    pub fn key(&mut self, k: Key) -> &mut Self {
        self.0.write(&k.to_le_bytes());
        self
    }
    /// The key of everything added.
    pub fn finish(&self) -> Key {
        self.0.finish128().as_u128()
    }
}

/// The key of a file's bytes.
pub fn hash_bytes(b: &[u8]) -> Key {
    KeyHasher::default().bytes(b).finish()
}
