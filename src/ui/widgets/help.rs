//! The `?` overlay: every key of what is in front, from the keymap's own table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::ui::theme::Theme;
use crate::ui::view::HelpView;

pub fn render(view: &HelpView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let key_width = view.rows.iter().map(|(keys, _)| keys.chars().count()).max().unwrap_or(0);
    let lines: Vec<Line> = view
        .rows
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme.key),
                Span::styled(*what, theme.text),
            ])
        })
        .collect();
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(64)]).flex(Flex::Center).areas(popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" Help: {} (any key closes) ", view.title), theme.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
