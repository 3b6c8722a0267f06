//! Fisher's exact test of a 2x2 table and the fragility and reverse
//! fragility indices, which search for the smallest change of events that
//! crosses p = 0.05 by running the test on many neighbouring tables.
//!
//! What keeps the searches cheap without changing any result:
//! - ln-factorials come from one process-wide table (`LnFact`), filled in
//!   blocks on first use and shared by every search and thread;
//! - a search only needs to know whether p is below 0.05, so
//!   `fisher_below` stops summing a table's tails as soon as the partial
//!   sum, or a bound on what remains, settles that with a wide margin; it
//!   sums on to the same p as [`fisher_exact`] computes with the table
//!   whenever the margin is not wide enough;
//! - a search with several directions steps them all at once
//!   (`first_k_of`), and each test finds the ends of its run of likelier
//!   tables from the observed table (`Hyper::edge_near`,
//!   `Hyper::edge_from`) instead of bisecting the whole range.
//!
//! The p value printed for a trial is [`fisher_exact`], from `ln_gamma`.
//! Where that sum of logs lands within a relative 10⁻⁹ of 0.05 (so that
//! its rounding could put it on the wrong side) and the table is small
//! enough to count in whole numbers (C(n, m) below 2¹²¹), p is instead
//! the exact fraction of tables (`exact_fraction`), rounded once, and
//! always on the side of 0.05 the fraction is on. A table such as 2/2
//! against 4/23 has p = 15/300 = 0.05 exactly, which the sum of logs put
//! just under 0.05, calling it significant. The same rule decides the
//! fragility searches' tests.
//! No crate fits: `num-rational`/`num-bigint` would do the arithmetic, but
//! the sums need only u128, a gcd and a tie rule, and no allocation.

use std::sync::OnceLock;

use super::binary::{TestResult, TwoByTwo};
use super::dist::ln_gamma;

/// Largest `exp_total + ctl_total` for which Fisher's exact test and the
/// fragility indices are computed (2³², four times the model's limit of
/// 10⁹ patients per arm).
pub const MAX_EXACT_TOTAL: u64 = 1 << 32;

/// Most terms summed in one tail of Fisher's test. Under
/// [`MAX_EXACT_TOTAL`] the hypergeometric SD is at most 2¹⁴ and a tail
/// falls below 10⁻¹⁷ of the sum within about 10 SDs, so the cap is never
/// reached by a table that is accepted.
pub const MAX_TAIL_TERMS: u64 = 1 << 22;

/// Entries in one block of the shared ln-factorial table.
const BLOCK: usize = 256;

/// Blocks of the shared table, enough for ln 0! … ln [`LnFact::MAX`]!.
const BLOCKS: usize = (LnFact::MAX as usize + 1).div_ceil(BLOCK);

/// The process-wide ln-factorial table, one block at a time.
static TABLE: [OnceLock<Box<[f64; BLOCK]>>; BLOCKS] = [const { OnceLock::new() }; BLOCKS];

/// Block `b` of the table: ln(256·b)! … ln(256·b + 255)!.
///
/// Running sums of logs drift (about 3e-7 by 10⁶ terms), so every block
/// starts from `ln_gamma` and adds one `ln` per entry: the error stays near
/// 1e-13 at any size, and a block does not depend on the others.
fn block(b: usize) -> &'static [f64; BLOCK] {
    TABLE[b].get_or_init(|| {
        let first = b * BLOCK;
        let mut v = Box::new([0.0f64; BLOCK]);
        let mut acc = if first == 0 {
            0.0
        } else {
            ln_gamma(first as f64 + 1.0)
        };
        v[0] = acc;
        for (j, e) in v.iter_mut().enumerate().skip(1) {
            acc += ((first + j) as f64).ln();
            *e = acc;
        }
        v
    })
}

/// ln(x!) for whole `x`: from the shared table for trials up to
/// [`LnFact::MAX`] patients, else from `ln_gamma`.
///
/// The fragility searches run Fisher's test hundreds of times on tables with
/// the same total, and `ln_gamma` was most of a large build's time; the
/// table makes each lookup two loads.
struct LnFact {
    /// The blocks holding ln 0! … ln `last`! (none: `ln_gamma` throughout).
    blocks: Vec<&'static [f64; BLOCK]>,
    /// The largest x looked up in the table.
    last: u64,
}

impl LnFact {
    /// Largest total for which the table is used (8 MB of f64 when full).
    const MAX: u64 = 1_000_000;

    /// No table: every value from `ln_gamma`.
    fn none() -> Self {
        LnFact {
            blocks: Vec::new(),
            last: 0,
        }
    }

    /// The table up to `n`! when `n` ≤ [`LnFact::MAX`] (filling the blocks
    /// not yet filled).
    fn upto(n: u64) -> Self {
        if n > Self::MAX {
            return Self::none();
        }
        LnFact {
            blocks: (0..=n as usize / BLOCK).map(block).collect(),
            last: n,
        }
    }

    /// ln(x!).
    fn get(&self, x: u64) -> f64 {
        match self.blocks.get((x / BLOCK as u64) as usize) {
            Some(b) if x <= self.last => b[(x % BLOCK as u64) as usize],
            _ => ln_gamma(x as f64 + 1.0),
        }
    }

