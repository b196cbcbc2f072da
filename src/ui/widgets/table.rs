//! A table that fits any width: columns drop by priority when space runs out, and only the
//! rows on screen are ever built.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Row, Table, TableState};

use crate::ui::theme::Theme;

#[derive(Debug, Clone)]
pub struct Column {
    pub title: Cow<'static, str>,
    /// Width in cells (the minimum for the flexible column).
    pub width: u16,
    /// 0 = always shown; higher numbers drop first when the table is too narrow.
    pub priority: u8,
    /// Takes the width left over (one per table, usually the name).
    pub flex: bool,
    pub right: bool,
}

impl Column {
    pub const fn new(title: &'static str, width: u16, priority: u8) -> Column {
        Column { title: Cow::Borrowed(title), width, priority, flex: false, right: false }
    }

    pub const fn flex(title: &'static str, width: u16) -> Column {
        Column { title: Cow::Borrowed(title), width, priority: 0, flex: true, right: false }
    }

    /// A column whose title is only known at run time (a zone name).
    pub fn named(title: String, width: u16, priority: u8) -> Column {
        Column { title: Cow::Owned(title), width, priority, flex: false, right: false }
    }

    pub const fn right(mut self) -> Column {
        self.right = true;
        self
    }
}

/// One cell: text and the style it is drawn in.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell { text: text.into(), style }
    }
}

/// Which columns fit in `width`, in their original order.
pub fn fitting(columns: &[Column], width: u16) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    let needed =
        |shown: &[usize]| -> u32 { shown.iter().map(|&i| u32::from(columns[i].width) + 1).sum::<u32>() + 2 };
    while needed(&shown) > u32::from(width) {
        let drop = shown
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].priority > 0)
            .max_by_key(|(pos, i)| (columns[**i].priority, *pos))
            .map(|(pos, _)| pos);
        match drop {
            Some(pos) => {
                shown.remove(pos);
            }
            None => break,
        }
    }
    shown
}

/// The first row to show so that `selected` is visible in `height` rows.
pub fn scroll_offset(selected: usize, height: usize, rows: usize) -> usize {
    if height == 0 || rows <= height {
        return 0;
    }
    // Keep the selection mid-screen where possible; stateless, so a resize cannot lose it.
    selected.saturating_sub(height / 2).min(rows - height)
}

pub struct TableSpec<'a> {
    pub title: Line<'a>,
    pub columns: &'a [Column],
    pub rows: usize,
    pub selected: Option<usize>,
    pub focused: bool,
}

/// Draw the table; `build_row(i)` is called only for rows on screen.
pub fn render(
    spec: TableSpec<'_>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    build_row: &dyn Fn(usize) -> Vec<Cell>,
) {
    let block = Block::bordered()
        .border_style(if spec.focused { theme.border_focus } else { theme.border })
        .title(spec.title);
    let inner_width = area.width.saturating_sub(2);
    let shown = fitting(spec.columns, inner_width);
    let body_height = usize::from(area.height.saturating_sub(3));
    let selected = spec.selected.unwrap_or(0).min(spec.rows.saturating_sub(1));
    let offset = scroll_offset(selected, body_height, spec.rows);
    let end = (offset + body_height).min(spec.rows);
    let header = Row::new(shown.iter().map(|&i| {
        let column = &spec.columns[i];
        let text = if column.right {
            format!("{:>w$}", column.title, w = usize::from(column.width))
        } else {
            column.title.to_string()
        };
        Line::from(Span::styled(text, theme.table_header))
    }));
    let rows: Vec<Row> = (offset..end)
        .map(|index| {
            let cells = build_row(index);
            Row::new(shown.iter().map(|&i| {
                let column = &spec.columns[i];
                let cell = cells.get(i).cloned().unwrap_or_default();
                let text = if column.right {
                    format!("{:>w$}", cell.text, w = usize::from(column.width))
                } else {
                    cell.text
                };
                Line::from(Span::styled(text, cell.style))
            }))
        })
        .collect();
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|&i| {
            let column = &spec.columns[i];
            if column.flex { Constraint::Min(column.width) } else { Constraint::Length(column.width) }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(if spec.focused { theme.selection } else { Style::default() });
    let mut state = TableState::default();
    if spec.selected.is_some() && spec.rows > 0 {
        state.select(Some(selected - offset));
    }
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 4] = [
        Column::flex("NAME", 10),
        Column::new("READY", 7, 0),
        Column::new("AGE", 5, 2),
        Column::new("NODE", 12, 1),
    ];

    #[test]
    fn everything_fits_when_wide() {
        assert_eq!(fitting(&COLUMNS, 120), vec![0, 1, 2, 3]);
    }

    #[test]
    fn highest_priority_number_drops_first() {
        // NAME 11 + READY 8 + NODE 13 + borders 2 = 34: AGE (priority 2) goes first.
        assert_eq!(fitting(&COLUMNS, 34), vec![0, 1, 3]);
        assert_eq!(fitting(&COLUMNS, 25), vec![0, 1]);
        // Priority-0 columns stay even when they cannot fit.
        assert_eq!(fitting(&COLUMNS, 5), vec![0, 1]);
    }

    #[test]
    fn selection_stays_visible() {
        for rows in [0, 1, 5, 50, 1000] {
            for height in [1, 3, 10] {
                for selected in 0..rows.min(60) {
                    let offset = scroll_offset(selected, height, rows);
                    assert!(offset <= selected, "rows {rows} height {height} selected {selected}");
                    assert!(selected < offset + height, "rows {rows} height {height} selected {selected}");
                    assert!(offset + height.min(rows) <= rows.max(height.min(rows)));
                }
            }
        }
    }
}
