//! The Model: everything the screen is drawn from. Only the loop holds it mutably.

use jiff::Timestamp;

use crate::app::pane::Pane;
use crate::app::screen::Screen;
use crate::app::ui_state::{UiState, WorkloadRef};
use crate::event::ConnectionInfo;
use crate::k8s::watch::Stores;
use crate::model::cluster::ClusterState;
use crate::prom::PromState;
use crate::ui::theme::Theme;

pub struct Model {
    pub ui: UiState,
    pub conn: ConnectionInfo,
    /// The namespace scope: None = all namespaces.
    pub namespace: Option<String>,
    /// The namespace the watches are limited to, when the user may not watch cluster-wide.
    pub watch_namespace: Option<String>,
    pub readonly: bool,
    pub theme: Theme,
    pub cluster: ClusterState,
    /// Prometheus answers, with their ages (empty when Prometheus is off).
    pub prom: PromState,
    /// Views projected from the cluster for what is on screen; rebuilt when stale.
    pub screen: Screen,
    pub now: Timestamp,
    pub quit: bool,
    /// Dialog ids, so late answers find (or miss) the dialog that asked.
    pub next_dialog: u64,
    /// The Prometheus poll interval, for staleness.
    pub prom_interval: std::time::Duration,
    /// Contexts whose name contains this ask for the object's name before acting.
    pub confirm_pattern: String,
    /// Something on screen changed: draw (coalesced by the loop).
    pub redraw: bool,
    /// What is shown changed (pane, filter, drill-down, scope): re-project before the next draw.
    pub views_stale: bool,
    /// Only a filter changed: re-select rows of the views already projected.
    pub filter_stale: bool,
    /// Cluster or Prometheus data changed: re-project when the loop's pacing allows
    /// (`refresh(true)`); a keypress never waits for it.
    pub data_stale: bool,
    /// Only the clock moved: refresh the status line's counters, not the views.
    pub status_stale: bool,
}

impl Model {
    pub fn new(
        conn: ConnectionInfo,
        cluster: ClusterState,
        namespace: Option<String>,
        readonly: bool,
        theme: Theme,
        now: Timestamp,
    ) -> Self {
        Self {
            ui: UiState::default(),
            conn,
            namespace,
            watch_namespace: None,
            readonly,
            theme,
            cluster,
            prom: PromState::new(std::time::Duration::from_secs(15)),
            screen: Screen::default(),
            now,
            quit: false,
            next_dialog: 0,
            prom_interval: std::time::Duration::from_secs(15),
            confirm_pattern: "prod".to_string(),
            redraw: true,
            views_stale: true,
            data_stale: false,
            filter_stale: false,
            status_stale: false,
        }
    }

    /// A new context: fresh caches, same screen layout.
    pub fn reset_for_context(&mut self, conn: ConnectionInfo, stores: Stores) {
        self.cluster = ClusterState::new(stores);
        self.prom = PromState::new(self.prom_interval);
        if let Some(ns) = &self.watch_namespace {
            self.cluster.set_fallback_namespaces([ns.clone()]);
        }
        self.conn = conn;
        self.ui.drill = None;
        self.views_stale = true;
        self.redraw = true;
    }

    /// Re-project the views for the current pane if anything changed.
    pub fn refresh_views(&mut self) {
        self.refresh(true);
    }

    /// Re-project when what is shown changed, or when the data changed and `data_due`.
    /// Returns whether a projection ran.
    pub fn refresh(&mut self, data_due: bool) -> bool {
        let project = self.views_stale || (self.data_stale && data_due);
        if self.status_stale && !project {
            self.status_stale = false;
            let screen = std::mem::take(&mut self.screen);
            self.screen = screen.with_fresh_clock(self);
        }
        if !project && self.filter_stale {
            let mut screen = std::mem::take(&mut self.screen);
            screen.refilter(self);
            self.screen = screen;
        }
        if project {
            self.screen = Screen::project(self);
            self.views_stale = false;
            self.data_stale = false;
            self.status_stale = false;
        }
        if project || self.filter_stale {
            self.filter_stale = false;
            let rows = self.visible_rows();
            let cursor = self.ui.cursor_mut();
            cursor.selected = cursor.selected.min(rows.saturating_sub(1));
        }
        project
    }

    pub fn visible_rows(&self) -> usize {
        self.screen.row_count(self.ui.drill.is_some())
    }

    pub fn selected_workload(&self) -> Option<WorkloadRef> {
        self.screen.workload_at(self.ui.cursor().selected)
    }

    pub fn selected_name(&self) -> Option<String> {
        self.screen.name_at(self.ui.drill.is_some(), self.ui.cursor().selected)
    }

    /// Whether the screen shows text derived from the clock (ages, "retrying 12 s").
    pub fn shows_time(&self) -> bool {
        self.ui.pane == Pane::Events || self.ui.drill.is_some() || self.screen.shows_time
    }
}
