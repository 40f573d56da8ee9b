//! `Geo` against real MaxMind-format files: ip-location-db's country database (from npm, pinned)
//! and the ASN and City databases tests/geo/make_test_mmdb.py writes, all put under
//! target/geo/ by `make geo-db`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use vigil_engine::geo::BUILTIN_HOSTING_ASNS;
use vigil_engine::{Country, EngineError, Geo, GeoConfig, LatLon, Place};

const NPM_DIR: &str = "node_modules/@ip-location-db/geo-whois-asn-country-mmdb";

/// The file `var` names, else its place under target/geo/. A missing file fails the test:
/// skipping would let a broken `make geo-db` pass unnoticed.
fn db(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/geo")
            .join(default)
    });
    assert!(
        path.is_file(),
        "{} not found ({var}): run `make geo-db`",
        path.display()
    );
    path
}

fn country_db() -> PathBuf {
    db(
        "VIGIL_TEST_GEO_DB",
        &format!("{NPM_DIR}/geo-whois-asn-country.mmdb"),
    )
}

fn asn_db() -> PathBuf {
    db("VIGIL_TEST_ASN_DB", "test-asn.mmdb")
}

fn city_db() -> PathBuf {
    db("VIGIL_TEST_CITY_DB", "test-city.mmdb")
}

