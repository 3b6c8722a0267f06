//! Offline reading: the web app manifest (`manifest.webmanifest`), the
//! offline page (`offline.html`, the theme's template), and the service
//! worker (`sw.js` at the site's root, so its scope is the whole site).
//!
//! The service worker precaches the home page, the stylesheet, the
//! favicon, the offline page and search (the index's manifest, script and
//! page; on a small site, at most [`PRECACHE_DOC_SHARDS`] entry shards, every
//! shard too) when the site has them; it keeps every page and search shard
//! the reader opens (network first, the cache when
//! there is no signal; the theme's static files cache first; a page opened
//! with a query string, such as `search/?q=…`, falls back to the page kept
//! without it), and shows the offline page for a page never opened. On a
//! larger site the search page offers to keep the whole index
//! (`static/search.js`: every shard fetched once through the worker). Its cache is named by a version,
//! the key of every other output file's path and bytes ([`version`]): any
//! change to the site gives a new `sw.js`, the browser installs it, and
//! its `activate` fetches the pages kept by older builds again from the new
//! one (dropping any it cannot fetch) and deletes the older caches. The same site gives
//! the same bytes. `offline: false` in `content/_index.md` writes none of
//! these files and no registration.

use serde::Serialize;

use crate::key::{Key, KeyHasher};
use crate::model::Site;
use crate::write::OutputFile;

use super::base_path;

/// The service worker's output path.
pub const SW: &str = "sw.js";
/// The manifest's output path.
pub const MANIFEST: &str = "manifest.webmanifest";
/// The offline page's output path (and its template's name).
pub const OFFLINE_PAGE: &str = "offline.html";
/// The search index's output path, precached when the site has one.
pub const SEARCH_INDEX: &str = super::search::INDEX_PATH;
/// The folder of the search index's shards.
pub const SEARCH_DIR: &str = super::search::SEARCH_DIR;

/// The most entry shards (of [`super::search::DOC_ENTRIES`] entries) a site
/// can have for the worker to precache every search shard: a small index is
/// kept whole, so any search works offline from the first visit; a larger
/// one is kept as the reader searches (a first visit does not download it).
pub const PRECACHE_DOC_SHARDS: usize = 4;

/// The colours when the theme's stylesheet does not set `--accent` and `--bg`.
const FALLBACK_COLOURS: (&str, &str) = ("#0b5d6b", "#fbfbf8");

/// The web app manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The site's title.
    pub name: String,
    /// The title for a home screen icon.
    pub short_name: String,
    /// The site's description.
    pub description: String,
    /// Where the installed app opens: the base path.
    pub start_url: String,
    /// The URLs the app covers: the base path.
    pub scope: String,
    /// `standalone`: no browser bar.
    pub display: &'static str,
    /// The theme's accent colour.
    pub theme_color: String,
    /// The theme's page background.
    pub background_color: String,
    /// The favicon, scalable.
    pub icons: Vec<ManifestIcon>,
}

/// One icon of the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestIcon {
    /// Its URL.
    pub src: String,
    /// `any`: an SVG scales to every size.
    pub sizes: &'static str,
    /// Its media type.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The theme's accent and background colours: the first `--accent:` and
/// `--bg:` of its stylesheet (the light scheme's), else the default theme's.
pub fn theme_colours(css: Option<&[u8]>) -> (String, String) {
    let css = css.map(String::from_utf8_lossy).unwrap_or_default();
    let var = |name: &str, fallback: &str| {
        css.find(&format!("{name}:"))
            .map(|i| &css[i + name.len() + 1..])
            .and_then(|rest| rest.split(';').next())
            .map(str::trim)
            .filter(|v| v.starts_with('#') && v.len() <= 9)
            .unwrap_or(fallback)
            .to_string()
    };
    (
        var("--accent", FALLBACK_COLOURS.0),
        var("--bg", FALLBACK_COLOURS.1),
    )
}

/// The manifest of `site`, as JSON.
pub fn manifest(site: &Site, colours: &(String, String)) -> OutputFile {
    let cfg = &site.config;
    let base = base_path(&cfg.base_url);
    let m = Manifest {
        name: cfg.title.clone(),
        short_name: short_name(&cfg.title),
        description: cfg.description.clone(),
        start_url: base.clone(),
        scope: base.clone(),
        display: "standalone",
        theme_color: colours.0.clone(),
        background_color: colours.1.clone(),
        icons: vec![ManifestIcon {
            src: format!("{base}static/favicon.svg"),
            sizes: "any",
            kind: "image/svg+xml",
        }],
    };
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap_or_default();
    bytes.push(b'\n');
    OutputFile {
        path: MANIFEST.into(),
        bytes,
    }
}

/// The title for a home screen: the site's title up to its first `:`
/// (`Levosimendan & friends: critical care …` → `Levosimendan & friends`).
fn short_name(title: &str) -> String {
    title.split(':').next().unwrap_or(title).trim().to_string()
}

