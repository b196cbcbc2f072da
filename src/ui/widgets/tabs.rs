//! The pane tabs under the status line: `1 Overview  2 Zones ...`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::pane::Pane;
use crate::ui::theme::Theme;

pub fn render(current: Pane, drill: Option<&str>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for pane in Pane::ALL {
        let style = if pane == current { theme.selection } else { theme.muted };
        spans.push(Span::styled(format!(" {} {} ", pane.digit(), pane.title()), style));
        spans.push(Span::raw(" "));
    }
    if let Some(name) = drill {
        spans.push(Span::styled(format!("› {name}"), theme.accent));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
