//! The statistics on arbitrary counts: 2x2 tables and continuous arm
//! summaries derived from the input go through every effect, test, index
//! and pooling function. Nothing may panic, and whatever is returned must
//! be what the functions promise: finite estimates and standard errors,
//! ordered limits, p values in [0, 1], fragility indices no larger than
//! the trial.
#![no_main]

use appraise::stats::binary::{self, Effect, RdMethod, TestResult, TwoByTwo};
use appraise::stats::continuous::{self, ArmSummary};
use appraise::stats::meta::{self, BinaryMeasure, MetaResult, MetaSettings, Preset, Study};
use appraise::stats::reported::Scale;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

/// A count, mostly of trial size, sometimes at or past the model's limit
/// of 10^9 patients per arm (the statistics must still answer in bounded
/// time, or say `None`).
#[derive(Debug, Arbitrary)]
enum Count {
    Small(u8),
    Trial(u16),
    Large(u32),
    Huge(u64),
}

impl Count {
    fn get(&self) -> u64 {
        match *self {
            Count::Small(x) => x as u64,
            Count::Trial(x) => x as u64,
            Count::Large(x) => x as u64 % 1_000_000_001,
            Count::Huge(x) => x,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Arm {
    events: Count,
    /// Patients beside the events (total = events + others).
    others: Count,
}

#[derive(Debug, Arbitrary)]
struct Table {
    exp: Arm,
    ctl: Arm,
}

impl Table {
    fn get(&self) -> Option<TwoByTwo> {
        let (a, b) = (self.exp.events.get(), self.exp.others.get());
        let (c, d) = (self.ctl.events.get(), self.ctl.others.get());
        TwoByTwo::new(a, a.checked_add(b)?, c, c.checked_add(d)?)
    }
}

#[derive(Debug, Arbitrary)]
struct Summary {
    mean: f64,
    sd: f64,
    n: Count,
}

#[derive(Debug, Arbitrary)]
struct Input {
    tables: Vec<Table>,
    exp: Summary,
    ctl: Summary,
    studies: Vec<(f64, f64)>,
    level: u8,
    harmful: bool,
}

fn p_ok(p: f64, what: &str) {
    assert!((0.0..=1.0).contains(&p), "{what}: p = {p}");
}

fn check_effect(e: &Effect, what: &str) {
    assert!(e.estimate.is_finite(), "{what}: {e:?}");
    assert!(e.se.is_finite() && e.se >= 0.0, "{what}: {e:?}");
    assert!(!e.lower.is_nan() && !e.upper.is_nan(), "{what}: {e:?}");
    assert!(e.lower <= e.upper, "{what}: {e:?}");
    p_ok(e.p_value, what);
}

fn check_test(t: &TestResult, what: &str) {
    assert!(!t.statistic.is_nan(), "{what}: {t:?}");
    p_ok(t.p_value, what);
}

fn check_meta(m: &MetaResult, k: usize, what: &str) {
    assert!(m.k >= 1 && m.k <= k, "{what}: k = {} of {k}", m.k);
    for p in std::iter::once(m.common).chain(m.random) {
        assert!(!p.lower.is_nan() && !p.upper.is_nan(), "{what}: {p:?}");
        assert!(p.lower <= p.upper, "{what}: {p:?}");
        assert!(!p.estimate.is_nan(), "{what}: {p:?}");
        p_ok(p.p_value, what);
    }
    let h = &m.heterogeneity;
    assert!(h.tau2 >= 0.0 && !h.tau2.is_nan(), "{what}: {h:?}");
    if let Some(p) = h.p_q {
        p_ok(p, what);
    }
    for i2 in [h.i2, h.i2_q].into_iter().flatten() {
        assert!((0.0..=100.0).contains(&i2), "{what}: {h:?}");
    }
    if let Some(pi) = m.prediction {
        assert!(!(pi.lower > pi.upper), "{what}: {pi:?}");
    }
    assert_eq!(m.weights_percent.len(), m.k, "{what}");
    let _ = m.headline();
}

fuzz_target!(|input: Input| {
    let level = [0.95, 0.9, 0.99, 0.5, 0.0, 1.0][input.level as usize % 6];
    let tables: Vec<TwoByTwo> = input.tables.iter().take(8).filter_map(Table::get).collect();
    for t in &tables {
        let n = t.exp_total.saturating_add(t.ctl_total);
        if let Some((p1, p2)) = binary::arm_risks(t, level) {
            for p in [p1, p2] {
                assert!((0.0..=1.0).contains(&p.estimate), "{t:?}: {p:?}");
                assert!(p.lower <= p.upper, "{t:?}: {p:?}");
            }
        }
        if let Some(e) = binary::risk_ratio(t, level) {
            check_effect(&e, "RR");
        }
        if let Some(e) = binary::odds_ratio(t, level) {
            check_effect(&e, "OR");
        }
        for m in RdMethod::ALL {
            if let Some(e) = binary::risk_difference(t, m, level) {
                check_effect(&e, m.label());
                assert!((-1.0..=1.0).contains(&e.estimate), "{t:?}: {e:?}");
                if let Some(nnt) = binary::nnt(&e, input.harmful) {
                    let _ = nnt.to_string();
                }
            }
        }
        for yates in [false, true] {
            if let Some(r) = binary::chi_square(t, yates) {
                check_test(&r, "chi-square");
            }
        }
        if let Some(r) = binary::fisher_exact(t) {
            check_test(&r, "Fisher");
        }
        if let Some(f) = binary::fragility_index(t) {
            assert!(f >= 1 && f <= n, "{t:?}: fragility {f}");
        }
        if let Some(f) = binary::reverse_fragility_index(t) {
            assert!(f >= 1 && f <= n, "{t:?}: reverse fragility {f}");
        }
    }

    let arm = |s: &Summary| ArmSummary {
        mean: s.mean,
        sd: s.sd,
        n: s.n.get(),
    };
    let (exp, ctl) = (arm(&input.exp), arm(&input.ctl));
    for (name, e) in [
        ("MD", continuous::mean_difference(&exp, &ctl, level)),
        ("MD t", continuous::mean_difference_t(&exp, &ctl, level)),
        ("Hedges g", continuous::hedges_g(&exp, &ctl, level)),
    ] {
        if let Some(e) = e {
            check_effect(&e, name);
        }
    }
    if let Some(r) = continuous::welch_t_test(&exp, &ctl) {
        check_test(&r, "Welch");
    }

    let mut settings: Vec<MetaSettings> = [Preset::Revman5, Preset::Cochrane2025, Preset::Metafor]
        .into_iter()
        .map(MetaSettings::preset)
        .collect();
    settings.extend(
        meta::MODEL_NAMES
            .iter()
            .map(|n| MetaSettings::parse(n).unwrap()),
    );
    for s in settings.iter_mut() {
        s.level = level;
    }
    let some_tables = &tables[..tables.len().min(6)];
    for measure in [
        BinaryMeasure::RiskRatio,
        BinaryMeasure::OddsRatio,
        BinaryMeasure::RiskDifference,
    ] {
        for s in &settings {
            if let Some(m) = meta::pool_binary(some_tables, measure, s) {
                check_meta(&m, some_tables.len(), &s.name);
            }
        }
        let studies: Vec<Study> = some_tables
            .iter()
            .filter_map(|t| meta::binary_study(t, measure))
            .collect();
        let scale = if measure == BinaryMeasure::RiskDifference {
            Scale::Difference
        } else {
            Scale::Ratio
        };
        if let Some(m) = meta::pool(&studies, scale, &settings[1]) {
            check_meta(&m, studies.len(), "pool");
        }
    }
    let studies: Vec<Study> = input
        .studies
        .iter()
        .take(8)
        .map(|&(yi, vi)| Study { yi, vi })
        .collect();
    for s in &settings {
        for scale in [Scale::Ratio, Scale::Difference] {
            if let Some(m) = meta::pool(&studies, scale, s) {
                check_meta(&m, studies.len(), &s.name);
            }
        }
    }
    for m in meta::cumulative_binary(some_tables, BinaryMeasure::RiskRatio, &settings[1])
        .into_iter()
        .flatten()
    {
        check_meta(&m, some_tables.len(), "cumulative");
    }
});
