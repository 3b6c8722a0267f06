//! Front matter: split it from the body, and deserialise it into the raw
//! types that mirror what the author wrote.
//!
//! The raw types hold only what is in one file (no cross-file knowledge) and
//! accept the friendly spellings authors use (`89/258` for a count, a bare
//! string for a registration id, `p: "<0.001"`); the model stage turns them
//! into validated domain types. YAML errors are reported with lines counted
//! in the whole file, not in the front-matter block. Keys that no field
//! takes are collected (with serde_ignored) so they can become "did you
//! mean" warnings instead of being silently dropped.

use borsh::{BorshDeserialize, BorshSerialize};
use std::collections::BTreeMap;

use serde::Deserialize;

/// The front matter and body of a page, split apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    /// The YAML between the fences (without them).
    pub yaml: &'a str,
    /// 1-based line of the file on which the YAML starts.
    pub yaml_line: usize,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// Why a page's front matter could not be split off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with `---`.
    Missing,
    /// The opening `---` has no closing `---`.
    Unterminated,
    /// The front matter is TOML (`+++`), which appraise does not read.
    Toml,
}

/// Split `---\n yaml \n---\n body`. Accepts a UTF-8 byte-order mark, CRLF
/// line ends and a closing `...`.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let first = text[..first_end].trim_end();
    if first == "+++" {
        return Err(SplitError::Toml);
    }
    if first != "---" {
        return Err(SplitError::Missing);
    }
    let mut pos = first_end;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len());
        let l = text[pos..end].trim_end();
        if l == "---" || l == "..." {
            return Ok(Split {
                yaml: &text[first_end..pos],
                yaml_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        pos = end;
        line += 1;
    }
    Err(SplitError::Unterminated)
}

/// A date as written: `2016-10-05`, `2024-11` or `2016`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDate(pub String);

impl<'de> Deserialize<'de> for RawDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_text(d, "a date such as 2016-10-05, 2024-11 or 2016").map(RawDate)
    }
}

/// A scalar's text as written. serde_yaml hands a plain scalar to
/// `deserialize_str` as typed (`0.50`, `2016-10-05`), before YAML's typing
/// could turn it into a number; numbers from other formats are kept as
/// their shortest text.
fn scalar_text<'de, D: serde::Deserializer<'de>>(
    d: D,
    expecting: &'static str,
) -> Result<String, D::Error> {
    struct V(&'static str);
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<String, E> {
            Ok(s.trim().to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<String, E> {
            Ok(x.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, x: i64) -> Result<String, E> {
            Ok(x.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, x: u64) -> Result<String, E> {
            Ok(x.to_string())
        }
    }
    d.deserialize_str(V(expecting))
}

/// A printed number exactly as the author typed it (`0.50`, `1.10`,
/// `"<0.001"`), quoted or not.
///
/// YAML reads `0.50` as the float 0.5 and loses the second decimal, yet the
/// decimals a paper printed decide how a recomputed number is compared with
/// it (a crude p of 0.54 does not reproduce a printed 0.50). The scalar's
/// text is therefore kept (see `scalar_text`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Printed(pub String);

impl Printed {
    /// The number, when the text is one (a Unicode minus `−` is accepted,
    /// as papers print it); `None` for text such as `<0.001` or `n/a`.
    pub fn number(&self) -> Option<f64> {
        self.0
            .trim()
            .replace('−', "-")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
    }

    /// Digits after the decimal point as typed (`0.50` → 2, `12` → 0,
    /// `<0.001` → 3).
    pub fn decimals(&self) -> u32 {
        crate::stats::check::decimals_of(&self.0)
    }
}

impl<'de> Deserialize<'de> for Printed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_text(d, "a number").map(Printed)
    }
}

/// A count written as `89/258` or `{ events: 89, total: 258 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawCount {
    /// `events/total` in one string.
    Text(String),
    /// The long form.
    Long {
        /// Patients with the event.
        events: RawWhole,
        /// Patients analysed.
        total: RawWhole,
    },
}

/// A number written where a count belongs: kept as written so that the
/// model stage can say, at the value's line, that `12.5` must be a whole
/// number (a plain integer field would fail the whole count with a vague
/// message at the arm's line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawWhole {
    /// An integer.
    Int(i64),
    /// Anything else: a fraction, or an integer too large for i64.
    Other(f64),
}

