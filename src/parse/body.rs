//! A page body's HTML as the stages hold it ([`BodyHtml`]): text of its
//! own, a range of a build-cache file's bytes that is never copied until
//! something reads it, or the model's HTML policy (sanitising, NUL
//! removal) waiting to be applied to such a range on first use.
//!
//! `build --cache` takes 10,000 unchanged pages from the parse cache
//! ([`crate::cache::SourceCache`]) but renders only the few that changed:
//! decoding and copying every body (some 200 MB), then applying the policy
//! to each (another copy), was most of such a build. A body decoded while
//! [`decoding_from`] runs borrows the file's bytes instead, and the model
//! ([`BodyHtml::with_policy`]) defers its work on such a body to the one
//! reader, render. Text of its own (a page parsed in this build) has the
//! policy applied at once, as before, so a full build holds no more than
//! it did.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

/// The bytes of a cache file that bodies are ranges of: read into memory,
/// or mapped ([`Buffer::mapped`]), so that a body no stage reads is never
/// copied, nor even paged in.
pub struct Buffer(Bytes);

enum Bytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl Buffer {
    /// A buffer of a file discover mapped.
    pub fn mapped(map: memmap2::Mmap) -> Self {
        Buffer(Bytes::Mapped(map))
    }
}

impl From<Vec<u8>> for Buffer {
    fn from(v: Vec<u8>) -> Self {
        Buffer(Bytes::Owned(v))
    }
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

/// A page body's HTML: dereferences to the text.
#[derive(Clone)]
pub struct BodyHtml(Repr);

#[derive(Clone)]
enum Repr {
    /// Text of its own, shared by the parsed document and its page (the
    /// model's policy changes nothing in most bodies: copying each, some
    /// 150 MB at 10,000 pages, was 1% of a full build).
    Owned(Arc<str>),
    /// The bytes `start..end` of a cache file, checked as UTF-8 when read
    /// (a range that is not reads as empty text, and render reports the
    /// page: [`BodyHtml::is_damaged`]).
    Shared {
        buf: Arc<Buffer>,
        start: usize,
        end: usize,
    },
    /// The model's policy on a shared body, applied on first use.
    Deferred(Arc<Deferred>),
}

/// A shared body and the policy the model gives it.
struct Deferred {
    raw: BodyHtml,
    /// `Some(n)`: sanitise it, with `n` shortcode markers; `None`: only
    /// remove NUL characters.
    sanitise: Option<usize>,
    done: OnceLock<String>,
}

impl Default for BodyHtml {
    fn default() -> Self {
        BodyHtml(Repr::Owned(Arc::from("")))
    }
}

impl From<String> for BodyHtml {
    /// The text in an allocation of its length.
    fn from(s: String) -> Self {
        BodyHtml(Repr::Owned(s.into()))
    }
}

impl BodyHtml {
    /// The bytes its allocation holds room for: a text of its own's
    /// capacity, a shared one's length (for the tests of its sizing).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        match &self.0 {
            Repr::Owned(s) => s.len(),
            _ => self.as_str().len(),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(s) => s,
            // The range is in the buffer (checked when made).
            Repr::Shared { buf, start, end } => {
                std::str::from_utf8(&buf[*start..*end]).unwrap_or_default()
            }
            Repr::Deferred(d) => d.done.get_or_init(|| d.apply()),
        }
    }

    /// Whether it is a cache file's range that is not UTF-8 (the file was
    /// damaged: it reads as empty text, and render reports it).
    pub fn is_damaged(&self) -> bool {
        match &self.0 {
            Repr::Owned(_) => false,
            Repr::Shared { buf, start, end } => std::str::from_utf8(&buf[*start..*end]).is_err(),
            Repr::Deferred(d) => d.raw.is_damaged(),
        }
    }

    /// Whether the text is a cache file's bytes not read yet (or the
    /// policy waiting for such bytes): nothing was copied for it.
    #[cfg(test)]
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(self.0, Repr::Owned(_))
    }

    /// The body as the model shows it under the site's HTML policy:
    /// sanitised ([`crate::sanitize::body`], with `shortcodes` markers)
    /// when `sanitise`, otherwise with NUL characters removed. Applied now
    /// to text of its own; deferred to the first read for a shared body.
    pub fn with_policy(&self, sanitise: bool, shortcodes: usize) -> BodyHtml {
        let sanitise = sanitise.then_some(shortcodes);
        match &self.0 {
            Repr::Owned(s) => match (sanitise, s.contains('\0')) {
                (None, false) => self.clone(),
                _ => BodyHtml::from(policy(s, sanitise)),
            },
            _ => BodyHtml(Repr::Deferred(Arc::new(Deferred {
                raw: self.clone(),
                sanitise,
                done: OnceLock::new(),
            }))),
        }
    }
}

impl Deferred {
    fn apply(&self) -> String {
        policy(self.raw.as_str(), self.sanitise)
    }
}

/// The model's HTML policy on `html` (see [`BodyHtml::with_policy`]).
fn policy(html: &str, sanitise: Option<usize>) -> String {
    match sanitise {
        Some(n) => crate::sanitize::body(html, n),
        None => crate::sanitize::strip_nul(html).into_owned(),
    }
}