    /// ln C(n, k), given ln(n!) (`ln_n`), for k ≤ n.
    fn ln_choose(&self, ln_n: f64, n: u64, k: u64) -> f64 {
        ln_n - self.get(k) - self.get(n - k)
    }
}

/// The hypergeometric distribution of the experimental arm's events given a
/// table's margins, with the observed table's place in it.
struct Hyper<'a> {
    lnf: &'a LnFact,
    n1: f64,
    n2: f64,
    m: f64,
    /// The same as whole numbers, for the table.
    counts: (u64, u64, u64),
    /// ln(n1!) and ln(n2!).
    ln_arms: (f64, f64),
    /// ln C(n, m), the same for every x.
    ln_all: f64,
    lo: f64,
    hi: f64,
    /// Log-probability of the observed table.
    l_obs: f64,
    /// Tables at or below this log-probability count towards p.
    thr: f64,
}

/// A table as Fisher's test sees it.
enum Setup<'a> {
    /// p without summing logs: 1 (one possible table, or the observed table
    /// is as likely as the most likely one).
    One(TestResult),
    /// The distribution, and the first and last x more likely than the
    /// observed table.
    Tails(Hyper<'a>, f64, f64),
}

/// How summing the tails ended.
enum Tails {
    /// The sum of the tables' probabilities relative to the observed one.
    Sum(f64),
    /// A tail ran past [`MAX_TAIL_TERMS`].
    TooLong,
    /// The partial sum or its bound settled p < α (true) or p ≥ α (false).
    Settled(bool),
}

/// Sums of the tails that settle p against α (see [`Hyper::tails`]).
struct Stops {
    /// A sum below this gives p < α.
    below: f64,
    /// A sum at or above this gives p ≥ α.
    not_below: f64,
}

/// Relative margin of a bound on the unsummed terms: far wider than the
/// rounding of the terms (a few ulps each) and of their sum (a few ulps
/// times [`MAX_TAIL_TERMS`]).
const BOUND_MARGIN: f64 = 1e-6;

