//! Credentials: app tokens and the admin token. Tokens are 256-bit random strings, so a plain
//! SHA-256 is a sufficient hash (no password stretching needed); comparisons are constant-time.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use parking_lot::RwLock;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{AppRow, Store};

/// A new random token with a recognisable prefix (`vga_` for apps, `vgadm_` for the admin).
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?;
    let text = value.to_str().ok()?;
    let (scheme, token) = text.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// App token hashes held in memory so a batch costs no lookup query; refreshed on a miss,
/// because another instance or `vigil-server app create` may have added an app.
pub struct AppTokens {
    apps: RwLock<Vec<AppRow>>,
    store: Arc<dyn Store>,
}

impl AppTokens {
    pub fn new(store: Arc<dyn Store>) -> AppTokens {
        AppTokens {
            apps: RwLock::new(Vec::new()),
            store,
        }
    }

    fn find(&self, hash: &[u8; 32]) -> Option<AppRow> {
        let apps = self.apps.read();
        // Every row is compared so timing says nothing about which (if any) matched.
        let mut found = None;
        for app in apps.iter() {
            if bool::from(app.token_hash.as_slice().ct_eq(hash.as_slice())) {
                found = Some(app.clone());
            }
        }
        found
    }

    pub async fn authenticate(&self, token: &str) -> Result<AppRow> {
        let hash = hash_token(token);
        if let Some(app) = self.find(&hash) {
            return Ok(app);
        }
        let fresh = self.store.list_apps().await?;
        *self.apps.write() = fresh;
        self.find(&hash).ok_or(Error::Unauthorized)
    }
}

/// The admin credential's hash, compared in constant time.
pub struct AdminToken {
    hash: [u8; 32],
}

impl AdminToken {
    pub fn from_hash(hash: [u8; 32]) -> AdminToken {
        AdminToken { hash }
    }

    pub fn check(&self, token: &str) -> bool {
        bool::from(hash_token(token).ct_eq(&self.hash))
    }
}

/// Makes sure an admin credential exists: `VIGIL_ADMIN_TOKEN` wins (its hash is stored so a
/// later start without it still works); otherwise one is generated once and printed once.
pub async fn ensure_admin_token(store: &dyn Store, from_env: Option<String>) -> Result<AdminToken> {
    if let Some(token) = from_env.filter(|t| !t.is_empty()) {
        let hash = hash_token(&token);
        store.set_admin_hash(&hash).await?;
        return Ok(AdminToken::from_hash(hash));
    }
    if let Some(hash) = store.admin_hash().await? {
        return Ok(AdminToken::from_hash(hash));
    }
    let token = new_token("vgadm_");
    let hash = hash_token(&token);
    store.set_admin_hash(&hash).await?;
    // Printed on stdout, never logged: logs are often shipped elsewhere.
    println!("Generated admin token (shown once, store it now):\n{token}");
    Ok(AdminToken::from_hash(hash))
}

/// The app a `/v1` request authenticated as.
pub struct AppAuth(pub AppRow);

impl FromRequestParts<AppState> for AppAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer(parts).ok_or(Error::Unauthorized)?;
        Ok(AppAuth(state.tokens.authenticate(token).await?))
    }
}

/// An `/api` request carrying the admin credential.
pub struct AdminAuth;

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer(parts).ok_or(Error::Unauthorized)?;
        if state.admin.check(token) {
            Ok(AdminAuth)
        } else {
            Err(Error::Unauthorized)
        }
    }
}
