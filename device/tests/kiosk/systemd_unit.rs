//! `systemd/attendd.service` passes `systemd-analyze verify` (with ExecStart pointed at the
//! binary just built, since /usr/bin/attendd is not installed here).

#[test]
fn the_attendd_unit_passes_systemd_analyze_verify() {
    let unit = attend_testkit::repo_root().join("systemd/attendd.service");
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
    attend_testkit::assert_unit_verifies(&unit, "/usr/bin/attendd", env!("CARGO_BIN_EXE_attendd"));
}
