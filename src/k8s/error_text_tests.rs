use super::*;
use std::fmt;
use std::os::unix::process::ExitStatusExt;

fn forbidden() -> Status {
    Status::failure(
        "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
        "Forbidden",
    )
    .with_code(403)
}

/// An error with a source, as hyper and hyper-util nest theirs.
#[derive(Debug)]
struct Wrapped(&'static str, Box<dyn StdError + Send + Sync>);

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for Wrapped {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.1.as_ref())
    }
}

fn service(error: impl StdError + Send + Sync + 'static) -> kube::Error {
    kube::Error::Service(Box::new(error))
}

#[test]
fn api_errors_read_like_a_status_line_with_the_servers_message() {
    let error = kube::Error::Api(forbidden().boxed());
    // What kube's own Display shows: the Debug dump this module exists to avoid.
    assert!(error.to_string().contains("Status {"), "{error}");
    assert_eq!(
        describe(&error),
        "403 Forbidden: pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
    );
    let not_found = Status::failure("deployments.apps \"web\" not found", "NotFound").with_code(404);
    assert_eq!(
        describe(&kube::Error::Api(not_found.boxed())),
        "404 NotFound: deployments.apps \"web\" not found"
    );
}

#[test]
fn a_status_without_reason_or_message_still_reads() {
    let bare = Status::failure("", "").with_code(503);
    assert_eq!(describe_status(&bare), "503 Service Unavailable");
    let no_reason = Status::failure("the server is shutting down\nmore detail", "").with_code(500);
    assert_eq!(describe_status(&no_reason), "500 Internal Server Error: the server is shutting down");
    let no_code = Status::failure("too old resource version: 1 (2)", "Expired");
    assert_eq!(describe_status(&no_code), "Expired: too old resource version: 1 (2)");
    assert_eq!(
        describe_status(&Status::failure("", "")),
        "the API server answered with an error and no message"
    );
}

#[test]
fn watcher_errors_lose_the_watcher_prefix_and_the_debug_dump() {
    let listed = watcher::Error::InitialListFailed(kube::Error::Api(forbidden().boxed()));
    assert!(describe_watch(&listed).starts_with("403 Forbidden: pods is forbidden"));
    let during = watcher::Error::WatchError(Status::failure("too old", "Expired").with_code(410).boxed());
    assert_eq!(describe_watch(&during), "410 Expired: too old");
    assert!(watch_server_message(&listed).starts_with("pods is forbidden: User"));
    let refused = watcher::Error::WatchFailed(service(io::Error::from(io::ErrorKind::ConnectionRefused)));
    assert_eq!(watch_server_message(&refused), "cannot reach the API server: connection refused");
}

#[test]
fn connection_refused_and_timeouts_are_named_wherever_they_sit_in_the_chain() {
    let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
    let nested = Wrapped("client error (Connect)", Box::new(Wrapped("tcp connect error", Box::new(refused))));
    assert_eq!(describe(&service(nested)), "cannot reach the API server: connection refused");

    let timed_out = io::Error::new(io::ErrorKind::TimedOut, "deadline has elapsed");
    assert_eq!(
        describe(&service(Wrapped("client error (Connect)", Box::new(timed_out)))),
        "cannot reach the API server: timed out"
    );
}

#[test]
fn tls_failures_name_the_certificate_problem() {
    let rustls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
    // tokio-rustls wraps the handshake error in an io::Error, whose source() skips it.
    let io = io::Error::new(io::ErrorKind::InvalidData, rustls);
    assert_eq!(
        describe(&service(Wrapped("client error (Connect)", Box::new(io)))),
        "TLS handshake with the API server failed: certificate signed by an unknown authority"
    );
    let bad_name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
    let text = describe(&service(io::Error::new(io::ErrorKind::InvalidData, bad_name)));
    assert!(text.starts_with("TLS handshake with the API server failed: invalid peer certificate"), "{text}");
}

#[test]
fn a_failing_credential_plugin_shows_its_last_stderr_line_not_bytes() {
    let out = std::process::Output {
        status: std::process::ExitStatus::from_raw(1 << 8),
        stdout: Vec::new(),
        stderr: b"fetching token...\nerror: the refresh token has expired, run `login`\n\n".to_vec(),
    };
    let error = kube::Error::Auth(AuthError::AuthExecRun { cmd: "aws-iam-auth".into(), out: Box::new(out) });
    assert!(error.to_string().contains("Output { status"), "kube's own text is a dump: {error}");
    assert_eq!(
        describe(&error),
        "credential plugin aws-iam-auth failed (exit code 1): error: the refresh token has expired, run `login`"
    );
    let missing = kube::Error::Auth(AuthError::AuthExecStart(io::Error::new(
        io::ErrorKind::NotFound,
        "No such file or directory (os error 2)",
    )));
    assert_eq!(describe(&missing), "cannot run the credential plugin: No such file or directory");
    let other = kube::Error::Auth(AuthError::ExecPluginFailed);
    assert_eq!(describe(&other), "authentication failed: exec-plugin response did not contain a status");
}

#[test]
fn other_errors_join_their_causes_without_kubes_prefixes_or_repeats() {
    let error = service(Wrapped(
        "client error (SendRequest)",
        Box::new(Wrapped(
            "connection closed before message completed",
            Box::new(io::Error::other("broken pipe")),
        )),
    ));
    assert_eq!(
        describe(&error),
        "client error (SendRequest): connection closed before message completed: broken pipe"
    );
    let dns = service(Wrapped(
        "client error (Connect)",
        Box::new(Wrapped(
            "dns error",
            Box::new(io::Error::other("failed to lookup address information: Name or service not known")),
        )),
    ));
    assert_eq!(
        describe(&dns),
        "cannot resolve the API server's host: client error (Connect): dns error: failed to lookup address information: Name or service not known"
    );
}
