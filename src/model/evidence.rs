//! The author's judgements about a topic analysis's evidence, validated:
//! the assumptions of its trial sequential analysis (`tsa:`) and the GRADE
//! certainty with a reason for each step down (`sof:`). The numbers these
//! lead to are the analyse stage's; the wording of a certainty is
//! [`crate::present`]'s.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::Serialize;

use super::context::{hint, Cx};
use super::Measure;
use crate::diag::did_you_mean;
use crate::parse::front_matter::{RawHeterogeneity, RawRatedDown, RawSof, RawTsa};

/// Default two-sided type I error of a trial sequential analysis.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Default type II error (power 80%).
pub const DEFAULT_BETA: f64 = 0.20;

/// The stated assumptions of a trial sequential analysis.
#[derive(Debug, Clone, Copy, PartialEq, BorshSerialize, BorshDeserialize)]
pub struct TsaSpec {
    /// Control event proportion.
    pub control_risk: f64,
    /// Relative risk reduction to detect.
    pub rrr: f64,
    /// Two-sided type I error.
    pub alpha: f64,
    /// Type II error.
    pub beta: f64,
    /// How the information size is corrected for heterogeneity.
    pub heterogeneity: Correction,
}

/// The heterogeneity correction of the information size.
#[derive(Debug, Clone, Copy, PartialEq, BorshSerialize, BorshDeserialize)]
pub enum Correction {
    /// D² computed from the pooled trials (Wetterslev et al. 2009).
    Diversity,
    /// A D² the author fixes.
    Fixed(f64),
}

/// GRADE certainty of the evidence.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    BorshSerialize,
    BorshDeserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Certainty {
    /// Further research is very unlikely to change confidence in the effect.
    High,
    /// One step down.
    Moderate,
    /// Two steps down.
    Low,
    /// Three or more steps down.
    VeryLow,
}

/// The names `certainty:` takes, in order from high.
pub const CERTAINTY_NAMES: [&str; 4] = ["high", "moderate", "low", "very-low"];

impl Certainty {
    /// From its front-matter name.
    pub fn parse(s: &str) -> Option<Certainty> {
        match s.trim().to_ascii_lowercase().as_str() {
            "high" => Some(Certainty::High),
            "moderate" => Some(Certainty::Moderate),
            "low" => Some(Certainty::Low),
            "very-low" => Some(Certainty::VeryLow),
            _ => None,
        }
    }
    /// Steps down from high (3 for very low, which may be more).
    pub fn steps(self) -> u32 {
        self as u32
    }
}

/// A GRADE domain for which certainty is rated down.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, BorshSerialize, BorshDeserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Domain {
    /// Risk of bias in the trials.
    RiskOfBias,
    /// Unexplained differences between the trials' results.
    Inconsistency,
    /// Population, intervention or outcome not the question asked.
    Indirectness,
    /// Too few patients or events; a CI that includes important effects.
    Imprecision,
    /// Trials missing from the evidence.
    PublicationBias,
}

/// The names `domain:` takes.
pub const DOMAIN_NAMES: [&str; 5] = [
    "risk-of-bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication-bias",
];

impl Domain {
    /// From its front-matter name.
    pub fn parse(s: &str) -> Option<Domain> {
        let i = DOMAIN_NAMES.iter().position(|n| *n == s.trim())?;
        Some(
            [
                Domain::RiskOfBias,
                Domain::Inconsistency,
                Domain::Indirectness,
                Domain::Imprecision,
                Domain::PublicationBias,
            ][i],
        )
    }
}

/// One reason for rating down.
#[derive(Debug, Clone, PartialEq, Serialize, BorshSerialize, BorshDeserialize)]
pub struct RatedDown {
    /// The domain.
    pub domain: Domain,
    /// 1 (serious) or 2 (very serious).
    pub levels: u32,
    /// The author's reason.
    pub reason: String,
}

/// The author's part of a summary of findings.
#[derive(Debug, Clone, PartialEq, BorshSerialize, BorshDeserialize)]
pub struct SofSpec {
    /// An assumed control risk the author gives.
    pub control_risk: Option<f64>,
    /// The certainty.
    pub certainty: Certainty,
    /// The reasons for rating down, one per domain.
    pub rated_down: Vec<RatedDown>,
}

