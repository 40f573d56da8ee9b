//! The response a blocked request gets, the same from every SDK (docs/protocol.md, "Block
//! response"): a redirect when one applies, else JSON or HTML by the request's `Accept`.

use std::str::FromStr;

use headers_accept::Accept;
use mediatype::names::{APPLICATION, HTML, JSON, TEXT};
use mediatype::MediaType;

/// What the renderer needs of a decision: bindings that copied a decision out (C, Go) pass
/// their copy's fields back.
#[derive(Debug, Clone, Copy)]
pub struct DecisionView<'a> {
    pub id: &'a str,
    pub reason: &'a str,
    /// The decision's own redirect target, for `action = "redirect"`.
    pub redirect_url: Option<&'a str>,
}

impl<'a> From<&'a crate::Decision> for DecisionView<'a> {
    fn from(d: &'a crate::Decision) -> Self {
        DecisionView {
            id: &d.id,
            reason: &d.reason,
            redirect_url: match &d.action {
                crate::Action::Redirect { url } => Some(url),
                crate::Action::Block | crate::Action::Challenge => None,
            },
        }
    }
}

/// A rendered response: the binding writes it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// The one status of every redirect: 303 makes the client GET the target whatever the method
/// of the blocked request (a login POST must not be replayed there).
pub const REDIRECT_STATUS: u16 = 303;
pub const DEFAULT_STATUS: u16 = 403;
pub const MESSAGE: &str = "This request was blocked for security reasons.";

/// The default page; `{reference}` and `{reason}` are replaced, HTML-escaped, in it and in a
/// configured `block_html`.
pub const DEFAULT_HTML: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Access denied</title></head><body><h1>Access denied</h1>\
<p>This request was blocked for security reasons.</p><p>Reference: {reference}</p></body></html>\n";

const HTML_TYPE: MediaType = MediaType::new(TEXT, HTML);
const JSON_TYPE: MediaType = MediaType::new(APPLICATION, JSON);
/// Server preference on a tie (`*/*`, no `Accept`): browsers get the page.
const OFFERED: &[MediaType] = &[HTML_TYPE, JSON_TYPE];

/// How blocked requests are answered; built from the `block_*` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockPage {
    pub status: u16,
    /// Where to send every blocked request, unless its decision names its own target.
    pub redirect: Option<String>,
    /// HTML page template (`{reference}`, `{reason}`).
    pub html: String,
    /// JSON document sent instead of the default body when JSON wins.
    pub json: Option<String>,
    /// One body for every client, whatever it accepts, with `content_type` (both or neither:
    /// `Edge::validate`).
    pub body: Option<String>,
    pub content_type: Option<String>,
}

impl Default for BlockPage {
    fn default() -> BlockPage {
        BlockPage {
            status: DEFAULT_STATUS,
            redirect: None,
            html: DEFAULT_HTML.to_owned(),
            json: None,
            body: None,
            content_type: None,
        }
    }
}

impl BlockPage {
    pub fn render(&self, decision: DecisionView<'_>, accept: Option<&str>) -> Response {
        let target = decision
            .redirect_url
            .filter(|u| is_safe_redirect(u))
            .or(self.redirect.as_deref());
        if let Some(url) = target {
            return Response {
                status: REDIRECT_STATUS,
                headers: vec![
                    ("Location", url.to_owned()),
                    ("Cache-Control", "no-store".to_owned()),
                    ("Content-Length", "0".to_owned()),
                ],
                body: Vec::new(),
            };
        }
        let fixed = self.body.as_ref().zip(self.content_type.as_ref());
        let (content_type, body) = match fixed {
            Some((body, content_type)) => (content_type.clone(), body.clone().into_bytes()),
            None if wants_json(accept) => ("application/json".to_owned(), self.json_body(decision)),
            None => (
                "text/html; charset=utf-8".to_owned(),
                fill(&self.html, decision).into_bytes(),
            ),
        };
        let mut headers = vec![
            ("Content-Type", content_type),
            ("Content-Length", body.len().to_string()),
            ("Cache-Control", "no-store".to_owned()),
        ];
        if fixed.is_none() {
            headers.push(("Vary", "Accept".to_owned()));
        }
        Response {
            status: self.status,
            headers,
            body,
        }
    }

    fn json_body(&self, decision: DecisionView<'_>) -> Vec<u8> {
        if let Some(json) = &self.json {
            return json.clone().into_bytes();
        }
        let body = serde_json::json!({
            "error": {"code": "blocked", "message": MESSAGE, "reference": decision.id}
        });
        body.to_string().into_bytes()
    }
}

/// JSON when the client ranks it above HTML (RFC 9110 q-values, specificity, then order);
/// HTML for browsers, for no `Accept`, and for an `Accept` that cannot be parsed.
pub fn wants_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return false;
    };
    Accept::from_str(accept)
        .ok()
        .and_then(|a| a.negotiate(OFFERED).cloned())
        .is_some_and(|m| m == JSON_TYPE)
}

fn fill(template: &str, decision: DecisionView<'_>) -> String {
    template
        .replace("{reference}", &html_escape::encode_safe(decision.id))
        .replace("{reason}", &html_escape::encode_safe(decision.reason))
}

/// A redirect target Vigil will send: an absolute http(s) URL, or a path on this site (not
/// `//host` or `/\host`, which browsers read as another site), with no control characters.
pub fn is_safe_redirect(url: &str) -> bool {
    if url.is_empty() || url.len() > 2048 || url.chars().any(|c| c.is_control() || c == ' ') {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        return !rest.is_empty() && !rest.starts_with('/');
    }
    url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(redirect: Option<&str>) -> DecisionView<'_> {
        DecisionView {
            id: "d_<1>",
            reason: "r",
            redirect_url: redirect,
        }
    }

    #[test]
    fn negotiates_and_escapes() {
        let page = BlockPage::default();
        let html = page.render(d(None), Some("text/html"));
        assert_eq!(html.status, 403);
        assert!(String::from_utf8(html.body)
            .unwrap()
            .contains("Reference: d_&lt;1&gt;"));
        let json = page.render(d(None), Some("application/json"));
        assert_eq!(json.headers[0].1, "application/json");
        assert!(!wants_json(Some("*/*")));
        assert!(!wants_json(Some("application/json;q=0")));
        assert!(wants_json(Some("text/html;q=0.5, application/json")));
    }

    #[test]
    fn redirects() {
        let page = BlockPage {
            redirect: Some("/blocked".into()),
            ..BlockPage::default()
        };
        let r = page.render(d(Some("https://example.com/x")), None);
        assert_eq!(
            (r.status, r.headers[0].1.as_str()),
            (303, "https://example.com/x")
        );
        let r = page.render(d(Some("//evil.example/x")), None);
        assert_eq!(r.headers[0].1, "/blocked");
        for bad in [
            "//x",
            "/\\x",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x",
            "https:///x",
        ] {
            assert!(!is_safe_redirect(bad), "{bad}");
        }
    }
}
