use clap::Parser;
use tracing_subscriber::EnvFilter;
use vigil_server::cli::{AppCommand, Cli, Command};
use vigil_server::config::Config;
use vigil_server::error::Result;
use vigil_server::replay::{self, ReplayOptions};
use vigil_server::{auth, state, store, ServeOptions};

// Ingest allocates on the request threads and frees on SQLite's: glibc's allocator spent a
// tenth of the server's time there (arena locks, consolidation); mimalloc is built for that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SQLite is C and allocates through glibc's malloc: its page caches and the copies of bound
/// values. glibc gives freed memory at the top of a heap back to the kernel once it passes
/// 128 KB and grows the heap again on the next allocation, so ingest commits kept paying for
/// heap growth and fresh zeroed pages (`sysmalloc` and page faults under SQLite in `perf`).
/// Keeping up to 256 MB freed (SQLite's caches are bounded below that) and growing in 64 MB
/// steps: 500 000 events from 16 senders on 2 cores went from 93–117 k events/s (14.0–16.2 µs
/// of server CPU an event) to 113–136 k (11.9–14.3 µs).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_sqlite_heap() {
    // SAFETY: mallopt only sets glibc allocator parameters, under the allocator's own lock.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_sqlite_heap() {}

#[tokio::main]
async fn main() {
    keep_sqlite_heap();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("vigil-server: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { listen, db, config } => {
            let config = Config::load(config.as_deref())?;
            let running = vigil_server::start(ServeOptions {
                listen,
                db,
                config,
                admin_token: std::env::var("VIGIL_ADMIN_TOKEN").ok(),
            })
            .await?;
            let stop = running.shutdown_handle();
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("shutting down: finishing in-flight requests");
                let _ = stop.send(true);
            });
            running.wait().await
        }
        Command::App { command } => match command {
            AppCommand::Create { name, db } => {
                let store = store::open(&db, &Config::default()).await?;
                let token = auth::new_token("vga_");
                let app = store
                    .create_app(&name, &auth::hash_token(&token), state::now_ms())
                    .await?;
                println!("created app {} (id {})", app.name, app.id);
                println!("{token}");
                Ok(())
            }
            AppCommand::List { db } => {
                let store = store::open(&db, &Config::default()).await?;
                for app in store.list_apps().await? {
                    println!("{}\t{}", app.id, app.name);
                }
                Ok(())
            }
        },
        Command::Migrate { db } => {
            store::open(&db, &Config::default()).await?;
            println!("database is up to date");
            Ok(())
        }
        Command::Replay {
            config,
            current,
            since,
            db,
            app,
            examples,
            json,
        } => {
            let report = replay::replay(&ReplayOptions {
                db,
                current,
                candidate: config,
                since,
                app,
                examples,
                now_ms: state::now_ms(),
            })
            .await?;
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                println!("{text}");
            } else {
                print!("{}", replay::text::render(&report));
            }
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
