//! Geography of an IP address from MaxMind-format (`.mmdb`) databases: country, AS number and
//! location, read for the `new_country`, `impossible_travel` and `hosting_network` signals.
//!
//! Like [`NetworkLists`](crate::NetworkLists), this is the I/O the engine itself never does:
//! [`Geo::load`] reads the files once, then [`Geo::lookup`] is a pure in-memory search.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::EngineError;

/// The hosting/cloud AS numbers shipped with the crate (sources in its header).
pub const BUILTIN_HOSTING_ASNS: &str = include_str!("../data/hosting_asns.txt");

/// ISO 3166-1 alpha-2 code, upper case ASCII ("US").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(pub [u8; 2]);

impl Country {
    /// Two ASCII letters in either case; anything else is `None`. Codes are not checked
    /// against the ISO list: databases also use user-assigned ones such as `XK` (Kosovo).
    pub fn parse(s: &str) -> Option<Country> {
        match s.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    /// The code as text; `"??"` for bytes that are not ASCII letters (only a value built by
    /// hand through the public field can hold those).
    pub fn as_str(&self) -> &str {
        match std::str::from_utf8(&self.0) {
            Ok(s) if self.0.iter().all(u8::is_ascii_alphabetic) => s,
            _ => "??",
        }
    }

    /// The country's geographic centre (from the `keshvar` crate's data); `None` for codes it
    /// does not know (user-assigned or withdrawn ones such as `XK` or `AN`).
    pub fn centroid(&self) -> Option<LatLon> {
        let [a, b] = self.0;
        if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
            return None;
        }
        centroids()[usize::from(a - b'A') * 26 + usize::from(b - b'A')]
    }
}

/// Every centroid, indexed by the code's two letters: built once, so that the country-only
/// fallback of every lookup is an array read (keshvar's `Country` allocates on each build).
fn centroids() -> &'static [Option<LatLon>; 26 * 26] {
    static TABLE: OnceLock<[Option<LatLon>; 26 * 26]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|i| {
            let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
            let code = std::str::from_utf8(&code).ok()?;
            let geo = keshvar::Alpha2::try_from(code).ok()?.to_country().geo();
            Some(LatLon {
                lat: geo.latitude() as f32,
                lon: geo.longitude() as f32,
            })
        })
    })
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Country::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid country code {s:?} (expected e.g. \"US\")"))
        })
    }
}

/// A point on Earth, in degrees. `f32` is about a metre of precision: plenty for IP geography.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f32,
    pub lon: f32,
}

impl LatLon {
    /// Great-circle distance (haversine, on a sphere of the Earth's mean radius): within 0.5 %
    /// of the ellipsoidal distance, far finer than any IP location.
    pub fn distance_km(&self, other: &LatLon) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (
            f64::from(self.lat).to_radians(),
            f64::from(other.lat).to_radians(),
        );
        let dlat = lat2 - lat1;
        let dlon = (f64::from(other.lon) - f64::from(self.lon)).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }
}

/// What a database knows about an address. Every field is optional: a country-only database
/// gives just `country`; `location` falls back to the country's centroid (`precise` false).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Place {
    pub country: Option<Country>,
    /// The autonomous system announcing the address.
    pub asn: Option<u32>,
    pub location: Option<LatLon>,
    /// `location` came from a database (a City file), not from the country's centroid.
    pub precise: bool,
}

/// The `[engine.geo]` table: which databases [`Geo::load`] reads and the hosting ASNs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeoConfig {
    /// MaxMind-format files (GeoLite2-Country/City/ASN, DB-IP lite, ip-location-db ...), read
    /// in order; for each field the first database that knows it wins.
    pub databases: Vec<PathBuf>,
    /// Use the built-in list of hosting/cloud ASNs ([`BUILTIN_HOSTING_ASNS`]).
    pub builtin_hosting_asns: bool,
    /// More ASNs counted as hosting networks.
    pub hosting_asns: Vec<u32>,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            databases: Vec::new(),
            builtin_hosting_asns: true,
            hosting_asns: Vec::new(),
        }
    }
}

/// The fields Vigil reads, in every layout it knows; serde skips the rest of each record
/// (names, subdivisions ...) without decoding it, and strings are borrowed from the file.
#[derive(Deserialize)]
struct Record<'a> {
    /// GeoIP2/GeoLite2 Country and City, DB-IP.
    #[serde(borrow)]
    country: Option<IsoCode<'a>>,
    /// Where the network is registered: MaxMind gives only this for some anycast ranges.
    #[serde(borrow)]
    registered_country: Option<IsoCode<'a>>,
    location: Option<Location>,
    /// GeoLite2-ASN, DB-IP ASN, ip-location-db's ASN files.
    autonomous_system_number: Option<u32>,
    /// ip-location-db's country files.
    country_code: Option<&'a str>,
    /// ip-location-db's city files put the coordinates at the top level.
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

