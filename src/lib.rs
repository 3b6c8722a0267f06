//! appraise: a static evidence-site generator for critical-care trial appraisals.
//!
//! # Steps
//!
//! A build is a pipeline of stages with plain data between them; only the
//! first and the last touch the disk ([`pipeline::build`] runs them):
//!
//! 1. [`discover`] walks the site folder and reads every file ([`discover::Sources`]).
//! 2. [`parse`] splits front matter, deserialises it and renders Markdown ([`parse::Parsed`]).
//! 3. [`model`] validates each page into typed trials, appraisals and topics ([`model::Site`]),
//!    cleaning every body with [`sanitize`] (unless the site sets `unsafe_html: true`).
//! 4. [`link`] resolves references between pages ([`link::Links`]).
//! 5. [`analyse`] recomputes every effect and pools topics with [`stats`] ([`analyse::Analyses`]).
//! 6. [`chart`] draws SVG charts from plain specifications.
//! 7. [`render`] fills the Tera theme with typed contexts ([`write::OutputFile`]s).
//! 8. [`mod@write`] builds into a staging folder and switches it into place
//!    atomically, under a lock, refusing to replace the site's own folders
//!    or a folder appraise did not write.
//!
//! Every stage reports problems as [`diag::Diagnostic`]s, all of them at once.
//!
//! [`serve`] runs the same stages for a local preview through
//! [`incremental::Engine`], which keeps the output in memory and, when files
//! change, redoes only the work whose inputs changed.

pub mod analyse;
pub mod chart;
pub mod cli;
pub mod diag;
pub mod discover;
pub mod figures;
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
