//! The loop: the one task that owns the Model. Drain every queued event, update, then draw
//! once if anything changed. Idle means no frame and no byte written.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::model::Model;
use crate::app::sources::Sources;
use crate::app::update::update;
use crate::event::Event;
use crate::k8s::event::ClusterEvent;
use crate::milestones::Milestones;
use crate::terminal::Tui;
use crate::ui;

/// Data-driven redraws are capped at this rate; a key redraws at once.
const DATA_FRAME_INTERVAL: Duration = Duration::from_millis(100);
/// Events handled before a frame is allowed, so a flood of watch events cannot starve keys.
const MAX_DRAIN: usize = 4096;

pub struct Loop {
    pub model: Model,
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
}

/// Benchmarks only: every 500 ms, replace `path` with `bytes N`, `frames N`, `pod_events N`
/// lines (totals since the terminal was entered).
pub fn spawn_bench_stats(path: PathBuf, bytes: Arc<AtomicU64>) -> Arc<LoopStats> {
    let stats = Arc::new(LoopStats::default());
    let counters = stats.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(500));
        let tmp = path.with_extension("tmp");
        loop {
            interval.tick().await;
            let text = format!(
                "bytes {}\nframes {}\npod_events {}\n",
                bytes.load(Ordering::Relaxed),
                counters.frames.load(Ordering::Relaxed),
                counters.pod_events.load(Ordering::Relaxed),
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
        spawn_input(tx.clone());
        spawn_ticker(tx.clone());
        spawn_signals(tx.clone());
        let mut last_draw: Option<Instant> = None;
        let mut deferred = false;
        loop {
            let wait = match (deferred, last_draw) {
                (true, Some(at)) => DATA_FRAME_INTERVAL.saturating_sub(at.elapsed()),
                _ => Duration::from_secs(3600),
            };
            let first = tokio::select! {
                ev = events.recv() => ev,
                _ = tokio::time::sleep(wait) => None,
            };
            let mut key_pressed = false;
            let mut batch = Vec::new();
            if let Some(ev) = first {
                batch.push(ev);
                while batch.len() < MAX_DRAIN {
                    match events.try_recv() {
                        Ok(ev) => batch.push(ev),
                        Err(_) => break,
                    }
                }
            }
            self.model.now = jiff::Timestamp::now();
            for ev in batch {
                key_pressed |= matches!(ev, Event::Input(_));
                if let (Some(stats), Event::Cluster(ClusterEvent::Pods(pods))) = (&self.stats, &ev) {
                    stats.pod_events.fetch_add(pods.len() as u64, Ordering::Relaxed);
                }
                self.sources.observe(&ev);
                let effects = update(&mut self.model, ev);
                for effect in effects {
                    self.sources.carry_out(effect, &tx, &mut terminal);
                }
            }
            if self.model.quit {
                return Ok(());
            }
            if !self.model.redraw {
                continue;
            }
            let due = key_pressed || last_draw.is_none_or(|at| at.elapsed() >= DATA_FRAME_INTERVAL);
            if !due {
                deferred = true;
                continue;
            }
            deferred = false;
            self.model.refresh_views();
            terminal.draw(|frame| ui::draw(frame, &self.model)).wrap_err("cannot draw to the terminal")?;
            self.model.ui.page_rows = ui::page_rows(terminal.size().map(|s| s.height).unwrap_or(24));
            self.model.redraw = false;
            last_draw = Some(Instant::now());
            self.milestones.frame_drawn(&self.model);
            if let Some(stats) = &self.stats {
                stats.frames.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn spawn_input(tx: mpsc::Sender<Event>) {
    tokio::spawn(async move {
        let mut stream = crossterm::event::EventStream::new();
        loop {
            let ev = match stream.next().await {
                Some(Ok(ev)) => Event::Input(ev),
                Some(Err(err)) => Event::InputClosed(err.to_string()),
                None => Event::InputClosed("end of input".to_string()),
            };
            let closed = matches!(ev, Event::InputClosed(_));
            if tx.send(ev).await.is_err() || closed {
                return;
            }
        }
    });
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
    crossterm::execute!(terminal.backend_mut(), CopyToClipboard::to_clipboard_from(text))
}
