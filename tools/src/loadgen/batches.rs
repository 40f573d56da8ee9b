//! Batch bodies as the SDKs send them, built before a run so that building costs nothing
//! during it.

use vigil_protocol::wire::{encode_batch, gzip};
use vigil_protocol::Event;
use vigil_protocol::Identity;

use crate::events::{login, sdk};

/// Builds gzip batch bodies the way the SDKs do (vigil-protocol's encoder).
pub fn build_batches(events: usize, batch: usize, users: usize, seed_ts: i64) -> Vec<Vec<u8>> {
    let sdk = sdk("vigil-loadgen", "loadgen");
    let identities: Vec<Identity> = (0..users.max(1))
        .map(|n| Identity::new(&[("email", format!("user{n}@example.com"))], None).expect("valid"))
        .collect();
    let mut out = Vec::new();
    let mut made = 0;
    while made < events {
        let n = batch.min(events - made);
        let evs: Vec<Event> = (0..n)
            .map(|i| {
                let k = made + i;
                let ts = seed_ts + k as i64;
                let ip = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
                let failed = (k % 10 == 0).then_some(true);
                login(
                    ts,
                    failed,
                    &identities[k % identities.len()],
                    &ip,
                    "loadgen",
                )
            })
            .collect();
        let mut json = Vec::new();
        encode_batch(&sdk, evs.iter(), &mut json);
        out.push(gzip(&json));
        made += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_what_ingest_accepts() {
        let bodies = build_batches(2500, 1000, 7, 1_700_000_000_000);
        assert_eq!(bodies.len(), 3);
        let mut users = std::collections::HashSet::new();
        let mut total = 0;
        for body in &bodies {
            let events =
                vigil_server::ingest::gunzip(body, vigil_server::ingest::parse_batch).unwrap();
            total += events.len();
            users.extend(events.into_iter().filter_map(|e| e.user_key));
        }
        assert_eq!(total, 2500);
        assert_eq!(users.len(), 7);
    }
}
