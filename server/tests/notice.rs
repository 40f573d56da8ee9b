//! End-user notices end to end: a login from a new device e-mails the user (a real SMTP sink
//! on 127.0.0.1) with two signed links; the links' pages confirm before acting, refuse
//! tampered, expired and used links, and the answers reach the event log, the decision feed
//! and the app's revocation webhook (a real HTTP receiver checking the signature).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::smtp::{self, decode_qp, Mails};
use common::*;
use parking_lot::Mutex;
use serde_json::Value;
use vigil_server::config::Config;

const PUBLIC: &str = "https://vigil.example.com";
const REVOKE_SECRET: &str = "revoke-secret";
const DEVICE_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const DEVICE_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// What the revocation webhook received: (signature valid, body).
type Revokes = Arc<Mutex<Vec<(bool, Value)>>>;

async fn revoke_hook(State(seen): State<Revokes>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let ok = verify_signature(REVOKE_SECRET, &headers, &body);
    seen.lock()
        .push((ok, serde_json::from_slice(&body).unwrap_or(Value::Null)));
    StatusCode::OK
}

/// A revocation webhook receiver on a free loopback port.
async fn revoke_receiver() -> (String, Revokes) {
    let seen = Revokes::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/revoke", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/revoke", post(revoke_hook))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

/// A server on a temporary SQLite file with notify-new-places on; `user_email` is the
/// `[notify.user_email]` table's body, or nothing.
async fn server(user_email: Option<String>, revoke_url: &str) -> (TestServer, tempfile::TempDir) {
    let (dir, db) = temp_db();
    (server_on(&db, user_email, revoke_url).await, dir)
}

async fn server_on(db: &str, user_email: Option<String>, revoke_url: &str) -> TestServer {
    let user_email = user_email
        .map(|t| format!("[notify.user_email]\n{t}\n"))
        .unwrap_or_default();
    let toml = format!(
        r#"
[server]
public_url = "{PUBLIC}"

[notify]
backoff = "50ms"
max_attempts = 3
timeout = "5s"

{user_email}
[notify.revoke_webhook]
url = "{revoke_url}"
secret = "{REVOKE_SECRET}"

[[engine.playbooks]]
name = "notify-new-places"
enabled = true
trigger = {{ type = "signal", names = ["new_device", "new_country"] }}
actions = [{{ type = "notify_user" }}]
cooldown = "1h"
"#
    );
    let config = Config::from_toml_str(&toml).unwrap();
    TestServer::start_on(db, config).await
}

fn smtp_table(port: u16, ttl: &str) -> String {
    format!("host = \"127.0.0.1\"\nport = {port}\nfrom = \"security@example.com\"\nnotice_ttl = \"{ttl}\"")
}

/// A login of `ids` from `device`, `ago_ms` ago.
fn login(ids: &[(&str, &str)], device: &str, ago_ms: i64) -> Value {
    let identity = vigil_protocol::Identity::new(ids, None).unwrap();
    let mut ev = event(
        "auth.success",
        "x@example.com",
        "198.51.100.23",
        now_ms() - ago_ms,
    );
    ev["user"] = serde_json::json!({
        "ids": identity.pairs().collect::<std::collections::BTreeMap<_, _>>(),
        "key": identity.key().to_string(),
        "primary": identity.primary_key(),
    });
    ev["request"]["device"] = device.into();
    ev
}

/// Two logins from device A, then one from device B: B is new.
fn new_device_logins(ids: &[(&str, &str)]) -> Vec<Value> {
    vec![
        login(ids, DEVICE_A, 180_000),
        login(ids, DEVICE_A, 120_000),
        login(ids, DEVICE_B, 60_000),
    ]
}