impl RawWhole {
    /// From a number read as f64 (a CSV cell): `Int` when it is whole and
    /// fits in i64.
    pub fn from_f64(v: f64) -> Self {
        if v.fract() == 0.0 && v.abs() < 9.2e18 {
            RawWhole::Int(v as i64)
        } else {
            RawWhole::Other(v)
        }
    }
}

impl<'de> Deserialize<'de> for RawWhole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawWhole;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawWhole, E> {
                Ok(RawWhole::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawWhole, E> {
                Ok(i64::try_from(v).map_or(RawWhole::Other(v as f64), RawWhole::Int))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawWhole, E> {
                Ok(RawWhole::Other(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Mean, SD and number analysed in one arm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeanSd {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
    /// Patients analysed.
    pub n: i64,
}

/// Median and interquartile range in one arm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMedian {
    /// Median.
    pub median: f64,
    /// First quartile.
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
    /// Patients analysed (optional).
    #[serde(default)]
    pub n: Option<i64>,
}

/// An effect as printed in the paper.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
pub struct RawReported {
    /// RR, OR, RD, MD, SMD, HR, sHR or MedD.
    pub measure: String,
    /// The point estimate (RD in percentage points, as papers print it).
    pub estimate: Printed,
    /// The 95% confidence interval `[low, high]`.
    #[serde(default)]
    pub ci: Option<Vec<Printed>>,
    /// The p value: a number or text such as `"<0.001"`, as printed.
    #[serde(default)]
    pub p: Option<Printed>,
    /// Whether the paper's estimate was adjusted (covariates, model).
    #[serde(default)]
    pub adjusted: bool,
    /// How the paper computed it, in its words (e.g. "Fine-Gray model", "bootstrap").
    #[serde(default)]
    pub method: Option<String>,
    /// Decimals printed in the paper for the estimate and CI, overriding
    /// those typed (rarely needed: the text as typed is kept).
    #[serde(default)]
    pub decimals: Option<u32>,
}

/// One or several reported effects.
///
/// Deserialised by hand rather than as an untagged enum: serde buffers an
/// untagged value, and the buffer turns `0.50` into the float 0.5 before
/// [`Printed`] can see the text as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list.
    Many(Vec<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("one reported effect or a list of them")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(OneOrMany::One)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(OneOrMany::Many)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T> OneOrMany<T> {
    /// As a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

/// An outcome as written under `trial.outcomes`.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawOutcome {
    /// Identifier, unique within the trial (`death-28d`).
    pub id: String,
    /// Label shown to readers.
    pub label: String,
    /// Shared vocabulary across trials (`all-cause-mortality`).
    pub endpoint: Option<String>,
    /// primary, secondary, safety or exploratory.
    pub role: Option<String>,
    /// When it was measured (`28 days`).
    pub timepoint: Option<String>,
    /// `lower-is-better` (default: events are bad) or `higher-is-better`.
    pub direction: Option<String>,
    /// Events/total per arm id.
    pub binary: Option<BTreeMap<String, RawCount>>,
    /// Mean/SD/n per arm id.
    pub continuous: Option<BTreeMap<String, RawMeanSd>>,
    /// Median/IQR per arm id.
    pub median: Option<BTreeMap<String, RawMedian>>,
    /// The effect(s) as printed.
    pub reported: Option<OneOrMany<RawReported>>,
    /// A note shown with the outcome.
    pub note: Option<String>,
    /// Unit of continuous values (`points`, `days`).
    pub unit: Option<String>,
    /// This outcome's own risk-of-bias assessment (else the trial's applies).
    pub risk_of_bias: Option<RawRiskOfBias>,
    /// The registered outcome this published outcome reports, named by its
    /// measure as written under `trial.registry`: the author's judgement,
    /// which the outcome-switching check takes over its word rule.
    pub registered_as: Option<String>,
}

/// A risk-of-bias assessment as written (`trial.risk_of_bias`, an
/// outcome's `risk_of_bias`): the tool, a judgement per domain keyed by
/// the domain's name, and the overall judgement. Names are kept as text so
/// that the model stage can report an unknown one at its line with a "did
/// you mean".
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawRiskOfBias {
    /// The tool (default `RoB 2`, the only one read).
    pub tool: Option<String>,
    /// Judgement per domain name (`randomisation: low`).
    pub domains: Option<BTreeMap<String, RawJudged>>,
    /// The overall judgement.
    pub overall: Option<RawJudged>,
}

/// A judgement as written: a bare name (`low`) or
/// `{ judgement: low, support: "..." }`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawJudged {
    /// Just the judgement's name.
    Bare(String),
    /// With the author's support text.
    Long(RawJudgedLong),
}

/// The long form of a judgement.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawJudgedLong {
    /// The judgement's name (`low`, `some-concerns`, `high`).
    pub judgement: Option<String>,
    /// The author's short support text.
    pub support: Option<String>,
}

impl<'de> Deserialize<'de> for RawJudged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawJudged;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a judgement such as `low`, or { judgement: low, support: \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RawJudged, E> {
                Ok(RawJudged::Bare(s.trim().to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawJudged, A::Error> {
                RawJudgedLong::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawJudged::Long)
            }
        }
        d.deserialize_any(V)
    }
}

/// A registration: `NCT04728932` or `{ id: NCT04728932, url: ... }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawRegistration {
    /// Just the id.
    Id(String),
    /// The long form.
    Long {
        /// Registry identifier.
        id: String,
        /// Link to the record (derived for NCT and ISRCTN ids when absent).
        #[serde(default)]
        url: Option<String>,
    },
}

/// A registry record: what the registry said, and when.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawRegistry {
    /// Recruiting, Active not recruiting, Completed, Terminated...
    pub status: Option<String>,
    /// Phase 3...
    pub phase: Option<String>,
    /// Interventional / observational.
    pub study_type: Option<String>,
    /// Sponsor or source.
    pub sponsor: Option<String>,
    /// Contact person.
    pub contact: Option<String>,
    /// Date first registered.
    pub registered: Option<RawDate>,
    /// Start date.
    pub start: Option<RawDate>,
    /// (Estimated) completion date.
    pub completion: Option<RawDate>,
    /// When this snapshot of the record was taken.
    pub checked: Option<RawDate>,
    /// Planned enrolment.
    pub enrollment: Option<i64>,
    /// Condition(s) studied.
    pub conditions: Vec<String>,
    /// Primary completion date (the last primary-outcome measurement):
    /// the start of the 12-month clock for posting results.
    pub primary_completion: Option<RawDate>,
    /// Actual enrolment, once the registry reports it.
    pub enrollment_actual: Option<i64>,
    /// Why the trial stopped early, as the registry words it.
    pub why_stopped: Option<String>,
    /// When results were first posted on the registry.
    pub results_posted: Option<RawDate>,
    /// The registered primary outcome(s).
    pub primary_outcomes: Vec<RawRegisteredOutcome>,
    /// The registered secondary outcomes.
    pub secondary_outcomes: Vec<RawRegisteredOutcome>,
    /// Results posted on the registry (ClinicalTrials.gov `resultsSection`).
    pub results: Option<RawRegistryResults>,
}

/// An outcome as registered: what will be measured, and when.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawRegisteredOutcome {
    /// The measure, as the registry words it.
    pub measure: String,
    /// When it is measured (`Day 30`).
    pub time_frame: Option<String>,
    /// The registry's description of the measure.
    pub description: Option<String>,
}

/// Results posted on a registry. Arm data is keyed by the trial's arm ids,
/// as in `trial.outcomes`.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawRegistryResults {
    /// The registry's group title per arm id (`levo: Levosimendan`).
    pub groups: BTreeMap<String, String>,
    /// Participant flow per arm id.
    pub flow: BTreeMap<String, RawFlow>,
    /// Participants analysed at baseline per arm id.
    pub baseline: BTreeMap<String, RawWhole>,
    /// The outcome measures posted.
    pub outcomes: Vec<RawRegistryOutcome>,
    /// Adverse events posted.
    pub adverse_events: Vec<RawRegistryEvent>,
}

