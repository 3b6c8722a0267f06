//! History: the site's released versions and what changed between them.
//!
//! `appraise release "NOTE"` records the evidence state of the site
//! ([`State`]: every topic analysis's trials and pooled numbers, every
//! trial's status and primary result) as a numbered version file,
//! `history/NNNN.json` beside `content/`, which the author commits. This
//! module owns that record: its type ([`Version`]), how it is written
//! ([`Version::to_json`]: pretty-printed, keys sorted, so two releases of
//! the same state are the same bytes and a `git diff` of two versions reads
//! line by line), how a build reads it back ([`load`], with located errors),
//! the state of a built site ([`state`]) and the difference between two
//! states as data ([`diff`], [`Timeline`]). How a difference is worded is
//! [`crate::present`]'s. A build reads the history and never writes it.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyse::Analyses;
use crate::diag::{Diagnostic, Diagnostics};
use crate::discover::{FileKind, Sources};
use crate::link::{Links, TrialStatus};
use crate::model::{Date, Measure, PageKind, Role, Site};

/// The `format` of a version file.
pub const FORMAT: &str = "appraise-history/1";

/// The folder under the site root that holds the version files.
pub const FOLDER: &str = "history";

/// How sure the evidence is (GRADE), as a topic analysis's summary of
/// findings states it: the model's type, recorded by its kebab-case name.
pub use crate::model::Certainty;

/// One released version: `history/NNNN.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// Always [`FORMAT`].
    pub format: String,
    /// The version's number (1, 2, …), the number in its file name.
    pub version: u32,
    /// The release date, `YYYY-MM-DD`.
    pub date: String,
    /// The author's note.
    pub note: String,
    /// The evidence as it stood.
    pub evidence: State,
}

/// The evidence state of a site: what a version records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Topics by id.
    pub topics: BTreeMap<String, TopicState>,
    /// Trials (and registry records) by id.
    pub trials: BTreeMap<String, TrialState>,
}

/// A topic in a [`State`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicState {
    /// The topic's title.
    pub title: String,
    /// Its analyses by id.
    pub analyses: BTreeMap<String, AnalysisState>,
}

/// A pooled analysis in a [`State`]. Ratios are on their natural scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisState {
    /// The analysis's title.
    pub title: String,
    /// Its measure.
    pub measure: Measure,
    /// Ids of the trials pooled, in publication order.
    pub trials: Vec<String>,
    /// Number of trials pooled.
    pub k: usize,
    /// The headline estimate (`null` when the trials disagree).
    pub estimate: Option<f64>,
    /// Its 95% CI, lower end.
    pub ci_low: Option<f64>,
    /// Its 95% CI, upper end.
    pub ci_high: Option<f64>,
    /// The prediction interval, lower end (`null` when there is none).
    pub pi_low: Option<f64>,
    /// The prediction interval, upper end.
    pub pi_high: Option<f64>,
    /// τ².
    pub tau2: Option<f64>,
    /// I², percent (`null` for a single trial).
    pub i2: Option<f64>,
    /// The GRADE certainty the author gave (`null` when none is stated).
    pub certainty: Option<Certainty>,
}

/// A trial in a [`State`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialState {
    /// Acronym.
    pub label: String,
    /// Year of publication (or of the page's date), when known.
    pub year: Option<i32>,
    /// Published, ongoing, or superseded (a registry record whose trial is published).
    pub status: TrialStatus,
    /// For a superseded registry record: the id of the published trial.
    pub published_as: Option<String>,
    /// The first effect of the first primary outcome (`null` when none).
    pub primary: Option<PrimaryResult>,
}

/// A trial's primary result in a [`TrialState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryResult {
    /// The outcome's id.
    pub outcome: String,
    /// The measure.
    pub measure: Measure,
    /// Estimate.
    pub estimate: f64,
    /// 95% CI, lower end.
    pub ci_low: f64,
    /// 95% CI, upper end.
    pub ci_high: f64,
}

