//! The action dialog: a double-bordered popup over the body, its lines styled by tone.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::ui::theme::Theme;
use crate::ui::view::DialogView;

pub fn render(dialog: &DialogView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = lines(dialog, theme);
    let width = area.width.saturating_sub(4).min(76);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.warn)
        .title(Span::styled(format!(" {} ", dialog.title), theme.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
}

fn lines(dialog: &DialogView, theme: &Theme) -> Vec<Line<'static>> {
    let bold = theme.text.add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        Span::styled(" context ", theme.muted),
        Span::styled(dialog.context.clone(), bold),
        Span::styled("  namespace ", theme.muted),
        Span::styled(dialog.namespace.clone(), bold),
    ])];
    for line in &dialog.lines {
        let mut spans = vec![Span::styled(format!(" {}", line.text), theme.tone(line.tone))];
        if let Some(input) = &line.input {
            spans.push(Span::styled(format!("{input}▏"), theme.accent));
        }
        lines.push(Line::from(spans));
    }
    lines
}
