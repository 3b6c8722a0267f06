//! A trial's outcomes, written in front matter or in the bundle's outcome
//! CSV: role, direction and per-arm data (events/total, mean/SD/n,
//! median/IQR), each value checked against the arms, with the printed
//! effects (see [`super::reported`]) fitted to the data they sit beside.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{at, hint, too_many, Cx};
use super::reported::reported_effect;
use super::trial::unknown_arm;
use super::{Arm, Count, Direction, MeanSd, Measure, MedianIqr, Outcome, OutcomeData, Role};
use crate::diag::Diagnostic;
use crate::parse::front_matter::{
    RawCount, RawMeanSd, RawMedian, RawOutcome, RawReported, RawTrial, RawWhole,
};
use crate::parse::ParsedCsv;

/// The trial's outcomes, front matter first, then the rows of its outcome
/// CSV (`trial.outcomes_csv`, or `outcomes.csv` beside a bundle's
/// `index.md`, recorded in `used`); and the ids of those left out for
/// errors. An error for an outcome id used twice.
pub(super) fn outcomes(
    cx: &mut Cx,
    t: &RawTrial,
    arms: &[Arm],
    bundle: Option<&str>,
    csvs: &BTreeMap<&str, &ParsedCsv>,
    used: &mut BTreeSet<String>,
) -> (Vec<Outcome>, Vec<String>) {
    let arm_ids: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
    let mut outcomes: Vec<Outcome> = Vec::new();
    // Outcomes dropped for errors (already reported): later references to
    // them are not reported a second time.
    let mut rejected: Vec<String> = Vec::new();
    for (i, o) in t.outcomes.iter().enumerate() {
        let p = format!("trial.outcomes[{i}]");
        let line = cx.locate(&p).0;
        let origin = (cx.doc.rel_path.clone(), line);
        match outcome(cx, &p, o, arms, &arm_ids, origin, None) {
            Some(o) => outcomes.push(o),
            None => rejected.push(o.id.clone()),
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
                    let origin = (csv.rel_path.clone(), *line);
                    match outcome(cx, "", o, arms, &arm_ids, origin, Some(&csv.rel_path)) {
                        Some(o) => outcomes.push(o),
                        None => rejected.push(o.id.clone()),
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
    (outcomes, rejected)
}

/// Where one outcome is written, and the arms it may name: problems go to
/// the front-matter key under `p`, or to `line` of the CSV file `csv`.
struct Place<'a> {
    /// Its front-matter path (`trial.outcomes[2]`); empty for a CSV row.
    p: &'a str,
    /// The CSV file it is a row of.
    csv: Option<&'a str>,
    /// Its 1-based line.
    line: usize,
    /// The trial's arms.
    arms: &'a [Arm],
    /// Their ids.
    arm_ids: &'a [&'a str],
}

impl Place<'_> {
    /// Report an error (or a `warning`) at `path`, or at the CSV line.
    fn at<'c>(&self, cx: &'c mut Cx, path: &str, msg: String, warning: bool) -> &'c mut Diagnostic {
        at(cx, self.csv, self.line, path, msg, warning)
    }
}

