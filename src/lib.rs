//! kdeck: a terminal dashboard for Kubernetes triage.
//!
//! The binary (`main.rs`) is thin; everything lives here so integration tests reach it.

// A panic is for bugs; everything a user can cause is an error value (issue #13).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod action;
pub mod app;
pub mod cli;
pub mod cli_docs;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo_prometheus;
pub mod effect;
pub mod entry;
pub mod errors;
pub mod event;
pub mod fleet_select;
pub mod frame_gate;
pub mod k8s;
pub mod keymap;
pub mod logging;
pub mod logs;
pub mod milestones;
pub mod model;
pub mod policy;
pub mod prom;
pub mod sanitize;
/// The simulated cluster (`crates/kdeck-sim`), behind the default `demo` feature.
#[cfg(feature = "demo")]
pub use kdeck_sim as sim;
#[cfg(feature = "demo")]
pub mod sim_command;
pub mod snapshot;
pub mod snapshot_command;
pub mod state_files;
pub mod terminal;
pub mod tls;
pub mod types;
pub mod ui;
/// Quantities and formatters (`crates/kdeck-units`), shared with the simulated cluster.
pub use kdeck_units as units;
