//! appraise: a static evidence-site generator for critical-care trial appraisals.
//!
//! # Steps
//!
//! A build is a pipeline of stages with plain data between them; only the
//! first and the last touch the disk ([`pipeline::build`] runs them):
//!
//! 1. [`discover`] walks the site folder and reads every file ([`discover::Sources`]:
//!    bytes, undecoded; nothing is interpreted).
//! 2. [`parse`] splits front matter, deserialises it and renders Markdown ([`parse::Parsed`]:
//!    each file on its own, raw and unvalidated; no file knows another).
//! 3. [`model`] validates each page into typed trials, appraisals and topics ([`model::Site`]:
//!    no YAML, no references resolved), cleaning every body with [`sanitize`]
//!    (unless the site sets `unsafe_html: true`).
//! 4. [`link`] resolves references between pages ([`link::Links`]: page indices, each
//!    trial's status, every chart a shortcode places; no numbers).
//! 5. [`analyse`] recomputes every effect and pools topics with [`stats`] ([`analyse::Analyses`]:
//!    numbers, measures, leads and verdicts as types, beside the few sentences
//!    the JSON twins carry; how a number is worded is [`present`]'s).
//!    [`history`] reads the released versions (`history/NNNN.json`, found by
//!    discover) and computes what each changed, and what this build would
//!    change ([`history::Timeline`]: differences as data, no words).
//! 6. [`figures`] turns results into chart specifications that [`chart`] draws
//!    ([`figures::Figures`]: SVG by page and [`link::FigureKey`]; no HTML page).
//!    A full build draws each page's charts as render reaches the page and
//!    lets them go with it ([`figures::OnDemand`]), as it does the page's
//!    body ([`render::Bodies`]).
//! 7. [`render`] fills the Tera theme with typed contexts ([`write::OutputFile`]s: bytes
//!    in memory, handed to write as they are rendered).
//! 8. [`mod@write`] builds into a staging folder and switches it into place
//!    atomically, under a lock, refusing to replace the site's own folders
//!    or a folder appraise did not write.

//! Every stage reports problems as [`diag::Diagnostic`]s, all of them at once.
//!
//! [`serve`] runs the same stages for a local preview through
//! [`incremental::Engine`], which keeps the output in memory and, when files
//! change, redoes only the work whose inputs changed. `appraise build
//! --cache` uses the same engine across runs: [`cache`] records which page
//! each output file was rendered from, so the next build renders only the
//! pages whose inputs changed and links the others from the last output.

pub mod analyse;
pub mod cache;
pub mod chart;
pub mod cli;
pub mod diag;
pub mod discover;
pub mod figures;
pub mod history;
pub mod import;
pub mod incremental;
pub mod key;
pub mod link;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod present;
pub mod render;
pub mod sanitize;
pub mod serve;
pub mod stats;
pub mod write;
