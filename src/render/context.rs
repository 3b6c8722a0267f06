//! Typed template contexts: the documented shape of what a theme sees.
//!
//! Every template gets `site` ([`SiteCtx`]) and `page` ([`PageCtx`]); trial,
//! appraisal, topic, list and tag pages get one more object each. All
//! fields are always present (absent values are `null` or empty lists), so
//! Tera 2's strict undefined-variable checks never trip on missing data.
//! Text is escaped by Tera's autoescape; only fields ending in `_html` and
//! the SVG of figures are trusted HTML.

use serde::Serialize;

use crate::chart::DataTable;

/// A link: text and URL.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkCtx {
    /// Link text.
    pub title: String,
    /// URL (absolute path under the base path).
    pub url: String,
}

/// The site, on every page.
#[derive(Debug, Clone, Serialize)]
pub struct SiteCtx {
    /// Site title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Author.
    pub author: String,
    /// Full base URL, ending in `/`.
    pub base_url: String,
    /// Path part of the base URL (`/appraise-demo/`), prefix of every internal link.
    pub base_path: String,
    /// Language code.
    pub language: String,
    /// Navigation links.
    pub nav: Vec<LinkCtx>,
    /// URL of the stylesheet.
    pub stylesheet: String,
    /// URL of the Atom feed.
    pub feed: String,
    /// Generator name and version.
    pub generator: String,
    /// The manifest and the service worker's registration, when the site
    /// is readable offline (`offline`, default true).
    pub offline: Option<OfflineCtx>,
    /// Whether trial, appraisal, topic and home pages get a generated
    /// link-preview image (`social_images`, default true).
    pub social_images: bool,
}

/// What the page head and foot link for offline reading.
#[derive(Debug, Clone, Serialize)]
pub struct OfflineCtx {
    /// URL of `manifest.webmanifest`.
    pub manifest: String,
    /// The theme's accent colour (`theme-color`).
    pub theme_color: String,
    /// URL of the script that registers the service worker.
    pub register: String,
    /// URL of `sw.js`.
    pub worker: String,
}

/// The page being rendered.
#[derive(Debug, Clone, Serialize)]
pub struct PageCtx {
    /// `home`, `trial`, `appraisal`, `topic`, `page`, `section`, `tags`, `tag`, `404`.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Description (meta description, lists).
    pub description: String,
    /// URL path (absolute, under the base path).
    pub url: String,
    /// Full URL.
    pub permalink: String,
    /// Human date.
    pub date: Option<String>,
    /// ISO date.
    pub date_iso: Option<String>,
    /// Human date of the last update.
    pub updated: Option<String>,
    /// Tags with their URLs.
    pub tags: Vec<LinkCtx>,
    /// Author.
    pub author: Option<String>,
    /// The body, as HTML with charts placed.
    pub content_html: String,
    /// Whether the body opens with a heading (then a template need not put
    /// a heading of its own above it).
    pub starts_with_heading: bool,
    /// Table of contents (level-2 headings).
    pub toc: Vec<LinkCtx>,
    /// The bottom line.
    pub bottom_line: Option<String>,
    /// URL of the page's `index.json` twin, if any.
    pub json: Option<String>,
    /// What the page tells link previews and indexers (OpenGraph, Twitter
    /// card, Google Scholar tags, JSON-LD).
    pub share: super::meta::ShareCtx,
}

/// A figure ready to place.
#[derive(Debug, Clone, Serialize)]
pub struct FigureCtx {
    /// Which figure it is (for render; templates see `key`).
    #[serde(skip)]
    pub which: crate::link::FigureKey,
    /// Key (`forest-ratio`).
    pub key: String,
    /// Element id, unique on the page (`fig-leopards-forest-ratio`).
    pub dom_id: String,
    /// Title.
    pub title: String,
    /// The chart's one responsive SVG (trusted markup).
    pub svg: String,
    /// Data table.
    pub table: DataTable,
}

