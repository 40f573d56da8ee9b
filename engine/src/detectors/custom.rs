//! Custom events: the application names them and the configuration weighs them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Seen;
use crate::signal::{Signal, SignalKind};

/// Event name -> (shared name for signals, points). Unweighted names raise nothing.
pub(super) struct Weights(HashMap<Box<str>, (Arc<str>, f64), foldhash::fast::RandomState>);

impl Weights {
    pub fn new(cfg: &BTreeMap<String, f64>) -> Self {
        Weights(
            cfg.iter()
                .filter(|(_, &w)| w != 0.0)
                .map(|(n, &w)| (n.as_str().into(), (Arc::from(n.as_str()), w)))
                .collect(),
        )
    }

    pub fn check(&self, seen: &Seen<'_>, name: &str) -> Option<Signal> {
        let (shared, points) = self.0.get(name)?;
        Some(seen.signal(SignalKind::Custom(shared.clone()), true, true, *points))
    }
}
