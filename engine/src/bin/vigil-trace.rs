//! `vigil-trace`: generate labelled synthetic traces and evaluate the engine on them.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vigil_engine::trace::{evaluate, generate, read_trace, write_trace, Gate, GenerateOptions};
use vigil_engine::{Engine, EngineConfig, EngineError, Geo, NetworkLists};

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
    /// Replay a trace through the engine and print how each attack kind fared; exits 1 when
    /// the gate fails.
    Evaluate {
        file: PathBuf,
        /// TOML file with an `[engine]` table; defaults otherwise.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Enable a built-in playbook that ships disabled (e.g. lock-attacked-accounts).
        #[arg(long, value_name = "PLAYBOOK")]
        enable: Vec<String>,
        /// Largest share of benign users the gate lets be challenged.
        #[arg(long, default_value_t = Gate::default().max_challenged)]
        max_challenged: f64,
        /// A gate failure (its exact text) that is a known engine issue: reported, allowed,
        /// and itself a failure once it no longer happens.
        #[arg(long, value_name = "FAILURE")]
        known_issue: Vec<String>,
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
        Command::Evaluate {
            file,
            config,
            enable,
            max_challenged,
            known_issue,
            json,
        } => {
            let mut cfg = match &config {
                Some(p) => EngineConfig::from_toml_file(p)?,
                None => EngineConfig::default(),
            };
            cfg.resolve_playbooks();
            for name in &enable {
                match cfg.playbooks.iter_mut().find(|p| &p.name == name) {
                    Some(p) => p.enabled = true,
                    None => {
                        return Err(EngineError::Config(format!(
                            "--enable: no playbook {name:?}"
                        )))
                    }
                }
            }
            let lists = NetworkLists::load(&cfg.lists)?;
            // The configured geography: its hosting ASNs (built-in and `[engine.geo]`) decide
            // `hosting_network`. Trace records carry their places, so its databases (if any)
            // are never asked about them.
            let geo = Geo::load(&cfg.geo)?;
            let f = File::open(&file).map_err(|e| io(&file, e))?;
            let records = read_trace(BufReader::new(f))?;
            let mut engine = Engine::with_data(cfg, lists, geo.into());
            let report = evaluate(&records, &mut engine, |_, _| {})?;
            let gate = report.gate(&Gate {
                max_challenged,
                known_issues: known_issue,
            });
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("report serializes")
                );
            } else {
                println!("{report}");
            }
            for k in &gate.known {
                eprintln!("gate: known engine issue, allowed: {k}");
            }
            for f in &gate.failed {
                eprintln!("gate: FAILED: {f}");
            }
            Ok(gate.passed())
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
        // Evaluated fine, but the gate failed (a missed episode, a benign user blocked ...).
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vigil-trace: {e}");
            ExitCode::from(2)
        }
    }
}
