//! Apps: creating one, and checking that an app named in a request exists.

use crate::auth::{hash_token, new_token};
use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};
use crate::store::AppRow;

/// Creates an app; returns it with its token, which is never stored (only its hash).
pub async fn create(st: &AppState, name: &str) -> Result<(AppRow, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
        return Err(Error::bad(
            "invalid_name",
            "name must be 1 to 128 printable characters",
        ));
    }
    let token = new_token("vga_");
    let app = st
        .store
        .create_app(name, &hash_token(&token), now_ms())
        .await?;
    Ok((app, token))
}

/// `NotFound` unless an app has this id.
pub async fn ensure_exists(st: &AppState, id: i64) -> Result<()> {
    if st.store.list_apps().await?.iter().any(|a| a.id == id) {
        Ok(())
    } else {
        Err(Error::NotFound("app"))
    }
}
