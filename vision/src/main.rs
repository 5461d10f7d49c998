//! `attend-vision` CLI: embed, compare and verify face photos, and check their liveness, with the
//! real models.

mod cli;
mod cli_bench;
mod cli_liveness;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attend-vision: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
