//! The template engine: [`Renderer`] (the theme compiled, ready to render
//! one page or the site-wide files), [`render`] and [`render_into`] (every
//! page in parallel), the check that no two outputs share a path
//! ([`duplicate_outputs`]), and rendering one template with a context into
//! a file, its errors reported as diagnostics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::key::{hash_bytes, Key, KeyHasher};

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::Site;
use crate::write::OutputFile;

use super::context::{Ctx, OfflineCtx};
use super::list::{list_files, ItemMemo};
use super::page::page_files;
use super::site::{site_ctx, Env};
use super::terms::TermMemo;
use super::{feed, offline, RenderInput};

/// Render the whole site to output files, sorted by path.
pub fn render(input: &RenderInput) -> (Vec<OutputFile>, Diagnostics) {
    let all = std::sync::Mutex::new(Vec::new());
    let (_, diags) = render_into(input, &|files| {
        all.lock().unwrap_or_else(|e| e.into_inner()).extend(files)
    });
    let mut files = all.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, diags)
}

/// Render the whole site, handing each page's files (then the site-wide
/// ones) to `sink` as soon as they are rendered, from several threads, so
/// that a build can write them without holding the site in memory (nor,
/// with [`RenderInput::on_demand`], its charts). Returns
/// every output path, sorted, and the diagnostics (two outputs for one path
/// is an error).
pub fn render_into(
    input: &RenderInput,
    sink: &(dyn Fn(Vec<OutputFile>) + Sync),
) -> (Vec<String>, Diagnostics) {
    let r = match Renderer::new(input) {
        Ok(r) => r,
        Err(d) => return (Vec::new(), d),
    };
    let mut diags = Diagnostics::new();
    // Every file's path and, for the service worker's version, the key of its bytes.
    let offline = input.site.config.offline;
    let digests = Mutex::new(Vec::new());
    let put = |files: Vec<OutputFile>| {
        let key = |b: &[u8]| if offline { hash_bytes(b) } else { 0 };
        let d = files.iter().map(|f| (f.path.clone(), key(&f.bytes)));
        digests.lock().unwrap_or_else(|e| e.into_inner()).extend(d);
        sink(files)
    };
    let pages: Vec<Diagnostics> = (0..input.site.pages.len())
        .into_par_iter()
        .map(|i| {
            let (files, d) = r.page(i);
            // No site-wide file shows a chart: a page's are let go with it.
            if let Some(figures) = input.on_demand {
                figures.release(i);
            }
            put(files);
            d
        })
        .collect();
    for d in pages {
        diags.extend(d);
    }
    diags.extend(
        r.site_files_into(&mut |files| put(files.into_iter().map(SiteFile::into_output).collect())),
    );
    let digests = digests.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut paths: Vec<String> = digests.iter().map(|(p, _)| p.clone()).collect();
    if let Some(sw) = offline::service_worker(input.site, digests) {
        paths.push(sw.path.clone());
        sink(vec![sw]);
    }
    paths.sort_unstable();
    diags.extend(duplicate_outputs(paths.iter().map(String::as_str)));
    (paths, diags)
}

/// An error for every output path given more than once; `paths` must be sorted.
pub fn duplicate_outputs<'p>(paths: impl Iterator<Item = &'p str>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut prev: Option<&str> = None;
    for p in paths {
        if prev == Some(p) {
            diags.push(duplicate_output(p));
        }
        prev = Some(p);
    }
    diags
}

/// The error for an output path given once more.
pub fn duplicate_output(path: &str) -> Diagnostic {
    Diagnostic::error(
        path,
        0,
        0,
        format!("two outputs would be written to {path}"),
    )
}

/// The theme compiled and the site-wide context built, ready to render
/// any page on its own ([`Renderer::page`]) or the files that list pages
/// ([`Renderer::site_files`]); [`render`] does both for every page, and
/// the incremental engine ([`crate::incremental`]) only for pages whose
/// inputs changed.
pub struct Renderer<'a> {
    env: Env<'a>,
}

impl<'a> Renderer<'a> {
    /// Compile the theme's templates and build the site context; a
    /// template that does not compile is an error.
    pub fn new(input: &'a RenderInput<'a>) -> Result<Self, Diagnostics> {
        let templates = Templates::compile(input.theme, None)?;
        Ok(Self::with_templates(input, &templates))
    }

