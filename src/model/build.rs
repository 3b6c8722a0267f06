//! Raw documents to typed pages, with every check that needs one file only.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::parse::front_matter::{
    Printed, RawCount, RawDate, RawOutcome, RawRegistration, RawReported, RawTrial, RawWhole,
};
use crate::parse::{Parsed, ParsedCsv, ParsedDoc};
use crate::stats::meta::{MetaSettings, RandomCi, Tau2Estimator};

/// What the command line sets over the site's own configuration: an input
/// of this stage, so no later stage edits the site it built.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Keep draft pages (`--drafts`, `serve`).
    pub drafts: bool,
    /// Replace `base_url` of `content/_index.md` (`--base-url`).
    pub base_url: Option<String>,
}

/// Build the typed site.
pub fn build(parsed: &Parsed, over: &Overrides) -> (Site, Diagnostics) {
    let drafts = over.drafts;
    let mut diags = Diagnostics::new();
    let mut site = Site::default();
    let csv_by_path: BTreeMap<&str, &ParsedCsv> = parsed
        .csvs
        .iter()
        .map(|c| (c.rel_path.as_str(), c))
        .collect();
    let mut used_csv: BTreeSet<String> = BTreeSet::new();
    let mut root_seen = false;
    // The HTML policy is the site's, read before any body is taken in.
    let unsafe_html = parsed
        .docs
        .iter()
        .find(|d| d.rel_path == "content/_index.md")
        .is_some_and(|d| d.front.unsafe_html);
    for doc in &parsed.docs {
        let rel = doc
            .rel_path
            .strip_prefix("content/")
            .unwrap_or(&doc.rel_path);
        let file_name = rel.rsplit('/').next().unwrap_or(rel);
        if file_name == "_index.md" {
            let mut cx = Cx {
                doc,
                diags: &mut diags,
                unsafe_html,
            };
            if rel == "_index.md" {
                root_seen = true;
                site.config = site_config(&mut cx, over.base_url.as_deref());
            } else {
                let section = rel
                    .trim_end_matches("_index.md")
                    .trim_end_matches('/')
                    .to_string();
                let title = doc
                    .front
                    .title
                    .clone()
                    .unwrap_or_else(|| super::capitalise(&section));
                site.sections.insert(
                    section,
                    Section {
                        title,
                        intro_html: cx.body_html(),
                        paginate_by: doc.front.paginate_by.map(|n| n as usize),
                    },
                );
            }
            if rel != "_index.md" && doc.front.unsafe_html {
                site_only(&mut cx, "unsafe_html");
            }
            continue;
        }
        let mut cx = Cx {
            doc,
            diags: &mut diags,
            unsafe_html,
        };
        if doc.front.unsafe_html {
            site_only(&mut cx, "unsafe_html");
        }
        if let Some(page) = page(&mut cx, &csv_by_path, &mut used_csv) {
            if page.draft && !drafts {
                continue;
            }
            site.pages.push(page);
        }
    }
    if !root_seen {
        diags.push(
            Diagnostic::warning("content/_index.md", 0, 0, "no site front page; using a default title")
                .with_hint("create content/_index.md with `title`, `description`, `author` and `base_url` in its front matter"),
        );
        site.config = SiteConfig {
            title: "Evidence".into(),
            theme: "default".into(),
            language: "en".into(),
            base_url: match over.base_url.as_deref() {
                Some(b) if b.ends_with('/') => b.to_string(),
                Some(b) => format!("{b}/"),
                None => "/".into(),
            },
            paginate_by: super::DEFAULT_PAGINATE_BY,
            ..Default::default()
        };
    }
    // Two pages may not claim the same URL.
    let mut urls: BTreeMap<&str, &str> = BTreeMap::new();
    for p in &site.pages {
        if let Some(other) = urls.insert(&p.url_path, &p.source) {
            diags.push(
                Diagnostic::error(
                    &p.source,
                    1,
                    1,
                    format!("this page's URL /{} is already used by {other}", p.url_path),
                )
                .with_hint("give one of them a different `slug`"),
            );
        }
    }
    // Non-page files under content/ are copied beside their page.
    for csv in &parsed.csvs {
        if !used_csv.contains(&csv.rel_path) {
            diags.push(
                Diagnostic::warning(
                    &csv.rel_path,
                    0,
                    0,
                    "this CSV file is not used by any trial",
                )
                .with_hint(
                    "name it outcomes.csv beside the trial's index.md, or set `trial.outcomes_csv`",
                ),
            );
        }
    }
    (site, diags)
}

/// Per-document context: the document, where diagnostics go, and the
/// site's HTML policy.
struct Cx<'a> {
    doc: &'a ParsedDoc,
    diags: &'a mut Diagnostics,
    /// `unsafe_html: true` in `content/_index.md`: bodies keep raw HTML.
    unsafe_html: bool,
}

