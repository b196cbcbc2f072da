//! The text of one log line, per [`Style`], from the line's time and its hash: nothing here
//! keeps state, so the same (container, time) always gives the same line.
//!
//! Now and then (deterministically) a line carries terminal escape sequences, as real
//! programs write them: mostly SGR colours, rarely something hostile (a clipboard write,
//! a screen clear, a window title), for clients that must neutralise them.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::workload::{Style, Voice};

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// One sim second in the formats the generators print (computed once a second).
#[derive(Clone, Debug)]
pub struct Stamp {
    pub second: i64,
    /// `2026-12-02T06:01:02` (RFC 3339 without fraction and zone)
    pub rfc: String,
    /// `02/Dec/2026:06:01:02 +0000` (nginx's $time_local)
    pub clf: String,
    /// `2026-12-02 06:01:02` (PostgreSQL)
    pub pg: String,
    /// `02 Dec 2026 06:01:02` (Redis)
    pub redis: String,
}

impl Stamp {
    pub fn of(second: i64) -> Stamp {
        let ts = Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH);
        let dt = ts.to_zoned(TimeZone::UTC).datetime();
        let (y, mo, d, h, mi, s) = (dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second());
        let mon = MONTHS[usize::try_from(mo - 1).unwrap_or(0).min(11)];
        Stamp {
            second,
            rfc: format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
            clf: format!("{d:02}/{mon}/{y:04}:{h:02}:{mi:02}:{s:02} +0000"),
            pg: format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
            redis: format!("{d:02} {mon} {y:04} {h:02}:{mi:02}:{s:02}"),
        }
    }
}

/// Pick from a table by a hash.
fn pick<'a>(table: &[&'a str], h: u64) -> &'a str {
    table[(h % table.len() as u64) as usize]
}

/// Independent-looking draws from one line hash.
fn draw(h: u64, n: u32) -> u64 {
    crate::load::hash2(h, "draw", u64::from(n))
}

const CLIENTS: [&str; 8] = [
    "10.0.3.17",
    "10.0.1.42",
    "10.0.2.8",
    "172.16.4.21",
    "10.0.5.133",
    "10.0.0.77",
    "192.168.12.9",
    "10.0.4.250",
];
const AGENTS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "kube-probe/1.33",
    "okhttp/4.12.0",
    "curl/8.5.0",
];
const METHODS: [&str; 8] = ["GET", "GET", "GET", "GET", "POST", "GET", "PUT", "DELETE"];
const RESOURCES: [&str; 8] =
    ["orders", "items", "users", "cart", "search", "sessions", "payments", "products"];
const ERRORS: [u16; 5] = [500, 502, 503, 504, 500];
const MESSAGES: [&str; 10] = [
    "request completed",
    "order placed",
    "cache miss, loading from database",
    "user session refreshed",
    "published event to queue",
    "scheduled job finished",
    "connection pool stats",
    "feature flags reloaded",
    "request completed",
    "health check ok",
];
const FAILURES: [&str; 5] = [
    "upstream request failed: connection reset by peer",
    "unhandled exception in request handler: NullPointerException",
    "database query failed: canceling statement due to statement timeout",
    "circuit breaker open for dependency pricing-service",
    "failed to serialize response: unexpected end of input",
];
const WARNINGS: [&str; 3] =
    ["slow request", "retrying call to downstream service (attempt 2/3)", "connection pool near capacity"];

fn status(voice: &Voice, h: u64) -> u16 {
    let u = draw(h, 1) % 1000;
    match u {
        _ if voice.errors && u < 400 => ERRORS[(draw(h, 2) % 5) as usize],
        0..=4 => 500,
        5..=24 => 404,
        25..=34 => 304,
        35..=44 => 201,
        _ => 200,
    }
}

