//! Incidents: resolving one.

use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};

/// Marks the incident resolved (again, if it already was); `NotFound` when there is none.
pub async fn resolve(st: &AppState, id: &str) -> Result<()> {
    if st.store.resolve_incident(id, now_ms()).await? {
        Ok(())
    } else {
        Err(Error::NotFound("incident"))
    }
}
