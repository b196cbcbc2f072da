//! The Model and the Screen projected from it, held side by side by the loop.
//!
//! A key is resolved against the rows the user asked for. Keys arrive in batches (typed
//! fast, pasted, or delivered in one read over a laggy SSH link): when a key of the batch
//! changed what is shown (a pane, a filter, a drill-down), the screen is re-projected
//! before the next key is resolved, so "3s" scales the autoscaler row, not the overview's.
//! Between frames the cursor holds its row by identity, so data re-sorting rows under it
//! never moves the selection onto another object.

use crate::app::model::Model;
use crate::app::screen::Screen;
use crate::app::ui_state::WorkloadRef;
use crate::app::update::update;
use crate::effect::Effect;
use crate::event::Event;

pub struct Session {
    pub model: Model,
    pub screen: Screen,
}

impl Session {
    pub fn new(model: Model) -> Session {
        let mut session = Session { model, screen: Screen::default() };
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
        crate::app::update::apply_action(&mut self.model, &self.screen, action)
    }

    /// Re-project when what is shown changed, or when the data changed and `data_due`.
    /// Returns whether a projection ran.
    pub fn refresh(&mut self, data_due: bool) -> bool {
        let model = &mut self.model;
        let project = model.views_stale || (model.data_stale && data_due);
        if model.status_stale && !project {
            model.status_stale = false;
            self.screen.refresh_clock(model);
        }
        if !project && model.filter_stale {
            self.screen.refilter(model);
        }
        if project {
            self.screen = Screen::project(model);
            model.views_stale = false;
            model.data_stale = false;
            model.status_stale = false;
        }
        if project || model.filter_stale {
            model.filter_stale = false;
            self.reanchor();
        }
        project
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