impl Version {
    /// The file's text: pretty-printed JSON with keys in sorted order and a
    /// final newline, the same bytes for the same version.
    pub fn to_json(&self) -> String {
        // serde_json's `Value` keeps object keys sorted (a BTreeMap).
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The file's path relative to the site root: `history/0003.json`.
    pub fn rel_path(number: u32) -> String {
        format!("{FOLDER}/{number:04}.json")
    }
}

/// Every version of a site, in number order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The versions, oldest first.
    pub versions: Vec<Version>,
}

impl History {
    /// The latest version, when there is one.
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }
    /// The number the next release gets.
    pub fn next_number(&self) -> u32 {
        self.latest().map_or(1, |v| v.version + 1)
    }
}

/// Read every history file of `sources`. A file that is not valid JSON,
/// not of [`FORMAT`], not named `history/NNNN.json` after its own number,
/// or dated wrongly is an error at its line and column; the others are kept.
pub fn load(sources: &Sources) -> (History, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut versions: Vec<Version> = Vec::new();
    for f in sources.of_kind(FileKind::History) {
        match load_one(&f.rel_path, &f.bytes) {
            Ok(v) => match versions.iter().find(|o| o.version == v.version) {
                Some(_) => diags.push(Diagnostic::error(
                    &f.rel_path,
                    0,
                    0,
                    format!("version {} is recorded twice", v.version),
                )),
                None => versions.push(v),
            },
            Err(d) => diags.push(d),
        }
    }
    versions.sort_by_key(|v| v.version);
    (History { versions }, diags)
}

/// One version file, or the error that stops it.
fn load_one(rel_path: &str, bytes: &[u8]) -> Result<Version, Diagnostic> {
    let hint = "a version file is written by `appraise release`; restore it from git rather than editing it";
    let number = rel_path
        .strip_prefix("history/")
        .and_then(|n| n.strip_suffix(".json"))
        .filter(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| {
            Diagnostic::error(
                rel_path,
                0,
                0,
                "not a version file: history/ holds only files named NNNN.json (0001.json, 0002.json, …)",
            )
        })?;
    let text = String::from_utf8_lossy(bytes);
    // The format first, so a file of another format is named as such.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let msg = format!("not valid JSON: {}", without_place(&e));
        Diagnostic::error(rel_path, e.line(), e.column(), msg).with_hint(hint)
    })?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        let (line, column) = locate(&text, "\"format\"");
        let found = format.map_or("none".to_string(), |f| format!("`{f}`"));
        return Err(Diagnostic::error(
            rel_path,
            line,
            column,
            format!("format {found}; appraise reads `{FORMAT}`"),
        )
        .with_hint(hint));
    }
    let v: Version = serde_json::from_str(&text).map_err(|e| {
        Diagnostic::error(rel_path, e.line(), e.column(), without_place(&e)).with_hint(hint)
    })?;
    let located = |key: &str, msg: String| {
        let (line, column) = locate(&text, &format!("\"{key}\""));
        Diagnostic::error(rel_path, line, column, msg).with_hint(hint)
    };
    if v.version != number {
        return Err(located(
            "version",
            format!("version {} in a file named for version {number}", v.version),
        ));
    }
    match Date::parse(&v.date) {
        Ok(d) if d.day.is_some() && d.iso() == v.date => Ok(v),
        Ok(_) => Err(located(
            "date",
            format!("`{}` is not a day; write YYYY-MM-DD", v.date),
        )),
        Err(e) => Err(located("date", e)),
    }
}

