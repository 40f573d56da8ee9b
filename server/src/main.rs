use clap::Parser;
use tracing_subscriber::EnvFilter;
use vigil_server::cli::{AppCommand, Cli, Command};
use vigil_server::config::Config;
use vigil_server::error::Result;
use vigil_server::{auth, dashboard_bench, loadgen, state, store, ServeOptions};

// Ingest allocates on the request threads and frees on SQLite's: glibc's allocator spent a
// tenth of the server's time there (arena locks, consolidation); mimalloc is built for that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
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
        Command::Loadgen(args) => loadgen::run(args).await,
        Command::DashboardBench(args) => dashboard_bench::run(args).await,
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
