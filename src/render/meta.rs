//! Sharing and indexing metadata ([`ShareCtx`]): what a page says about
//! itself to link previews and indexers, in the `<head>` the theme's
//! `partials/share_meta.html` writes.
//!
//! - OpenGraph (`og:*`, `article:*`) and a Twitter card on every page;
//!   trial, appraisal and topic pages are articles, every other page a
//!   website. A page with a generated image (`social.png`, see
//!   `super::social`) names it (`og:image` with its size and alt text,
//!   and `twitter:image:alt`) and gets the `summary_large_image` card;
//!   every other page the `summary` card. X reads the title, description
//!   and image from the og: tags, so those are written once.
//! - Google Scholar `citation_*` tags on a trial page whose publication
//!   gives the fields, each tag present exactly when its field is.
//! - schema.org JSON-LD on trial, appraisal and topic pages: a
//!   `MedicalScholarlyArticle` about the `MedicalTrial`s it discusses, with
//!   their registration ids. It is serialised with serde_json from the
//!   typed structs below and then made safe inside `<script>`: `<`, `>`
//!   and `&` become `\u003c`, `\u003e`, `\u0026`, so no text an author
//!   writes can close the element.
//!
//! The tags' text is escaped by Tera like any other text; only
//! `json_ld_html`, made safe here, is written as it stands.

use serde::Serialize;

use crate::model::{PageKind, Publication, Trial};

use super::context::PageCtx;
use super::site::{of_page, Env};

/// What a page tells link previews and indexers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ShareCtx {
    /// `og:type`: `article` (trials, appraisals, topics) or `website`.
    pub og_type: &'static str,
    /// `og:title`: the page title.
    pub title: String,
    /// `og:description`: the page description,
    /// else the site's.
    pub description: String,
    /// `og:url`: the page's permalink.
    pub url: String,
    /// `og:site_name`: the site title.
    pub site_name: String,
    /// `og:locale`: the site language with `-` as `_` (`en_GB`).
    pub locale: String,
    /// `article:published_time` (ISO date), articles with a date only.
    pub published_time: Option<String>,
    /// `article:modified_time` (ISO date), articles with an update date only.
    pub modified_time: Option<String>,
    /// `twitter:card`: `summary_large_image` with an image, else `summary`.
    pub twitter_card: &'static str,
    /// The page's generated image (`og:image`), if any.
    pub image: Option<ShareImageCtx>,
    /// Google Scholar `citation_*` tags, in the order written.
    pub scholar: Vec<MetaTag>,
    /// The JSON-LD, already safe to place inside `<script
    /// type="application/ld+json">` (trusted markup), or none.
    pub json_ld_html: Option<String>,
}

/// A page's link-preview image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShareImageCtx {
    /// Its full URL (`og:image`).
    pub url: String,
    /// Width in pixels (`og:image:width`).
    pub width: u32,
    /// Height in pixels (`og:image:height`).
    pub height: u32,
    /// What it shows, in words (`og:image:alt`, `twitter:image:alt`).
    pub alt: String,
}

impl ShareCtx {
    /// Name `image` as the page's preview image, with the large card.
    pub fn set_image(&mut self, image: ShareImageCtx) {
        self.twitter_card = "summary_large_image";
        self.image = Some(image);
    }
}

/// A `<meta name="…" content="…">` tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetaTag {
    /// The tag's `name`.
    pub name: &'static str,
    /// The tag's `content` (plain text; the template escapes it).
    pub content: String,
}

/// The share metadata of content page `i`, whose page context is `page`.
pub(super) fn page_share(env: &Env, i: usize, page: &PageCtx) -> ShareCtx {
    let p = &env.input.site.pages[i];
    let article = !matches!(p.kind, PageKind::Plain);
    let mut share = website(env, page);
    if article {
        share.og_type = "article";
        share.published_time = page.date_iso.clone();
        share.modified_time = p.updated.map(|d| d.iso());
    }
    let links = env.input.links;
    let about: Vec<usize> = match &p.kind {
        PageKind::Trial(t) => {
            share.scholar = t.publication.as_ref().map(scholar_tags).unwrap_or_default();
            vec![i]
        }
        PageKind::Appraisal(_) => links.appraisal_trials.get(&i).cloned().unwrap_or_default(),
        // A registry record whose results have their own page is that
        // trial, already listed.
        PageKind::Topic(_) => of_page(&links.topic_trials, i)
            .iter()
            .copied()
            .filter(|&j| links.status(j) != Some(crate::link::TrialStatus::Superseded))
            .collect(),
        PageKind::Plain => return share,
    };
    let article = ArticleLd {
        context: "https://schema.org",
        kind: "MedicalScholarlyArticle",
        headline: page.title.clone(),
        description: (!page.description.is_empty()).then(|| page.description.clone()),
        author: page.author.clone().map(|name| PersonLd {
            kind: "Person",
            name,
        }),
        date_published: page.date_iso.clone(),
        date_modified: share.modified_time.clone(),
        url: page.permalink.clone(),
        is_part_of: WebSiteLd {
            kind: "WebSite",
            name: env.site.title.clone(),
            url: env.permalink(""),
        },
        about: about.iter().filter_map(|&j| trial_ld(env, j)).collect(),
    };
    share.json_ld_html = Some(script_safe_json(&article));
    share
}

