//! Prometheus metrics (the set docs/protocol.md lists).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    pub events_accepted: Counter,
    pub events_duplicate: Counter,
    pub events_rejected: Counter,
    pub batches_rejected: Counter,
    pub batch_seconds: Histogram,
    pub decisions_active: Gauge,
    pub playbook_runs: Counter,
    pub notifications_sent: Counter,
    pub notification_failures: Counter,
    pub engine_lag: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("vigil");
        let m = Metrics {
            events_accepted: Counter::default(),
            events_duplicate: Counter::default(),
            events_rejected: Counter::default(),
            batches_rejected: Counter::default(),
            batch_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
            decisions_active: Gauge::default(),
            playbook_runs: Counter::default(),
            notifications_sent: Counter::default(),
            notification_failures: Counter::default(),
            engine_lag: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "events_accepted",
            "Events stored (first time seen)",
            m.events_accepted.clone(),
        );
        registry.register(
            "events_duplicates",
            "Events whose id was already stored",
            m.events_duplicate.clone(),
        );
        registry.register(
            "events_rejected",
            "Events in batches rejected with 400 or 413",
            m.events_rejected.clone(),
        );
        registry.register(
            "batches_rejected",
            "Batches rejected with 400 or 413",
            m.batches_rejected.clone(),
        );
        registry.register(
            "batch_duration_seconds",
            "Time from receiving a batch to its 202",
            m.batch_seconds.clone(),
        );
        registry.register(
            "decisions_active",
            "Decisions neither deleted nor expired",
            m.decisions_active.clone(),
        );
        registry.register(
            "playbook_runs",
            "Playbook actions carried out",
            m.playbook_runs.clone(),
        );
        registry.register(
            "notifications_sent",
            "Notifications delivered",
            m.notifications_sent.clone(),
        );
        registry.register(
            "notification_failures",
            "Failed notification attempts",
            m.notification_failures.clone(),
        );
        registry.register(
            "engine_lag_events",
            "Stored events the engine has not processed yet",
            m.engine_lag.clone(),
        );
        Metrics { registry, ..m }
    }
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
