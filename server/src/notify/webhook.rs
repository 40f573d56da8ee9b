//! Generic webhook: the notification's JSON as the body, signed with
//! `X-Vigil-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! The timestamp is inside the MAC so a receiver can reject replays of old deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{check_status, transport, Failure};
use crate::store::NotificationRow;

/// The signature header's value for `body` at `t` (unix seconds).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub async fn send(
    http: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    job: &NotificationRow,
) -> Result<Option<u16>, Failure> {
    let body = job.payload.clone().into_bytes();
    let mut req = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-vigil-delivery", job.id.as_str());
    if let Some(secret) = secret {
        let t = crate::state::now_ms() / 1000;
        req = req.header("x-vigil-signature", sign(secret, t, &body));
    }
    let resp = req.body(body).send().await.map_err(transport)?;
    check_status(resp).await
}
