//! The simulated cluster: an API server real clients accept, controllers, topologies, metrics.

pub mod api_faults;
pub mod auth;
pub mod clock;
pub mod exposition;
pub mod handle;
pub mod http;
pub mod kubeconfig;
pub mod launch;
pub mod load;
pub mod metrics_types;
pub mod patch;
pub mod resources;
pub mod scenario;
pub mod selectors;
pub mod server;
pub mod store;
pub mod table;
pub mod tls_certs;
pub mod topology;
pub mod watch;
pub mod world;
