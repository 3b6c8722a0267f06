//! Model: the typed, validated site.
//!
//! [`build`] turns parsed documents into a [`Site`]: every page gets its
//! URL, kind ([`PageKind::Trial`], [`PageKind::Appraisal`],
//! [`PageKind::Topic`] or a plain page) and typed data in which the checks
//! have already been made — events ≤ total, counts not negative, arms that
//! exist, a CI whose lower bound is below its upper and that contains the
//! estimate, p in [0, 1], real dates, safe slugs. This stage needs one file
//! at a time; references *between* files are the link stage's job. All
//! problems are collected, each located at the key that holds the bad value.
//!
//! The model also applies the site's HTML policy: every body (pages, the
//! home page's and sections' introductions) goes through
//! [`crate::sanitize::body`] unless `content/_index.md` sets
//! `unsafe_html: true`, and URL fields (`base_url`, `publication.url`, a
//! registration's `url`) with a scheme other than http/https are errors.
//!
//! # Files
//!
//! - `site`: [`build`] itself, the loop over the documents, the site's
//!   configuration and sections, and the checks across pages (URL clashes,
//!   unused CSVs).
//! - `page`: the fields every page has, its URL, and which kind it is
//!   (with an appraisal's style and trials).
//! - `trial`: arms, registrations, publication, baseline.
//! - `registry`: the registry record, its registered outcomes and posted
//!   results.
//! - `outcome`: outcomes from front matter and CSV, and their arm data.
//! - `reported`: effects as printed, and [`PValue::parse`].
//! - `topic`: a topic's trials and analyses.
//! - `evidence`: an analysis's trial sequential analysis assumptions and
//!   GRADE certainty.
//! - [`bias`]: risk-of-bias assessments (RoB 2).
//! - `context`: the per-document context every part reports through.
//! - [`date`]: calendar dates.

pub mod bias;
mod context;
pub mod date;
mod evidence;
mod outcome;
mod page;
mod registry;
mod reported;
mod site;
#[cfg(test)]
mod tests;
mod topic;
mod trial;

pub use date::Date;
pub use evidence::{
    Certainty, Correction, Domain, RatedDown, SofSpec, TsaSpec, CERTAINTY_NAMES, DEFAULT_ALPHA,
    DEFAULT_BETA, DOMAIN_NAMES,
};
pub use registry::{PostedEvent, PostedOutcome, PostedResults, RegisteredOutcome, Source};
pub use site::{build, build_owned, build_with, unsafe_html, Overrides, PageOut};

use borsh::{BorshDeserialize, BorshSerialize};
use std::collections::BTreeMap;

use crate::parse::front_matter::{RawDesign, RawPopulation};
use crate::parse::markdown::Markdown;

/// The site: configuration, pages and section headers.
#[derive(Debug, Clone, Default, BorshSerialize, BorshDeserialize)]
pub struct Site {
    /// From `content/_index.md`, overridden by the command line.
    pub config: SiteConfig,
    /// Every page except `_index.md` files, sorted by source path.
    pub pages: Vec<Page>,
    /// Section front pages (`content/trials/_index.md`), by section name.
    pub sections: BTreeMap<String, Section>,
    /// Files under `content/` that are not pages, with the URL path they are copied to.
    pub assets: Vec<(String, String)>,
}

/// Site configuration.
#[derive(Debug, Clone, Default, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct SiteConfig {
    /// Site title.
    pub title: String,
    /// One-paragraph description.
    pub description: String,
    /// Author or team.
    pub author: String,
    /// Base URL, always ending in `/` (e.g. `https://user.github.io/repo/`).
    pub base_url: String,
    /// Theme name (`default`).
    pub theme: String,
    /// Language code (`en`).
    pub language: String,
    /// The home page's introduction (body of `content/_index.md`), as HTML.
    pub intro_html: String,
    /// Items per list page (sections, tags); 0 = everything on one page.
    pub paginate_by: usize,
    /// `unsafe_html: true`: Markdown bodies keep raw HTML unsanitised.
    pub unsafe_html: bool,
    /// `offline: false` turns off the web app manifest and the service
    /// worker (default on).
    pub offline: bool,
    /// The day `SOURCE_DATE_EPOCH` gives (set by the command line, never
    /// read from the clock): the reference date of "results overdue".
    pub source_date: Option<Date>,
    /// `social_images: false` turns off the generated link-preview images
    /// (`social.png`; default on).
    pub social_images: bool,
}

