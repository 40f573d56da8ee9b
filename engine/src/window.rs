//! Sliding windows of recent timestamps, stored compactly for per-key state.

use std::collections::VecDeque;

/// Recent occurrences (oldest first) with a small payload each. Times are `u32` millisecond
/// offsets from `base`, so an entry of `Window<u32>` costs 8 bytes; the caller caps the length
/// at the largest threshold that reads it, since older entries can never matter again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Window<T> {
    base: i64,
    items: VecDeque<(u32, T)>,
}

impl<T: Copy> Window<T> {
    pub fn push(&mut self, ts_ms: i64, value: T, cap: usize) {
        if self.items.is_empty() {
            self.base = ts_ms;
        }
        if ts_ms - self.base > i64::from(u32::MAX) {
            self.rebase(ts_ms);
        }
        while self.items.len() >= cap.max(1) {
            self.items.pop_front();
        }
        // An event older than the base (out of order) is counted as happening at the base.
        let off = (ts_ms - self.base).clamp(0, i64::from(u32::MAX)) as u32;
        self.items.push_back((off, value));
    }

    fn rebase(&mut self, ts_ms: i64) {
        while let Some(&(off, _)) = self.items.front() {
            if ts_ms - (self.base + i64::from(off)) > i64::from(u32::MAX) {
                self.items.pop_front();
            } else {
                break;
            }
        }
        let new_base = self
            .items
            .front()
            .map_or(ts_ms, |&(off, _)| self.base + i64::from(off));
        let shift = new_base - self.base;
        for item in &mut self.items {
            item.0 = (i64::from(item.0) - shift) as u32;
        }
        self.base = new_base;
    }

    /// Drops entries at least `span_ms` old; they are outside every window that reads them.
    pub fn prune(&mut self, now_ms: i64, span_ms: i64) {
        while let Some(&(off, _)) = self.items.front() {
            if now_ms - (self.base + i64::from(off)) >= span_ms {
                self.items.pop_front();
            } else {
                break;
            }
        }
        if self.items.is_empty() && self.items.capacity() > 4 {
            self.items = VecDeque::new();
        }
    }

    /// Keeps only entries whose payload passes `keep`.
    pub fn retain(&mut self, mut keep: impl FnMut(T) -> bool) {
        self.items.retain(|&(_, v)| keep(v));
    }

    /// Entries less than `span_ms` old, newest first.
    pub fn recent(&self, now_ms: i64, span_ms: i64) -> impl Iterator<Item = (i64, T)> + '_ {
        let base = self.base;
        self.items
            .iter()
            .rev()
            .map(move |&(off, v)| (base + i64::from(off), v))
            .take_while(move |&(ts, _)| now_ms - ts < span_ms)
    }

    pub fn count_recent(&self, now_ms: i64, span_ms: i64) -> usize {
        self.recent(now_ms, span_ms).count()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn latest(&self) -> Option<i64> {
        self.items
            .back()
            .map(|&(off, _)| self.base + i64::from(off))
    }
}

/// Number of distinct non-zero values; windows are capped small, so a quadratic scan over a
/// stack copy beats hashing.
pub(crate) fn distinct_nonzero(values: impl Iterator<Item = u32>) -> usize {
    let mut seen: [u32; 64] = [0; 64];
    let mut n = 0;
    for v in values {
        if v != 0 && !seen[..n].contains(&v) {
            if n == seen.len() {
                return n;
            }
            seen[n] = v;
            n += 1;
        }
    }
    n
}

/// Whether a detector that last fired at `fired_at` may fire again: at most once per window.
pub(crate) fn armed(fired_at: i64, now_ms: i64, span_ms: i64) -> bool {
    now_ms.saturating_sub(fired_at) >= span_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_prunes_and_caps() {
        let mut w = Window::<u32>::default();
        for i in 0..5 {
            w.push(1_000 + i * 100, i as u32, 3);
        }
        assert_eq!(w.count_recent(1_400, 1_000), 3);
        assert_eq!(w.count_recent(1_400, 150), 2);
        w.prune(2_300, 1_000);
        assert_eq!(w.count_recent(2_300, 10_000), 1);
        w.prune(2_400, 1_000);
        assert!(w.is_empty());
    }

    #[test]
    fn rebases_past_u32_range() {
        let mut w = Window::<()>::default();
        w.push(0, (), 10);
        w.push(3_000_000_000, (), 10);
        w.push(5_000_000_000, (), 10);
        let got: Vec<i64> = w.recent(5_000_000_000, i64::MAX).map(|x| x.0).collect();
        assert_eq!(got, vec![5_000_000_000, 3_000_000_000]);
    }

    #[test]
    fn distinct() {
        assert_eq!(distinct_nonzero([1, 2, 2, 0, 3, 1].into_iter()), 3);
    }
}

/// An approximate count of events over a sliding window in 16 bytes: the counts of the current
/// and the previous fixed period, the previous weighted by how much of it the sliding window
/// still covers. For state every key pays (an IP's successful logins), where a `Window` of
/// timestamps would cost an allocation per key.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SlidingCount {
    period: i64,
    current: u32,
    previous: u32,
}

impl SlidingCount {
    pub fn add(&mut self, now: i64, span: i64) {
        self.roll(now, span);
        self.current = self.current.saturating_add(1);
    }

    pub fn count(&self, now: i64, span: i64) -> f64 {
        let mut c = *self;
        c.roll(now, span);
        let into = now.rem_euclid(span.max(1)) as f64 / span.max(1) as f64;
        f64::from(c.current) + f64::from(c.previous) * (1.0 - into)
    }

    fn roll(&mut self, now: i64, span: i64) {
        let period = now.div_euclid(span.max(1));
        if period == self.period {
            return;
        }
        self.previous = if period == self.period + 1 {
            self.current
        } else {
            0
        };
        self.current = 0;
        self.period = period;
    }
}
