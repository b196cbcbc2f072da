//! Plain units at the bottom of kdeck: Kubernetes quantities parsed exactly, and one
//! formatter per unit (ages, CPU, bytes) for everything kdeck prints.
//!
//! A crate of its own, with no dependencies: the dashboard, the snapshot and the simulated
//! cluster (`kdeck-sim`) all use it.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod format;
pub mod quantity;
