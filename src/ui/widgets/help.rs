//! The `?` overlay: every key of the current pane, from the keymap's own table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::app::pane::Pane;
use crate::keymap::{BINDINGS, LOG_BINDINGS};
use crate::ui::theme::Theme;

pub fn render(pane: Pane, logs: bool, theme: &Theme, frame: &mut Frame, area: Rect) {
    let bindings: Vec<_> = match logs {
        true => LOG_BINDINGS.iter().collect(),
        false => BINDINGS.iter().filter(|b| b.pane.is_none_or(|p| p == pane)).collect(),
    };
    let key_width = bindings.iter().map(|b| b.keys.chars().count()).max().unwrap_or(0);
    let lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<key_width$}  ", b.keys), theme.key),
                Span::styled(b.what, theme.text),
            ])
        })
        .collect();
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(64)]).flex(Flex::Center).areas(popup);
    let block = Block::bordered().border_type(BorderType::Rounded).border_style(theme.border_focus).title(
        Span::styled(
            format!(" Help: {} (any key closes) ", if logs { "Logs" } else { pane.title() }),
            theme.title,
        ),
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