/// Participant flow in one arm.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawFlow {
    /// Participants who started.
    pub started: Option<RawWhole>,
    /// Participants who completed.
    pub completed: Option<RawWhole>,
}

/// One outcome measure posted on the registry.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawRegistryOutcome {
    /// The measure's title, as posted.
    pub title: String,
    /// `primary`, `secondary` or `other`, as the registry types it.
    pub role: Option<String>,
    /// When it was measured, as posted.
    pub time_frame: Option<String>,
    /// Id of the trial outcome (under `trial.outcomes`) that reports the
    /// same measure: the paper and the registry are compared on it.
    pub outcome: Option<String>,
    /// Unit of measure, as posted.
    pub unit: Option<String>,
    /// `lower-is-better` or `higher-is-better`: the registry does not say,
    /// so the author may; else the direction of the paper outcome it
    /// reports, else unknown.
    pub direction: Option<String>,
    /// Events/total per arm id.
    pub binary: Option<BTreeMap<String, RawCount>>,
    /// Mean/SD/n per arm id.
    pub continuous: Option<BTreeMap<String, RawMeanSd>>,
    /// Median/IQR per arm id.
    pub median: Option<BTreeMap<String, RawMedian>>,
}

/// One adverse event posted on the registry.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawRegistryEvent {
    /// The event term (`Atrial fibrillation`).
    pub term: String,
    /// Serious (true) or other (false) adverse event.
    pub serious: bool,
    /// Participants affected / at risk per arm id.
    pub binary: BTreeMap<String, RawCount>,
}