/// Whether `m` is a binary measure, else an error at `p` that `what` needs one.
fn binary(cx: &mut Cx, p: &str, m: Measure, what: &str) -> bool {
    if matches!(m, Measure::RR | Measure::OR | Measure::RD) {
        return true;
    }
    let d = cx.error(
        p,
        format!(
            "{what} needs a binary measure (RR, OR or RD), not {}",
            m.short()
        ),
    );
    hint(
        d,
        format!(
            "remove `{}` from this analysis",
            p.rsplit('.').next().unwrap_or(p)
        ),
    );
    false
}

/// The number at `path` if it lies in (lo, hi); an error there otherwise.
fn in_range(cx: &mut Cx, path: &str, x: f64, lo: f64, hi: f64, example: &str) -> Option<f64> {
    if x > lo && x < hi {
        return Some(x);
    }
    let key = path.rsplit('.').next().unwrap_or(path);
    let d = cx.error(
        path,
        format!("`{key}` must be between {lo} and {hi} (exclusive), not {x}"),
    );
    hint(d, example.to_string());
    None
}

/// The validated `tsa:` block of the analysis at `p`; `None` after an error.
pub(super) fn tsa(cx: &mut Cx, p: &str, t: &RawTsa, m: Measure) -> Option<TsaSpec> {
    let p = format!("{p}.tsa");
    if !binary(cx, &p, m, "a trial sequential analysis") {
        return None;
    }
    let need = |cx: &mut Cx, v: Option<f64>, key: &str, example: &str| {
        if v.is_none() {
            let d = cx.error(&p, format!("`tsa` needs `{key}`"));
            hint(d, example.to_string());
        }
        v
    };
    let cr = need(
        cx,
        t.control_risk,
        "control_risk",
        "the control event proportion, e.g. control_risk: 0.31 for 31%",
    );
    let rrr = need(
        cx,
        t.rrr,
        "rrr",
        "the relative risk reduction to detect, e.g. rrr: 0.2 for 20%",
    );
    // (key, value, upper limit, hint) of each number, all checked.
    let checks = [
        ("control_risk", cr, 1.0, "a proportion: write 31% as 0.31"),
        ("rrr", rrr, 1.0, "a 20% relative risk reduction is rrr: 0.2"),
        (
            "alpha",
            Some(t.alpha.unwrap_or(DEFAULT_ALPHA)),
            0.5,
            "the two-sided type I error, usually alpha: 0.05",
        ),
        (
            "beta",
            Some(t.beta.unwrap_or(DEFAULT_BETA)),
            0.5,
            "the type II error, e.g. beta: 0.2 for 80% power",
        ),
    ];
    let [cr, rrr, alpha, beta] = checks.map(|(key, v, hi, example)| {
        v.and_then(|x| in_range(cx, &format!("{p}.{key}"), x, 0.0, hi, example))
    });
    let het = correction(cx, &format!("{p}.heterogeneity"), t.heterogeneity.as_ref());
    Some(TsaSpec {
        control_risk: cr?,
        rrr: rrr?,
        alpha: alpha?,
        beta: beta?,
        heterogeneity: het?,
    })
}

/// `heterogeneity:` at `path`: D² from the data unless a fixed D² is given.
fn correction(cx: &mut Cx, path: &str, h: Option<&RawHeterogeneity>) -> Option<Correction> {
    let example = "write D2 to compute D² from the trials, or a fixed D² from 0 to below 1, e.g. heterogeneity: 0.25";
    match h {
        None => Some(Correction::Diversity),
        Some(RawHeterogeneity::Named(s)) if s.trim().eq_ignore_ascii_case("d2") => {
            Some(Correction::Diversity)
        }
        Some(RawHeterogeneity::Named(s)) => {
            let d = cx.error(path, format!("unknown heterogeneity correction `{s}`"));
            hint(d, example);
            None
        }
        Some(RawHeterogeneity::Fixed(x)) if (0.0..1.0).contains(x) => Some(Correction::Fixed(*x)),
        Some(RawHeterogeneity::Fixed(x)) => {
            let d = cx.error(
                path,
                format!("`heterogeneity` must be a D² from 0 to below 1, not {x}"),
            );
            hint(d, example);
            None
        }
    }
}

