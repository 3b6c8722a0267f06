//! The result cards that open a page: a trial's ([`ResultCardCtx`]: its
//! primary outcome, the arm results, the effect with its CI, the absolute
//! difference and NNT, the paper check's verdict and the fragility index
//! beside the patients not analysed) and a topic's ([`AnalysisCardCtx`]:
//! its first pooled analysis with k, participants, estimate, prediction
//! interval and a reading that claims no more than the data give). Each
//! part carries its numbers as well as its text, so a theme can format
//! them its own way; the words come from [`crate::present`]. And the same
//! result in one line, for a page's item in a list ([`GlanceCtx`]).

use serde::Serialize;

use crate::analyse::{ArmResult, OutcomeKind, OutcomeResult, PooledResult};
use crate::link::TrialStatus;
use crate::model::{Measure, Role, Trial};
use crate::present::{self, NotAnalysed};
use crate::stats::check::Verdict;

/// A trial's result card.
#[derive(Debug, Clone, Serialize)]
pub struct ResultCardCtx {
    /// Why there is no result to show (a registry record, no outcome data);
    /// `None` when the card has one.
    pub empty: Option<String>,
    /// Id of the outcome shown (its row is `#outcome-<id>`).
    pub outcome_id: Option<String>,
    /// Its label.
    pub outcome: Option<String>,
    /// Its time point.
    pub timepoint: Option<String>,
    /// What the outcome is to the trial: `Primary outcome`, the first of
    /// several primaries, or the first reported when none is marked
    /// (empty without a result).
    pub role_label: String,
    /// Each arm's result, experimental arm first.
    pub arms: Vec<CardArmCtx>,
    /// The effect with its CI.
    pub effect: Option<CardEffectCtx>,
    /// The absolute difference (events/total outcomes).
    pub difference: Option<CardDifferenceCtx>,
    /// The NNT (events/total outcomes).
    pub nnt: Option<CardNntCtx>,
    /// The paper check of the effect shown.
    pub check: Option<CardCheckCtx>,
    /// The fragility index in context.
    pub fragility: Option<CardFragilityCtx>,
    /// Where the numbers came from when not the paper (`Posted on
    /// ClinicalTrials.gov`).
    pub posted: Option<String>,
}

/// One arm on the card.
#[derive(Debug, Clone, Serialize)]
pub struct CardArmCtx {
    /// Arm label.
    pub label: String,
    /// `89/258 (34.5%)`, `6.68 ± 3.96 (n = 258)`.
    pub text: String,
    /// Events (events/total outcomes).
    pub events: Option<u64>,
    /// Total analysed (events/total outcomes).
    pub total: Option<u64>,
    /// Events as a percentage of the total.
    pub percent: Option<f64>,
    /// Mean (continuous outcomes).
    pub mean: Option<f64>,
    /// SD (continuous outcomes).
    pub sd: Option<f64>,
    /// Patients analysed (continuous and median outcomes).
    pub n: Option<u64>,
}

/// Where the card's effect comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EffectSource {
    /// As the paper printed it.
    Reported,
    /// Recomputed by appraise (the paper printed none).
    Recomputed,
}

/// The effect on the card.
#[derive(Debug, Clone, Serialize)]
pub struct CardEffectCtx {
    /// `RR`, `MD`, `HR`.
    pub measure: String,
    /// Estimate (a risk difference in percentage points when printed).
    pub estimate: f64,
    /// Lower 95% limit.
    pub ci_low: Option<f64>,
    /// Upper 95% limit.
    pub ci_high: Option<f64>,
    /// Whether the paper adjusted it.
    pub adjusted: bool,
    /// Printed or recomputed.
    pub source: EffectSource,
    /// `MD 0.61 (−0.07 to 1.29); p = 0.053`.
    pub text: String,
    /// `As printed in the paper`.
    pub source_text: String,
}

/// The absolute difference in risk.
#[derive(Debug, Clone, Serialize)]
pub struct CardDifferenceCtx {
    /// Experimental minus control, percentage points.
    pub estimate: f64,
    /// Lower 95% limit, percentage points.
    pub ci_low: f64,
    /// Upper 95% limit, percentage points.
    pub ci_high: f64,
    /// `3.6 more per 100 patients (95% CI 4.5 fewer to 11.7 more)`.
    pub text: String,
}