/// `s` with its first letter in upper case (`trials` → `Trials`).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Most patients accepted in one arm (a binary total, a continuous or
/// median `n`, an arm's `n`): 10⁹, far above any trial, and small enough
/// that every statistic is exact in f64 and computed in bounded time.
pub const MAX_PATIENTS_PER_ARM: u64 = 1_000_000_000;

/// Items per list page when the site does not say (`paginate_by`).
pub const DEFAULT_PAGINATE_BY: usize = 50;

/// A section's own page (`content/<section>/_index.md`).
#[derive(Debug, Clone, Default, BorshSerialize, BorshDeserialize)]
pub struct Section {
    /// Heading of the section's list page.
    pub title: String,
    /// Introduction, as HTML.
    pub intro_html: String,
    /// Items per list page for this section, overriding the site's.
    pub paginate_by: Option<usize>,
}

/// One page of the site.
#[derive(Debug, Clone, BorshSerialize, BorshDeserialize)]
pub struct Page {
    /// Identifier used in references: the last URL segment (`leopards`).
    pub id: String,
    /// Source path relative to the site root.
    pub source: String,
    /// First directory under `content/` (`trials`), empty for top-level pages.
    pub section: String,
    /// URL path relative to the site root, ending in `/` (`trials/leopards/`).
    pub url_path: String,
    /// Title.
    pub title: String,
    /// Description (or the first paragraph of the body).
    pub description: String,
    /// Page date.
    pub date: Option<Date>,
    /// Last update.
    pub updated: Option<Date>,
    /// Draft pages are skipped unless `--drafts`.
    pub draft: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Author.
    pub author: Option<String>,
    /// Template override.
    pub template: Option<String>,
    /// The bottom line.
    pub bottom_line: Option<String>,
    /// The rendered body (not in the build cache's copy of the page,
    /// which takes it from the cached parse: [`PageOut::restore_body`]).
    #[borsh(skip)]
    pub body: Markdown,
    /// 1-based line where the body starts (to locate body diagnostics).
    pub body_line: usize,
    /// What kind of page, with its data.
    pub kind: PageKind,
}

/// The kinds of page.
#[derive(Debug, Clone, BorshSerialize, BorshDeserialize)]
pub enum PageKind {
    /// A trial (or a registry record without results).
    Trial(Box<Trial>),
    /// An appraisal of one or more trials.
    Appraisal(Appraisal),
    /// A topic gathering trials.
    Topic(Topic),
    /// Any other page.
    Plain,
}

/// How an appraisal is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// Informal blog post.
    Blog,
    /// Structured summary in the style of The Bottom Line.
    BottomLine,
}

/// An appraisal: prose about trials.
#[derive(Debug, Clone, BorshSerialize, BorshDeserialize)]
pub struct Appraisal {
    /// Trial ids it discusses, with the (line, column) of each reference.
    pub trials: Vec<(String, (usize, usize))>,
    /// Blog or structured.
    pub style: Style,
}

/// A topic: trials gathered by list or tag, and analyses over them.
#[derive(Debug, Clone, Default, BorshSerialize, BorshDeserialize)]
pub struct Topic {
    /// Trial ids listed explicitly, with positions.
    pub trials: Vec<(String, (usize, usize))>,
    /// Tags gathering more trials.
    pub tags: Vec<String>,
    /// Declared analyses.
    pub analyses: Vec<AnalysisSpec>,
}

/// An analysis declared in a topic's front matter.
#[derive(Debug, Clone, BorshSerialize, BorshDeserialize)]
pub struct AnalysisSpec {
    /// Identifier.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Endpoint pooled.
    pub endpoint: String,
    /// Effect measure.
    pub measure: Measure,
    /// The meta-analysis settings: the `model:` preset (default
    /// `cochrane-2025`) with the `tau2:` and `hksj:` overrides applied;
    /// validated here, so an unknown name is an error at its line.
    pub settings: crate::stats::meta::MetaSettings,
    /// Restrict to these trials (with positions).
    pub trials: Vec<(String, (usize, usize))>,
    /// Subgroup label → trial ids.
    pub subgroups: Vec<(String, Vec<String>)>,
    /// Trial sequential analysis assumptions (`tsa:`), when stated.
    pub tsa: Option<TsaSpec>,
    /// The author's summary-of-findings judgement (`sof:`), when given.
    pub sof: Option<SofSpec>,
    /// Position of the analysis in the file.
    pub pos: (usize, usize),
}