impl Cx<'_> {
    /// The document's body HTML under the site's policy: sanitised (see
    /// [`crate::sanitize::body`]) unless the site set `unsafe_html: true`
    /// or the body is only HTML pulldown-cmark wrote itself.
    fn body_html(&self) -> String {
        let b = &self.doc.body;
        if self.unsafe_html || !b.needs_sanitising {
            crate::sanitize::strip_nul(&b.html).into_owned()
        } else {
            crate::sanitize::body(&b.html, b.shortcodes.len())
        }
    }
    /// An error at `path` unless the URL there uses a safe scheme; returns
    /// the URL when it may be linked.
    fn url(&mut self, path: &str, url: Option<&String>) -> Option<String> {
        let u = url?;
        match crate::sanitize::unsafe_url_scheme(u, crate::sanitize::FIELD_SCHEMES) {
            None => Some(u.clone()),
            Some(scheme) => {
                let d = self.error(
                    path,
                    format!("`{scheme}:` URLs are not allowed: only http and https addresses (or a path on this site) are linked"),
                );
                hint(
                    d,
                    "a link with another scheme could run a script in the reader's browser",
                );
                None
            }
        }
    }
    fn error(&mut self, path: &str, msg: impl Into<String>) -> &mut Diagnostic {
        let (l, c) = self.doc.locate(path);
        self.diags
            .push(Diagnostic::error(&self.doc.rel_path, l, c, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
    fn warn(&mut self, path: &str, msg: impl Into<String>) -> &mut Diagnostic {
        let (l, c) = self.doc.locate(path);
        self.diags
            .push(Diagnostic::warning(&self.doc.rel_path, l, c, msg));
        self.diags.0.last_mut().expect("just pushed")
    }
    fn date(&mut self, path: &str, d: &Option<RawDate>) -> Option<Date> {
        let d = d.as_ref()?;
        match Date::parse(&d.0) {
            Ok(v) => Some(v),
            Err(m) => {
                self.error(path, m);
                None
            }
        }
    }
}

fn hint(d: &mut Diagnostic, h: impl Into<String>) {
    d.hint = Some(h.into());
}

/// A warning for a site setting written on another page (it has no effect there).
fn site_only(cx: &mut Cx, key: &str) {
    let d = cx.warn(
        key,
        format!("`{key}` is a site setting and is read only from content/_index.md; it has no effect here"),
    );
    hint(
        d,
        format!("move `{key}` to the front matter of content/_index.md"),
    );
}

fn site_config(cx: &mut Cx, base_url: Option<&str>) -> SiteConfig {
    let f = &cx.doc.front;
    let written = cx.url("base_url", f.base_url.as_ref());
    // The command line's --base-url wins over the file's (checked there).
    let mut base = base_url
        .map(str::to_string)
        .or(written)
        .unwrap_or_else(|| "/".into());
    if !base.ends_with('/') {
        base.push('/');
    }
    let title = match &f.title {
        Some(t) => t.clone(),
        None => {
            let d = cx.error("title", "the site has no title");
            hint(
                d,
                "add `title: ...` to the front matter of content/_index.md",
            );
            "Evidence".into()
        }
    };
    SiteConfig {
        title,
        description: f.description.clone().unwrap_or_default(),
        author: f.author.clone().unwrap_or_default(),
        base_url: base,
        theme: f.theme.clone().unwrap_or_else(|| "default".into()),
        language: f.language.clone().unwrap_or_else(|| "en".into()),
        intro_html: cx.body_html(),
        paginate_by: f
            .paginate_by
            .map_or(super::DEFAULT_PAGINATE_BY, |n| n as usize),
        unsafe_html: f.unsafe_html,
    }
}

/// Whether `s` is a safe single URL segment.
pub(crate) fn safe_slug(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !s.starts_with('.')
}

fn page(
    cx: &mut Cx,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> Option<Page>
where
{
    let doc = cx.doc;
    let f = &doc.front;
    let rel = doc
        .rel_path
        .strip_prefix("content/")
        .unwrap_or(&doc.rel_path);
    let (dir, stem) = match rel.strip_suffix("/index.md") {
        Some(d) => match d.rsplit_once('/') {
            Some((parent, last)) => (parent.to_string(), last.to_string()),
            None => (String::new(), d.to_string()),
        },
        None => {
            let no_ext = rel.trim_end_matches(".md").trim_end_matches(".markdown");
            match no_ext.rsplit_once('/') {
                Some((parent, last)) => (parent.to_string(), last.to_string()),
                None => (String::new(), no_ext.to_string()),
            }
        }
    };
    let slug = match &f.slug {
        Some(s) if safe_slug(s) => s.clone(),
        Some(s) => {
            let d = cx.error("slug", format!("`{s}` is not a safe URL slug"));
            hint(
                d,
                "use one path segment of letters, digits, `-` and `_` (no `/`, no `..`)",
            );
            return None;
        }
        None => stem.to_ascii_lowercase().replace(' ', "-"),
    };
    if !safe_slug(&slug) {
        cx.error(
            "",
            format!("the file name `{stem}` does not make a safe URL"),
        )
        .hint = Some("rename the file using letters, digits, `-` and `_`".into());
        return None;
    }
    let section = dir.split('/').next().unwrap_or("").to_string();
    let url_path = if dir.is_empty() {
        format!("{slug}/")
    } else {
        format!("{dir}/{slug}/")
    };
    let title = match &f.title {
        Some(t) if !t.trim().is_empty() => t.clone(),
        _ => {
            let d = cx.error("title", "the page has no title");
            hint(d, "add `title: ...` to the front matter");
            return None;
        }
    };
    let date = cx.date("date", &f.date);
    let updated = cx.date("updated", &f.updated);
    let kind = if let Some(t) = &f.trial {
        let bundle = doc.rel_path.strip_suffix("index.md").map(str::to_string);
        PageKind::Trial(Box::new(trial(cx, t, bundle.as_deref(), csvs, used)))
    } else if let Some(t) = &f.topic {
        PageKind::Topic(topic(cx, t))
    } else if !f.trials.is_empty() || section == "appraisals" {
        let style = match f.style.as_deref() {
            None | Some("blog") => Style::Blog,
            Some("bottom-line") | Some("bottom_line") | Some("structured") => Style::BottomLine,
            Some(s) => {
                let d = cx.error("style", format!("unknown appraisal style `{s}`"));
                hint(d, "use `blog` or `bottom-line`");
                Style::Blog
            }
        };
        let trials = f
            .trials
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), cx.doc.locate(&format!("trials[{i}]"))))
            .collect();
        PageKind::Appraisal(Appraisal { trials, style })
    } else {
        PageKind::Plain
    };
    let description = f
        .description
        .clone()
        .unwrap_or_else(|| truncate_words(&doc.body.first_paragraph, 40));
    Some(Page {
        id: slug,
        source: doc.rel_path.clone(),
        section,
        url_path,
        title,
        description,
        date,
        updated,
        draft: f.draft,
        tags: f.tags.clone(),
        author: f.author.clone(),
        template: f.template.clone(),
        bottom_line: f.bottom_line.clone(),
        body: Markdown {
            html: cx.body_html(),
            ..doc.body.clone()
        },
        body_line: doc.body_line,
        kind,
    })
}

