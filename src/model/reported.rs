//! An effect as the paper printed it (`reported:` of an outcome): the
//! measure, the estimate and its CI as typed (with their decimals, never in
//! exponent form), and the p value ([`PValue::parse`], the one reader of a
//! printed p).

use super::context::{at, hint, Cx};
use super::{Measure, PValue, Reported};
use crate::diag::Diagnostic;
use crate::parse::front_matter::{Printed, RawReported};

impl PValue {
    /// A p value as printed: `0.43`, `P = 0.50`, `<0.001`, `≤ 0.05`,
    /// `>0.99`, with the decimals typed; `None` when no number is found
    /// (any number: whether it lies in [0, 1] is the caller's check).
    pub fn parse(text: &str) -> Option<PValue> {
        let mut t = text.trim();
        if let Some(rest) = t.strip_prefix(['P', 'p']) {
            t = rest.trim_start();
        }
        let (relation, rest) = if let Some(x) = t.strip_prefix('<').or_else(|| t.strip_prefix('≤'))
        {
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
}

/// Where one printed effect is written: its front-matter path `rp`
/// (`trial.outcomes[0].reported`), or `line` of the CSV file `csv`.
struct Here<'a> {
    csv: Option<&'a str>,
    line: usize,
    rp: &'a str,
}

impl Here<'_> {
    /// An error at the effect's `key` (`estimate`, `ci`, `p`, `measure`).
    fn error<'c>(&self, cx: &'c mut Cx, key: &str, msg: String) -> &'c mut Diagnostic {
        at(
            cx,
            self.csv,
            self.line,
            &format!("{}.{key}", self.rp),
            msg,
            false,
        )
    }
}

/// The typed printed effect `r`, written at `rp` (or at `line` of `csv`);
/// `None` when it has errors (all of them reported).
pub(super) fn reported_effect(
    cx: &mut Cx,
    csv: Option<&str>,
    line: usize,
    rp: &str,
    r: &RawReported,
) -> Option<Reported> {
    let here = Here { csv, line, rp };
    let Some(measure) = Measure::parse(&r.measure) else {
        let d = here.error(cx, "measure", format!("unknown measure `{}`", r.measure));
        hint(d, format!("use {}", Measure::NAMES));
        return None;
    };
    if has_exponent(cx, &here, r) {
        return None;
    }
    let Some(estimate) = r.estimate.number() else {
        here.error(
            cx,
            "estimate",
            format!("the estimate `{}` is not a number", r.estimate.0),
        );
        return None;
    };
    let mut ok = true;
    let ci = ci(cx, &here, r, measure, estimate, &mut ok);
    if measure.is_ratio() && estimate <= 0.0 {
        here.error(
            cx,
            "estimate",
            format!("a {} must be above 0", measure.long().to_lowercase()),
        );
        ok = false;
    }
    let p = p_value(cx, &here, r, &mut ok);
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

/// Report (and return true) when a printed number is in exponent form
/// (5.4e-1), which hides the decimals printed: an error for each.
fn has_exponent(cx: &mut Cx, here: &Here, r: &RawReported) -> bool {
    let mut exponent = false;
    let printed = std::iter::once((&r.estimate, "estimate"))
        .chain(r.ci.iter().flatten().map(|x| (x, "ci")))
        .chain(r.p.iter().map(|x| (x, "p")));
    for (x, key) in printed {
        if x.0.contains(['e', 'E']) && x.0.chars().any(|c| c.is_ascii_digit()) {
            let d = here.error(
                cx,
                key,
                format!(
                    "`{}`: write the number as the paper printed it, without an exponent",
                    x.0
                ),
            );
            hint(
                d,
                "e.g. 0.54 rather than 5.4e-1, so its decimals are those printed",
            );
            exponent = true;
        }
    }
    exponent
}

/// The CI's bounds with the decimals of each, checked: two numbers, lower
/// below upper, containing the estimate, above 0 for a ratio. An error
/// clears `ok`; the bounds are still returned when there are two.
fn ci(
    cx: &mut Cx,
    here: &Here,
    r: &RawReported,
    measure: Measure,
    estimate: f64,
    ok: &mut bool,
) -> Option<((f64, f64), (u32, u32))> {
    let bounds = r.ci.as_ref().map(|v| {
        v.iter()
            .map(|x| x.number().map(|n| (n, x.decimals())))
            .collect::<Option<Vec<_>>>()
    });
    match bounds {
        None => None,
        Some(Some(v)) if v.len() == 2 => {
            let ((lo, dlo), (hi, dhi)) = (v[0], v[1]);
            if lo > hi {
                let d = here.error(
                    cx,
                    "ci",
                    format!("the CI's lower bound {lo} is above its upper bound {hi}"),
                );
                hint(d, "write the interval as [lower, upper]");
                *ok = false;
            } else if estimate < lo || estimate > hi {
                here.error(
                    cx,
                    "estimate",
                    format!("the estimate {estimate} lies outside its CI [{lo}, {hi}]"),
                );
                *ok = false;
            } else if measure.is_ratio() && lo <= 0.0 {
                here.error(
                    cx,
                    "ci",
                    format!(
                        "a {} and its CI must be above 0",
                        measure.long().to_lowercase()
                    ),
                );
                *ok = false;
            }
            Some(((lo, hi), (dlo, dhi)))
        }
        Some(_) => {
            let d = here.error(cx, "ci", "a CI needs exactly two numbers".into());
            hint(d, "write ci: [lower, upper]");
            *ok = false;
            None
        }
    }
}

/// The printed p value, in [0, 1]; an error clears `ok`.
fn p_value(cx: &mut Cx, here: &Here, r: &RawReported, ok: &mut bool) -> Option<PValue> {
    let text = r.p.as_ref()?;
    match PValue::parse(&text.0) {
        Some(pv) if (0.0..=1.0).contains(&pv.value) => Some(pv),
        Some(pv) => {
            here.error(cx, "p", format!("p = {} is outside [0, 1]", pv.value));
            *ok = false;
            None
        }
        None => {
            let d = here.error(cx, "p", format!("`{}` is not a p value", text.0));
            hint(d, "write a number such as 0.43, or \"<0.001\"");
            *ok = false;
            None
        }
    }
}
