//! Inline shortcodes: `{{ value(...) }}` and `{{ effect(...) }}` in the
//! text, checked and resolved once into a typed [`ChartRef::Value`] or
//! [`ChartRef::Effect`] naming the trial, outcome, arm or measure. Render
//! words the number with [`crate::present`], as the trial page does.
//!
//! Every problem of a shortcode is reported at once (an unknown argument,
//! then an unknown trial, outcome, arm or measure), each with the nearest
//! name as a hint where there is one.

use super::{ChartRef, EffectSource, Links, ValueShow};
use crate::diag::did_you_mean;
use crate::model::{Measure, Outcome, OutcomeData, PageKind, Site, Trial};
use crate::parse::markdown::Shortcode;

/// The arguments of an inline shortcode, checked for their names and
/// values but not yet against the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InlineArgs {
    /// `trial="id"`, when given.
    pub trial: Option<String>,
    /// `outcome="id"`.
    pub outcome: Option<String>,
    /// `arm="id"` (value).
    pub arm: Option<String>,
    /// `show="…"` (value).
    pub show: Option<ValueShow>,
    /// `measure="RR"` (effect).
    pub measure: Option<Measure>,
    /// `source="…"` (effect).
    pub source: Option<Source>,
}

/// Which effect `source` asks for, before the outcome is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// `source="recomputed"`.
    Recomputed,
    /// `source="reported"`: the paper's unadjusted effect.
    Reported,
    /// `source="adjusted"`: the paper's adjusted effect.
    Adjusted,
}

/// The arguments each inline shortcode takes.
fn allowed(name: &str) -> &'static [&'static str] {
    match name {
        "value" => &["trial", "outcome", "arm", "show"],
        _ => &["trial", "outcome", "measure", "source"],
    }
}

/// Quote `xs` for a message: `` `a`, `b` or `c` ``.
fn listed(xs: &[&str]) -> String {
    joined(xs, "or")
}

/// Quote `xs` joined by commas and `word` before the last.
fn joined(xs: &[&str], word: &str) -> String {
    let q: Vec<String> = xs.iter().map(|x| format!("`{x}`")).collect();
    match q.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {word} {last}", rest.join(", ")),
        _ => q.join(""),
    }
}

/// ` (did you mean `x`?)`, or nothing.
fn hint(word: &str, candidates: &[&str]) -> String {
    did_you_mean(word, candidates)
        .map(|m| format!(" (did you mean `{m}`?)"))
        .unwrap_or_default()
}

/// Check the argument names and the values of `show`, `measure` and
/// `source`: the arguments that are right, and every problem.
pub(super) fn inline_args(sc: &Shortcode) -> (InlineArgs, Vec<String>) {
    let names = allowed(&sc.name);
    let mut errs = Vec::new();
    let mut a = InlineArgs {
        trial: None,
        outcome: None,
        arm: None,
        show: None,
        measure: None,
        source: None,
    };
    for (k, v) in &sc.args {
        if !names.contains(&k.as_str()) {
            errs.push(format!(
                "`{}` takes no argument `{k}`{}; it takes {}",
                sc.name,
                hint(k, names),
                listed(names)
            ));
            continue;
        }
        match k.as_str() {
            "trial" => a.trial = Some(v.clone()),
            "outcome" => a.outcome = Some(v.clone()),
            "arm" => a.arm = Some(v.clone()),
            "show" => match ValueShow::parse(v) {
                Some(s) => a.show = Some(s),
                None => errs.push(format!(
                    "`show=\"{v}\"` is not a way to show a value{}; use {}",
                    hint(v, ValueShow::NAMES),
                    listed(ValueShow::NAMES)
                )),
            },
            "measure" => match Measure::parse(v) {
                Some(m) => a.measure = Some(m),
                None => errs.push(format!("`{v}` is not a measure; use {}", Measure::NAMES)),
            },
            _ => match v.as_str() {
                "recomputed" => a.source = Some(Source::Recomputed),
                "reported" => a.source = Some(Source::Reported),
                "adjusted" => a.source = Some(Source::Adjusted),
                _ => {
                    let ok = ["recomputed", "reported", "adjusted"];
                    errs.push(format!(
                        "`source=\"{v}\"` is not a source{}; use {}",
                        hint(v, &ok),
                        listed(&ok)
                    ))
                }
            },
        }
    }
    let needs = |what: &str, has: bool, errs: &mut Vec<String>| {
        if !has {
            errs.push(format!("`{}` needs {what}: write {what}=\"id\"", sc.name));
        }
    };
    needs("outcome", a.outcome.is_some(), &mut errs);
    if sc.name == "value" {
        needs("arm", a.arm.is_some(), &mut errs);
    } else if a.measure.is_none() && !sc.args.iter().any(|(k, _)| k == "measure") {
        errs.push(
            "`effect` needs a measure: write measure=\"RR\" (or OR, RD, MD, SMD, HR, sHR)".into(),
        );
    }
    (a, errs)
}