fn truncate_words(s: &str, n: usize) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() <= n {
        words.join(" ")
    } else {
        format!("{}…", words[..n].join(" "))
    }
}

fn trial(
    cx: &mut Cx,
    t: &RawTrial,
    bundle: Option<&str>,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> Trial {
    if t.acronym.trim().is_empty() {
        let d = cx.error("trial", "the trial has no `acronym`");
        hint(d, "add `acronym: ...` under `trial:`");
    }
    // Arms
    let mut arms: Vec<Arm> = Vec::new();
    for (i, a) in t.arms.iter().enumerate() {
        let p = format!("trial.arms[{i}]");
        if a.id.trim().is_empty() {
            cx.error(&p, "this arm has no `id`");
            continue;
        }
        if arms.iter().any(|b| b.id == a.id) {
            cx.error(
                &format!("{p}.id"),
                format!("arm id `{}` is used twice", a.id),
            );
            continue;
        }
        let n = match a.n {
            Some(n) if n < 0 => {
                cx.error(
                    &format!("{p}.n"),
                    format!("the number randomised cannot be negative ({n})"),
                );
                None
            }
            Some(n) if too_many(cx, None, 0, &format!("{p}.n"), n as u64) => None,
            Some(n) => Some(n as u64),
            None => None,
        };
        arms.push(Arm {
            id: a.id.clone(),
            label: if a.label.is_empty() {
                a.id.clone()
            } else {
                a.label.clone()
            },
            n,
            intervention: a.intervention.clone(),
            control: a.control,
        });
    }
    let controls: Vec<usize> = arms
        .iter()
        .enumerate()
        .filter(|(_, a)| a.control)
        .map(|(i, _)| i)
        .collect();
    if controls.len() > 1 {
        cx.error("trial.arms", "more than one arm is marked `control: true`");
    }
    let control = controls
        .first()
        .copied()
        .unwrap_or(arms.len().saturating_sub(1));
    if let Some(a) = arms.get_mut(control) {
        a.control = true;
    }
    let arm_ids: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
    if arms.len() == 1 {
        let d = cx.error(
            "trial.arms",
            format!(
                "the trial has one arm (`{}`): appraise compares two or more arms",
                arms[0].id
            ),
        );
        hint(
            d,
            "add the control arm, e.g. - { id: placebo, label: Placebo, control: true }",
        );
    }
    // Outcomes: front matter, then CSV.
    let mut outcomes: Vec<Outcome> = Vec::new();
    // Outcomes dropped for errors (already reported): later references to
    // them are not reported a second time.
    let mut rejected: Vec<String> = Vec::new();
    for (i, o) in t.outcomes.iter().enumerate() {
        let line = cx.doc.locate(&format!("trial.outcomes[{i}]")).0;
        if let Some(o) = outcome(
            cx,
            &format!("trial.outcomes[{i}]"),
            o,
            &arms,
            &arm_ids,
            (cx.doc.rel_path.clone(), line),
            None,
        ) {
            outcomes.push(o);
        } else {
            rejected.push(o.id.clone());
        }
    }
    if let Some(b) = bundle {
        let name = t
            .outcomes_csv
            .clone()
            .unwrap_or_else(|| "outcomes.csv".into());
        let path = format!("{b}{name}");
        match csvs.get_key_value(path.as_str()) {
            Some((k, csv)) => {
                // The key lives as long as the parsed input; record it by value.
                used.insert(k.to_string());
                for (o, line) in &csv.outcomes {
                    if let Some(o) = outcome(
                        cx,
                        "",
                        o,
                        &arms,
                        &arm_ids,
                        (csv.rel_path.clone(), *line),
                        Some(&csv.rel_path),
                    ) {
                        outcomes.push(o);
                    } else {
                        rejected.push(o.id.clone());
                    }
                }
            }
            None if t.outcomes_csv.is_some() => {
                cx.error("trial.outcomes_csv", format!("there is no file {path}"));
            }
            None => {}
        }
    } else if t.outcomes_csv.is_some() {
        let d = cx.error(
            "trial.outcomes_csv",
            "a CSV outcome table needs a page bundle",
        );
        hint(
            d,
            "move the page to <name>/index.md and put the CSV beside it",
        );
    }
    let mut seen = BTreeSet::new();
    for o in &outcomes {
        if !seen.insert(o.id.clone()) {
            cx.diags.push(Diagnostic::error(
                &o.origin.0,
                o.origin.1,
                1,
                format!("outcome id `{}` is used twice in this trial", o.id),
            ));
        }
    }
    // Registrations
    let registrations = t
        .registration
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (id, url) = match r {
                RawRegistration::Id(s) => (s.trim().to_string(), None),
                RawRegistration::Long { id, url } => (id.trim().to_string(), url.clone()),
            };
            if id.is_empty() || id.contains(char::is_whitespace) {
                cx.error(
                    &format!("trial.registration[{i}]"),
                    format!("`{id}` is not a registry id"),
                );
                return None;
            }
            let url = match url {
                Some(u) => cx.url(&format!("trial.registration[{i}].url"), Some(&u)),
                None => registry_url(&id),
            };
            Some(Registration { id, url })
        })
        .collect();
    let registry = t.registry.as_ref().map(|r| Registry {
        status: r.status.clone(),
        phase: r.phase.clone(),
        study_type: r.study_type.clone(),
        sponsor: r.sponsor.clone(),
        contact: r.contact.clone(),
        registered: cx.date("trial.registry.registered", &r.registered),
        start: cx.date("trial.registry.start", &r.start),
        completion: cx.date("trial.registry.completion", &r.completion),
        checked: cx.date("trial.registry.checked", &r.checked),
        enrollment: r.enrollment.and_then(|e| {
            if e < 0 {
                cx.error("trial.registry.enrollment", "enrolment cannot be negative");
                None
            } else {
                Some(e as u64)
            }
        }),
        conditions: r.conditions.clone(),
    });
    if let Some(r) = &registry {
        if let (Some(s), Some(c)) = (r.start, r.completion) {
            if c < s {
                cx.error(
                    "trial.registry.completion",
                    format!("completion ({}) is before the start ({})", c.iso(), s.iso()),
                );
            }
        }
    }
    let publication = t.publication.as_ref().map(|p| {
        let year = p.year.and_then(|y| {
            if !(1900..=2200).contains(&y) {
                cx.error(
                    "trial.publication.year",
                    format!("{y} is not a plausible publication year"),
                );
                None
            } else {
                Some(y as i32)
            }
        });
        let date = cx.date("trial.publication.date", &p.date);
        Publication {
            journal: p.journal.clone(),
            year: year.or(date.map(|d| d.year)),
            date,
            citation: p.citation.clone(),
            doi: p.doi.clone(),
            url: cx
                .url("trial.publication.url", p.url.as_ref())
                .or_else(|| p.doi.as_ref().map(|d| format!("https://doi.org/{d}"))),
        }
    });
    let mut baseline = Vec::new();
    for (i, b) in t.baseline.iter().enumerate() {
        for k in b.values.keys() {
            if !arm_ids.contains(&k.as_str()) {
                unknown_arm(cx, &format!("trial.baseline[{i}].values.{k}"), k, &arm_ids);
            }
        }
        baseline.push((
            b.label.clone(),
            arms.iter()
                .map(|a| b.values.get(&a.id).cloned().unwrap_or_default())
                .collect(),
        ));
    }
    Trial {
        acronym: t.acronym.clone(),
        title: t.title.clone(),
        registrations,
        registry,
        publication,
        design: t.design.clone().unwrap_or_default(),
        population: t.population.clone().unwrap_or_default(),
        question: t.question.clone(),
        conclusion: t.conclusion.clone(),
        arms,
        control,
        outcomes,
        rejected_outcomes: rejected,
        baseline,
    }
}

