//! What a `notify_user` e-mail says: when, from which country and network, on which kind of
//! device, and the two signed links. Built from the notification's payload (collect.rs), so a
//! retried delivery says the same thing; only the links' tokens are new each time.

use std::net::IpAddr;

use askama::Template;
use serde_json::Value;
use time::macros::format_description;
use time::OffsetDateTime;

use super::token::{Answer, Claims, NoticeKey};

pub const SUBJECT: &str = "New sign-in to your account";

/// The sign-in as the user reads it.
pub struct SignIn {
    pub when: String,
    pub country: Option<String>,
    pub network: Option<String>,
    pub device: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "notice/email.txt")]
struct Text<'a> {
    sign_in: &'a SignIn,
    me_url: &'a str,
    not_me_url: &'a str,
    expires: &'a str,
    revokes: bool,
}

#[derive(Template)]
#[template(path = "notice/email.html")]
struct Html<'a> {
    sign_in: &'a SignIn,
    me_url: &'a str,
    not_me_url: &'a str,
    expires: &'a str,
    revokes: bool,
}

/// The two parts of the e-mail.
pub struct Body {
    pub text: String,
    pub html: String,
}

/// What the links need besides the notification.
pub struct Links<'a> {
    pub key: &'a NoticeKey,
    /// `server.public_url`.
    pub base: &'a str,
    pub now: i64,
    pub ttl_ms: i64,
    /// Whether "this wasn't me" also calls the app's revocation webhook.
    pub revokes: bool,
}

/// The user's e-mail address: the first e-mail identifier (docs/identity.md).
pub fn address(payload: &Value) -> Option<&str> {
    let ids = payload["ids"].as_object()?;
    vigil_protocol::identity::EMAIL_KEYS
        .iter()
        .find_map(|k| ids.get(*k)?.as_str())
}

/// `2026-11-22 03:00 UTC`.
fn when(ms: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// The network rather than the address: enough to recognise one's own connection, and an
/// e-mail is no place to copy a precise address into.
pub fn coarse(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.x")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

fn country(code: &str) -> String {
    match keshvar::Alpha2::try_from(code) {
        Ok(c) => format!("{} ({code})", c.to_country().iso_short_name()),
        Err(_) => code.to_owned(),
    }
}

/// The sign-in a payload describes.
pub fn sign_in(payload: &Value) -> SignIn {
    let ts = payload["ts"]
        .as_str()
        .and_then(vigil_protocol::parse_ts)
        .unwrap_or(0);
    let fired = payload["trigger"]["name"].as_str();
    // One login that is new in both device and country raises new_device first, and the
    // playbook's cooldown keeps the second signal from sending a second e-mail: a notice
    // triggered by anything else was about a device the user has signed in with before.
    let device = payload["device"].as_str().map(|_| {
        if fired == Some("new_device") {
            "a new one, not seen on your account before"
        } else {
            "one you have signed in with before"
        }
    });
    SignIn {
        when: when(ts),
        country: payload["country"].as_str().map(country),
        network: payload["ip"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(coarse),
        device,
    }
}

/// The link giving `answer` to the notice of this notification.
pub fn link(
    links: &Links<'_>,
    job: &crate::store::NotificationRow,
    payload: &Value,
    answer: Answer,
) -> String {
    let claims = Claims {
        v: 1,
        n: job.id.clone(),
        a: job.app_id,
        u: payload["user"].as_str().unwrap_or_default().to_owned(),
        d: payload["device"].as_str().map(str::to_owned),
        r: answer,
        x: links.now.saturating_add(links.ttl_ms),
    };
    format!(
        "{}/notice/{}",
        links.base.trim_end_matches('/'),
        links.key.sign(&claims)
    )
}

pub fn body(
    links: &Links<'_>,
    job: &crate::store::NotificationRow,
    payload: &Value,
) -> Result<Body, askama::Error> {
    let sign_in = sign_in(payload);
    let me_url = link(links, job, payload, Answer::Me);
    let not_me_url = link(links, job, payload, Answer::NotMe);
    let expires = when(links.now.saturating_add(links.ttl_ms));
    let text = Text {
        sign_in: &sign_in,
        me_url: &me_url,
        not_me_url: &not_me_url,
        expires: &expires,
        revokes: links.revokes,
    }
    .render()?;
    let html = Html {
        sign_in: &sign_in,
        me_url: &me_url,
        not_me_url: &not_me_url,
        expires: &expires,
        revokes: links.revokes,
    }
    .render()?;
    Ok(Body { text, html })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_coarse() {
        assert_eq!(coarse("203.0.113.7".parse().unwrap()), "203.0.113.x");
        assert_eq!(
            coarse("2001:db8:1234:5678::1".parse().unwrap()),
            "2001:db8:1234::/48"
        );
    }

    #[test]
    fn describes_the_sign_in() {
        let payload = serde_json::json!({
            "ts": "2026-11-22T03:00:00.123Z", "country": "FR", "ip": "203.0.113.7",
            "device": "0123456789abcdef0123456789abcdef",
            "trigger": {"type": "signal", "name": "new_device"},
            "ids": {"email": "alice@example.com", "username": "alice"},
        });
        let s = sign_in(&payload);
        assert_eq!(s.when, "2026-11-22 03:00 UTC");
        assert_eq!(s.country.as_deref(), Some("France (FR)"));
        assert_eq!(s.network.as_deref(), Some("203.0.113.x"));
        assert!(s.device.unwrap().starts_with("a new one"));
        assert_eq!(address(&payload), Some("alice@example.com"));
        assert_eq!(
            address(&serde_json::json!({"ids": {"username": "a"}})),
            None
        );
        assert_eq!(address(&serde_json::json!({"ids": null})), None);
    }
}
