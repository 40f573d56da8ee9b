//! PLACEHOLDER replaced by the geo branch: minimal types so the engine compiles meanwhile.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(pub [u8; 2]);

impl Country {
    pub fn parse(s: &str) -> Option<Country> {
        let b = s.as_bytes();
        (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
            .then(|| Country([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
    pub fn centroid(&self) -> Option<LatLon> {
        None
    }
}

impl std::fmt::Display for Country {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).ok_or_else(|| serde::de::Error::custom("not a country code"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f32,
    pub lon: f32,
}

impl LatLon {
    pub fn distance_km(&self, other: &LatLon) -> f64 {
        let (la1, lo1) = (
            f64::from(self.lat).to_radians(),
            f64::from(self.lon).to_radians(),
        );
        let (la2, lo2) = (
            f64::from(other.lat).to_radians(),
            f64::from(other.lon).to_radians(),
        );
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
        2.0 * 6371.0 * h.sqrt().asin()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Place {
    pub country: Option<Country>,
    pub asn: Option<u32>,
    pub location: Option<LatLon>,
    pub precise: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeoConfig {
    pub databases: Vec<PathBuf>,
    pub builtin_hosting_asns: bool,
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

#[derive(Default)]
pub struct Geo {
    hosting: Vec<u32>,
}

impl Geo {
    pub fn none() -> Geo {
        Geo::default()
    }
    pub fn load(cfg: &GeoConfig) -> Result<Geo, crate::EngineError> {
        Ok(Geo {
            hosting: cfg.hosting_asns.clone(),
        })
    }
    pub fn lookup(&self, _ip: IpAddr) -> Place {
        Place::default()
    }
    pub fn is_hosting(&self, asn: u32) -> bool {
        self.hosting.contains(&asn)
    }
    pub fn database_count(&self) -> usize {
        0
    }
}
