//! The statistics engine of appraise: pure numerical functions for trial
//! appraisal.
//!
//! Everything in this module is a pure function of numbers: there is no I/O,
//! no knowledge of paths or ids, and no panics. Degenerate input (zero totals,
//! both arms without events, standard deviations of zero, fewer than two
//! observations, an empty list of studies, counts of 10^9) gives `None` or a
//! documented finite value instead of a NaN.
//!
//! Submodules:
//! - [`binary`]: 2x2 tables (risks, RR, OR, RD, NNT, chi-square);
//! - [`fisher`]: Fisher's exact test and the fragility indices;
//! - [`continuous`]: mean difference and Hedges' g;
//! - [`reported`]: SE, p value and CI recovered from printed ratio or
//!   difference estimates (Altman & Bland 2011);
//! - [`check`]: "does the paper add up?" recomputation of printed results;
//! - [`meta`]: common-effect and random-effects meta-analysis, presets and
//!   cumulative meta-analysis;
//! - [`sensitivity`]: leave-one-out, common vs random effects side by
//!   side, and the test for subgroup differences;
//! - [`absolute`]: the risk with the intervention implied by a relative
//!   effect at an assumed control risk (summary of findings);
//! - [`bayes`]: normal-approximation Bayesian re-analysis of a ratio;
//! - [`tsa`]: trial sequential analysis (required information size, D²,
//!   Lan–DeMets O'Brien–Fleming monitoring boundaries).
//!
//! Conventions: the experimental arm comes first and the control arm second;
//! ratios are reported on their natural scale (RR 1.16, not its log) and
//! risk differences as proportions (0.036, not 3.6). Confidence levels are
//! given as proportions (`0.95`).

// NaN-safe range checks such as `!(x > 0.0)` are deliberate here.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod absolute;
pub mod bayes;
pub mod binary;
pub mod check;
pub mod continuous;
mod dist;
pub mod fisher;
pub(crate) use dist::z_crit;
pub mod meta;
pub mod reported;
pub mod sensitivity;
pub mod tsa;

#[cfg(test)]
mod tests;