/// A trial.
#[derive(Debug, Clone, Default, BorshSerialize, BorshDeserialize)]
pub struct Trial {
    /// Acronym.
    pub acronym: String,
    /// Full title.
    pub title: Option<String>,
    /// Registry ids.
    pub registrations: Vec<Registration>,
    /// Registry record.
    pub registry: Option<Registry>,
    /// Publication.
    pub publication: Option<Publication>,
    /// Design.
    pub design: RawDesign,
    /// Population.
    pub population: RawPopulation,
    /// The question, in one sentence.
    pub question: Option<String>,
    /// The conclusion, in one sentence.
    pub conclusion: Option<String>,
    /// Arms in the order written.
    pub arms: Vec<Arm>,
    /// Index of the control arm.
    pub control: usize,
    /// Outcomes, front matter first, then CSV rows.
    pub outcomes: Vec<Outcome>,
    /// Ids of outcomes left out because they have errors (already
    /// reported), so that a chart asking for one is not a second error.
    pub rejected_outcomes: Vec<String>,
    /// Baseline rows: label and value per arm (arm order).
    pub baseline: Vec<(String, Vec<String>)>,
    /// The trial's risk-of-bias assessment (`trial.risk_of_bias`).
    pub risk_of_bias: Option<bias::RiskOfBias>,
    /// Assessments for single outcomes, by outcome id, where the author
    /// judged an outcome apart from the trial.
    pub outcome_risk_of_bias: BTreeMap<String, bias::RiskOfBias>,
}

impl Trial {
    /// Whether results are known: any outcome data (the paper's or
    /// posted on the registry), or a publication.
    pub fn has_results(&self) -> bool {
        !self.outcomes.is_empty() || self.publication.is_some()
    }
    /// Whether the trial has published results of its own: a publication,
    /// or outcome data from the paper (not only results posted on the
    /// registry). A page without them is a registry record, paired with
    /// the published trial of the same registration.
    pub fn has_paper_results(&self) -> bool {
        self.publication.is_some() || self.outcomes.iter().any(|o| o.source == Source::Paper)
    }
    /// Arm indices in display order: experimental, control, then any others.
    pub fn arm_order(&self) -> Vec<usize> {
        let mut v = vec![self.experimental()];
        if self.control != self.experimental() {
            v.push(self.control);
        }
        let rest: Vec<usize> = (0..self.arms.len()).filter(|i| !v.contains(i)).collect();
        v.extend(rest);
        v.retain(|&i| i < self.arms.len());
        v
    }
    /// The risk-of-bias assessment that applies to an outcome: its own,
    /// else the trial's.
    pub fn risk_of_bias_for(&self, outcome_id: &str) -> Option<&bias::RiskOfBias> {
        self.outcome_risk_of_bias
            .get(outcome_id)
            .or(self.risk_of_bias.as_ref())
    }
    /// Index of the experimental arm compared with the control (the first other arm).
    pub fn experimental(&self) -> usize {
        (0..self.arms.len())
            .find(|&i| i != self.control)
            .unwrap_or(0)
    }
}

/// A registry id with its link.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Registration {
    /// `NCT04728932`.
    pub id: String,
    /// Link to the record.
    pub url: Option<String>,
}

/// What a registry record says.
#[derive(Debug, Clone, Default, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Registry {
    /// Status (Recruiting...).
    pub status: Option<String>,
    /// Phase.
    pub phase: Option<String>,
    /// Study type.
    pub study_type: Option<String>,
    /// Sponsor.
    pub sponsor: Option<String>,
    /// Contact.
    pub contact: Option<String>,
    /// First registered.
    pub registered: Option<Date>,
    /// Start.
    pub start: Option<Date>,
    /// Completion.
    pub completion: Option<Date>,
    /// Snapshot date.
    pub checked: Option<Date>,
    /// Planned enrolment.
    pub enrollment: Option<u64>,
    /// Conditions.
    pub conditions: Vec<String>,
    /// Primary completion date.
    pub primary_completion: Option<Date>,
    /// Actual enrolment.
    pub enrollment_actual: Option<u64>,
    /// Why the trial stopped, as the registry words it.
    pub why_stopped: Option<String>,
    /// When results were first posted.
    pub results_posted: Option<Date>,
    /// The registered primary outcome(s).
    #[serde(skip)]
    pub primary_outcomes: Vec<RegisteredOutcome>,
    /// The registered secondary outcomes.
    #[serde(skip)]
    pub secondary_outcomes: Vec<RegisteredOutcome>,
    /// Results posted on the registry.
    #[serde(skip)]
    pub results: Option<PostedResults>,
    /// The file the record is written in.
    #[serde(skip)]
    pub file: String,
    /// The 1-based line of `trial.registry`.
    #[serde(skip)]
    pub line: usize,
    /// The 1-based line and column of `primary_completion`'s value (of
    /// the block when absent).
    #[serde(skip)]
    pub at_primary_completion: (usize, usize),
}

