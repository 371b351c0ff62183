//! Runs the command as a child process, forwards SIGINT, SIGTERM and SIGHUP to it, and
//! maps its exit status to an exit code.
//!
//! While the handlers are installed, these signals no longer end `exec` itself, so it
//! always gets to delete the auth file. SIGKILL cannot be caught: after it, the private
//! directory stays until the memory-backed file system is cleared, for example when the
//! container ends.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::{Handle, SignalsInfo};
use signal_hook::low_level::siginfo::{Cause, Origin};
use tracing::debug;

/// The signals forwarded to the child.
const FORWARDED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Offset added to a signal number for the exit code of a child that a signal ended, as
/// POSIX shells report it.
const SIGNAL_EXIT_OFFSET: i32 = 128;

/// The child that receives forwarded signals, and signals that arrived before it started.
#[derive(Debug, Default)]
struct Target {
    pid: Option<libc::pid_t>,
    pending: Vec<i32>,
}

/// Handlers for the forwarded signals and the thread that passes them on.
pub struct Forwarder {
    handle: Handle,
    thread: JoinHandle<()>,
    target: Arc<Mutex<Target>>,
}

impl Forwarder {
    /// Installs the handlers. Signals that arrive before a child is attached are kept and
    /// sent to it when it starts.
    pub fn install() -> io::Result<Self> {
        let mut signals = SignalsInfo::<WithOrigin>::new(FORWARDED)?;
        let handle = signals.handle();
        let target = Arc::new(Mutex::new(Target::default()));
        let thread_target = Arc::clone(&target);
        let thread = thread::spawn(move || {
            for origin in signals.forever() {
                forward(&thread_target, &origin);
            }
        });
        Ok(Forwarder {
            handle,
            thread,
            target,
        })
    }

    /// Spawns `command` and sends it the signals that arrived so far.
    pub fn spawn(&self, command: &mut Command) -> io::Result<Child> {
        let child = command.spawn()?;
        self.attach(&child);
        Ok(child)
    }

    /// Waits for `child` to exit, forwarding signals until then.
    pub fn wait(&self, mut child: Child) -> io::Result<ExitStatus> {
        let waited = wait_without_reaping(&child);

        // The child's pid stays reserved until it is reaped, so a signal forwarded before
        // the pid is cleared here cannot reach another process that reuses the pid.
        lock(&self.target).pid = None;
        waited?;
        child.wait()
    }

    /// Removes the handlers and stops the forwarding thread.
    pub fn close(self) {
        self.handle.close();
        let _ = self.thread.join();
    }

    fn attach(&self, child: &Child) {
        let pid = libc::pid_t::try_from(child.id()).expect("a pid fits in pid_t");
        let mut target = lock(&self.target);
        target.pid = Some(pid);
        for signal in std::mem::take(&mut target.pending) {
            send(pid, signal);
        }
    }
}

/// Returns the exit code that reports `status`: the child's own exit code, or 128 plus
/// the signal number when a signal ended it.
pub fn exit_code(status: ExitStatus) -> u8 {
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => SIGNAL_EXIT_OFFSET + signal,
        (None, None) => 1,
    };
    u8::try_from(code).unwrap_or(u8::MAX)
}

/// Passes one received signal on to the child, or keeps it until the child starts.
///
/// A signal the kernel sent, such as SIGINT from Ctrl-C on a terminal, went to the whole
/// foreground process group, so the child has it already and a second copy could turn
/// its graceful stop into an abort.
fn forward(target: &Mutex<Target>, origin: &Origin) {
    if origin.cause == Cause::Kernel {
        debug!(
            "signal {} came from the terminal, not forwarding it",
            origin.signal
        );
        return;
    }
    let mut target = lock(target);
    match target.pid {
        Some(pid) => send(pid, origin.signal),
        None => target.pending.push(origin.signal),
    }
}

fn send(pid: libc::pid_t, signal: i32) {
    debug!("forwarding signal {signal} to process {pid}");
    // SAFETY: kill() takes plain integers and has no memory-safety preconditions.
    let result = unsafe { libc::kill(pid, signal) };
    if result != 0 {
        debug!(
            "failed to forward signal {signal}: {}",
            io::Error::last_os_error()
        );
    }
}

/// Waits until the child exits, leaving it unreaped so that its pid is not reused.
fn wait_without_reaping(child: &Child) -> io::Result<()> {
    let pid = libc::id_t::from(child.id());
    loop {
        // SAFETY: siginfo_t is plain data that waitid() fills in, and all-zero bytes are a
        // valid value for it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, writable siginfo_t for the duration of the call.
        let result =
            unsafe { libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if result == 0 {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

fn lock(target: &Mutex<Target>) -> MutexGuard<'_, Target> {
    // The lock guards plain data that stays consistent even if a holder panicked.
    target
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_passes_through() {
        let status = Command::new("sh").args(["-c", "exit 3"]).status().unwrap();
        assert_eq!(exit_code(status), 3);
    }

    #[test]
    fn exit_code_for_signal_is_128_plus_n() {
        let status = Command::new("sh")
            .args(["-c", "kill -TERM $$"])
            .status()
            .unwrap();
        assert_eq!(exit_code(status), 143);
    }

    #[test]
    fn wait_returns_child_status() {
        let forwarder = Forwarder::install().unwrap();
        let child = forwarder.spawn(Command::new("sh").args(["-c", "exit 7"]));
        let status = forwarder.wait(child.unwrap());
        forwarder.close();
        assert_eq!(status.unwrap().code(), Some(7));
    }

    #[test]
    fn spawn_reports_missing_program() {
        let forwarder = Forwarder::install().unwrap();
        let error = forwarder
            .spawn(&mut Command::new("/nonexistent/program"))
            .unwrap_err();
        forwarder.close();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