/// serde_json's message without its trailing `at line L column C` (the
/// diagnostic's location says it).
fn without_place(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// Line and column (1-based) of the first `needle` in `text`, or (0, 0).
fn locate(text: &str, needle: &str) -> (usize, usize) {
    let Some(at) = text.find(needle) else {
        return (0, 0);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// A finite number, or `None`.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The evidence state of a built site: what `appraise release` records.
pub fn state(site: &Site, links: &Links, analyses: &Analyses) -> State {
    let mut s = State::default();
    for (&i, results) in &analyses.topics {
        let p = &site.pages[i];
        let analyses = results
            .iter()
            .map(|r| {
                let a = AnalysisState {
                    title: r.title.clone(),
                    measure: r.measure,
                    trials: r.studies.iter().map(|st| st.trial.clone()).collect(),
                    k: r.k,
                    estimate: r.estimate.and_then(finite),
                    ci_low: r.ci_low.and_then(finite),
                    ci_high: r.ci_high.and_then(finite),
                    pi_low: r.pi_low.and_then(finite),
                    pi_high: r.pi_high.and_then(finite),
                    tau2: finite(r.tau2),
                    i2: r.i2.and_then(finite),
                    certainty: r.sof.as_ref().map(|s| s.certainty),
                };
                (r.id.clone(), a)
            })
            .collect();
        let t = TopicState {
            title: p.title.clone(),
            analyses,
        };
        s.topics.insert(p.id.clone(), t);
    }
    // Every trial's state at once, in parallel (`serve` asks on every
    // rebuild), then the map built from the list: of two trials with one
    // id the later stays, as inserting one after the other would give.
    let trials: Vec<(String, TrialState)> = (site.pages.par_iter().enumerate())
        .filter_map(|(i, p)| {
            let PageKind::Trial(t) = &p.kind else {
                return None;
            };
            let year = crate::link::publication_key(site, i).0;
            let primary = analyses.trials.get(&i).and_then(|outcomes| {
                let o = outcomes.iter().find(|o| o.role == Role::Primary)?;
                let e = o.effects.first()?;
                Some(PrimaryResult {
                    outcome: o.id.clone(),
                    measure: e.measure,
                    estimate: e.estimate,
                    ci_low: e.ci_low,
                    ci_high: e.ci_high,
                })
            });
            let ts = TrialState {
                label: t.acronym.clone(),
                year: (year != 9999).then_some(year),
                status: links.status(i).unwrap_or(TrialStatus::Published),
                published_as: links
                    .published_as
                    .get(&i)
                    .map(|&j| site.pages[j].id.clone()),
                primary,
            };
            Some((p.id.clone(), ts))
        })
        .collect();
    s.trials = trials.into_iter().collect();
    s
}

/// Where an interval lies against the line of no effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Wholly below it.
    Below,
    /// It crosses (or touches) it.
    Crosses,
    /// Wholly above it.
    Above,
}

impl Side {
    /// The side of `[lo, hi]` for `measure` (no effect is 1 for a ratio, 0 otherwise).
    pub fn of(measure: Measure, lo: f64, hi: f64) -> Side {
        let null = if measure.is_ratio() { 1.0 } else { 0.0 };
        if hi < null {
            Side::Below
        } else if lo > null {
            Side::Above
        } else {
            Side::Crosses
        }
    }
}

/// A trial as a difference names it: `LEVOECMO (2026)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialRef {
    /// Trial id.
    pub id: String,
    /// Acronym.
    pub label: String,
    /// Year, when known.
    pub year: Option<i32>,
}

/// A pooled result at one version: estimate with its CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pooled {
    /// Estimate.
    pub estimate: f64,
    /// CI lower end.
    pub ci_low: f64,
    /// CI upper end.
    pub ci_high: f64,
}

/// A change that matters for a reader, named in a difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// The CI now crosses the line of no effect (it did not).
    CiNowCrossesNull,
    /// The CI no longer crosses the line of no effect.
    CiNoLongerCrossesNull {
        /// Where it now lies.
        side: Side,
    },
    /// The prediction interval moved to another side of the line of no effect.
    PredictionSide {
        /// Before.
        before: Side,
        /// After.
        after: Side,
    },
    /// There is a pooled estimate now, or no longer.
    EstimateAppears {
        /// Whether there is one now.
        now: bool,
    },
    /// The certainty changed.
    Certainty {
        /// Before.
        before: Option<Certainty>,
        /// After.
        after: Option<Certainty>,
    },
}

/// How one analysis moved between two states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisDiff {
    /// Analysis id.
    pub id: String,
    /// Its title (the newer one).
    pub title: String,
    /// Its measure.
    pub measure: Measure,
    /// Trials pooled now that were not.
    pub added: Vec<TrialRef>,
    /// Trials pooled before and no longer.
    pub removed: Vec<TrialRef>,
    /// The pooled result before (`None`: first recorded, or none).
    pub before: Option<Pooled>,
    /// The pooled result now (`None`: none, or the analysis is gone).
    pub after: Option<Pooled>,
    /// Trials pooled before (`None`: the analysis is new).
    pub k_before: Option<usize>,
    /// Trials pooled now (`None`: the analysis is gone).
    pub k_after: Option<usize>,
    /// I² now, percent.
    pub i2: Option<f64>,
    /// The changes that matter.
    pub changes: Vec<Change>,
}

