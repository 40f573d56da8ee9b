//! Turns one event's engine effects into the rows the pipeline stores: signals, risk, runs,
//! incidents, notifications, decisions, and the challenges a passed challenge ends. Every id
//! derives from (app, playbook, subject, event seq), so instances replaying the same events
//! write the same rows and the second write is a no-op.

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use vigil_engine::keys::format_user;
use vigil_engine::{Action, Effect, PlaybookAction, Subject};

use crate::store::{
    DecisionRow, Effects, IncidentRow, NotificationRow, RiskRow, RunRow, SignalRow, TailEvent,
};

/// The notification target of `notify_user`: the user's own e-mail address (notify/user.rs).
pub const USER_TARGET: &str = "user";
/// The notification target of the app's revocation webhook, called when a user answers
/// "this wasn't me" to a notice (notify/revoke.rs).
pub const REVOKE_TARGET: &str = "revoke";

fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u32).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..10])
}

fn subject_text(user: Option<u128>, ip: Option<IpAddr>) -> String {
    match (user, ip) {
        (Some(u), _) => format_user(u),
        (None, Some(ip)) => ip.to_string(),
        (None, None) => "-".into(),
    }
}

/// Turns one event's effects into rows.
pub fn collect(ev: &TailEvent, effects: &[Effect], fx: &mut Effects) {
    let seq = ev.seq;
    for (i, effect) in effects.iter().enumerate() {
        match effect {
            Effect::Signal(s) => fx.signals.push(SignalRow {
                id: format!("s{seq}.{i}"),
                app_id: ev.app_id,
                seq,
                kind: s.kind.to_string(),
                user_key: s.user.map(format_user),
                ip: s.ip.map(|ip| ip.to_string()),
                points: s.points,
                ts_ms: s.ts_ms,
            }),
            Effect::RiskChanged(r) => fx.risk.push(RiskRow {
                id: format!("r{seq}.{i}"),
                app_id: ev.app_id,
                seq,
                subject: match r.subject {
                    Subject::User(u) => format_user(u),
                    Subject::Ip(ip) => ip.to_string(),
                },
                risk_before: r.before,
                risk_after: r.after,
                signal: r.signal.as_ref().map(|s| s.to_string()),
                ts_ms: r.ts_ms,
            }),
            Effect::ChallengePassed(p) => {
                fx.challenges_passed
                    .push((ev.app_id, format_user(p.user), p.ts_ms));
            }
            Effect::Playbook(pa) => playbook(ev, i, pa, fx),
        }
    }
}

fn playbook(ev: &TailEvent, i: usize, pa: &PlaybookAction, fx: &mut Effects) {
    let (app, seq) = (ev.app_id, ev.seq);
    let (app_text, seq_text) = (app.to_string(), seq.to_string());
    let subject = subject_text(pa.user, pa.ip);
    let action_name = pa.action.name();
    let base = [&app_text, &*pa.playbook, &subject, &seq_text, action_name];
    fx.runs.push(RunRow {
        id: format!("p{seq}.{i}"),
        app_id: app,
        seq,
        playbook: pa.playbook.to_string(),
        action: action_name.into(),
        detail: serde_json::to_string(pa).unwrap_or_default(),
        user_key: pa.user.map(format_user),
        ip: pa.ip.map(|ip| ip.to_string()),
        reason: pa.reason.clone(),
        ts_ms: pa.ts_ms,
        shadow: pa.shadow,
    });
    if pa.shadow {
        // Recorded above as what the playbook would have done; nothing is enforced or sent.
        return;
    }
    let source = format!("playbook:{}", pa.playbook);
    let decision = |scope: &str, value: String, action: &str, duration_ms: i64| DecisionRow {
        id: format!("d_{}", short_hash(&base)),
        app_id: app,
        scope: scope.into(),
        value,
        action: action.into(),
        url: None,
        expires_ms: Some(pa.ts_ms.saturating_add(duration_ms)),
        reason: source.clone(),
        ids: None,
        except_devices: None,
        source: source.clone(),
        created_ms: pa.ts_ms,
    };
    // The event's identifiers, when the action is about the event's own user.
    let ids_of = |user: u128| {
        let key = format_user(user);
        ev.engine
            .user_ids
            .clone()
            .filter(|_| ev.user_key.as_deref() == Some(&key))
    };
    match &pa.action {
        Action::Log => {
            // Identifiers stay out of info-level logs.
            tracing::info!(app, playbook = %pa.playbook, "playbook fired");
            tracing::debug!(app, playbook = %pa.playbook, reason = %pa.reason, "playbook log");
        }
        Action::Incident => fx.incidents.push(IncidentRow {
            id: format!("i_{}", short_hash(&base)),
            app_id: app,
            seq,
            playbook: pa.playbook.to_string(),
            user_key: pa.user.map(format_user),
            ip: pa.ip.map(|ip| ip.to_string()),
            reason: pa.reason.clone(),
            state: "open".into(),
            created_ms: pa.ts_ms,
            resolved_ms: None,
        }),
        Action::Notify { targets } => {
            for target in targets {
                let id = format!(
                    "n_{}",
                    short_hash(&[&app_text, &pa.playbook, &subject, &seq_text, target])
                );
                let payload = serde_json::json!({
                    "id": id,
                    "app_id": app,
                    "playbook": &*pa.playbook,
                    "reason": pa.reason,
                    "user": pa.user.map(format_user),
                    "ip": pa.ip,
                    "ts": vigil_protocol::wire::format_ts(pa.ts_ms),
                    "trigger": pa.trigger,
                });
                fx.notifications.push(NotificationRow::pending(
                    id, app, target, &payload, pa.ts_ms,
                ));
            }
        }
        Action::NotifyUser {
            user,
            device,
            country,
        } => {
            let id = format!("n_{}", short_hash(&base));
            let payload = serde_json::json!({
                "id": id,
                "app_id": app,
                "playbook": &*pa.playbook,
                "reason": pa.reason,
                "user": format_user(*user),
                "ids": ids_of(*user).and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()),
                "device": device,
                "country": country,
                // Where the sign-in came from, like the device and country: new_device's
                // signal carries no IP (it is not evidence against the address), so the
                // action's may be empty while the event's is what the user recognises.
                "ip": pa.ip.map(|ip| ip.to_string()).or_else(|| ev.ip.clone()),
                "ts": vigil_protocol::wire::format_ts(pa.ts_ms),
                "trigger": pa.trigger,
            });
            fx.notifications.push(NotificationRow::pending(
                id,
                app,
                USER_TARGET,
                &payload,
                pa.ts_ms,
            ));
        }
        Action::BlockUser {
            user,
            duration_ms,
            except_devices,
        } => {
            let mut d = decision("user", format_user(*user), "block", *duration_ms);
            d.ids = ids_of(*user);
            if !except_devices.is_empty() {
                d.except_devices = serde_json::to_string(except_devices).ok();
            }
            fx.decisions.push(d);
        }
        Action::ChallengeUser { user, duration_ms } => {
            let mut d = decision("user", format_user(*user), "challenge", *duration_ms);
            d.ids = ids_of(*user);
            fx.decisions.push(d);
        }
        Action::BlockIp { ip, duration_ms } => {
            fx.decisions
                .push(decision("ip", ip.to_string(), "block", *duration_ms));
        }
        Action::ChallengeIp { ip, duration_ms } => {
            fx.decisions
                .push(decision("ip", ip.to_string(), "challenge", *duration_ms));
        }
    }
}
