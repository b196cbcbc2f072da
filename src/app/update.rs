//! `update`: the only code that changes the Model. Synchronous, no IO; IO leaves as Effects.

use crate::app::actions;
use crate::app::log_keys;
use crate::app::model::{Credentials, Model};
use crate::app::screen::Screen;
use crate::app::ui_state::FlashLevel;
use crate::app::user_actions::{apply_action, move_cursor};
use crate::effect::Effect;
use crate::event::Event;
use crate::k8s::{ClusterEvent, Kind, SourceState};
use crate::keymap;
use crate::policy::ReadOnly;

/// Apply one event. Returns the IO to perform. Keys act on the rows of `screen`: the
/// caller (`Session::handle`) makes sure it shows what the user asked for.
pub fn update(model: &mut Model, screen: &Screen, event: Event) -> Vec<Effect> {
    match event {
        Event::Input(crossterm::event::Event::Key(key)) => {
            let Some(action) = keymap::action_for(key, model.input_mode()) else {
                return Vec::new();
            };
            model.redraw = true;
            apply_action(model, screen, action)
        }
        Event::Input(crossterm::event::Event::Resize(..)) => {
            model.redraw = true;
            Vec::new()
        }
        Event::Input(crossterm::event::Event::Mouse(mouse)) => {
            // Only delivered when `mouse = true` in the config: the wheel moves the selection.
            use crossterm::event::MouseEventKind;
            let delta = match mouse.kind {
                MouseEventKind::ScrollDown => 1,
                MouseEventKind::ScrollUp => -1,
                _ => return Vec::new(),
            };
            if model.input_mode() == keymap::InputMode::Normal {
                move_cursor(model, screen, delta);
                model.redraw = true;
            }
            Vec::new()
        }
        Event::Input(_) => Vec::new(),
        Event::InputClosed(why) => {
            tracing::warn!(%why, "terminal input closed; leaving");
            model.quit = true;
            Vec::new()
        }
        // Data of a connection the model no longer holds (or not yet) is dropped.
        Event::Prom(generation, _) | Event::Cluster(generation, _) if generation != model.generation => {
            Vec::new()
        }
        Event::Prom(_, ev) => {
            model.prom.set_now(model.now);
            model.prom.apply(ev);
            model.data_stale = true;
            Vec::new()
        }
        Event::Tick => {
            model.prom.set_now(model.now);
            if let Some(fleet) = model.fleet.as_mut() {
                fleet.set_now(model.now);
            }
            // Ages are computed at render time from `now`: redraw (ratatui then sends only
            // the changed cells) when the screen shows any, without re-projecting the views.
            // Retry counters and Prometheus staleness live in the projection.
            model.status_stale |= screen.counts_seconds;
            model.redraw |= screen.shows_time(model) && model.logs.is_none();
            log_keys::sync_pods(model)
        }
        Event::Logs(msg) => {
            log_keys::on_message(model, msg);
            Vec::new()
        }
        Event::Member(id, ev) => {
            if let Some(fleet) = model.fleet.as_mut()
                && fleet.apply(id, *ev, model.now)
            {
                model.data_stale = true;
            }
            Vec::new()
        }
        Event::Cluster(_, ev) => {
            let narrow = narrow_on_forbidden(model, &ev).or_else(|| reread_on_unauthorized(model, &ev));
            let was_synced = model.cluster.all_synced();
            model.cluster.apply(ev);
            model.data_stale = true;
            if !was_synced && model.cluster.all_synced() {
                // Everything arrived: show it now rather than at the paced data frame.
                model.views_stale = true;
                model.data_now = true;
                model.redraw = true;
            }
            narrow.into_iter().collect()
        }
        Event::Signal(name) => {
            tracing::info!(signal = name, "leaving on signal");
            model.quit = true;
            Vec::new()
        }
        Event::Connected(connected) => {
            let crate::event::Connected { generation, info, stores, .. } = *connected;
            // A switch asked for before the newest one: the newest wins, whatever the order
            // in which they connect.
            if generation != model.requested {
                return Vec::new();
            }
            let name = info.context.clone();
            model.adopt(generation, info, stores);
            let text = match &model.policy.readonly {
                ReadOnly::Yes(_) => format!("context: {name} (read-only)"),
                ReadOnly::No => format!("context: {name}"),
            };
            model.ui.flash(FlashLevel::Info, text, model.now);
            // The cluster the dashboard now watches is not watched a second time by its member.
            if model.fleet.as_mut().is_some_and(|fleet| fleet.share(&name)) {
                return vec![Effect::ShareFleetMember { shown: name }];
            }
            Vec::new()
        }
        Event::ConnectFailed { generation, message } => {
            if generation == model.requested {
                model.redraw = true;
                model.ui.flash(FlashLevel::Error, message, model.now);
            }
            Vec::new()
        }
        Event::SettingsError(message) => {
            model.redraw = true;
            model.ui.flash(FlashLevel::Error, message, model.now);
            Vec::new()
        }
        Event::AccessChecked { dialog, result } => {
            model.redraw = true;
            actions::access_checked(model, dialog, result);
            Vec::new()
        }
        Event::WriteDone { dialog, result } => {
            model.redraw = true;
            actions::write_done(model, dialog, result);
            Vec::new()
        }
        Event::Copied(result) => {
            model.redraw = true;
            match result {
                Ok(name) => model.ui.flash(FlashLevel::Info, format!("copied {name}"), model.now),
                Err(why) => model.ui.flash(FlashLevel::Error, format!("cannot copy: {why}"), model.now),
            }
            Vec::new()
        }
    }
}

