//! The log view's figures (issue #18), printed, not asserted:
//! - ingest: lines/s into the view's buffer from 20 streams in 1024-line batches, and the
//!   buffer's bytes and the process's RSS against the cap after 4x the cap was offered;
//! - filter: a regex over 1,000,000 buffered lines, then the frame that shows the result
//!   (projection + draw on a 200x50 TestBackend);
//! - keys during a flood: a key handled and its frame drawn, with a 1024-line batch applied
//!   before each key, p50/p99 over 2,000 keys.
//!
//! `cargo bench --bench logs` (under `cargo test` it runs a tenth the size, as a smoke test).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use kdeck::app::log_view::LogView;
use kdeck::app::model::Model;
use kdeck::app::session::Session;
use kdeck::event::{ConnectionInfo, Event};
use kdeck::logs::SourceKey;
use kdeck::logs::stream::{LogBody, LogMsg};
use kdeck::logs::target::{LogTarget, TargetKind};
use kdeck::model::fixtures::Fixtures;
use kdeck::policy::PolicyRules;
use kdeck::types::WorkloadKind;
use kdeck::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PODS: usize = 20;
const BATCH: usize = 1024;

fn session(cap: usize) -> Session {
    let now = Timestamp::from_second(1_780_000_000).unwrap();
    let conn = ConnectionInfo { context: "bench".into(), ..ConnectionInfo::default() };
    let model = Model::new(
        conn,
        Fixtures::new().at(now).build(),
        PolicyRules::default(),
        Theme::default_theme(),
        now,
    );
    let mut session = Session::new(model);
    let target = LogTarget {
        kind: TargetKind::Workload(WorkloadKind::Deployment),
        namespace: "shop".into(),
        name: "checkout".into(),
    };
    let pods = (0..PODS)
        .map(|i| (format!("checkout-7d9f8c6b5-{i:05}"), Some(format!("eu-west-1{}", ['a', 'b', 'c'][i % 3]))))
        .collect();
    session.model.logs = Some(Box::new(LogView::new(target, 1, pods, cap)));
    session
}

/// Realistic access and JSON lines, an error every 97th.
fn text(n: u64) -> Box<str> {
    if n.is_multiple_of(97) {
        format!("{{\"level\":\"error\",\"msg\":\"upstream timeout after 3000ms\",\"trace_id\":\"{n:016x}\",\"route\":\"/api/orders\"}}").into()
    } else {
        format!(
            "10.0.{}.{} - - \"GET /api/orders/{n} HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0\" 0.0{}",
            n % 250,
            n % 200,
            512 + n % 900,
            n % 90
        )
        .into()
    }
}

/// One 1024-line batch of pod `pod`, its lines 1 ms apart from `start` (in ms).
fn batch(pod: usize, start: u64) -> Event {
    let base = 1_780_000_000_000i64;
    let lines = (0..BATCH as u64)
        .map(|i| {
            let n = start + i;
            (Timestamp::from_millisecond(base + n as i64).unwrap(), text(n))
        })
        .collect();
    let key = SourceKey {
        namespace: Arc::from("shop"),
        pod: Arc::from(format!("checkout-7d9f8c6b5-{pod:05}")),
        container: Arc::from("app"),
    };
    Event::Logs(LogMsg { session: 1, key, body: LogBody::Lines(lines) })
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn key(c: char) -> Event {
    Event::Input(TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

fn draw(session: &mut Session, terminal: &mut Terminal<TestBackend>) {
    session.refresh(false);
    terminal
        .draw(|f| {
            kdeck::app::frame_view::draw(f, &session.model, &session.screen);
        })
        .unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` runs this as a smoke test, a tenth the size.
    let quick = !std::env::args().any(|a| a == "--bench");
    let scale = if quick { 10 } else { 1 };

    // Ingest: 4x the cap offered, in batches from 20 pods, round robin.
    let cap = 32 << 20;
    let mut s = session(cap);
    let rss_before = rss_bytes();
    let batches = 2_000 / scale;
    // Each batch is made just before it lands (as a stream hands it over); only its
    // handling is timed, and no pile of pending batches inflates the RSS figure.
    let mut took = Duration::ZERO;
    for b in 0..batches {
        let landed = batch(b % PODS, (b / PODS * BATCH) as u64);
        let started = Instant::now();
        black_box(s.handle(landed));
        took += started.elapsed();
    }
    let lines = batches * BATCH;
    let view = s.model.logs.as_ref().unwrap();
    println!(
        "logs_ingest: {lines} lines from {PODS} pods in {:.0} ms = {:.0} lines/s; buffer {:.1} MiB of {} MiB cap, {} lines held, {} dropped; RSS +{:.1} MiB",
        took.as_secs_f64() * 1e3,
        lines as f64 / took.as_secs_f64(),
        view.buffer.bytes() as f64 / (1 << 20) as f64,
        cap >> 20,
        view.buffer.len(),
        view.buffer.dropped(),
        rss_bytes().saturating_sub(rss_before) as f64 / (1 << 20) as f64,
    );
    drop(s);

    // Filter: 1M lines held (a cap large enough), then a regex and the frame showing it.
    let mut s = session(1 << 30);
    let held = 1_000_000 / scale;
    for b in 0..held.div_ceil(BATCH) {
        s.handle(batch(b % PODS, (b / PODS * BATCH) as u64));
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    for pattern in ["timeout", "orders/(12|34)5\\d\\b", "zzz-no-match"] {
        let started = Instant::now();
        s.model.logs.as_mut().unwrap().set_pattern(pattern);
        let filtered = started.elapsed();
        s.model.redraw = true;
        draw(&mut s, &mut terminal);
        let total = started.elapsed();
        let shown = s.model.logs.as_ref().unwrap().buffer.shown_len();
        println!(
            "logs_filter: /{pattern}/ over {} lines: {:.1} ms filter + frame = {:.1} ms ({shown} lines kept)",
            s.model.logs.as_ref().unwrap().buffer.len(),
            filtered.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
        );
    }
    s.model.logs.as_mut().unwrap().set_pattern("");

    // Keys during a flood: a batch lands before every key; the key's frame is timed.
    let mut times = Vec::new();
    let mut applies = Vec::new();
    let keys = ['k', 'k', 'j', 'G'];
    for i in 0..2_000 / scale {
        let landed = batch(i % PODS, (held + i * BATCH) as u64);
        let started = Instant::now();
        s.handle(landed);
        applies.push(started.elapsed());
        let started = Instant::now();
        s.handle(key(keys[i % keys.len()]));
        draw(&mut s, &mut terminal);
        times.push(started.elapsed());
    }
    times.sort();
    applies.sort();
    println!(
        "logs_batch_apply: {} batches of {BATCH} lines into {} lines held: p50 {:.2} ms, p99 {:.2} ms",
        applies.len(),
        s.model.logs.as_ref().unwrap().buffer.len(),
        percentile(&applies, 0.5).as_secs_f64() * 1e3,
        percentile(&applies, 0.99).as_secs_f64() * 1e3,
    );
    println!(
        "logs_key_during_flood: {} keys, a {BATCH}-line batch before each, buffer {} lines: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        s.model.logs.as_ref().unwrap().buffer.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
