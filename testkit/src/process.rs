//! Starting the binaries a build produced, natively or under qemu, and the helper servers
//! tests talk to (chromedriver, an S3 stand-in) on a free local port.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A command for a binary this build produced (e.g. `env!("CARGO_BIN_EXE_attendd")`). In the
/// aarch64 stage the tests run under qemu-user without binfmt_misc, where a guest cannot exec an
/// aarch64 binary but can exec the host's qemu: `ATTEND_TEST_RUNNER` (set by scripts/cross.sh)
/// names it.
pub fn command(binary: impl AsRef<OsStr>) -> Command {
    match std::env::var_os("ATTEND_TEST_RUNNER") {
        Some(runner) => {
            let mut c = Command::new(runner);
            c.arg(binary);
            c
        }
        None => Command::new(binary),
    }
}

/// A helper server started for a test on a free local port, killed when dropped.
#[derive(Debug)]
pub struct LocalServer {
    child: Child,
    pub port: u16,
}

impl LocalServer {
    /// Starts `bin` with the arguments `args` makes for a free port and waits until that port
    /// accepts connections. Panics saying `install` (what to run) when `bin` is missing, or
    /// when it does not listen within 30 s.
    pub async fn start(bin: &Path, install: &str, args: impl FnOnce(u16) -> Vec<String>) -> Self {
        assert!(bin.is_file(), "{} missing: {install}", bin.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        let child = Command::new(bin)
            .args(args(port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
        let server = Self { child, port };
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not listen on port {port}", bin.display());
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_runs_itself_or_through_the_runner() {
        let c = command("/usr/bin/attendd");
        let args: Vec<&OsStr> = c.get_args().collect();
        if let Some(runner) = std::env::var_os("ATTEND_TEST_RUNNER") {
            assert_eq!(c.get_program(), runner);
            assert_eq!(args, ["/usr/bin/attendd"]);
        } else {
            assert_eq!(c.get_program(), "/usr/bin/attendd");
            assert!(args.is_empty());
        }
    }
}