impl std::ops::Deref for BodyHtml {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for BodyHtml {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<String> for BodyHtml {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl std::fmt::Debug for BodyHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl std::fmt::Display for BodyHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for BodyHtml {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

thread_local! {
    /// The buffer [`decoding_from`] is decoding on this thread.
    static DECODING: RefCell<Option<Arc<Buffer>>> = const { RefCell::new(None) };
}

/// Run `decode` (a deserialisation of `buf`'s bytes on this thread) so
/// that every [`BodyHtml`] it decodes as bytes borrowed from `buf` is a
/// range of it, neither copied nor read.
pub fn decoding_from<R>(buf: &Arc<Buffer>, decode: impl FnOnce(&[u8]) -> R) -> R {
    /// Clears the buffer when decoding ends, even by a panic.
    struct Reset(Option<Arc<Buffer>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let old = self.0.take();
            DECODING.with(|d| *d.borrow_mut() = old);
        }
    }
    let old = DECODING.with(|d| d.borrow_mut().replace(Arc::clone(buf)));
    let _reset = Reset(old);
    decode(buf)
}

/// The body borrowed as `s` from the buffer being decoded, when it lies in it.
fn shared(s: &[u8]) -> Option<BodyHtml> {
    let (buf, start, end) = in_buffer(s)?;
    Some(BodyHtml(Repr::Shared { buf, start, end }))
}

/// The buffer [`decoding_from`] is decoding and the range of it that `s`
/// is, when `s` lies in it.
pub(crate) fn in_buffer(s: &[u8]) -> Option<(Arc<Buffer>, usize, usize)> {
    DECODING.with(|d| {
        let d = d.borrow();
        let buf = d.as_ref()?;
        let base = buf.as_ptr() as usize;
        let at = (s.as_ptr() as usize).checked_sub(base)?;
        let end = at.checked_add(s.len())?;
        buf.get(at..end)?;
        Some((Arc::clone(buf), at, end))
    })
}

impl<'de> serde::Deserialize<'de> for BodyHtml {
    /// Read as bytes (postcard writes text and bytes alike), so that a
    /// body borrowed from the buffer of [`decoding_from`] is not checked as
    /// UTF-8, which would read all of it, until a stage reads it; a body
    /// copied is checked now.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        fn text<E: serde::de::Error>(b: &[u8]) -> Result<BodyHtml, E> {
            match std::str::from_utf8(b) {
                Ok(s) => Ok(BodyHtml::from(s.to_string())),
                Err(_) => Err(E::custom("body HTML is not UTF-8")),
            }
        }
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = BodyHtml;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("HTML text")
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(
                self,
                b: &'de [u8],
            ) -> Result<BodyHtml, E> {
                shared(b).map_or_else(|| text(b), Ok)
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<BodyHtml, E> {
                text(b)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<BodyHtml, E> {
                Ok(BodyHtml::from(s.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<BodyHtml, E> {
                Ok(BodyHtml::from(s))
            }
        }
        d.deserialize_bytes(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Doc {
        n: u32,
        html: BodyHtml,
    }

    fn encoded(html: &str) -> Arc<Buffer> {
        let doc = Doc {
            n: 7,
            html: BodyHtml::from(html.to_string()),
        };
        Arc::new(Buffer::from(postcard::to_stdvec(&doc).unwrap()))
    }

    #[test]
    fn a_body_decoded_from_a_buffer_is_a_range_of_it() {
        let buf = encoded("<p>a</p>\n");
        let doc: Doc = decoding_from(&buf, |b| postcard::from_bytes(b)).unwrap();
        assert!(doc.html.is_shared());
        assert_eq!((doc.n, &*doc.html), (7, "<p>a</p>\n"));
        let plain: Doc = postcard::from_bytes(&buf).unwrap();
        assert!(!plain.html.is_shared(), "outside decoding_from: a copy");
        assert_eq!(plain.html, doc.html);
        let other = encoded("x");
        let elsewhere: Doc = decoding_from(&buf, |_| postcard::from_bytes(&other)).unwrap();
        assert!(
            !elsewhere.html.is_shared(),
            "text of another buffer is copied"
        );
        assert_eq!(&*elsewhere.html, "x");
    }

    #[test]
    fn the_policy_gives_the_same_text_now_or_deferred() {
        let raw = "<p>a\u{0}b <script>x</script> <span>y</span></p>\n";
        let buf = encoded(raw);
        let doc: Doc = decoding_from(&buf, |b| postcard::from_bytes(b)).unwrap();
        let owned = BodyHtml::from(raw.to_string());
        for sanitise in [false, true] {
            let now = owned.with_policy(sanitise, 0);
            let later = doc.html.with_policy(sanitise, 0);
            assert!(!now.is_shared() && later.is_shared());
            assert_eq!(now, later, "sanitise: {sanitise}");
            assert!(!now.contains('\0'));
        }
        assert!(!owned.with_policy(true, 0).contains("<script>"));
    }
}
