//! One HTTP request as the servlet filter sees it (or none: the detached request of calls made
//! outside one), and every call a request makes. The context (client IP after the trusted-proxy
//! rules, device from the signed cookie, user agent, method, path) is parsed once, at the
//! start; `identify` attaches its user, which the ban check and later events then use.

use std::sync::Arc;

use parking_lot::Mutex;
use vigil_core::{ChallengeResult, Client, Identity, RequestContext};

use crate::client::with;
use crate::decision::{BlockResponse, Decision, Verdict};
use crate::errors::Result;
use crate::ids::identity;
use crate::properties::{self, Property};

/// `exists` of `auth_track`: the account of a failed login is unknown, missing, or existing.
const EXISTS_UNKNOWN: i8 = -1;

#[derive(uniffi::Object)]
pub struct Request {
    /// `None` for the detached request, which never keeps a user.
    ctx: Option<RequestContext>,
    /// The user `identify` attached: the key for the ban check, the identity for the custom
    /// events that follow in the request.
    user: Mutex<Option<Identity>>,
    set_cookie: Option<String>,
}

#[uniffi::export]
impl Request {
    /// A request seen by the filter: the client IP is the core's answer for the socket's peer
    /// address and the lines of the `client_ip_header` (joined with commas, which its rules
    /// read as one list); the device is the core's reading of the `Cookie` header, a fresh one
    /// (with the `Set-Cookie` to send) only when the caller can send a cookie.
    #[uniffi::constructor]
    pub fn new(
        peer: Option<String>,
        forwarded: Option<String>,
        user_agent: Option<String>,
        method: Option<String>,
        path: Option<String>,
        cookie: Option<String>,
        can_set_cookie: bool,
    ) -> Result<Arc<Request>> {
        with(|client| {
            let edge = client.edge();
            let ip = edge.client_ip(peer.as_deref(), forwarded.as_deref());
            let read = edge.device_for(cookie.as_deref(), can_set_cookie);
            let mut ctx = RequestContext::from_parts(
                None,
                user_agent.as_deref(),
                method.as_deref(),
                path.as_deref(),
            )
            .unwrap_or_default();
            ctx.ip = ip;
            ctx.device = read.device;
            Ok(Arc::new(Request {
                ctx: Some(ctx),
                user: Mutex::new(None),
                set_cookie: read.set_cookie,
            }))
        })
    }

    /// The request of calls made outside any HTTP request (a job, a test, a CLI).
    #[uniffi::constructor]
    pub fn detached() -> Arc<Request> {
        Arc::new(Request {
            ctx: None,
            user: Mutex::new(None),
            set_cookie: None,
        })
    }

    /// This request for the fast lane ([`crate::fast`]): a raw reference the JVM holds until it
    /// passes it to `vigil_jvm_request_release`, once.
    pub fn raw(self: Arc<Self>) -> i64 {
        Arc::into_raw(self) as i64
    }

    pub fn client_ip(&self) -> Option<String> {
        self.ctx.as_ref()?.ip.map(|ip| ip.to_string())
    }

    pub fn device(&self) -> Option<String> {
        self.ctx.as_ref()?.device.map(|d| d.to_string())
    }

    /// The `Set-Cookie` value of a fresh device, for the filter to send.
    pub fn set_cookie(&self) -> Option<String> {
        self.set_cookie.clone()
    }

    /// The key of the user `identify` attached, if any.
    pub fn user_key(&self) -> Option<String> {
        self.user.lock().as_ref().map(|u| u.key().to_string())
    }

    pub fn signup_track(&self, ids: Vec<String>) -> Result<bool> {
        with(|client| self.signup_in(client, &crate::ids::pairs(&ids)))
    }

    /// `exists`: -1 unknown, 0 the account does not exist, 1 it does (failures only).
    pub fn auth_track(&self, success: bool, exists: i8, ids: Vec<String>) -> Result<bool> {
        with(|client| self.auth_in(client, success, exists, &crate::ids::pairs(&ids)))
    }

    /// Attaches the user to this request (unless detached) and answers whether the user (on
    /// this request's device) or the request's IP is blocked; [`blocking_for`](Self::blocking_for)
    /// gives the decision. A `bool`, because every optional value or list the JVM lowers or
    /// lifts costs JNA structures of its own, and the answer is nearly always no.
    pub fn identify(&self, ids: Vec<String>) -> Result<bool> {
        with(|client| self.identify_in(client, &crate::ids::pairs(&ids)))
    }

    /// [`identify`](Self::identify) with the user's traits, checked by the property rules.
    pub fn identify_with_traits(&self, ids: Vec<String>, traits: Vec<Property>) -> Result<bool> {
        properties::convert(traits)?;
        self.identify(ids)
    }