/// Where the trial was published.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawPublication {
    /// Journal.
    pub journal: Option<String>,
    /// Year of publication.
    pub year: Option<i64>,
    /// Publication date, when known more precisely than the year.
    pub date: Option<RawDate>,
    /// Full citation, as written (used when `authors` and `title` are not given).
    pub citation: Option<String>,
    /// Authors, each as the paper lists them (`Gordon AC`).
    pub authors: Vec<String>,
    /// Title of the paper.
    pub title: Option<String>,
    /// Journal volume.
    pub volume: Option<String>,
    /// Journal issue.
    pub issue: Option<String>,
    /// Pages (`1638-48`).
    pub pages: Option<String>,
    /// PubMed id.
    pub pmid: Option<String>,
    /// DOI, without the `https://doi.org/` prefix.
    pub doi: Option<String>,
    /// Link to the paper.
    pub url: Option<String>,
}

/// How the trial was run.
#[derive(Debug, Clone, PartialEq, Deserialize, Default, BorshSerialize, BorshDeserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDesign {
    /// randomised, quasi-randomised, non-randomised.
    pub allocation: Option<String>,
    /// open-label, single-blind, double-blind...
    pub blinding: Option<String>,
    /// Number of centres.
    pub centres: Option<i64>,
    /// Countries.
    pub countries: Vec<String>,
    /// Parallel-group, cluster, crossover, factorial...
    pub structure: Option<String>,
    /// Intention-to-treat, per-protocol...
    pub analysis: Option<String>,
    /// Patients randomised.
    pub randomised: Option<i64>,
    /// Planned sample size and power, in words.
    pub sample_size: Option<String>,
    /// Follow-up.
    pub follow_up: Option<String>,
    /// Funding.
    pub funding: Option<String>,
}

/// Who was studied.
#[derive(Debug, Clone, PartialEq, Deserialize, Default, BorshSerialize, BorshDeserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawPopulation {
    /// One sentence.
    pub description: Option<String>,
    /// Setting (ICUs, countries, dates).
    pub setting: Option<String>,
    /// Key inclusion criteria.
    pub inclusion: Vec<String>,
    /// Key exclusion criteria.
    pub exclusion: Vec<String>,
}

