//! The pane tabs under the status line: `1 Overview  2 Zones ...`. On a narrow terminal the
//! tabs not in front shrink (`2 Zon`, then `2`) so that every digit and the drill-down's name
//! stay visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::theme::Theme;
use crate::ui::view::TabsView;

/// How many characters of a title a shrunk tab keeps (then two, before keys only).
const SHORT_TITLE: usize = 3;

pub fn render(view: &TabsView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let drill = view.drill.as_ref().map(|name| format!("› {name}"));
    let drill_width = drill.as_ref().map_or(0, |d| d.chars().count());
    // Whole titles with a space between tabs, then without it, then shrunk titles.
    let (labels, gap) =
        [(None, 1), (None, 0), (Some(SHORT_TITLE), 1), (Some(SHORT_TITLE), 0), (Some(2), 0), (Some(0), 1)]
            .into_iter()
            .map(|(keep, gap)| (labels(view, keep), gap))
            .find(|(labels, gap)| width(labels, *gap) + drill_width <= usize::from(area.width))
            .unwrap_or_else(|| (labels(view, Some(0)), 1));
    let mut spans = Vec::new();
    for (i, label) in labels.into_iter().enumerate() {
        let style = if i == view.current { theme.selection } else { theme.muted };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" ".repeat(gap)));
    }
    if let Some(drill) = drill {
        spans.push(Span::styled(drill, theme.accent));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Each tab's text; tabs not in front keep `keep` characters of their title (None: all).
fn labels(view: &TabsView, keep: Option<usize>) -> Vec<String> {
    view.tabs
        .iter()
        .enumerate()
        .map(|(i, (digit, title))| match keep {
            Some(0) if i != view.current => format!(" {digit} "),
            Some(n) if i != view.current => {
                format!(" {digit} {} ", title.chars().take(n).collect::<String>())
            }
            _ => format!(" {digit} {title} "),
        })
        .collect()
}

/// The width of the labels with `gap` spaces after each.
fn width(labels: &[String], gap: usize) -> usize {
    labels.iter().map(|l| l.chars().count() + gap).sum()
}