    /// [`Renderer::new`] with the theme's templates compiled already
    /// ([`Templates::compile`]).
    pub fn with_templates(input: &'a RenderInput<'a>, templates: &Templates) -> Self {
        let tera = Arc::clone(&templates.tera);
        let mut site = site_ctx(input.site, !input.timeline.versions.is_empty());
        let colours = offline::theme_colours(input.theme.statics.get("style.css").map(|v| &v[..]));
        if input.site.config.offline {
            site.offline = Some(OfflineCtx {
                manifest: format!("{}{}", site.base_path, offline::MANIFEST),
                theme_color: colours.0.clone(),
                register: format!("{}static/sw-register.js", site.base_path),
                worker: format!("{}{}", site.base_path, offline::SW),
            });
        }
        Renderer {
            env: Env {
                input,
                site,
                tera,
                lists: None,
                colours,
            },
        }
    }

    /// Take list pages from `memo` when their template, path and context
    /// are unchanged, and keep this build's in it.
    pub fn with_lists(mut self, memo: &'a ListMemo) -> Self {
        self.env.lists = Some(memo);
        self
    }

    /// What every page of `site` shows of the site as a whole (title,
    /// navigation, base URL), as text: a page renders the same when this
    /// and its own inputs are the same (`released`: whether a version was
    /// released, which puts `/changes/` in the navigation). Needs nothing
    /// rendered.
    pub fn site_summary(site: &Site, released: bool) -> String {
        serde_json::to_string(&site_ctx(site, released)).unwrap_or_default()
    }

    /// The files of page `i`: its HTML and, for trials and topics, its
    /// `index.json` twin.
    pub fn page(&self, i: usize) -> (Vec<OutputFile>, Diagnostics) {
        let (mut files, diags) = page_files(&self.env, i);
        for f in &mut files {
            crate::sanitize::strip_nul_output(&f.path, &mut f.bytes);
        }
        (files, diags)
    }

    /// The files that are not one page's: lists, tags, the home page, the
    /// feed, the search index, the sitemap, `.nojekyll`, and the copied static files and
    /// assets. With a [`ListMemo`], the files it holds are shared with it
    /// ([`SiteBytes::Shared`]), not copied.
    pub fn site_files(&self) -> (Vec<SiteFile>, Diagnostics) {
        let mut all = Vec::new();
        let diags = self.site_files_into(&mut |files| all.extend(files));
        (all, diags)
    }

    /// [`Renderer::site_files`], handed to `put` in parts (the list pages,
    /// then the others, then each copied file on its own) so that a build
    /// writes the list pages of a large site before it builds the search
    /// index and the feed, and never holds a copy of every asset at once.
    fn site_files_into(&self, put: &mut dyn FnMut(Vec<SiteFile>)) -> Diagnostics {
        let env = &self.env;
        let input = env.input;
        // No NUL reaches a rendered file, whatever a front-matter string held
        // (`title: "a\0b"`). Static files and assets are copied as they are.
        // The memo's files were kept stripped ([`strip_nul`]).
        let strip = |files: &mut Vec<SiteFile>| {
            for f in files.iter_mut() {
                if let SiteBytes::Fresh(b) = &mut f.bytes {
                    crate::sanitize::strip_nul_output(&f.path, b);
                }
            }
        };
        let (mut lists, mut diags) = list_files(env);
        strip(&mut lists);
        put(lists);
        let mut files: Vec<SiteFile> = Vec::new();
        files.extend(super::history::changes_file(env, &mut diags));
        if input.site.config.offline {
            files.push(offline::manifest(input.site, &env.colours).into());
            files.extend(super::list::offline_page(env, &mut diags));
        }
        // Feed, sitemap, .nojekyll, static files, assets.
        files.push(SiteFile::from(OutputFile {
            path: "feed.xml".into(),
            bytes: feed::atom(
                input.site,
                input.links,
                &env.site,
                &|i| super::list::glance(env, i),
                super::history::version_entries(env),
            )
            .into_bytes(),
        }));
        files.extend(super::search::search_page(env, &mut diags));
        files.extend(super::search::search_files(env));
        files.push(SiteFile::from(OutputFile {
            path: "sitemap.xml".into(),
            bytes: feed::sitemap(input.site, &env.site).into_bytes(),
        }));
        files.push(SiteFile::from(OutputFile {
            path: ".nojekyll".into(),
            bytes: Vec::new(),
        }));
        strip(&mut files);
        for (p, b) in &input.theme.statics {
            files.push(SiteFile::from(OutputFile {
                path: format!("static/{p}"),
                bytes: b.clone(),
            }));
        }
        put(files);
        // One copied file at a time: a copy of every asset is never held
        // beside the sources.
        for (p, b) in input.statics.iter().chain(&input.assets) {
            put(vec![SiteFile::from(OutputFile {
                path: p.clone(),
                bytes: b.to_vec(),
            })]);
        }
        diags
    }
}