/// One typed outcome; `None` when it has errors (all of them reported).
pub(super) fn outcome(
    cx: &mut Cx,
    p: &str,
    o: &RawOutcome,
    arms: &[Arm],
    arm_ids: &[&str],
    origin: (String, usize),
    csv: Option<&str>,
) -> Option<Outcome> {
    let w = Place {
        p,
        csv,
        line: origin.1,
        arms,
        arm_ids,
    };
    if o.id.trim().is_empty() {
        w.at(cx, p, "this outcome has no `id`".into(), false);
        return None;
    }
    let role = role(cx, &w, o);
    let direction = direction(cx, &w, o);
    let mut ok = role.is_some() && direction.is_some();
    let kinds = [
        o.binary.is_some(),
        o.continuous.is_some(),
        o.median.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if kinds > 1 {
        w.at(
            cx,
            p,
            format!(
                "outcome `{}` has more than one of binary, continuous and median data",
                o.id
            ),
            false,
        );
        return None;
    }
    let data = arm_data(cx, &w, o, &mut ok)?;
    let reported = reported(cx, &w, o, &data, &mut ok);
    if ok && one_arm_only(cx, &w, o, &data) {
        return None;
    }
    if matches!(data, OutcomeData::None) && reported.is_empty() {
        w.at(cx, p, format!("outcome `{}` has neither arm data (binary, continuous, median) nor a reported effect", o.id), false);
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
        role: role.unwrap_or(Role::Secondary),
        timepoint: o.timepoint.clone(),
        direction: direction.unwrap_or(Direction::LowerIsBetter),
        data,
        reported,
        note: o.note.clone(),
        unit: o.unit.clone(),
        column: if csv.is_some() { 1 } else { cx.locate(p).1 },
        registered_as_at: match (&o.registered_as, csv) {
            (Some(_), None) => cx.locate(&format!("{p}.registered_as")),
            _ => (origin.1, 1),
        },
        origin,
        source: super::Source::Paper,
        registered_as: o.registered_as.clone(),
        direction_known: true,
    })
}

/// The outcome's role (secondary when not written); `None` after an error
/// for an unknown one.
fn role(cx: &mut Cx, w: &Place, o: &RawOutcome) -> Option<Role> {
    Some(
        match o.role.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("secondary") => Role::Secondary,
            Some("primary") => Role::Primary,
            Some("safety") => Role::Safety,
            Some("exploratory") | Some("post-hoc") => Role::Exploratory,
            Some(r) => {
                let d = w.at(
                    cx,
                    &format!("{}.role", w.p),
                    format!("unknown role `{r}`"),
                    false,
                );
                hint(d, "use primary, secondary, safety or exploratory");
                return None;
            }
        },
    )
}

/// Which way is good (lower when not written); `None` after an error for
/// an unknown direction.
fn direction(cx: &mut Cx, w: &Place, o: &RawOutcome) -> Option<Direction> {
    Some(match o.direction.as_deref() {
        None | Some("lower-is-better") => Direction::LowerIsBetter,
        Some("higher-is-better") => Direction::HigherIsBetter,
        Some(d) => {
            let dg = w.at(
                cx,
                &format!("{}.direction", w.p),
                format!("unknown direction `{d}`"),
                false,
            );
            hint(
                dg,
                "use lower-is-better (events are bad, the default) or higher-is-better",
            );
            return None;
        }
    })
}

/// The per-arm data, in arm order; `None` (after errors) when it names an
/// arm the trial does not have.
fn arm_data(cx: &mut Cx, w: &Place, o: &RawOutcome, ok: &mut bool) -> Option<OutcomeData> {
    Some(if let Some(b) = &o.binary {
        OutcomeData::Binary(per_arm(cx, w, "binary", b, ok, binary_count)?)
    } else if let Some(c) = &o.continuous {
        OutcomeData::Continuous(per_arm(cx, w, "continuous", c, ok, mean_sd)?)
    } else if let Some(m) = &o.median {
        OutcomeData::Median(per_arm(cx, w, "median", m, ok, median_iqr)?)
    } else {
        OutcomeData::None
    })
}

/// The values written under `key`, one entry per arm in arm order (`None`
/// for an arm not given), each checked by `check`; a bad value clears `ok`
/// and leaves the arm's entry out. `None` (after errors) when an arm id is
/// not one of the trial's.
fn per_arm<R, T>(
    cx: &mut Cx,
    w: &Place,
    key: &str,
    values: &BTreeMap<String, R>,
    ok: &mut bool,
    check: impl Fn(&mut Cx, &Place, &Arm, &R) -> Option<T>,
) -> Option<Vec<Option<T>>> {
    if !known_arms(cx, w, key, values.keys().collect()) {
        return None;
    }
    let mut v = Vec::new();
    for a in w.arms {
        match values.get(&a.id) {
            None => v.push(None),
            Some(x) => match check(cx, w, a, x) {
                Some(t) => v.push(Some(t)),
                None => *ok = false,
            },
        }
    }
    Some(v)
}

