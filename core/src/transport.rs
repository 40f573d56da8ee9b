//! HTTP to `vigil-server`: one batch POST and one decision-feed poll, each mapped to what the
//! worker must do next under protocol.md's rules.

use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;

use crate::config::Config;
use crate::wire::{BatchAccepted, DecisionFeed};

/// What the server's answer to a batch means for the SDK.
#[derive(Debug)]
pub enum BatchOutcome {
    Accepted(BatchAccepted),
    /// 413: split the batch in two and send each half.
    TooLarge,
    /// 429, 5xx, timeout or connection error: back off and send the same batch again.
    Retry {
        retry_after: Option<Duration>,
        reason: String,
    },
    /// 400 or another client error: the batch will never be accepted.
    Rejected {
        reason: String,
    },
    /// 401/403: stop sending until reconfigured.
    Unauthorized {
        status: u16,
    },
}

#[derive(Debug)]
pub enum PollOutcome {
    Feed(DecisionFeed),
    Unauthorized { status: u16 },
    Failed { reason: String },
}

pub struct Transport {
    http: reqwest::Client,
    batch_url: String,
    decisions_url: String,
    auth: HeaderValue,
    request_timeout: Duration,
}

impl Transport {
    pub fn new(config: &Config, base_url: &str, token: &str) -> Result<Transport, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5).min(config.request_timeout))
            .user_agent(format!("{}/{}", config.sdk_name, config.sdk_version))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "token contains characters not allowed in a header".to_owned())?;
        auth.set_sensitive(true);
        Ok(Transport {
            http,
            batch_url: format!("{base_url}/v1/batch"),
            decisions_url: format!("{base_url}/v1/decisions"),
            auth,
            request_timeout: config.request_timeout,
        })
    }

    pub async fn post_batch(
        &self,
        body: bytes::Bytes,
        gzipped: bool,
        key: uuid::Uuid,
    ) -> BatchOutcome {
        let mut req = self
            .http
            .post(&self.batch_url)
            .timeout(self.request_timeout)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key.to_string())
            .body(body);
        if gzipped {
            req = req.header(CONTENT_ENCODING, "gzip");
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return BatchOutcome::Retry {
                    retry_after: None,
                    reason: describe(&e),
                }
            }
        };
        let status = resp.status();
        let retry_after = retry_after(&resp);
        match status {
            s if s.is_success() => {
                let accepted = resp.json::<BatchAccepted>().await.unwrap_or(BatchAccepted {
                    accepted: 0,
                    duplicates: 0,
                });
                BatchOutcome::Accepted(accepted)
            }
            StatusCode::PAYLOAD_TOO_LARGE => BatchOutcome::TooLarge,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => BatchOutcome::Unauthorized {
                status: status.as_u16(),
            },
            s if s == StatusCode::TOO_MANY_REQUESTS
                || s == StatusCode::REQUEST_TIMEOUT
                || s.is_server_error() =>
            {
                BatchOutcome::Retry {
                    retry_after,
                    reason: format!("server answered {s}"),
                }
            }
            s => {
                let body = resp.text().await.unwrap_or_default();
                BatchOutcome::Rejected {
                    reason: format!(
                        "server answered {s}: {}",
                        body.chars().take(300).collect::<String>()
                    ),
                }
            }
        }
    }

    pub async fn poll_decisions(&self, cursor: u64, wait: Duration) -> PollOutcome {
        let resp = self
            .http
            .get(&self.decisions_url)
            .query(&[("cursor", cursor), ("wait", wait.as_secs())])
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(wait + self.request_timeout)
            .send()
            .await;
        match resp {
            Err(e) => PollOutcome::Failed {
                reason: describe(&e),
            },
            Ok(r) if matches!(r.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                PollOutcome::Unauthorized {
                    status: r.status().as_u16(),
                }
            }
            Ok(r) if !r.status().is_success() => PollOutcome::Failed {
                reason: format!("decision feed answered {}", r.status()),
            },
            Ok(r) => match r.json::<DecisionFeed>().await {
                Ok(feed) => PollOutcome::Feed(feed),
                Err(e) => PollOutcome::Failed {
                    reason: format!("decision feed is not valid JSON: {e}"),
                },
            },
        }
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "request timed out".into()
    } else if e.is_connect() {
        "cannot connect to the server".into()
    } else {
        format!("request failed: {e}")
    }
}
