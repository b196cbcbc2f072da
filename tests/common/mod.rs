#![allow(dead_code)] // each test binary uses a different part of the helpers
pub mod cluster_fixture;
pub mod driver;
pub mod screen;
pub mod tmux;
