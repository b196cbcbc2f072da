//! The last line: the filter or command being typed, a message, or key hints.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::ui_state::{FlashLevel, LineKind, UiState};
use crate::ui::theme::Theme;

/// Returns where the cursor goes (after the text being typed), if anywhere.
pub fn render(ui: &UiState, logs: bool, theme: &Theme, frame: &mut Frame, area: Rect) -> Option<Position> {
    if let Some(input) = &ui.input {
        let prompt = match input.kind {
            LineKind::Filter => "/",
            LineKind::Command => ":",
        };
        let line = Line::from(vec![Span::styled(prompt, theme.key), Span::raw(input.text.clone())]);
        frame.render_widget(Paragraph::new(line), area);
        let width = u16::try_from(prompt.len() + input.text.chars().count()).unwrap_or(u16::MAX);
        let cursor = Position::new(area.x.saturating_add(width), area.y);
        frame.set_cursor_position(cursor);
        return Some(cursor);
    }
    if let Some(flash) = &ui.flash {
        let style = match flash.level {
            FlashLevel::Info => theme.info,
            FlashLevel::Warn => theme.warn,
            FlashLevel::Error => theme.error,
        };
        frame.render_widget(Paragraph::new(Span::styled(flash.text.clone(), style)), area);
        return None;
    }
    let mut spans = Vec::new();
    let filter = ui.filter(ui.pane);
    if !filter.is_empty() && !logs {
        spans.push(Span::styled(format!("filter: {filter}  "), theme.accent));
    }
    let hints: &[(&str, &str)] = if logs {
        &[
            ("?", "help"),
            ("/", "regex"),
            ("G", "follow"),
            ("[ ]", "since"),
            ("p", "previous"),
            ("Esc", "back"),
        ]
    } else {
        &[("?", "help"), ("/", "filter"), (":", "command"), ("⏎", "open"), ("l", "logs"), ("q", "quit")]
    };
    for &(key, what) in hints {
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {what}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    None
}
