//! `systemd/attendd.service` passes `systemd-analyze verify` (with ExecStart pointed at the
//! binary just built, since /usr/bin/attendd is not installed here).

use std::path::Path;
use std::process::Command;

#[test]
fn the_attendd_unit_passes_systemd_analyze_verify() {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd/attendd.service");
    let text = std::fs::read_to_string(&unit).expect("unit file readable");
    for needed in [
        "Type=notify",
        "WatchdogSec=",
        "User=attendd",
        "ProtectSystem=strict",
        "StateDirectory=attendd",
        "Restart=on-failure",
        "SupplementaryGroups=video gpio",
    ] {
        assert!(text.contains(needed), "attendd.service lacks {needed}");
    }
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("attendd.service");
    std::fs::write(
        &copy,
        text.replace("/usr/bin/attendd", env!("CARGO_BIN_EXE_attendd")),
    )
    .expect("copy written");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect(
            "systemd-analyze must be installed (scripts/setup.sh installs the systemd package)",
        );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