/// The NNT on the card.
#[derive(Debug, Clone, Serialize)]
pub struct CardNntCtx {
    /// False when the CI of the difference includes no difference.
    pub estimable: bool,
    /// `benefit` or `harm` of the point estimate.
    pub direction: &'static str,
    /// The rounded NNT of the point estimate (none when infinite).
    pub value: Option<u64>,
    /// `NNTB 10 (8 to 15)`, or why it is not estimable.
    pub text: String,
}

/// The paper check of the card's effect.
#[derive(Debug, Clone, Serialize)]
pub struct CardCheckCtx {
    /// The verdict (`reproduced`, `not-reproduced`, …); none when the
    /// effect is appraise's own.
    pub verdict: Option<Verdict>,
    /// `✓ RR adds up`.
    pub badge: String,
    /// One sentence for readers.
    pub summary: String,
    /// The method the paper named, when the verdict is a mismatch.
    pub explained_by: Option<String>,
}

/// The fragility index in context.
#[derive(Debug, Clone, Serialize)]
pub struct CardFragilityCtx {
    /// The fragility index, or the reverse index (see `reverse`).
    pub index: Option<u64>,
    /// Whether `index` is the reverse fragility index (a result with p ≥ 0.05).
    pub reverse: bool,
    /// Randomised patients not in this outcome's analysis, when known.
    pub not_analysed: Option<u64>,
    /// Patients randomised to the arms compared, when known.
    pub randomised: Option<u64>,
    /// The sentence.
    pub text: String,
}

/// The card of trial `t` from its outcomes' `results` (in the order of
/// `t.outcomes`); `st` words a card without results.
pub fn trial_card(t: &Trial, results: &[OutcomeResult], st: TrialStatus) -> ResultCardCtx {
    let primaries = results.iter().filter(|r| r.role == Role::Primary).count();
    let Some(o) = lead_outcome(results) else {
        return ResultCardCtx {
            empty: Some(present::card_no_results(st, t)),
            outcome_id: None,
            outcome: None,
            timepoint: None,
            role_label: String::new(),
            arms: Vec::new(),
            effect: None,
            difference: None,
            nnt: None,
            check: None,
            fragility: None,
            posted: None,
        };
    };
    let (effect, check) = card_effect(o);
    ResultCardCtx {
        empty: None,
        outcome_id: Some(o.id.clone()),
        outcome: Some(o.label.clone()),
        timepoint: present::timepoint_beside(&o.label, o.timepoint.as_deref()),
        role_label: present::card_outcome_label(primaries),
        arms: o.arms.iter().map(card_arm).collect(),
        effect,
        difference: o
            .effects
            .iter()
            .find(|e| e.measure == Measure::RD)
            .map(|e| CardDifferenceCtx {
                estimate: 100.0 * e.estimate,
                ci_low: 100.0 * e.ci_low,
                ci_high: 100.0 * e.ci_high,
                text: present::difference_text(e.estimate, e.ci_low, e.ci_high),
            }),
        nnt: o.nnt.as_ref().map(|n| CardNntCtx {
            estimable: !n.crosses_infinity,
            direction: n.direction,
            value: n.rounded,
            text: present::card_nnt_text(&n.detail),
        }),
        check,
        fragility: Some(card_fragility(t, o)),
        posted: present::posted_note(o.source, t),
    }
}

/// The outcome a trial leads with: its first primary outcome, else its
/// first reported.
fn lead_outcome(results: &[OutcomeResult]) -> Option<&OutcomeResult> {
    results
        .iter()
        .find(|r| r.role == Role::Primary)
        .or(results.first())
}

/// One arm's result.
fn card_arm(a: &ArmResult) -> CardArmCtx {
    CardArmCtx {
        label: a.label.clone(),
        text: present::arm_text(a),
        events: a.events,
        total: a.total,
        percent: a.risk.map(|r| 100.0 * r),
        mean: a.mean,
        sd: a.sd,
        n: a.n,
    }
}