async fn eventually<T>(what: &str, secs: u64, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The one mail received, decoded.
async fn the_mail(mails: &Mails) -> String {
    let mail = eventually("the notice e-mail", 15, async || {
        mails.lock().first().cloned()
    })
    .await;
    decode_qp(&mail)
}

/// The token after `label` in the mail's text part.
fn token_after(mail: &str, label: &str) -> String {
    let start = mail
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {mail}"))
        + label.len();
    let url: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let prefix = format!("{PUBLIC}/notice/");
    assert!(url.starts_with(&prefix), "{url}");
    url[prefix.len()..].to_owned()
}

async fn page(s: &TestServer, post: bool, token: &str) -> (u16, HeaderMap, String) {
    let url = s.url(&format!("/notice/{token}"));
    let req = if post {
        s.client.post(url)
    } else {
        s.client.get(url)
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

/// The app's stored events of `kind`, newest first.
async fn events_of(s: &TestServer, app: i64, user: Option<&str>, kind: &str) -> Vec<Value> {
    let user = user.map(|u| format!("&user={u}")).unwrap_or_default();
    let (_, v) = s.admin_get(&format!("/api/events?app={app}{user}")).await;
    v.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

/// The app's notifications to `target` and their attempts.
async fn notes(s: &TestServer, app: i64, target: &str) -> (Vec<Value>, Vec<Value>) {
    let (_, v) = s.admin_get(&format!("/api/notifications?app={app}")).await;
    let pick = |k: &str| {
        v[k].as_array()
            .unwrap()
            .iter()
            .filter(|n| n["target"] == target)
            .cloned()
            .collect()
    };
    (pick("notifications"), pick("attempts"))
}

#[tokio::test]
async fn a_new_device_mails_the_user_and_this_was_me_trusts_it() {
    let (smtp_port, mails) = smtp::start().await;
    let (revoke_url, _) = revoke_receiver().await;
    let (mut s, _dir) = server(Some(smtp_table(smtp_port, "7d")), &revoke_url).await;
    let (app, token) = s.create_app("shop").await;
    let alice = [("email", "alice@example.com"), ("username", "alice")];
    let key = vigil_protocol::Identity::new(&alice, None)
        .unwrap()
        .key()
        .to_string();
    assert_eq!(
        s.post_batch(&token, &new_device_logins(&alice))
            .await
            .status(),
        202
    );

    let mail = the_mail(&mails).await;
    assert!(mail.contains("To: alice@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: New sign-in to your account"),
        "{mail}"
    );
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("198.51.100.x") && !mail.contains("198.51.100.23"),
        "{mail}"
    );
    assert!(
        mail.contains("a new one, not seen on your account before"),
        "{mail}"
    );
    let me = token_after(&mail, "This was me: ");
    let not_me = token_after(&mail, "This wasn't me: ");
    assert_ne!(me, not_me);
    assert!(!me.contains("alice"), "the link names no one");
    // The relay has the mail before the server records its attempt: wait for the record.
    let (sent, attempts) = eventually("the notice recorded as sent", 10, async || {
        let (n, a) = notes(&s, app, "user").await;
        (n.first().is_some_and(|n| n["state"] == "sent")).then_some((n, a))
    })
    .await;
    assert_eq!(sent.len(), 1, "one notice for the one new device: {sent:?}");
    assert_eq!(sent[0]["payload"]["device"], DEVICE_B);
    assert!(attempts
        .iter()
        .any(|a| a["kind"] == "user_email" && a["ok"] == true));

    // GET shows the question and changes nothing, however often (mail scanners).
    for _ in 0..2 {
        let (status, headers, html) = page(&s, false, &me).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Yes, this was me") && html.contains(r#"method="post""#));
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-frame-options"], "DENY");
    }
    assert!(events_of(&s, app, None, "challenge").await.is_empty());

    // One character changed anywhere is refused, and the page names no one.
    let mut tampered = me.clone().into_bytes();
    let i = tampered.len() / 3;
    tampered[i] = if tampered[i] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    for post in [false, true] {
        let (status, _, html) = page(&s, post, &tampered).await;
        assert_eq!(status, 400);
        assert!(html.contains("This link is not valid."), "{html}");
        assert!(!html.contains("alice") && !html.contains(&key));
    }

    let (status, _, html) = page(&s, true, &me).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Confirmed: this was you."), "{html}");
    // The passed challenge is in the event log, on device B, and the engine runner has
    // processed it (the per-user index is the runner's).
    let challenge = eventually("the challenge in the user's timeline", 10, async || {
        events_of(&s, app, Some(&key), "challenge").await.pop()
    })
    .await;
    assert_eq!(challenge["event"]["result"], "succeeded");
    assert_eq!(challenge["event"]["request"]["device"], DEVICE_B);
    assert_eq!(challenge["user"], key.as_str());

    // Used: by either link, GET or POST.
    for (post, t) in [(true, &me), (false, &me), (true, &not_me), (false, &not_me)] {
        let (status, _, html) = page(&s, post, t).await;
        assert_eq!(status, 410, "{html}");
        assert!(html.contains("This link was already used."), "{html}");
    }
    assert_eq!(events_of(&s, app, None, "challenge").await.len(), 1);
    let (_, v) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    assert_eq!(
        v.as_array().unwrap().len(),
        0,
        "this was me blocks no one: {v}"
    );
    s.stop().await;
}

#[tokio::test]
async fn this_wasnt_me_blocks_the_user_and_calls_the_revoke_webhook() {
    let (smtp_port, mails) = smtp::start().await;
    let (revoke_url, revokes) = revoke_receiver().await;
    let (mut s, _dir) = server(Some(smtp_table(smtp_port, "7d")), &revoke_url).await;
    let (app, token) = s.create_app("shop").await;
    let bob = [("email", "bob@example.com")];
    let key = vigil_protocol::Identity::new(&bob, None)
        .unwrap()
        .key()
        .to_string();
    assert_eq!(
        s.post_batch(&token, &new_device_logins(&bob))
            .await
            .status(),
        202
    );
    let not_me = token_after(&the_mail(&mails).await, "This wasn't me: ");

    let (status, _, html) = page(&s, false, &not_me).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("This wasn't me") && html.contains("signed out"),
        "{html}"
    );
    let (status, _, html) = page(&s, true, &not_me).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Account secured"), "{html}");

    // SDKs get the block through the feed, with the identifiers.
    let d = s
        .wait_for_decision(&token, 10, |d| d["value"] == key.as_str())
        .await
        .expect("a user block in the feed");
    assert_eq!(d["scope"], "user");
    assert_eq!(d["action"], "block");
    assert_eq!(d["reason"], "notice:not_me");
    assert_eq!(d["ids"]["email"], "bob@example.com");
    let expires = vigil_protocol::parse_ts(d["expires_at"].as_str().unwrap()).unwrap();
    let day = 24 * 3600 * 1000;
    assert!((expires - now_ms() - day).abs() < 60_000, "24 h by default");
    let (_, v) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    assert!(v.to_string().contains("notice:not_me"), "{v}");

    // The revocation webhook, signed with its secret.
    let (valid, body) = eventually("the revoke webhook", 10, async || {
        revokes.lock().first().cloned()
    })
    .await;
    assert!(
        valid,
        "X-Vigil-Signature verifies with the webhook's secret"
    );
    assert_eq!(body["type"], "vigil.revoke_sessions");
    assert_eq!(body["user"], key.as_str());
    assert_eq!(body["ids"]["email"], "bob@example.com");
    assert_eq!(body["force_password_reset"], true);
    assert_eq!(body["reason"], "the user said a sign-in was not theirs");
    assert_eq!(body["app_id"], app);
    assert!(body["ts"].as_str().is_some());
    let (sent, attempts) = eventually("the revoke notification sent", 10, async || {
        let (n, a) = notes(&s, app, "revoke").await;
        (n.first().is_some_and(|n| n["state"] == "sent")).then_some((n, a))
    })
    .await;
    assert_eq!(sent.len(), 1);
    assert!(attempts
        .iter()
        .any(|a| a["kind"] == "revoke_webhook" && a["ok"] == true));

    // The failed challenge raises the user's risk, through the event log.
    let failed = events_of(&s, app, None, "challenge").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["event"]["result"], "failed");
    let (status, _, _) = page(&s, true, &not_me).await;
    assert_eq!(status, 410, "single use");
    assert_eq!(revokes.lock().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn expired_links_are_refused() {
    let (smtp_port, mails) = smtp::start().await;
    let (revoke_url, _) = revoke_receiver().await;
    let (mut s, _dir) = server(Some(smtp_table(smtp_port, "1ms")), &revoke_url).await;
    let (app, token) = s.create_app("shop").await;
    let carol = [("email", "carol@example.com")];
    assert_eq!(
        s.post_batch(&token, &new_device_logins(&carol))
            .await
            .status(),
        202
    );
    let mail = the_mail(&mails).await;
    for label in ["This was me: ", "This wasn't me: "] {
        let t = token_after(&mail, label);
        for post in [false, true] {
            let (status, _, html) = page(&s, post, &t).await;
            assert_eq!(status, 410, "{html}");
            assert!(html.contains("This link has expired."), "{html}");
        }
    }
    assert!(events_of(&s, app, None, "challenge").await.is_empty());
    s.stop().await;
}

/// Waits for the app's one `user` notification to fail; returns its attempts.
async fn failed_once(s: &TestServer, app: i64) -> Vec<Value> {
    eventually("the notice to fail", 10, async || {
        let (n, _) = notes(s, app, "user").await;
        n.first()
            .is_some_and(|n| n["state"] == "failed")
            .then_some(())
    })
    .await;
    // Long enough for the retries a transient failure would get (backoff 50 ms).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (n, attempts) = notes(s, app, "user").await;
    assert_eq!(n[0]["attempts"], 1, "{n:?}");
    assert_eq!(attempts.len(), 1, "no retries: {attempts:?}");
    attempts
}

#[tokio::test]
async fn a_user_without_an_email_fails_once() {
    let (smtp_port, mails) = smtp::start().await;
    let (revoke_url, _) = revoke_receiver().await;
    let (mut s, _dir) = server(Some(smtp_table(smtp_port, "7d")), &revoke_url).await;
    let (app, token) = s.create_app("shop").await;
    let dave = [("username", "dave")];
    assert_eq!(
        s.post_batch(&token, &new_device_logins(&dave))
            .await
            .status(),
        202
    );
    let attempts = failed_once(&s, app).await;
    assert_eq!(attempts[0]["error"], "the user has no e-mail identifier");
    assert!(mails.lock().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn without_user_email_notices_fail_once_with_the_reason() {
    let (revoke_url, _) = revoke_receiver().await;
    let (mut s, _dir) = server(None, &revoke_url).await;
    let (app, token) = s.create_app("shop").await;
    let erin = [("email", "erin@example.com")];
    assert_eq!(
        s.post_batch(&token, &new_device_logins(&erin))
            .await
            .status(),
        202
    );
    let attempts = failed_once(&s, app).await;
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(error.contains("[notify.user_email]"), "{error}");
    s.stop().await;
}

/// Two instances on one PostgreSQL database: either accepts the other's links (one key,
/// made once), and the same link posted to both at once is answered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_instances_share_the_key_and_answer_once() {
    let Some(db) = fresh_pg_db().await else {
        return;
    };
    let (smtp_port, mails) = smtp::start().await;
    let (revoke_url, _) = revoke_receiver().await;
    let table = || Some(smtp_table(smtp_port, "7d"));
    let mut a = server_on(&db, table(), &revoke_url).await;
    let mut b = server_on(&db, table(), &revoke_url).await;
    let (app, token) = a.create_app("shop").await;
    let frank = [("email", "frank@example.com")];
    assert_eq!(
        a.post_batch(&token, &new_device_logins(&frank))
            .await
            .status(),
        202
    );
    let me = token_after(&the_mail(&mails).await, "This was me: ");
    // Both instances' engines processed the logins; one of them sent the one e-mail.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails.lock().len(), 1);
    let (status, _, _) = page(&b, false, &me).await;
    assert_eq!(status, 200, "B accepts a link A's key signed");
    let (ra, rb) = tokio::join!(page(&a, true, &me), page(&b, true, &me));
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, [200, 410], "{} / {}", ra.2, rb.2);
    assert_eq!(events_of(&a, app, None, "challenge").await.len(), 1);
    a.stop().await;
    b.stop().await;
}

#[test]
fn notice_config_is_checked() {
    let err = |toml: &str| Config::from_toml_str(toml).unwrap_err().to_string();
    assert!(err("[notify.user_email]\nhost = \"h\"\nfrom = \"a@b.c\"\n").contains("public_url"));
    assert!(err("[server]\npublic_url = \"vigil.example.com\"\n").contains("http"));
    assert!(err("[notify.revoke_webhook]\nurl = \"http://h/r\"\n").contains("secret"));
    assert!(
        err("[notify.targets.user]\nkind = \"slack\"\nurl = \"http://h\"\n").contains("reserved")
    );
    let ok = Config::from_toml_str(
        "[server]\npublic_url = \"https://v.example.com\"\n[notify.user_email]\nhost = \"h\"\nfrom = \"a@b.c\"\n",
    )
    .unwrap();
    let u = ok.notify.user_email.unwrap();
    assert_eq!(
        (u.port, u.notice_ttl.ms(), u.not_me_block.ms()),
        (25, 7 * 86_400_000, 86_400_000)
    );
}
