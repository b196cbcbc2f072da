//! The kdeck binary in a real terminal (tmux): what a user sees and types.
mod culprit;
mod e2e;
mod fleet;
mod logs;
mod resilience;
mod safety;
mod triage;
mod trust;
