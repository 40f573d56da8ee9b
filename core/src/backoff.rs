//! Exponential backoff with full jitter (start 200 ms, cap 30 s), as protocol.md asks.

use std::time::Duration;

use rand::Rng;

pub struct Backoff {
    attempt: u32,
    base: Duration,
    cap: Duration,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            attempt: 0,
            base,
            cap,
        }
    }

    pub fn protocol_default() -> Backoff {
        Backoff::new(Duration::from_millis(200), Duration::from_secs(30))
    }

    /// The next wait: uniform in [0, min(cap, base * 2^attempt)], or `retry_after` when the
    /// server said how long to wait (bounded by the cap, so a bad header cannot stall us).
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.cap);
        self.attempt = self.attempt.saturating_add(1);
        match retry_after {
            Some(d) => d.min(self.cap),
            None => rand::thread_rng().gen_range(Duration::ZERO..=ceiling),
        }
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_honours_retry_after() {
        let mut b = Backoff::protocol_default();
        for _ in 0..40 {
            assert!(b.next(None) <= Duration::from_secs(30));
        }
        assert_eq!(b.next(Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(
            b.next(Some(Duration::from_secs(99))),
            Duration::from_secs(30)
        );
        b.reset();
        assert!(b.next(None) <= Duration::from_millis(200));
    }
}
