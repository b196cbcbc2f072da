//! Plain types every layer shares: what a workload is called, a pod's phase, a route's
//! traffic, a kind of write, a log style. No behaviour beyond naming and parsing, and no
//! imports from the rest of the crate, so sources, views, the loop and the UI can all depend
//! on it without depending on each other.

mod pod_phase;
mod sgr;
mod traffic;
mod workload;
mod write_kind;

pub use pod_phase::PodPhase;
pub use sgr::Sgr;
pub use traffic::{Flow, Traffic};
pub use workload::{WorkloadKind, WorkloadRef};
pub use write_kind::WriteKind;
