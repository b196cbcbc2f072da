//! The names of the API faults and their parsing: `down`, `blackhole`, `gone-storm`,
//! `throttle`, `error-500`, `latency-MS`, `revoke-KIND`, `expire-token`, `garble`,
//! `huge-object`, and the Prometheus behind the service proxy: `prom-hang`, `prom-garbage`,
//! `prom-huge`, `prom-nan`, and `log-drop` (followed pod logs cut mid-stream).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::resources;

/// The longest `latency-MS` accepted: ten minutes is already "the server is gone".
const MAX_LATENCY_MS: u64 = 600_000;

/// One way the simulated API server misbehaves.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiFault {
    /// The listener is closed: connections are refused.
    Down,
    /// Connections and requests get no answer at all; open watches go silent.
    Blackhole,
    /// Every watch answers 410 Gone; open watches end with one.
    GoneStorm,
    /// Every request answers 429 with `Retry-After: 1`.
    Throttle,
    /// Every request answers 500.
    Error500,
    /// Every response waits this many milliseconds.
    Latency(u64),
    /// This resource (a plural, e.g. "pods") is forbidden for every verb; its watches end.
    Revoke(String),
    /// The tokens valid when the fault is switched on are rejected with 401.
    ExpireToken,
    /// Watch streams send a broken frame, then close.
    Garble,
    /// A ConfigMap with a 1 MiB annotation exists.
    HugeObject,
    /// Prometheus through the service proxy answers nothing (a client must time out).
    PromHang,
    /// Prometheus through the service proxy answers 200 with a broken JSON body.
    PromGarbage,
    /// Prometheus through the service proxy answers 100 MB.
    PromHuge,
    /// Prometheus's real answers through the service proxy, every sample NaN, ±Inf or 1e308.
    PromNotNumbers,
    /// Every followed pod log stream is cut (the connection closed mid-stream, no error
    /// status) [`LOG_DROP_AFTER`] after it opened or the fault went on, whichever is later.
    LogDrop,
}

/// How long a followed log stream lasts under `log-drop` (wall time).
pub const LOG_DROP_AFTER: Duration = Duration::from_secs(2);

impl ApiFault {
    /// The added delay of a `latency-MS` fault.
    pub fn latency(&self) -> Option<Duration> {
        match self {
            ApiFault::Latency(ms) => Some(Duration::from_millis(*ms)),
            _ => None,
        }
    }

    /// Faults of the same family replace each other (one latency at a time).
    pub fn same_family(&self, other: &ApiFault) -> bool {
        matches!((self, other), (ApiFault::Latency(_), ApiFault::Latency(_))) || self == other
    }
}

impl fmt::Display for ApiFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFault::Down => f.write_str("down"),
            ApiFault::Blackhole => f.write_str("blackhole"),
            ApiFault::GoneStorm => f.write_str("gone-storm"),
            ApiFault::Throttle => f.write_str("throttle"),
            ApiFault::Error500 => f.write_str("error-500"),
            ApiFault::Latency(ms) => write!(f, "latency-{ms}"),
            ApiFault::Revoke(plural) => write!(f, "revoke-{plural}"),
            ApiFault::ExpireToken => f.write_str("expire-token"),
            ApiFault::Garble => f.write_str("garble"),
            ApiFault::HugeObject => f.write_str("huge-object"),
            ApiFault::PromHang => f.write_str("prom-hang"),
            ApiFault::PromGarbage => f.write_str("prom-garbage"),
            ApiFault::PromHuge => f.write_str("prom-huge"),
            ApiFault::PromNotNumbers => f.write_str("prom-nan"),
            ApiFault::LogDrop => f.write_str("log-drop"),
        }
    }
}

/// The message for a name that is no fault.
const KNOWN: &str = "down, blackhole, gone-storm, throttle, error-500, latency-MS, revoke-KIND, expire-token, garble, huge-object, prom-hang, prom-garbage, prom-huge, prom-nan, log-drop";

impl FromStr for ApiFault {
    type Err = String;

    fn from_str(name: &str) -> Result<ApiFault, String> {
        let fault = match name {
            "down" => ApiFault::Down,
            "blackhole" => ApiFault::Blackhole,
            "gone-storm" => ApiFault::GoneStorm,
            "throttle" => ApiFault::Throttle,
            "error-500" => ApiFault::Error500,
            "expire-token" => ApiFault::ExpireToken,
            "garble" => ApiFault::Garble,
            "huge-object" => ApiFault::HugeObject,
            "prom-hang" => ApiFault::PromHang,
            "prom-garbage" => ApiFault::PromGarbage,
            "prom-huge" => ApiFault::PromHuge,
            "prom-nan" => ApiFault::PromNotNumbers,
            "log-drop" => ApiFault::LogDrop,
            _ => {
                if let Some(ms) = name.strip_prefix("latency-") {
                    return parse_latency(ms).map(ApiFault::Latency);
                }
                if let Some(plural) = name.strip_prefix("revoke-") {
                    return parse_revoked(plural).map(ApiFault::Revoke);
                }
                return Err(format!("unknown API fault {name:?}: expected one of {KNOWN}"));
            }
        };
        Ok(fault)
    }
}

fn parse_latency(ms: &str) -> Result<u64, String> {
    match ms.parse::<u64>() {
        Ok(ms) if (1..=MAX_LATENCY_MS).contains(&ms) => Ok(ms),
        _ => {
            Err(format!("latency-{ms}: expected milliseconds from 1 to {MAX_LATENCY_MS}, e.g. latency-2000"))
        }
    }
}

/// KIND is a resource plural the sim serves (in any group), e.g. "pods", "deployments".
fn parse_revoked(plural: &str) -> Result<String, String> {
    if resources::REGISTRY.iter().any(|rt| rt.plural == plural) {
        Ok(plural.to_string())
    } else {
        Err(format!(
            "revoke-{plural}: {plural:?} is no resource the sim serves (use the plural, e.g. revoke-pods)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "down",
            "blackhole",
            "gone-storm",
            "throttle",
            "error-500",
            "latency-2000",
            "revoke-pods",
            "revoke-deployments",
            "expire-token",
            "garble",
            "huge-object",
            "prom-hang",
            "prom-garbage",
            "prom-huge",
            "prom-nan",
            "log-drop",
        ] {
            let fault: ApiFault = name.parse().unwrap();
            assert_eq!(fault.to_string(), name);
        }
    }

    #[test]
    fn bad_names_say_what_is_expected() {
        assert!("nope".parse::<ApiFault>().unwrap_err().contains("gone-storm"));
        assert!("latency-0".parse::<ApiFault>().is_err());
        assert!("latency-fast".parse::<ApiFault>().is_err());
        assert!("revoke-widgets".parse::<ApiFault>().unwrap_err().contains("plural"));
        assert!("revoke-Pod".parse::<ApiFault>().is_err());
    }

    #[test]
    fn latencies_replace_each_other() {
        assert!(ApiFault::Latency(1).same_family(&ApiFault::Latency(2)));
        assert!(!ApiFault::Revoke("pods".into()).same_family(&ApiFault::Revoke("nodes".into())));
    }
}
