//! kdeck's Prometheus client against real Prometheus servers and scripted mock ones.
mod endpoint;
mod failures;
mod global_store;
mod live;
mod proxy;
mod snapshot;