/// The share metadata of a page that is not an article (the home page,
/// lists, plain pages): OpenGraph and the Twitter card only.
pub(super) fn website(env: &Env, page: &PageCtx) -> ShareCtx {
    ShareCtx {
        og_type: "website",
        title: page.title.clone(),
        description: if page.description.is_empty() {
            env.site.description.clone()
        } else {
            page.description.clone()
        },
        url: page.permalink.clone(),
        site_name: env.site.title.clone(),
        locale: env.site.language.replace('-', "_"),
        published_time: None,
        modified_time: None,
        twitter_card: "summary",
        image: None,
        scholar: Vec::new(),
        json_ld_html: None,
    }
}

/// Google Scholar's tags for a publication: each present when its field is;
/// none without a title (Scholar needs one).
fn scholar_tags(p: &Publication) -> Vec<MetaTag> {
    let Some(title) = &p.title else {
        return Vec::new();
    };
    let tag = |name, content: &str| MetaTag {
        name,
        content: content.to_string(),
    };
    let mut v = vec![tag("citation_title", title)];
    v.extend(p.listed_authors().iter().map(|a| tag("citation_author", a)));
    v.extend(p.journal.iter().map(|j| tag("citation_journal_title", j)));
    let date = p
        .date
        .map(crate::present::scholar_date)
        .or(p.year.map(|y| y.to_string()));
    v.extend(date.iter().map(|d| tag("citation_publication_date", d)));
    v.extend(p.volume.iter().map(|x| tag("citation_volume", x)));
    v.extend(p.issue.iter().map(|x| tag("citation_issue", x)));
    if let Some(pages) = &p.pages {
        let (first, last) = pages.split_once(['-', '–']).unwrap_or((pages, ""));
        v.push(tag("citation_firstpage", first.trim()));
        if !last.trim().is_empty() {
            v.push(tag("citation_lastpage", last.trim()));
        }
    }
    v.extend(p.doi.iter().map(|x| tag("citation_doi", x)));
    v.extend(p.pmid.iter().map(|x| tag("citation_pmid", x)));
    v
}

/// Serialise `value` as JSON that cannot end a `<script>` element or open
/// markup: `<`, `>` and `&` (which JSON only has inside strings) are
/// written as their `\u` escapes, which every JSON parser reads back. A
/// NUL in any text is dropped, as everywhere in the output.
pub fn script_safe_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let json = crate::sanitize::strip_json_nul(&json);
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// schema.org `MedicalScholarlyArticle`: the page itself.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArticleLd {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<PersonLd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    url: String,
    is_part_of: WebSiteLd,
    about: Vec<TrialLd>,
}

/// schema.org `Person`.
#[derive(Debug, Serialize)]
struct PersonLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
}

/// schema.org `WebSite`: the site the page belongs to.
#[derive(Debug, Serialize)]
struct WebSiteLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
    url: String,
}

/// schema.org `MedicalTrial`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TrialLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alternate_name: Option<String>,
    url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifier: Vec<IdLd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    trial_design: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    health_condition: Vec<NamedLd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    study_subject: Vec<NamedLd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sponsor: Option<NamedLd>,
}

/// schema.org `PropertyValue`: a registration id.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IdLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "propertyID", skip_serializing_if = "Option::is_none")]
    property_id: Option<&'static str>,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// A schema.org thing with a type, a name and perhaps a description.
