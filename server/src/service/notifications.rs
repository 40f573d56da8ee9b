//! Notifications made outside the engine runner (the dashboard's test, a notice's revocation
//! call): stored first, as the runner's are, so each is attempted, recorded, retried and
//! resent after a restart like a playbook's.

use crate::error::Result;
use crate::state::AppState;
use crate::store::{Effects, NotificationRow};

/// Stores `row` unless a notification of that id exists, then hands it to the notifier.
pub async fn queue(st: &AppState, row: NotificationRow) -> Result<()> {
    let applied = st
        .store
        .apply(&Effects {
            notifications: vec![row],
            ..Default::default()
        })
        .await?;
    for n in applied.notifications {
        st.notifier.enqueue(n);
    }
    Ok(())
}
