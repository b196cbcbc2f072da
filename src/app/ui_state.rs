//! What the user is doing: pane, selections, filters, the line being typed, overlays.
//! Cluster data lives elsewhere; this is only the state of the screen.

use jiff::Timestamp;

use crate::app::pane::Pane;
use crate::app::screen::RowTarget;
use crate::keymap::InputMode;
use crate::types::WorkloadRef;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableCursor {
    pub selected: usize,
    /// The row under the cursor, held by identity: after a re-projection the cursor finds
    /// it again wherever it moved.
    pub anchor: Option<RowTarget>,
    /// The user chose the row (moved the cursor). Until then the cursor stays at its place,
    /// the top of a trouble-first list, whatever row comes there.
    pub chosen: bool,
}

impl TableCursor {
    /// Select the row at `index` of `rows` (clamped) and hold it.
    pub fn select(&mut self, index: usize, rows: &[RowTarget]) {
        self.selected = index.min(rows.len().saturating_sub(1));
        self.anchor = rows.get(self.selected).cloned();
        self.chosen = true;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Filter,
    Command,
}

/// A line being typed at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    pub kind: LineKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Warn,
    Error,
}

/// A short message in the status line (command results, refused keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    pub pane: Pane,
    cursors: [TableCursor; Pane::COUNT],
    filters: [String; Pane::COUNT],
    pub drill: Option<WorkloadRef>,
    pub drill_cursor: TableCursor,
    pub input: Option<InputLine>,
    pub help: bool,
    /// The action dialog (scale, restart, undo), when open.
    pub dialog: Option<crate::app::dialog::Dialog>,
    pub zone_what_if: bool,
    /// `:compare NS/NAME`: the workload shown across the fleet, over the fleet pane.
    pub compare: Option<(String, String)>,
    pub flash: Option<Flash>,
    /// Rows the last frame could show in the table body, for PgUp/PgDn.
    pub page_rows: usize,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            pane: Pane::Overview,
            cursors: Default::default(),
            filters: Default::default(),
            drill: None,
            drill_cursor: TableCursor::default(),
            input: None,
            help: false,
            dialog: None,
            zone_what_if: false,
            compare: None,
            flash: None,
            page_rows: 10,
        }
    }
}

impl UiState {
    pub fn mode(&self) -> InputMode {
        if self.help {
            InputMode::Help
        } else if self.input.is_some() || self.dialog.is_some() {
            InputMode::Text
        } else {
            InputMode::Normal
        }
    }

    /// The cursor of the table in front: the drill-down's when open, else the pane's.
    pub fn cursor(&self) -> &TableCursor {
        match self.drill {
            Some(_) => &self.drill_cursor,
            None => &self.cursors[self.pane.index()],
        }
    }

    pub fn cursor_mut(&mut self) -> &mut TableCursor {
        match self.drill {
            Some(_) => &mut self.drill_cursor,
            None => &mut self.cursors[self.pane.index()],
        }
    }

    pub fn filter(&self, pane: Pane) -> &str {
        &self.filters[pane.index()]
    }

    pub fn set_filter(&mut self, pane: Pane, text: String) {
        self.filters[pane.index()] = text;
        self.cursors[pane.index()] = TableCursor::default();
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>, now: Timestamp) {
        self.flash = Some(Flash { level, text: text.into(), at: now });
    }
}

/// A parsed filter: substring, case-insensitive; a leading `!` negates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    needle: String,
    negate: bool,
}

impl RowFilter {
    pub fn parse(text: &str) -> Option<RowFilter> {
        let (negate, needle) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let needle = needle.trim().to_lowercase();
        (!needle.is_empty()).then_some(RowFilter { needle, negate })
    }

    /// Whether a row whose searchable text is `haystack` (already lower-case) is kept.
    pub fn keeps(&self, haystack: &str) -> bool {
        haystack.contains(&self.needle) != self.negate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_matches_substrings_and_negates() {
        let keep = RowFilter::parse("Pay").unwrap();
        assert!(keep.keeps("payments/api"));
        assert!(!keep.keeps("orders/api"));
        let drop = RowFilter::parse("!pay").unwrap();
        assert!(!drop.keeps("payments/api"));
        assert!(drop.keeps("orders/api"));
        assert_eq!(RowFilter::parse("!"), None);
        assert_eq!(RowFilter::parse("  "), None);
    }

    #[test]
    fn changing_a_filter_resets_that_panes_cursor_only() {
        let mut ui = UiState::default();
        ui.cursor_mut().selected = 4;
        ui.pane = Pane::Zones;
        ui.cursor_mut().selected = 2;
        ui.set_filter(Pane::Zones, "x".into());
        assert_eq!(ui.cursor().selected, 0);
        ui.pane = Pane::Overview;
        assert_eq!(ui.cursor().selected, 4);
    }
}
