//! Local mode: no server configured. Replaced by the in-process engine (issue 3).

use std::sync::Arc;

use crate::shared::Shared;
use crate::stats::Stats;

pub async fn run(shared: &Arc<Shared>) {
    loop {
        let generation = shared.flush_generation();
        while shared.queue.pop().is_some() {
            Stats::add(&shared.stats.sent, 1);
        }
        shared.mark_flushed(generation);
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(shared.flush_interval()) => {}
        }
    }
}
