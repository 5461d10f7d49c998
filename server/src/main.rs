//! `attend-server`: parses the command line and runs it (see `attend_server::cli`).

use attend_server::cli::Cli;
use clap::Parser as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Cli::parse().run().await
}
