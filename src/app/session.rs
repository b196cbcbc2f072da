//! The Model and the Screen projected from it, held side by side by the loop.
//!
//! A key is resolved against the rows the user asked for. Keys arrive in batches (typed
//! fast, pasted, or delivered in one read over a laggy SSH link): when a key of the batch
//! changed what is shown (a pane, a filter, a drill-down), the screen is re-projected
//! before the next key is resolved, so "3s" scales the autoscaler row, not the overview's.
//! Between frames the cursor holds its row by identity, so data re-sorting rows under it
//! never moves the selection onto another object.
//!
//! Data projections run on a worker (`projection_job`), from a detached copy of the model:
//! at 50k pods one costs over 100 ms, and a key must never wait behind it. Keys meanwhile act
//! on the screen the user sees.
//!
//! A projection holds every pane's views (`ScreenViews`). A pane switch or a drill-down
//! builds its screen from the last one's views rather than projecting the cluster again, so it
//! costs milliseconds at any pod count. A worker's result is taken if it was made for the
//! connection and scope shown and is newer than the views behind the screen (`finish`): when
//! the pane changed while it ran, the pane shown is built from its views; otherwise the data
//! stays stale and is projected again.

use crate::app::model::Model;
use crate::app::screen::{Screen, ScreenViews};
use crate::app::update::update;
use crate::effect::Effect;
use crate::event::Event;
use crate::types::WorkloadRef;

pub struct Session {
    pub model: Model,
    pub screen: Screen,
    /// The views behind `screen` (or newer): every pane's, for a pane switch, with the
    /// number of the projection that made them.
    views: Option<(u64, ScreenViews)>,
    /// Projections started so far, in place or on a worker: a result older than the views
    /// held is dropped, so data never goes back in time on screen.
    projections: u64,
    /// Counts the projections made in place for what is shown (pane, drill-down, scope,
    /// connection): a worker's result taken before the last one is not what is shown.
    shown_epoch: u64,
    /// Counts filter changes applied in place: a worker's result older than the last one is
    /// re-filtered before it is shown.
    filter_epoch: u64,
}

/// A data projection to run off the loop: a detached copy of the model (`Model::for_projection`).
pub struct ProjectionJob {
    model: Model,
    number: u64,
    shown_epoch: u64,
    filter_epoch: u64,
}

impl ProjectionJob {
    /// Project the screen (pure; runs on a worker thread).
    pub fn run(self) -> Projected {
        let started = std::time::Instant::now();
        let views = ScreenViews::project(&self.model);
        let screen = Screen::from_views(&self.model, &views);
        Projected {
            screen,
            views,
            number: self.number,
            shown_epoch: self.shown_epoch,
            filter_epoch: self.filter_epoch,
            cost: started.elapsed(),
        }
    }
}

/// A worker's projection, for `Session::finish`.
pub struct Projected {
    screen: Screen,
    views: ScreenViews,
    number: u64,
    shown_epoch: u64,
    filter_epoch: u64,
    /// What the projection cost on its worker (for the loop's pacing).
    pub cost: std::time::Duration,
}

impl Session {
    pub fn new(model: Model) -> Session {
        let mut session = Session {
            model,
            screen: Screen::default(),
            views: None,
            projections: 0,
            shown_epoch: 0,
            filter_epoch: 0,
        };
        session.model.views_stale = true;
        session
    }

