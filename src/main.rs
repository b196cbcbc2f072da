//! kdeck's binary: parse the command line, install error hooks, run. Everything else is in
//! the library.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

// The allocator returns the burst of an initial LIST to the OS (performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let start = Instant::now();
    let cli = kdeck::cli::Cli::parse();
    kdeck::errors::install_hooks();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
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
