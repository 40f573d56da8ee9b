//! Runs tests/vectors/client_ip.json and block_response.json, the files every binding runs too.

use serde_json::Value;
use vigil_core::edge::DecisionView;
use vigil_core::Edge;

fn cases(file: &str) -> Vec<Value> {
    let path = format!("{}/../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn edge(settings: &Value) -> Edge {
    let mut edge = Edge::default();
    for (k, v) in settings.as_object().unwrap() {
        assert!(
            edge.set(k, v.as_str().unwrap()).unwrap(),
            "{k} is an edge option"
        );
    }
    edge.validate().unwrap();
    edge
}

#[test]
fn client_ip_vectors() {
    let cases = cases("client_ip.json");
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let edge = edge(&case["settings"]);
        let header = edge.client_ip_header();
        let lines: Vec<&str> = case["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(header))
            .map(|h| h[1].as_str().unwrap())
            .collect();
        let got = edge
            .client_ip(case["peer"].as_str(), lines)
            .map(|ip| ip.to_string());
        if got.as_deref() != case["want"].as_str() {
            failures.push(format!(
                "{}: got {got:?}, want {}",
                case["name"], case["want"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn block_response_vectors() {
    let cases = cases("block_response.json");
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let edge = edge(&case["settings"]);
        let d = &case["decision"];
        let view = DecisionView {
            id: d["id"].as_str().unwrap(),
            reason: d["reason"].as_str().unwrap(),
            redirect_url: d["redirect_url"].as_str(),
        };
        let r = edge.render_block(view, case["accept"].as_str());
        let got = serde_json::json!({
            "status": r.status,
            "headers": r.headers.iter().map(|(k, v)| [*k, v.as_str()]).collect::<Vec<_>>(),
            "body": String::from_utf8(r.body).unwrap(),
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
