//! kdeck's own parts (watches, model, actions, contexts, fault recovery, snapshot) against the sim's API server.
mod actions;
mod certificates;
mod context_switch;
mod demo;
mod fault_recovery;
mod fleet_reconnect;
mod fleet_shared;
mod gateways;
mod logs;
mod mesh;
mod model;
mod policies;
mod slim_decode;
mod snapshot;
mod storage;
mod watch_resume;
mod write_faults;