    /// The decision blocking the user of `ids` (on this request's device) or this request's IP.
    pub fn blocking_for(&self, ids: Vec<String>) -> Result<Option<Decision>> {
        with(|client| {
            let key = identity(client, &ids)?.key();
            let ctx = self.ctx.as_ref();
            Ok(client
                .check(
                    Some(&key),
                    ctx.and_then(|c| c.ip.as_ref()),
                    ctx.and_then(|c| c.device),
                )
                .as_ref()
                .map(Decision::from))
        })
    }

    /// A custom event; empty `ids` make it the identified user's (if any). `timestamp_ms`:
    /// Unix milliseconds, `i64::MIN` for now.
    pub fn track(
        &self,
        event: String,
        ids: Vec<String>,
        properties: Vec<Property>,
        timestamp_ms: i64,
    ) -> Result<bool> {
        let props = properties::convert(properties)?;
        let ts = (timestamp_ms != i64::MIN).then_some(timestamp_ms);
        with(|client| {
            let user = self.user_or_identified(client, &ids)?;
            Ok(client.track_event(&event, user, props, ts, self.ctx.clone())?)
        })
    }

    /// Carries `old_ids`' history over to `new_ids`.
    pub fn alias(&self, old_ids: Vec<String>, new_ids: Vec<String>) -> Result<bool> {
        with(|client| {
            let previous = identity(client, &old_ids)?;
            let current = identity(client, &new_ids)?;
            Ok(client.alias(previous, current, self.ctx.clone()))
        })
    }

    /// `result`: `requested`, `succeeded` or `failed`.
    pub fn challenge_track(&self, result: String, ids: Vec<String>) -> Result<bool> {
        let result = ChallengeResult::parse(&result)?;
        with(|client| {
            let user = identity(client, &ids)?;
            Ok(client.track_challenge(result, user, self.ctx.clone()))
        })
    }

    /// The verdict on this request for `ids` (empty: the identified user, else the user who
    /// last logged in from the IP).
    pub fn assess(&self, ids: Vec<String>) -> Result<Verdict> {
        with(|client| {
            let key = if ids.is_empty() {
                self.user.lock().as_ref().map(Identity::key)
            } else {
                Some(identity(client, &ids)?.key())
            };
            Ok(Verdict::from(
                &client.assess(key.as_ref(), self.ctx.as_ref()),
            ))
        })
    }

    /// Whether this request is blocked: its identified user (on its device), else its IP.
    pub fn is_blocked(&self) -> Result<bool> {
        with(|client| Ok(self.check(client).is_some()))
    }

    /// The response to send for the decision blocking this request (none: not blocked),
    /// negotiated on `accept`.
    pub fn block_response(&self, accept: Option<String>) -> Result<Option<BlockResponse>> {
        with(|client| {
            Ok(self.check(client).map(|d| {
                BlockResponse::from(client.edge().render_block((&*d).into(), accept.as_deref()))
            }))
        })
    }
}

impl Request {
    /// The request of the fast lane's calls made outside any HTTP request.
    pub(crate) fn detached_ref() -> &'static Request {
        static DETACHED: std::sync::LazyLock<Request> = std::sync::LazyLock::new(|| Request {
            ctx: None,
            user: Mutex::new(None),
            set_cookie: None,
        });
        &DETACHED
    }

    pub(crate) fn signup_in(&self, client: &Client, ids: &[(&str, &str)]) -> Result<bool> {
        let user = client.identity(ids)?;
        Ok(client.track_signup(user, self.ctx.clone()))
    }

    pub(crate) fn auth_in(
        &self,
        client: &Client,
        success: bool,
        exists: i8,
        ids: &[(&str, &str)],
    ) -> Result<bool> {
        let user = client.identity(ids)?;
        let exists = (!success && exists != EXISTS_UNKNOWN).then_some(exists != 0);
        Ok(client.track_auth(success, user, exists, self.ctx.clone()))
    }

    pub(crate) fn identify_in(&self, client: &Client, ids: &[(&str, &str)]) -> Result<bool> {
        let user = client.identity(ids)?;
        if self.ctx.is_some() {
            *self.user.lock() = Some(user.clone());
        }
        Ok(client.identify(user, self.ctx.clone()).is_some())
    }

    fn check(&self, client: &Client) -> Option<Arc<vigil_core::Decision>> {
        let user = self.user.lock().as_ref().map(Identity::key);
        let ctx = self.ctx.as_ref();
        client.check(
            user.as_ref(),
            ctx.and_then(|c| c.ip.as_ref()),
            ctx.and_then(|c| c.device),
        )
    }

    fn user_or_identified(&self, client: &Client, ids: &[String]) -> Result<Option<Identity>> {
        if ids.is_empty() {
            // A custom event inside an identified request is that user's.
            return Ok(self.user.lock().clone());
        }
        Ok(Some(identity(client, ids)?))
    }
}
