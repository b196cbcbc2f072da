//! The loop: the one task that owns the Model. Drain every queued event, update, then draw
//! once if anything changed. Idle means no frame and no byte written.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::model::Model;
use crate::app::session::{Projected, Session};
use crate::app::sources::Sources;
use crate::effect::Effect;
use crate::event::Event;
use crate::frame_gate::FrameGate;
use crate::k8s::event::{ClusterEvent, PodEvent};
use crate::milestones::Milestones;
use crate::terminal::Tui;
use crate::ui;

/// Data-driven redraws are capped at this rate; a key redraws at once.
const DATA_FRAME_INTERVAL: Duration = Duration::from_millis(100);
/// Events handled before a frame is allowed, so a flood of watch events cannot starve keys.
const MAX_DRAIN: usize = 4096;
/// Log batches (up to 1024 lines each) taken per turn of the loop: a flood is ingested in
/// slices between frames and keys.
const LOG_DRAIN: usize = 16;
/// A data-driven projection waits this many times its last cost: at 50k pods a projection
/// costs tens of ms, so under churn projecting takes at most ~1/8 of the core.
const PROJECTION_PACE: u32 = 8;

pub struct Loop {
    pub session: Session,
    pub sources: Sources,
    pub milestones: Milestones,
    /// Benchmarks only (`--bench-stats`): frames drawn and pod events applied.
    pub stats: Option<Arc<LoopStats>>,
}

/// Counters for `--bench-stats`, written to its file by `spawn_bench_stats`.
#[derive(Default)]
pub struct LoopStats {
    pub frames: AtomicU64,
    pub pod_events: AtomicU64,
    /// Pod (re)lists started (the first sync counts one).
    pub pod_lists: AtomicU64,
    /// When the oldest key not yet answered by a frame was read from the terminal.
    pending_key: std::sync::Mutex<Option<Instant>>,
    /// Key read to frame flushed, in microseconds, one entry per key frame.
    key_latencies: std::sync::Mutex<Vec<u64>>,
}

impl LoopStats {
    fn key_read(&self) {
        if let Ok(mut pending) = self.pending_key.lock() {
            pending.get_or_insert_with(Instant::now);
        }
    }

    fn key_answered(&self) {
        let Some(read_at) = self.pending_key.lock().ok().and_then(|mut p| p.take()) else { return };
        if let Ok(mut all) = self.key_latencies.lock() {
            all.push(read_at.elapsed().as_micros() as u64);
        }
    }

    /// `key_us` and every key's latency in order, so a benchmark can take percentiles over
    /// the keys it sent in each phase.
    fn key_line(&self) -> String {
        let all = self.key_latencies.lock().map(|l| l.clone()).unwrap_or_default();
        let mut line = String::from("key_us");
        for us in all {
            line.push_str(&format!(" {us}"));
        }
        line.push('\n');
        line
    }
}

/// Benchmarks only: every 500 ms, replace `path` with `bytes N`, `frames N`, `pod_events N`
/// lines (totals since the terminal was entered) and the key-to-frame latencies.
pub fn spawn_bench_stats(path: PathBuf, bytes: Arc<AtomicU64>) -> Arc<LoopStats> {
    let stats = Arc::new(LoopStats::default());
    let counters = stats.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(500));
        let tmp = path.with_extension("tmp");
        loop {
            interval.tick().await;
            let text = format!(
                "bytes {}\nframes {}\npod_events {}\npod_lists {}\n{}",
                bytes.load(Ordering::Relaxed),
                counters.frames.load(Ordering::Relaxed),
                counters.pod_events.load(Ordering::Relaxed),
                counters.pod_lists.load(Ordering::Relaxed),
                counters.key_line(),
            );
            let written = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path));
            if let Err(err) = written {
                tracing::warn!(path = %path.display(), %err, "cannot write bench stats");
                return;
            }
        }
    });
    stats
}

