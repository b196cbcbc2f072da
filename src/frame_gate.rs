//! Present a frame only when it differs from the one on screen. ratatui already sends only
//! changed cells, but an unchanged frame still writes style resets and cursor codes (~25 B);
//! an idle dashboard over SSH should write nothing at all.

use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use ratatui::{Frame, Terminal};

#[derive(Default)]
pub struct FrameGate {
    /// What the last presented frame drew, and where it left the cursor.
    shown: Option<(Buffer, Option<Position>)>,
}

impl FrameGate {
    /// Render with `render` (which returns where the cursor goes, None to hide it); flush
    /// to the terminal only if the result differs from what is shown. Returns whether
    /// anything was written.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        render: impl FnOnce(&mut Frame) -> Option<Position>,
    ) -> Result<bool, B::Error> {
        terminal.autoresize()?;
        let mut frame = terminal.get_frame();
        let cursor = render(&mut frame);
        let unchanged = self.shown.as_ref().is_some_and(|(buffer, shown_cursor)| {
            *shown_cursor == cursor && buffer == terminal.current_buffer_mut()
        });
        if unchanged {
            // The next frame renders onto a clean buffer, as after a presented frame.
            terminal.current_buffer_mut().reset();
            return Ok(false);
        }
        let rendered = terminal.current_buffer_mut().clone();
        terminal.apply_buffer_with_cursor(cursor)?;
        self.shown = Some((rendered, cursor));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;

    fn text(terminal: &Terminal<TestBackend>) -> String {
        terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn an_unchanged_frame_is_not_presented_and_a_changed_one_is() {
        let mut terminal = Terminal::new(TestBackend::new(10, 2)).unwrap();
        let mut gate = FrameGate::default();
        let hello = |f: &mut Frame| {
            f.render_widget(Paragraph::new("hello"), f.area());
            None
        };
        let hi = |f: &mut Frame| {
            f.render_widget(Paragraph::new("hi"), f.area());
            None
        };
        assert!(gate.draw(&mut terminal, hello).unwrap());
        assert!(!gate.draw(&mut terminal, hello).unwrap());
        assert!(text(&terminal).starts_with("hello"));
        // A shorter text must not leave the old one behind (the skipped frame's buffer was reset).
        assert!(gate.draw(&mut terminal, hi).unwrap());
        assert!(text(&terminal).starts_with("hi   "), "{:?}", text(&terminal));
        // The same cells with a cursor shown is a change.
        assert!(gate.draw(&mut terminal, |f| hi(f).or(Some(Position::new(2, 0)))).unwrap());
        assert!(gate.draw(&mut terminal, hi).unwrap(), "hiding the cursor again is a change");
    }
}
