//! The first screen when the API server does not answer: say so plainly, keep retrying.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::ui::theme::Theme;
use crate::ui::view::Unreachable;

pub fn render(view: &Unreachable, theme: &Theme, frame: &mut Frame, area: Rect) {
    let field = |name: &'static str, value: String, style| {
        Line::from(vec![Span::styled(format!(" {name:<8} "), theme.muted), Span::styled(value, style)])
    };
    let lines = vec![
        Line::from(Span::styled(" Cannot reach the Kubernetes API server", theme.error)),
        Line::raw(""),
        field("context", view.context.clone(), theme.accent),
        field("server", view.server.clone(), theme.text),
        field("error", view.error.clone(), theme.warn),
        Line::raw(""),
        Line::from(Span::styled(
            format!(
                " kdeck keeps retrying (failing for {} s). Check the VPN or bastion tunnel,",
                view.seconds
            ),
            theme.text,
        )),
        Line::from(Span::styled(" or switch context with :ctx NAME. q quits.", theme.text)),
    ];
    let block = Block::bordered().border_style(theme.error).title(Span::styled(" API server ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
