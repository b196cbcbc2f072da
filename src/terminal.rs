//! Terminal setup and teardown. Whatever happens (panic, SIGTERM, SIGHUP), the terminal is
//! put back: raw mode off, main screen back, cursor shown.

use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Counts every byte sent to the terminal, so benchmarks and tests can check that an idle
/// screen writes nothing.
pub struct CountingWriter<W> {
    inner: W,
    written: Arc<AtomicU64>,
}

impl<W: Write> CountingWriter<W> {
    pub fn new(inner: W) -> (Self, Arc<AtomicU64>) {
        let written = Arc::new(AtomicU64::new(0));
        (Self { inner, written: written.clone() }, written)
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One buffered writer: a frame goes out in one flush.
pub type Out = CountingWriter<io::BufWriter<Stdout>>;
pub type Tui = Terminal<CrosstermBackend<Out>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Enter raw mode and the alternate screen; install the panic hook that undoes it.
/// Call after color-eyre's hooks so ours runs first on a panic.
pub fn enter(mouse: bool) -> io::Result<(Tui, Arc<AtomicU64>)> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    let (out, written) = CountingWriter::new(io::BufWriter::with_capacity(64 * 1024, stdout));
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    terminal.clear()?;
    Ok((terminal, written))
}

/// Put the terminal back. Idempotent; errors are ignored (after a hang-up there is no
/// terminal to restore, and we are leaving anyway).
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = disable_raw_mode();
    let mut stdout = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout, DisableMouseCapture);
    }
    let _ = execute!(stdout, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = stdout.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Restores the terminal when dropped, so an early return or `?` cannot leave it raw.
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_writer_counts_what_it_passes_on() {
        let (mut w, written) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").unwrap();
        w.write_all(b", terminal").unwrap();
        assert_eq!(written.load(Ordering::Relaxed), 15);
        assert_eq!(w.inner, b"hello, terminal");
    }
}
