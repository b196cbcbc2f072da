//! What a user's action does to the Model: panes, selection, drill-down, the fleet, the filter
//! and command line, context switches. Part of `update` (synchronous, no IO; IO leaves as
//! Effects); cluster and source events are in `update.rs`.

use crate::action::{Action, InputEdit};
use crate::app::actions;
use crate::app::command::{self, Command};
use crate::app::log_keys;
use crate::app::model::Model;
use crate::app::pane::Pane;
use crate::app::screen::Screen;
use crate::app::ui_state::{FlashLevel, InputLine, LineKind};
use crate::effect::Effect;
use crate::types::WriteKind;
use crate::ui::theme::Theme;

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
        let shown = model.conn.context.clone();
        model.fleet =
            Some(crate::app::fleet::Fleet::new(&contexts, &shown, &model.rules, model.prom_interval));
        effects.push(Effect::StartFleet { contexts, shown });
    }
    model.ui.pane = pane;
    model.ui.drill = None;
    model.views_stale = true;
    effects
}

pub(super) fn move_cursor(model: &mut Model, screen: &Screen, delta: isize) {
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