fn lat_lon(lat: Option<f64>, lon: Option<f64>) -> Option<LatLon> {
    Some(LatLon {
        lat: lat? as f32,
        lon: lon? as f32,
    })
}

/// The databases and the hosting ASNs. Immutable once built, so it is `Send + Sync` and one
/// instance can serve every thread.
pub struct Geo {
    readers: Vec<maxminddb::Reader<Vec<u8>>>,
    /// Sorted and deduplicated: a binary search per check.
    hosting: Vec<u32>,
}

impl fmt::Debug for Geo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Geo")
            .field("databases", &self.readers.len())
            .field("hosting_asns", &self.hosting.len())
            .finish()
    }
}

impl Geo {
    /// No databases (every lookup is `Place::default()`) and the built-in hosting list.
    pub fn none() -> Geo {
        Geo::with(Vec::new(), &GeoConfig::default())
    }

    /// Reads every database the configuration names, in order.
    pub fn load(cfg: &GeoConfig) -> Result<Geo, EngineError> {
        let readers = cfg
            .databases
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path).map_err(|e| EngineError::io(path, e))?;
                maxminddb::Reader::from_source(bytes).map_err(|e| EngineError::Geo {
                    path: path.clone(),
                    message: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Geo::with(readers, cfg))
    }

    fn with(readers: Vec<maxminddb::Reader<Vec<u8>>>, cfg: &GeoConfig) -> Geo {
        let mut hosting = cfg.hosting_asns.clone();
        if cfg.builtin_hosting_asns {
            hosting.extend(
                BUILTIN_HOSTING_ASNS
                    .lines()
                    .filter_map(|l| l.split('#').next()?.trim().parse::<u32>().ok()),
            );
        }
        hosting.sort_unstable();
        hosting.dedup();
        Geo { readers, hosting }
    }

    /// What the databases know about `ip`; nothing for addresses that are not on the public
    /// Internet (private, loopback, link-local ...), where databases hold no or wrong data.
    pub fn lookup(&self, ip: IpAddr) -> Place {
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as dual-stack sockets report IPv4
        // peers) is the IPv4 address: IPv4-only files cannot look up IPv6 at all.
        let ip = ip.to_canonical();
        let mut place = Place::default();
        if !is_public(ip) {
            return place;
        }
        for reader in &self.readers {
            // A failed lookup (IPv6 in an IPv4-only file, a corrupt record) is "unknown here":
            // the other databases may still know.
            let Ok(Some(r)) = reader.lookup(ip).and_then(|l| l.decode::<Record>()) else {
                continue;
            };
            let country = [r.country, r.registered_country]
                .into_iter()
                .flatten()
                .find_map(|c| c.iso_code)
                .or(r.country_code)
                .and_then(Country::parse);
            place.country = place.country.or(country);
            place.asn = place.asn.or(r.autonomous_system_number);
            // A location from a database that puts the address in another country than the
            // one already chosen would be a point outside that country: skip it.
            if place.location.is_none() && (country.is_none() || country == place.country) {
                place.location = r
                    .location
                    .and_then(|l| lat_lon(l.latitude, l.longitude))
                    .or_else(|| lat_lon(r.latitude, r.longitude));
            }
        }
        place.precise = place.location.is_some();
        if place.location.is_none() {
            place.location = place.country.and_then(|c| c.centroid());
        }
        place
    }

    /// Whether `asn` is a hosting or cloud network (built-in list and configured numbers).
    pub fn is_hosting(&self, asn: u32) -> bool {
        self.hosting.binary_search(&asn).is_ok()
    }

    /// How many databases were loaded.
    pub fn database_count(&self) -> usize {
        self.readers.len()
    }
}

/// Whether `ip` (canonical) is an address of the public Internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let [b0, b1, ..] = a.octets();
            // 100.64.0.0/10 is carrier-grade NAT space: behind it, any subscriber anywhere.
            let shared = b0 == 100 && (b1 & 0xc0) == 64;
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_broadcast()
                || a.is_multicast()
                || shared
                || b0 == 0)
        }
        IpAddr::V6(a) => {
            let s0 = a.segments()[0];
            let unique_local = (s0 & 0xfe00) == 0xfc00;
            let link_local = (s0 & 0xffc0) == 0xfe80;
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || unique_local
                || link_local)
        }
    }
}
