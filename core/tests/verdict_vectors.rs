//! Runs tests/vectors/device_cookie.json and assess.json, the files every binding runs too.

use serde_json::Value;
use vigil_core::wire::DecisionFeed;
use vigil_core::{Client, Config, Edge, RequestContext, UserKey};

fn doc(file: &str) -> Value {
    let path = format!("{}/../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The edge of a case: its token (a client option) and its edge settings.
fn edge(case: &Value) -> Edge {
    let mut config = Config::default();
    if let Some(token) = case["token"].as_str() {
        config.set("token", token).unwrap();
    }
    for (k, v) in case["settings"].as_object().unwrap() {
        assert!(config.edge.set(k, v.as_str().unwrap()).unwrap(), "{k}");
    }
    config.validate().unwrap();
    config.edge
}

#[test]
fn device_cookie_vectors() {
    let doc = doc("device_cookie.json");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 35, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let edge = edge(case);
        let read = edge.device(case["cookie"].as_str());
        let (want, name) = (&case["want"], &case["name"]);
        let device = read.device.map(|d| d.to_string());
        let ok = match want["device"].as_str() {
            None => device.is_none() && read.set_cookie.is_none(),
            Some("new") => {
                let set = &want["set_cookie"];
                let prefix = format!("{}=", set["name"].as_str().unwrap());
                let suffix = set["suffix"].as_str().unwrap();
                let value = read
                    .set_cookie
                    .as_deref()
                    .and_then(|h| h.strip_prefix(&prefix)?.strip_suffix(suffix));
                // The fresh cookie reads back as the fresh device, and is not set again.
                let back = value.map(|v| edge.device(Some(&format!("{prefix}{v}"))));
                device.is_some()
                    && back.is_some_and(|b| b.device == read.device && b.set_cookie.is_none())
            }
            Some(id) => device.as_deref() == Some(id) && read.set_cookie.is_none(),
        };
        if !ok {
            failures.push(format!("{name}: got {read:?}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assess_vectors() {
    let doc = doc("assess.json");
    let mut config = Config::default();
    config.set("flush_interval_ms", "20").unwrap();
    let client = Client::new(config).unwrap();
    let feed: DecisionFeed = serde_json::from_value(doc["feed"].clone()).unwrap();
    assert_eq!(
        client.decisions().apply_feed(&feed) as u64,
        doc["skipped"].as_u64().unwrap()
    );
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let user: Option<UserKey> = case["user"].as_str().map(|u| u.parse().unwrap());
        let mut request =
            RequestContext::from_parts(case["ip"].as_str(), None, None, None).unwrap();
        request.device = case["device"].as_str().map(|d| d.parse().unwrap());
        let a = client.assess(user.as_ref(), Some(&request));
        let got = serde_json::json!({
            "verdict": a.verdict.as_str(),
            "ids": a.decisions.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            "reasons": a.reasons().collect::<Vec<_>>(),
        });
        if got != case["want"] {
            failures.push(format!(
                "{}:\n  got  {got}\n  want {}",
                case["name"], case["want"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