impl<'a> Hyper<'a> {
    /// `None` for an invalid table or one past [`MAX_EXACT_TOTAL`].
    fn setup(t: &TwoByTwo, lnf: &'a LnFact) -> Option<Setup<'a>> {
        if !t.is_valid() || t.exp_total.checked_add(t.ctl_total)? > MAX_EXACT_TOTAL {
            return None;
        }
        let n1 = t.exp_total as f64;
        let n2 = t.ctl_total as f64;
        let m = (t.exp_events + t.ctl_events) as f64;
        let lo = (m - n2).max(0.0);
        let hi = m.min(n1);
        if lo >= hi {
            return Some(Setup::One(TestResult {
                statistic: 1.0,
                p_value: 1.0,
            }));
        }
        let mut h = Hyper {
            lnf,
            n1,
            n2,
            m,
            counts: (t.exp_total, t.ctl_total, t.exp_events + t.ctl_events),
            ln_arms: (lnf.get(t.exp_total), lnf.get(t.ctl_total)),
            ln_all: lnf.ln_choose(
                lnf.get(t.exp_total + t.ctl_total),
                t.exp_total + t.ctl_total,
                t.exp_events + t.ctl_events,
            ),
            lo,
            hi,
            l_obs: 0.0,
            thr: 0.0,
        };
        h.l_obs = h.lf(t.exp_events);
        h.thr = h.l_obs + (1e-7f64).ln_1p();
        let mode = h.mode();
        if h.lf(mode) <= h.thr {
            return Some(Setup::One(TestResult {
                statistic: h.l_obs.exp(),
                p_value: 1.0,
            }));
        }
        let x = t.exp_events;
        let (lo, hi) = (lo as u64, hi as u64);
        // The observed table lies just outside the run of likelier tables
        // on its side of the mode, and the other end of that run is
        // usually about as far from the mode on the other side.
        let (first, last) = if x < mode {
            let mirror = mode.saturating_add(mode - x);
            (h.edge_near(lo, mode, x + 1), h.edge_from(hi, mode, mirror))
        } else {
            let mirror = mode.saturating_sub(x - mode);
            (h.edge_from(lo, mode, mirror), h.edge_near(hi, mode, x - 1))
        };
        Some(Setup::Tails(h, first as f64, last as f64))
    }

    /// p from `sum`, the tails' sum of probabilities relative to the
    /// observed table's.
    fn p_of(&self, sum: f64) -> f64 {
        if sum > 0.0 {
            (self.l_obs + sum.ln()).exp().min(1.0)
        } else {
            0.0
        }
    }

    /// The mode of the distribution (a most likely x).
    fn mode(&self) -> u64 {
        let (n1, m, n) = (self.n1, self.m, self.n1 + self.n2);
        (((m + 1.0) * (n1 + 1.0)) / (n + 2.0))
            .floor()
            .clamp(self.lo, self.hi) as u64
    }

    /// Log of the hypergeometric probability of `x` events in the
    /// experimental arm (a whole number in [lo, hi]).
    fn lf(&self, x: u64) -> f64 {
        let (n1, n2, m) = self.counts;
        let f = self.lnf;
        f.ln_choose(self.ln_arms.0, n1, x) + f.ln_choose(self.ln_arms.1, n2, m - x) - self.ln_all
    }

    /// [`Hyper::edge_from`] when `near`, next to the observed table on the
    /// mode's side, is likelier than it (one `lf` in the usual case: every
    /// table further out is then at most as likely as the observed one).
    fn edge_near(&self, end: u64, mode: u64, near: u64) -> u64 {
        if self.lf(near) > self.thr {
            near
        } else {
            self.edge_from(end, mode, near)
        }
    }

    /// The x between `mode` and `end` (an end of the range) nearest `end`
    /// with `lf` > thr, given that `lf(mode)` is above it and that `lf`
    /// falls from the mode towards `end`: gallops from `guess` until the
    /// edge is bracketed, then bisects. A guess near the edge takes a few
    /// `lf`s; any guess gives the same x.
    fn edge_from(&self, end: u64, mode: u64, guess: u64) -> u64 {
        let outward = end >= mode;
        // x moved by d towards `end` (towards the mode for negative d),
        // kept between the two.
        let step_to = |x: u64, d: i64| -> u64 {
            let (a, b) = (mode.min(end) as i64, mode.max(end) as i64);
            let y = if outward { x as i64 + d } else { x as i64 - d };
            y.clamp(a, b) as u64
        };
        let guess = step_to(guess, 0);
        let (mut inside, mut out);
        let mut step = 1i64;
        if self.lf(guess) > self.thr {
            inside = guess;
            loop {
                if inside == end {
                    return end;
                }
                let cand = step_to(inside, step);
                if self.lf(cand) > self.thr {
                    inside = cand;
                    step = step.saturating_mul(2);
                } else {
                    out = cand;
                    break;
                }
            }
        } else {
            out = guess;
            loop {
                let cand = step_to(out, -step);
                if cand == mode || self.lf(cand) > self.thr {
                    inside = cand;
                    break;
                }
                out = cand;
                step = step.saturating_mul(2);
            }
        }
        // Bisect: lf(inside) > thr >= lf(out).
        while inside.abs_diff(out) > 1 {
            let mid = inside.min(out) + inside.abs_diff(out) / 2;
            if self.lf(mid) > self.thr {
                inside = mid;
            } else {
                out = mid;
            }
        }
        inside
    }

    /// P(x−1)/P(x): falls as x falls (the distribution is log-concave).
    fn down_ratio(&self, x: f64) -> f64 {
        let (n1, n2, m) = (self.n1, self.n2, self.m);
        (x * (n2 - m + x)) / ((n1 - x + 1.0) * (m - x + 1.0))
    }

    /// P(x+1)/P(x): falls as x rises.
    fn up_ratio(&self, x: f64) -> f64 {
        let (n1, n2, m) = (self.n1, self.n2, self.m);
        ((n1 - x) * (m - x)) / ((x + 1.0) * (n2 - m + x + 1.0))
    }

    /// Sum of the probabilities of the tables below `first` and above
    /// `last`, relative to the observed table's. Each tail starts from one
    /// log-probability and then walks the ratio recurrence on the linear
    /// scale (a multiply and a divide per table, no logarithms).
    ///
    /// With `stops`, the sum ends as soon as it settles p against α: when
    /// the partial sum reaches `not_below`, or when it plus a geometric
    /// bound on every term not yet added (each tail's ratios only fall
    /// further out) stays under `below`. The bound is used only when no
    /// tail can reach [`MAX_TAIL_TERMS`], so the answer is the one the full
    /// sum gives.
    fn tails(&self, first: f64, last: f64, stops: Option<&Stops>) -> Tails {
        let bounded = stops.filter(|_| self.hi - self.lo < MAX_TAIL_TERMS as f64);
        let start = |x: f64| (self.lf(x as u64) - self.l_obs).exp();
        // A bound on the whole upper tail, before it is walked.
        let upper_rest = match bounded {
            Some(_) if last < self.hi => geometric(start(last + 1.0), self.up_ratio(last + 1.0)),
            _ => 0.0,
        };
        let mut sum = 0.0f64;
        if first > self.lo {
            let lower = Walk {
                from: first - 1.0,
                step: -1.0,
                end: self.lo,
                ratio: &|x| self.down_ratio(x),
            };
            if let Some(end) = lower.run(start(lower.from), &mut sum, stops, bounded, upper_rest) {
                return end;
            }
        }
        if last < self.hi {
            let upper = Walk {
                from: last + 1.0,
                step: 1.0,
                end: self.hi,
                ratio: &|x| self.up_ratio(x),
            };
            if let Some(end) = upper.run(start(upper.from), &mut sum, stops, bounded, 0.0) {
                return end;
            }
        }
        Tails::Sum(sum)
    }
}

/// One tail of Fisher's test: x from `from` to `end` by `step`, each term
/// the last times `ratio(x)`.
struct Walk<'r> {
    from: f64,
    step: f64,
    end: f64,
    ratio: &'r dyn Fn(f64) -> f64,
}

impl Walk<'_> {
    /// Adds the tail's terms, from `term`, to `sum` until they no longer
    /// change it; `Some` when the sum ended early (see [`Hyper::tails`];
    /// `rest`: a bound on the terms of the tails still to walk).
    fn run(
        &self,
        mut term: f64,
        sum: &mut f64,
        stops: Option<&Stops>,
        bounded: Option<&Stops>,
        rest: f64,
    ) -> Option<Tails> {
        let mut x = self.from;
        for i in 0.. {
            *sum += term;
            if stops.is_some_and(|s| *sum >= s.not_below) {
                return Some(Tails::Settled(false));
            }
            if (x - self.end) * self.step >= 0.0 || term <= *sum * 1e-17 {
                break;
            }
            if i >= MAX_TAIL_TERMS {
                return Some(Tails::TooLong);
            }
            let r = (self.ratio)(x);
            if let Some(s) = bounded {
                let left = (geometric(term * r, r) + rest) * (1.0 + BOUND_MARGIN);
                if *sum + left < s.below {
                    return Some(Tails::Settled(true));
                }
            }
            term *= r;
            x += self.step;
        }
        match bounded {
            Some(s) if *sum + rest * (1.0 + BOUND_MARGIN) < s.below => Some(Tails::Settled(true)),
            _ => None,
        }
    }
}

