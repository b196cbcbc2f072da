//! The event loop and the app state it owns (architecture.md: one writer).

pub mod actions;
pub mod audit;
pub mod command;
pub mod dashboard;
pub mod dialog;
mod dialog_view;
pub mod fleet;
pub mod fleet_sources;
pub mod frame_view;
pub mod log_frame;
pub mod log_keys;
pub mod log_streams;
pub mod log_view;
pub mod model;
pub mod pane;
pub mod preflight;
pub mod prom_config;
pub mod replica_history;
pub mod run;
pub mod screen;
pub mod session;
pub mod sources;
pub mod status;
pub mod ui_state;
pub mod update;
pub mod user_actions;
