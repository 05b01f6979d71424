//! Standard output that a closed pipe cannot break: `oddity run … | head -2` or `oddity score
//! … | head` must neither panic nor stop the work. Once a write finds the pipe closed, the
//! rest of standard output is dropped; the run goes on, and its files are written as usual.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a write found standard output closed.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output, unless it was found closed; any other error is
/// dropped too (standard output is a courtesy here, the results are files).
pub fn text(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }
}

/// Writes one line to standard output (see [`text`]).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::text(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;

#[cfg(test)]
mod tests {
    #[test]
    fn a_line_is_written_whole() {
        // Writing to the test harness's stdout succeeds and leaves the flag unset.
        super::outln!("out: {}", 1);
        assert!(!super::CLOSED.load(std::sync::atomic::Ordering::Relaxed));
    }
}
