//! The event loop and the app state it owns (architecture.md: one writer).

pub mod command;
pub mod dashboard;
pub mod model;
pub mod pane;
pub mod run;
pub mod screen;
pub mod sources;
pub mod status;
pub mod ui_state;
pub mod update;