/// A theme's templates compiled, with the key of their names and text:
/// `serve` compiles them again only when a template changed.
pub struct Templates {
    key: Key,
    tera: Arc<tera::Tera>,
}

impl Templates {
    /// The templates of `theme` compiled, or `last` when it was compiled
    /// from the same templates; a template that does not compile is an
    /// error.
    pub fn compile(
        theme: &super::theme::Theme,
        last: Option<Templates>,
    ) -> Result<Self, Diagnostics> {
        let mut h = KeyHasher::default();
        for (name, text) in &theme.templates {
            h.bytes(name.as_bytes()).bytes(text.as_bytes());
        }
        let key = h.finish();
        if let Some(t) = last.filter(|t| t.key == key) {
            return Ok(t);
        }
        let mut tera = tera::Tera::new();
        tera.set_escape_fn(super::escape::html);
        let templates: Vec<(String, String)> = (theme.templates.iter())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Err(e) = tera.add_raw_templates(templates) {
            let mut diags = Diagnostics::new();
            diags.push(Diagnostic::error(
                "templates",
                0,
                0,
                format!("a template does not compile: {e}"),
            ));
            return Err(diags);
        }
        Ok(Templates {
            key,
            tera: Arc::new(tera),
        })
    }
}

/// A site-wide file as [`Renderer::site_files`] gives it.
pub struct SiteFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// Contents.
    pub bytes: SiteBytes,
}

/// A site-wide file's bytes: made by this build, or shared with the
/// [`ListMemo`] (a list page, search shard or image the memo holds, which
/// is then neither copied nor scanned again).
pub enum SiteBytes {
    /// Bytes this build made.
    Fresh(Vec<u8>),
    /// Bytes the memo holds too.
    Shared(Arc<[u8]>),
}

impl SiteFile {
    /// The file as the write stage takes it (a shared file's bytes copied;
    /// without a memo, as in a full build, none is shared).
    pub fn into_output(self) -> OutputFile {
        let bytes = match self.bytes {
            SiteBytes::Fresh(b) => b,
            SiteBytes::Shared(b) => b.to_vec(),
        };
        OutputFile {
            path: self.path,
            bytes,
        }
    }

    /// How many bytes the file holds.
    pub fn len(&self) -> usize {
        match &self.bytes {
            SiteBytes::Fresh(b) => b.len(),
            SiteBytes::Shared(b) => b.len(),
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A file whose bytes the memo holds.
    pub(super) fn shared(path: String, bytes: Arc<[u8]>) -> Self {
        SiteFile {
            path,
            bytes: SiteBytes::Shared(bytes),
        }
    }
}

impl From<OutputFile> for SiteFile {
    fn from(f: OutputFile) -> Self {
        SiteFile {
            path: f.path,
            bytes: SiteBytes::Fresh(f.bytes),
        }
    }
}

/// The bytes of a file rendered at `path`, without NUL
/// ([`crate::sanitize::strip_nul_output`]), to keep in the memo.
pub(super) fn strip_nul(path: &str, mut bytes: Vec<u8>) -> Arc<[u8]> {
    crate::sanitize::strip_nul_output(path, &mut bytes);
    Arc::from(bytes)
}

/// `wanted` if the theme has a template of that name, else `default`.
pub(super) fn template_for(env: &Env, wanted: Option<&str>, default: &str) -> String {
    match wanted {
        Some(t) if env.tera.get_template_names().any(|n| n == t) => t.to_string(),
        _ => default.to_string(),
    }
}

/// Render `template` with `ctx`; an error (reported against `source`)
/// renders nothing.
fn render_one(
    env: &Env,
    template: &str,
    ctx: &Ctx,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let c = match tera::Context::from_serialize(ctx) {
        Ok(c) => c,
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                0,
                0,
                format!("cannot build the template context: {e}"),
            ));
            return None;
        }
    };
    match env.tera.render(template, &c) {
        Ok(s) => Some(s),
        Err(e) => {
            diags.push(Diagnostic::error(
                source,
                0,
                0,
                format!("template {template} failed: {}", error_chain(&e)),
            ));
            None
        }
    }
}