/// One outcome row of a trial table.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeCtx {
    /// Id (anchor).
    pub id: String,
    /// Label.
    pub label: String,
    /// Role.
    pub role: String,
    /// Time point.
    pub timepoint: Option<String>,
    /// Endpoint.
    pub endpoint: Option<String>,
    /// One cell per arm, experimental first (`89/258 (34.5%)`).
    pub arm_cells: Vec<String>,
    /// `Posted on ClinicalTrials.gov` when the data are the registry's.
    pub posted: Option<String>,
    /// Effects as printed.
    pub reported: Vec<String>,
    /// Recomputed effects (`RR 1.12 (0.87 to 1.44)`).
    pub recomputed: Vec<String>,
    /// NNT text.
    pub nnt: Option<String>,
    /// The effect that sums the outcome up in its row: the paper's first
    /// unadjusted one, else appraise's own (as on the result card).
    pub effect: Option<String>,
    /// That effect's check, when it was printed.
    pub effect_check: Option<CheckCtx>,
    /// Fragility text.
    pub fragility: Option<String>,
    /// Check verdicts.
    pub checks: Vec<CheckCtx>,
    /// Bayesian re-analysis sentences.
    pub bayes: Vec<String>,
    /// Note.
    pub note: Option<String>,
}

/// A verdict of the "does it add up?" check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckCtx {
    /// The verdict's name (`reproduced`, `consistent`, …; see
    /// [`crate::stats::check::Verdict::as_str`]), for CSS classes.
    pub verdict: String,
    /// Short badge text (`✓ adds up`).
    pub badge: String,
    /// Sentence.
    pub summary: String,
    /// The paper's method as the author noted it (`method:`), shown beside
    /// a mismatch it explains.
    pub explained_by: Option<String>,
}

/// A label/value pair.
#[derive(Debug, Clone, Serialize)]
pub struct FieldCtx {
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
}

/// An arm.
#[derive(Debug, Clone, Serialize)]
pub struct ArmCtx {
    /// Label.
    pub label: String,
    /// n randomised.
    pub n: Option<u64>,
    /// Intervention.
    pub intervention: Option<String>,
    /// Control arm.
    pub control: bool,
}

/// A trial page (and the trial block of appraisals and topics).
#[derive(Debug, Clone, Serialize)]
pub struct TrialCtx {
    /// Id.
    pub id: String,
    /// URL.
    pub url: String,
    /// Acronym.
    pub acronym: String,
    /// Full title.
    pub full_title: Option<String>,
    /// `published`, `ongoing` or `superseded` (a registry record whose results are out).
    pub status: &'static str,
    /// Human status (`Published 2016`, `Ongoing: Recruiting`).
    pub status_label: String,
    /// Question.
    pub question: Option<String>,
    /// Conclusion.
    pub conclusion: Option<String>,
    /// Bottom line.
    pub bottom_line: Option<String>,
    /// Registrations.
    pub registrations: Vec<LinkCtx>,
    /// Registry facts.
    pub registry: Vec<FieldCtx>,
    /// Citation.
    pub citation: Option<String>,
    /// Link to the paper.
    pub paper_url: Option<String>,
    /// Journal and year.
    pub journal: Option<String>,
    /// Design facts.
    pub design: Vec<FieldCtx>,
    /// PICO.
    pub pico: Vec<FieldCtx>,
    /// Inclusion criteria.
    pub inclusion: Vec<String>,
    /// Exclusion criteria.
    pub exclusion: Vec<String>,
    /// Arms.
    pub arms: Vec<ArmCtx>,
    /// Arm labels in table order (experimental first).
    pub arm_headers: Vec<String>,
    /// Baseline rows: label then one value per arm (table order).
    pub baseline: Vec<Vec<String>>,
    /// Outcomes.
    pub outcomes: Vec<OutcomeCtx>,
    /// Key outcomes (primary, and any carrying an endpoint) for summaries.
    pub key_outcomes: Vec<OutcomeCtx>,
    /// The result card that opens the page.
    pub card: super::card::ResultCardCtx,
    /// Figures.
    pub figures: Vec<FigureCtx>,
    /// Appraisals of this trial.
    pub appraisals: Vec<LinkCtx>,
    /// Topics gathering it.
    pub topics: Vec<LinkCtx>,
    /// For a registry record: the published trial.
    pub published_as: Option<LinkCtx>,
    /// For a published trial: its registry records.
    pub registry_records: Vec<LinkCtx>,
    /// Registry versus paper (cross-check, switching, enrolment, overdue).
    pub vs_registry: super::registry::RegistryCtx,
    /// Count of printed effects that do not add up, unexplained.
    pub mismatches: usize,
    /// Count of printed effects that differ from the crude recomputation
    /// because the paper used another method, as the author noted
    /// (`method:`).
    pub explained: usize,
    /// Count of printed effects recomputed from the arm data.
    pub reproduced: usize,
    /// Count of printed effects that cannot be recomputed but whose
    /// estimate, CI and p agree with each other.
    pub consistent: usize,
    /// Risk-of-bias assessments with their support texts (see [`super::rob`]).
    pub risk_of_bias: Vec<super::rob::RobCtx>,
}

