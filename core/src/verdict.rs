//! The verdict on a request: what `Client::assess` answers from the decisions held.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::decisions::Decision;

/// What to do with a request, most severe last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    Allow,
    /// Ask the user to prove who they are (MFA, captcha, e-mail code), then report how it
    /// went with `track_challenge`.
    Challenge,
    /// Refuse the request (a block or a redirect decision applies).
    Deny,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Challenge => "challenge",
            Verdict::Deny => "deny",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verdict and the decisions behind it: the user's first, then the IP's (at most one
/// each, so the list never leaves its inline storage). Empty for `Allow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub decisions: SmallVec<[Arc<Decision>; 2]>,
}

impl Assessment {
    pub fn allow() -> Assessment {
        Assessment {
            verdict: Verdict::Allow,
            decisions: SmallVec::new(),
        }
    }

    /// The reasons of the decisions behind the verdict, in order.
    pub fn reasons(&self) -> impl Iterator<Item = &str> + '_ {
        self.decisions.iter().map(|d| d.reason.as_str())
    }

    /// The decision that speaks for the verdict (the user's when there is one), for the block
    /// response and its reference.
    pub fn decision(&self) -> Option<&Arc<Decision>> {
        self.decisions.first()
    }
}

impl Default for Assessment {
    fn default() -> Self {
        Assessment::allow()
    }
}
