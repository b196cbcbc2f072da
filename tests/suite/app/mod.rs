//! The app loop in-process on fixture clusters: key flows, trust rules, pane snapshots, README screens.
mod fleet_flows;
mod flows;
mod logs;
mod panes;
mod platform_panes;
mod projection_worker;
mod readme_screens;
mod trust;
