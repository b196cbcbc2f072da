//! Container logs, as the kubelet serves them through `GET .../pods/NAME/log`: deterministic
//! lines per workload kind ([`generators`], chosen by [`workload`]), the per-container history
//! and follow cursor ([`history`]), and the rate control for benchmarks ([`flood`]).

pub mod flood;
pub mod generators;
pub mod history;
pub mod linkerd;
pub mod workload;