/// A watch answered 401: the token may have expired. Read the kubeconfig again (an exec
/// plugin runs again, a token file is re-read) once; if that is rejected too, say so and
/// leave it to the user, instead of reconnecting in a loop.
fn reread_on_unauthorized(model: &mut Model, ev: &ClusterEvent) -> Option<Effect> {
    let ClusterEvent::State { state, .. } = ev else { return None };
    let unauthorized = matches!(state, SourceState::Retrying { error, .. } if error.starts_with("401"));
    if matches!(state, SourceState::Live) {
        model.credentials = Credentials::Accepted;
    }
    if !unauthorized || model.requested != model.generation {
        return None;
    }
    let context = model.conn.context.clone();
    match model.credentials {
        Credentials::Accepted => {
            model.credentials = Credentials::Rereading;
            let text = format!("401 Unauthorized: reading the credentials of {context} again");
            model.ui.flash(FlashLevel::Warn, text, model.now);
            model.requested = model.requested.next();
            Some(Effect::SwitchContext { context, generation: model.requested })
        }
        Credentials::Rereading => {
            model.credentials = Credentials::Rejected;
            let text =
                format!("credentials of {context} still rejected (401): log in again, then :ctx {context}");
            model.ui.flash(FlashLevel::Error, text, model.now);
            None
        }
        Credentials::Rejected => None,
    }
}

/// Listing pods cluster-wide is forbidden: fall back to the namespace from `-n` or the
/// context, once, instead of showing an empty cluster.
fn narrow_on_forbidden(model: &mut Model, ev: &ClusterEvent) -> Option<Effect> {
    let ClusterEvent::State { kind: Kind::Pod, state: SourceState::Forbidden { .. } } = ev else {
        return None;
    };
    if model.watch_namespace.is_some() {
        return None;
    }
    let namespace = model.namespace.clone().unwrap_or_else(|| model.conn.default_namespace.clone());
    model.watch_namespace = Some(namespace.clone());
    model.namespace = Some(namespace.clone());
    model.ui.flash(
        FlashLevel::Warn,
        format!("not allowed to list pods in every namespace: showing {namespace}"),
        model.now,
    );
    model.requested = model.requested.next();
    Some(Effect::NarrowWatches { namespace, generation: model.requested })
}