/// `term` + `term`·r + `term`·r² + …: a bound on a tail from `term` whose
/// ratios never exceed `r` (infinite unless r < 1).
fn geometric(term: f64, r: f64) -> f64 {
    if r < 1.0 {
        term / (1.0 - r)
    } else {
        f64::INFINITY
    }
}

/// Largest C(n, m) summed exactly: 20 times it still fits in u128.
const EXACT_MAX_ALL: u128 = 1 << 121;

/// Within this relative distance of 0.05 a p summed in logs (rounding
/// about 10⁻¹²) might be on the wrong side of it; there a table small
/// enough is counted in whole numbers instead. Everywhere else the sum of
/// logs already gives the right side, so the exact count (a few hundred
/// u128 divisions) is not spent on it.
const TIE_WINDOW: f64 = 1e-9;

/// The exact result of a table whose p from the sum of logs is `p`, when
/// `p` is near enough 0.05 for the side to be in doubt and the table small
/// enough to count ([`exact_fraction`], which refuses a larger one within
/// at most a few hundred steps).
fn exact_at_tie(t: &TwoByTwo, p: f64) -> Option<TestResult> {
    let near = (p - 0.05).abs() <= 0.05 * TIE_WINDOW;
    near.then(|| exact_fraction(t).map(ExactP::result))
        .flatten()
}

/// Fisher's two-sided p of a table as a fraction of whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExactP {
    /// C(n1, a)·C(n2, c): the observed table's count.
    pub observed: u128,
    /// The counts of the tables at most (1 + 10⁻⁷) times as likely as the
    /// observed one (the tolerance of [`fisher_exact`]), summed.
    pub at_most: u128,
    /// C(n1 + n2, a + c): every table with these margins.
    pub all: u128,
}

impl ExactP {
    /// p = `at_most` / `all` as one rounded division, placed on the side of
    /// 0.05 the fraction is on (exactly 0.05 when it equals 1/20), so that
    /// `p < 0.05` is the exact answer however the division rounds.
    fn p(self) -> f64 {
        let p = (self.at_most as f64 / self.all as f64).min(1.0);
        // `all` < 2¹²¹, so 20 × `at_most` ≤ 20 × `all` fits.
        match (20 * self.at_most).cmp(&self.all) {
            std::cmp::Ordering::Less => p.min(0.05f64.next_down()),
            std::cmp::Ordering::Equal => 0.05,
            std::cmp::Ordering::Greater => p.max(0.05),
        }
    }

    /// The test's result: p, and the observed table's probability.
    fn result(self) -> TestResult {
        TestResult {
            statistic: self.observed as f64 / self.all as f64,
            p_value: self.p(),
        }
    }
}

/// a·num/den for whole numbers whose quotient is whole, without the product
/// a·num (`None` past u128).
fn mul_div(a: u128, num: u128, den: u128) -> Option<u128> {
    let g = gcd(a, den);
    // den/g divides num, as a·num/den is whole and gcd(a/g, den/g) = 1.
    (a / g).checked_mul(num / (den / g))
}

/// Greatest common divisor (Euclid).
fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// C(n, k) in u128, `None` past it (at most 128 steps before that: C(n, j)
/// ≥ 2ʲ while j ≤ n/2).
fn choose(n: u128, k: u128) -> Option<u128> {
    let k = k.min(n - k);
    let mut c = 1u128;
    for j in 0..k {
        c = mul_div(c, n - j, j + 1)?;
    }
    Some(c)
}

/// Fisher's two-sided p of `t` counted in whole numbers, `None` for an
/// invalid table or one whose C(n1 + n2, a + c) is 2¹²¹ or more (or would
/// take more terms than that allows). Every table count C(n1, x)·C(n2, m − x)
/// is at most C(n, m), which is their sum, so nothing overflows on the way.
pub(crate) fn exact_fraction(t: &TwoByTwo) -> Option<ExactP> {
    if !t.is_valid() {
        return None;
    }
    let (n1, n2) = (t.exp_total as u128, t.ctl_total as u128);
    let m = (t.exp_events + t.ctl_events) as u128;
    let (lo, hi) = (m.saturating_sub(n2), m.min(n1));
    if hi - lo > 128 {
        // C(n, m) ≥ 2^(hi − lo) (Vandermonde, counting events or, when
        // lo > 0, non-events): past the limit anyway.
        return None;
    }
    let x_obs = t.exp_events as u128;
    let observed = choose(n1, x_obs)?.checked_mul(choose(n2, m - x_obs)?)?;
    // A whole table count at most observed × (1 + 10⁻⁷).
    let limit = observed.checked_add(observed / 10_000_000)?;
    let (mut a, mut b) = (choose(n1, lo)?, choose(n2, m - lo)?);
    let (mut at_most, mut all) = (0u128, 0u128);
    for x in lo..=hi {
        let h = a.checked_mul(b)?;
        all = all.checked_add(h)?;
        if h <= limit {
            at_most += h;
        }
        if all >= EXACT_MAX_ALL {
            return None;
        }
        if x < hi {
            // C(n1, x + 1) and C(n2, m − x − 1) from C(n1, x), C(n2, m − x).
            a = mul_div(a, n1 - x, x + 1)?;
            b = mul_div(b, m - x, n2 - (m - x) + 1)?;
        }
    }
    Some(ExactP {
        observed,
        at_most,
        all,
    })
}