/// One arm.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawArm {
    /// Identifier used in outcome data (`levo`).
    pub id: String,
    /// Label shown to readers.
    pub label: String,
    /// Patients randomised to the arm.
    pub n: Option<i64>,
    /// What the arm received.
    pub intervention: Option<String>,
    /// Whether this is the control arm.
    pub control: bool,
}

/// A baseline characteristic: label and a value per arm id.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawBaseline {
    /// What is measured (`Median age (IQR), years`).
    pub label: String,
    /// The printed value per arm id (`67 (58–75)`).
    pub values: BTreeMap<String, String>,
}

/// The `trial:` block.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawTrial {
    /// Short name (`LeoPARDS`).
    pub acronym: String,
    /// Full title.
    pub title: Option<String>,
    /// Registry identifiers.
    pub registration: Vec<RawRegistration>,
    /// What the registry record says.
    pub registry: Option<RawRegistry>,
    /// Where it was published.
    pub publication: Option<RawPublication>,
    /// How it was run.
    pub design: Option<RawDesign>,
    /// Who was studied.
    pub population: Option<RawPopulation>,
    /// The question the trial asked, in one sentence.
    pub question: Option<String>,
    /// What the trial concluded, in one sentence.
    pub conclusion: Option<String>,
    /// The arms.
    pub arms: Vec<RawArm>,
    /// The outcomes.
    pub outcomes: Vec<RawOutcome>,
    /// CSV file beside the page holding more outcomes (default `outcomes.csv` if present).
    pub outcomes_csv: Option<String>,
    /// Baseline characteristics.
    pub baseline: Vec<RawBaseline>,
    /// The trial's risk-of-bias assessment.
    pub risk_of_bias: Option<RawRiskOfBias>,
    /// Assessments of single outcomes by outcome id (for outcomes written
    /// in the bundle's CSV, which has no column for one).
    pub outcome_risk_of_bias: BTreeMap<String, RawRiskOfBias>,
}

/// One analysis declared by a topic.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawAnalysis {
    /// Identifier, unique within the topic.
    pub id: String,
    /// Heading shown above the plot.
    pub title: Option<String>,
    /// The shared endpoint to pool.
    pub endpoint: String,
    /// RR, OR, RD, MD or SMD.
    pub measure: Option<String>,
    /// Preset (`cochrane-2025`, `revman5`, `metafor`) or model (`common`, `random`).
    pub model: Option<String>,
    /// τ² estimator: `REML`, `DL` or `PM`.
    pub tau2: Option<String>,
    /// Hartung–Knapp–Sidik–Jonkman CI.
    pub hksj: Option<bool>,
    /// Which trials (default: all of the topic's trials).
    pub trials: Vec<String>,
    /// Subgroups: label → trial ids.
    pub subgroups: BTreeMap<String, Vec<String>>,
    /// Trial sequential analysis assumptions.
    pub tsa: Option<RawTsa>,
    /// Summary of findings: the author's certainty judgement.
    pub sof: Option<RawSof>,
}

/// The `tsa:` block of an analysis: the assumptions of its trial
/// sequential analysis.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawTsa {
    /// Control event proportion (0 to 1).
    pub control_risk: Option<f64>,
    /// Relative risk reduction to detect (0 to 1).
    pub rrr: Option<f64>,
    /// Two-sided type I error (default 0.05).
    pub alpha: Option<f64>,
    /// Type II error (default 0.20).
    pub beta: Option<f64>,
    /// `D2` (diversity from the data, the default) or a fixed D².
    pub heterogeneity: Option<RawHeterogeneity>,
}

/// `heterogeneity:` as written: a word (`D2`) or a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawHeterogeneity {
    /// A fixed D².
    Fixed(f64),
    /// A named correction (`D2`).
    Named(String),
}

/// The `sof:` block of an analysis: the assumed control risk, if the
/// author gives one, and the GRADE certainty with its reasons.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawSof {
    /// Assumed control risk (default: median of the pooled trials).
    pub control_risk: Option<f64>,
    /// `high`, `moderate`, `low` or `very-low`.
    pub certainty: Option<String>,
    /// One entry per GRADE domain rated down.
    pub rated_down: Vec<RawRatedDown>,
}