impl Loop {
    pub async fn run(
        mut self,
        mut terminal: Tui,
        mut events: mpsc::Receiver<Event>,
        tx: mpsc::Sender<Event>,
    ) -> Result<()> {
        spawn_input(tx.clone(), self.stats.clone());
        spawn_ticker(tx.clone());
        spawn_signals(tx.clone());
        let mut logs = self.sources.logs.take_receiver();
        let mut pacing = Pacing::default();
        let mut gate = FrameGate::default();
        // The data projection running on a worker, if any (see `Session::projection_job`).
        let mut projecting: Option<JoinHandle<Projected>> = None;
        loop {
            let wait = pacing
                .next_frame(&self.session.model, projecting.is_some())
                .map_or(Duration::from_secs(3600), |at| at.saturating_duration_since(Instant::now()));
            // Keys and watch events first, then a finished projection; log lines when nothing
            // else waits.
            let woke = tokio::select! {
                biased;
                ev = events.recv() => Woke::Event(ev),
                done = finished(&mut projecting) => Woke::Projected(Box::new(done)),
                msg = next_log(&mut logs) => Woke::Event(Some(Event::Logs(msg))),
                _ = tokio::time::sleep(wait) => Woke::Timer,
            };
            let mut key_pressed = false;
            let mut batch = Vec::new();
            match woke {
                Woke::Event(Some(ev)) => {
                    batch.push(ev);
                    while batch.len() < MAX_DRAIN {
                        match events.try_recv() {
                            Ok(ev) => batch.push(ev),
                            Err(_) => break,
                        }
                    }
                    if let Some(rx) = logs.as_mut() {
                        for _ in 0..LOG_DRAIN {
                            match rx.try_recv() {
                                Ok(msg) => batch.push(Event::Logs(msg)),
                                Err(_) => break,
                            }
                        }
                    }
                }
                Woke::Event(None) | Woke::Timer => {}
                Woke::Projected(done) => {
                    projecting = None;
                    let done = match *done {
                        Ok(done) => done,
                        // A projection that panicked panics the loop, as it did in place: the
                        // panic hook restores the terminal.
                        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                        Err(err) => return Err(err).wrap_err("the projection worker was cancelled"),
                    };
                    pacing.projected(done.cost);
                    self.session.finish(done);
                }
            }
            self.session.model.now = jiff::Timestamp::now();
            for mut ev in batch {
                key_pressed |= matches!(ev, Event::Input(_));
                if let (Some(stats), Event::Cluster(_, ClusterEvent::Pods(pods))) = (&self.stats, &ev) {
                    stats.pod_events.fetch_add(pods.len() as u64, Ordering::Relaxed);
                    let lists = pods.iter().filter(|p| matches!(p, PodEvent::Init)).count();
                    stats.pod_lists.fetch_add(lists as u64, Ordering::Relaxed);
                }
                self.sources.observe(&mut ev);
                // Each key is resolved against the screen it asked for (see Session).
                for effect in self.session.handle(ev) {
                    match effect {
                        Effect::CopyToClipboard(text) => {
                            let result = copy_to_clipboard(&mut terminal, &text)
                                .map(|()| text)
                                .map_err(|e| e.to_string());
                            let _ = tx.try_send(Event::Copied(result));
                        }
                        effect => self.sources.carry_out(effect, &tx),
                    }
                }
            }
            let model = &self.session.model;
            if model.quit {
                return Ok(());
            }
            let now = Instant::now();
            // Data is projected on a worker, one projection at a time, paced by its cost; its
            // frame is drawn when it comes back.
            if projecting.is_none()
                && model.data_stale
                && pacing.data_due_at() <= now
                && let Some(job) = self.session.projection_job()
            {
                projecting = Some(tokio::task::spawn_blocking(move || job.run()));
            }
            let model = &self.session.model;
            if !(model.redraw && (key_pressed || pacing.frame_gap_passed(now))) {
                continue;
            }
            // What is shown changed (a pane, a filter): projected here, before the frame.
            let started = Instant::now();
            if self.session.refresh(false) {
                pacing.projected(started.elapsed());
            }
            let session = &self.session;
            let presented = gate
                .draw(&mut terminal, |frame| {
                    crate::app::frame_view::draw(frame, &session.model, &session.screen)
                })
                .wrap_err("cannot draw to the terminal")?;
            self.session.model.ui.page_rows = ui::page_rows(terminal.size().map(|s| s.height).unwrap_or(24));
            self.session.model.redraw = false;
            pacing.drawn();
            self.milestones.frame_drawn(&self.session);
            if let Some(stats) = &self.stats {
                if presented {
                    stats.frames.fetch_add(1, Ordering::Relaxed);
                }
                if key_pressed {
                    stats.key_answered();
                }
            }
        }
    }
}

/// What woke the loop.
enum Woke {
    Event(Option<Event>),
    Projected(Box<Result<Projected, tokio::task::JoinError>>),
    Timer,
}