/// Fisher's exact test, two-sided: the sum of the hypergeometric
/// probabilities of all tables with the same margins whose probability is
/// ≤ the observed table's probability × (1 + 10⁻⁷) (Agresti 2002 §3.5.1;
/// the relative tolerance is R's `fisher.test`).
///
/// Probabilities are computed on the log scale with `ln_gamma`, and only the
/// two tails are summed (the distribution is unimodal), so counts of 10⁹
/// are fine. The statistic field holds the observed table's probability.
/// Near 0.05, tables small enough to count in whole numbers get the exact
/// fraction instead (see the module doc), so a p of exactly 0.05 is not
/// below 0.05.
///
/// `None` when the two totals add up to more than [`MAX_EXACT_TOTAL`]: past
/// 2⁵³ the counts are no longer exact in f64 and the searches below would
/// stop making progress. Every loop is bounded ([`MAX_TAIL_TERMS`] terms
/// per tail, 64 bisection steps), so the time is bounded for any table.
pub fn fisher_exact(t: &TwoByTwo) -> Option<TestResult> {
    fisher_with(t, &LnFact::none())
}

/// [`fisher_exact`] with ln-factorials from `lnf`.
fn fisher_with(t: &TwoByTwo, lnf: &LnFact) -> Option<TestResult> {
    let r = test_of(Hyper::setup(t, lnf)?)?;
    Some(exact_at_tie(t, r.p_value).unwrap_or(r))
}

/// The test's result from a prepared table (`None` when a tail is too
/// long).
fn test_of(setup: Setup) -> Option<TestResult> {
    let (h, first, last) = match setup {
        Setup::One(r) => return Some(r),
        Setup::Tails(h, first, last) => (h, first, last),
    };
    let sum = match h.tails(first, last, None) {
        Tails::Sum(s) => s,
        Tails::TooLong | Tails::Settled(_) => return None,
    };
    let p = h.p_of(sum);
    Some(TestResult {
        statistic: h.l_obs.exp(),
        p_value: p,
    })
}

/// Whether [`fisher_with`]'s p is below `alpha`, an invalid table counting
/// as p = 1: the same answer, usually without summing all of both tails.
fn fisher_below(t: &TwoByTwo, lnf: &LnFact, alpha: f64) -> bool {
    let (h, first, last) = match Hyper::setup(t, lnf) {
        None => return 1.0 < alpha,
        Some(Setup::One(r)) => return r.p_value < alpha,
        Some(Setup::Tails(h, first, last)) => (h, first, last),
    };
    // p = exp(l_obs + ln sum): the sums that give α, with margins far wider
    // than the rounding of ln and exp (a sum past them settles the answer;
    // one between them is summed to the end).
    let at_alpha = (alpha.ln() - h.l_obs).exp();
    let stops = at_alpha.is_finite().then(|| Stops {
        below: at_alpha * (1.0 - BOUND_MARGIN),
        not_below: at_alpha * (1.0 + 1e-9),
    });
    match h.tails(first, last, stops.as_ref()) {
        Tails::Settled(below) => below,
        Tails::TooLong => 1.0 < alpha,
        Tails::Sum(sum) => {
            let p = h.p_of(sum);
            exact_at_tie(t, p).map_or(p, |r| r.p_value) < alpha
        }
    }
}

/// Number of single steps the fragility searches take before switching to a
/// galloping + bisection search (which assumes monotonicity).
const LINEAR_STEPS: u64 = 2000;

/// Above this many patients (both arms) the searches take only
/// [`LINEAR_STEPS_LARGE`] single steps: one Fisher test costs about ten
/// hypergeometric SDs (√N/4) of terms, so 4 × 2000 of them on a table of
/// 1.5·10⁹ per arm took 15 s in the instrumented `stats` fuzz build (a
/// timeout it found). At this size one more event moves p smoothly, the
/// monotonicity the galloping search assumes past the linear steps anyway.
const LINEAR_TOTAL: u64 = 1_000_000;

/// Single steps of the fragility searches past [`LINEAR_TOTAL`].
const LINEAR_STEPS_LARGE: u64 = 64;

/// Single steps before galloping for table `t`.
fn linear_steps(t: &TwoByTwo) -> u64 {
    if t.exp_total.saturating_add(t.ctl_total) > LINEAR_TOTAL {
        LINEAR_STEPS_LARGE
    } else {
        LINEAR_STEPS
    }
}

