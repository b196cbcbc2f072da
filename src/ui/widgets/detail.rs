//! A table with the selected row's long text (a provisioner's or an ACME error, whose end says
//! why) shown whole in a box under it, wrapped.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::ui::theme::Theme;

/// Lines of the box, borders included: three lines of text.
const HEIGHT: u16 = 5;
/// Below this pane height the table keeps every line.
const MIN_AREA_HEIGHT: u16 = 12;

/// What the box shows: its title (the row's name), text and style.
pub struct Detail {
    pub title: String,
    pub text: String,
    pub style: Style,
}

/// Split `area` into the table's and the box's, and draw the box when there is a detail.
pub fn split_and_render(detail: Option<Detail>, theme: &Theme, frame: &mut Frame, area: Rect) -> Rect {
    let detail = detail.filter(|d| !d.text.is_empty() && area.height >= MIN_AREA_HEIGHT);
    let height = if detail.is_some() { HEIGHT } else { 0 };
    let [table, below] = Layout::vertical([Constraint::Min(3), Constraint::Length(height)]).areas(area);
    if let Some(d) = detail {
        let block = Block::bordered()
            .border_style(theme.border)
            .title(Span::styled(format!(" {} ", d.title), theme.title));
        let text = Line::from(Span::styled(d.text, d.style));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), below);
    }
    table
}
