//! The generator's geography: cities people live in, where attackers sit, and hosting
//! networks. Every generated login carries its place (country, city location, ASN) so a
//! replay never needs a geography database or a country's centroid.

use std::net::IpAddr;

use crate::geo::{Country, LatLon};

/// Where an address is, as the trace records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spot {
    pub country: Country,
    pub lat: f32,
    pub lon: f32,
    pub asn: u32,
}

impl Spot {
    pub fn km_to(&self, other: &Spot) -> f64 {
        let here = LatLon {
            lat: self.lat,
            lon: self.lon,
        };
        here.distance_km(&LatLon {
            lat: other.lat,
            lon: other.lon,
        })
    }

    /// The same city on another network (a café, a hotel, a friend's flat).
    pub fn via(self, asn: u32) -> Spot {
        Spot { asn, ..self }
    }
}

/// An address and where it is: what one login is seen coming from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Access {
    pub ip: IpAddr,
    pub spot: Spot,
}

const fn spot(cc: &[u8; 2], lat: f32, lon: f32, asn: u32) -> Spot {
    Spot {
        country: Country(*cc),
        lat,
        lon,
        asn,
    }
}

/// Cities benign users live in, each with a residential ISP's ASN, and a weight (the
/// application's market: mostly Western Europe and North America).
pub(super) const HOMES: [(Spot, u32); 24] = [
    (spot(b"FR", 48.86, 2.35, 3215), 12),    // Paris, Orange
    (spot(b"FR", 45.76, 4.84, 12322), 4),    // Lyon, Free
    (spot(b"FR", 43.30, 5.37, 3215), 4),     // Marseille
    (spot(b"FR", 43.60, 1.44, 5410), 3),     // Toulouse, Bouygues
    (spot(b"DE", 52.52, 13.40, 3320), 6),    // Berlin, Deutsche Telekom
    (spot(b"DE", 48.14, 11.58, 3209), 4),    // Munich, Vodafone
    (spot(b"DE", 53.55, 9.99, 3320), 3),     // Hamburg
    (spot(b"GB", 51.51, -0.13, 2856), 8),    // London, BT
    (spot(b"GB", 53.48, -2.24, 5089), 4),    // Manchester, Virgin Media
    (spot(b"ES", 40.42, -3.70, 3352), 3),    // Madrid, Telefonica
    (spot(b"ES", 41.39, 2.17, 12479), 2),    // Barcelona, Orange Spain
    (spot(b"IT", 41.90, 12.50, 3269), 2),    // Rome, TIM
    (spot(b"IT", 45.46, 9.19, 30722), 2),    // Milan, Vodafone Italia
    (spot(b"NL", 52.37, 4.90, 1136), 3),     // Amsterdam, KPN
    (spot(b"US", 40.71, -74.01, 701), 6),    // New York, Verizon
    (spot(b"US", 41.88, -87.63, 7922), 4),   // Chicago, Comcast
    (spot(b"US", 34.05, -118.24, 20001), 4), // Los Angeles, Charter
    (spot(b"US", 47.61, -122.33, 7922), 2),  // Seattle, Comcast
    (spot(b"CA", 43.65, -79.38, 812), 3),    // Toronto, Rogers
    (spot(b"CA", 49.28, -123.12, 852), 1),   // Vancouver, Telus
    (spot(b"AU", -33.87, 151.21, 1221), 2),  // Sydney, Telstra
    (spot(b"AU", -31.95, 115.86, 1221), 1),  // Perth
    (spot(b"BR", -23.55, -46.63, 28573), 1), // Sao Paulo, Claro
    (spot(b"JP", 35.68, 139.69, 2516), 1),   // Tokyo, KDDI
];

/// Where travellers fly to (hotel and airport networks of the city).
pub(super) const DESTINATIONS: [Spot; 10] = [
    spot(b"US", 40.71, -74.01, 701),
    spot(b"GB", 51.51, -0.13, 2856),
    spot(b"FR", 48.86, 2.35, 3215),
    spot(b"ES", 41.39, 2.17, 12479),
    spot(b"IT", 41.90, 12.50, 3269),
    spot(b"JP", 35.68, 139.69, 2516),
    spot(b"AE", 25.20, 55.27, 5384),  // Dubai, Etisalat
    spot(b"TH", 13.76, 100.50, 7470), // Bangkok, True Internet
    spot(b"PT", 38.72, -9.14, 3243),  // Lisbon, MEO
    spot(b"MX", 19.43, -99.13, 8151), // Mexico City, Telmex
];