/// Past `lo` (where `pred` is false, as for every k below it): the smallest
/// k in lo+1..=max_k with `pred(k)` true by galloping and bisecting, which
/// assumes `pred` stays true once it is (see [`LINEAR_STEPS`]).
fn gallop(lo: u64, max_k: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if max_k <= lo {
        return None;
    }
    let mut lo = lo;
    let mut step = lo.max(1);
    let hi = loop {
        let cand = lo.saturating_add(step).min(max_k);
        if pred(cand) {
            break cand;
        }
        if cand == max_k {
            return None;
        }
        lo = cand;
        step = step.saturating_mul(2);
    };
    let (mut a, mut b) = (lo, hi);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        if pred(mid) {
            b = mid;
        } else {
            a = mid;
        }
    }
    Some(b)
}

/// The smallest k over several directions (`rooms[d]`: the most changes
/// direction d allows) with `pred(d, k)` true. Single steps first, up to
/// `linear` (see [`linear_steps`]), k = 1, 2, … in every direction at once,
/// so the search ends at the smallest k instead of walking a direction
/// that needs many more changes (or none) to its end first. Only when no
/// direction settles within the single steps does each direction gallop
/// on ([`gallop`]), in order, capped by the best found so far.
fn first_k_of(rooms: &[u64], linear: u64, pred: impl Fn(usize, u64) -> bool) -> Option<u64> {
    let lin = rooms.iter().copied().max().unwrap_or(0).min(linear);
    for k in 1..=lin {
        for (d, &room) in rooms.iter().enumerate() {
            if k <= room && pred(d, k) {
                return Some(k);
            }
        }
    }
    let mut best: Option<u64> = None;
    for (d, &room) in rooms.iter().enumerate() {
        let cap = best.map_or(room, |b| room.min(b.saturating_sub(1)));
        if let Some(k) = gallop(lin.min(cap), cap, |k| pred(d, k)) {
            best = Some(best.map_or(k, |b| b.min(k)));
        }
    }
    best
}

/// Fragility index (Walsh et al. 2014, J Clin Epidemiol 67:622).
///
/// For a result significant by the two-sided Fisher exact test (p < 0.05):
/// the minimum number of patients in the arm with fewer events whose status
/// is changed from non-event to event until p ≥ 0.05. When both arms have the
/// same number of events, both are tried and the smaller count is returned.
///
/// Returns `None` when the result is not
/// significant (see [`reverse_fragility_index`]), when the table is invalid
/// or too large for [`fisher_exact`] ([`MAX_EXACT_TOTAL`]), or when
/// significance cannot be lost by such changes. The first 2000
/// changes are tried one by one; beyond that (very large trials) a
/// galloping/bisection search is used, which assumes the p value rises
/// monotonically with the number of changes.
pub fn fragility_index(t: &TwoByTwo) -> Option<u64> {
    fragility_given(t, fisher_exact(t)?.p_value)
}

/// [`fragility_index`] of a table whose Fisher p is `p`.
fn fragility_given(t: &TwoByTwo, p: f64) -> Option<u64> {
    if p >= 0.05 {
        return None;
    }
    let lnf = LnFact::upto(t.exp_total + t.ctl_total);
    // p rises as the arm's risk approaches the other's and falls again once
    // it has passed it, so "p ≥ 0.05 or the risks have crossed" is the
    // monotone question the galloping search needs: a gallop step could
    // otherwise land past the window where p ≥ 0.05 and find nothing.
    let crossed = |u: &TwoByTwo, exp_up: bool| {
        let e = u.exp_events as u128 * u.ctl_total as u128;
        let c = u.ctl_events as u128 * u.exp_total as u128;
        if exp_up {
            e >= c
        } else {
            c >= e
        }
    };
    let exp_below = !crossed(t, true);
    let ctl_below = !crossed(t, false);
    let exp_room = t.exp_total - t.exp_events;
    let ctl_room = t.ctl_total - t.ctl_events;
    // Changes go into the arm with fewer events, into both when they tie.
    let rooms = match t.exp_events.cmp(&t.ctl_events) {
        std::cmp::Ordering::Less => [exp_room, 0],
        std::cmp::Ordering::Greater => [0, ctl_room],
        std::cmp::Ordering::Equal => [exp_room, ctl_room],
    };
    first_k_of(&rooms, linear_steps(t), |d, k| {
        let mut u = *t;
        if d == 0 {
            u.exp_events += k;
            (exp_below && crossed(&u, true)) || !fisher_below(&u, &lnf, 0.05)
        } else {
            u.ctl_events += k;
            (ctl_below && crossed(&u, false)) || !fisher_below(&u, &lnf, 0.05)
        }
    })
}

/// Reverse fragility index for a non-significant result (the idea of Khan et
/// al. 2020, JAMA Netw Open 3:e2012469).
///
/// Definition used here: the minimum number of event-status changes, all in
/// one arm and in one direction (non-event → event, or event → non-event),
/// choosing whichever of the four arm/direction combinations needs the
/// fewest, that makes the two-sided Fisher exact p < 0.05.
///
/// Returns `None` when the result is already significant, the table is
/// invalid or too large for [`fisher_exact`], or no such change exists. Large searches switch to
/// galloping/bisection after 2000 single steps, as in [`fragility_index`].
pub fn reverse_fragility_index(t: &TwoByTwo) -> Option<u64> {
    reverse_given(t, fisher_exact(t)?.p_value)
}

