//! Container faults a topology or scenario can inject, keyed by image (or, for a rollout
//! restart, by the pod template's restartedAt annotation: see [`restart_fault_key`]).

use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The process exits with an error a few seconds after each start.
    CrashLoop,
    /// The container outgrows its memory limit after a few minutes and is OOM-killed.
    OomKilled,
    /// The image cannot be pulled (tag missing from the registry).
    ImagePull,
    /// The process refuses its configuration at startup: exit code 1 with a termination message.
    BadConfig,
    /// The pods run and pass their probes, but a share of the requests they serve fail with
    /// 5xx and the rest are slower (seen only in the ingress controller's metrics).
    ServerErrors,
    /// A mesh proxy that cannot get its identity certificate: it runs, but fails its readiness
    /// probe, so its pod is not Ready (see `world/mesh/proxy.rs`).
    NoIdentity,
}

/// The key the config the `config-crash` scenario breaks, and the value it gets.
pub const BAD_CONFIG_KEY: &str = "FEATURE_NEW_PRICING";
pub const BAD_CONFIG_VALUE: &str = "ture";

/// What a container with [`Fault::BadConfig`] writes to its termination-log before exiting.
pub fn bad_config_message() -> String {
    format!(
        "invalid configuration: {BAD_CONFIG_KEY}={BAD_CONFIG_VALUE:?}: strconv.ParseBool: parsing {BAD_CONFIG_VALUE:?}: invalid syntax\n"
    )
}

/// Share of the requests a [`Fault::ServerErrors`] pod answers with a 500.
pub const SERVER_ERROR_SHARE: f64 = 0.16;

/// The restartedAt annotation `kubectl rollout restart` puts on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// The key of a fault that hits the pods of one rollout restart in a namespace.
pub fn restart_fault_key(namespace: &str, restarted_at: &str) -> String {
    format!("{namespace}@{restarted_at}")
}

impl Fault {
    /// Does the container process die (and restart) because of it?
    pub fn crashes(self) -> bool {
        matches!(self, Fault::CrashLoop | Fault::OomKilled | Fault::BadConfig)
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        match s {
            "CrashLoopBackOff" | "CrashLoop" | "crashloop" => Ok(Fault::CrashLoop),
            "OOMKilled" | "oomkill" => Ok(Fault::OomKilled),
            "ImagePullBackOff" | "ErrImagePull" | "imagepull" => Ok(Fault::ImagePull),
            "BadConfig" | "badconfig" => Ok(Fault::BadConfig),
            "ServerErrors" | "5xx" => Ok(Fault::ServerErrors),
            "NoIdentity" => Ok(Fault::NoIdentity),
            other => Err(format!(
                "unknown fault {other:?} (CrashLoopBackOff, OOMKilled, ImagePullBackOff, BadConfig, ServerErrors, NoIdentity)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse() {
        assert_eq!("5xx".parse::<Fault>(), Ok(Fault::ServerErrors));
        assert_eq!("BadConfig".parse::<Fault>(), Ok(Fault::BadConfig));
        assert!(!Fault::ServerErrors.crashes());
        assert!(bad_config_message().contains("\"ture\""));
    }
}