    /// Apply one event as the loop does. Returns the IO to perform.
    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        if matches!(event, Event::Input(_)) && self.model.shown_changed() {
            self.refresh(false);
        }
        update(&mut self.model, &self.screen, event)
    }

    /// Apply an action as a key meaning it would be (tests and benchmarks name actions
    /// rather than keys).
    pub fn act(&mut self, action: crate::action::Action) -> Vec<Effect> {
        if self.model.shown_changed() {
            self.refresh(false);
        }
        self.model.redraw = true;
        crate::app::user_actions::apply_action(&mut self.model, &self.screen, action)
    }

    /// Re-project when what is shown changed, or when the data changed and `data_due`.
    /// Returns whether a projection ran. A change of what is shown alone is built from the
    /// last projection's views when they fit (same connection and scope).
    pub fn refresh(&mut self, data_due: bool) -> bool {
        let model = &mut self.model;
        let fresh = model.data_now || (model.data_stale && data_due);
        let project = model.views_stale || fresh;
        if model.status_stale && !project {
            model.status_stale = false;
            self.screen.refresh_clock(model);
        }
        if !project && model.filter_stale {
            self.screen.refilter(model);
            self.filter_epoch += 1;
        }
        if project {
            let reusable = self.views.as_ref().filter(|(_, v)| !fresh && v.fit(model));
            match reusable {
                Some((_, views)) => self.screen = Screen::from_views(model, views),
                None => {
                    let views = ScreenViews::project(model);
                    self.projections += 1;
                    model.data_stale = false;
                    model.data_now = false;
                    self.screen = Screen::from_views(model, &views);
                    self.views = Some((self.projections, views));
                }
            }
            self.shown_epoch += 1;
            model.views_stale = false;
            model.status_stale = false;
        }
        if project || model.filter_stale {
            model.filter_stale = false;
            self.reanchor();
        }
        project
    }

    /// The data projection the loop may run on a worker: None unless only data changed (a
    /// change of what is shown is projected in place by `refresh`, before the next key).
    /// Taking the job clears `data_stale`: events after this point mark it again.
    pub fn projection_job(&mut self) -> Option<ProjectionJob> {
        let model = &mut self.model;
        if !model.data_stale || model.shown_changed() {
            return None;
        }
        model.data_stale = false;
        model.status_stale = false;
        self.projections += 1;
        Some(ProjectionJob {
            model: model.for_projection(),
            number: self.projections,
            shown_epoch: self.shown_epoch,
            filter_epoch: self.filter_epoch,
        })
    }

    /// Take a worker's projection if it was made for the connection and scope shown. Returns
    /// whether it was taken; when not, the data is marked stale so it is projected again.
    /// When the pane or drill-down changed while it ran, the screen in front is built from
    /// its views; when a change of what is shown is still pending, the next refresh builds it.
    pub fn finish(&mut self, done: Projected) -> bool {
        let model = &mut self.model;
        // The worker dropped its copy: pod events held back meanwhile are applied now, and
        // projected next (a projection made in place meanwhile did not see them either).
        if model.cluster.catch_up() {
            model.data_stale = true;
        }
        if model.fleet.as_mut().is_some_and(|fleet| fleet.catch_up()) {
            model.data_stale = true;
        }
        if !done.views.fit(model) {
            model.data_stale = true;
            return false;
        }
        if self.views.as_ref().is_some_and(|(number, _)| *number > done.number) {
            // Projected in place since: the screen already holds newer data.
            return false;
        }
        let views = done.views;
        let screen = if done.shown_epoch == self.shown_epoch { Some(done.screen) } else { None };
        let views = &self.views.insert((done.number, views)).1;
        if model.views_stale {
            return false;
        }
        self.screen = screen.unwrap_or_else(|| Screen::from_views(model, views));
        if done.filter_epoch != self.filter_epoch || model.filter_stale {
            self.screen.refilter(model);
            model.filter_stale = false;
        }
        model.redraw = true;
        self.reanchor();
        true
    }

    /// Put the cursor back on the row the user chose, wherever that row is now; when it is
    /// gone, or none was chosen, keep the position (clamped) and hold the row found there.
    fn reanchor(&mut self) {
        let rows = &self.screen.rows;
        let cursor = self.model.ui.cursor_mut();
        let held = cursor.anchor.as_ref().filter(|_| cursor.chosen);
        if let Some(at) = held.and_then(|held| rows.iter().position(|r| r == held)) {
            cursor.selected = at;
        } else {
            cursor.selected = cursor.selected.min(rows.len().saturating_sub(1));
        }
        cursor.anchor = rows.get(cursor.selected).cloned();
    }

    pub fn visible_rows(&self) -> usize {
        self.screen.rows.len()
    }

    pub fn selected_workload(&self) -> Option<WorkloadRef> {
        self.screen.workload_at(self.model.ui.cursor().selected)
    }
}
