//! `attendd` kiosk daemon. Skeleton: the daemon lands with the kiosk-daemon issue.

fn main() {
    eprintln!("attendd: the kiosk daemon is not built yet");
    std::process::exit(2);
}
