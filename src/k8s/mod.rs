//! The Kubernetes edge: client and context, one watch per kind, the slim pod index, actions.

pub mod actions;
pub mod argo_application;
pub mod certificate;
pub mod client;
mod crd;
pub mod error_text;
pub mod event;
pub mod event_ring;
pub mod gateway_api;
pub mod metrics;
pub mod pod_counters;
pub mod pod_facts;
pub mod pod_index;
pub mod slim_node;
pub mod slim_pod;
pub mod slim_workload;
pub mod source_state;
pub mod tls_secret;
pub mod watch;

pub use event::{ClusterEvent, PodEvent};
pub use source_state::{Kind, SourceState};