/// One reason for rating the certainty down.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawRatedDown {
    /// `risk-of-bias`, `inconsistency`, `indirectness`, `imprecision` or
    /// `publication-bias`.
    pub domain: String,
    /// 1 (serious, the default) or 2 (very serious).
    pub levels: Option<u32>,
    /// The author's reason, in words.
    pub reason: String,
}

/// The `topic:` block.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawTopic {
    /// Trials listed by id.
    pub trials: Vec<String>,
    /// Trials gathered by tag.
    pub tags: Vec<String>,
    /// Pooled analyses.
    pub analyses: Vec<RawAnalysis>,
}

/// Everything a page's front matter may hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct RawFrontMatter {
    /// Page title.
    pub title: Option<String>,
    /// One-paragraph description (lists, feeds, meta description).
    pub description: Option<String>,
    /// Page date.
    pub date: Option<RawDate>,
    /// Last update.
    pub updated: Option<RawDate>,
    /// Drafts are built only with `--drafts`.
    pub draft: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// URL slug override (one path segment).
    pub slug: Option<String>,
    /// Author of the page.
    pub author: Option<String>,
    /// Template override (file name under templates/).
    pub template: Option<String>,
    /// The bottom line, in one or two sentences.
    pub bottom_line: Option<String>,
    /// Appraisal: the trials it discusses, by id.
    pub trials: Vec<String>,
    /// Appraisal style: `blog` or `bottom-line`.
    pub style: Option<String>,
    /// Trial data.
    pub trial: Option<RawTrial>,
    /// Topic data.
    pub topic: Option<RawTopic>,
    /// Site: the base URL (root `_index.md` only).
    pub base_url: Option<String>,
    /// Site: theme name (root `_index.md` only).
    pub theme: Option<String>,
    /// Site: language code (root `_index.md` only).
    pub language: Option<String>,
    /// List pages: items per page (root `_index.md` for the whole site, a
    /// section's `_index.md` for that section; 0 = one page).
    pub paginate_by: Option<u32>,
    /// Site: keep raw HTML in Markdown bodies instead of sanitising it
    /// (root `_index.md` only; default false). See [`crate::sanitize`].
    pub unsafe_html: bool,
    /// Site: write the web app manifest and the service worker that keeps
    /// opened pages readable offline (root `_index.md` only; default true).
    pub offline: Option<bool>,
    /// Site: write a generated link-preview image (`social.png`) for every
    /// trial, appraisal and topic page and the home page (root `_index.md`
    /// only; default true).
    pub social_images: Option<bool>,
}

/// The keys valid where an unknown key `path` (dotted, list indices as
/// numbers: `trial.outcomes.0.lable`) was found, for "did you mean"
/// hints. The names come from the structs' own `Deserialize` (see
/// [`fields_of`]), so they cannot drift from the schema; only which struct
/// sits at which path is written here.
pub fn keys_at(path: &str) -> &'static [&'static str] {
    let parents: Vec<&str> = path
        .split('.')
        .filter(|s| s.parse::<usize>().is_err())
        .collect();
    let parents = &parents[..parents.len().saturating_sub(1)];
    match parents {
        [] => fields_of::<RawFrontMatter>(),
        ["trial"] => fields_of::<RawTrial>(),
        ["trial", "arms"] => fields_of::<RawArm>(),
        ["trial", "outcomes"] => fields_of::<RawOutcome>(),
        ["trial", "outcomes", "reported"] => fields_of::<RawReported>(),
        ["trial", "risk_of_bias"]
        | ["trial", "outcomes", "risk_of_bias"]
        | ["trial", "outcome_risk_of_bias", _] => fields_of::<RawRiskOfBias>(),
        ["trial", "risk_of_bias", "overall" | "domains", ..]
        | ["trial", "outcomes", "risk_of_bias", "overall" | "domains", ..]
        | ["trial", "outcome_risk_of_bias", _, "overall" | "domains", ..] => {
            fields_of::<RawJudgedLong>()
        }
        ["trial", "baseline"] => fields_of::<RawBaseline>(),
        ["trial", "registry"] => fields_of::<RawRegistry>(),
        ["trial", "publication"] => fields_of::<RawPublication>(),
        ["trial", "design"] => fields_of::<RawDesign>(),
        ["trial", "population"] => fields_of::<RawPopulation>(),
        ["topic"] => fields_of::<RawTopic>(),
        ["topic", "analyses"] => fields_of::<RawAnalysis>(),
        ["topic", "analyses", "tsa"] => fields_of::<RawTsa>(),
        ["topic", "analyses", "sof"] => fields_of::<RawSof>(),
        ["topic", "analyses", "sof", "rated_down"] => fields_of::<RawRatedDown>(),
        _ => &[],
    }
}

