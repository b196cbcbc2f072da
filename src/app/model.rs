//! The Model: the loop's state: caches, Prometheus answers, the user's place on screen and
//! the policy in force. Only the loop holds it mutably. What is on screen (`Screen`) is
//! derived from it and lives beside it in `Session`.

use jiff::Timestamp;

use crate::app::ui_state::UiState;
use crate::event::{ConnectionInfo, Generation};
use crate::k8s::watch::Stores;
use crate::model::cluster::ClusterState;
use crate::policy::{Policy, PolicyRules};
use crate::prom::PromState;
use crate::ui::theme::Theme;

/// A 401 re-reads the kubeconfig (exec plugin, token file) once; a second one is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Accepted,
    /// Rejected once: the kubeconfig is being read again.
    Rereading,
    /// Rejected again after re-reading: the user must log in.
    Rejected,
}

pub struct Model {
    pub ui: UiState,
    pub conn: ConnectionInfo,
    /// The connection whose data the model holds; events of any other are dropped.
    pub generation: Generation,
    /// The newest connection asked for (`:ctx`, narrowing): the only one adopted when it
    /// connects.
    pub requested: Generation,
    /// The namespace scope: None = all namespaces.
    pub namespace: Option<String>,
    /// The user chose the scope with `:ns`: it survives context switches (to compare the
    /// same namespace across clusters); otherwise each context opens with its own.
    pub namespace_typed: bool,
    /// The namespace the watches are limited to, when the user may not watch cluster-wide.
    pub watch_namespace: Option<String>,
    /// How the credentials stand after a 401 (`update::reread_on_unauthorized`).
    pub credentials: Credentials,
    /// Config and flags, from which each context's policy is derived.
    pub rules: PolicyRules,
    /// The policy of the context in use, recomputed on every connection.
    pub policy: Policy,
    pub theme: Theme,
    pub cluster: ClusterState,
    /// Prometheus answers, with their ages (empty when Prometheus is off).
    pub prom: PromState,
    pub now: Timestamp,
    pub quit: bool,
    /// Dialog ids, so late answers find (or miss) the dialog that asked.
    pub next_dialog: u64,
    /// The Prometheus poll interval, for staleness.
    pub prom_interval: std::time::Duration,
    /// Something on screen changed: draw (coalesced by the loop).
    pub redraw: bool,
    /// What is shown changed (pane, filter, drill-down, scope): re-project before the next
    /// draw, and before the next key is resolved.
    pub views_stale: bool,
    /// Only a filter changed: re-select rows of the views already projected.
    pub filter_stale: bool,
    /// Cluster or Prometheus data changed: re-project when the loop's pacing allows
    /// (`refresh(true)`); a keypress never waits for it.
    pub data_stale: bool,
    /// Only the clock moved: refresh the status line's counters, not the views.
    pub status_stale: bool,
    /// The data must be on screen at the next frame, not at the paced one, and not from the
    /// last projection's views (everything has just arrived).
    pub data_now: bool,
    /// The log view (`l`), over whatever was in front.
    pub logs: Option<Box<crate::app::log_view::LogView>>,
    /// Log sessions: each open or option change takes the next, so late lines of the old
    /// streams are dropped.
    pub next_log_session: u64,
    /// The clusters watched side by side (`--context a,b`, `:fleet`), when any.
    pub fleet: Option<crate::app::fleet::Fleet>,
}

impl Model {
    pub fn new(
        conn: ConnectionInfo,
        cluster: ClusterState,
        rules: PolicyRules,
        theme: Theme,
        now: Timestamp,
    ) -> Self {
        let policy = rules.for_context(&conn.context);
        Self {
            ui: UiState::default(),
            conn,
            generation: Generation::default(),
            requested: Generation::default(),
            namespace: policy.namespace.clone(),
            namespace_typed: false,
            watch_namespace: None,
            credentials: Credentials::Accepted,
            rules,
            policy,
            theme,
            cluster,
            prom: PromState::new(std::time::Duration::from_secs(15)),
            now,
            quit: false,
            next_dialog: 0,
            prom_interval: std::time::Duration::from_secs(15),
            redraw: true,
            views_stale: true,
            data_stale: false,
            filter_stale: false,
            status_stale: false,
            data_now: false,
            logs: None,
            next_log_session: 1,
            fleet: None,
        }
    }

    /// A copy for a projection on a worker (`Session::projection_job`): the caches are shared
    /// (`ClusterState::snapshot`, Prometheus answers behind `Arc`s), the rest is small
    /// (65 us at 50k pods, `cargo bench --bench micro`, projection_job/take_copy_50k), and
    /// the log view is left out (no projection reads it). Every field is named, so a new
    /// one must be placed here too.
    pub fn for_projection(&self) -> Model {
        Model {
            ui: self.ui.clone(),
            conn: self.conn.clone(),
            generation: self.generation,
            requested: self.requested,
            namespace: self.namespace.clone(),
            namespace_typed: self.namespace_typed,
            watch_namespace: self.watch_namespace.clone(),
            credentials: self.credentials,
            rules: self.rules.clone(),
            policy: self.policy.clone(),
            theme: self.theme.clone(),
            cluster: self.cluster.snapshot(),
            prom: self.prom.clone(),
            now: self.now,
            quit: self.quit,
            next_dialog: self.next_dialog,
            prom_interval: self.prom_interval,
            redraw: self.redraw,
            views_stale: self.views_stale,
            filter_stale: self.filter_stale,
            data_stale: self.data_stale,
            status_stale: self.status_stale,
            data_now: self.data_now,
            logs: None,
            next_log_session: self.next_log_session,
            fleet: self.fleet.as_ref().map(crate::app::fleet::Fleet::snapshot),
        }
    }

    /// A new connection: fresh caches and the new context's own policy; the layout stays.
    /// A dialog opened against the old context closes: its target is not this cluster's.
    pub fn adopt(&mut self, generation: Generation, conn: ConnectionInfo, stores: Stores) {
        let same_context = conn.context == self.conn.context;
        if !same_context {
            // Narrowed watches were the old context's answer to its RBAC.
            self.watch_namespace = None;
        }
        self.generation = generation;
        self.cluster = ClusterState::new(stores);
        self.prom = PromState::new(self.prom_interval);
        if let Some(ns) = &self.watch_namespace {
            self.cluster.set_fallback_namespaces([ns.clone()]);
        }
        self.policy = self.rules.for_context(&conn.context);
        if !same_context && !self.namespace_typed {
            self.namespace = self.policy.namespace.clone();
        }
        self.conn = conn;
        self.ui.drill = None;
        self.ui.drill_cursor = Default::default();
        self.ui.dialog = None;
        // The log streams were the old connection's (the runner stops them on Connected).
        self.logs = None;
        self.views_stale = true;
        self.redraw = true;
    }

    /// What the dashboard holds of its context, for the fleet member that shares it.
    pub fn dashboard(&self) -> crate::app::fleet::Dashboard<'_> {
        crate::app::fleet::Dashboard {
            server: &self.conn.server,
            cluster: &self.cluster,
            prom: &self.prom,
            projection: None,
        }
    }

    /// What the keyboard is doing: the log view has keys of its own.
    pub fn input_mode(&self) -> crate::keymap::InputMode {
        match self.ui.mode() {
            crate::keymap::InputMode::Normal if self.logs.is_some() => crate::keymap::InputMode::Logs,
            mode => mode,
        }
    }

    /// Whether what is shown changed since the screen was projected (not mere data).
    pub fn shown_changed(&self) -> bool {
        self.views_stale || self.filter_stale
    }
}