impl AnalysisDiff {
    /// Whether the conclusion stands: the CI on the same side of no
    /// effect, a pooled estimate then and now, and the same certainty.
    pub fn conclusion_unchanged(&self) -> bool {
        !self.changes.iter().any(|c| {
            matches!(
                c,
                Change::CiNowCrossesNull
                    | Change::CiNoLongerCrossesNull { .. }
                    | Change::EstimateAppears { .. }
                    | Change::Certainty { .. }
            )
        })
    }
}

/// How one trial's record moved between two states.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum TrialChange {
    /// A new trial on the site.
    Added,
    /// A trial no longer on the site.
    Removed,
    /// A registry record whose results are now published as a trial.
    RecordPublished {
        /// The published trial.
        trial: TrialRef,
    },
    /// Another change of status.
    Status {
        /// Before.
        before: TrialStatus,
        /// After.
        after: TrialStatus,
    },
    /// The primary result changed (its numbers, or it appeared or went).
    PrimaryResult {
        /// Before.
        before: Option<PrimaryResult>,
        /// After.
        after: Option<PrimaryResult>,
    },
}

/// A trial and how it moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialDiff {
    /// The trial.
    pub trial: TrialRef,
    /// What moved.
    pub change: TrialChange,
}

/// How one topic moved between two states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicDiff {
    /// Topic id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its analyses that moved (or every one, for a first version).
    pub analyses: Vec<AnalysisDiff>,
    /// Its trials (and their registry records) that moved.
    pub trials: Vec<TrialDiff>,
}

/// The difference between two states, as data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    /// Topics that moved, by id.
    pub topics: Vec<TopicDiff>,
    /// Every trial that moved, by id.
    pub trials: Vec<TrialDiff>,
}

impl Diff {
    /// Whether nothing moved.
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty() && self.trials.is_empty()
    }
    /// What moved in topic `id`.
    pub fn topic(&self, id: &str) -> Option<&TopicDiff> {
        self.topics.iter().find(|t| t.id == id)
    }
}

/// Two recorded numbers are the same (a record read back from JSON may
/// differ from the computed number in its last bit).
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// The trial `id` as named in `new`, else in `old`.
fn trial_ref(id: &str, new: &State, old: Option<&State>) -> TrialRef {
    let t = new
        .trials
        .get(id)
        .or_else(|| old.and_then(|o| o.trials.get(id)));
    TrialRef {
        id: id.to_string(),
        label: t.map_or_else(|| id.to_string(), |t| t.label.clone()),
        year: t.and_then(|t| t.year),
    }
}

/// The difference from `old` (`None`: nothing released before) to `new`.
pub fn diff(old: Option<&State>, new: &State) -> Diff {
    let trials = trial_diffs(old, new);
    let mut ids: BTreeSet<&String> = new.topics.keys().collect();
    ids.extend(old.into_iter().flat_map(|o| o.topics.keys()));
    let topics = ids
        .into_iter()
        .filter_map(|id| {
            let before = old.and_then(|o| o.topics.get(id));
            topic_diff(id, before, new.topics.get(id), old, new, &trials)
        })
        .collect();
    Diff { topics, trials }
}

/// Every trial that moved from `old` to `new`, by id. A first version
/// names none: its trials are not news.
fn trial_diffs(old: Option<&State>, new: &State) -> Vec<TrialDiff> {
    let Some(old) = old else {
        return Vec::new();
    };
    let mut ids: BTreeSet<&String> = new.trials.keys().collect();
    ids.extend(old.trials.keys());
    ids.into_iter()
        .filter_map(|id| {
            let change = match (old.trials.get(id), new.trials.get(id)) {
                (None, Some(_)) => TrialChange::Added,
                (Some(_), None) => TrialChange::Removed,
                (Some(a), Some(b)) => trial_change(a, b, new, old)?,
                (None, None) => return None,
            };
            Some(TrialDiff {
                trial: trial_ref(id, new, Some(old)),
                change,
            })
        })
        .collect()
}

