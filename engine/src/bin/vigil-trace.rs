//! `vigil-trace`: generate labelled synthetic traces and evaluate the engine on them.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vigil_engine::trace::{evaluate, generate, read_trace, write_trace, GenerateOptions};
use vigil_engine::{Engine, EngineConfig, EngineError, NetworkLists};

#[derive(Parser)]
#[command(
    version,
    about = "Generate and evaluate Vigil engine traces (JSON Lines)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a labelled synthetic trace.
    Generate {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 60)]
        minutes: u32,
        #[arg(long, default_value_t = 2_000)]
        users: u32,
    },
    /// Replay a trace through the engine and print how each attack kind fared.
    Evaluate {
        file: PathBuf,
        /// TOML file with an `[engine]` table; defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Result<bool, EngineError> {
    match cli.command {
        Command::Generate {
            seed,
            out,
            minutes,
            users,
        } => {
            let records = generate(&GenerateOptions {
                seed,
                minutes,
                benign_users: users,
                ..Default::default()
            });
            let f = File::create(&out).map_err(|e| io(&out, e))?;
            write_trace(BufWriter::new(f), &records).map_err(|e| io(&out, e))?;
            eprintln!("wrote {} events to {}", records.len(), out.display());
            Ok(true)
        }
        Command::Evaluate { file, config, json } => {
            let cfg = match &config {
                Some(p) => EngineConfig::from_toml_file(p)?,
                None => EngineConfig::default(),
            };
            let lists = NetworkLists::load(&cfg.lists)?;
            let f = File::open(&file).map_err(|e| io(&file, e))?;
            let records = read_trace(BufReader::new(f))?;
            let mut engine = Engine::with_lists(cfg, lists);
            let report = evaluate(&records, &mut engine, |_, _| {})?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("report serializes")
                );
            } else {
                println!("{report}");
            }
            Ok(report.all_caught() && report.benign_users_blocked == 0)
        }
    }
}

fn io(path: &std::path::Path, e: std::io::Error) -> EngineError {
    EngineError::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        // Evaluated fine, but an episode was missed or a benign user blocked.
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vigil-trace: {e}");
            ExitCode::from(2)
        }
    }
}
