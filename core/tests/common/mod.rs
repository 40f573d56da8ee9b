//! A real HTTP server on 127.0.0.1 for the worker tests: records every batch it receives,
//! answers from a script, and serves a long-polled decision feed.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Notify;

/// What the server answers to the next batch.
#[derive(Clone, Debug)]
pub enum Reply {
    Accept,
    Status(u16),
    StatusRetryAfter(u16, u64),
    /// Hold the request for this long before accepting (to trip the client's timeout).
    Hang(Duration),
    /// Abort the connection without any response.
    Drop,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub idempotency_key: String,
    pub gzipped: bool,
    pub authorization: String,
    pub body: Value,
    pub answered: String,
}

impl Received {
    pub fn events(&self) -> &Vec<Value> {
        self.body["events"].as_array().expect("events array")
    }
}

#[derive(Default)]
struct Feed {
    cursor: u64,
    decisions: Vec<(u64, Value)>,
}

#[derive(Default)]
struct Inner {
    script: Mutex<VecDeque<Reply>>,
    default_reply: Mutex<Option<Reply>>,
    received: Mutex<Vec<Received>>,
    feed: Mutex<Feed>,
    feed_changed: Notify,
}

pub struct TestServer {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v1/batch", post(batch))
            .route("/v1/decisions", get(decisions))
            .with_state(inner.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer {
            addr,
            inner,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.script.lock().unwrap().extend(replies);
    }

    /// The reply once the script is exhausted (Accept unless set).
    pub fn set_default(&self, reply: Reply) {
        *self.inner.default_reply.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    pub fn accepted_events(&self) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == "202")
            .flat_map(|r| r.events().clone())
            .collect()
    }

    /// Publishes a decision on the feed, waking long polls.
    pub fn add_decision(&self, decision: Value) {
        let mut feed = self.inner.feed.lock().unwrap();
        feed.cursor += 1;
        let c = feed.cursor;
        feed.decisions.push((c, decision));
        drop(feed);
        self.inner.feed_changed.notify_waiters();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn batch(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let reply = inner
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| inner.default_reply.lock().unwrap().clone())
        .unwrap_or(Reply::Accept);
    let gzipped = headers.get("content-encoding").is_some_and(|v| v == "gzip");
    let raw = if gzipped {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        body.to_vec()
    };
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let mut record = Received {
        idempotency_key: header("idempotency-key"),
        gzipped,
        authorization: header("authorization"),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        answered: String::new(),
    };
    let n = record.body["events"].as_array().map_or(0, Vec::len);
    let (answer, response) = match reply {
        Reply::Accept => (
            "202".to_owned(),
            (
                StatusCode::ACCEPTED,
                Json(json!({"accepted": n, "duplicates": 0})),
            )
                .into_response(),
        ),
        Reply::Status(s) => (
            s.to_string(),
            StatusCode::from_u16(s).unwrap().into_response(),
        ),
        Reply::StatusRetryAfter(s, secs) => (
            s.to_string(),
            (
                StatusCode::from_u16(s).unwrap(),
                [("retry-after", secs.to_string())],
            )
                .into_response(),
        ),
        Reply::Hang(d) => {
            tokio::time::sleep(d).await;
            (
                "hang".to_owned(),
                (
                    StatusCode::ACCEPTED,
                    Json(json!({"accepted": n, "duplicates": 0})),
                )
                    .into_response(),
            )
        }
        Reply::Drop => {
            record.answered = "drop".into();
            inner.received.lock().unwrap().push(record);
            // Ending the handler by panicking makes hyper drop the connection with no response.
            std::panic::resume_unwind(Box::new("test server drops the connection"));
        }
    };
    record.answered = answer;
    inner.received.lock().unwrap().push(record);
    response
}

#[derive(serde::Deserialize)]
struct PollQuery {
    cursor: Option<u64>,
    wait: Option<u64>,
}

async fn decisions(State(inner): State<Arc<Inner>>, Query(q): Query<PollQuery>) -> Json<Value> {
    let cursor = q.cursor.unwrap_or(0);
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(30));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let changed = inner.feed_changed.notified();
        {
            let feed = inner.feed.lock().unwrap();
            if cursor == 0 || feed.cursor > cursor || tokio::time::Instant::now() >= deadline {
                let upserts: Vec<Value> = feed
                    .decisions
                    .iter()
                    .filter(|(c, _)| *c > cursor)
                    .map(|(_, d)| d.clone())
                    .collect();
                return Json(json!({
                    "cursor": feed.cursor,
                    "reset": cursor == 0,
                    "upserts": upserts,
                    "deletes": [],
                }));
            }
        }
        let _ = tokio::time::timeout_at(deadline, changed).await;
    }
}
