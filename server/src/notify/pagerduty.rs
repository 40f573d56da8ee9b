//! PagerDuty Events API v2: `POST {url}/v2/enqueue`. The notification id is the dedup key,
//! so a retried delivery never opens a second PagerDuty incident.

use super::{check_status, summary, transport, Failure};
use crate::store::NotificationRow;

pub async fn send(
    http: &reqwest::Client,
    url: &str,
    routing_key: &str,
    severity: &str,
    job: &NotificationRow,
) -> Result<Option<u16>, Failure> {
    let details: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let mut text = summary(job);
    // PagerDuty caps summaries at 1024 characters.
    if text.len() > 1024 {
        let mut end = 1024;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    let body = serde_json::json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": job.id,
        "payload": {
            "summary": text,
            "severity": severity,
            "source": "vigil-server",
            "custom_details": details,
        },
    });
    let resp = http
        .post(format!("{}/v2/enqueue", url.trim_end_matches('/')))
        .json(&body)
        .send()
        .await
        .map_err(transport)?;
    check_status(resp).await
}
