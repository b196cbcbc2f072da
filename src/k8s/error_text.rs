//! Kubernetes errors for people: one line each, never a Rust `Debug` dump.
//!
//! kube-client 5 formats an API error as `ApiError: {status} ({status:?})` and a failed exec
//! plugin with the `Debug` of its `std::process::Output` (stdout and stderr as byte arrays).
//! Nothing a user sees goes through those `Display`s: every kube error is turned into text
//! here. An answer from the server reads like the HTTP status line plus the server's message
//! (`403 Forbidden: pods is forbidden: User "jane" cannot list ...`); transport failures say
//! what failed (connection refused, timed out, TLS, the credential plugin).

use std::error::Error as StdError;
use std::io;

use kube::client::AuthError;
use kube::core::Status;
use kube::runtime::watcher;

/// One line for any error of the kube client.
pub fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => describe_status(status),
        kube::Error::Auth(auth) => describe_auth(auth),
        other => describe_transport(other),
    }
}

/// One line for a watcher's error: the underlying request's error, without the watcher's
/// own prefix (the kind it belongs to is shown beside it).
pub fn describe_watch(error: &watcher::Error) -> String {
    match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => describe(e),
        watcher::Error::WatchError(status) => describe_status(status),
        watcher::Error::NoResourceVersion => first_line(&error.to_string()),
    }
}

/// `403 Forbidden: <message>`: the code, the server's reason (else the HTTP reason phrase),
/// and the first line of the server's message.
pub fn describe_status(status: &Status) -> String {
    let reason = if status.reason.is_empty() {
        http::StatusCode::from_u16(status.code).ok().and_then(|code| code.canonical_reason()).unwrap_or("")
    } else {
        status.reason.as_str()
    };
    let head = match (status.code, reason) {
        (0, reason) => reason.to_owned(),
        (code, "") => code.to_string(),
        (code, reason) => format!("{code} {reason}"),
    };
    let message = first_line(&status.message);
    match (head.is_empty(), message.is_empty()) {
        (true, true) => "the API server answered with an error and no message".to_owned(),
        (false, true) => head,
        (true, false) => message,
        (false, false) => format!("{head}: {message}"),
    }
}

/// The server's message alone (for a state already labelled "forbidden"), else the whole line.
pub fn server_message(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if !status.message.trim().is_empty() => first_line(&status.message),
        other => describe(other),
    }
}

/// The same for a watcher's error.
pub fn watch_server_message(error: &watcher::Error) -> String {
    match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => server_message(e),
        watcher::Error::WatchError(status) if !status.message.trim().is_empty() => {
            first_line(&status.message)
        }
        other => describe_watch(other),
    }
}

fn describe_auth(error: &AuthError) -> String {
    match error {
        AuthError::AuthExecRun { cmd, out } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().map(str::trim).rfind(|l| !l.is_empty()).map(crate::sanitize::line);
            let status = match out.status.code() {
                Some(code) => format!("exit code {code}"),
                None => "killed by a signal".to_owned(),
            };
            match last {
                Some(line) => format!("credential plugin {cmd} failed ({status}): {line}"),
                None => format!("credential plugin {cmd} failed ({status})"),
            }
        }
        AuthError::AuthExecStart(e) => format!("cannot run the credential plugin: {}", io_text(e)),
        other => format!("authentication failed: {}", chain_text(other)),
    }
}

fn describe_transport(error: &kube::Error) -> String {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(inner) = current.downcast_ref::<kube::Error>()
            && !std::ptr::eq(inner, error)
            && matches!(inner, kube::Error::Api(_) | kube::Error::Auth(_))
        {
            return describe(inner);
        }
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return tls_text(tls);
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
                return tls_text(tls);
            }
            if let Some(text) = io_kind_text(io.kind()) {
                return format!("cannot reach the API server: {text}");
            }
            // io::Error::source skips the error it wraps: walk on from that one.
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn StdError + 'static) = inner;
                cause = Some(inner);
                continue;
            }
        }
        cause = current.source();
    }
    let text = chain_text(error);
    if text.contains("dns error") {
        return format!("cannot resolve the API server's host: {text}");
    }
    text
}

fn tls_text(error: &rustls::Error) -> String {
    let what = match error {
        // rustls names this one with its Debug ("UnknownIssuer").
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            "certificate signed by an unknown authority".to_owned()
        }
        other => other.to_string(),
    };
    format!("TLS handshake with the API server failed: {what}")
}

/// Short words for the transport failures people meet.
fn io_kind_text(kind: io::ErrorKind) -> Option<&'static str> {
    Some(match kind {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "connection reset",
        io::ErrorKind::ConnectionAborted => "connection aborted",
        io::ErrorKind::TimedOut => "timed out",
        io::ErrorKind::HostUnreachable => "host unreachable",
        io::ErrorKind::NetworkUnreachable => "network unreachable",
        io::ErrorKind::UnexpectedEof => "connection closed by the server",
        _ => return None,
    })
}

/// An io error without the trailing `(os error N)`.
fn io_text(error: &io::Error) -> String {
    let text = error.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_owned()
}

/// The error and its causes on one line, without kube's variant prefixes ("HyperError: ")
/// and without repeating a cause its parent already quoted.
fn chain_text(error: &(dyn StdError + 'static)) -> String {
    let mut line = String::new();
    let mut cause = Some(error);
    while let Some(current) = cause {
        let text = match current.downcast_ref::<io::Error>() {
            Some(io) => io_text(io),
            None => first_line(&current.to_string()),
        };
        let text = strip_prefixes(&text);
        if !text.is_empty() && !line.contains(text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(text);
        }
        cause = current.source();
    }
    line
}

fn strip_prefixes(text: &str) -> &str {
    const PREFIXES: [&str; 3] = ["HyperError: ", "ServiceError: ", "Failed to infer configuration: "];
    let mut text = text.trim();
    while let Some(rest) = PREFIXES.iter().find_map(|p| text.strip_prefix(p)) {
        text = rest.trim();
    }
    text
}

/// The first non-empty line of text from the server or a plugin, terminal-safe.
fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    crate::sanitize::line(line).trim().to_owned()
}

#[cfg(test)]
#[path = "error_text_tests.rs"]
mod tests;