fn path(voice: &Voice, h: u64) -> String {
    match draw(h, 3) % 10 {
        0 => "/healthz".into(),
        1 => format!("/static/js/app.{:08x}.js", draw(h, 4) as u32),
        2 => format!("/api/{}?page={}", pick(&RESOURCES, draw(h, 5)), draw(h, 6) % 20),
        3 => format!("/{}/api/status", voice.app),
        _ => format!("/api/{}/{}", pick(&RESOURCES, draw(h, 5)), draw(h, 6) % 100_000),
    }
}

fn millis(voice: &Voice, h: u64) -> f64 {
    let base = 2.0 + (draw(h, 7) % 120) as f64;
    let slow = if voice.errors { 3.0 } else { 1.0 };
    (base * slow) / 1000.0
}

fn trace_id(h: u64) -> String {
    format!("{:016x}{:016x}", draw(h, 8), draw(h, 9))
}

/// The rare lines with terminal escape sequences: colours in about 1 line in 400, something
/// hostile in about 1 in 20,000.
fn escaped(voice: &Voice, stamp: &Stamp, h: u64) -> Option<String> {
    let roll = draw(h, 30) % 20_000;
    match roll {
        0 => Some(format!("\x1b]52;c;{}\x07copied session token to clipboard", "ZWNobyAncHduZWQnCg==")),
        1 => Some("\x1b[2J\x1b[Hterminal cleared by debug console".to_string()),
        2 => Some(format!("\x1b]0;{} - pwned\x07window title changed", voice.app)),
        3..=52 => Some(format!(
            "\x1b[31mERROR\x1b[0m {} \x1b[2m({}.{})\x1b[0m",
            pick(&FAILURES, draw(h, 31)),
            stamp.rfc,
            draw(h, 32) % 1000
        )),
        53..=102 => Some(format!("\x1b[33mWARN\x1b[0m  {}", pick(&WARNINGS, draw(h, 33)))),
        _ => None,
    }
}