/// The worker's projection when it is done; never ready when none runs.
async fn finished(
    projecting: &mut Option<JoinHandle<Projected>>,
) -> Result<Projected, tokio::task::JoinError> {
    match projecting.as_mut() {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

/// When the next frame may be drawn. Keys draw at once with the views they have; data
/// frames come at most every `DATA_FRAME_INTERVAL`, and a data projection waits
/// `PROJECTION_PACE` times its last cost, so projecting a big cluster under churn takes a
/// bounded share of a core (it runs on a worker, so it never delays a key).
#[derive(Default)]
struct Pacing {
    last_draw: Option<Instant>,
    /// When the last projection ended and what it cost.
    last_projection: Option<(Instant, Duration)>,
}

impl Pacing {
    fn frame_gap_passed(&self, now: Instant) -> bool {
        self.last_draw.is_none_or(|at| now.duration_since(at) >= DATA_FRAME_INTERVAL)
    }

    fn data_due_at(&self) -> Instant {
        let after_frame = self.last_draw.map(|at| at + DATA_FRAME_INTERVAL);
        let after_projection = self.last_projection.map(|(at, cost)| at + cost * PROJECTION_PACE);
        match (after_frame, after_projection) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => Instant::now(),
        }
    }

    /// When to wake up for a frame nobody will ask for again (deferred data or redraw). While
    /// a projection runs, its end wakes the loop.
    fn next_frame(&self, model: &Model, projecting: bool) -> Option<Instant> {
        let data = (model.data_stale && !projecting).then(|| self.data_due_at());
        let redraw =
            model.redraw.then(|| self.last_draw.map_or_else(Instant::now, |at| at + DATA_FRAME_INTERVAL));
        match (data, redraw) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn projected(&mut self, cost: Duration) {
        self.last_projection = Some((Instant::now(), cost));
    }

    fn drawn(&mut self) {
        self.last_draw = Some(Instant::now());
    }
}

fn spawn_input(tx: mpsc::Sender<Event>, stats: Option<Arc<LoopStats>>) {
    tokio::spawn(async move {
        let mut stream = crossterm::event::EventStream::new();
        loop {
            let events = match stream.next().await {
                Some(Ok(crossterm::event::Event::Key(key))) => {
                    if let Some(stats) = &stats {
                        stats.key_read();
                    }
                    let keys = crate::keymap::unfold_escape(key);
                    keys.into_iter().map(|key| Event::Input(crossterm::event::Event::Key(key))).collect()
                }
                Some(Ok(ev)) => vec![Event::Input(ev)],
                Some(Err(err)) => vec![Event::InputClosed(err.to_string())],
                None => vec![Event::InputClosed("end of input".to_string())],
            };
            for ev in events {
                let closed = matches!(ev, Event::InputClosed(_));
                if tx.send(ev).await.is_err() || closed {
                    return;
                }
            }
        }
    });
}

/// The next log batch; never ready when there is no log channel.
async fn next_log(
    logs: &mut Option<mpsc::Receiver<crate::logs::stream::LogMsg>>,
) -> crate::logs::stream::LogMsg {
    match logs.as_mut() {
        Some(rx) => match rx.recv().await {
            Some(msg) => msg,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

fn spawn_ticker(tx: mpsc::Sender<Event>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        interval.tick().await;
        loop {
            interval.tick().await;
            if tx.send(Event::Tick).await.is_err() {
                return;
            }
        }
    });
}

fn spawn_signals(tx: mpsc::Sender<Event>) {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
    ];
    for (kind, name) in kinds {
        let tx = tx.clone();
        match signal(kind) {
            Ok(mut stream) => {
                tokio::spawn(async move {
                    if stream.recv().await.is_some() {
                        let _ = tx.send(Event::Signal(name)).await;
                    }
                });
            }
            Err(err) => tracing::warn!(signal = name, %err, "cannot watch signal"),
        }
    }
}

/// Effects that touch the terminal are done here, in the loop's task, between frames.
pub fn copy_to_clipboard(terminal: &mut Tui, text: &str) -> std::io::Result<()> {
    use crossterm::clipboard::CopyToClipboard;
    // crossterm base64-encodes the text, so it cannot break out of the OSC 52 sequence; but
    // whatever is copied is pasted later into a shell or a chat: no controls, no newlines.
    crossterm::execute!(
        terminal.backend_mut(),
        CopyToClipboard::to_clipboard_from(crate::sanitize::line(text).as_ref())
    )
}