/// Where a trial was published.
#[derive(Debug, Clone, Default, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Publication {
    /// Journal.
    pub journal: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Date.
    pub date: Option<Date>,
    /// Citation as written.
    pub citation: Option<String>,
    /// Authors in the paper's order.
    pub authors: Vec<String>,
    /// Title of the paper.
    pub title: Option<String>,
    /// Volume.
    pub volume: Option<String>,
    /// Issue.
    pub issue: Option<String>,
    /// Pages.
    pub pages: Option<String>,
    /// PubMed id.
    pub pmid: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// URL (derived from the DOI when absent).
    pub url: Option<String>,
}

impl Publication {
    /// The authors named, without a closing `et al` the writer may have
    /// added to say the list is incomplete.
    pub fn listed_authors(&self) -> &[String] {
        match self.authors.split_last() {
            Some((last, rest)) if is_et_al(last) => rest,
            _ => &self.authors,
        }
    }
    /// Whether the writer ended the author list with `et al`.
    pub fn more_authors(&self) -> bool {
        self.authors.last().is_some_and(|a| is_et_al(a))
    }
}

/// Whether an author entry is `et al` (any case, with or without the dot).
fn is_et_al(a: &str) -> bool {
    a.trim().trim_end_matches('.').eq_ignore_ascii_case("et al")
}

/// An arm.
#[derive(Debug, Clone, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Arm {
    /// Identifier.
    pub id: String,
    /// Label.
    pub label: String,
    /// Patients randomised.
    pub n: Option<u64>,
    /// What it received.
    pub intervention: Option<String>,
    /// Control arm.
    pub control: bool,
}

/// Role of an outcome in the trial.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Primary outcome.
    Primary,
    /// Secondary outcome.
    Secondary,
    /// Safety outcome.
    Safety,
    /// Exploratory or post hoc.
    Exploratory,
}

/// Which way is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, BorshSerialize, BorshDeserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Fewer events / lower values are better (death, SOFA).
    LowerIsBetter,
    /// More events / higher values are better (successful weaning).
    HigherIsBetter,
}

/// Effect measures.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
pub enum Measure {
    /// Risk ratio.
    RR,
    /// Odds ratio.
    OR,
    /// Risk difference.
    RD,
    /// Mean difference.
    MD,
    /// Standardised mean difference.
    SMD,
    /// Hazard ratio.
    HR,
    /// Subdistribution hazard ratio.
    #[serde(rename = "sHR")]
    SHR,
    /// Difference in medians.
    #[serde(rename = "MedD")]
    MedD,
}

impl Measure {
    /// Parse a measure name (case-insensitive, with common spellings).
    pub fn parse(s: &str) -> Option<Measure> {
        Some(
            match s
                .trim()
                .to_ascii_lowercase()
                .replace(['_', ' '], "-")
                .as_str()
            {
                "rr" | "risk-ratio" | "relative-risk" => Measure::RR,
                "or" | "odds-ratio" => Measure::OR,
                "rd" | "risk-difference" | "absolute-difference" | "ard" => Measure::RD,
                "md" | "mean-difference" => Measure::MD,
                "smd"
                | "standardised-mean-difference"
                | "standardized-mean-difference"
                | "hedges-g" => Measure::SMD,
                "hr" | "hazard-ratio" => Measure::HR,
                "shr" | "subdistribution-hazard-ratio" => Measure::SHR,
                "medd" | "median-difference" => Measure::MedD,
                _ => return None,
            },
        )
    }
    /// Whether the measure is a ratio (log scale, null at 1).
    pub fn is_ratio(self) -> bool {
        matches!(self, Measure::RR | Measure::OR | Measure::HR | Measure::SHR)
    }
    /// Short name as printed (`RR`, `sHR`).
    pub fn short(self) -> &'static str {
        match self {
            Measure::RR => "RR",
            Measure::OR => "OR",
            Measure::RD => "RD",
            Measure::MD => "MD",
            Measure::SMD => "SMD",
            Measure::HR => "HR",
            Measure::SHR => "sHR",
            Measure::MedD => "Median difference",
        }
    }
    /// Long name (`Risk ratio`).
    pub fn long(self) -> &'static str {
        match self {
            Measure::RR => "Risk ratio",
            Measure::OR => "Odds ratio",
            Measure::RD => "Risk difference",
            Measure::MD => "Mean difference",
            Measure::SMD => "Standardised mean difference",
            Measure::HR => "Hazard ratio",
            Measure::SHR => "Subdistribution hazard ratio",
            Measure::MedD => "Difference in medians",
        }
    }
    /// Accepted names, for messages.
    pub const NAMES: &'static str = "RR, OR, RD, MD, SMD, HR, sHR or MedD";
}