/// An appraisal page.
#[derive(Debug, Clone, Serialize)]
pub struct AppraisalCtx {
    /// `blog` or `bottom-line`.
    pub style: String,
    /// The trials discussed.
    pub trials: Vec<TrialCtx>,
}

/// A pooled analysis on a topic page.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisCtx {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Headline (`RR 1.13 (0.90 to 1.41); 2 trials, common effect, p = 0.29`).
    pub headline: String,
    /// What the reader must know beside the headline (too few trials for
    /// a random-effects estimate), in words.
    pub caveat: Option<String>,
    /// Heterogeneity sentence.
    pub heterogeneity: String,
    /// Prediction interval sentence.
    pub prediction: Option<String>,
    /// Model description.
    pub model: String,
    /// Figures (pooled, cumulative).
    pub figures: Vec<FigureCtx>,
    /// Trials left out, with why.
    pub excluded: Vec<String>,
    /// Trial sequential analysis, when the analysis states assumptions.
    pub tsa: Option<TsaCtx>,
    /// Summary of findings, when the author gives a certainty.
    pub sof: Option<SofCtx>,
    /// Sensitivity analyses.
    pub sensitivity: super::sensitivity::SensitivityCtx,
}

/// A trial sequential analysis on a topic page (`partials/tsa.html`).
#[derive(Debug, Clone, Serialize)]
pub struct TsaCtx {
    /// Required information size (patients).
    pub required_information_size: u64,
    /// Patients accrued.
    pub accrued: u64,
    /// The assumptions, in a sentence.
    pub assumptions: String,
    /// Where the z-curve stands, in a sentence.
    pub verdict: String,
    /// The exploratory label.
    pub label: &'static str,
    /// The Handbook's caution.
    pub caution: &'static str,
    /// The chart, unless the author placed it in the prose.
    pub figure: Option<FigureCtx>,
}

/// One reason for rating down, in words.
#[derive(Debug, Clone, Serialize)]
pub struct ReasonCtx {
    /// Domain name (`Imprecision`).
    pub domain: &'static str,
    /// Steps down (1 or 2).
    pub levels: u32,
    /// `Imprecision (very serious, −2): …`.
    pub text: String,
}

/// A summary-of-findings row on a topic page (`partials/sof.html`).
#[derive(Debug, Clone, Serialize)]
pub struct SofCtx {
    /// `RR 1.13 (0.90 to 1.41)`.
    pub relative: String,
    /// Assumed control risk (proportion).
    pub control_risk: f64,
    /// `309 per 1,000`.
    pub control_risk_text: String,
    /// Where the control risk comes from, in words.
    pub control_risk_source: String,
    /// Risk with the intervention (proportion).
    pub corresponding_risk: f64,
    /// `349 per 1,000`.
    pub corresponding_text: String,
    /// `40 more per 1,000 (from 31 fewer to 127 more)`.
    pub absolute_text: String,
    /// Patients.
    pub participants: u64,
    /// `719`.
    pub participants_text: String,
    /// Trials.
    pub trials: usize,
    /// `⊕⊕◯◯`.
    pub certainty_symbols: String,
    /// `Low`.
    pub certainty_label: &'static str,
    /// `Low certainty (2 of 4)`, for screen readers.
    pub certainty_accessible: String,
    /// The reasons for rating down.
    pub reasons: Vec<ReasonCtx>,
}

