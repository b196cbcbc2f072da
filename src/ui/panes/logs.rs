//! The log view: a header (what is followed, how, what was dropped), then one row per line:
//! time, a pod/container tag coloured per pod, the zone on wide terminals, the text with the
//! pattern's matches reversed. A pure function of its `LogFrame`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::types::Sgr;
use crate::ui::theme::Theme;
use crate::ui::view::{LogFrame, LogRow};

const POD_COLOURS: [Color; 6] =
    [Color::Green, Color::Yellow, Color::Blue, Color::Magenta, Color::Cyan, Color::Red];

/// Rows the header takes inside the border (summary, notes).
pub fn header_rows(view: &LogFrame) -> u16 {
    1 + u16::from(!view.notes.is_empty())
}

pub fn render(view: &LogFrame, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered().border_style(theme.border_focus).title(Line::from(vec![
        Span::styled(" Logs ", theme.title),
        Span::styled(format!("{} ", view.title), theme.accent),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![Line::from(Span::styled(view.summary.clone(), theme.muted))];
    if !view.notes.is_empty() {
        lines.push(Line::from(Span::styled(view.notes.join(" · "), theme.warn)));
    }
    let header = header_rows(view);
    frame.render_widget(Paragraph::new(lines), Rect { height: header.min(inner.height), ..inner });
    let body = Rect { y: inner.y + header, height: inner.height.saturating_sub(header), ..inner };
    if body.height == 0 {
        return;
    }
    if let Some(why) = &view.empty {
        frame.render_widget(Paragraph::new(Span::styled(why.clone(), theme.muted)), body);
        return;
    }
    let coloured = theme.accent.fg.is_some();
    // More rows than fit (the notes took a line): the newest when following, else the first.
    let fit = usize::from(body.height);
    let skip = if view.follow { view.rows.len().saturating_sub(fit) } else { 0 };
    let shown = view.rows.iter().skip(skip).take(fit);
    let mut rows: Vec<Line> = shown.map(|r| row_line(r, view, theme, coloured)).collect();
    if view.wrap {
        // Keep the newest rows: drop from the top until the wrapped rows fit.
        let width = usize::from(body.width.max(1));
        let height = |l: &Line| l.width().max(1).div_ceil(width);
        let mut total: usize = rows.iter().map(height).sum();
        while total > usize::from(body.height) && rows.len() > 1 {
            total -= height(&rows[0]);
            rows.remove(0);
        }
        frame.render_widget(Paragraph::new(rows).wrap(Wrap { trim: false }), body);
    } else {
        frame.render_widget(Paragraph::new(rows), body);
    }
}

fn row_line<'a>(row: &LogRow, view: &LogFrame, theme: &Theme, coloured: bool) -> Line<'a> {
    let mut tag_style = if coloured {
        Style::default().fg(POD_COLOURS[usize::from(row.colour) % POD_COLOURS.len()])
    } else {
        theme.accent
    };
    if row.gone {
        tag_style = tag_style.add_modifier(Modifier::DIM | Modifier::CROSSED_OUT);
    }
    let mut spans = vec![
        Span::styled(format!("{} ", row.time), theme.muted),
        Span::styled(format!("{:<w$} ", row.tag, w = view.tag_width), tag_style),
    ];
    if view.zones && !row.zone.is_empty() {
        spans.push(Span::styled(format!("{} ", row.zone), theme.muted));
    }
    for run in &row.runs {
        let mut style = sgr_style(&run.style, theme.text);
        if run.matched {
            style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        spans.push(Span::styled(run.text.clone(), style));
    }
    let line = Line::from(spans);
    if row.cursor { line.style(theme.selection) } else { line }
}

fn sgr_style(sgr: &Sgr, base: Style) -> Style {
    let mut style = base;
    if let Some(fg) = sgr.fg {
        style = style.fg(Color::Indexed(fg));
    }
    if let Some(bg) = sgr.bg {
        style = style.bg(Color::Indexed(bg));
    }
    for (on, modifier) in [
        (sgr.bold, Modifier::BOLD),
        (sgr.dim, Modifier::DIM),
        (sgr.italic, Modifier::ITALIC),
        (sgr.underline, Modifier::UNDERLINED),
    ] {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    style
}