/// The effect the paper printed (its first unadjusted one, else its
/// first) with that effect's check; without one, appraise's own (the risk
/// ratio for events/total, else the first it computed), unchecked.
pub(super) fn card_effect(o: &OutcomeResult) -> (Option<CardEffectCtx>, Option<CardCheckCtx>) {
    let printed = o
        .reported
        .iter()
        .position(|r| !r.adjusted)
        .or((!o.reported.is_empty()).then_some(0));
    if let Some(i) = printed {
        let r = &o.reported[i];
        let effect = CardEffectCtx {
            measure: r.measure.short().into(),
            estimate: r.estimate,
            ci_low: r.ci_low,
            ci_high: r.ci_high,
            adjusted: r.adjusted,
            source: EffectSource::Reported,
            text: r.text.clone(),
            source_text: present::effect_source_text(true, r.method.as_deref(), o.source),
        };
        let check = o.check.get(i).map(|c| CardCheckCtx {
            verdict: Some(c.verdict),
            badge: present::verdict_badge(c.verdict, c.measure, c.p_printed),
            summary: c.summary.clone(),
            explained_by: c.explained_by.clone().filter(|_| c.verdict.is_mismatch()),
        });
        return (Some(effect), check);
    }
    let own = o
        .effects
        .iter()
        .find(|e| e.measure == Measure::RR)
        .or(o.effects.first());
    let effect = own.map(|e| CardEffectCtx {
        measure: e.measure.short().into(),
        estimate: e.estimate,
        ci_low: Some(e.ci_low),
        ci_high: Some(e.ci_high),
        adjusted: false,
        source: EffectSource::Recomputed,
        text: present::effect_text(e),
        source_text: present::effect_source_text(false, Some(e.method), o.source),
    });
    let check = effect.as_ref().map(|_| CardCheckCtx {
        verdict: None,
        badge: "– nothing to check".into(),
        summary: present::card_unchecked().into(),
        explained_by: None,
    });
    (effect, check)
}

/// The fragility index of outcome `o` beside its patients not analysed:
/// those randomised to its arms (the trial's `n`) minus those analysed,
/// when every arm gives both.
fn card_fragility(t: &Trial, o: &OutcomeResult) -> CardFragilityCtx {
    let counts: Option<Vec<(u64, u64)>> = o
        .arms
        .iter()
        .map(|a| {
            let randomised = t.arms.iter().find(|x| x.id == a.arm)?.n?;
            let analysed = a.total.or(a.n)?;
            (analysed <= randomised).then_some((randomised, analysed))
        })
        .collect();
    let na = counts.filter(|c| !c.is_empty()).map(|c| NotAnalysed {
        missing: c.iter().map(|(r, a)| r - a).sum(),
        randomised: c.iter().map(|(r, _)| r).sum(),
    });
    let binary = o.kind == OutcomeKind::Binary;
    CardFragilityCtx {
        index: o.fragility_index.or(o.reverse_fragility_index),
        reverse: o.fragility_index.is_none() && o.reverse_fragility_index.is_some(),
        not_analysed: na.map(|n| n.missing),
        randomised: na.map(|n| n.randomised),
        text: present::fragility_in_context(
            o.fragility_index,
            o.reverse_fragility_index,
            binary,
            na,
        ),
    }
}

/// A topic's card: its pooled analysis `r`.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisCardCtx {
    /// Analysis id (its section is `#an-<id>`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// Trials pooled.
    pub k: usize,
    /// Participants in the trials pooled (analysed, all arms).
    pub participants: u64,
    /// `2 trials, 1150 participants`.
    pub size: String,
    /// `RR`.
    pub measure: String,
    /// Headline estimate (none when the trials disagree).
    pub estimate: Option<f64>,
    /// CI.
    pub ci_low: Option<f64>,
    /// CI.
    pub ci_high: Option<f64>,
    /// `RR 1.13 (0.90 to 1.41)`.
    pub estimate_text: Option<String>,
    /// `Common effect, p = 0.29`.
    pub model: String,
    /// Prediction interval (3 or more trials, random effects).
    pub pi_low: Option<f64>,
    /// Prediction interval.
    pub pi_high: Option<f64>,
    /// `95% prediction interval 0.70 to 1.60` (3 or more trials only).
    pub prediction: Option<String>,
    /// What the result means, never more than it shows.
    pub reading: String,
}

/// The card of pooled analysis `r`.
pub fn analysis_card(r: &PooledResult) -> AnalysisCardCtx {
    let participants = r
        .studies
        .iter()
        .flat_map(|s| &s.arms)
        .map(|a| a.total.or(a.n).unwrap_or(0))
        .sum();
    let estimate_text = match (r.estimate, r.ci_low, r.ci_high) {
        (Some(e), Some(lo), Some(hi)) => Some(present::estimate_ci(r.measure, e, lo, hi)),
        _ => None,
    };
    let pi = (r.k >= 3).then_some((r.pi_low, r.pi_high));
    let model = match r.p {
        Some(p) if estimate_text.is_some() => {
            format!("{}, {}", present::lead_model(r.lead), present::p_text(p))
        }
        _ => present::lead_model(r.lead).to_string(),
    };
    AnalysisCardCtx {
        id: r.id.clone(),
        title: r.title.clone(),
        k: r.k,
        participants,
        size: present::pooled_size(r.k, participants),
        measure: r.measure.short().into(),
        estimate: r.estimate,
        ci_low: r.ci_low,
        ci_high: r.ci_high,
        estimate_text,
        model,
        pi_low: pi.and_then(|p| p.0),
        pi_high: pi.and_then(|p| p.1),
        prediction: pi
            .filter(|p| p.0.is_some())
            .and_then(|_| present::prediction_text(r)),
        reading: present::pooled_reading(r),
    }
}

