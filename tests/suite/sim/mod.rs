//! The simulated cluster itself: API semantics, watches, faults, history, scenarios, metrics.
mod api;
mod certificates;
mod clock;
mod faults;
mod fleet;
mod history;
mod kubectl;
mod logs;
mod mesh;
mod policies;
mod prometheus;
mod scenarios;
mod storage;
mod topology_sim;
mod watch;
mod world;
mod world_api;
