//! The kdeck binary's command line: one-line errors, completions, man page, plugin name.
mod errors;
mod install;
mod lean_build;