/// The field names a struct's derived `Deserialize` expects: it is asked
/// to deserialise from a probe that records the names serde passes to
/// `deserialize_struct` and then stops.
pub fn fields_of<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    probe::<T>(false)
}

/// The variant names (as spelled in front matter, after any serde
/// renaming) of a unit-variant enum's derived `Deserialize`, in declaration
/// order: recorded by the same probe from `deserialize_enum`.
pub fn variants_of<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    probe::<T>(true)
}

/// The names serde passes to `deserialize_struct` (fields) or, when
/// `variants`, to `deserialize_enum`.
fn probe<T: serde::de::DeserializeOwned>(variants: bool) -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str], bool);
    impl<'de> serde::Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            _: V,
        ) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            if !self.1 {
                *self.0 = fields;
            }
            Err(serde::de::Error::custom("probed"))
        }
        fn deserialize_enum<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            variants: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            if self.1 {
                *self.0 = variants;
            }
            Err(serde::de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut names, variants));
    names
}

/// A YAML problem located in the YAML text (0-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// 0-based line within the YAML text.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
    /// The message, without serde_yaml's own "at line X" suffix.
    pub message: String,
}

/// Deserialise front matter. Returns the value and the dotted paths of keys
/// no field takes (`trial.outcomes.2.lable`).
pub fn deserialize(yaml: &str) -> Result<(RawFrontMatter, Vec<String>), YamlError> {
    if yaml.trim().is_empty() {
        return Ok((RawFrontMatter::default(), Vec::new()));
    }
    let de = serde_yaml::Deserializer::from_str(yaml);
    let mut ignored = Vec::new();
    let r: Result<RawFrontMatter, _> = serde_ignored::deserialize(de, |p| {
        // serde_ignored writes `?` for an Option layer; it is not a key.
        let path: Vec<String> = p
            .to_string()
            .split('.')
            .filter(|s| *s != "?")
            .map(String::from)
            .collect();
        ignored.push(path.join("."));
    });
    match r {
        Ok(v) => Ok((v, ignored)),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line().saturating_sub(1), l.column().saturating_sub(1)))
                .unwrap_or((0, 0));
            let mut message = e.to_string();
            if let Some(i) = message.find(" at line ") {
                message.truncate(i);
            }
            // A duplicate key is reported where its mapping starts; point at
            // the second occurrence instead.
            let (line, column) =
                match duplicate_key(&message).and_then(|k| second_occurrence(yaml, k)) {
                    Some(pos) => pos,
                    None => (line, column),
                };
            Err(YamlError {
                line,
                column,
                message: tidy_message(&message),
            })
        }
    }
}

fn duplicate_key(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("duplicate field `")
        .or_else(|| message.split("duplicate entry with key \"").nth(1))?;
    rest.split(['`', '"']).next()
}

/// The 0-based (line, column) of the second line that starts with `key:`.
/// The pre-scan ([`super::scan`]) reports most duplicated keys before
/// deserialising; this places those it leaves to the YAML parser, such as
/// `title:<tab>B`, at the repeat rather than at the first.
fn second_occurrence(yaml: &str, key: &str) -> Option<(usize, usize)> {
    let pat = format!("{key}:");
    let mut hits = yaml.lines().enumerate().filter_map(|(i, l)| {
        let t = l.trim_start().trim_start_matches("- ");
        t.starts_with(&pat).then(|| (i, l.len() - t.len()))
    });
    hits.next()?;
    hits.next()
}