impl std::fmt::Display for Measure {
    /// The short name (`RR`, `sHR`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.short())
    }
}

/// A p value as printed: `0.43`, `<0.001`, `>0.99`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct PValue {
    /// The number.
    pub value: f64,
    /// `=`, `<` or `>`.
    #[borsh(
        serialize_with = "crate::cache::borsh_char::serialize",
        deserialize_with = "crate::cache::borsh_char::deserialize"
    )]
    pub relation: char,
    /// Decimals as typed (`0.50` → 2).
    pub decimals: u32,
}

impl std::fmt::Display for PValue {
    /// The p as the paper printed it (`0.50`, `<0.001`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dec = self.decimals as usize;
        match self.relation {
            '=' => write!(f, "{:.*}", dec, self.value),
            r => write!(f, "{r}{:.*}", dec, self.value),
        }
    }
}

/// An effect as the paper reported it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Reported {
    /// Measure.
    pub measure: Measure,
    /// Estimate (RD in percentage points, as printed).
    pub estimate: f64,
    /// 95% CI.
    pub ci: Option<(f64, f64)>,
    /// p value.
    pub p: Option<PValue>,
    /// Adjusted estimate.
    pub adjusted: bool,
    /// Method in the paper's words.
    pub method: Option<String>,
    /// Decimals printed for the estimate, as typed.
    pub decimals: u32,
    /// Decimals printed for the CI bounds (lower, upper), as typed.
    pub ci_decimals: Option<(u32, u32)>,
}

/// Events and total in one arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct Count {
    /// Patients with the event.
    pub events: u64,
    /// Patients analysed.
    pub total: u64,
}

/// Mean, SD and n in one arm.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct MeanSd {
    /// Mean.
    pub mean: f64,
    /// SD.
    pub sd: f64,
    /// n.
    pub n: u64,
}

/// Median and IQR in one arm.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, BorshSerialize, BorshDeserialize)]
pub struct MedianIqr {
    /// Median.
    pub median: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
    /// n, if given.
    pub n: Option<u64>,
}

/// Per-arm data of an outcome, one entry per arm in arm order (None: not reported for that arm).
#[derive(Debug, Clone, PartialEq, BorshSerialize, BorshDeserialize)]
pub enum OutcomeData {
    /// Events/total.
    Binary(Vec<Option<Count>>),
    /// Mean/SD/n.
    Continuous(Vec<Option<MeanSd>>),
    /// Median/IQR.
    Median(Vec<Option<MedianIqr>>),
    /// Only a reported effect (e.g. a hazard ratio).
    None,
}

/// An outcome.
#[derive(Debug, Clone, PartialEq, BorshSerialize, BorshDeserialize)]
pub struct Outcome {
    /// Identifier.
    pub id: String,
    /// Label.
    pub label: String,
    /// Shared endpoint.
    pub endpoint: Option<String>,
    /// Role.
    pub role: Role,
    /// Time point.
    pub timepoint: Option<String>,
    /// Direction.
    pub direction: Direction,
    /// Arm data.
    pub data: OutcomeData,
    /// Reported effects.
    pub reported: Vec<Reported>,
    /// Note.
    pub note: Option<String>,
    /// Unit.
    pub unit: Option<String>,
    /// Where it was written: file and 1-based line.
    pub origin: (String, usize),
    /// Where its arm data came from: the paper, or posted on the registry.
    pub source: Source,
    /// The registered measure the author judged it to report (`registered_as:`).
    pub registered_as: Option<String>,
    /// The 1-based column of the outcome's entry (1 for a CSV row).
    pub column: usize,
    /// Where `registered_as:`'s value is written: line and column (the
    /// outcome's origin when it is in a CSV row or absent).
    pub registered_as_at: (usize, usize),
    /// Whether the direction was given (`direction:`, or taken from the
    /// outcome a posted one reports); `false` when it is only the default
    /// of an outcome posted on the registry, which then claims no benefit
    /// or harm.
    pub direction_known: bool,
}
