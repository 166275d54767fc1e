//! One long-running shell for a whole build, driven command by command.
//!
//! Buildspec 0.2 runs every command of a build in the same shell instance, so `cd` and `export`
//! carry over. The shell reads its commands from stdin, one at a time: the next one is written
//! only after the previous one has reported, so the runner decides what comes next (the rest of
//! the phase, `finally`, a later phase) from each command's own exit status, never `set -e`.
//!
//! File descriptors of the shell:
//! - 0: the commands, from the runner. Each command's own stdin is `/dev/null`, so a command
//!   that reads stdin (`cat`, `read`) gets EOF instead of the lines that follow it.
//! - 1 and 2: both into one pipe, so stdout and stderr lines reach the sink in the order they
//!   were written. After each command a marker line goes to it, so the runner knows that all
//!   of that command's output has been forwarded before it prints the next header.
//! - 3: the status channel, NUL-separated records (`done`, `var`, `end`). Shell variables cannot
//!   hold NUL, so values of any content come back intact. Commands run with fd 3 closed, so
//!   nothing they start can write on it or keep it open.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use super::RunnerError;

/// Marks the end of a command's output: ASCII record separator, so it cannot be mistaken for
/// anything a build prints.
const MARKER: &[u8] = b"\x1esdlf:";

/// How long to wait for a command's output marker once its status arrived. The marker only
/// goes missing when a command redirected the shell's own stdout (`exec >file`); then waiting
/// longer would not help.
const MARKER_WAIT: Duration = Duration::from_secs(2);

/// How long to wait, after the shell exited, for processes it left in the background to
/// close the output pipe.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// What came of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ran {
    /// The command finished with this exit status; the shell is still there.
    Exited(i32),
    /// The shell itself ended while running the command (`exit 3`, a `set -e` failure, a
    /// signal) with this status: nothing more can run in this build.
    EndedShell(i32),
}

enum Event {
    Output(Vec<u8>),
    Marker(u64),
    Done { id: u64, status: i32 },
    Var { name: String, value: String },
    VarsEnd,
    StatusClosed,
    OutputClosed,
}

pub(super) struct Shell {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Event>,
    next_id: u64,
    exit_status: Option<i32>,
    output_open: bool,
}

