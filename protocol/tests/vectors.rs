//! Runs every case of tests/vectors/identity.json, the file every binding runs too, against
//! the one implementation of the identity rules.

use vigil_protocol::identity::Identity;
use vigil_protocol::pseudonym::Pseudonymizer;

#[test]
fn identity_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/identity.json"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input: Vec<(String, String)> = case["input"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let pseudo = case.get("pii").map(|p| {
            Pseudonymizer::new(
                p["secret"].as_str().unwrap().as_bytes(),
                p["keep_email_domain"].as_bool().unwrap_or(true),
            )
        });
        let got = Identity::new(&input, pseudo.as_ref());
        match (case.get("expect"), case.get("error"), got) {
            (Some(expect), None, Ok(id)) => {
                let ids: serde_json::Map<String, serde_json::Value> = id
                    .pairs()
                    .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
                    .collect();
                if expect["ids"] != serde_json::Value::Object(ids.clone())
                    || expect["primary"] != id.primary_key()
                    || expect["key"] != id.key().to_string().as_str()
                {
                    failures.push(format!(
                        "{name}: expected {expect}, got ids={ids:?} primary={} key={}",
                        id.primary_key(),
                        id.key()
                    ));
                }
            }
            (None, Some(kind), Err(e)) if kind == e.code() => {}
            (_, _, got) => failures.push(format!(
                "{name}: expected {:?}/{:?}, got {:?}",
                case.get("expect").map(|e| e["key"].clone()),
                case.get("error"),
                got.map(|i| i.key().to_string()).map_err(|e| e.code())
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
