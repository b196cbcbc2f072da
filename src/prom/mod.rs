//! The Prometheus edge: endpoint and auth, discovery through the API-server proxy, the query
//! catalog as data, the poller that sends `PromEvent`s, and `PromState` the loop keeps.
//! Prometheus types stop here: everything leaving this module is kdeck's own.

pub mod alerts;
pub mod catalog;
pub mod discovery;
pub mod endpoint;
pub mod envelope;
pub mod error;
mod front_door;
mod labels;
pub mod mesh;
pub mod mesh_state;
pub mod poller;
pub mod query;
pub mod scope;
pub mod state;
mod tls;

use std::collections::BTreeMap;

use jiff::Timestamp;

pub use alerts::{Alert, ObjectKind};
pub use catalog::{Panel, QueryId};
pub use endpoint::{PromConfig, TrafficSet};
pub use error::{PromError, PromErrorKind};
pub use poller::spawn_poller;
pub use scope::ClusterScope;
pub use state::{PromState, PromStatus, StatusWord, Usage};

/// One sample of an instant vector.
#[derive(Clone, Debug, PartialEq)]
pub struct PromSample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range query.
#[derive(Clone, Debug, PartialEq)]
pub struct PromSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(Timestamp, f64)>,
}

/// What the poller sends to the loop.
#[derive(Clone, Debug, PartialEq)]
pub enum PromEvent {
    /// Which Prometheus is in use ("http://…", "monitoring/prometheus-k8s:web via API proxy").
    Connected {
        source: String,
        insecure: bool,
        at: Timestamp,
    },
    /// Nothing to poll, or discovery/connection failed; polling goes on where it can.
    Unavailable {
        error: PromError,
        at: Timestamp,
    },
    Instant {
        id: QueryId,
        samples: Vec<PromSample>,
        at: Timestamp,
    },
    Range {
        id: QueryId,
        series: Vec<PromSeries>,
        at: Timestamp,
    },
    Failed {
        id: QueryId,
        error: PromError,
        at: Timestamp,
    },
}
