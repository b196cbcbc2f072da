//! The last line: the filter or command being typed, a message, or key hints.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::theme::Theme;
use crate::ui::view::BottomLineView;

/// Returns where the cursor goes (after the text being typed), if anywhere.
pub fn render(view: &BottomLineView, theme: &Theme, frame: &mut Frame, area: Rect) -> Option<Position> {
    if let Some(input) = &view.input {
        let line = Line::from(vec![Span::styled(input.prompt, theme.key), Span::raw(input.text.clone())]);
        frame.render_widget(Paragraph::new(line), area);
        let width = u16::try_from(input.prompt.len() + input.text.chars().count()).unwrap_or(u16::MAX);
        let cursor = Position::new(area.x.saturating_add(width), area.y);
        frame.set_cursor_position(cursor);
        return Some(cursor);
    }
    if let Some((tone, text)) = &view.flash {
        frame.render_widget(Paragraph::new(Span::styled(text.clone(), theme.tone(*tone))), area);
        return None;
    }
    let mut spans = Vec::new();
    if let Some(filter) = &view.filter {
        spans.push(Span::styled(format!("filter: {filter}  "), theme.accent));
    }
    for &(key, what) in view.hints {
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {what}  "), theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    None
}