/// [`reverse_fragility_index`] of a table whose Fisher p is `p`.
fn reverse_given(t: &TwoByTwo, p: f64) -> Option<u64> {
    if p < 0.05 {
        return None;
    }
    let lnf = LnFact::upto(t.exp_total + t.ctl_total);
    let sig = |u: &TwoByTwo| fisher_below(u, &lnf, 0.05);
    // (room to move, change to apply) of each arm and direction.
    let moves: [(u64, fn(&mut TwoByTwo, u64)); 4] = [
        (t.exp_total - t.exp_events, |u, k| u.exp_events += k),
        (t.exp_events, |u, k| u.exp_events -= k),
        (t.ctl_total - t.ctl_events, |u, k| u.ctl_events += k),
        (t.ctl_events, |u, k| u.ctl_events -= k),
    ];
    let rooms = moves.map(|(room, _)| room);
    first_k_of(&rooms, linear_steps(t), |d, k| {
        let mut u = *t;
        (moves[d].1)(&mut u, k);
        sig(&u)
    })
}

/// The fragility index of a table significant by Fisher's test, or the
/// reverse fragility index of one that is not, given its [`fisher_exact`]
/// p: (fragility, reverse fragility), one of them `None`. The same as
/// [`fragility_index`] and [`reverse_fragility_index`], without running the
/// test of the table itself again.
pub fn fragility_indices(t: &TwoByTwo, p: f64) -> (Option<u64>, Option<u64>) {
    if p < 0.05 {
        (fragility_given(t, p), None)
    } else {
        (None, reverse_given(t, p))
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Debug builds on a shared machine: generous, but far below a hang.
    const SOON: Duration = Duration::from_secs(10);

    #[test]
    fn fisher_refuses_tables_past_the_exact_limit_at_once() {
        let start = Instant::now();
        // Counts past 2⁵³ hung the bisection (mid = a or b forever).
        let t = TwoByTwo::new(3 << 52, 10 << 52, 3 << 52, 11 << 52).unwrap();
        assert_eq!(fisher_exact(&t), None);
        assert_eq!(fragility_index(&t), None);
        assert_eq!(reverse_fragility_index(&t), None);
        let t = TwoByTwo::new(1, u64::MAX, 2, u64::MAX).unwrap();
        assert_eq!(fisher_exact(&t), None);
        let half = MAX_EXACT_TOTAL / 2 + 1;
        let t = TwoByTwo::new(half / 3, half, half / 3, half).unwrap();
        assert_eq!(fisher_exact(&t), None);
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }

    /// Found by the `stats` fuzz target (a 15 s timeout): the reverse
    /// fragility search of a null result past the model's limit, 762,253,474
    /// of 1,524,506,948 per arm, took 2000 Fisher tests per direction.
    #[test]
    fn reverse_fragility_of_a_huge_null_trial_returns_soon() {
        let start = Instant::now();
        let (e, n) = (762_253_474, 1_524_506_948);
        let t = TwoByTwo::new(e, n, e, n).unwrap();
        let k = reverse_fragility_index(&t).expect("significance can be reached");
        // Changing k events in one arm makes p < 0.05; one fewer does not.
        for (u, lost) in [(k, true), (k - 1, false)] {
            let moved = TwoByTwo::new(e + u, n, e, n).unwrap();
            let p = fisher_exact(&moved).unwrap().p_value;
            assert_eq!(p < 0.05, lost, "k = {u}: p = {p}");
        }
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }

    #[test]
    fn fisher_at_the_limit_returns_soon() {
        let start = Instant::now();
        let half = MAX_EXACT_TOTAL / 2;
        for (a, c) in [(half / 3, half / 3 + 20_000), (half / 2, half / 2), (0, 5)] {
            let t = TwoByTwo::new(a, half, c, half).unwrap();
            let p = fisher_exact(&t).expect("within the limit").p_value;
            assert!((0.0..=1.0).contains(&p), "{a} vs {c}: {p}");
        }
        assert!(start.elapsed() < SOON, "{:?}", start.elapsed());
    }
}

#[cfg(test)]
mod ln_fact_tests {
    use super::*;

    #[test]
    fn table_lookup_gives_the_same_fisher_p_as_ln_gamma() {
        for (a, n1, c, n2) in [
            (89, 258, 79, 256),
            (0, 10, 2, 10),
            (105, 629, 126, 624),
            (1, 3, 3, 3),
            (500, 1000, 450, 1000),
            // Large trials, where a plain running sum of logs drifts.
            (480_000, 500_000, 481_000, 500_000),
            (12_000, 400_000, 12_350, 400_000),
        ] {
            let t = TwoByTwo::new(a, n1, c, n2).expect("valid table");
            let plain = fisher_exact(&t).unwrap().p_value;
            let table = fisher_with(&t, &LnFact::upto(n1 + n2)).unwrap().p_value;
            assert!(
                // ln(n!) is ~1e7 at n = 10⁶, so both routes carry ~1e-9
                // absolute error in log p: agreement to 5e-8 relative is the
                // floor of the method, well inside Fisher's 1e-7 tie tolerance.
                (plain - table).abs() <= 5e-8 * plain.max(1e-300),
                "{a}/{n1} vs {c}/{n2}: {plain} vs {table}"
            );
        }
        // Past the table (or without one) the lookup falls back to ln_gamma.
        let small = LnFact::upto(10);
        assert!((small.get(5) - 120f64.ln()).abs() < 1e-12);
        assert!((small.get(20) - ln_gamma(21.0)).abs() < 1e-9);
        assert!(LnFact::upto(LnFact::MAX + 1).blocks.is_empty());
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The galloping edge search lands where a scan of every table
        /// does, from any guess.
        #[test]
        fn edges_from_any_guess_match_a_scan(
            (a, n1, c, n2) in (1u64..300, 1u64..300)
                .prop_flat_map(|(n1, n2)| (0..=n1, Just(n1), 0..=n2, Just(n2))),
            guess_frac in 0.0f64..=1.0,
        ) {
            let t = TwoByTwo::new(a, n1, c, n2).unwrap();
            let lnf = LnFact::upto(n1 + n2);
            let Some(Setup::Tails(h, first, last)) = Hyper::setup(&t, &lnf) else {
                return Ok(());
            };
            let (lo, hi) = (h.lo as u64, h.hi as u64);
            let mode = h.mode();
            let above = |x: u64| h.lf(x) > h.thr;
            let want_first = (lo..=mode).find(|&x| above(x)).unwrap();
            let want_last = (mode..=hi).rev().find(|&x| above(x)).unwrap();
            prop_assert_eq!(first as u64, want_first);
            prop_assert_eq!(last as u64, want_last);
            let guess = lo + ((hi - lo) as f64 * guess_frac) as u64;
            prop_assert_eq!(h.edge_from(lo, mode, guess), want_first);
            prop_assert_eq!(h.edge_from(hi, mode, guess), want_last);
        }
    }
}

#[cfg(test)]
mod exact_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_p_of_exactly_one_twentieth_is_not_below_005() {
        // 2/2 against 4/23: 8,855 of the 177,100 tables (15/300).
        let t = TwoByTwo::new(2, 2, 4, 23).unwrap();
        let e = exact_fraction(&t).unwrap();
        assert_eq!((e.at_most, e.all), (8_855, 177_100));
        let r = fisher_exact(&t).unwrap();
        assert_eq!(r.p_value, 0.05);
        assert_eq!(r.statistic, e.observed as f64 / 177_100.0);
        // The sums of logs put it on either side: just under 0.05 from
        // `ln_gamma` (which called it significant), just over from the table.
        let float = |lnf: &LnFact| test_of(Hyper::setup(&t, lnf).unwrap()).unwrap().p_value;
        let (gamma, table) = (float(&LnFact::none()), float(&LnFact::upto(25)));
        assert!((0.05 - 1e-13..0.05).contains(&gamma), "{gamma:e}");
        assert!((0.05..0.05 + 1e-13).contains(&table), "{table:e}");
        assert!(!fisher_below(&t, &LnFact::upto(25), 0.05));
        assert_eq!(fragility_index(&t), None);
        assert!(reverse_fragility_index(&t).is_some());
    }

    #[test]
    fn exact_counting_stops_at_its_limit() {
        // C(124, 62) ≈ 2^120.3 is counted, C(126, 63) ≈ 2^122.3 is not.
        assert!(exact_fraction(&TwoByTwo::new(31, 62, 31, 62).unwrap()).is_some());
        assert!(exact_fraction(&TwoByTwo::new(31, 63, 32, 63).unwrap()).is_none());
        // Huge arms with few events are small in C(n, m).
        let e =
            exact_fraction(&TwoByTwo::new(1, 1_000_000_000, 2, 1_000_000_000).unwrap()).unwrap();
        assert_eq!(e.all, 2_000_000_000u128 * 1_999_999_999 * 1_999_999_998 / 6);
        // Past the limit the sum of logs gives p as before.
        let t = TwoByTwo::new(40, 90, 60, 90).unwrap();
        assert!(exact_fraction(&t).is_none());
        let p = fisher_exact(&t).unwrap().p_value;
        assert!(p > 0.0 && p < 0.05, "{p}");
    }

    #[test]
    fn binomials_in_whole_numbers() {
        assert_eq!(choose(10, 3), Some(120));
        assert_eq!(choose(10, 0), Some(1));
        assert_eq!(choose(10, 10), Some(1));
        // Python's math.comb(124, 62).
        assert_eq!(
            choose(124, 62),
            Some(1_520_803_477_811_874_490_019_821_888_415_218_656)
        );
        assert_eq!(choose(300, 150), None);
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(mul_div(u128::MAX / 3, 6, 3), Some(u128::MAX / 3 * 2));
    }

    proptest! {
        /// The exact fraction and the sum of logs agree to rounding, and
        /// off a tie they agree on the side of 0.05.
        #[test]
        fn exact_and_log_sums_agree(
            (a, n1, c, n2) in (1u64..70, 1u64..70)
                .prop_flat_map(|(n1, n2)| (0..=n1, Just(n1), 0..=n2, Just(n2))),
        ) {
            let t = TwoByTwo::new(a, n1, c, n2).unwrap();
            let Some(e) = exact_fraction(&t) else { return Ok(()) };
            let float = test_of(Hyper::setup(&t, &LnFact::none()).unwrap()).unwrap().p_value;
            let exact = fisher_exact(&t).unwrap().p_value;
            prop_assert!((float - exact).abs() <= 1e-10 * exact, "{} vs {}", float, exact);
            if 20 * e.at_most != e.all {
                prop_assert_eq!(float < 0.05, exact < 0.05);
            }
            prop_assert_eq!(exact < 0.05, 20 * e.at_most < e.all);
            prop_assert_eq!(fisher_below(&t, &LnFact::upto(n1 + n2), 0.05), exact < 0.05);
        }
    }
}
