//! Helpers shared by the suite's groups: fixtures, sims, Prometheus, terminals, waits.
#![allow(dead_code)] // a helper may serve only tests that are filtered out of a run
pub mod cluster_fixture;
pub mod cluster_json;
pub mod driver;
pub mod manual_world;
pub mod prom_server;
pub mod prometheus;
pub mod screen;
pub mod sim;
pub mod tmp;
pub mod tmux;
pub mod tools;
pub mod victoria;
pub mod wait;