fn registry_url(id: &str) -> Option<String> {
    let up = id.to_ascii_uppercase();
    if up.starts_with("NCT") {
        Some(format!("https://clinicaltrials.gov/study/{up}"))
    } else if up.starts_with("ISRCTN") {
        Some(format!("https://www.isrctn.com/{up}"))
    } else {
        None
    }
}

fn unknown_arm(cx: &mut Cx, path: &str, k: &str, arm_ids: &[&str]) {
    let d = cx.error(path, format!("there is no arm `{k}` in this trial"));
    let h = match did_you_mean(k, arm_ids) {
        Some(s) => format!("did you mean `{s}`? The arms are: {}", arm_ids.join(", ")),
        None => format!("the arms are: {}", arm_ids.join(", ")),
    };
    hint(d, h);
}

/// Report a problem either in front matter (by path) or in a CSV (by line).
fn at<'c>(
    cx: &'c mut Cx,
    csv: Option<&str>,
    line: usize,
    path: &str,
    msg: String,
    warning: bool,
) -> &'c mut Diagnostic {
    match csv {
        Some(file) => {
            let d = if warning {
                Diagnostic::warning(file, line, 1, msg)
            } else {
                Diagnostic::error(file, line, 1, msg)
            };
            cx.diags.push(d);
            cx.diags.0.last_mut().expect("just pushed")
        }
        None if warning => cx.warn(path, msg),
        None => cx.error(path, msg),
    }
}

