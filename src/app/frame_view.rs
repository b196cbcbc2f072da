//! The views of one frame, built from the model and the projected screen just before a draw:
//! the UI draws them and reads nothing else.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};

use crate::app::model::Model;
use crate::app::pane::Pane;
use crate::app::screen::Screen;
use crate::app::ui_state::{FlashLevel, LineKind, UiState};
use crate::keymap::{BINDINGS, LOG_BINDINGS};
use crate::ui;
use crate::ui::view::{Body, BodyView, BottomLineView, FrameView, HelpView, Input, LogFrame, TabsView, Tone};

const PANE_HINTS: &[(&str, &str)] =
    &[("?", "help"), ("/", "filter"), (":", "command"), ("⏎", "open"), ("l", "logs"), ("q", "quit")];
const LOG_HINTS: &[(&str, &str)] =
    &[("?", "help"), ("/", "regex"), ("G", "follow"), ("[ ]", "since"), ("p", "previous"), ("Esc", "back")];

/// Draw `screen` over `model` into `frame`; returns where the cursor is shown.
pub fn draw(frame: &mut Frame, model: &Model, screen: &Screen) -> Option<Position> {
    let view = frame_view(model, screen, frame.area());
    ui::draw(frame, &view)
}

/// What a frame of `area` shows.
pub fn frame_view<'a>(model: &'a Model, screen: &'a Screen, area: Rect) -> FrameView<'a> {
    let ui = &model.ui;
    FrameView {
        theme: &model.theme,
        now: model.now,
        status: &screen.status,
        tabs: tabs(model),
        body: body(model, screen, area),
        bottom: bottom_line(ui, model.logs.is_some()),
        dialog: ui.dialog.as_ref().map(|d| d.view(model.now)),
        help: ui.help.then(|| help(ui.pane, model.logs.is_some())),
    }
}

fn tabs(model: &Model) -> TabsView {
    let drill = match (&model.logs, &model.ui.drill) {
        (Some(logs), _) => Some(format!("logs {}", logs.target.label())),
        (None, Some(w)) => Some(format!("{}/{}", w.namespace, w.name)),
        (None, None) => None,
    };
    // The fleet's tab comes first, when there is a fleet.
    let fleet = model.fleet.as_ref().map(|_| Pane::Fleet);
    let panes: Vec<Pane> = fleet.into_iter().chain(Pane::ALL).collect();
    TabsView {
        tabs: panes.iter().map(|p| (p.key(), p.title())).collect(),
        current: panes.iter().position(|p| *p == model.ui.pane).unwrap_or(0),
        drill,
    }
}

fn body<'a>(model: &'a Model, screen: &'a Screen, area: Rect) -> BodyView<'a> {
    match (&screen.body, &model.logs) {
        (Body::Unreachable(unreachable), _) => BodyView::Unreachable(unreachable),
        // Only the rows that fit are projected out of the buffer.
        (Body::Pane(_), Some(logs)) => {
            let body = ui::body_area(area);
            BodyView::Logs(LogFrame::project(
                logs,
                ui::log_rows(body),
                body.width,
                model.rules.config.logs.ansi,
            ))
        }
        (Body::Pane(pane), None) => {
            BodyView::Pane { view: pane, selected: model.ui.cursor().selected, synced: screen.synced }
        }
    }
}

fn bottom_line(ui: &UiState, logs: bool) -> BottomLineView {
    let input = ui.input.as_ref().map(|input| Input {
        prompt: match input.kind {
            LineKind::Filter => "/",
            LineKind::Command => ":",
        },
        text: input.text.clone(),
    });
    let flash = ui.flash.as_ref().map(|flash| {
        let tone = match flash.level {
            FlashLevel::Info => Tone::Info,
            FlashLevel::Warn => Tone::Warn,
            FlashLevel::Error => Tone::Error,
        };
        (tone, flash.text.clone())
    });
    let filter = Some(ui.filter(ui.pane)).filter(|f| !f.is_empty() && !logs).map(str::to_owned);
    BottomLineView { input, flash, filter, hints: if logs { LOG_HINTS } else { PANE_HINTS } }
}

fn help(pane: Pane, logs: bool) -> HelpView {
    let rows = match logs {
        true => LOG_BINDINGS.iter().map(|b| (b.keys, b.what)).collect(),
        false => {
            // A pane's own meaning of a key replaces the general one (Enter on the fleet opens
            // a cluster, it does not drill into a workload).
            let own = |keys: &str| BINDINGS.iter().any(|b| b.pane == Some(pane) && b.keys == keys);
            BINDINGS
                .iter()
                .filter(|b| match b.pane {
                    Some(p) => p == pane,
                    None => !own(b.keys),
                })
                .map(|b| (b.keys, b.what))
                .collect()
        }
    };
    HelpView { title: if logs { "Logs" } else { pane.title() }, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meanings(pane: Pane, keys: &str) -> Vec<&'static str> {
        help(pane, false).rows.into_iter().filter(|(k, _)| *k == keys).map(|(_, what)| what).collect()
    }

    #[test]
    fn a_pane_own_key_replaces_the_general_meaning_in_help() {
        assert_eq!(meanings(Pane::Fleet, "Enter"), ["open the cluster's dashboard"]);
        assert_eq!(meanings(Pane::Overview, "Enter"), ["drill into the workload"]);
        assert_eq!(meanings(Pane::Zones, "w").len(), 1);
        assert!(meanings(Pane::Overview, "w").is_empty());
    }
}