#[derive(Debug, Serialize)]
struct NamedLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// The `MedicalTrial` of trial page `j` (none if `j` is not a trial).
fn trial_ld(env: &Env, j: usize) -> Option<TrialLd> {
    let p = &env.input.site.pages[j];
    let PageKind::Trial(t) = &p.kind else {
        return None;
    };
    let named = |kind, name: &str| NamedLd {
        kind,
        name: name.to_string(),
        description: None,
    };
    let conditions: Vec<NamedLd> = match &t.registry {
        Some(r) if !r.conditions.is_empty() => r
            .conditions
            .iter()
            .map(|c| named("MedicalCondition", c))
            .collect(),
        _ => t
            .population
            .description
            .iter()
            .map(|c| named("MedicalCondition", c))
            .collect(),
    };
    let subjects = t
        .arms
        .iter()
        .filter(|a| !a.control)
        .map(|a| NamedLd {
            description: a.intervention.clone(),
            ..named("MedicalTherapy", &a.label)
        })
        .collect();
    Some(TrialLd {
        kind: "MedicalTrial",
        name: t.title.clone().unwrap_or_else(|| t.acronym.clone()),
        alternate_name: t.title.as_ref().map(|_| t.acronym.clone()),
        url: env.permalink(&p.url_path),
        identifier: t
            .registrations
            .iter()
            .map(|r| IdLd {
                kind: "PropertyValue",
                property_id: registry_name(&r.id),
                value: r.id.clone(),
                url: r.url.clone(),
            })
            .collect(),
        trial_design: trial_design(t),
        phase: t.registry.as_ref().and_then(|r| r.phase.clone()),
        health_condition: conditions,
        study_subject: subjects,
        sponsor: t
            .registry
            .as_ref()
            .and_then(|r| r.sponsor.as_deref())
            .map(|s| named("Organization", s)),
    })
}

/// The registry an id belongs to, from its prefix, when known.
fn registry_name(id: &str) -> Option<&'static str> {
    let up = id.to_ascii_uppercase();
    [
        ("NCT", "ClinicalTrials.gov"),
        ("ISRCTN", "ISRCTN"),
        ("ACTRN", "ANZCTR"),
        ("EUCTR", "EU Clinical Trials Register"),
        ("CTR", "EU Clinical Trials Register"),
    ]
    .into_iter()
    .find(|(prefix, _)| up.starts_with(prefix))
    .map(|(_, name)| name)
}

/// schema.org `MedicalTrialDesign` values the design's words support:
/// randomised (not quasi- or non-), the blinding, placebo control, and one
/// centre or several.
fn trial_design(t: &Trial) -> Vec<String> {
    let d = &t.design;
    let lower = |s: &Option<String>| s.as_deref().unwrap_or("").to_ascii_lowercase();
    let (alloc, blind) = (lower(&d.allocation), lower(&d.blinding));
    let mut v = Vec::new();
    if alloc.starts_with("randomi") {
        v.push("RandomizedTrial");
    }
    for (word, kind) in [
        ("triple-blind", "TripleBlindedTrial"),
        ("double-blind", "DoubleBlindedTrial"),
        ("single-blind", "SingleBlindedTrial"),
        ("open-label", "OpenTrial"),
    ] {
        if blind.contains(word) {
            v.push(kind);
            break;
        }
    }
    let placebo_arm = t
        .arms
        .iter()
        .any(|a| a.control && a.label.to_ascii_lowercase().contains("placebo"));
    if blind.contains("placebo") || placebo_arm {
        v.push("PlaceboControlledTrial");
    }
    match d.centres {
        Some(1) => v.push("SingleCenterTrial"),
        Some(n) if n > 1 => v.push("MultiCenterTrial"),
        _ => {}
    }
    v.into_iter()
        .map(|k| format!("https://schema.org/{k}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_a_script() {
        let s = script_safe_json(
            &serde_json::json!({"t": "</script><script>alert(1)</script> & \"q\"", "n": "a\u{0}b"}),
        );
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["t"], "</script><script>alert(1)</script> & \"q\"");
        assert_eq!(back["n"], "ab");
    }

    #[test]
    fn registries_are_named_by_prefix() {
        assert_eq!(registry_name("NCT04728932"), Some("ClinicalTrials.gov"));
        assert_eq!(registry_name("isrctn12776039"), Some("ISRCTN"));
        assert_eq!(registry_name("X-1"), None);
    }

    #[test]
    fn scholar_tags_follow_the_fields() {
        assert!(scholar_tags(&Publication::default()).is_empty());
        let p = Publication {
            title: Some("A trial".into()),
            authors: vec!["Gordon AC".into(), "et al".into()],
            pages: Some("1638-48".into()),
            year: Some(2016),
            ..Publication::default()
        };
        let got: Vec<(&str, String)> = scholar_tags(&p)
            .into_iter()
            .map(|t| (t.name, t.content))
            .collect();
        let want: Vec<(&str, String)> = [
            ("citation_title", "A trial"),
            ("citation_author", "Gordon AC"),
            ("citation_publication_date", "2016"),
            ("citation_firstpage", "1638"),
            ("citation_lastpage", "48"),
        ]
        .into_iter()
        .map(|(n, c)| (n, c.to_string()))
        .collect();
        assert_eq!(got, want);
    }
}
