//! The command line: argument types (clap) and what each command does.
//!
//! Commands are thin: they turn options into pipeline calls and print the
//! diagnostics and the summary line. `main.rs` only parses and dispatches.

mod import;
mod init;
mod new;
mod release;

pub use new::NewKind;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::pipeline::{self, Options};

/// appraise builds an evidence website from trial appraisals written in Markdown.
///
/// Write trials (with their numbers), appraisals and topics as Markdown files
/// with YAML front matter under content/; appraise checks the numbers,
/// recomputes the statistics, draws forest plots and writes a static site to
/// public/, ready for GitHub Pages.
#[derive(Debug, Parser)]
#[command(name = "appraise", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into public/ (or --output). Stops, and keeps the old
    /// public/ untouched, if any page has an error. Replaces only a folder
    /// that is empty or that appraise wrote (it holds .appraise-output);
    /// never the site's folder, its sources, or the current folder.
    Build {
        /// The site's folder: it holds content/ (and optionally themes/, templates/, static/).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site [default: ROOT/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// The address the site will be published at, e.g. `https://you.github.io/repo/`
        /// (overrides base_url in content/_index.md).
        #[arg(long)]
        base_url: Option<String>,
        /// Also build pages marked `draft: true`, and show the changes since
        /// the latest released version on topic pages and /changes/.
        #[arg(long)]
        drafts: bool,
        /// Print how long each stage took.
        #[arg(long)]
        timings: bool,
        /// Replace the output folder even if it has no .appraise-output
        /// marker (e.g. written by an older appraise). Never overrides the
        /// refusal to write into the site's folder, its sources or the
        /// current folder.
        #[arg(long)]
        force: bool,
        /// Keep a build cache in ROOT/.appraise-cache/ and render only the
        /// pages whose inputs changed since the last cached build into the
        /// same output (the others are kept from it). Safe to delete.
        #[arg(long)]
        cache: bool,
    },
    /// Check everything (front matter, links, numbers) without writing; exits
    /// with status 1 if there is any error. Use it in CI.
    Check {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Also fail when a printed result does not add up, or a number typed
        /// in the prose contradicts the trial data (warnings otherwise).
        #[arg(long)]
        strict: bool,
        /// Also check pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Preview the site at http://127.0.0.1:PORT/: rebuilds when a file
    /// changes and reloads the browser; a failed build shows its errors over
    /// the last good version. Writes nothing to disk.
    Serve {
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Also show pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Print the time each stage of every rebuild took.
        #[arg(long)]
        timings: bool,
    },
    /// Start a new page from a commented skeleton, marked as a draft:
    /// `new trial NAME` (content/trials/NAME/index.md), `new appraisal NAME`,
    /// `new topic NAME`. Never overwrites a file.
    New {
        /// What to create.
        #[arg(value_enum)]
        kind: NewKind,
        /// The page's name in its URL: lower-case letters, digits, dashes.
        name: String,
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Add a registered trial from its ClinicalTrials.gov record, exported as
    /// JSON (API v2): writes content/trials/`<nct id>`/index.md with the
    /// status, phase, sponsor, dates, conditions, registered outcomes and
    /// any posted results. When that page exists, updates only its
    /// `trial.registry` block and prints what changed.
    Import {
        /// The study's JSON file.
        file: PathBuf,
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Record the site's evidence as its next numbered version,
    /// history/NNNN.json (every topic analysis's trials and pooled numbers,
    /// every trial's status and primary result), for the author to commit.
    /// Topic pages, /changes/ and the feeds then say what each version
    /// changed. Refuses a site with errors; never overwrites a version.
    Release {
        /// What this version is, in a few words (e.g. "LEVOECMO published").
        note: String,
        /// The site's folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The release date, YYYY-MM-DD [default: SOURCE_DATE_EPOCH, else today (UTC)].
        #[arg(long)]
        date: Option<String>,
    },
    /// Create a new site in DIR with a sample trial and appraisal (DIR must be empty or new).
    Init {
        /// Folder for the new site.
        dir: PathBuf,
    },
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    // The reference date of "results overdue": the environment is read
    // here, once, and passed down.
    let source_date = match source_date_epoch() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
            timings,
            force,
            cache,
        } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            let opts = Options {
                root,
                output: Some(output),
                base_url,
                drafts,
                force,
                keep_files: false,
                cache,
                unreleased: drafts,
                source_date,
            };
            build(&opts, timings)
        }
        Command::Check {
            root,
            strict,
            drafts,
        } => check(root, strict, drafts, source_date),
        Command::Serve {
            root,
            port,
            drafts,
            timings,
        } => {
            let opts = crate::serve::ServeOptions {
                root,
                port,
                drafts,
                timings,
                source_date,
            };
            match crate::serve::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot serve on 127.0.0.1:{port}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::New { kind, name, root } => new::new(&root, kind, &name),
        Command::Import { file, root } => import::import(&file, &root),
        Command::Release { note, root, date } => {
            release::release(&root, &note, &release::DateSource::from_env(date))
        }
        Command::Init { dir } => init::init(&dir),
    }
}

