//! The `appraise` binary: parse the arguments, run the command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    appraise::cli::run(appraise::cli::Cli::parse())
}
