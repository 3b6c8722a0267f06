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

/// mimalloc's `mi_option_allow_thp` (its place in `mi_option_e` of
/// mimalloc 3's `mimalloc.h`): whether it asks the kernel for transparent
/// huge pages (`madvise(MADV_HUGEPAGE)`) on the memory it maps.
const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() -> std::process::ExitCode {
    // SAFETY: sets one of mimalloc's options, which mimalloc reads when it
    // next purges; it may be called at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
    no_huge_pages();
    let code = appraise::cli::run(appraise::cli::Cli::parse());
    // The process ends now and the system takes all its memory back:
    // mimalloc's purge of its free memory at exit (about 35 ms of
    // `madvise` after a 10,000-page build) would be wasted. A negative
    // delay turns purging off.
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    code
}

/// Ask for ordinary 4 KB pages, not transparent huge pages. A build first
/// touches about 450 MB; as 2 MB huge pages each fault zeroes (and, under
/// memory pressure, first compacts) 2 MB at once, which on the benchmark
/// machine made a 10,000-page build's system time swing from 0.5 s to
/// 1.7 s. Eight paired runs: wall median 3.29 s with huge pages, 2.88 s
/// without; CPU 5.96 s against 5.21 s (benches/results.md, twelfth
/// session). mimalloc maps its first arena before `main`, so the option
/// alone would come too late: `PR_SET_THP_DISABLE` is read by the kernel
/// at each fault, so it covers memory mapped already (the same switch as
/// `MIMALLOC_ALLOW_THP=0`).
fn no_huge_pages() {
    // SAFETY: sets one of mimalloc's options; it may be called at any time.
    unsafe { libmimalloc_sys::mi_option_set(ALLOW_THP, 0) };
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and
    // touches no memory of ours; a kernel without it returns an error,
    // which leaves the default (huge pages allowed) and is not a failure.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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

    /// `ALLOW_THP` is mimalloc's huge-page switch (default on unless
    /// `MIMALLOC_ALLOW_THP` says otherwise), and `no_huge_pages` turns it
    /// off and, on Linux, sets the process's THP-disable flag.
    #[test]
    fn no_huge_pages_turns_off_both_switches() {
        // SAFETY: reads one of mimalloc's options.
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(ALLOW_THP) }, 1);
        }
        no_huge_pages();
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(ALLOW_THP) }, 0);
        #[cfg(target_os = "linux")]
        // SAFETY: PR_GET_THP_DISABLE reads a flag of the process.
        assert_eq!(
            unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) },
            1
        );
    }
}