impl Shell {
    /// Starts `program` in `dir` with the process environment plus `env`, less what cargo set
    /// for this program if cargo started it (CodeBuild's is not a cargo package's environment,
    /// and the builds the commands make would not reuse the compiled dependencies with it).
    pub(super) fn start(program: &str, dir: &Path, env: &[(String, String)]) -> Result<Shell, RunnerError> {
        let mut child = sdlf_package::cargo_env::without_inherited_package_vars(&mut Command::new(program))
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| RunnerError::Spawn { shell: program.to_owned(), source })?;
        let (tx, events) = mpsc::channel();
        let output = child.stdout.take().expect("stdout is piped");
        let status = child.stderr.take().expect("stderr is piped");
        let out_tx = tx.clone();
        thread::spawn(move || forward_output(output, out_tx));
        thread::spawn(move || forward_status(status, tx));
        let stdin = child.stdin.take();
        let mut shell = Shell { child, stdin, events, next_id: 0, exit_status: None, output_open: true };
        // The shell's stderr pipe becomes the status channel (fd 3) and its stderr joins stdout.
        shell.send("exec 3>&2 2>&1\n")?;
        Ok(shell)
    }

    pub(super) fn is_alive(&self) -> bool {
        self.exit_status.is_none()
    }

    /// Runs one command, forwarding its output to `out` as it comes.
    pub(super) fn run(&mut self, command: &str, out: &mut dyn Write) -> Result<Ran, RunnerError> {
        if let Some(status) = self.exit_status {
            return Ok(Ran::EndedShell(status));
        }
        let id = self.next_id;
        self.next_id += 1;
        let line = format!(
            "eval {} </dev/null 3>&-; __sdlf_status=$?; printf '\\036sdlf:%s\\n' {id}; \
             printf 'done\\0%s\\0%s\\0' {id} \"$__sdlf_status\" >&3\n",
            quote(command)
        );
        if !self.send(&line)? {
            return self.ended(out).map(Ran::EndedShell);
        }
        let mut status = None;
        let mut marker = false;
        let mut deadline: Option<Instant> = None;
        while status.is_none() || !marker {
            let event = if let Some(deadline) = deadline {
                match self.events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match self.events.recv() {
                    Ok(event) => event,
                    Err(_) => return self.ended(out).map(Ran::EndedShell),
                }
            };
            match event {
                Event::Output(bytes) => out.write_all(&bytes).map_err(RunnerError::Output)?,
                Event::Marker(m) => marker |= m == id,
                Event::Done { id: d, status: s } if d == id => {
                    status = Some(s);
                    deadline = Some(Instant::now() + MARKER_WAIT);
                }
                Event::StatusClosed if status.is_none() => return self.ended(out).map(Ran::EndedShell),
                Event::OutputClosed => self.output_open = false,
                _ => {}
            }
        }
        Ok(Ran::Exited(status.expect("the loop ends with a status")))
    }

    /// Sets an exported variable in the shell, for the commands that follow.
    pub(super) fn export(&mut self, name: &str, value: &str) -> Result<(), RunnerError> {
        if self.is_alive() {
            self.send(&format!("export {name}={}\n", quote(value)))?;
        }
        Ok(())
    }

    /// The values of `names` now; unset ones are left out.
    pub(super) fn variables(
        &mut self,
        names: &[String],
        out: &mut dyn Write,
    ) -> Result<BTreeMap<String, String>, RunnerError> {
        let mut values = BTreeMap::new();
        if !self.is_alive() || names.is_empty() {
            return Ok(values);
        }
        let mut script = String::new();
        for name in names {
            script.push_str(&format!(
                "if [ -n \"${{{name}+x}}\" ]; then printf 'var\\0%s\\0%s\\0' {name} \"${name}\" >&3; fi; "
            ));
        }
        script.push_str("printf 'end\\0' >&3\n");
        if !self.send(&script)? {
            self.ended(out)?;
            return Ok(values);
        }
        loop {
            match self.events.recv() {
                Ok(Event::Output(bytes)) => out.write_all(&bytes).map_err(RunnerError::Output)?,
                Ok(Event::Var { name, value }) => {
                    values.insert(name, value);
                }
                Ok(Event::VarsEnd) => return Ok(values),
                Ok(Event::StatusClosed) | Err(_) => {
                    self.ended(out)?;
                    return Ok(values);
                }
                Ok(_) => {}
            }
        }
    }

    /// Ends the shell (EOF on its stdin) and forwards what it still printed.
    pub(super) fn finish(mut self, out: &mut dyn Write) -> Result<(), RunnerError> {
        if self.is_alive() {
            self.ended(out)?;
        }
        Ok(())
    }

    /// Writes to the shell's stdin; `false` when the shell is gone (broken pipe).
    fn send(&mut self, text: &str) -> Result<bool, RunnerError> {
        let Some(stdin) = self.stdin.as_mut() else { return Ok(false) };
        match stdin.write_all(text.as_bytes()).and_then(|()| stdin.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(RunnerError::Shell(e)),
        }
    }

    /// The shell is ending: closes its stdin, waits for it and drains its last output.
    fn ended(&mut self, out: &mut dyn Write) -> Result<i32, RunnerError> {
        if let Some(status) = self.exit_status {
            return Ok(status);
        }
        drop(self.stdin.take());
        let status = exit_code(self.child.wait().map_err(RunnerError::Shell)?);
        self.exit_status = Some(status);
        while self.output_open {
            match self.events.recv_timeout(DRAIN_WAIT) {
                Ok(Event::Output(bytes)) => out.write_all(&bytes).map_err(RunnerError::Output)?,
                Ok(Event::OutputClosed) | Err(_) => self.output_open = false,
                Ok(_) => {}
            }
        }
        Ok(status)
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        // Only on an early return (an error): the shell this runner started is not left behind.
        if self.exit_status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The exit status as a shell reports it: 128 + the signal for a killed process.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(-1)
}

/// `text` as one single-quoted shell word.
pub(super) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Output lines to the sink; a marker ends a command's output, even mid-line when the command
/// printed no final newline.
fn forward_output(output: impl Read, tx: Sender<Event>) {
    let mut reader = BufReader::new(output);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let event = match find(&line, MARKER) {
            Some(at) => {
                if at > 0 {
                    let mut text = line[..at].to_vec();
                    text.push(b'\n');
                    let _ = tx.send(Event::Output(text));
                }
                let id = std::str::from_utf8(&line[at + MARKER.len()..]).ok().and_then(|s| s.trim().parse().ok());
                match id {
                    Some(id) => Event::Marker(id),
                    None => continue,
                }
            }
            None => Event::Output(line.clone()),
        };
        if tx.send(event).is_err() {
            break;
        }
    }
    let _ = tx.send(Event::OutputClosed);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status records: `done id status`, `var name value`, `end`.
fn forward_status(status: impl Read, tx: Sender<Event>) {
    let mut reader = BufReader::new(status);
    let mut field = || -> Option<String> {
        let mut bytes = Vec::new();
        match reader.read_until(0, &mut bytes) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                bytes.pop_if(|b| *b == 0);
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
        }
    };
    while let Some(kind) = field() {
        let event = match kind.as_str() {
            "done" => match (field(), field()) {
                (Some(id), Some(status)) => match (id.parse(), status.parse()) {
                    (Ok(id), Ok(status)) => Event::Done { id, status },
                    _ => continue,
                },
                _ => break,
            },
            "var" => match (field(), field()) {
                (Some(name), Some(value)) => Event::Var { name, value },
                _ => break,
            },
            "end" => Event::VarsEnd,
            _ => continue,
        };
        if tx.send(event).is_err() {
            return;
        }
    }
    let _ = tx.send(Event::StatusClosed);
}