fn outcome(
    cx: &mut Cx,
    p: &str,
    o: &RawOutcome,
    arms: &[Arm],
    arm_ids: &[&str],
    origin: (String, usize),
    csv: Option<&str>,
) -> Option<Outcome> {
    let line = origin.1;
    if o.id.trim().is_empty() {
        at(cx, csv, line, p, "this outcome has no `id`".into(), false);
        return None;
    }
    let mut ok = true;
    let role = match o.role.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("secondary") => Role::Secondary,
        Some("primary") => Role::Primary,
        Some("safety") => Role::Safety,
        Some("exploratory") | Some("post-hoc") => Role::Exploratory,
        Some(r) => {
            let d = at(
                cx,
                csv,
                line,
                &format!("{p}.role"),
                format!("unknown role `{r}`"),
                false,
            );
            hint(d, "use primary, secondary, safety or exploratory");
            ok = false;
            Role::Secondary
        }
    };
    let direction = match o.direction.as_deref() {
        None | Some("lower-is-better") => Direction::LowerIsBetter,
        Some("higher-is-better") => Direction::HigherIsBetter,
        Some(d) => {
            let dg = at(
                cx,
                csv,
                line,
                &format!("{p}.direction"),
                format!("unknown direction `{d}`"),
                false,
            );
            hint(
                dg,
                "use lower-is-better (events are bad, the default) or higher-is-better",
            );
            ok = false;
            Direction::LowerIsBetter
        }
    };
    let kinds = [
        o.binary.is_some(),
        o.continuous.is_some(),
        o.median.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if kinds > 1 {
        at(
            cx,
            csv,
            line,
            p,
            format!(
                "outcome `{}` has more than one of binary, continuous and median data",
                o.id
            ),
            false,
        );
        return None;
    }
    let check_arms = |cx: &mut Cx, key: &str, keys: Vec<&String>| -> bool {
        let mut good = true;
        for k in keys {
            if !arm_ids.contains(&k.as_str()) {
                if csv.is_some() {
                    at(
                        cx,
                        csv,
                        line,
                        "",
                        format!(
                            "there is no arm `{k}` in this trial (arms: {})",
                            arm_ids.join(", ")
                        ),
                        false,
                    );
                } else {
                    unknown_arm(cx, &format!("{p}.{key}.{k}"), k, arm_ids);
                }
                good = false;
            }
        }
        good
    };
    let data = if let Some(b) = &o.binary {
        if !check_arms(cx, "binary", b.keys().collect()) {
            return None;
        }
        let mut v = Vec::new();
        for a in arms {
            let Some(c) = b.get(&a.id) else {
                v.push(None);
                continue;
            };
            let path = format!("{p}.binary.{}", a.id);
            let mut printed_pct = None;
            // In the long form each problem is reported at its own value's line.
            let (e_path, t_path) = match c {
                RawCount::Long { .. } => (format!("{path}.events"), format!("{path}.total")),
                RawCount::Text(_) => (path.clone(), path.clone()),
            };
            let (e, t) = match c {
                RawCount::Long { events, total } => {
                    let e = whole(cx, csv, line, &e_path, "events", *events);
                    let t = whole(cx, csv, line, &t_path, "total", *total);
                    match (e, t) {
                        (Some(e), Some(t)) => (e, t),
                        _ => {
                            ok = false;
                            continue;
                        }
                    }
                }
                RawCount::Text(s) => match parse_count(s) {
                    Ok((e, t, pct)) => {
                        printed_pct = pct;
                        (e, t)
                    }
                    Err(fraction) => {
                        let msg = if fraction {
                            format!("`{s}`: counts must be whole numbers")
                        } else {
                            format!("`{s}` is not a count")
                        };
                        let d = at(cx, csv, line, &path, msg, false);
                        hint(d, "write events/total, e.g. 89/258");
                        ok = false;
                        continue;
                    }
                },
            };
            if e < 0 || t < 0 {
                at(
                    cx,
                    csv,
                    line,
                    if e < 0 { &e_path } else { &t_path },
                    format!("counts cannot be negative ({e}/{t})"),
                    false,
                );
                ok = false;
                continue;
            }
            if e > t {
                let d = at(
                    cx,
                    csv,
                    line,
                    &e_path,
                    format!("{e} events out of {t}: events exceed the total"),
                    false,
                );
                hint(d, "check the order: events first, then the number analysed");
                ok = false;
                continue;
            }
            if t == 0 {
                at(cx, csv, line, &t_path, "the total is 0".into(), false);
                ok = false;
                continue;
            }
            if too_many(cx, csv, line, &t_path, t as u64) {
                ok = false;
                continue;
            }
            if let Some(n) = a.n {
                if t as u64 > n {
                    at(
                        cx,
                        csv,
                        line,
                        &t_path,
                        format!(
                            "{t} analysed in arm `{}`, but only {n} were randomised",
                            a.id
                        ),
                        true,
                    );
                }
            }
            if let Some((pct, dec)) = printed_pct {
                if crate::stats::check::percentage_matches(e as u64, t as u64, pct, dec)
                    == Some(false)
                {
                    let d = at(
                        cx,
                        csv,
                        line,
                        &path,
                        format!(
                            "{e}/{t} is {:.2}%, but {:.*}% is printed",
                            100.0 * e as f64 / t as f64,
                            dec as usize,
                            pct
                        ),
                        true,
                    );
                    hint(d, "check the counts and the percentage against the paper");
                }
            }
            v.push(Some(Count {
                events: e as u64,
                total: t as u64,
            }));
        }
        OutcomeData::Binary(v)
    } else if let Some(c) = &o.continuous {
        if !check_arms(cx, "continuous", c.keys().collect()) {
            return None;
        }
        let mut v = Vec::new();
        for a in arms {
            let Some(m) = c.get(&a.id) else {
                v.push(None);
                continue;
            };
            let path = format!("{p}.continuous.{}", a.id);
            if m.sd < 0.0 || m.n < 0 || !m.mean.is_finite() || !m.sd.is_finite() {
                at(
                    cx,
                    csv,
                    line,
                    &path,
                    "SD and n cannot be negative".into(),
                    false,
                );
                ok = false;
                continue;
            }
            if too_many(cx, csv, line, &format!("{path}.n"), m.n as u64) {
                ok = false;
                continue;
            }
            v.push(Some(MeanSd {
                mean: m.mean,
                sd: m.sd,
                n: m.n as u64,
            }));
        }
        OutcomeData::Continuous(v)
    } else if let Some(c) = &o.median {
        if !check_arms(cx, "median", c.keys().collect()) {
            return None;
        }
        let mut v = Vec::new();
        for a in arms {
            let Some(m) = c.get(&a.id) else {
                v.push(None);
                continue;
            };
            if !(m.q1 <= m.median && m.median <= m.q3) {
                at(
                    cx,
                    csv,
                    line,
                    &format!("{p}.median.{}", a.id),
                    format!(
                        "the median {} is not between its quartiles {} and {}",
                        m.median, m.q1, m.q3
                    ),
                    false,
                );
                ok = false;
                continue;
            }
            if let Some(n) = m.n.filter(|n| *n >= 0) {
                if too_many(cx, csv, line, &format!("{p}.median.{}.n", a.id), n as u64) {
                    ok = false;
                    continue;
                }
            }
            v.push(Some(MedianIqr {
                median: m.median,
                q1: m.q1,
                q3: m.q3,
                n: m.n.filter(|n| *n >= 0).map(|n| n as u64),
            }));
        }
        OutcomeData::Median(v)
    } else {
        OutcomeData::None
    };
    let mut reported = Vec::new();
    let raw: Vec<RawReported> = o.reported.clone().map(|r| r.into_vec()).unwrap_or_default();
    let many = raw.len() > 1;
    for (i, r) in raw.iter().enumerate() {
        let rp = if many {
            format!("{p}.reported[{i}]")
        } else {
            format!("{p}.reported")
        };
        match reported_effect(cx, csv, line, &rp, r) {
            Some(x) => {
                // A measure the arm data cannot give is a slip, unless the
                // author says how the paper computed it.
                let misfit =
                    measure_misfit(x.measure, &data).filter(|_| x.method.is_none() && !x.adjusted);
                if let Some(needs) = misfit {
                    let d = at(
                        cx,
                        csv,
                        line,
                        &format!("{rp}.measure"),
                        format!(
                            "a printed {} does not fit this outcome's {} data: it needs {needs}",
                            x.measure.short(),
                            data_kind(&data)
                        ),
                        false,
                    );
                    hint(d, "correct the measure, give the arm data it is computed from, or say how the paper computed it (`method:`)");
                    ok = false;
                } else {
                    reported.push(x);
                }
            }
            None => ok = false,
        }
    }
    // A comparison needs two arms with data: never compare an arm with itself.
    let (kind_key, with_data) = match &data {
        OutcomeData::Binary(v) => ("binary", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::Continuous(v) => ("continuous", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::Median(v) => ("median", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::None => ("", 2),
    };
    if ok && with_data == 1 && arms.len() >= 2 {
        let d = at(
            cx,
            csv,
            line,
            &format!("{p}.{kind_key}"),
            format!(
                "outcome `{}` has {kind_key} data for one arm only: a comparison needs two",
                o.id
            ),
            false,
        );
        hint(
            d,
            format!("give the data of each arm ({})", arm_ids.join(", ")),
        );
        return None;
    }
    if matches!(data, OutcomeData::None) && reported.is_empty() {
        at(cx, csv, line, p, format!("outcome `{}` has neither arm data (binary, continuous, median) nor a reported effect", o.id), false);
        return None;
    }
    if !ok {
        return None;
    }
    Some(Outcome {
        id: o.id.clone(),
        label: if o.label.is_empty() {
            o.id.clone()
        } else {
            o.label.clone()
        },
        endpoint: o.endpoint.clone(),
        role,
        timepoint: o.timepoint.clone(),
        direction,
        data,
        reported,
        note: o.note.clone(),
        unit: o.unit.clone(),
        origin,
    })
}

/// A count with its printed percentage (value, decimals), if any.
type ParsedCount = (i64, i64, Option<(f64, u32)>);

/// What a printed measure needs when the outcome's arm data cannot give it
/// (an RR beside means and SDs); `None` when it fits, or when there are no
/// arm data to compare with. Hazard ratios fit any data: they are never
/// recomputed.
fn measure_misfit(m: Measure, data: &OutcomeData) -> Option<&'static str> {
    let fits = match data {
        OutcomeData::None => true,
        OutcomeData::Binary(_) => matches!(m, Measure::RR | Measure::OR | Measure::RD),
        OutcomeData::Continuous(_) => matches!(m, Measure::MD | Measure::SMD),
        OutcomeData::Median(_) => matches!(m, Measure::MedD),
    };
    if fits || matches!(m, Measure::HR | Measure::SHR) {
        return None;
    }
    Some(match m {
        Measure::RR | Measure::OR | Measure::RD => "binary data (events/total)",
        Measure::MD | Measure::SMD => "continuous data (mean, SD, n)",
        _ => "median data (median, quartiles)",
    })
}

/// The name of an outcome's kind of data, for messages.
fn data_kind(data: &OutcomeData) -> &'static str {
    match data {
        OutcomeData::Binary(_) => "binary",
        OutcomeData::Continuous(_) => "continuous",
        OutcomeData::Median(_) => "median",
        OutcomeData::None => "no",
    }
}

/// `89/258`, or `89/258 (34.5%)` with the percentage as printed (value,
/// decimals). `Err(true)` when the count has a fraction (`89.5/258`),
/// `Err(false)` when it is not a count at all.
fn parse_count(s: &str) -> Result<ParsedCount, bool> {
    let (count, pct) = match s.split_once('(') {
        Some((c, rest)) => {
            let p = rest
                .trim()
                .trim_end_matches(')')
                .trim()
                .trim_end_matches('%')
                .trim();
            let dec = p.split_once('.').map(|(_, d)| d.len() as u32).unwrap_or(0);
            (c, Some((p.parse::<f64>().map_err(|_| false)?, dec)))
        }
        None => (s, None),
    };
    let (a, b) = count.split_once('/').ok_or(false)?;
    let int = |x: &str| -> Result<i64, bool> {
        let x = x.trim();
        x.parse()
            .map_err(|_| x.parse::<f64>().is_ok_and(f64::is_finite))
    };
    Ok((int(a)?, int(b)?, pct))
}

/// A long-form count (`events: 12`), or an error at its line when it is not
/// a whole number.
fn whole(
    cx: &mut Cx,
    csv: Option<&str>,
    line: usize,
    path: &str,
    key: &str,
    v: RawWhole,
) -> Option<i64> {
    match v {
        RawWhole::Int(n) => Some(n),
        RawWhole::Other(x) if x.fract() == 0.0 && x > 0.0 => {
            // Whole but past i64: report it as too many patients.
            too_many(cx, csv, line, path, u64::MAX);
            None
        }
        RawWhole::Other(x) => {
            let d = at(
                cx,
                csv,
                line,
                path,
                format!("`{key}: {x}`: a count must be a whole number"),
                false,
            );
            hint(d, "write the number of patients, e.g. 89");
            None
        }
    }
}

/// Report (and return true) when `n` patients in one arm is past
/// [`MAX_PATIENTS_PER_ARM`].
fn too_many(cx: &mut Cx, csv: Option<&str>, line: usize, path: &str, n: u64) -> bool {
    if n <= MAX_PATIENTS_PER_ARM {
        return false;
    }
    let shown = if n == u64::MAX {
        "more than 9223372036854775807".to_string()
    } else {
        n.to_string()
    };
    let d = at(
        cx,
        csv,
        line,
        path,
        format!("{shown} patients in one arm: the limit is {MAX_PATIENTS_PER_ARM}"),
        false,
    );
    hint(d, "check the number for a typing slip");
    true
}

fn reported_effect(
    cx: &mut Cx,
    csv: Option<&str>,
    line: usize,
    rp: &str,
    r: &RawReported,
) -> Option<Reported> {
    let Some(measure) = Measure::parse(&r.measure) else {
        let d = at(
            cx,
            csv,
            line,
            &format!("{rp}.measure"),
            format!("unknown measure `{}`", r.measure),
            false,
        );
        hint(d, format!("use {}", Measure::NAMES));
        return None;
    };
    // A number in exponent form (5.4e-1) hides the decimals printed.
    let mut exponent = false;
    let printed = std::iter::once((&r.estimate, "estimate"))
        .chain(r.ci.iter().flatten().map(|x| (x, "ci")))
        .chain(r.p.iter().map(|x| (x, "p")));
    for (x, key) in printed {
        if x.0.contains(['e', 'E']) && x.0.chars().any(|c| c.is_ascii_digit()) {
            let d = at(
                cx,
                csv,
                line,
                &format!("{rp}.{key}"),
                format!(
                    "`{}`: write the number as the paper printed it, without an exponent",
                    x.0
                ),
                false,
            );
            hint(
                d,
                "e.g. 0.54 rather than 5.4e-1, so its decimals are those printed",
            );
            exponent = true;
        }
    }
    if exponent {
        return None;
    }
    let Some(estimate) = r.estimate.number() else {
        at(
            cx,
            csv,
            line,
            &format!("{rp}.estimate"),
            format!("the estimate `{}` is not a number", r.estimate.0),
            false,
        );
        return None;
    };
    let mut ok = true;
    let bounds = r.ci.as_ref().map(|v| {
        v.iter()
            .map(|x| x.number().map(|n| (n, x.decimals())))
            .collect::<Option<Vec<_>>>()
    });
    let ci = match bounds {
        None => None,
        Some(Some(v)) if v.len() == 2 => {
            let ((lo, dlo), (hi, dhi)) = (v[0], v[1]);
            if lo > hi {
                let d = at(
                    cx,
                    csv,
                    line,
                    &format!("{rp}.ci"),
                    format!("the CI's lower bound {lo} is above its upper bound {hi}"),
                    false,
                );
                hint(d, "write the interval as [lower, upper]");
                ok = false;
            } else if estimate < lo || estimate > hi {
                at(
                    cx,
                    csv,
                    line,
                    &format!("{rp}.estimate"),
                    format!("the estimate {estimate} lies outside its CI [{lo}, {hi}]"),
                    false,
                );
                ok = false;
            } else if measure.is_ratio() && lo <= 0.0 {
                at(
                    cx,
                    csv,
                    line,
                    &format!("{rp}.ci"),
                    format!(
                        "a {} and its CI must be above 0",
                        measure.long().to_lowercase()
                    ),
                    false,
                );
                ok = false;
            }
            Some(((lo, hi), (dlo, dhi)))
        }
        Some(_) => {
            let d = at(
                cx,
                csv,
                line,
                &format!("{rp}.ci"),
                "a CI needs exactly two numbers".into(),
                false,
            );
            hint(d, "write ci: [lower, upper]");
            ok = false;
            None
        }
    };
    if measure.is_ratio() && estimate <= 0.0 {
        at(
            cx,
            csv,
            line,
            &format!("{rp}.estimate"),
            format!("a {} must be above 0", measure.long().to_lowercase()),
            false,
        );
        ok = false;
    }
    let p = match &r.p {
        None => None,
        Some(text) => match parse_p(&text.0) {
            Some(pv) if (0.0..=1.0).contains(&pv.value) => Some(pv),
            Some(pv) => {
                at(
                    cx,
                    csv,
                    line,
                    &format!("{rp}.p"),
                    format!("p = {} is outside [0, 1]", pv.value),
                    false,
                );
                ok = false;
                None
            }
            None => {
                let d = at(
                    cx,
                    csv,
                    line,
                    &format!("{rp}.p"),
                    format!("`{}` is not a p value", text.0),
                    false,
                );
                hint(d, "write a number such as 0.43, or \"<0.001\"");
                ok = false;
                None
            }
        },
    };
    if !ok {
        return None;
    }
    // Decimals as typed, one per printed number; `decimals:` overrides
    // those of the estimate and CI.
    let typed = r.estimate.decimals();
    Some(Reported {
        measure,
        estimate,
        ci: ci.map(|(c, _)| c),
        p,
        adjusted: r.adjusted,
        method: r.method.clone(),
        decimals: r.decimals.unwrap_or(typed),
        ci_decimals: ci.map(|(_, d)| match r.decimals {
            Some(x) => (x, x),
            None => d,
        }),
    })
}

/// A p value as printed: `0.43`, `P = 0.50`, `<0.001`, `≤ 0.05`, `>0.99`,
/// with the decimals typed; `None` when no number is found.
fn parse_p(text: &str) -> Option<PValue> {
    let mut t = text.trim();
    if let Some(rest) = t.strip_prefix(['P', 'p']) {
        t = rest.trim_start();
    }
    let (relation, rest) = if let Some(x) = t.strip_prefix('<').or_else(|| t.strip_prefix('≤')) {
        ('<', x)
    } else if let Some(x) = t.strip_prefix('>').or_else(|| t.strip_prefix('≥')) {
        ('>', x)
    } else {
        ('=', t)
    };
    let num = Printed(rest.trim().trim_start_matches('=').trim().to_string());
    Some(PValue {
        value: num.number()?,
        relation,
        decimals: num.decimals(),
    })
}

/// The settings of one topic analysis: its `model:` preset with the
/// `tau2:` and `hksj:` overrides; `None` (after an error at the key's line)
/// for an unknown name.
fn analysis_settings(
    cx: &mut Cx,
    p: &str,
    a: &crate::parse::front_matter::RawAnalysis,
) -> Option<MetaSettings> {
    let mut settings = match a.model.as_deref() {
        None => MetaSettings::default(),
        Some(m) => match MetaSettings::parse(m) {
            Ok(s) => s,
            Err(_) => {
                let d = cx.error(
                    &format!("{p}.model"),
                    format!("unknown meta-analysis model `{m}`"),
                );
                let names = crate::stats::meta::MODEL_NAMES.join(", ");
                match did_you_mean(m, &crate::stats::meta::MODEL_NAMES) {
                    Some(s) => hint(d, format!("did you mean `{s}`? Use one of {names}")),
                    None => hint(d, format!("use one of {names}")),
                }
                return None;
            }
        },
    };
    if let Some(t) = a.tau2.as_deref() {
        settings.tau2 = match t.trim().to_ascii_uppercase().as_str() {
            "DL" => Tau2Estimator::DerSimonianLaird,
            "REML" => Tau2Estimator::Reml,
            "PM" => Tau2Estimator::PauleMandel,
            _ => {
                let d = cx.error(&format!("{p}.tau2"), format!("unknown τ² estimator `{t}`"));
                hint(d, "use REML, DL or PM");
                return None;
            }
        };
    }
    if let Some(h) = a.hksj {
        settings.random_ci = if h { RandomCi::Hksj } else { RandomCi::Wald };
    }
    Some(settings)
}

fn topic(cx: &mut Cx, t: &crate::parse::front_matter::RawTopic) -> Topic {
    let trials = t
        .trials
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), cx.doc.locate(&format!("topic.trials[{i}]"))))
        .collect();
    let mut analyses = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, a) in t.analyses.iter().enumerate() {
        let p = format!("topic.analyses[{i}]");
        if a.endpoint.trim().is_empty() {
            let d = cx.error(&p, "this analysis has no `endpoint`");
            hint(
                d,
                "name the shared endpoint to pool, e.g. endpoint: all-cause-mortality",
            );
            continue;
        }
        let measure = match a.measure.as_deref() {
            None => Measure::RR,
            Some(m) => match Measure::parse(m) {
                Some(x)
                    if matches!(
                        x,
                        Measure::RR | Measure::OR | Measure::RD | Measure::MD | Measure::SMD
                    ) =>
                {
                    x
                }
                _ => {
                    let d = cx.error(&format!("{p}.measure"), format!("cannot pool `{m}`"));
                    hint(
                        d,
                        "pool RR, OR or RD (binary outcomes), MD or SMD (continuous outcomes)",
                    );
                    continue;
                }
            },
        };
        let id = if a.id.is_empty() {
            format!("{}-{}", a.endpoint, measure.short().to_lowercase())
        } else {
            a.id.clone()
        };
        if !ids.insert(id.clone()) {
            cx.error(
                &format!("{p}.id"),
                format!("analysis id `{id}` is used twice"),
            );
            continue;
        }
        let Some(settings) = analysis_settings(cx, &p, a) else {
            continue;
        };
        analyses.push(AnalysisSpec {
            id,
            title: a
                .title
                .clone()
                .unwrap_or_else(|| a.endpoint.replace('-', " ")),
            endpoint: a.endpoint.clone(),
            measure,
            settings,
            trials: a
                .trials
                .iter()
                .enumerate()
                .map(|(j, id)| (id.clone(), cx.doc.locate(&format!("{p}.trials[{j}]"))))
                .collect(),
            subgroups: a
                .subgroups
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            pos: cx.doc.locate(&p),
        });
    }
    Topic {
        trials,
        tags: t.tags.clone(),
        analyses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_page;

    fn site_of(files: &[(&str, &str)]) -> (Site, Diagnostics) {
        let mut parsed = Parsed::default();
        let mut diags = Diagnostics::new();
        for (p, t) in files {
            let (d, g) = parse_page(p, t.as_bytes());
            diags.extend(g);
            parsed.docs.extend(d);
        }
        let (s, g) = build(&parsed, &Overrides::default());
        diags.extend(g);
        (s, diags)
    }

    const TRIAL: &str = "---\ntitle: T\ntrial:\n  acronym: X\n  arms:\n    - { id: a, label: A, n: 10 }\n    - { id: b, label: B, n: 10, control: true }\n  outcomes:\n    - id: death\n      label: Death\n      binary: { a: 3/10, b: 12/10 }\n      reported: { measure: RR, estimate: 0.5, ci: [0.6, 0.9], p: 1.5 }\n---\n";

    #[test]
    fn schema_violations_are_located() {
        let (_, d) = site_of(&[
            ("content/_index.md", "---\ntitle: S\n---\n"),
            ("content/trials/x.md", TRIAL),
        ]);
        let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert!(msgs.contains(&"error: content/trials/x.md:11:26: 12 events out of 10: events exceed the total\n  hint: check the order: events first, then the number analysed".to_string()), "{msgs:#?}");
        assert!(
            msgs.iter()
                .any(|m| m.contains("x.md:12:") && m.contains("outside its CI")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("x.md:12:") && m.contains("outside [0, 1]")),
            "{msgs:#?}"
        );
    }

    #[test]
    fn urls_and_kinds() {
        let (s, d) = site_of(&[
            (
                "content/_index.md",
                "---\ntitle: S\nbase_url: https://x.github.io/r\n---\n",
            ),
            (
                "content/trials/y/index.md",
                "---\ntitle: Y\ntrial:\n  acronym: Y\n---\n",
            ),
            (
                "content/appraisals/z.md",
                "---\ntitle: Z\ntrials: [y]\n---\n",
            ),
        ]);
        assert!(!d.has_errors(), "{d}");
        assert_eq!(s.config.base_url, "https://x.github.io/r/");
        let y = s.pages.iter().find(|p| p.id == "y").unwrap();
        let z = s.pages.iter().find(|p| p.id == "z").unwrap();
        assert_eq!(z.url_path, "appraisals/z/");
        assert!(matches!(z.kind, PageKind::Appraisal(_)));
        assert_eq!(y.url_path, "trials/y/");
        assert!(matches!(y.kind, PageKind::Trial(_)));
    }

    #[test]
    fn printed_percentages_are_checked() {
        let t = TRIAL.replace(
            "binary: { a: 3/10, b: 12/10 }",
            "binary: { a: 3/10 (30%), b: 4/10 (35.0%) }",
        );
        let (s, d) = site_of(&[
            ("content/_index.md", "---\ntitle: S\n---\n"),
            ("content/trials/x.md", &t),
        ]);
        let msgs: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert!(
            msgs.iter().any(|m| m.starts_with(
                "warning: content/trials/x.md:11:32: 4/10 is 40.00%, but 35.0% is printed"
            )),
            "{msgs:#?}"
        );
        assert!(!msgs.iter().any(|m| m.contains("3/10 is")), "{msgs:#?}");
        assert!(!s.pages.is_empty());
    }

    #[test]
    fn unsafe_slug_is_rejected() {
        let (_, d) = site_of(&[("content/a.md", "---\ntitle: A\nslug: ../../etc\n---\n")]);
        assert!(d.iter().any(|d| d.message.contains("not a safe URL slug")));
    }
}
