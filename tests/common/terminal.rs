//! A command run as a person at a terminal runs it: standard input and output on a
//! pseudo-terminal, standard error in a file (as `2>log` does).

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::process::{Command, ExitStatus};

use rustix::fs::{Mode, OFlags};
use rustix::io::{FdFlags, fcntl_setfd};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

/// The terminal's width: fixed, so that lines are laid out the same on every machine.
const COLUMNS: u16 = 100;

/// What a run at the terminal left.
pub struct OnTerminal {
    pub status: ExitStatus,
    /// What the terminal showed, without escape sequences (colour, cursor moves) and carriage
    /// returns; the answers typed are in it, as the terminal echoes them.
    pub screen: String,
    /// What went to standard error.
    pub stderr: String,
}

/// Runs `command` with standard input and output on a pseudo-terminal and standard error in a
/// file; each `[y/N]` question that appears is answered with the line `answer`.
pub fn run(mut command: Command, answer: &str) -> OnTerminal {
    let (terminal, childs_side) = open_pty();
    let mut stderr = tempfile::tempfile().expect("a scratch file for standard error");
    let mut child = command
        .stdin(childs_side.try_clone().expect("the terminal's fd duplicates"))
        .stdout(childs_side)
        .stderr(stderr.try_clone().expect("the scratch file's fd duplicates"))
        // The width is the terminal's; a terminal's environment.
        .env_remove("COLUMNS")
        .env("TERM", "xterm-256color")
        .spawn()
        .expect("the command runs");
    // Only the child may hold its side open: the terminal ends (EIO) when the child does.
    drop(command);
    let answer = format!("{answer}\n");
    // Drained all along, or the child blocks once the terminal's buffer is full.
    let screen = std::thread::spawn(move || watch(File::from(terminal), &answer));
    let status = child.wait().expect("the command ends");
    let screen = screen.join().expect("the terminal is read");
    let mut err = String::new();
    stderr.rewind().and_then(|()| stderr.read_to_string(&mut err)).expect("standard error reads back");
    OnTerminal { status, screen: plain(&screen), stderr: err }
}

/// A pseudo-terminal `COLUMNS` wide: (the terminal's side, the child's side), neither
/// inherited by other processes the tests start meanwhile.
fn open_pty() -> (OwnedFd, OwnedFd) {
    let terminal = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    fcntl_setfd(&terminal, FdFlags::CLOEXEC).expect("close-on-exec");
    grantpt(&terminal).and_then(|()| unlockpt(&terminal)).expect("the pseudo-terminal unlocks");
    let name = ptsname(&terminal, Vec::new()).expect("the pseudo-terminal's name");
    let childs_side = rustix::fs::open(name.as_c_str(), OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC, Mode::empty())
        .expect("the child's side of the pseudo-terminal opens");
    let size = Winsize { ws_row: 50, ws_col: COLUMNS, ws_xpixel: 0, ws_ypixel: 0 };
    tcsetwinsize(&terminal, size).expect("the terminal's size is set");
    (terminal, childs_side)
}

/// Everything written to the terminal until the child's side closes, answering each question
/// as it appears.
fn watch(mut terminal: File, answer: &str) -> Vec<u8> {
    let mut keyboard = terminal.try_clone().expect("the terminal's fd duplicates");
    let (mut seen, mut answered, mut chunk) = (Vec::new(), 0, [0; 4096]);
    loop {
        match terminal.read(&mut chunk) {
            Ok(0) => return seen,
            Ok(n) => seen.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // Linux's way of saying that the child's side is closed.
            Err(_) => return seen,
        }
        let asked = seen.windows(5).filter(|w| w == b"[y/N]").count();
        for _ in answered..asked {
            keyboard.write_all(answer.as_bytes()).expect("the answer is typed");
        }
        answered = asked;
    }
}

/// The text of what a terminal was sent: escape sequences and carriage returns removed.
fn plain(raw: &[u8]) -> String {
    sdlf_diff::strip_escapes(&String::from_utf8_lossy(raw)).replace('\r', "")
}