/// A topic page.
#[derive(Debug, Clone, Serialize)]
pub struct TopicCtx {
    /// Trials gathered, in publication order.
    pub trials: Vec<TrialCtx>,
    /// Analyses.
    pub analyses: Vec<AnalysisCtx>,
    /// Its version history (`partials/history.html`).
    pub history: HistoryCtx,
    /// The card of the first (primary) pooled analysis, which opens the page.
    pub card: Option<super::card::AnalysisCardCtx>,
}

/// A topic's version history: the released versions that changed it,
/// newest first, and, in a preview, what the next release will say.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryCtx {
    /// Versions that changed this topic, newest first (the first is the latest).
    pub versions: Vec<VersionCtx>,
    /// Changes since the latest version (`serve`, `build --drafts`).
    pub unreleased: Option<UnreleasedCtx>,
    /// URL of the topic's own Atom feed.
    pub feed: String,
    /// URL of the site-wide `/changes/` page.
    pub changes: String,
}

/// One released version as a topic page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionCtx {
    /// Its number.
    pub number: u32,
    /// `Version 2 (2026-12-01)`.
    pub heading: String,
    /// Human date.
    pub date: String,
    /// ISO date.
    pub date_iso: String,
    /// The author's note.
    pub note: String,
    /// What it changed in this topic, in words.
    pub text: String,
    /// The version on `/changes/`.
    pub url: String,
    /// Each analysis that moved, with its numbers.
    pub analyses: Vec<AnalysisChangeCtx>,
}

/// One analysis that moved, in numbers and words.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisChangeCtx {
    /// Analysis id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Trials pooled before (`null`: first recorded).
    pub k_before: Option<usize>,
    /// Trials pooled after.
    pub k_after: Option<usize>,
    /// `[estimate, low, high]` before.
    pub before: Option<[f64; 3]>,
    /// `[estimate, low, high]` after.
    pub after: Option<[f64; 3]>,
    /// I² after, percent.
    pub i2: Option<f64>,
    /// Whether the conclusion stands.
    pub conclusion_unchanged: bool,
    /// In words.
    pub text: String,
}

/// What the current state changes since the latest version.
#[derive(Debug, Clone, Serialize)]
pub struct UnreleasedCtx {
    /// The latest version's number.
    pub since: u32,
    /// `Changes since version 2`.
    pub heading: String,
    /// What would change, in words (or that nothing would).
    pub text: String,
    /// Whether anything would change.
    pub changed: bool,
}

/// The `/changes/` page: every version's changes, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct ChangesCtx {
    /// Changes not yet released (`serve`, `build --drafts`).
    pub unreleased: Option<ChangeSetCtx>,
    /// Released versions, newest first.
    pub versions: Vec<ChangeSetCtx>,
    /// URL of the site's Atom feed.
    pub feed: String,
}

/// One version's (or the unreleased) changes, linked to topics and trials.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSetCtx {
    /// The version's number (for unreleased changes: the latest version's).
    pub number: u32,
    /// `Version 2 (2026-12-01)` or `Changes since version 2`.
    pub heading: String,
    /// Fragment id: `version-2`, `unreleased`.
    pub anchor: String,
    /// ISO date (`null` for unreleased changes).
    pub date_iso: Option<String>,
    /// Human date.
    pub date: Option<String>,
    /// The author's note.
    pub note: String,
    /// Topics that moved.
    pub topics: Vec<ChangedCtx>,
    /// Trials that moved.
    pub trials: Vec<ChangedCtx>,
}

/// A topic or trial that moved: a link and what moved, in words.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedCtx {
    /// Title (topic) or acronym (trial).
    pub title: String,
    /// Its page (`null` when it is no longer on the site).
    pub url: Option<String>,
    /// What moved.
    pub text: String,
}