/// The text of the line at `stamp`.`nanos` with hash `h` (no newline).
pub fn line(voice: &Voice, stamp: &Stamp, nanos: u32, h: u64) -> String {
    if let Some(text) = escaped(voice, stamp, h) {
        return text;
    }
    let millis_frac = nanos / 1_000_000;
    let mut out = String::with_capacity(200);
    match voice.style {
        Style::Access => {
            let _ = write!(
                out,
                "{} - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\" {:.3}",
                pick(&CLIENTS, draw(h, 10)),
                stamp.clf,
                pick(&METHODS, draw(h, 11)),
                path(voice, h),
                status(voice, h),
                64 + draw(h, 12) % 8000,
                pick(&AGENTS, draw(h, 13)),
                millis(voice, h)
            );
        }
        Style::IngressController => {
            let upstream = match voice.upstreams.as_slice() {
                [] => "upstream-default-backend".to_string(),
                names => names[(draw(h, 14) % names.len() as u64) as usize].clone(),
            };
            let code = status(voice, h);
            let secs = millis(voice, h);
            let _ = write!(
                out,
                "{} - - [{}] \"{} {} HTTP/2.0\" {code} {} \"-\" \"{}\" {} {secs:.3} [{upstream}] [] 10.0.{}.{}:8080 {} {secs:.3} {code} {}",
                pick(&CLIENTS, draw(h, 10)),
                stamp.clf,
                pick(&METHODS, draw(h, 11)),
                path(voice, h),
                64 + draw(h, 12) % 8000,
                pick(&AGENTS, draw(h, 13)),
                200 + draw(h, 15) % 600,
                draw(h, 16) % 8,
                2 + draw(h, 17) % 250,
                64 + draw(h, 12) % 8000,
                &trace_id(h)[..32],
            );
        }
        Style::Json => {
            let failing = voice.errors && draw(h, 18) % 100 < 45;
            let roll = draw(h, 19) % 100;
            let (level, msg) = match roll {
                _ if failing => ("error", pick(&FAILURES, draw(h, 20))),
                0 => ("error", pick(&FAILURES, draw(h, 20))),
                1..=4 => ("warn", pick(&WARNINGS, draw(h, 21))),
                5..=14 => ("debug", "cache lookup"),
                _ => ("info", pick(&MESSAGES, draw(h, 22))),
            };
            let _ = write!(
                out,
                "{{\"ts\":\"{}.{millis_frac:03}Z\",\"level\":\"{level}\",\"logger\":\"com.example.{}.{}\",\"msg\":\"{msg}\",\"duration_ms\":{},\"trace_id\":\"{}\"}}",
                stamp.rfc,
                package(&voice.app),
                pick(
                    &["OrderService", "RequestHandler", "Repository", "EventPublisher", "Scheduler"],
                    draw(h, 23)
                ),
                draw(h, 24) % 400,
                trace_id(h)
            );
        }
        Style::Envoy => {
            let code = status(voice, h);
            let _ = write!(
                out,
                "[{}.{millis_frac:03}Z] \"{} {} HTTP/1.1\" {code} - via_upstream - \"-\" 0 {} {} {} \"-\" \"{}\" \"{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}\" \"{}:8080\" \"{}:8080\" inbound|8080|| 127.0.0.6:{} {}:8080 {}:{} outbound_.8080_._.{}.svc.cluster.local default",
                stamp.rfc,
                pick(&METHODS, draw(h, 11)),
                path(voice, h),
                64 + draw(h, 12) % 8000,
                1 + draw(h, 25) % 200,
                draw(h, 25) % 200,
                pick(&AGENTS, draw(h, 13)),
                draw(h, 26) as u32,
                draw(h, 27) as u16,
                draw(h, 28) % 0x1000,
                draw(h, 29) % 0x1000,
                draw(h, 8) % 0x1_0000_0000_0000,
                voice.app,
                voice.pod_ip,
                30_000 + draw(h, 34) % 30_000,
                voice.pod_ip,
                pick(&CLIENTS, draw(h, 10)),
                30_000 + draw(h, 35) % 30_000,
                voice.app,
            );
        }
        Style::Linkerd => super::linkerd::write(&mut out, voice, stamp, nanos, h),
        Style::Postgres => {
            let pid = 100 + draw(h, 36) % 9000;
            let text = match draw(h, 37) % 10 {
                0 => "LOG:  checkpoint starting: time".to_string(),
                1 => format!(
                    "LOG:  checkpoint complete: wrote {} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, 1 recycled",
                    draw(h, 38) % 5000,
                    (draw(h, 38) % 300) as f64 / 10.0
                ),
                2 => format!("LOG:  connection received: host={} port={}", pick(&CLIENTS, draw(h, 10)), 30_000 + draw(h, 39) % 30_000),
                3 => "LOG:  connection authorized: user=app database=app application_name=PostgreSQL JDBC Driver".into(),
                4 if voice.errors => "ERROR:  canceling statement due to statement timeout".into(),
                4 => "LOG:  automatic vacuum of table \"app.public.orders\": index scans: 1".into(),
                _ => format!(
                    "LOG:  duration: {:.3} ms  statement: SELECT id, status, total FROM orders WHERE customer_id = {} ORDER BY created_at DESC LIMIT 20",
                    (draw(h, 40) % 50_000) as f64 / 1000.0,
                    draw(h, 41) % 100_000
                ),
            };
            let _ = write!(out, "{}.{millis_frac:03} UTC [{pid}] {text}", stamp.pg);
        }
        Style::Redis => {
            let text = match draw(h, 42) % 6 {
                0 => format!("{} changes in 300 seconds. Saving...", 10 + draw(h, 43) % 1000),
                1 => format!("Background saving started by pid {}", 20 + draw(h, 44) % 2000),
                2 => "DB saved on disk".into(),
                3 => "Background saving terminated with success".into(),
                4 => format!(
                    "Fork CoW for RDB: current {} MB, peak {} MB, average 0 MB",
                    draw(h, 45) % 4,
                    1 + draw(h, 45) % 6
                ),
                _ => "Accepted connection from replica".into(),
            };
            let role = if draw(h, 46).is_multiple_of(2) { 'M' } else { 'C' };
            let mark = if role == 'M' { '*' } else { '.' };
            let _ = write!(out, "1:{role} {}.{millis_frac:03} {mark} {text}", stamp.redis);
        }
        Style::Logfmt => {
            let (level, msg) = match draw(h, 47) % 20 {
                0 => ("warn", "retrying flush to output"),
                1..=3 => ("debug", "heartbeat"),
                4..=10 => ("info", "flushed records"),
                _ => ("info", "config watch: no changes"),
            };
            let _ = write!(
                out,
                "time=\"{}.{millis_frac:03}Z\" level={level} msg=\"{msg}\" component={} records={} bytes={}",
                stamp.rfc,
                voice.app,
                draw(h, 48) % 500,
                draw(h, 49) % 100_000
            );
        }
    }
    out
}

