//! The pane tabs under the status line: `1 Overview  2 Zones ...`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::theme::Theme;
use crate::ui::view::TabsView;

pub fn render(view: &TabsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (i, (digit, title)) in view.tabs.iter().enumerate() {
        let style = if i == view.current { theme.selection } else { theme.muted };
        spans.push(Span::styled(format!(" {digit} {title} "), style));
        spans.push(Span::raw(" "));
    }
    if let Some(name) = &view.drill {
        spans.push(Span::styled(format!("› {name}"), theme.accent));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
