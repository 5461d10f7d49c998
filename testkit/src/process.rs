//! Starting the binaries a build produced, natively or under qemu.

use std::ffi::OsStr;
use std::process::Command;

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
