//! linkerd2-proxy's log lines (`[  uptime]  LEVEL ThreadId(n) target: message`): quiet
//! while it has its identity; a proxy that cannot get one (its identity issuer's certificate
//! expired: `mesh-proxy-not-ready`) says so, and that it waits for it, over and over.

use std::fmt::Write;

use super::generators::Stamp;
use super::workload::Voice;

const HEALTHY: [(&str, &str, &str); 5] = [
    (
        "INFO",
        "inbound:server{port=8080}: linkerd_app_core::serve",
        "Connection closed error=connection closed before message completed",
    ),
    ("INFO", "outbound: linkerd_app_core::serve", "Connection closed error=connection reset by peer"),
    ("INFO", "daemon:identity: linkerd_app", "Certified identity"),
    (
        "WARN",
        "outbound:proxy{addr=10.100.42.7:8080}: linkerd_reconnect",
        "Failed to connect error=Connection refused (os error 111)",
    ),
    ("INFO", "inbound: linkerd_app_inbound::policy::http", "Request authorized"),
];

const NO_IDENTITY: [(&str, &str, &str); 2] = [
    ("WARN", "linkerd_app", "Waiting for identity to be initialized..."),
    (
        "WARN",
        "identity:controller{addr=linkerd-identity-headless.linkerd.svc.cluster.local:8080}: linkerd_proxy_identity_client::certify",
        "Failed to obtain identity error=status: Unknown, message: \"failed to sign certificate: issuer certificate has expired: x509: certificate has expired or is not yet valid\"",
    ),
];

/// One line at `stamp`.`nanos`; `voice.errors` means the proxy has no identity.
pub fn write(out: &mut String, voice: &Voice, stamp: &Stamp, nanos: u32, h: u64) {
    // the proxy prints its uptime; the sim keeps no start per line, so a day's clock stands in
    let uptime = stamp.second.rem_euclid(86_400) as f64 + f64::from(nanos) / 1e9;
    let (level, target, message) = if voice.errors {
        NO_IDENTITY[(h % NO_IDENTITY.len() as u64) as usize]
    } else {
        HEALTHY[(h % HEALTHY.len() as u64) as usize]
    };
    let thread = 1 + h % 2;
    let _ = write!(out, "[{uptime:>12.6}s] {level:>5} ThreadId({thread:02}) {target}: {message}");
    if message == "Certified identity" {
        let _ = write!(out, " id=default.{}.serviceaccount.identity.linkerd.cluster.local", voice.app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::workload::Style;

    #[test]
    fn a_proxy_without_identity_says_so() {
        let voice = |errors| Voice {
            style: Style::Linkerd,
            errors,
            seed: 1,
            app: "session-state-service".into(),
            rate: 0.5,
            upstreams: Vec::new(),
            pod_ip: "10.0.3.17".into(),
        };
        let stamp = Stamp::of(1_780_000_000);
        let lines = |errors| {
            (0..50u64)
                .map(|h| {
                    let mut out = String::new();
                    write(&mut out, &voice(errors), &stamp, 250_000_000, h);
                    out
                })
                .collect::<Vec<_>>()
        };
        let failing = lines(true);
        assert!(
            failing.iter().all(|l| l.starts_with('[') && l.contains("s]  WARN ThreadId(0")),
            "{failing:?}"
        );
        assert!(failing.iter().any(|l| l.ends_with("Waiting for identity to be initialized...")));
        assert!(
            failing
                .iter()
                .any(|l| l.contains("Failed to obtain identity")
                    && l.contains("issuer certificate has expired"))
        );
        assert!(lines(false).iter().all(|l| !l.contains("identity to be initialized")));
    }
}
