//! kdeck's integration tests, in one binary: one link instead of thirty, and one pool of test
//! threads, so a test that waits on a sim or a terminal overlaps the others instead of
//! holding up the whole suite. Each group's name says what is under test and against what:
//!
//! - `sim`: the simulated cluster itself (its API, watches, faults, world, Prometheus metrics);
//! - `against_sim`: kdeck's watches, model, actions and snapshot against the sim's API server;
//! - `app`: the app loop in-process on fixture clusters (flows, trust, pane snapshots);
//! - `prom`: the Prometheus client against real Prometheus servers and scripted mock ones;
//! - `terminal`: the kdeck binary in a real terminal (tmux);
//! - `cli`: the kdeck binary's command line (errors, completions, man page, plugin name);
//! - `fuzz`: property tests of every parser of outside data (proptest);
//! - `shape`: the source tree itself (which layer may import which).
//!
//! Run one group with `cargo test --test suite terminal::`.

// The allocator kdeck ships with: the sims, Prometheus clients and in-process dashboards of
// this binary spent a fifth of its CPU in glibc's malloc and free (perf, 2 cores).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

mod against_sim;
mod app;
mod cli;
mod fuzz;
mod prom;
mod shape;
mod sim;
mod terminal;