/// A Java package segment from an app name ("order-service" -> "orderservice").
fn package(app: &str) -> String {
    let name: String =
        app.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("app{name}")
    } else {
        name
    }
}

/// How a container instance ended, for the lines it wrote last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Crash {
    /// Exit with an error (code != 0): an uncaught exception, with the termination message if any.
    Error { message: Option<String> },
    /// Killed for exceeding its memory limit.
    OomKilled,
}

/// The last lines of a crashing instance: a Java stack trace.
pub fn crash_trace(voice: &Voice, crash: &Crash, h: u64) -> Vec<String> {
    let pkg = package(&voice.app);
    let mut lines = Vec::with_capacity(16);
    match crash {
        Crash::OomKilled => {
            lines.push(format!(
                "Exception in thread \"worker-{}\" java.lang.OutOfMemoryError: Java heap space",
                1 + h % 8
            ));
            lines.push("\tat java.base/java.util.Arrays.copyOf(Arrays.java:3541)".into());
            lines.push("\tat java.base/java.util.ArrayList.grow(ArrayList.java:237)".into());
            lines.push(format!("\tat com.example.{pkg}.model.FeatureMatrix.expand(FeatureMatrix.java:118)"));
            lines.push(format!("\tat com.example.{pkg}.model.Recommender.score(Recommender.java:64)"));
            lines.push(format!("\tat com.example.{pkg}.worker.BatchWorker.run(BatchWorker.java:42)"));
            lines.push("\tat java.base/java.lang.Thread.run(Thread.java:1583)".into());
        }
        Crash::Error { message } => {
            let message = message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    pick(
                        &[
                            "Failed to initialize connection pool: timeout after 5000ms",
                            "Required secret DATABASE_PASSWORD is not set",
                            "Schema validation failed: missing table [orders]",
                        ],
                        h,
                    )
                    .to_string()
                });
            lines.push(format!("Exception in thread \"main\" java.lang.IllegalStateException: {message}"));
            lines.push(format!("\tat com.example.{pkg}.config.Settings.load(Settings.java:42)"));
            lines.push(format!("\tat com.example.{pkg}.config.Settings.<init>(Settings.java:27)"));
            lines.push(format!("\tat com.example.{pkg}.Application.start(Application.java:87)"));
            lines.push(format!("\tat com.example.{pkg}.Application.main(Application.java:31)"));
            lines.push("Caused by: java.lang.IllegalArgumentException: invalid value".into());
            lines.push(format!("\tat com.example.{pkg}.config.Parser.parseBoolean(Parser.java:113)"));
            lines.push(format!("\tat com.example.{pkg}.config.Settings.load(Settings.java:39)"));
            lines.push("\t... 3 more".into());
        }
    }
    lines
}

#[cfg(test)]
#[path = "generators_tests.rs"]
mod tests;
