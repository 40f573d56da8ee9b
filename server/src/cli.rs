//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
