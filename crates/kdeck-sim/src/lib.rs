//! The simulated cluster: an API server real clients accept, controllers, topologies, metrics.
//!
//! Its own crate so that kdeck builds without it (`--no-default-features`) and so that its
//! dependencies (axum, json-patch, rand, ...) stay out of the dashboard. kdeck re-exports it as
//! `kdeck::sim` behind the default `demo` feature.

// A panic is for bugs; everything a client can send is an error answer.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// The sim's own tests tick whole worlds: with kdeck's allocator rather than glibc's malloc.
#[cfg(test)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Kubernetes quantities and kubectl's AGE, shared with kdeck.
use kdeck_units as units;

pub mod api_faults;
pub mod auth;
pub mod clock;
pub mod drive;
pub mod exposition;
pub mod fleet;
pub mod handle;
pub mod http;
pub mod json;
pub mod kubeconfig;
pub mod kubeconfig_keeper;
pub mod launch;
pub mod load;
pub mod logs;
pub mod metrics_types;
pub mod patch;
pub mod resources;
pub mod scenario;
pub mod selectors;
pub mod server;
pub mod store;
pub mod table;
pub mod tls;
pub mod tls_certs;
pub mod topology;
pub mod watch;
pub mod world;
