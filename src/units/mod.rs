//! Plain units at the bottom of the crate: Kubernetes quantities parsed exactly, and one
//! formatter per unit (ages, CPU, bytes) for everything kdeck prints.
//!
//! Imports nothing else from the crate: the product, the snapshot and the simulated cluster all
//! use it, and it is meant to move into a small shared crate as it is.

pub mod format;
pub mod quantity;
