//! What every request handler shares.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::{AdminToken, AppTokens};
use crate::config::Config;
use crate::dashboard::DashboardState;
use crate::decisions::Hub;
use crate::metrics::Metrics;
use crate::notice::NoticeKey;
use crate::notify::Notifier;
use crate::parsers::Parsers;
use crate::priority::IngestActivity;
use crate::store::Store;
use crate::writer::EventWriter;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: Arc<AppTokens>,
    pub admin: Arc<AdminToken>,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub events: Arc<EventWriter>,
    /// Batches being parsed or written, which the engine runner gives way to.
    pub ingest: Arc<IngestActivity>,
    pub parsers: Arc<Parsers>,
    pub config: Arc<Config>,
    pub dashboard: Arc<DashboardState>,
    /// Playbooks', the dashboard's test and the notices' notifications all go through it.
    pub notifier: Notifier,
    /// Signs and checks the links of end-user notices.
    pub notice_key: Arc<NoticeKey>,
    /// Flips to true on shutdown so long polls answer at once.
    pub shutdown: watch::Receiver<bool>,
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