/// The validated `sof:` block of the analysis at `p`; `None` after an error.
pub(super) fn sof(cx: &mut Cx, p: &str, s: &RawSof, m: Measure) -> Option<SofSpec> {
    let p = format!("{p}.sof");
    if !binary(cx, &p, m, "a summary of findings") {
        return None;
    }
    let control_risk = match s.control_risk {
        None => Ok(None),
        Some(x) => in_range(
            cx,
            &format!("{p}.control_risk"),
            x,
            0.0,
            1.0,
            "a proportion: write 31% as 0.31",
        )
        .map(Some)
        .ok_or(()),
    };
    let certainty = certainty(cx, &p, s.certainty.as_deref());
    let mut reasons = Vec::new();
    let mut ok = true;
    for (i, r) in s.rated_down.iter().enumerate() {
        match rated_down(cx, &format!("{p}.rated_down[{i}]"), r, &reasons) {
            Some(x) => reasons.push(x),
            None => ok = false,
        }
    }
    let certainty = certainty?;
    if ok {
        steps_match(cx, &p, certainty, &reasons)?;
    }
    Some(SofSpec {
        control_risk: control_risk.ok()?,
        certainty,
        rated_down: ok.then_some(reasons)?,
    })
}

/// The `certainty:` of the block at `p`, or an error.
fn certainty(cx: &mut Cx, p: &str, c: Option<&str>) -> Option<Certainty> {
    let names = CERTAINTY_NAMES.join(", ");
    let Some(c) = c else {
        let d = cx.error(p, "`sof` needs `certainty`");
        hint(d, format!("your GRADE judgement: one of {names}"));
        return None;
    };
    let x = Certainty::parse(c);
    if x.is_none() {
        let d = cx.error(
            &format!("{p}.certainty"),
            format!("unknown certainty `{c}`"),
        );
        match did_you_mean(c, &CERTAINTY_NAMES) {
            Some(s) => hint(d, format!("did you mean `{s}`? Use one of {names}")),
            None => hint(d, format!("use one of {names}")),
        }
    }
    x
}

/// One `rated_down` entry at `p`, given the entries before it; `None`
/// after an error.
fn rated_down(cx: &mut Cx, p: &str, r: &RawRatedDown, before: &[RatedDown]) -> Option<RatedDown> {
    let names = DOMAIN_NAMES.join(", ");
    let Some(domain) = Domain::parse(&r.domain) else {
        let d = cx.error(
            &format!("{p}.domain"),
            format!("unknown GRADE domain `{}`", r.domain),
        );
        match did_you_mean(&r.domain, &DOMAIN_NAMES) {
            Some(s) => hint(d, format!("did you mean `{s}`? Use one of {names}")),
            None => hint(d, format!("use one of {names}")),
        }
        return None;
    };
    if before.iter().any(|b| b.domain == domain) {
        let d = cx.error(
            &format!("{p}.domain"),
            format!("`{}` is rated down twice", r.domain.trim()),
        );
        hint(
            d,
            "give one entry per domain, with levels: 2 for a very serious concern",
        );
        return None;
    }
    let levels = r.levels.unwrap_or(1);
    if !(1..=2).contains(&levels) {
        let d = cx.error(
            &format!("{p}.levels"),
            format!("`levels` must be 1 (serious) or 2 (very serious), not {levels}"),
        );
        hint(d, "a domain rates the certainty down one or two steps");
        return None;
    }
    if r.reason.trim().is_empty() {
        let d = cx.error(
            p,
            format!("rating down for `{}` needs a `reason`", r.domain.trim()),
        );
        hint(
            d,
            "say in a sentence why, e.g. reason: \"the CI includes both benefit and harm\"",
        );
        return None;
    }
    Some(RatedDown {
        domain,
        levels,
        reason: r.reason.trim().to_string(),
    })
}

/// An error at `p.certainty` unless the steps down add up to the level.
fn steps_match(cx: &mut Cx, p: &str, c: Certainty, reasons: &[RatedDown]) -> Option<()> {
    let given: u32 = reasons.iter().map(|r| r.levels).sum();
    let want = c.steps();
    let fits = if c == Certainty::VeryLow {
        given >= want
    } else {
        given == want
    };
    if fits {
        return Some(());
    }
    let steps = |n: u32| match n {
        1 => "1 step".to_string(),
        n => format!("{n} steps"),
    };
    let name = CERTAINTY_NAMES[c as usize];
    let at_least = if c == Certainty::VeryLow {
        "at least "
    } else {
        ""
    };
    let level = match want {
        0 => "rates nothing down".to_string(),
        n => format!("is {at_least}{} down from high", steps(n)),
    };
    let d = cx.error(
        &format!("{p}.certainty"),
        format!(
            "certainty `{name}` {level}, but `rated_down` gives {}",
            steps(given)
        ),
    );
    hint(
        d,
        "give a reason for each step down (levels: 2 counts two), or change the certainty",
    );
    None
}