/// An item of a list page.
#[derive(Debug, Clone, Serialize)]
pub struct ItemCtx {
    /// Title.
    pub title: String,
    /// URL.
    pub url: String,
    /// Human date.
    pub date: Option<String>,
    /// ISO date.
    pub date_iso: Option<String>,
    /// Description.
    pub description: String,
    /// `trial`, `appraisal`, `topic`, `page`.
    pub kind: &'static str,
    /// Trial status, if a trial.
    pub status: Option<&'static str>,
    /// Short badge text.
    pub badge: Option<String>,
    /// The result the page leads with, in one line: a trial's lead
    /// outcome, an appraisal's first trial's, a topic's first pooled
    /// analysis.
    pub glance: Option<super::card::GlanceCtx>,
}

/// A list page (home, sections, tags).
#[derive(Debug, Clone, Serialize)]
pub struct ListCtx {
    /// Introduction HTML.
    pub intro_html: String,
    /// Items (sections and tags): each an [`ItemCtx`] already in the
    /// template engine's form, shared between the lists that show it and,
    /// in `serve`, between builds (see `list::ItemMemo`).
    pub items: Vec<tera::Value>,
    /// Home: latest appraisals.
    pub appraisals: Vec<ItemCtx>,
    /// Home: published trials.
    pub trials: Vec<ItemCtx>,
    /// Home: ongoing trials.
    pub ongoing: Vec<ItemCtx>,
    /// Home: topics.
    pub topics: Vec<ItemCtx>,
    /// Tags index: every tag with its count.
    pub tags: Vec<TagCount>,
    /// Sections and tag pages split into pages: where this one sits.
    pub pager: Option<PagerCtx>,
    /// Home: how many of each kind there are, and where the full list is
    /// (the home page shows only the latest few).
    pub more: Option<HomeMoreCtx>,
}

/// Position of one page of a paginated list.
#[derive(Debug, Clone, Serialize)]
pub struct PagerCtx {
    /// This page's number, from 1.
    pub current: usize,
    /// Number of pages.
    pub total: usize,
    /// Items on all pages together.
    pub items_total: usize,
    /// URL of the previous page.
    pub prev: Option<String>,
    /// URL of the next page.
    pub next: Option<String>,
    /// Page links to show: the first, the last and the two either side of
    /// this one, with `gap` entries where numbers are left out.
    pub pages: Vec<PageNumCtx>,
}

/// One entry of a pager.
#[derive(Debug, Clone, Serialize)]
pub struct PageNumCtx {
    /// Page number (0 for a gap).
    pub number: usize,
    /// Its URL (empty for a gap).
    pub url: String,
    /// Whether it is the page being shown.
    pub current: bool,
    /// Whether this entry stands for left-out numbers (…).
    pub gap: bool,
}

/// The home page's "see all" links.
#[derive(Debug, Clone, Serialize)]
pub struct HomeMoreCtx {
    /// Appraisals.
    pub appraisals: MoreCtx,
    /// Published trials.
    pub trials: MoreCtx,
    /// Ongoing trials.
    pub ongoing: MoreCtx,
    /// Topics.
    pub topics: MoreCtx,
}

/// How many items a home list shows of how many, and where they all are.
#[derive(Debug, Clone, Serialize)]
pub struct MoreCtx {
    /// Items shown on the home page.
    pub shown: usize,
    /// Items in all.
    pub total: usize,
    /// The section page listing them all, when they share one.
    pub url: Option<String>,
    /// Link text: "All 40 appraisals →", or "More in Trials →" when the
    /// section lists other items too.
    pub label: String,
}

/// A tag and how many pages carry it.
#[derive(Debug, Clone, Serialize)]
pub struct TagCount {
    /// Tag.
    pub name: String,
    /// URL.
    pub url: String,
    /// Pages.
    pub count: usize,
}

/// Everything a template receives.
#[derive(Debug, Clone, Serialize)]
pub struct Ctx<'a> {
    /// The site.
    pub site: &'a SiteCtx,
    /// The page.
    pub page: PageCtx,
    /// Trial data (trial pages).
    pub trial: Option<TrialCtx>,
    /// Appraisal data.
    pub appraisal: Option<AppraisalCtx>,
    /// Topic data.
    pub topic: Option<TopicCtx>,
    /// List data (home, sections, tags).
    pub list: Option<ListCtx>,
    /// The `/changes/` page.
    pub changes: Option<ChangesCtx>,
    /// The search page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<super::search::SearchCtx>,
}
