//! E-mail over SMTP with lettre: plain SMTP, or STARTTLS when the target asks for it.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{summary, Failure};
use crate::config::Target;
use crate::store::NotificationRow;

/// Where and how to hand mail over: `[notify.targets.*]` e-mail targets and
/// `[notify.user_email]` share it.
pub struct Relay<'a> {
    pub host: &'a str,
    pub port: u16,
    pub starttls: bool,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
}

impl Relay<'_> {
    pub fn mailer(&self, timeout: Duration) -> Result<AsyncSmtpTransport<Tokio1Executor>, Failure> {
        let builder = if self.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(self.host)
                .map_err(Failure::other)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host)
        };
        let mut builder = builder.port(self.port).timeout(Some(timeout));
        if let (Some(u), Some(p)) = (self.username, self.password) {
            builder = builder.credentials(Credentials::new(u.to_owned(), p.to_owned()));
        }
        Ok(builder.build())
    }

    /// Sends one message; `Ok` carries the SMTP reply code. A permanent refusal (5xx) is
    /// marked so, for senders that must not retry it.
    pub async fn send(&self, email: Message, timeout: Duration) -> Result<Option<u16>, Failure> {
        match self.mailer(timeout)?.send(email).await {
            Ok(resp) => Ok(Some(u16::from(resp.code()))),
            Err(e) => Err(Failure {
                status: e.status().map(u16::from),
                permanent: e.is_permanent(),
                error: e.to_string(),
            }),
        }
    }
}

pub async fn send(
    target: &Target,
    job: &NotificationRow,
    timeout: Duration,
) -> Result<Option<u16>, Failure> {
    let Target::Email {
        host,
        port,
        starttls,
        username,
        password,
        from,
        to,
    } = target
    else {
        return Err(Failure::other("not an e-mail target"));
    };
    let relay = Relay {
        host,
        port: *port,
        starttls: *starttls,
        username: username.as_deref(),
        password: password.as_deref(),
    };
    let subject = summary(job);
    let mut msg = Message::builder()
        .from(from.parse().map_err(Failure::other)?)
        .subject(subject.clone());
    for rcpt in to {
        msg = msg.to(rcpt.parse().map_err(Failure::other)?);
    }
    let pretty = serde_json::from_str::<serde_json::Value>(&job.payload)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| job.payload.clone());
    let email = msg
        .header(ContentType::TEXT_PLAIN)
        .body(format!("{subject}\n\n{pretty}\n"))
        .map_err(Failure::other)?;
    // Operators' own targets keep retrying whatever the relay answered, as before.
    relay.send(email, timeout).await.map_err(|f| Failure {
        permanent: false,
        ..f
    })
}
