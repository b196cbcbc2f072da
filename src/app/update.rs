//! `update`: the only code that changes the Model. Synchronous, no IO; IO leaves as Effects.

use crate::action::{Action, InputEdit};
use crate::app::actions;
use crate::app::command::{self, Command};
use crate::app::log_keys;
use crate::app::model::{Credentials, Model};
use crate::app::pane::Pane;
use crate::app::screen::Screen;
use crate::app::ui_state::{FlashLevel, InputLine, LineKind};
use crate::effect::Effect;
use crate::event::Event;
use crate::k8s::{ClusterEvent, Kind, SourceState};
use crate::keymap;
use crate::policy::ReadOnly;
use crate::types::WriteKind;
use crate::ui::theme::Theme;

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

pub fn apply_action(model: &mut Model, screen: &Screen, action: Action) -> Vec<Effect> {
    if model.logs.is_some() {
        if matches!(action, Action::ShowPane(_) | Action::NextPane | Action::PrevPane) {
            let mut effects = log_keys::close(model);
            effects.extend(apply_action(model, screen, action));
            return effects;
        }
        if let Some(effects) = log_keys::act(model, &action) {
            return effects;
        }
    }
    match action {
        Action::Quit => model.quit = true,
        Action::ShowPane(pane) => return show_pane(model, pane),
        Action::NextPane => return show_pane(model, model.ui.pane.next()),
        Action::PrevPane => return show_pane(model, model.ui.pane.prev()),
        Action::Up => move_cursor(model, screen, -1),
        Action::Down => move_cursor(model, screen, 1),
        Action::PageUp => move_cursor(model, screen, -(model.ui.page_rows.max(1) as isize)),
        Action::PageDown => move_cursor(model, screen, model.ui.page_rows.max(1) as isize),
        Action::Top => model.ui.cursor_mut().select(0, &screen.rows),
        Action::Bottom => model.ui.cursor_mut().select(usize::MAX, &screen.rows),
        Action::Open if model.ui.pane == Pane::Fleet && model.ui.drill.is_none() => {
            return open_cluster(model, screen);
        }
        Action::Open => open_selected(model, screen),
        Action::Back => back(model),
        Action::ToggleHelp => model.ui.help = !model.ui.help,
        Action::BeginFilter => {
            let text = match &model.logs {
                Some(view) => view.pattern.clone(),
                None => model.ui.filter(model.ui.pane).to_string(),
            };
            model.ui.input = Some(InputLine { kind: LineKind::Filter, text });
        }
        Action::BeginCommand => {
            model.ui.input = Some(InputLine { kind: LineKind::Command, text: String::new() });
        }
        Action::Input(edit) => return edit_input(model, edit),
        Action::ToggleZoneWhatIf => {
            if model.ui.pane == Pane::Zones && model.ui.drill.is_none() {
                model.ui.zone_what_if = !model.ui.zone_what_if;
                model.views_stale = true;
            }
        }
        Action::CopyName => {
            return match screen.name_at(model.ui.cursor().selected) {
                Some(name) => vec![Effect::CopyToClipboard(name)],
                None => Vec::new(),
            };
        }
        Action::Scale => return actions::open(model, screen, WriteKind::Scale),
        Action::Restart => return actions::open(model, screen, WriteKind::Restart),
        Action::Undo => return actions::open(model, screen, WriteKind::Undo),
        Action::OpenLogs => return log_keys::open(model, screen),
        // Keys of the log view, pressed elsewhere.
        Action::Log(_) => {}
    }
    Vec::new()
}

fn show_pane(model: &mut Model, pane: Pane) -> Vec<Effect> {
    let mut effects = Vec::new();
    if pane == Pane::Fleet && model.fleet.is_none() {
        // No fleet was given: watch every context of the kubeconfig.
        let contexts = model.conn.contexts.clone();
        if contexts.len() < 2 {
            model.ui.flash(FlashLevel::Info, "the kubeconfig has one context: no fleet to show", model.now);
            return effects;
        }
        model.fleet = Some(crate::app::fleet::Fleet::new(&contexts, &model.rules, model.prom_interval));
        effects.push(Effect::StartFleet { contexts });
    }
    model.ui.pane = pane;
    model.ui.drill = None;
    model.views_stale = true;
    effects
}

fn move_cursor(model: &mut Model, screen: &Screen, delta: isize) {
    let cursor = model.ui.cursor_mut();
    let to = cursor.selected.saturating_add_signed(delta);
    cursor.select(to, &screen.rows);
}

fn open_selected(model: &mut Model, screen: &Screen) {
    if model.ui.drill.is_some() {
        return;
    }
    match screen.workload_at(model.ui.cursor().selected) {
        Some(workload) => {
            model.ui.drill = Some(workload);
            model.ui.drill_cursor = Default::default();
            model.views_stale = true;
        }
        None => model.ui.flash(FlashLevel::Info, "this row names no workload", model.now),
    }
}

fn back(model: &mut Model) {
    if model.ui.drill.take().is_some() {
        model.views_stale = true;
    } else if !model.ui.filter(model.ui.pane).is_empty() {
        model.ui.set_filter(model.ui.pane, String::new());
        model.filter_stale = true;
    } else if model.ui.zone_what_if {
        model.ui.zone_what_if = false;
        model.views_stale = true;
    } else if model.ui.pane == Pane::Fleet && model.ui.compare.take().is_some() {
        model.views_stale = true;
    } else if model.fleet.is_some() && model.ui.pane != Pane::Fleet {
        // A cluster opened from the fleet: Esc returns to it.
        show_pane(model, Pane::Fleet);
    }
}

