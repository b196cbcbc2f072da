//! A reference topology's sim on a manual clock, read through the real kubectl as JSON: the
//! shared start of the tests of the sim's platform pieces (storage, certificates, policies).

use jiff::Timestamp;
use kdeck::sim::launch::{LaunchClock, LaunchOptions, Launched, launch};
use serde_json::Value;

use super::kubectl::Kubectl;

/// `topology` at a fixed start (2026-05-28), seed 3; only the test moves its clock.
pub(super) async fn manual(topology: &str) -> Launched {
    let start = Timestamp::from_second(1_780_000_000).unwrap();
    let options = LaunchOptions {
        topology: topology.into(),
        clock: LaunchClock::Manual { start },
        seed: 3,
        ..LaunchOptions::default()
    };
    launch(options).await.unwrap()
}

/// `kubectl ARGS -o json`, parsed.
pub(super) async fn json(kubectl: &Kubectl, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    serde_json::from_str(&kubectl.ok(&all).await).unwrap()
}

pub(super) fn items(list: &Value) -> &[Value] {
    list["items"].as_array().map(Vec::as_slice).unwrap_or_default()
}

/// The string at a JSON pointer, "" when absent.
pub(super) fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}
