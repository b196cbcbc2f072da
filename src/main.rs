//! kdeck's binary: parse the command line, install error hooks, run. Everything else is in
//! the library.

// A panic is for bugs; everything a user can cause is an error value (issue #13).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

// The allocator returns the burst of an initial LIST to the OS (performance.md).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option setter (exported by the C library libmimalloc-sys builds).
#[cfg(not(feature = "system-alloc"))]
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (libmimalloc-sys 0.1.49, pinned in
/// Cargo.lock): the 16th option.
#[cfg(not(feature = "system-alloc"))]
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// RSS counts memory held, not memory used. No transparent huge pages (mimalloc would
/// madvise its arenas into 2 MB pages) and freed pages go back to the OS at once: after
/// syncing 50k pods, 178 MB -> 116 MB of RSS (measured with the env equivalents).
fn hold_less_memory() {
    // SAFETY: both calls only set process-wide flags; no memory is touched.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        #[cfg(not(feature = "system-alloc"))]
        mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

/// The dashboard's loop runs on the main thread; the runtime's workers decode watch
/// streams. When they compete for one core, keys come first: workers run at a lower
/// priority (nice +5, about a third of the main thread's share while both are busy).
fn yield_to_the_loop() {
    // SAFETY: setpriority on this thread's id only changes its scheduling weight.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 5);
    }
}

fn main() -> ExitCode {
    let start = Instant::now();
    hold_less_memory();
    let cli = match kdeck::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return kdeck::errors::command_line_error(&err),
    };
    kdeck::errors::install_hooks();
    // Two workers at most, and one when pinned to one core (`taskset -c 1`): two workers on
    // one core wake each other through syscalls for every message.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(2));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .on_thread_start(yield_to_the_loop)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("kdeck: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(kdeck::entry::run(cli, start));
    // Watches and the sim may still hold tasks; don't wait for them.
    runtime.shutdown_background();
    match result {
        Ok(code) => code,
        Err(err) => {
            kdeck::errors::report(&err);
            ExitCode::FAILURE
        }
    }
}