/// How trial `a` (before) became `b` (now), if it moved.
fn trial_change(a: &TrialState, b: &TrialState, new: &State, old: &State) -> Option<TrialChange> {
    if a.status != b.status {
        return Some(match (&b.published_as, b.status) {
            (Some(t), TrialStatus::Superseded) => TrialChange::RecordPublished {
                trial: trial_ref(t, new, Some(old)),
            },
            _ => TrialChange::Status {
                before: a.status,
                after: b.status,
            },
        });
    }
    let moved = match (&a.primary, &b.primary) {
        (Some(x), Some(y)) => {
            x.outcome != y.outcome
                || x.measure != y.measure
                || !same(Some(x.estimate), Some(y.estimate))
                || !same(Some(x.ci_low), Some(y.ci_low))
                || !same(Some(x.ci_high), Some(y.ci_high))
        }
        (None, None) => false,
        _ => true,
    };
    moved.then(|| TrialChange::PrimaryResult {
        before: a.primary.clone(),
        after: b.primary.clone(),
    })
}

/// How topic `id` moved; `None` when nothing did.
fn topic_diff(
    id: &str,
    before: Option<&TopicState>,
    now: Option<&TopicState>,
    old: Option<&State>,
    new: &State,
    trials: &[TrialDiff],
) -> Option<TopicDiff> {
    let title = now.or(before)?.title.clone();
    let mut ids: BTreeSet<&String> = now.iter().flat_map(|t| t.analyses.keys()).collect();
    ids.extend(before.iter().flat_map(|t| t.analyses.keys()));
    let analyses: Vec<AnalysisDiff> = ids
        .into_iter()
        .filter_map(|a| {
            let b = before.and_then(|t| t.analyses.get(a));
            analysis_diff(a, b, now.and_then(|t| t.analyses.get(a)), old, new)
        })
        .collect();
    // The topic's trials, then and now, and the registry records of them.
    let mine: BTreeSet<&String> = [before, now]
        .into_iter()
        .flatten()
        .flat_map(|t| t.analyses.values())
        .flat_map(|a| &a.trials)
        .collect();
    let trials: Vec<TrialDiff> = trials
        .iter()
        .filter(|d| {
            mine.contains(&d.trial.id)
                || matches!(&d.change, TrialChange::RecordPublished { trial } if mine.contains(&trial.id))
        })
        .cloned()
        .collect();
    (!analyses.is_empty() || !trials.is_empty()).then(|| TopicDiff {
        id: id.to_string(),
        title,
        analyses,
        trials,
    })
}

/// The pooled result of `a`, when it has one.
fn pooled(a: &AnalysisState) -> Option<Pooled> {
    Some(Pooled {
        estimate: a.estimate?,
        ci_low: a.ci_low?,
        ci_high: a.ci_high?,
    })
}

/// How analysis `id` moved from `b` to `a`; `None` when nothing did (a
/// first version always names its analyses).
fn analysis_diff(
    id: &str,
    b: Option<&AnalysisState>,
    a: Option<&AnalysisState>,
    old: Option<&State>,
    new: &State,
) -> Option<AnalysisDiff> {
    let either = a.or(b)?;
    let trials_of = |x: Option<&AnalysisState>| -> Vec<String> {
        x.map(|x| x.trials.clone()).unwrap_or_default()
    };
    let (tb, ta) = (trials_of(b), trials_of(a));
    let refs = |from: &[String], not_in: &[String]| -> Vec<TrialRef> {
        from.iter()
            .filter(|t| !not_in.contains(t))
            .map(|t| trial_ref(t, new, old))
            .collect()
    };
    let (pb, pa) = (b.and_then(pooled), a.and_then(pooled));
    let d = AnalysisDiff {
        id: id.to_string(),
        title: either.title.clone(),
        measure: either.measure,
        added: refs(&ta, &tb),
        removed: refs(&tb, &ta),
        before: pb,
        after: pa,
        k_before: b.map(|x| x.k),
        k_after: a.map(|x| x.k),
        i2: a.and_then(|x| x.i2),
        changes: changes(either.measure, b, a),
    };
    let moved = match (b, a) {
        (Some(b), Some(a)) => {
            tb != ta
                || b.k != a.k
                || !d.changes.is_empty()
                || [
                    (b.estimate, a.estimate),
                    (b.ci_low, a.ci_low),
                    (b.ci_high, a.ci_high),
                    (b.pi_low, a.pi_low),
                    (b.pi_high, a.pi_high),
                    (b.tau2, a.tau2),
                    (b.i2, a.i2),
                ]
                .iter()
                .any(|&(x, y)| !same(x, y))
        }
        _ => true,
    };
    moved.then_some(d)
}