/// Whether every arm id in `keys` (of the data under `key`) is one of the
/// trial's; an error for each that is not.
fn known_arms(cx: &mut Cx, w: &Place, key: &str, keys: Vec<&String>) -> bool {
    let mut good = true;
    for k in keys {
        if !w.arm_ids.contains(&k.as_str()) {
            if w.csv.is_some() {
                w.at(
                    cx,
                    "",
                    format!(
                        "there is no arm `{k}` in this trial (arms: {})",
                        w.arm_ids.join(", ")
                    ),
                    false,
                );
            } else {
                unknown_arm(cx, &format!("{}.{key}.{k}", w.p), k, w.arm_ids);
            }
            good = false;
        }
    }
    good
}

/// One arm's events/total, checked (not negative, events ≤ total, a total
/// above 0 and within the limit); warnings for more analysed than
/// randomised and for a printed percentage that does not match. `None`
/// after an error.
fn binary_count(cx: &mut Cx, w: &Place, a: &Arm, c: &RawCount) -> Option<Count> {
    let path = format!("{}.binary.{}", w.p, a.id);
    // In the long form each problem is reported at its own value's line.
    let (e_path, t_path) = match c {
        RawCount::Long { .. } => (format!("{path}.events"), format!("{path}.total")),
        RawCount::Text(_) => (path.clone(), path.clone()),
    };
    let (e, t, printed_pct) = raw_count(cx, w, c, &path, &e_path, &t_path)?;
    if e < 0 || t < 0 {
        w.at(
            cx,
            if e < 0 { &e_path } else { &t_path },
            format!("counts cannot be negative ({e}/{t})"),
            false,
        );
        return None;
    }
    if e > t {
        let d = w.at(
            cx,
            &e_path,
            format!("{e} events out of {t}: events exceed the total"),
            false,
        );
        hint(d, "check the order: events first, then the number analysed");
        return None;
    }
    if t == 0 {
        w.at(cx, &t_path, "the total is 0".into(), false);
        return None;
    }
    if too_many(cx, w.csv, w.line, &t_path, t as u64) {
        return None;
    }
    if let Some(n) = a.n {
        if t as u64 > n {
            w.at(
                cx,
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
        if crate::stats::check::percentage_matches(e as u64, t as u64, pct, dec) == Some(false) {
            let d = w.at(
                cx,
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
    Some(Count {
        events: e as u64,
        total: t as u64,
    })
}

/// A count as written, in either form, with its printed percentage;
/// `None` after an error when it is not a count of whole numbers.
fn raw_count(
    cx: &mut Cx,
    w: &Place,
    c: &RawCount,
    path: &str,
    e_path: &str,
    t_path: &str,
) -> Option<ParsedCount> {
    match c {
        RawCount::Long { events, total } => {
            let e = whole(cx, w.csv, w.line, e_path, "events", *events);
            let t = whole(cx, w.csv, w.line, t_path, "total", *total);
            Some((e?, t?, None))
        }
        RawCount::Text(s) => match parse_count(s) {
            Ok(v) => Some(v),
            Err(fraction) => {
                let msg = if fraction {
                    format!("`{s}`: counts must be whole numbers")
                } else {
                    format!("`{s}` is not a count")
                };
                let d = w.at(cx, path, msg, false);
                hint(d, "write events/total, e.g. 89/258");
                None
            }
        },
    }
}

/// One arm's mean/SD/n: SD and n not negative, finite numbers, n within
/// the limit; `None` after an error.
fn mean_sd(cx: &mut Cx, w: &Place, a: &Arm, m: &RawMeanSd) -> Option<MeanSd> {
    let path = format!("{}.continuous.{}", w.p, a.id);
    if m.sd < 0.0 || m.n < 0 || !m.mean.is_finite() || !m.sd.is_finite() {
        w.at(cx, &path, "SD and n cannot be negative".into(), false);
        return None;
    }
    if too_many(cx, w.csv, w.line, &format!("{path}.n"), m.n as u64) {
        return None;
    }
    Some(MeanSd {
        mean: m.mean,
        sd: m.sd,
        n: m.n as u64,
    })
}

/// One arm's median/IQR: the median between its quartiles, n within the
/// limit; `None` after an error.
fn median_iqr(cx: &mut Cx, w: &Place, a: &Arm, m: &RawMedian) -> Option<MedianIqr> {
    if !(m.q1 <= m.median && m.median <= m.q3) {
        w.at(
            cx,
            &format!("{}.median.{}", w.p, a.id),
            format!(
                "the median {} is not between its quartiles {} and {}",
                m.median, m.q1, m.q3
            ),
            false,
        );
        return None;
    }
    if let Some(n) = m.n.filter(|n| *n >= 0) {
        let path = format!("{}.median.{}.n", w.p, a.id);
        if too_many(cx, w.csv, w.line, &path, n as u64) {
            return None;
        }
    }
    Some(MedianIqr {
        median: m.median,
        q1: m.q1,
        q3: m.q3,
        n: m.n.filter(|n| *n >= 0).map(|n| n as u64),
    })
}

/// The printed effects that are valid and fit the arm `data`; a bad one
/// clears `ok`.
fn reported(
    cx: &mut Cx,
    w: &Place,
    o: &RawOutcome,
    data: &OutcomeData,
    ok: &mut bool,
) -> Vec<super::Reported> {
    let mut reported = Vec::new();
    let raw: Vec<RawReported> = o.reported.clone().map(|r| r.into_vec()).unwrap_or_default();
    let many = raw.len() > 1;
    for (i, r) in raw.iter().enumerate() {
        let rp = if many {
            format!("{}.reported[{i}]", w.p)
        } else {
            format!("{}.reported", w.p)
        };
        let Some(x) = reported_effect(cx, w.csv, w.line, &rp, r) else {
            *ok = false;
            continue;
        };
        // A measure the arm data cannot give is a slip, unless the
        // author says how the paper computed it.
        let misfit = measure_misfit(x.measure, data).filter(|_| x.method.is_none() && !x.adjusted);
        if let Some(needs) = misfit {
            let d = w.at(
                cx,
                &format!("{rp}.measure"),
                format!(
                    "a printed {} does not fit this outcome's {} data: it needs {needs}",
                    x.measure.short(),
                    data_kind(data)
                ),
                false,
            );
            hint(d, "correct the measure, give the arm data it is computed from, or say how the paper computed it (`method:`)");
            *ok = false;
        } else {
            reported.push(x);
        }
    }
    reported
}

/// Report (and return true) when the arm data cover one arm only of two or
/// more: a comparison needs two arms with data, never an arm with itself.
fn one_arm_only(cx: &mut Cx, w: &Place, o: &RawOutcome, data: &OutcomeData) -> bool {
    let (kind_key, with_data) = match data {
        OutcomeData::Binary(v) => ("binary", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::Continuous(v) => ("continuous", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::Median(v) => ("median", v.iter().filter(|x| x.is_some()).count()),
        OutcomeData::None => ("", 2),
    };
    if with_data != 1 || w.arms.len() < 2 {
        return false;
    }
    let d = w.at(
        cx,
        &format!("{}.{kind_key}", w.p),
        format!(
            "outcome `{}` has {kind_key} data for one arm only: a comparison needs two",
            o.id
        ),
        false,
    );
    hint(
        d,
        format!("give the data of each arm ({})", w.arm_ids.join(", ")),
    );
    true
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
pub(super) fn whole(
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
