//! API fault switches (`/sim/fault`) as the real kubectl sees them: each fault is switched on
//! over HTTP, kubectl (or a raw watch) shows what a client meets during that incident, and
//! switching it off restores normal answers. kubectl is required: the test fails without it.

mod answers;
mod connections;
mod harness;
