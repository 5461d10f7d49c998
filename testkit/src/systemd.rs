//! Checking the shipped systemd units with systemd's own verifier.

use std::path::Path;
use std::process::Command;

/// Runs `systemd-analyze verify` on a copy of `unit` in which `installed` (the binary's path once
/// packaged, e.g. `/usr/bin/attendd`) is replaced by `built`, the binary this build produced:
/// the verifier checks that `ExecStart` exists. Panics with the verifier's complaint.
pub fn assert_unit_verifies(unit: &Path, installed: &str, built: &str) {
    let text = std::fs::read_to_string(unit)
        .unwrap_or_else(|e| panic!("unit {} unreadable: {e}", unit.display()));
    let dir = tempfile::tempdir().expect("temporary directory");
    let copy = dir
        .path()
        .join(unit.file_name().expect("a unit file has a name"));
    std::fs::write(&copy, text.replace(installed, built)).expect("unit copy written");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect(
            "systemd-analyze must be installed (scripts/setup.sh installs the systemd package)",
        );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed on {}:\n{}",
        unit.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "systemd-analyze verify failed")]
    fn a_unit_whose_binary_is_missing_fails() {
        let dir = tempfile::tempdir().expect("dir");
        let unit = dir.path().join("broken.service");
        std::fs::write(
            &unit,
            "[Unit]\nDescription=broken\n[Service]\nExecStart=/usr/bin/attend-nothing\n",
        )
        .expect("written");
        assert_unit_verifies(
            &unit,
            "/usr/bin/attend-nothing",
            "/nonexistent/attend-nothing",
        );
    }
}