/// The version of a build: the key of every output file's path and the
/// key of its bytes (`files`, in any order; `sw.js` itself left out).
pub fn version(files: &mut [(String, Key)]) -> Key {
    files.sort_unstable();
    let mut h = KeyHasher::default();
    for (p, k) in files.iter().filter(|(p, _)| p != SW) {
        h.bytes(p.as_bytes()).key(*k);
    }
    h.finish()
}

/// The service worker of `site` for the output `files` (every output
/// file's path and the key of its bytes), or none when the site is not
/// offline.
pub fn service_worker(site: &Site, mut files: Vec<(String, Key)>) -> Option<OutputFile> {
    if !site.config.offline {
        return None;
    }
    let base = base_path(&site.config.base_url);
    let v = version(&mut files);
    let has = |p: &str| files.binary_search_by(|(q, _)| q.as_str().cmp(p)).is_ok();
    let mut precache = vec![base.clone()];
    for p in [
        "static/style.css",
        "static/favicon.svg",
        OFFLINE_PAGE,
        SEARCH_INDEX,
        "static/search.js",
    ] {
        if has(p) {
            precache.push(format!("{base}{p}"));
        }
    }
    // A small index's shards, and the search page by its URL: search works
    // without signal from the start.
    let docs = format!("{SEARCH_DIR}{}", super::search::DOCS_PREFIX);
    let terms = format!("{SEARCH_DIR}{}", super::search::TERMS_PREFIX);
    let shard = |p: &str| p.starts_with(&docs) || p.starts_with(&terms);
    if files.iter().filter(|(p, _)| p.starts_with(&docs)).count() <= PRECACHE_DOC_SHARDS {
        let shards = files.iter().filter(|(p, _)| shard(p));
        precache.extend(shards.map(|(p, _)| format!("{base}{p}")));
    }
    if has("search/index.html") {
        precache.push(format!("{base}search/"));
    }
    let js = SW_JS
        .replace("__VERSION__", &format!("{v:032x}"))
        .replace("__BASE__", &json_str(&base))
        .replace("__PRECACHE__", &json_str(&precache))
        .replace("__OFFLINE__", &json_str(&format!("{base}{OFFLINE_PAGE}")));
    Some(OutputFile {
        path: SW.into(),
        bytes: js.into_bytes(),
    })
}

/// `v` as a JSON (and so JavaScript) literal.
fn json_str<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The service worker's script; the `__NAME__`s are filled in by [`service_worker`].
const SW_JS: &str = r#"// Written by appraise: keeps the pages a reader opened readable offline.
// A new build of the site gives a new VERSION, so a new cache; the old one is deleted.
const VERSION = "__VERSION__";
const BASE = __BASE__;
const PREFIX = "appraise:" + BASE + ":";
const CACHE = PREFIX + VERSION;
const PRECACHE = __PRECACHE__;
const OFFLINE = __OFFLINE__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

// The pages the reader kept from an older build are fetched again from this
// build (one that cannot be fetched now is dropped, never kept stale), then
// the older caches of this site are deleted.
function refresh(oldName) {
  return caches.open(oldName)
    .then((old) => old.keys())
    .then((requests) => caches.open(CACHE).then((cache) => Promise.all(requests.map((r) =>
      cache.match(r).then((hit) => hit || fetch(r.url, { cache: "reload" })
        .then((response) => response.ok ? cache.put(r.url, response) : undefined)
        .catch(() => undefined))
    ))))
    .then(() => caches.delete(oldName));
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map(refresh)
      ))
      .then(() => self.clients.claim())
  );
});

function networkFirst(request) {
  return fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request).then((hit) =>
    hit || (request.mode === "navigate" ? kept(request) : Response.error())
  ));
}

// A page opened with a query the cache has not seen (search/?q=...): the
// site is static, so the page kept without it is the same page.
function kept(request) {
  return caches.match(request, { ignoreSearch: true }).then((hit) => hit || caches.match(OFFLINE));
}

function cacheFirst(request) {
  return caches.match(request).then((hit) => hit || networkFirst(request));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Requests that ask for no caching (appraise serve's status polls) pass by.
  if (request.method !== "GET" || request.cache === "no-store") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(BASE)) return;
  const isStatic = url.pathname.startsWith(BASE + "static/");
  event.respondWith(isStatic ? cacheFirst(request) : networkFirst(request));
});
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_come_from_the_stylesheet_or_the_default() {
        let css = b":root { --bg: #ffffff; --accent: #123456; }";
        assert_eq!(
            theme_colours(Some(css)),
            ("#123456".to_string(), "#ffffff".to_string())
        );
        assert_eq!(
            theme_colours(None),
            ("#0b5d6b".to_string(), "#fbfbf8".to_string())
        );
    }

    #[test]
    fn the_version_ignores_order_and_sw_js_but_not_a_byte() {
        let a = |k: Key| vec![("b.html".to_string(), 2), ("a.html".to_string(), k)];
        let mut one = a(1);
        let mut reordered: Vec<_> = a(1).into_iter().rev().collect();
        reordered.push((SW.to_string(), 99));
        assert_eq!(version(&mut one), version(&mut reordered));
        assert_ne!(version(&mut a(1)), version(&mut a(3)));
    }
}
