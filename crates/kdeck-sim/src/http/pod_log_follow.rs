//! A followed log after its history is sent: read the container's lines as sim time
//! passes, in chunks, until it stops, the pod goes, the limit is reached or the client leaves.

use super::*;

/// Real time between two reads of a followed log.
const FOLLOW_TICK: Duration = Duration::from_millis(100);
/// Lines in one chunk of a followed stream at most (a flood is sent in several).
const CHUNK_LINES: usize = 2048;

/// What became of the followed container since the last look.
enum Fate {
    Running,
    /// It stopped: the instance with its end, to send the rest of.
    Stopped(Instance),
    /// The pod or the container is gone.
    Gone,
}

/// A followed log after its history is sent.
pub(super) struct FollowTask {
    pub(super) store: Store,
    pub(super) flood: Arc<FloodControl>,
    pub(super) clock: SimClock,
    pub(super) namespace: Option<String>,
    pub(super) name: String,
    pub(super) uid: Option<String>,
    pub(super) container: String,
    pub(super) voice: Voice,
    pub(super) instance: Instance,
    pub(super) timestamps: bool,
    pub(super) limit: Option<usize>,
    pub(super) stamp: Option<Stamp>,
    pub(super) lag_ns: i128,
    pub(super) shutdown: watch::Receiver<bool>,
    pub(super) faults: watch::Receiver<ActiveFaults>,
}

type Sender = mpsc::Sender<Result<Bytes, std::io::Error>>;

impl FollowTask {
    pub(super) async fn run(mut self, mut follower: Follower, history: Bytes, tx: Sender) {
        if !history.is_empty() && tx.send(Ok(history)).await.is_err() {
            return;
        }
        let opened = Instant::now();
        let mut drop_at: Option<Instant> = None;
        let mut ticker = tokio::time::interval(FOLLOW_TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut pod_bytes: Option<Arc<[u8]>> = None;
        loop {
            let (blackhole, revoked, dropping) = {
                let active = self.faults.borrow_and_update();
                (active.is_on(&ApiFault::Blackhole), active.revokes("pods"), active.is_on(&ApiFault::LogDrop))
            };
            if blackhole {
                // hold the stream open without a byte, as a watch does
                tokio::select! {
                    _ = tx.closed() => {}
                    _ = self.shutdown.wait_for(|stop| *stop) => {}
                }
                return;
            }
            if revoked {
                return;
            }
            drop_at = match (dropping, drop_at) {
                (false, _) => None,
                (true, None) => Some(Instant::now().max(opened) + LOG_DROP_AFTER),
                (true, Some(at)) => Some(at),
            };
            if drop_at.is_some_and(|at| Instant::now() >= at) {
                tracing::info!(pod = %self.name, container = %self.container, "log-drop: cutting a followed log");
                let _ = tx.send(Err(std::io::Error::other("log-drop: stream cut"))).await;
                return;
            }
            let fate = self.fate(&mut pod_bytes);
            let (upto, last) = match fate {
                Fate::Gone => return,
                Fate::Running => (history::nanos(self.clock.now()) - self.lag_ns, false),
                Fate::Stopped(instance) => {
                    self.instance = instance;
                    (self.instance.end_ns().unwrap_or(i128::MAX), true)
                }
            };
            if !self.send_until(&mut follower, upto, &tx).await {
                return;
            }
            if last {
                return;
            }
            let until_drop = drop_at.map_or(Duration::MAX, |at| at.saturating_duration_since(Instant::now()));
            tokio::select! {
                _ = ticker.tick() => {}
                _ = tokio::time::sleep(until_drop) => {}
                _ = tx.closed() => return,
                _ = self.shutdown.wait_for(|stop| *stop) => return,
                switched = self.faults.changed() => if switched.is_err() { return },
            }
        }
    }

    /// Send every line up to `upto` in chunks; false when the stream is over.
    async fn send_until(&mut self, follower: &mut Follower, upto: i128, tx: &Sender) -> bool {
        loop {
            let history = History { voice: &self.voice, flood: &self.flood };
            let lines = follower.advance(&history, &self.instance, upto, CHUNK_LINES);
            let full = lines.len() >= CHUNK_LINES;
            if !lines.is_empty() {
                let chunk = render(&lines, self.timestamps, &mut self.limit, &mut self.stamp);
                if tx.send(Ok(Bytes::from(chunk))).await.is_err() || self.limit == Some(0) {
                    return false;
                }
            }
            if !full {
                return true;
            }
        }
    }

    /// Look at the pod again (decoded only when it changed).
    fn fate(&self, seen: &mut Option<Arc<[u8]>>) -> Fate {
        let Some(rt) = crate::resources::lookup("", "v1", "pods") else { return Fate::Gone };
        let Some(stored) = self.store.get_raw(rt, self.namespace.as_deref(), &self.name) else {
            return Fate::Gone;
        };
        if seen.as_ref().is_some_and(|bytes| Arc::ptr_eq(bytes, &stored.bytes)) {
            return Fate::Running;
        }
        *seen = Some(stored.bytes.clone());
        let Ok(pod) = serde_json::from_slice::<Pod>(&stored.bytes) else { return Fate::Gone };
        if pod.metadata.uid != self.uid {
            return Fate::Gone;
        }
        let Some(status) = status_of(&pod, &self.container) else { return Fate::Gone };
        let state = status.state.as_ref();
        let started = |t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| t.map(|t| t.0);
        if state
            .and_then(|s| s.running.as_ref())
            .is_some_and(|r| started(r.started_at.as_ref()) == Some(self.instance.started))
        {
            return Fate::Running;
        }
        let ended = state
            .and_then(|s| s.terminated.as_ref())
            .into_iter()
            .chain(status.last_state.as_ref().and_then(|s| s.terminated.as_ref()))
            .find(|t| started(t.started_at.as_ref()) == Some(self.instance.started));
        match ended {
            Some(t) => Fate::Stopped(terminated_instance(t)),
            None => Fate::Gone,
        }
    }
}
