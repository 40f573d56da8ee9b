//! Risk scores: points added by signals, exponential decay, a cap, and a bounded history.

use serde::Serialize;

use crate::signal::SignalKind;

/// A decaying score. `f32` is plenty for a 0..=100 score and halves the footprint that
/// a million tracked users pay.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Risk {
    score: f32,
    at_ms: i64,
}

impl Risk {
    pub fn value(&self, now_ms: i64, half_life_ms: i64) -> f64 {
        if self.score == 0.0 {
            return 0.0;
        }
        let dt = (now_ms - self.at_ms).max(0) as f64;
        f64::from(self.score) * (-dt / half_life_ms as f64).exp2()
    }

    /// Adds points at `now_ms`; returns the score before and after.
    pub fn add(&mut self, now_ms: i64, points: f64, half_life_ms: i64, max: f64) -> (f64, f64) {
        let before = self.value(now_ms, half_life_ms);
        let after = (before + points).clamp(0.0, max);
        self.set(now_ms, after);
        (before, after)
    }

    pub fn set(&mut self, now_ms: i64, score: f64) {
        self.score = score as f32;
        self.at_ms = self.at_ms.max(now_ms);
    }

    /// Negligible: the key can be forgotten without changing any decision.
    pub fn is_negligible(&self, now_ms: i64, half_life_ms: i64) -> bool {
        self.value(now_ms, half_life_ms) < 0.01
    }
}

/// One change in a user's risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskPoint {
    pub ts_ms: i64,
    /// Score after the change.
    pub score: f32,
    /// Points actually added (less than the signal's when the cap was reached).
    pub delta: f32,
    /// The cause; `None` for risk carried over by an alias.
    pub signal: Option<SignalKind>,
}

/// Appends to a history kept at most `cap` long (oldest dropped).
pub(crate) fn push_history(history: &mut Vec<RiskPoint>, point: RiskPoint, cap: usize) {
    if cap == 0 {
        return;
    }
    if history.len() >= cap {
        let excess = history.len() + 1 - cap;
        history.drain(..excess);
    }
    history.push(point);
}

/// Sum of the increases recorded less than `window_ms` before `now_ms`.
pub(crate) fn increase_within(history: &[RiskPoint], now_ms: i64, window_ms: i64) -> f64 {
    history
        .iter()
        .rev()
        .take_while(|p| now_ms - p.ts_ms < window_ms)
        .map(|p| f64::from(p.delta.max(0.0)))
        .sum()
}
