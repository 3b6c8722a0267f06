//! The `appraise` binary: parse the arguments, run the command (with
//! mimalloc as the allocator).

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of small strings from two threads at once, and glibc's malloc,
/// free and realloc were about a fifth of a full build's CPU time
/// (benches/results.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    appraise::cli::run(appraise::cli::Cli::parse())
}
