"""Writes two small MaxMind-format databases for vigil-engine's geo tests (engine/tests/geo.rs).

No ASN or City database is on a package registry we can use (MaxMind's need an account key;
the npm ip-location-db package `make geo-db` installs is country-only), so these are written
here with mmdb-writer, in the record layouts of the real files:

* test-asn.mmdb: GeoLite2-ASN / DB-IP ASN (`autonomous_system_number`, `..._organization`),
  with a few real announcements (prefix, origin AS and holder as publicly registered).
* test-city.mmdb: GeoIP2/GeoLite2-City (`country`, `registered_country`, `location`), with the
  coordinates of each city named; one anycast range has only `registered_country`.

Usage: make_test_mmdb.py OUT_DIR
"""

import sys
from pathlib import Path

from mmdb_writer import MmdbF64, MmdbU16, MmdbU32, MMDBWriter
from netaddr import IPSet

ASN = [
    # (networks, AS number, organization)
    (["8.8.8.0/24", "2001:4860::/32"], 15169, "GOOGLE"),
    (["1.1.1.0/24"], 13335, "CLOUDFLARENET"),
    (["3.0.0.0/15"], 16509, "AMAZON-02"),
    (["212.27.32.0/19", "2a01:e00::/26"], 12322, "Free SAS"),
    (["90.0.0.0/9"], 3215, "Orange S.A."),
]

CITY = [
    # (networks, country, registered country, (latitude, longitude) or None, city)
    (["193.51.224.0/19"], "FR", "FR", (48.8566, 2.3522), "Paris"),
    (["8.8.8.0/24"], "US", "US", (37.4056, -122.0775), "Mountain View"),
    (["2001:200::/32"], "JP", "JP", (35.6895, 139.6917), "Tokyo"),
    # Anycast: MaxMind leaves `country` out and keeps the registrant's country.
    (["9.9.9.0/24"], None, "CH", None, None),
]


def asn_record(asn, org):
    # uint32, as in GeoLite2-ASN (mmdb-writer would pick the smallest type that fits).
    return {"autonomous_system_number": MmdbU32(asn), "autonomous_system_organization": org}


def country(code):
    return {"iso_code": code, "names": {"en": code}}


def city_record(cc, registered, location, city):
    record = {"registered_country": country(registered)}
    if cc:
        record["country"] = country(cc)
    if location:
        lat, lon = location
        record["location"] = {
            "latitude": MmdbF64(lat),
            "longitude": MmdbF64(lon),
            "accuracy_radius": MmdbU16(20),
        }
    if city:
        record["city"] = {"names": {"en": city}}
    return record


def write(path, database_type, entries):
    # IPv6 tree with IPv4 under ::/96, as MaxMind's own files are laid out.
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description="Vigil test database (tests/geo/make_test_mmdb.py)",
    )
    for networks, record in entries:
        writer.insert_network(IPSet(networks), record)
    writer.to_db_file(str(path))


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    write(
        out / "test-asn.mmdb",
        "GeoLite2-ASN",
        [(nets, asn_record(asn, org)) for nets, asn, org in ASN],
    )
    write(
        out / "test-city.mmdb",
        "GeoIP2-City",
        [(nets, city_record(cc, reg, loc, city)) for nets, cc, reg, loc, city in CITY],
    )


if __name__ == "__main__":
    main()
