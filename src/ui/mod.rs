//! The terminal UI: pure render functions over view structs and the theme. Nothing here
//! locks, awaits or reads a cache; projections happen before `draw`.

pub mod format;
pub mod panes;
pub mod theme;
pub mod view;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::log_frame::LogFrame;
use crate::app::model::Model;
use crate::app::screen::{Body, Screen};

/// Below this the layout cannot hold a table: show a note instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 8;
/// Lines taken by chrome around a pane's table: status, tabs, bottom line, borders, header.
const CHROME_ROWS: u16 = 6;

/// Rows a page holds at this terminal height (for PgUp/PgDn).
pub fn page_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS).max(1))
}

/// Draw the whole screen; returns where the cursor is shown (None: hidden).
pub fn draw(frame: &mut Frame, model: &Model, screen: &Screen) -> Option<Position> {
    let area = frame.area();
    let theme = &model.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let note = format!(
            "terminal too small ({}x{}); kdeck needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(Span::styled(note, theme.warn)).wrap(Wrap { trim: true }), area);
        return None;
    }
    let [status, tabs, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    widgets::status_bar::render(&screen.status, theme, frame, status);
    let drill = match (&model.logs, &model.ui.drill) {
        (Some(logs), _) => Some(format!("logs {}", logs.target.label())),
        (None, Some(w)) => Some(format!("{}/{}", w.namespace, w.name)),
        (None, None) => None,
    };
    widgets::tabs::render(model.ui.pane, drill.as_deref(), theme, frame, tabs);
    match &model.logs {
        // Only the rows that fit are projected out of the buffer.
        Some(logs) if !matches!(screen.body, Body::Unreachable(_)) => {
            // Inside the border, below the summary line (a line of notes may take one more).
            let rows = usize::from(body.height.saturating_sub(3));
            let view = LogFrame::project(logs, rows, body.width, model.rules.config.logs.ansi);
            panes::logs::render(&view, theme, frame, body);
        }
        _ => draw_body(screen, model, frame, body),
    }
    let cursor = widgets::bottom_line::render(&model.ui, model.logs.is_some(), theme, frame, bottom);
    if let Some(dialog) = &model.ui.dialog {
        widgets::dialog::render(dialog, theme, model.now, frame, body);
    }
    if model.ui.help {
        widgets::help::render(model.ui.pane, model.logs.is_some(), theme, frame, body);
    }
    cursor
}

fn draw_body(screen: &Screen, model: &Model, frame: &mut Frame, area: Rect) {
    let ctx = panes::PaneCtx {
        theme: &model.theme,
        now: model.now,
        selected: model.ui.cursor().selected,
        synced: screen.synced,
    };
    match &screen.body {
        Body::Unreachable(view) => widgets::unreachable::render(view, ctx.theme, frame, area),
        Body::Pane(pane) => panes::render(pane, &ctx, frame, area),
    }
}
