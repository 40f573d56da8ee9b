//! `vigil-server`: ingest, storage, the risk engine, decisions with long-poll fan-out,
//! notifications and the admin API. See docs/server.md.

pub mod auth;
pub mod cli;
pub mod collect;
pub mod config;
pub mod dashboard;
pub mod decisions;
pub mod error;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod notice;
pub mod notify;
pub mod parsers;
pub mod pipeline;
pub mod priority;
pub mod replay;
pub mod service;
pub mod state;
pub mod store;
pub mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::Change;

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub db: String,
    pub config: Config,
    /// The admin credential (`VIGIL_ADMIN_TOKEN`), if given.
    pub admin_token: Option<String>,
}

/// A server accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    pipeline: JoinHandle<Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets in-flight requests finish (batches are committed
    /// and answered), answers waiting long polls at once, then stops the engine runner.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stops (after `shutdown` is called elsewhere or it fails).
    pub async fn wait(self) -> Result<()> {
        let http = self
            .http
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let _ = self.shutdown.send(true);
        let pipeline = tokio::time::timeout(Duration::from_secs(10), self.pipeline).await;
        http?;
        match pipeline {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(Error::Io(std::io::Error::other(e))),
            Err(_) => Ok(()),
        }
    }

    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Opens the database, starts the engine runner and notifier, and binds the listener.
pub async fn start(opts: ServeOptions) -> Result<Running> {
    let config = Arc::new(opts.config);
    let store = store::open(&opts.db, &config).await?;
    let admin = auth::ensure_admin_token(&*store, opts.admin_token).await?;
    let metrics = Arc::new(metrics::Metrics::default());
    let hub = Arc::new(decisions::Hub::new(store.clone()));
    let wake = Arc::new(Notify::new());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);

    let (change_tx, mut change_rx) = mpsc::unbounded_channel();
    store.listen(change_tx).await?;
    {
        let (hub, wake) = (hub.clone(), wake.clone());
        tokio::spawn(async move {
            while let Some(change) = change_rx.recv().await {
                match change {
                    Change::Events => wake.notify_one(),
                    Change::Decisions { app, cursor } => hub.publish(app, cursor),
                }
            }
        });
    }

    let ingest = Arc::new(priority::IngestActivity::default());
    let notice_key = Arc::new(notice::load_key(&*store).await?);
    warn_unsendable_notices(&config);
    let links = notify::LinkSigner {
        key: notice_key.clone(),
        base: config.server.public_url.clone().unwrap_or_default(),
        revokes: config.notify.revoke_webhook.is_some(),
    };
    let notifier =
        notify::Notifier::start(store.clone(), config.notify.clone(), links, metrics.clone());
    let poll = Duration::from_millis(config.server.pg_poll.ms().max(10) as u64);
    let (lists, geo) = pipeline::load_data(&config.engine)?;
    let runner = pipeline::Pipeline {
        store: store.clone(),
        config: config.engine.clone(),
        lists,
        geo,
        hub: hub.clone(),
        notifier: notifier.clone(),
        metrics: metrics.clone(),
        wake: wake.clone(),
        poll,
        ingest: ingest.clone(),
    };
    let pipeline = tokio::spawn(runner.run(shutdown_rx.clone()));
    spawn_retention(
        store.clone(),
        config.server.retention.ms(),
        shutdown_rx.clone(),
    );
    spawn_expiry(store.clone(), hub.clone(), poll, shutdown_rx.clone());
    dashboard::rollup::spawn(
        store.clone(),
        config.server.retention.ms(),
        ingest.clone(),
        shutdown_rx.clone(),
    );

    let events = Arc::new(writer::EventWriter::start(store.clone(), wake));
    let state = AppState {
        events,
        ingest,
        parsers: Arc::new(parsers::Parsers::new(config.server.ingest_parsers)),
        tokens: Arc::new(auth::AppTokens::new(store.clone())),
        store,
        admin: Arc::new(admin),
        hub,
        metrics,
        config,
        dashboard: Arc::new(dashboard::DashboardState::default()),
        notifier,
        notice_key,
        shutdown: shutdown_rx.clone(),
    };
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    let app = http::router(state);
    let mut stop = shutdown_rx;
    let http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    });
    tracing::info!(%addr, "vigil-server listening");
    Ok(Running {
        addr,
        shutdown: shutdown_tx,
        http,
        pipeline,
    })
}

/// A playbook that e-mails users while no relay is configured would fail every notice: said
/// once at start rather than discovered on /playbooks.
fn warn_unsendable_notices(config: &Config) {
    if config.notify.user_email.is_some() {
        return;
    }
    for p in config.engine.playbooks.iter().filter(|p| p.enabled) {
        if p.actions.contains(&vigil_engine::ActionSpec::NotifyUser) {
            tracing::warn!(playbook = %p.name, "notify_user without [notify.user_email]: user notices will fail");
        }
    }
}

fn spawn_retention(
    store: Arc<dyn store::Store>,
    retention_ms: i64,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            let before = state::now_ms() - retention_ms;
            match store.prune(before).await {
                Ok(n) if n > 0 => tracing::info!(events = n, "retention: old data deleted"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}

/// Turns passed expiries into deletes in the feed (SDKs enforce expiry themselves; this
/// shrinks the server's live set and theirs). With PostgreSQL it also refreshes the hub, in
/// case a NOTIFY was lost while the listener reconnected.
fn spawn_expiry(
    store: Arc<dyn store::Store>,
    hub: Arc<decisions::Hub>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            match store.expire_decisions(state::now_ms()).await {
                Ok(cursors) => {
                    for (app, cursor) in cursors {
                        hub.publish(app, cursor);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "expiring decisions failed"),
            }
            if store.backend() == "postgres" {
                hub.refresh().await;
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}
