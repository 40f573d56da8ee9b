//! E-mail over SMTP with lettre: plain SMTP, or STARTTLS when the target asks for it.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{summary, Failure};
use crate::config::Target;
use crate::store::NotificationRow;

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
    let builder = if *starttls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(Failure::other)?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
    };
    let mut builder = builder.port(*port).timeout(Some(timeout));
    if let (Some(u), Some(p)) = (username, password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    let mailer = builder.build();
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
    match mailer.send(email).await {
        Ok(resp) => Ok(Some(u16::from(resp.code()))),
        Err(e) => Err(Failure {
            status: e.status().map(u16::from),
            error: e.to_string(),
        }),
    }
}