/// The changes that matter from `b` to `a` (none for a new or removed analysis).
fn changes(measure: Measure, b: Option<&AnalysisState>, a: Option<&AnalysisState>) -> Vec<Change> {
    let (Some(b), Some(a)) = (b, a) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let side = |x: &AnalysisState| pooled(x).map(|p| Side::of(measure, p.ci_low, p.ci_high));
    match (side(b), side(a)) {
        (Some(x), Some(y)) if x != y && y == Side::Crosses => out.push(Change::CiNowCrossesNull),
        (Some(x), Some(y)) if x != y => out.push(Change::CiNoLongerCrossesNull { side: y }),
        (Some(_), None) => out.push(Change::EstimateAppears { now: false }),
        (None, Some(_)) => out.push(Change::EstimateAppears { now: true }),
        _ => {}
    }
    let pi = |x: &AnalysisState| Some(Side::of(measure, x.pi_low?, x.pi_high?));
    if let (Some(before), Some(after)) = (pi(b), pi(a)) {
        if before != after {
            out.push(Change::PredictionSide { before, after });
        }
    }
    if b.certainty != a.certainty {
        out.push(Change::Certainty {
            before: b.certainty,
            after: a.certainty,
        });
    }
    out
}

/// A version with what it changed since the one before.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    /// Its number.
    pub number: u32,
    /// Its date.
    pub date: Date,
    /// The author's note.
    pub note: String,
    /// What changed since the version before (everything, for version 1).
    pub diff: Diff,
}

/// The site's history as readers see it: every version with its
/// difference from the one before, and, when asked for, what the current
/// state changes since the latest version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Versions, oldest first.
    pub versions: Vec<Released>,
    /// Changes since the latest version (number, difference), shown by
    /// `serve` and `build --drafts` when there is a version.
    pub unreleased: Option<(u32, Diff)>,
}