/// Resolve inline shortcode `sc` of page `i`, or say everything that is
/// wrong with it.
pub(super) fn inline_ref(
    site: &Site,
    l: &Links,
    i: usize,
    sc: &Shortcode,
) -> Result<ChartRef, Vec<String>> {
    if !crate::parse::markdown::INLINE.contains(&sc.name.as_str()) {
        let known = [
            "forest",
            "rates",
            "timeline",
            "results",
            "pooled",
            "cumulative",
        ];
        return Err(vec![if known.contains(&sc.name.as_str()) {
            format!("`{}` is a chart: write it on a line of its own", sc.name)
        } else {
            format!(
                "unknown shortcode `{}`{}; inside the text use `value` or `effect`",
                sc.name,
                hint(&sc.name, crate::parse::markdown::INLINE)
            )
        }]);
    }
    let (args, mut errs) = inline_args(sc);
    // What the right arguments name is checked too: every problem at once.
    match resolve(site, l, i, sc, &args) {
        Ok(r) if errs.is_empty() => Ok(r),
        Ok(_) => Err(errs),
        Err(more) => {
            errs.extend(more);
            Err(errs)
        }
    }
}

/// The trial, outcome, arm or measure the arguments name.
fn resolve(
    site: &Site,
    l: &Links,
    i: usize,
    sc: &Shortcode,
    args: &InlineArgs,
) -> Result<ChartRef, Vec<String>> {
    let (t, trial) = inline_trial(site, l, i, &sc.name, args.trial.as_deref())?;
    let Some(outcome_id) = args.outcome.clone() else {
        return Err(Vec::new());
    };
    if trial.rejected_outcomes.contains(&outcome_id) {
        // The outcome has errors of its own, reported where it is written.
        return Ok(ChartRef::Omitted);
    }
    let Some(o) = trial.outcomes.iter().find(|o| o.id == outcome_id) else {
        let ids: Vec<&str> = trial.outcomes.iter().map(|o| o.id.as_str()).collect();
        return Err(vec![format!(
            "trial `{}` has no outcome `{outcome_id}`{}",
            site.pages[t].id,
            hint(&outcome_id, &ids)
        )]);
    };
    if sc.name == "value" {
        value_ref(site, t, trial, o, args)
    } else {
        effect_ref(site, t, o, args)
    }
}

/// The trial an inline shortcode names, or the page's own (a trial page,
/// or an appraisal's first trial) as for charts.
fn inline_trial<'s>(
    site: &'s Site,
    l: &Links,
    i: usize,
    name: &str,
    id: Option<&str>,
) -> Result<(usize, &'s Trial), Vec<String>> {
    let t = match id {
        Some(id) => l.trial_by_id.get(id).copied(),
        None => match &site.pages[i].kind {
            PageKind::Trial(_) => Some(i),
            PageKind::Appraisal(_) => l.appraisal_trials.get(&i).and_then(|v| v.first().copied()),
            _ => None,
        },
    };
    match t.map(|t| (t, &site.pages[t].kind)) {
        Some((t, PageKind::Trial(trial))) => Ok((t, trial)),
        _ => Err(vec![match id {
            Some(id) => {
                let ids: Vec<&str> = l.trial_by_id.keys().map(String::as_str).collect();
                format!("no trial has the id `{id}`{}", hint(id, &ids))
            }
            None => format!("`{name}` needs a trial here: write trial=\"id\""),
        }]),
    }
}

