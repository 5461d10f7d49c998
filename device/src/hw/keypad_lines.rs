//! Development keypads that read keys as text lines (`1234#`, `F1 ENTER`; see [`super::key`]).
//!
//! [`LineKeypad`] reads any stream, usually stdin. [`SocketKeypad`] listens on a Unix socket,
//! so a demo script or a test can type into a running daemon: each line sent gets one reply
//! line, `ok <n>` after its `n` keys are queued, or `error: <why>`. Because keys are queued
//! before the reply, a client that has read `ok` knows `next_key` will see them.
//!
//! Reading happens on background threads feeding a channel, so `next_key` is a plain
//! `recv_timeout`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use super::{HwError, Key, Keypad, parse_key_line};

/// Keys from a text stream; a bad line is returned as an error and reading goes on.
#[derive(Debug)]
pub struct LineKeypad {
    name: String,
    keys: Receiver<Result<Key, HwError>>,
}

impl LineKeypad {
    pub fn stdin() -> Result<Self, HwError> {
        Self::from_reader("stdin", std::io::stdin())
    }

    pub fn from_reader(name: &str, reader: impl Read + Send + 'static) -> Result<Self, HwError> {
        let (tx, keys) = mpsc::channel();
        let device = name.to_owned();
        spawn(name, move || {
            for line in BufReader::new(reader).lines() {
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        let reason = format!("read failed: {e}");
                        let _ = tx.send(Err(HwError::KeypadClosed { device, reason }));
                        return;
                    }
                };
                let sent = match parse_key_line(&line) {
                    Ok(parsed) => parsed.into_iter().all(|key| tx.send(Ok(key)).is_ok()),
                    Err(error) => tx.send(Err(error)).is_ok(),
                };
                if !sent {
                    return;
                }
            }
        })?;
        Ok(LineKeypad {
            name: name.to_owned(),
            keys,
        })
    }
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> Result<(), HwError> {
    std::thread::Builder::new()
        .name(format!("keypad {name}"))
        .spawn(body)
        .map(drop)
        .map_err(|e| HwError::Keypad {
            device: name.to_owned(),
            reason: format!("cannot start its reader thread: {e}"),
        })
}

impl Keypad for LineKeypad {
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError> {
        match self.keys.recv_timeout(timeout) {
            Ok(key) => key.map(Some),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(HwError::KeypadClosed {
                device: self.name.clone(),
                reason: "end of input".into(),
            }),
        }
    }

    fn describe(&self) -> String {
        format!("text keypad on {}", self.name)
    }
}

/// Keys sent as lines to a Unix socket. The socket file is removed on drop.
#[derive(Debug)]
pub struct SocketKeypad {
    path: PathBuf,
    keys: Receiver<Key>,
    stop: Arc<AtomicBool>,
}

impl SocketKeypad {
    /// Listens on `path`, replacing a stale socket file but never a live socket or other file.
    pub fn bind(path: &Path) -> Result<Self, HwError> {
        let device = path.display().to_string();
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(HwError::Keypad {
                    device,
                    reason: "exists and is not a socket: remove it or pick another path".into(),
                });
            }
            if UnixStream::connect(path).is_ok() {
                return Err(HwError::KeypadBusy { device });
            }
            // Nobody answers: left over from a crash.
            let _ = std::fs::remove_file(path);
        }
        let listener = UnixListener::bind(path).map_err(|e| HwError::Keypad {
            device: device.clone(),
            reason: format!("cannot listen ({e}): does its folder exist and is it writable?"),
        })?;
        let (tx, keys) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        spawn(&device, move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let tx = tx.clone();
                    let _ = spawn("socket client", move || serve_client(stream, &tx));
                }
            }
        })?;
        Ok(SocketKeypad {
            path: path.to_owned(),
            keys,
            stop,
        })
    }

    /// Sends one line to the keypad listening at `path` and returns how many keys it queued.
    pub fn send(path: &Path, line: &str) -> Result<usize, HwError> {
        let device = path.display().to_string();
        let fail = |reason: String| HwError::Keypad {
            device: device.clone(),
            reason,
        };
        let mut stream = UnixStream::connect(path)
            .map_err(|e| fail(format!("cannot connect ({e}): is attendd running with it?")))?;
        writeln!(stream, "{}", line.trim_end()).map_err(|e| fail(format!("cannot send: {e}")))?;
        let mut reply = String::new();
        BufReader::new(&stream)
            .read_line(&mut reply)
            .map_err(|e| fail(format!("no reply: {e}")))?;
        let reply = reply.trim_end();
        match reply.strip_prefix("ok ").and_then(|n| n.parse().ok()) {
            Some(n) => Ok(n),
            None => Err(HwError::KeyInput {
                input: line.to_owned(),
                reason: reply.trim_start_matches("error: ").to_owned(),
            }),
        }
    }
}

/// Reads one client's lines until it hangs up, answering each.
fn serve_client(stream: UnixStream, keys: &Sender<Key>) {
    let Ok(mut replies) = stream.try_clone() else {
        return;
    };
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        let reply = match parse_key_line(&line) {
            Ok(parsed) => {
                let n = parsed.len();
                if !parsed.into_iter().all(|key| keys.send(key).is_ok()) {
                    return;
                }
                format!("ok {n}")
            }
            Err(error) => format!("error: {error}"),
        };
        if writeln!(replies, "{reply}").is_err() {
            return;
        }
    }
}

impl Keypad for SocketKeypad {
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError> {
        match self.keys.recv_timeout(timeout) {
            Ok(key) => Ok(Some(key)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(HwError::KeypadClosed {
                device: self.path.display().to_string(),
                reason: "its listener stopped".into(),
            }),
        }
    }

    fn describe(&self) -> String {
        format!("text keypad on socket {}", self.path.display())
    }
}

impl Drop for SocketKeypad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `stop` and lets go of the listener.
        let _ = UnixStream::connect(&self.path);
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[path = "tests/keypad_lines.rs"]
mod tests;
