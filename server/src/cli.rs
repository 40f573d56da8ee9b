//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use vigil_engine::DurationMs;

#[derive(Parser, Debug)]
#[command(
    name = "vigil-server",
    version,
    about = "Vigil account-takeover protection server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Runs the server.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: SocketAddr,
        #[arg(long, default_value = "sqlite://vigil.db")]
        db: String,
        /// TOML file with [server], [notify] and [engine] tables.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Manages apps.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Creates or upgrades the database schema, then exits.
    Migrate {
        #[arg(long, default_value = "sqlite://vigil.db")]
        db: String,
    },
    /// Replays the stored events of a window through the current and a candidate
    /// configuration and prints what the candidate would change. Writes nothing.
    Replay {
        /// The candidate configuration (a file as `serve --config` takes).
        #[arg(long)]
        config: PathBuf,
        /// The current configuration: the file `serve` runs with; without it, what `serve`
        /// runs without `--config` (the built-in defaults).
        #[arg(long)]
        current: Option<PathBuf>,
        /// Replay events with a timestamp in the last DURATION (`7d`, `12h`, `30m`).
        #[arg(long, value_parser = window)]
        since: DurationMs,
        #[arg(long, default_value = "sqlite://vigil.db")]
        db: String,
        /// Only this app (by name); every app otherwise.
        #[arg(long)]
        app: Option<String>,
        /// How many examples to list per difference.
        #[arg(long, default_value_t = 10)]
        examples: usize,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A positive duration in the engine's syntax.
fn window(text: &str) -> Result<DurationMs, String> {
    match DurationMs::parse(text) {
        Ok(d) if d.ms() > 0 => Ok(d),
        Ok(_) => Err("the window must be longer than 0".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Creates an app and prints its token as the last line.
    Create {
        name: String,
        #[arg(long, default_value = "sqlite://vigil.db")]
        db: String,
    },
    /// Lists apps.
    List {
        #[arg(long, default_value = "sqlite://vigil.db")]
        db: String,
    },
}
