//! `vigil-tools`: the benchmarks' clients, kept out of the server binary. `loadgen` drives a
//! running server (scripts/bench-server.sh, docs/server.md); `dashboard-bench` seeds a
//! database and times the dashboard's pages (scripts/bench-dashboard.sh).

mod dashboard_bench;
mod error;
mod events;
mod loadgen;
mod stats;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

// The same allocator as the server: the load generator shares the machine's cores with it, so
// what it costs per request stays what the published figures were measured with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "vigil-tools", version, about = "Vigil benchmark tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load generator for the server benchmarks (see docs/server.md).
    Loadgen {
        #[command(subcommand)]
        mode: loadgen::Mode,
    },
    /// Dashboard benchmark at 100 000 users and 1 M events (scripts/bench-dashboard.sh).
    DashboardBench {
        #[command(subcommand)]
        mode: dashboard_bench::Mode,
    },
}

#[tokio::main]
async fn main() {
    // `dashboard-bench seed` runs the server's engine in-process: its warnings show as the
    // server's would.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Loadgen { mode } => loadgen::run(mode).await,
        Command::DashboardBench { mode } => dashboard_bench::run(mode).await,
    };
    if let Err(e) = result {
        eprintln!("vigil-tools: {e}");
        std::process::exit(1);
    }
}