/// The timeline of `history`; `current` (the state of this build) gives
/// [`Timeline::unreleased`].
pub fn timeline(history: &History, current: Option<&State>) -> Timeline {
    let mut prev: Option<&State> = None;
    let mut versions = Vec::new();
    for v in &history.versions {
        versions.push(Released {
            number: v.version,
            // `load` keeps only versions with a valid date.
            date: Date::parse(&v.date).unwrap_or(Date {
                year: 1970,
                month: Some(1),
                day: Some(1),
            }),
            note: v.note.clone(),
            diff: diff(prev, &v.evidence),
        });
        prev = Some(&v.evidence);
    }
    let unreleased = match (history.latest(), current) {
        (Some(v), Some(c)) => Some((v.version, diff(Some(&v.evidence), c))),
        _ => None,
    };
    Timeline {
        versions,
        unreleased,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(trials: &[&str], e: f64, lo: f64, hi: f64) -> AnalysisState {
        AnalysisState {
            title: "Death".into(),
            measure: Measure::RR,
            trials: trials.iter().map(|t| t.to_string()).collect(),
            k: trials.len(),
            estimate: Some(e),
            ci_low: Some(lo),
            ci_high: Some(hi),
            pi_low: None,
            pi_high: None,
            tau2: Some(0.0),
            i2: Some(0.0),
            certainty: None,
        }
    }

    fn state_of(a: AnalysisState) -> State {
        let mut s = State::default();
        for t in &a.trials {
            s.trials.insert(
                t.clone(),
                TrialState {
                    label: t.to_uppercase(),
                    year: Some(2020),
                    status: TrialStatus::Published,
                    published_as: None,
                    primary: None,
                },
            );
        }
        s.topics.insert(
            "t".into(),
            TopicState {
                title: "T".into(),
                analyses: [("death".to_string(), a)].into(),
            },
        );
        s
    }

    #[test]
    fn a_ci_that_stops_crossing_the_null_is_named() {
        let old = state_of(analysis(&["a"], 0.8, 0.6, 1.1));
        let new = state_of(analysis(&["a", "b"], 0.8, 0.7, 0.95));
        let d = diff(Some(&old), &new);
        let a = &d.topics[0].analyses[0];
        assert_eq!(a.added[0].label, "B");
        assert_eq!((a.k_before, a.k_after), (Some(1), Some(2)));
        assert_eq!(
            a.changes,
            vec![Change::CiNoLongerCrossesNull { side: Side::Below }]
        );
        assert!(!a.conclusion_unchanged());
        assert_eq!(d.trials[0].change, TrialChange::Added);
    }

    #[test]
    fn the_same_state_is_no_change_and_certainty_is_named() {
        let s = state_of(analysis(&["a"], 0.8, 0.6, 1.1));
        assert!(diff(Some(&s), &s).is_empty());
        let mut t = s.clone();
        let a = t
            .topics
            .get_mut("t")
            .unwrap()
            .analyses
            .get_mut("death")
            .unwrap();
        a.certainty = Some(Certainty::Low);
        let d = diff(Some(&s), &t);
        assert_eq!(
            d.topics[0].analyses[0].changes,
            vec![Change::Certainty {
                before: None,
                after: Some(Certainty::Low)
            }]
        );
    }

    #[test]
    fn a_registry_record_published_and_a_primary_result_moving_are_named() {
        let old = state_of(analysis(&["a"], 0.8, 0.6, 1.1));
        let mut new = old.clone();
        let rec = TrialState {
            label: "NCT1".into(),
            year: Some(2021),
            status: TrialStatus::Ongoing,
            published_as: None,
            primary: None,
        };
        let mut old = old;
        old.trials.insert("nct1".into(), rec.clone());
        new.trials.insert(
            "nct1".into(),
            TrialState {
                status: TrialStatus::Superseded,
                published_as: Some("a".into()),
                ..rec
            },
        );
        let primary = PrimaryResult {
            outcome: "death".into(),
            measure: Measure::RR,
            estimate: 0.9,
            ci_low: 0.7,
            ci_high: 1.2,
        };
        new.trials.get_mut("a").unwrap().primary = Some(primary.clone());
        let d = diff(Some(&old), &new);
        assert_eq!(
            d.trials.iter().map(|t| &t.change).collect::<Vec<_>>(),
            vec![
                &TrialChange::PrimaryResult {
                    before: None,
                    after: Some(primary)
                },
                &TrialChange::RecordPublished {
                    trial: TrialRef {
                        id: "a".into(),
                        label: "A".into(),
                        year: Some(2020)
                    }
                },
            ]
        );
        // The record's change belongs to the topic of the trial it became.
        assert_eq!(d.topics[0].trials.len(), 2);
        assert!(d.topics[0].analyses.is_empty());
    }

    #[test]
    fn a_version_file_reads_back_and_is_sorted() {
        let v = Version {
            format: FORMAT.into(),
            version: 2,
            date: "2026-12-01".into(),
            note: "n".into(),
            evidence: state_of(analysis(&["a"], 0.8, 0.6, 1.1)),
        };
        let json = v.to_json();
        assert!(json.find("\"date\"").unwrap() < json.find("\"evidence\"").unwrap());
        assert!(json.find("\"ci_high\"").unwrap() < json.find("\"ci_low\"").unwrap());
        assert_eq!(load_one("history/0002.json", json.as_bytes()), Ok(v));
        let e = load_one("history/0003.json", json.as_bytes()).unwrap_err();
        assert_eq!(e.message, "version 2 in a file named for version 3");
        let line = json.lines().position(|l| l == "  \"version\": 2").unwrap() + 1;
        assert_eq!((e.line, e.column), (line, 3));
    }
}