/// Residential networks attackers log in from (their own, or a proxy's), in countries none of
/// the generated users lives in.
pub(super) const ATTACKER_HOMES: [Spot; 7] = [
    spot(b"RU", 55.76, 37.62, 12389), // Moscow, Rostelecom
    spot(b"NG", 6.52, 3.38, 29465),   // Lagos, MTN
    spot(b"VN", 21.03, 105.85, 7552), // Hanoi, Viettel
    spot(b"ID", -6.21, 106.85, 7713), // Jakarta, Telkom
    spot(b"RO", 44.43, 26.10, 8708),  // Bucharest, RCS&RDS
    spot(b"UA", 50.45, 30.52, 15895), // Kyiv, Kyivstar
    spot(b"CN", 31.23, 121.47, 4812), // Shanghai, China Telecom
];

/// Hosting, cloud and VPN networks (numbers on the geo branch's built-in hosting list): VPN
/// exits for benign users, rented servers for attackers.
pub(super) const HOSTING: [Spot; 17] = [
    spot(b"US", 39.04, -77.49, 16509),  // AWS, Ashburn
    spot(b"US", 45.84, -119.70, 16509), // AWS, Oregon
    spot(b"DE", 50.11, 8.68, 16509),    // AWS, Frankfurt
    spot(b"AU", -33.87, 151.21, 16509), // AWS, Sydney
    spot(b"JP", 35.68, 139.69, 16509),  // AWS, Tokyo
    spot(b"BR", -23.55, -46.63, 16509), // AWS, Sao Paulo
    spot(b"CA", 43.65, -79.38, 14061),  // DigitalOcean, Toronto
    spot(b"NL", 52.37, 4.90, 14061),    // DigitalOcean, Amsterdam
    spot(b"US", 40.71, -74.01, 14061),  // DigitalOcean, New York
    spot(b"FR", 50.69, 3.18, 16276),    // OVHcloud, Roubaix
    spot(b"DE", 50.48, 12.37, 24940),   // Hetzner, Falkenstein
    spot(b"FR", 48.86, 2.35, 9009),     // M247 (VPN exits), Paris
    spot(b"GB", 51.51, -0.13, 9009),    // M247, London
    spot(b"US", 41.88, -87.63, 9009),   // M247, Chicago
    spot(b"US", 34.05, -118.24, 9009),  // M247, Los Angeles
    spot(b"ES", 40.42, -3.70, 9009),    // M247, Madrid
    spot(b"IT", 45.46, 9.19, 9009),     // M247, Milan
];

/// The hosting ASNs above, for an engine whose geography does not know them yet.
pub const HOSTING_ASNS: [u32; 5] = [16509, 14061, 16276, 24940, 9009];

/// A French mobile carrier's subscribers live all over the country, but its CGNAT addresses
/// geolocate to the gateway cities (Paris, Lyon), hundreds of km from most of them.
pub(super) const CARRIER_ASN: u32 = 51207; // Free Mobile
pub(super) const CARRIER_GATEWAYS: [Spot; 2] = [
    spot(b"FR", 48.86, 2.35, CARRIER_ASN),
    spot(b"FR", 45.76, 4.84, CARRIER_ASN),
];
pub(super) const CARRIER_HOMES: [(Spot, u32); 9] = [
    (spot(b"FR", 48.86, 2.35, 3215), 10),  // Paris
    (spot(b"FR", 45.76, 4.84, 12322), 4),  // Lyon
    (spot(b"FR", 43.30, 5.37, 3215), 4),   // Marseille
    (spot(b"FR", 43.60, 1.44, 5410), 3),   // Toulouse
    (spot(b"FR", 50.63, 3.06, 3215), 3),   // Lille
    (spot(b"FR", 44.84, -0.58, 12322), 3), // Bordeaux
    (spot(b"FR", 47.22, -1.55, 5410), 3),  // Nantes
    (spot(b"FR", 43.70, 7.27, 3215), 2),   // Nice
    (spot(b"FR", 48.57, 7.75, 12322), 2),  // Strasbourg
];

/// The corporate office: 300 employees behind one NAT address in La Defense, living around
/// Paris.
pub(super) const OFFICE: Spot = spot(b"FR", 48.89, 2.24, 3215);
pub const OFFICE_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(14, 0, 0, 1));

/// Picks from a weighted table.
pub(super) fn weighted<T: Copy>(rng: &mut impl rand::Rng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for &(item, w) in table {
        if x < w {
            return item;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// The index in `HOSTING` of the spot nearest to `home` (a VPN app's default "fastest
/// server").
pub(super) fn nearest_hosting(home: &Spot) -> usize {
    (0..HOSTING.len())
        .min_by(|&a, &b| HOSTING[a].km_to(home).total_cmp(&HOSTING[b].km_to(home)))
        .expect("not empty")
}