/// Enter on a fleet row: the cluster's own dashboard, on its own connection and policy.
fn open_cluster(model: &mut Model, screen: &Screen) -> Vec<Effect> {
    let Some(context) = screen.cluster_at(model.ui.cursor().selected) else {
        return Vec::new();
    };
    if !model.conn.contexts.is_empty() && !model.conn.contexts.contains(&context) {
        // Its row already says why (no such context): there is no dashboard to open.
        model.ui.flash(FlashLevel::Error, format!("no context {context:?} in the kubeconfig"), model.now);
        return Vec::new();
    }
    let effects = switch_context(model, context, true);
    model.ui.pane = Pane::Overview;
    model.views_stale = true;
    effects
}

fn edit_input(model: &mut Model, edit: InputEdit) -> Vec<Effect> {
    if model.ui.dialog.is_some() {
        match edit {
            InputEdit::Char(c) => actions::type_char(model, c),
            InputEdit::Backspace => actions::backspace(model),
            InputEdit::Clear => {}
            InputEdit::Submit => return actions::submit(model),
            InputEdit::Cancel => actions::cancel(model),
        }
        return Vec::new();
    }
    let Some(line) = model.ui.input.as_mut() else {
        return Vec::new();
    };
    match edit {
        InputEdit::Char(c) => line.text.push(c),
        InputEdit::Backspace => {
            line.text.pop();
        }
        InputEdit::Clear => line.text.clear(),
        InputEdit::Cancel => {
            model.ui.input = None;
            return Vec::new();
        }
        InputEdit::Submit => {
            let Some(line) = model.ui.input.take() else {
                return Vec::new();
            };
            return match line.kind {
                LineKind::Filter if model.logs.is_some() => {
                    log_keys::set_pattern(model, &line.text);
                    Vec::new()
                }
                LineKind::Filter => {
                    model.ui.set_filter(model.ui.pane, line.text);
                    model.filter_stale = true;
                    Vec::new()
                }
                LineKind::Command => run_command(model, &line.text),
            };
        }
    }
    // The filter applies as it is typed.
    if let Some(InputLine { kind: LineKind::Filter, text }) = &model.ui.input {
        let text = text.clone();
        if model.logs.is_some() {
            log_keys::set_pattern(model, &text);
            return Vec::new();
        }
        model.ui.set_filter(model.ui.pane, text);
        model.filter_stale = true;
    }
    Vec::new()
}

/// Switch the dashboard to another context (`:ctx`, Enter on a fleet row). `quiet`: being
/// on it already is what was asked, not worth a flash.
fn switch_context(model: &mut Model, name: String, quiet: bool) -> Vec<Effect> {
    // With a switch under way, naming the current context is a switch back to it.
    let switching = model.requested != model.generation;
    if name == model.conn.context && !switching {
        if !quiet {
            model.ui.flash(FlashLevel::Info, format!("already on {name}"), model.now);
        }
    } else if !model.conn.contexts.is_empty() && !model.conn.contexts.contains(&name) {
        model.ui.flash(FlashLevel::Error, format!("no context {name:?} in the kubeconfig"), model.now);
    } else {
        model.ui.flash(FlashLevel::Info, format!("switching to {name}..."), model.now);
        model.requested = model.requested.next();
        return vec![Effect::SwitchContext { context: name, generation: model.requested }];
    }
    Vec::new()
}

fn run_command(model: &mut Model, line: &str) -> Vec<Effect> {
    let command = match command::parse(line) {
        Ok(command) => command,
        Err(why) => {
            model.ui.flash(FlashLevel::Error, why, model.now);
            return Vec::new();
        }
    };
    match command {
        Command::Quit => model.quit = true,
        Command::Pane(pane) => {
            let mut effects = log_keys::close(model);
            effects.extend(show_pane(model, pane));
            return effects;
        }
        Command::Namespace(namespace) => {
            let label = namespace.clone().unwrap_or_else(|| "all namespaces".to_string());
            model.namespace = namespace;
            model.namespace_typed = true;
            model.ui.drill = None;
            model.views_stale = true;
            model.ui.flash(FlashLevel::Info, format!("namespace: {label}"), model.now);
        }
        Command::Context(name) => return switch_context(model, name, false),
        Command::Compare { namespace, name } => {
            if model.fleet.is_none() {
                model.ui.flash(
                    FlashLevel::Error,
                    ":compare needs a fleet: start with --context a,b (or open :fleet)",
                    model.now,
                );
                return Vec::new();
            }
            let mut effects = log_keys::close(model);
            effects.extend(show_pane(model, Pane::Fleet));
            model.ui.compare = Some((namespace, name));
            return effects;
        }
        Command::Theme(name) => match Theme::shipped(&name) {
            Some(theme) => model.theme = theme,
            None => model.ui.flash(
                FlashLevel::Error,
                format!("unknown theme {name:?} (default, light, high-contrast, mono)"),
                model.now,
            ),
        },
    }
    Vec::new()
}
