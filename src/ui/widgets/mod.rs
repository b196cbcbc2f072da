//! Pieces of the screen shared by every pane.

pub mod bottom_line;
pub mod detail;
pub mod dialog;
pub mod help;
pub mod status_bar;
pub mod table;
pub mod tabs;
pub mod unreachable;
