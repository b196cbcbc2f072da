//! API fault switches: make the simulated API server misbehave as real ones do during
//! incidents (closed port, blackholed network, 410 storms, throttling, 500s, latency, revoked
//! RBAC, expired tokens, garbled streams, a huge object), and the Prometheus clients reach
//! through the API server's service proxy (no answer, garbage, 100 MB, values that are not
//! numbers), and followed pod logs cut mid-stream (`log-drop`).
//!
//! Switched with `PUT /sim/fault/NAME`, `DELETE /sim/fault/NAME`, `DELETE /sim/fault` and
//! listed with `GET /sim/fault` (admin token), or at start with `kdeck sim --fault NAME`.
//! The `/sim/` endpoints themselves are never faulted, and the sim also serves them on a
//! control port that `down` and `blackhole` leave alone, so a fault can always be switched off.
//!
//! Not to be confused with [`crate::world::faults`]: those break containers inside the
//! simulated cluster; these break the API server clients talk to.

mod endpoint;
pub mod fault;
pub mod garble;
pub mod gate;
pub mod huge_object;
pub mod prometheus;
mod switchboard;
pub mod tokens;

pub use endpoint::serve as serve_endpoint;
pub use fault::ApiFault;
pub use switchboard::{ActiveFaults, ApiFaults};
