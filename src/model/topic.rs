//! A topic: the trials it lists or gathers by tag, and the analyses
//! declared over them — endpoint, a measure that can be pooled, a unique
//! id, the meta-analysis settings (`model:`, `tau2:`, `hksj:`), and the
//! author's `tsa:` and `sof:` blocks (validated in `evidence`).

use std::collections::BTreeSet;

use super::context::{hint, Cx};
use super::{AnalysisSpec, Measure, Topic};
use crate::diag::did_you_mean;
use crate::parse::front_matter::{RawAnalysis, RawTopic};
use crate::stats::meta::{MetaSettings, RandomCi, Tau2Estimator};

/// The typed topic of `t`; an analysis with an error is left out.
pub(super) fn topic(cx: &mut Cx, t: &RawTopic) -> Topic {
    let trials = t
        .trials
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), cx.locate(&format!("topic.trials[{i}]"))))
        .collect();
    let mut analyses = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, a) in t.analyses.iter().enumerate() {
        if let Some(spec) = analysis(cx, &format!("topic.analyses[{i}]"), a, &mut ids) {
            analyses.push(spec);
        }
    }
    Topic {
        trials,
        tags: t.tags.clone(),
        analyses,
    }
}

/// `Some(None)` when a block was not written, `Some(Some(x))` when it was
/// and is valid, `None` after an error in it.
trait TransposeOk<T> {
    fn transpose_ok(self) -> Option<Option<T>>;
}

impl<T> TransposeOk<T> for Option<Option<T>> {
    fn transpose_ok(self) -> Option<Option<T>> {
        match self {
            None => Some(None),
            Some(Some(x)) => Some(Some(x)),
            Some(None) => None,
        }
    }
}

/// One analysis, written at `p`; `None` after an error. `ids` holds the
/// ids of the topic's analyses so far, each used once.
fn analysis(
    cx: &mut Cx,
    p: &str,
    a: &RawAnalysis,
    ids: &mut BTreeSet<String>,
) -> Option<AnalysisSpec> {
    if a.endpoint.trim().is_empty() {
        let d = cx.error(p, "this analysis has no `endpoint`");
        hint(
            d,
            "name the shared endpoint to pool, e.g. endpoint: all-cause-mortality",
        );
        return None;
    }
    let measure = pooled_measure(cx, p, a)?;
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
        return None;
    }
    let settings = analysis_settings(cx, p, a);
    let tsa = a
        .tsa
        .as_ref()
        .map(|t| super::evidence::tsa(cx, p, t, measure));
    let sof = a
        .sof
        .as_ref()
        .map(|s| super::evidence::sof(cx, p, s, measure));
    let (settings, tsa, sof) = (settings?, tsa.transpose_ok()?, sof.transpose_ok()?);
    Some(AnalysisSpec {
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
            .map(|(j, id)| (id.clone(), cx.locate(&format!("{p}.trials[{j}]"))))
            .collect(),
        subgroups: a
            .subgroups
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tsa,
        sof,
        pos: cx.locate(p),
    })
}

/// The analysis's measure (RR when not written); `None` after an error for
/// one that cannot be pooled.
fn pooled_measure(cx: &mut Cx, p: &str, a: &RawAnalysis) -> Option<Measure> {
    let Some(m) = a.measure.as_deref() else {
        return Some(Measure::RR);
    };
    match Measure::parse(m) {
        Some(x)
            if matches!(
                x,
                Measure::RR | Measure::OR | Measure::RD | Measure::MD | Measure::SMD
            ) =>
        {
            Some(x)
        }
        _ => {
            let d = cx.error(&format!("{p}.measure"), format!("cannot pool `{m}`"));
            hint(
                d,
                "pool RR, OR or RD (binary outcomes), MD or SMD (continuous outcomes)",
            );
            None
        }
    }
}

/// The settings of one topic analysis: its `model:` preset with the
/// `tau2:` and `hksj:` overrides; `None` (after an error at the key's line)
/// for an unknown name.
fn analysis_settings(cx: &mut Cx, p: &str, a: &RawAnalysis) -> Option<MetaSettings> {
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
