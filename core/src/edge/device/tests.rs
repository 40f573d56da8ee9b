use super::*;
use crate::edge::Edge;

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const ID: DeviceId = DeviceId(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff);

fn cookie(secret: &str) -> DeviceCookie {
    let mut c = DeviceCookie::default();
    c.set_secret(secret).unwrap();
    c
}

/// A fresh device: an id, and a Set-Cookie that names it validly.
fn assert_fresh(c: &DeviceCookie, read: &DeviceRead, not: Option<DeviceId>, what: &str) {
    let id = read.device.expect("a device");
    assert_ne!(Some(id), not, "a rejected id was kept: {what}");
    let header = read.set_cookie.as_deref().expect(what);
    let value = header
        .strip_prefix("vigil_device=")
        .and_then(|r| r.split(';').next())
        .unwrap();
    assert_eq!(c.verify(value), Some(id));
}

#[test]
fn a_valid_cookie_round_trips() {
    let c = cookie(SECRET);
    let value = c.value(ID);
    assert!(value.starts_with("v1.00112233445566778899aabbccddeeff."));
    assert_eq!(value.len(), 3 + 32 + 1 + 22);
    let read = c.read(Some(&format!("a=1; vigil_device={value}; b=2")));
    assert_eq!(read.device, Some(ID));
    assert_eq!(read.set_cookie, None);
    let fresh = c.read(None);
    assert_fresh(&c, &fresh, None, "no cookie");
    let again = c.read(Some(&format!(
        "vigil_device={}",
        c.value(fresh.device.unwrap())
    )));
    assert_eq!((again.device, again.set_cookie), (fresh.device, None));
}

#[test]
fn every_kind_of_tampering_gets_a_fresh_device() {
    let c = cookie(SECRET);
    let value = c.value(ID);
    let (id, tag) = value[3..].split_once('.').unwrap();
    let flip = |s: &str, i: usize| {
        let mut b = s.as_bytes().to_vec();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let other_key = cookie("another secret of 16 bytes or more").value(ID);
    // The last base64 digit of a 16-byte tag carries 2 unused bits: set them.
    let last = tag.as_bytes()[21];
    let alphabet = BASE64URL_NOPAD.specification().symbols;
    let pos = alphabet.find(last as char).unwrap();
    let non_canonical = format!(
        "v1.{id}.{}{}",
        &tag[..21],
        alphabet.as_bytes()[pos ^ 1] as char
    );
    let cases = [
        format!("vigil_device=v1.{}.{tag}", flip(id, 5)),
        format!("vigil_device=v1.{id}.{}", flip(tag, 3)),
        format!("vigil_device=v1.{id}.{}", &tag[..20]),
        format!("vigil_device=v1.{id}.{tag}A"),
        format!("vigil_device={}", &value[..value.len() - 1]),
        format!("vigil_device={other_key}"),
        format!("vigil_device=v2.{id}.{tag}"),
        format!("vigil_device=v1.{}.{tag}", id.to_ascii_uppercase()),
        format!("vigil_device={value}; vigil_device={value}"),
        format!("vigil_device={value}; vigil_device=junk"),
        format!("vigil_device={non_canonical}"),
        format!("vigil_device=\"{value}\""),
        format!("Vigil_Device={value}"),
        "vigil_device=".into(),
        "vigil_device=v1..".into(),
        "junk; ;=; ===".into(),
        String::new(),
    ];
    for header in &cases {
        assert_fresh(&c, &c.read(Some(header)), Some(ID), header);
    }
}

#[test]
fn disabled_gives_nothing() {
    let mut c = cookie(SECRET);
    c.set_name("").unwrap();
    assert!(!c.is_enabled());
    assert_eq!(c.read(None), DeviceRead::default());
    let header = format!("vigil_device={}", c.value(ID));
    assert_eq!(c.read(Some(&header)), DeviceRead::default());
    assert_eq!(c.known(&header), None);
}

#[test]
fn known_reads_a_valid_cookie_and_issues_nothing() {
    let c = cookie(SECRET);
    let header = format!("a=1; vigil_device={}", c.value(ID));
    assert_eq!(c.known(&header), Some(ID));
    assert_eq!(c.known("vigil_device=v1.junk"), None);
    assert_eq!(c.known(""), None);
}

#[test]
fn set_cookie_attributes() {
    let mut c = cookie(SECRET);
    let value = c.value(ID);
    assert_eq!(
        c.set_cookie(ID),
        format!("vigil_device={value}; Path=/; Max-Age=63072000; HttpOnly; SameSite=Lax")
    );
    c.set_secure(true);
    c.set_name("__Host-dev").unwrap();
    c.set_max_age("30d").unwrap();
    assert_eq!(
        c.set_cookie(ID),
        format!("__Host-dev={value}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure")
    );
    assert!(c.validate().is_ok());
    c.set_secure(false);
    assert!(c.validate().is_err(), "__Host- needs Secure");
}

#[test]
fn keys_come_from_the_secret_then_the_token_then_the_process() {
    let mut c = DeviceCookie::default();
    let process = c.value(ID);
    assert_eq!(
        DeviceCookie::default().value(ID),
        process,
        "one key per process"
    );
    c.set_token(Some("app-token"));
    let token = c.value(ID);
    assert_ne!(token, process);
    c.set_secret(SECRET).unwrap();
    assert_eq!(c.value(ID), cookie(SECRET).value(ID));
    c.set_secret("").unwrap();
    assert_eq!(c.value(ID), token);
    c.set_token(None);
    assert_eq!(c.value(ID), process);
}

#[test]
fn settings_in_every_layer_and_their_errors() {
    let mut config = crate::Config::default();
    config
        .apply_toml("token = \"t\"\n[edge]\ndevice_cookie = \"dev\"\ndevice_cookie_secure = true\ndevice_cookie_max_age = 3600\n")
        .unwrap();
    let d = config.edge.device_cookie();
    assert_eq!((d.name(), d.secure, d.max_age_s), ("dev", true, 3600));
    let mut derived = DeviceCookie::default();
    derived.set_token(Some("t"));
    assert_eq!(d.value(ID), derived.value(ID), "the token's key");
    config
        .apply_env([("VIGIL_DEVICE_SECRET".into(), SECRET.into())])
        .unwrap();
    assert_eq!(
        config.edge.device_cookie().value(ID),
        cookie(SECRET).value(ID)
    );
    config.set("device_cookie_max_age", "12h").unwrap();
    assert_eq!(config.edge.device_cookie().max_age_s, 43_200);

    let mut e = Edge::default();
    for (key, value) in [
        ("device_cookie", "has space"),
        ("device_cookie", "a;b"),
        ("device_cookie", "é"),
        ("device_cookie_secure", "maybe"),
        ("device_cookie_max_age", "0"),
        ("device_cookie_max_age", "1500ms"),
        ("device_cookie_max_age", "forever"),
        ("device_cookie_max_age", "3651d"),
        ("device_secret", "short"),
    ] {
        let err = e.set(key, value).unwrap_err();
        assert!(err.to_string().contains(key), "{err}");
    }
    let err = e.set("device_secret", "tooshort").unwrap_err();
    assert!(
        !err.to_string().contains("tooshort"),
        "the secret leaked: {err}"
    );
    assert!(!format!("{:?}", cookie(SECRET)).contains(SECRET));
    assert!(e.set("device_cookie", "__Secure-d").unwrap());
    assert!(e.validate().is_err());
    assert!(e.set("device_cookie_secure", "on").unwrap());
    assert!(e.validate().is_ok());
}