fn tidy_message(m: &str) -> String {
    let m = m.replace(
        "data did not match any variant of untagged enum RawCount",
        "expected a count such as 89/258 or { events: 89, total: 258 }",
    );
    let m = m.replace(
        "data did not match any variant of untagged enum RawRegistration",
        "expected a registry id such as NCT04728932 or { id: ..., url: ... }",
    );
    let m = m.replace(
        "data did not match any variant of untagged enum RawHeterogeneity",
        "expected D2 or a fixed D² such as 0.25",
    );
    let m = m.replace(
        "data did not match any variant of untagged enum OneOrMany",
        "expected one reported effect or a list of them",
    );
    m.replace(
        "expected struct RawReported",
        "expected a reported effect such as { measure: RR, estimate: 1.16, ci: [0.71, 1.90] }",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_come_from_the_structs_and_depend_on_the_path() {
        assert!(fields_of::<RawArm>().contains(&"control"));
        assert!(fields_of::<RawFrontMatter>().contains(&"unsafe_html"));
        assert!(fields_of::<RawFrontMatter>().contains(&"offline"));
        let dym = |path: &str| {
            let last = path.rsplit('.').next().unwrap();
            crate::diag::did_you_mean(last, keys_at(path))
        };
        assert_eq!(dym("trial.outcomes.0.lable"), Some("label"));
        assert_eq!(dym("trial.arms.1.contrl"), Some("control"));
        assert_eq!(dym("topic.analyses.0.endpont"), Some("endpoint"));
        assert_eq!(dym("titel"), Some("title"));
        // Only keys valid at that place: `acronym` belongs to `trial`.
        assert_eq!(dym("acronim"), None);
        assert_eq!(dym("trial.acronim"), Some("acronym"));
        assert_eq!(dym("trial.risk_of_bias.overal"), Some("overall"));
        assert_eq!(
            dym("trial.outcomes.0.risk_of_bias.domains.selection.suport"),
            Some("support")
        );
        assert_eq!(
            dym("trial.outcome_risk_of_bias.x.overall.judgment"),
            Some("judgement")
        );
    }

    #[test]
    fn split_counts_lines() {
        let s = split("---\ntitle: A\n---\nBody\n").unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("title: A\n"), Err(SplitError::Missing));
        assert_eq!(split("---\ntitle: A\n"), Err(SplitError::Unterminated));
        assert_eq!(split("+++\ntitle = 'A'\n+++\n"), Err(SplitError::Toml));
        assert!(split("\u{feff}---\r\ntitle: A\r\n---\r\nB").is_ok());
    }

    #[test]
    fn unknown_keys_are_collected() {
        let (fm, ign) =
            deserialize("title: A\ntitel: B\ntrial:\n  acronym: X\n  acronim: Y\n").unwrap();
        assert_eq!(fm.title.as_deref(), Some("A"));
        assert_eq!(ign, vec!["titel".to_string(), "trial.acronim".to_string()]);
    }

    #[test]
    fn yaml_errors_are_located() {
        let e = deserialize("title: A\ntags: [a, b\n").unwrap_err();
        assert!(e.line >= 1, "{e:?}");
        let e = deserialize("title: A\ntitle: B\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e:?}");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn a_duplicate_the_scan_cannot_read_is_placed_at_the_repeat() {
        // A tab after the colon: the pre-scan does not read it as a key, so
        // serde finds the duplicate and reports the first line.
        let yaml = "title: A\ntitle:\tB\n";
        assert_eq!(crate::parse::scan::scan(yaml), Ok(()));
        let e = deserialize(yaml).unwrap_err();
        assert!(e.message.contains("duplicate"), "{e:?}");
        assert_eq!((e.line, e.column), (1, 0));
    }
}