/// The ways `show` can take for an outcome's kind of data.
fn shows_for(data: &OutcomeData) -> &'static [ValueShow] {
    match data {
        OutcomeData::Binary(_) => &[ValueShow::All, ValueShow::Risk, ValueShow::Events],
        OutcomeData::Continuous(_) => &[ValueShow::All, ValueShow::Mean],
        OutcomeData::Median(_) => &[ValueShow::All, ValueShow::Median],
        OutcomeData::None => &[],
    }
}

/// `value`: one arm's result of outcome `o`.
fn value_ref(
    site: &Site,
    t: usize,
    trial: &Trial,
    o: &Outcome,
    args: &InlineArgs,
) -> Result<ChartRef, Vec<String>> {
    let Some(arm) = args.arm.clone() else {
        return Err(Vec::new());
    };
    let mut errs = Vec::new();
    let k = trial.arms.iter().position(|a| a.id == arm);
    let has_data = |k: usize| match &o.data {
        OutcomeData::Binary(v) => v.get(k).is_some_and(Option::is_some),
        OutcomeData::Continuous(v) => v.get(k).is_some_and(Option::is_some),
        OutcomeData::Median(v) => v.get(k).is_some_and(Option::is_some),
        OutcomeData::None => false,
    };
    match k {
        None => {
            let ids: Vec<&str> = trial.arms.iter().map(|a| a.id.as_str()).collect();
            errs.push(format!(
                "trial `{}` has no arm `{arm}`{}; its arms are {}",
                site.pages[t].id,
                hint(&arm, &ids),
                joined(&ids, "and")
            ));
        }
        Some(_) if matches!(o.data, OutcomeData::None) => errs.push(format!(
            "outcome `{}` has no arm data, only the paper's effect: use effect(outcome=\"{}\", measure=\"…\")",
            o.id, o.id
        )),
        Some(k) if !has_data(k) => errs.push(format!(
            "outcome `{}` has no data for arm `{arm}`",
            o.id
        )),
        Some(_) => {}
    }
    let show = args.show.unwrap_or(ValueShow::All);
    let shows = shows_for(&o.data);
    if !shows.is_empty() && !shows.contains(&show) {
        let names: Vec<&str> = shows.iter().map(|s| s.name()).collect();
        errs.push(format!(
            "`show=\"{}\"` does not fit outcome `{}`; use {}",
            show.name(),
            o.id,
            listed(&names)
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(ChartRef::Value {
        trial: t,
        outcome: o.id.clone(),
        arm,
        show,
    })
}

/// The measures the analyse stage recomputes from an outcome's data.
fn recomputed_measures(data: &OutcomeData) -> &'static [Measure] {
    match data {
        OutcomeData::Binary(_) => &[Measure::RR, Measure::OR, Measure::RD],
        OutcomeData::Continuous(_) => &[Measure::MD, Measure::SMD],
        _ => &[],
    }
}

/// `effect`: a recomputed effect of outcome `o`, or one the paper printed.
fn effect_ref(
    site: &Site,
    t: usize,
    o: &Outcome,
    args: &InlineArgs,
) -> Result<ChartRef, Vec<String>> {
    let Some(measure) = args.measure else {
        return Err(Vec::new());
    };
    let recomputable = recomputed_measures(&o.data).contains(&measure);
    let printed = |adjusted: bool| {
        o.reported
            .iter()
            .position(|r| r.measure == measure && r.adjusted == adjusted)
    };
    let printed_any: Vec<usize> = (0..o.reported.len())
        .filter(|&k| o.reported[k].measure == measure)
        .collect();
    let source = match args.source {
        Some(Source::Recomputed) | None if recomputable => Some(EffectSource::Recomputed),
        None if printed_any.len() == 1 => Some(EffectSource::Reported(printed_any[0])),
        Some(Source::Reported) => printed(false).map(EffectSource::Reported),
        Some(Source::Adjusted) => printed(true).map(EffectSource::Reported),
        _ => None,
    };
    if let Some(source) = source {
        return Ok(ChartRef::Effect {
            trial: t,
            outcome: o.id.clone(),
            measure,
            source,
        });
    }
    let recomputed: Vec<&str> = recomputed_measures(&o.data)
        .iter()
        .map(|m| m.short())
        .collect();
    let reported: Vec<String> = o
        .reported
        .iter()
        .map(|r| {
            format!(
                "{}{}",
                r.measure.short(),
                if r.adjusted { " (adjusted)" } else { "" }
            )
        })
        .collect();
    let what = match args.source {
        Some(Source::Recomputed) => format!("no recomputed {measure}"),
        Some(Source::Reported) => format!("no unadjusted {measure} printed by the paper"),
        Some(Source::Adjusted) => format!("no adjusted {measure} printed by the paper"),
        None if printed_any.len() > 1 => {
            return Err(vec![format!(
                "the paper printed {} {measure}s for outcome `{}` of trial `{}`: write source=\"reported\" (unadjusted) or source=\"adjusted\"",
                printed_any.len(),
                o.id,
                site.pages[t].id
            )])
        }
        None => format!("no {measure}"),
    };
    Err(vec![format!(
        "outcome `{}` of trial `{}` has {what}; recomputed: {}; printed by the paper: {}",
        o.id,
        site.pages[t].id,
        if recomputed.is_empty() {
            "none".to_string()
        } else {
            recomputed.join(", ")
        },
        if reported.is_empty() {
            "none".to_string()
        } else {
            reported.join(", ")
        }
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(name: &str, args: &[(&str, &str)]) -> Shortcode {
        Shortcode {
            name: name.into(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            line: 1,
            column: 1,
            inline: true,
        }
    }

    #[test]
    fn arguments_are_read_into_their_types() {
        let (a, errs) = inline_args(&sc(
            "value",
            &[
                ("trial", "leopards"),
                ("outcome", "death-28d"),
                ("arm", "levo"),
                ("show", "risk"),
            ],
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(a.trial.as_deref(), Some("leopards"));
        assert_eq!(a.arm.as_deref(), Some("levo"));
        assert_eq!(a.show, Some(ValueShow::Risk));
        let (e, errs) = inline_args(&sc(
            "effect",
            &[
                ("outcome", "death-28d"),
                ("measure", "hr"),
                ("source", "adjusted"),
            ],
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(e.measure, Some(Measure::HR));
        assert_eq!(e.source, Some(Source::Adjusted));
        assert_eq!(e.trial, None, "the page's trial is used");
    }

    #[test]
    fn every_bad_argument_is_reported_at_once() {
        let (a, errs) = inline_args(&sc(
            "value",
            &[("outcom", "death-28d"), ("arm", "levo"), ("show", "rsik")],
        ));
        assert_eq!(a.arm.as_deref(), Some("levo"), "the right ones are kept");
        assert_eq!(
            errs,
            [
                "`value` takes no argument `outcom` (did you mean `outcome`?); it takes `trial`, `outcome`, `arm` or `show`",
                "`show=\"rsik\"` is not a way to show a value (did you mean `risk`?); use `all`, `risk`, `events`, `mean` or `median`",
                "`value` needs outcome: write outcome=\"id\"",
            ]
        );
        let (_, errs) = inline_args(&sc(
            "effect",
            &[("outcome", "x"), ("measure", "RRR"), ("source", "paper")],
        ));
        assert_eq!(
            errs,
            [
                "`RRR` is not a measure; use RR, OR, RD, MD, SMD, HR, sHR or MedD",
                "`source=\"paper\"` is not a source; use `recomputed`, `reported` or `adjusted`",
            ]
        );
        assert_eq!(
            inline_args(&sc("effect", &[("outcome", "x")])).1,
            ["`effect` needs a measure: write measure=\"RR\" (or OR, RD, MD, SMD, HR, sHR)"]
        );
    }
}
