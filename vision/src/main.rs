//! `attend-vision` CLI: embed, compare and verify face photos with the real models.

mod cli;
mod cli_bench;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attend-vision: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
