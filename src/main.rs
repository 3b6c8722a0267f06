//! The `appraise` binary: parse the arguments, run the command (with
//! mimalloc as the allocator).

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of small strings from two threads at once, and glibc's malloc,
/// free and realloc were about a fifth of a full build's CPU time
/// (benches/results.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e` of
/// mimalloc 3's `mimalloc.h`; libmimalloc-sys names no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with the process before mimalloc hands it
/// back to the system, in ms (mimalloc's default: 1 s). A build frees and
/// reuses hundreds of MB between its stages; purged pages come back as
/// page faults whose zeroing took 2-9% of a 10,000-page build and up to
/// 1.4 s of extra system time on a bad run (benches/results.md). 10 s
/// spans any build, and `serve` still gives memory back while idle.
const PURGE_DELAY_MS: std::ffi::c_long = 10_000;

fn main() -> std::process::ExitCode {
    // SAFETY: sets one of mimalloc's options, which mimalloc reads when it
    // next purges; it may be called at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
    appraise::cli::run(appraise::cli::Cli::parse())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PURGE_DELAY` is the purge delay: mimalloc 3's default for it is
    /// 1000 ms (unless `MIMALLOC_PURGE_DELAY` sets another), and setting it
    /// reads back.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets one of mimalloc's options.
        unsafe {
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), 1000);
            }
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
            assert_eq!(libmimalloc_sys::mi_option_get(PURGE_DELAY), PURGE_DELAY_MS);
        }
    }
}