/// The day of `SOURCE_DATE_EPOCH` (seconds since 1970, UTC), when it is
/// set; an error when it is not a number.
fn source_date_epoch() -> Result<Option<crate::model::Date>, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => release::DateSource::Epoch(s).day().map(Some),
        Err(_) => Ok(None),
    }
}

/// `appraise build`: refuse a dangerous output before spending a build on
/// it (the write stage checks again under the output's lock), build, and
/// say how it went.
fn build(opts: &Options, timings: bool) -> ExitCode {
    let output = opts.output.clone().unwrap_or_default();
    let dest = crate::write::Destination {
        out: &output,
        root: &opts.root,
        force: opts.force,
    };
    if let Err(e) = crate::write::check_destination(&dest) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let r = if opts.cache {
        pipeline::build_cached(opts)
    } else {
        pipeline::build(opts)
    };
    eprint!("{}", r.diagnostics);
    if timings {
        for (name, d) in &r.timings {
            eprintln!("  {name:<9} {:>8.1} ms", d.as_secs_f64() * 1000.0);
        }
    }
    if r.failed() {
        let n = r.diagnostics.error_count();
        eprintln!(
            "build failed: {n} error{}; {} left as it was",
            if n == 1 { "" } else { "s" },
            output.display()
        );
        ExitCode::from(1)
    } else {
        println!("{}", r.summary());
        ExitCode::SUCCESS
    }
}

/// `appraise check`: build without writing, print the "ok:" lines and the
/// diagnostics; fail on an error, or with `strict` on a printed result that
/// does not add up.
fn check(
    root: PathBuf,
    strict: bool,
    drafts: bool,
    source_date: Option<crate::model::Date>,
) -> ExitCode {
    let r = pipeline::build(&Options {
        drafts,
        keep_files: false,
        source_date,
        ..Options::in_memory(root)
    });
    for line in &r.reproduced {
        println!("{line}");
    }
    eprint!("{}", r.diagnostics);
    let mismatches = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Some(crate::diag::Code::ResultMismatch))
        .count();
    let prose = r
        .diagnostics
        .iter()
        .filter(|d| d.code == Some(crate::diag::Code::ProseNumber))
        .count();
    if r.failed() || (strict && mismatches + prose > 0) {
        let n = r.diagnostics.error_count();
        eprintln!(
            "check failed: {n} error{}{}{}",
            if n == 1 { "" } else { "s" },
            if strict && mismatches > 0 {
                format!(", {mismatches} printed result(s) that do not add up or disagree with themselves (--strict)")
            } else {
                String::new()
            },
            if strict && prose > 0 {
                format!(
                    ", {prose} number(s) in the prose that contradict the trial data (--strict)"
                )
            } else {
                String::new()
            }
        );
        ExitCode::from(1)
    } else {
        println!("{}", r.summary());
        ExitCode::SUCCESS
    }
}
