//! Slack incoming webhook: `{"text": ...}`.

use super::{check_status, summary, transport, Failure};
use crate::store::NotificationRow;

pub async fn send(
    http: &reqwest::Client,
    url: &str,
    job: &NotificationRow,
) -> Result<Option<u16>, Failure> {
    let resp = http
        .post(url)
        .json(&serde_json::json!({ "text": summary(job) }))
        .send()
        .await
        .map_err(transport)?;
    check_status(resp).await
}