fn load(databases: Vec<PathBuf>) -> Geo {
    Geo::load(&GeoConfig {
        databases,
        ..GeoConfig::default()
    })
    .unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn country(geo: &Geo, addr: &str) -> Option<String> {
    geo.lookup(ip(addr)).country.map(|c| c.to_string())
}

fn cc(s: &str) -> Country {
    Country::parse(s).unwrap()
}

// Each address checked in the pinned database, and each its operator's home country.
const KNOWN: &[(&str, &str)] = &[
    ("8.8.8.8", "US"),              // Google Public DNS
    ("193.51.224.1", "FR"),         // RENATER, French research network
    ("212.27.48.10", "FR"),         // Free, French ISP
    ("133.11.0.1", "JP"),           // University of Tokyo
    ("202.12.27.33", "JP"),         // M root server, WIDE project
    ("2001:4860:4860::8888", "US"), // Google Public DNS
    ("2a01:e0c::1", "FR"),          // Free
    ("::ffff:8.8.8.8", "US"),       // IPv4-mapped, as a dual-stack socket reports it
];

#[test]
fn well_known_addresses_map_to_their_country() {
    let geo = load(vec![country_db()]);
    assert_eq!(geo.database_count(), 1);
    for (addr, want) in KNOWN {
        assert_eq!(country(&geo, addr).as_deref(), Some(*want), "{addr}");
    }
    // A country-only file: the location is the country's centroid, flagged as such.
    let p = geo.lookup(ip("193.51.224.1"));
    assert_eq!(p.location, cc("FR").centroid());
    assert!(!p.precise);
    assert_eq!(p.asn, None);
}

#[test]
fn ipv4_and_ipv6_only_files_together_answer_both() {
    // The package's two other files, beside the combined one.
    let both = country_db();
    let geo = load(vec![
        both.with_file_name("geo-whois-asn-country-ipv4.mmdb"),
        both.with_file_name("geo-whois-asn-country-ipv6.mmdb"),
    ]);
    for (addr, want) in KNOWN {
        assert_eq!(country(&geo, addr).as_deref(), Some(*want), "{addr}");
    }
}

#[test]
fn non_public_addresses_are_unknown() {
    // The pinned file itself places 192.168.0.0/16 in AU: databases are not to be trusted
    // outside the public Internet.
    let geo = load(vec![country_db(), asn_db()]);
    for addr in [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.1.1",
        "100.64.0.3",
        "0.0.0.0",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "::ffff:192.168.1.1",
    ] {
        assert_eq!(geo.lookup(ip(addr)), Place::default(), "{addr}");
    }
}

#[test]
fn no_databases_know_nothing() {
    let geo = Geo::none();
    assert_eq!(geo.database_count(), 0);
    assert_eq!(geo.lookup(ip("8.8.8.8")), Place::default());
}

#[test]
fn asn_database_gives_the_announcing_network() {
    let geo = load(vec![asn_db()]);
    let google = geo.lookup(ip("8.8.8.8"));
    assert_eq!(google.asn, Some(15169));
    assert_eq!((google.country, google.location), (None, None));
    assert_eq!(geo.lookup(ip("2001:4860:4860::8888")).asn, Some(15169));
    let aws = geo.lookup(ip("3.1.0.1")).asn.unwrap();
    assert_eq!(aws, 16509);
    assert!(geo.is_hosting(aws));
    let orange = geo.lookup(ip("90.1.2.3")).asn.unwrap();
    assert_eq!(orange, 3215);
    assert!(!geo.is_hosting(orange));
    assert_eq!(geo.lookup(ip("9.9.9.9")).asn, None);
}

#[test]
fn databases_merge_field_by_field() {
    for geo in [
        load(vec![country_db(), asn_db()]),
        load(vec![asn_db(), country_db()]),
    ] {
        let p = geo.lookup(ip("8.8.8.8"));
        assert_eq!((p.country, p.asn), (Some(cc("US")), Some(15169)));
        let p = geo.lookup(ip("2a01:e0c::1"));
        assert_eq!((p.country, p.asn), (Some(cc("FR")), Some(12322)));
    }
}

#[test]
fn city_database_gives_a_precise_location() {
    let geo = load(vec![city_db(), country_db(), asn_db()]);
    let p = geo.lookup(ip("193.51.224.1"));
    assert_eq!(p.country, Some(cc("FR")));
    assert_eq!(
        p.location,
        Some(LatLon {
            lat: 48.8566,
            lon: 2.3522
        })
    );
    assert!(p.precise);
    let p = geo.lookup(ip("8.8.8.8"));
    assert_eq!(
        (p.country, p.asn, p.precise),
        (Some(cc("US")), Some(15169), true)
    );
    // Anycast: no `country`, so the registrant's country; no location, so its centroid.
    let p = geo.lookup(ip("9.9.9.9"));
    assert_eq!(p.country, Some(cc("CH")));
    assert_eq!((p.location, p.precise), (cc("CH").centroid(), false));
}

#[test]
fn a_location_in_another_country_than_the_chosen_one_is_not_used() {
    // The pinned country file puts WIDE's 2001:200::/28 in AU; the City file says Tokyo, JP.
    let city_first = load(vec![city_db(), country_db()]).lookup(ip("2001:200::1"));
    assert_eq!(city_first.country, Some(cc("JP")));
    assert!(city_first.precise);
    let country_first = load(vec![country_db(), city_db()]).lookup(ip("2001:200::1"));
    assert_eq!(country_first.country, Some(cc("AU")));
    assert_eq!(country_first.location, cc("AU").centroid());
    assert!(!country_first.precise);
}

#[test]
fn missing_file_is_an_io_error() {
    let err = Geo::load(&GeoConfig {
        databases: vec!["/nonexistent/GeoLite2-City.mmdb".into()],
        ..GeoConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EngineError::Io { .. }), "{err}");
}

#[test]
fn a_file_that_is_not_a_database_is_a_geo_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("GeoLite2-Country.mmdb");
    std::fs::write(&path, "<html>404 Not Found</html>\n").unwrap();
    let err = Geo::load(&GeoConfig {
        databases: vec![country_db(), path.clone()],
        ..GeoConfig::default()
    })
    .unwrap_err();
    match &err {
        EngineError::Geo { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected EngineError::Geo, got {other:?}"),
    }
    assert!(err.to_string().contains("GeoLite2-Country.mmdb"), "{err}");
}

#[test]
fn centroids_lie_inside_their_country() {
    let fr = cc("FR").centroid().unwrap();
    assert!(
        (42.0..51.1).contains(&fr.lat) && (-4.8..8.2).contains(&fr.lon),
        "{fr:?}"
    );
    let us = cc("US").centroid().unwrap();
    assert!(
        (24.5..49.4).contains(&us.lat) && (-125.0..-66.9).contains(&us.lon),
        "{us:?}"
    );
    assert_eq!(cc("XK").centroid(), None); // user-assigned (Kosovo): not in ISO 3166
}

#[test]
fn distances_are_great_circle_km() {
    let paris = LatLon {
        lat: 48.8566,
        lon: 2.3522,
    };
    let new_york = LatLon {
        lat: 40.7128,
        lon: -74.0060,
    };
    let d = paris.distance_km(&new_york);
    assert!((d - 5837.0).abs() < 50.0, "{d}");
    assert_eq!(d, new_york.distance_km(&paris));
    assert_eq!(paris.distance_km(&paris), 0.0);
    let antipode = LatLon {
        lat: -48.8566,
        lon: -177.6478,
    };
    assert!((paris.distance_km(&antipode) - 20_015.1).abs() < 1.0);
}

#[test]
fn country_codes_parse_print_and_serialize_as_two_letters() {
    assert_eq!(Country::parse("fr"), Some(Country(*b"FR")));
    assert_eq!(cc("US").as_str(), "US");
    assert_eq!(format!("{}", cc("GB")), "GB");
    for bad in ["", "F", "FRA", "F1", "É"] {
        assert_eq!(Country::parse(bad), None, "{bad:?}");
    }
    assert_eq!(serde_json::to_string(&cc("JP")).unwrap(), r#""JP""#);
    assert_eq!(
        serde_json::from_str::<Country>(r#""de""#).unwrap(),
        cc("DE")
    );
    assert!(serde_json::from_str::<Country>(r#""DEU""#).is_err());
}

#[test]
fn hosting_list() {
    let geo = Geo::none();
    assert!(geo.is_hosting(16509)); // Amazon
    assert!(geo.is_hosting(14061)); // DigitalOcean
    assert!(!geo.is_hosting(3215)); // Orange, an access ISP
                                    // Every line of the data file is a comment or a number, so none is silently dropped.
    for line in BUILTIN_HOSTING_ASNS.lines() {
        let entry = line.split('#').next().unwrap().trim();
        assert!(entry.is_empty() || entry.parse::<u32>().is_ok(), "{line:?}");
    }
    let own = Geo::load(&GeoConfig {
        databases: vec![],
        builtin_hosting_asns: false,
        hosting_asns: vec![64500],
    })
    .unwrap();
    assert!(own.is_hosting(64500));
    assert!(!own.is_hosting(16509));
}

#[test]
fn config_is_the_engine_geo_table() {
    #[derive(serde::Deserialize)]
    struct File {
        geo: GeoConfig,
    }
    let f: File = toml::from_str(
        "[geo]\ndatabases = [\"/var/lib/vigil/GeoLite2-City.mmdb\"]\nhosting_asns = [64500]\n",
    )
    .unwrap();
    assert_eq!(f.geo.databases.len(), 1);
    assert!(f.geo.builtin_hosting_asns);
    assert_eq!(f.geo.hosting_asns, [64500]);
    assert!(toml::from_str::<File>("[geo]\ndatabase = []\n").is_err());
}

#[test]
fn geo_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Geo>();
}
