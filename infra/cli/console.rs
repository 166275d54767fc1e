//! Where a command's output goes and what it may look like there: the process's own streams,
//! or buffers that stand for them (a program embedding the commands; the CLI's snapshot tests).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use sdlf_diff::Style;

/// A command's standard output and error, and what they are connected to.
pub struct Console {
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<Box<dyn Write + Send>>,
    /// Standard output is a terminal: progress bars are drawn on it.
    pub terminal: bool,
    /// Standard input is a terminal too: a person can be asked.
    pub interactive: bool,
    /// The widest a line may be (`COLUMNS`, else the terminal's); `None`: as wide as the content.
    pub width: Option<usize>,
    /// Colour on standard output (see [`crate::colour`]).
    pub colour: bool,
}

impl Console {
    /// The process's standard output and error.
    pub fn process() -> Console {
        let terminal = std::io::stdout().is_terminal();
        Console {
            out: Mutex::new(Box::new(std::io::stdout())),
            err: Mutex::new(Box::new(std::io::stderr())),
            terminal,
            interactive: terminal && std::io::stdin().is_terminal(),
            width: width(std::env::var("COLUMNS").ok(), terminal.then(terminal_columns).flatten()),
            colour: crate::colour(terminal),
        }
    }

    /// Buffers standing for a standard output that is not a terminal, `width` columns wide
    /// (as `COLUMNS` sets it), coloured or not; nobody is there to answer questions.
    pub fn captured(width: Option<usize>, colour: bool) -> (Console, Captured) {
        let captured = Captured::default();
        let console = Console {
            out: Mutex::new(Box::new(Buffer(captured.out.clone()))),
            err: Mutex::new(Box::new(Buffer(captured.err.clone()))),
            terminal: false,
            interactive: false,
            width,
            colour,
        };
        (console, captured)
    }

    /// Writes `text` as it is to standard output.
    pub fn print(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Writes a line to standard output.
    pub fn line(&self, text: &str) {
        self.print(&format!("{text}\n"));
    }

    /// Writes a line to standard error.
    pub fn error(&self, text: &str) {
        let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    /// Asks the person at the terminal, on standard output (standard error when standard
    /// output is for a program); anything but yes is no.
    pub fn ask(&self, question: &str, on_stderr: bool) -> bool {
        let prompt = format!("{question} [y/N] ");
        if on_stderr {
            let mut err = self.err.lock().unwrap_or_else(|p| p.into_inner());
            let _ = err.write_all(prompt.as_bytes());
            let _ = err.flush();
        } else {
            self.print(&prompt);
        }
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
    }

    /// How diffs and tables look on standard output.
    pub fn style(&self) -> Style {
        if self.colour { Style::COLOUR } else { Style::PLAIN }.with_width(self.width)
    }
}

/// `COLUMNS` when it holds a width (as `ls` and most CLIs honour it, in a pipe too), else
/// the terminal's.
fn width(columns: Option<String>, terminal: Option<usize>) -> Option<usize> {
    columns.and_then(|c| c.trim().parse().ok()).filter(|&c: &usize| c > 0).or(terminal)
}

fn terminal_columns() -> Option<usize> {
    // indicatif's own terminal library: already built, and it reads the size with one ioctl.
    console::Term::stdout().size_checked().map(|(_rows, columns)| usize::from(columns))
}

/// What a [`Console::captured`] console was given.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Standard output so far.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Standard error so far.
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::width;

    #[test]
    fn columns_wins_over_the_terminal_and_nonsense_is_ignored() {
        assert_eq!(width(Some("72".into()), Some(200)), Some(72));
        assert_eq!(width(None, Some(200)), Some(200));
        assert_eq!(width(Some("wide".into()), Some(200)), Some(200));
        assert_eq!(width(Some("0".into()), None), None);
        assert_eq!(width(None, None), None, "in a pipe, lines are as wide as their content");
    }
}
