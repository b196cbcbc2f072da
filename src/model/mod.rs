//! The live model: caches fed by watches, and the views projected from them.

pub mod cert;
pub mod cluster;
pub mod fixtures;
pub mod history;
pub mod projection;
pub mod scope;
pub mod triage;
pub mod views;

pub use cluster::{Changed, ClusterState};
pub use scope::Scope;
