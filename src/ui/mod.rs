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

use crate::ui::view::{BodyView, FrameView};

/// Below this the layout cannot hold a table: show a note instead.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 8;
/// Lines taken by chrome around a pane's table: status, tabs, bottom line, borders, header.
const CHROME_ROWS: u16 = 6;

/// Rows a page holds at this terminal height (for PgUp/PgDn).
pub fn page_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS).max(1))
}

/// The body's area in a frame of this size: the app projects the log view's rows to fit it.
pub fn body_area(area: Rect) -> Rect {
    let [_status, _tabs, body, _bottom] = layout(area);
    body
}

/// Log lines that fit in the body: inside the border, below the summary line.
pub fn log_rows(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(3))
}

fn layout(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Draw the whole screen; returns where the cursor is shown (None: hidden).
pub fn draw(frame: &mut Frame, view: &FrameView) -> Option<Position> {
    let area = frame.area();
    let theme = view.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let note = format!(
            "terminal too small ({}x{}); kdeck needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(Span::styled(note, theme.warn)).wrap(Wrap { trim: true }), area);
        return None;
    }
    let [status, tabs, body, bottom] = layout(area);
    widgets::status_bar::render(view.status, theme, frame, status);
    widgets::tabs::render(&view.tabs, theme, frame, tabs);
    draw_body(view, frame, body);
    let cursor = widgets::bottom_line::render(&view.bottom, theme, frame, bottom);
    if let Some(dialog) = &view.dialog {
        widgets::dialog::render(dialog, theme, frame, body);
    }
    if let Some(help) = &view.help {
        widgets::help::render(help, theme, frame, body);
    }
    cursor
}

fn draw_body(view: &FrameView, frame: &mut Frame, area: Rect) {
    match &view.body {
        BodyView::Unreachable(unreachable) => {
            widgets::unreachable::render(unreachable, view.theme, frame, area)
        }
        BodyView::Logs(logs) => panes::logs::render(logs, view.theme, frame, area),
        BodyView::Pane { view: pane, selected, synced } => {
            let ctx =
                panes::PaneCtx { theme: view.theme, now: view.now, selected: *selected, synced: *synced };
            panes::render(pane, &ctx, frame, area)
        }
    }
}