/// Render `template` with `ctx` into the file at `path`; a template error
/// (reported against `source`) gives no file.
pub(super) fn render_file(
    env: &Env,
    template: &str,
    ctx: &Ctx,
    source: &str,
    path: String,
    diags: &mut Diagnostics,
) -> Option<OutputFile> {
    let h = render_one(env, template, ctx, source, diags)?;
    Some(OutputFile {
        path,
        bytes: h.into_bytes(),
    })
}

/// [`render_file`] for a list page: when the incremental engine keeps a
/// [`ListMemo`], a page whose template and context are the same as in the
/// last build is taken from it instead of rendered again (its bytes
/// shared with the memo).
pub(super) fn render_list_file(
    env: &Env,
    template: &str,
    ctx: &Ctx,
    source: &str,
    path: String,
    diags: &mut Diagnostics,
) -> Option<SiteFile> {
    let Some(memo) = env.lists else {
        return render_file(env, template, ctx, source, path, diags).map(SiteFile::from);
    };
    let json = serde_json::to_vec(ctx).unwrap_or_default();
    let key = KeyHasher::default()
        .bytes(template.as_bytes())
        .bytes(path.as_bytes())
        .bytes(&json)
        .finish();
    memo.file(key, path, |path| {
        render_file(env, template, ctx, source, path, diags)
    })
}

/// The list pages (home, sections, tags, 404) of the last build by the key
/// of their template, path and context, for the next; see
/// [`Renderer::with_lists`].
#[derive(Default)]
pub struct ListMemo {
    old: Mutex<HashMap<Key, Arc<[u8]>>>,
    kept: Mutex<HashMap<Key, Arc<[u8]>>>,
    /// Each page's dependency key (see [`crate::incremental`]): a page of a
    /// section or tag list is then keyed by its pages' keys instead of by
    /// its whole context.
    pub(super) page_keys: Option<Vec<Key>>,
    /// The key of what every page shows of the site (title, navigation).
    pub(super) site_key: Key,
    /// The search index's term shards of the last build, when they are
    /// kept for a next one ([`ListMemo::with_terms`]).
    terms: Option<Mutex<TermMemo>>,
    /// The list items of the last build, then of this one.
    items: Mutex<ItemMemo>,
}

impl ListMemo {
    /// A memo holding the list pages `kept` by an earlier build.
    pub fn new(kept: HashMap<Key, Arc<[u8]>>) -> ListMemo {
        ListMemo {
            old: Mutex::new(kept),
            ..ListMemo::default()
        }
    }

    /// Key list pages by `page_keys` (one per page of the site: the key of
    /// everything its list item can show) and by `site_key` (the key of
    /// [`Renderer::site_summary`]).
    pub fn with_page_keys(mut self, page_keys: Vec<Key>, site_key: Key) -> Self {
        self.page_keys = Some(page_keys);
        self.site_key = site_key;
        self
    }

    /// Keep the search index's term shards in `terms` (those of the last
    /// build) and bring them up to date there.
    /// Without it the index's term shards are assembled from scratch,
    /// which costs less than filling a memo no build will read (a
    /// one-shot `build --cache`).
    pub fn with_terms(mut self, terms: TermMemo) -> Self {
        self.terms = Some(Mutex::new(terms));
        self
    }

    /// Keep the list items of the last build in `items`, for this build's
    /// lists to take from ([`ItemMemo`]).
    pub fn with_items(mut self, items: ItemMemo) -> Self {
        self.items = Mutex::new(items);
        self
    }