/// A page's answer at a glance, for its item in a list: the result its
/// card leads with, in one line. A trial's lead outcome with the arms'
/// results and the card's effect; a topic's first pooled analysis with its
/// size and a verdict that claims no more than the data give. A trial's is
/// kept in the build cache's trial record ([`crate::cache::CachedTrial`]),
/// for lists that show a trial not analysed again.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GlanceCtx {
    /// The outcome (with its time point when the label has none) or the
    /// pooled analysis.
    pub label: String,
    /// The arms' results, experimental arm first: `Levosimendan 68.3% vs
    /// Placebo 68.3%`, `Levosimendan 6.68 vs Placebo 6.06 (means)`.
    pub arms: Option<String>,
    /// The effect with its CI: the card's (`sHR 1.02 (0.74 to 1.39); p = 0.92`,
    /// `RR 1.13 (0.90 to 1.41)`).
    pub effect: Option<String>,
    /// The effect's measure (`RR`, `sHR`).
    pub measure: Option<String>,
    /// The effect's estimate.
    pub estimate: Option<f64>,
    /// Its lower 95% limit.
    pub ci_low: Option<f64>,
    /// Its upper 95% limit.
    pub ci_high: Option<f64>,
    /// Topics: `2 trials, 719 participants`.
    pub size: Option<String>,
    /// Topics: `Too uncertain to tell`, `Points to benefit`.
    pub verdict: Option<String>,
    /// The whole line in plain text ([`present::glance_line`]), as the
    /// feed gives it.
    pub text: String,
}

impl GlanceCtx {
    /// Say whose result this is (an appraisal of several trials): the
    /// trial's acronym before the label, in the line too.
    pub(super) fn name_trial(&mut self, acronym: &str) {
        self.label = present::glance_label_of_trial(acronym, &self.label);
        self.set_text();
    }

    /// Word the whole line from the parts.
    fn set_text(&mut self) {
        self.text = present::glance_line(
            &self.label,
            self.arms.as_deref(),
            self.effect.as_deref(),
            self.size.as_deref(),
            self.verdict.as_deref(),
        );
    }
}

/// The glance of a trial from its outcomes' `results`: the outcome its
/// card shows; `None` without outcome data.
pub fn trial_glance(results: &[OutcomeResult]) -> Option<GlanceCtx> {
    let o = lead_outcome(results)?;
    let (effect, _) = card_effect(o);
    let mut g = GlanceCtx {
        label: present::outcome_with_timepoint(&o.label, o.timepoint.as_deref()),
        arms: present::arms_glance_text(&o.arms),
        measure: effect.as_ref().map(|e| e.measure.clone()),
        estimate: effect.as_ref().map(|e| e.estimate),
        ci_low: effect.as_ref().and_then(|e| e.ci_low),
        ci_high: effect.as_ref().and_then(|e| e.ci_high),
        effect: effect.map(|e| e.text),
        size: None,
        verdict: None,
        text: String::new(),
    };
    g.set_text();
    Some(g)
}

/// The glance of a topic: its first pooled analysis `r`.
pub fn topic_glance(r: &PooledResult) -> GlanceCtx {
    let card = analysis_card(r);
    let shown = card.estimate_text.is_some();
    let mut g = GlanceCtx {
        label: card.title,
        arms: None,
        measure: shown.then_some(card.measure),
        estimate: card.estimate.filter(|_| shown),
        ci_low: card.ci_low.filter(|_| shown),
        ci_high: card.ci_high.filter(|_| shown),
        effect: card.estimate_text,
        size: Some(card.size),
        verdict: Some(present::pooled_verdict_words(
            present::pooled_verdict(r),
            r.k,
        )),
        text: String::new(),
    };
    g.set_text();
    g
}