    /// The list items held (the last build's, until the lists are made;
    /// then this build's), taken out of the memo.
    pub fn take_items(&self) -> ItemMemo {
        std::mem::take(&mut *self.items.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Keep this build's list items for the next.
    pub(super) fn keep_items(&self, items: ItemMemo) {
        *self.items.lock().unwrap_or_else(|e| e.into_inner()) = items;
    }

    /// The term shards kept, for the search index to update.
    pub(super) fn terms(&self) -> Option<std::sync::MutexGuard<'_, TermMemo>> {
        (self.terms.as_ref()).map(|t| t.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The term shards of this build, for the next (taken out of the memo;
    /// empty when none were kept).
    pub fn take_terms(&self) -> TermMemo {
        self.terms()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default()
    }

    /// The page rendered under `key` by the last build, kept for the next
    /// (moved across; the caller shares the bytes, nothing is copied).
    pub(super) fn reuse(&self, key: Key) -> Option<Arc<[u8]>> {
        let b = (self.old.lock().unwrap_or_else(|e| e.into_inner())).remove(&key)?;
        self.keep(key, Arc::clone(&b));
        Some(b)
    }

    /// The file at `path` the last build kept under `key`, else the one
    /// `render` makes (given the path), kept under `key` for the next
    /// build; `None` when `render` makes none.
    pub(super) fn file(
        &self,
        key: Key,
        path: String,
        render: impl FnOnce(String) -> Option<OutputFile>,
    ) -> Option<SiteFile> {
        if let Some(b) = self.reuse(key) {
            return Some(SiteFile::shared(path, b));
        }
        let f = render(path)?;
        let bytes = strip_nul(&f.path, f.bytes);
        self.keep(key, Arc::clone(&bytes));
        Some(SiteFile::shared(f.path, bytes))
    }

    /// Keep `bytes` under `key` for the next build.
    pub(super) fn keep(&self, key: Key, bytes: Arc<[u8]>) {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, bytes);
    }

    /// The list pages of this build, for the next.
    pub fn into_kept(self) -> HashMap<Key, Arc<[u8]>> {
        self.kept.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// An error's message followed by those of its sources, `: `-separated.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_list_page_is_shared_not_copied_and_kept_for_the_next_build() {
        let page: Arc<[u8]> = Arc::from(&b"<html>list</html>"[..]);
        let memo = ListMemo::new(HashMap::from([
            (1, Arc::clone(&page)),
            (2, Arc::from(&b"x"[..])),
        ]));
        let got = memo.reuse(1).expect("kept by the last build");
        assert!(Arc::ptr_eq(&got, &page));
        assert!(memo.reuse(1).is_none(), "taken once");
        assert!(memo.reuse(3).is_none());
        let kept = memo.into_kept();
        // The page not asked for (2) is dropped; the one reused goes on.
        assert_eq!(kept.len(), 1);
        assert!(Arc::ptr_eq(&kept[&1], &page));
    }

    #[test]
    fn templates_are_compiled_again_only_when_one_changed() {
        let mut theme = crate::render::theme::Theme::default();
        theme.templates.insert("a.html".into(), "A{{ x }}".into());
        let first = Templates::compile(&theme, None).expect("compiles");
        let tera = Arc::clone(&first.tera);
        let same = Templates::compile(&theme, Some(first)).expect("compiles");
        assert!(Arc::ptr_eq(&same.tera, &tera), "the same text: kept");
        theme.templates.insert("a.html".into(), "B{{ x }}".into());
        let edited = Templates::compile(&theme, Some(same)).expect("compiles");
        assert!(!Arc::ptr_eq(&edited.tera, &tera));
        let mut c = tera::Context::new();
        c.insert("x", &1);
        assert_eq!(edited.tera.render("a.html", &c).expect("renders"), "B1");
        theme.templates.insert("a.html".into(), "{{ x ".into());
        let broken = Templates::compile(&theme, Some(edited))
            .err()
            .expect("does not compile");
        assert!(broken.0[0]
            .message
            .starts_with("a template does not compile: "));
    }

    #[test]
    fn a_shared_file_is_copied_only_for_the_write_stage() {
        let f = SiteFile::shared("a.html".into(), Arc::from(&b"abc"[..]));
        assert_eq!(f.len(), 3);
        let out = f.into_output();
        assert_eq!((out.path.as_str(), &out.bytes[..]), ("a.html", &b"abc"[..]));
        let nul = strip_nul("a.html", b"a\0b".to_vec());
        assert_eq!(&nul[..], b"ab");
    }
}
