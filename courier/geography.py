"""Where a citizen lives: an address as people write it → a 2025 commune and a road distance.

Why this module exists: since 1 July 2025 there are no districts (DOMAIN.md), so transit zones
are defined by distance from the center and by lists of communes; yet citizens still write the
old form ("X. Mường Xén, H. Kỳ Sơn, T. Nghệ An"), often without diacritics. We read both forms
offline with ``vietnamadminunits`` (MIT; its data carries the 2025 units and, for the old ones,
the mapping to the new), and we never guess: an address we cannot place in the center's province
raises a ``GeographyError`` naming the part we could not read.

Exceptions (the HTTP layer maps every one of them to 422)::

    GeographyError (ValueError)
    ├── AddressNotFound     no province, or no commune of the province, could be read
    ├── OutsideProvince     the address is in another province
    ├── UnknownCommune      a commune code that does not exist
    └── GeocoderFailed      the optional online geocoder failed or answered nothing usable

Offline only, with one exception: ``place_address(..., geocoder=...)`` may ask an online
geocoder (e.g. geopy's Nominatim) that the *caller* built and passes in, when its configuration
switches that on. We never call the library's own ``convert_address``: for a ward split between
several new units it geocodes the street on ArcGIS over the network; we do the conversion from
the library's data ourselves. Pure-ish: no Flask, no database, no environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from geopy.distance import geodesic
from vietnamadminunits.converter import converter_2025 as _conv
from vietnamadminunits.parser import parse_address_from_2025, parse_address_legacy
from vietnamadminunits.parser import parser_from_2025 as _new
from vietnamadminunits.parser import parser_legacy as _old
from vietnamadminunits.parser.utils import key_normalize, unicode_normalize

# Straight line × ROAD_FACTOR ≈ road distance. Circuity factors measured for road networks are
# mostly 1.2–1.4 (Ballou, Rahardja & Sakai, "Selected country circuity factors for road travel
# distance estimation", Transportation Research A 36, 2002). 1.3 puts Mường Xén at ~240 km from
# Vinh, matching the 200–250+ km by road of DOMAIN.md. Unconfirmed locally: configurable.
ROAD_FACTOR = 1.3

Form = Literal["2025", "legacy", "code", "geocoder"]


@dataclass(frozen=True)
class Center:
    """The office dossiers travel to and from; coordinates are the building, not the ward."""

    name: str
    address: str
    lat: float
    lon: float
    commune_code: str
    province_code: str


# 16 Trường Thi, formerly ward Trường Thi of Vinh, since 1/7/2025 ward Trường Vinh (code 16690).
# The library's point for the whole ward Trường Vinh (18.6798, 105.740) is the centroid of
# 34 km², ~5 km east of the building; its point for the former ward Trường Thi (18.6693,
# 105.6935) is ~0.5 km from the coordinates below, which we keep (DOMAIN.md, brief).
NGHE_AN_CENTER = Center(
    name="Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    address="16 Trường Thi, phường Trường Vinh, tỉnh Nghệ An",
    lat=18.6733,
    lon=105.6923,
    commune_code="16690",
    province_code="40",
)


class GeographyError(ValueError):
    """Root of this module's errors; ``part`` says which part of the input was at fault."""

    part: str = "address"

    def __init__(self, message: str, *, part: str | None = None, text: str = "") -> None:
        super().__init__(message)
        if part is not None:
            self.part = part
        self.text = text


class AddressNotFound(GeographyError):
    pass


class OutsideProvince(GeographyError):
    part = "province"

    def __init__(self, message: str, *, province: str, commune: Commune | None = None) -> None:
        super().__init__(message, part="province", text=province)
        self.province = province
        self.commune = commune


class UnknownCommune(GeographyError):
    part = "commune_code"


class GeocoderFailed(GeographyError):
    pass


@dataclass(frozen=True)
class Commune:
    """A 2025 commune-level unit (xã, phường, đặc khu); code is the GSO code."""

    code: str
    name: str  # "Xã Mường Xén"
    short_name: str  # "Mường Xén"
    kind: str  # "Xã" | "Phường" | "Đặc khu"
    province: str  # "Tỉnh Nghệ An"
    province_code: str
    lat: float
    lon: float

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class Place:
    """Where an address lies, how we know it, and how far it is by road from the center.

    ``lat``/``lon`` is the point measured from: the former ward's point when the address named
    one (finer than the new commune's centroid), the geocoder's point, else the commune's.
    """

    commune: Commune
    form: Form
    lat: float
    lon: float
    straight_km: float
    distance_km: float
    road_factor: float
    former_unit: str | None = None  # "Thị trấn Mường Xén, Huyện Kỳ Sơn" for old-form input
    approximate: bool = False  # a former ward split between new units: its default successor


# ---- the library's data, indexed once -------------------------------------------------------


# The library's three indexes of 2025 units (plain keys, accented keys, short accented keys).
_WARD_TABLES = (
    _new.DICT_PROVINCE_WARD_NO_ACCENTED,
    _new.DICT_PROVINCE_WARD_ACCENTED,
    _new.DICT_PROVINCE_WARD_SHORT_ACCENTED,
)


@lru_cache(maxsize=1)
def _communes() -> dict[str, Commune]:
    """Every 2025 unit by code, from the parser data the library has already loaded."""
    out: dict[str, Commune] = {}
    for table in _WARD_TABLES:
        for pkey, wards in table.items():
            prov = _new.DICT_PROVINCE[pkey]
            for w in wards.values():
                out.setdefault(
                    w["wardCode"],
                    Commune(
                        code=w["wardCode"],
                        name=w["ward"],
                        short_name=w["wardShort"],
                        kind=w["wardType"],
                        province=prov["province"],
                        province_code=prov["provinceCode"],
                        lat=float(w["wardLat"]),
                        lon=float(w["wardLon"]),
                    ),
                )
    return out


@lru_cache(maxsize=1)
def _province_keys() -> dict[str, str]:
    """2025 province code → the library's province key ("40" → "tinhnghean")."""
    return {v["provinceCode"]: k for k, v in _new.DICT_PROVINCE.items()}


@lru_cache(maxsize=1)
def _old_to_new() -> dict[str, tuple[str, bool]]:
    """'oldprovince_olddistrict_oldward' → (new ward key, whether the old ward was split)."""
    out: dict[str, tuple[str, bool]] = {}
    for wards in _conv.DICT_PROVINCE_WARD_NO_DIVIDED.values():
        for new_key, olds in wards.items():
            for old in olds:
                out[old] = (new_key, False)
    for divided in _conv.DICT_PROVINCE_WARD_DIVIDED.values():
        for old, successors in divided.items():
            default = next((s["newWardKey"] for s in successors if s["isDefaultNewWard"]), None)
            if default:
                out[old] = (default, True)
    return out


@lru_cache(maxsize=1)
def _new_province_of_old() -> dict[str, str]:
    return {old: new for new, olds in _conv.DICT_PROVINCE.items() for old in olds}


@lru_cache(maxsize=64)
def _district_keywords(old_province_key: str) -> frozenset[str]:
    """Every way the library knows to write a former district of a province."""
    words: set[str] = set()
    for d in _old.DICT_PROVINCE_DISTRICT.get(old_province_key, {}).values():
        words.update(d["districtKeywords"])
    for d in _old.DICT_PROVINCE_DISTRICT_DIVIDED.get(old_province_key, {}).values():
        words.update(d["dividedDistrictKeywords"])
    return frozenset(words)


def _new_ward(province_key: str, ward_key: str) -> Commune | None:
    for table in _WARD_TABLES:
        ward = table.get(province_key, {}).get(ward_key)
        if ward:
            return _communes().get(ward["wardCode"])
    return None


def lookup_commune(code: str | int) -> Commune:
    """A 2025 commune by its GSO code ("16813" or 16813)."""
    key = str(code).strip().zfill(5)
    try:
        return _communes()[key]
    except KeyError:
        raise UnknownCommune(f"no commune has the code {code!r}", text=str(code)) from None


def list_communes(province: str = NGHE_AN_CENTER.province_code) -> list[Commune]:
    """The 2025 communes of a province given by code ("40") or name ("Nghệ An", "nghe an")."""
    wanted = _province_code(province)
    return sorted((c for c in _communes().values() if c.province_code == wanted), key=_by_code)


def _by_code(c: Commune) -> str:
    return c.code


def _province_code(province: str) -> str:
    text = province.strip()
    if text in _province_keys():
        return text
    key = key_normalize(unicode_normalize(text))
    for prov in _new.DICT_PROVINCE.values():
        if key in prov["provinceKeywords"]:
            return prov["provinceCode"]
    raise AddressNotFound(f"no province is called {province!r}", part="province", text=province)


# ---- reading an address ---------------------------------------------------------------------

# Abbreviations written at the start of an address part, expanded before parsing so that the
# library matches full keywords ("xamuongxen") rather than fragments. Usage on envelopes and
# forms; single letters only with a dot, so a house number "P 5" is left alone.
ABBREVIATIONS: dict[str, str] = {
    "tp": "Thành phố", "tx": "Thị xã", "tt": "Thị trấn", "h": "Huyện", "q": "Quận",
    "p": "Phường", "x": "Xã", "t": "Tỉnh",
}  # fmt: skip
_ABBREV = re.compile(r"^(tp|tx|tt)(?:\.\s*|\s+)(?=\w)|^(h|q|p|x|t)\.\s*(?=\w)", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+-\s+|[;\n|]")


def normalize_address(address: str) -> str:
    """NFC, one kind of separator (commas), abbreviations spelt out."""
    text = _SEPARATORS.sub(",", unicode_normalize(address) or "")
    parts = [p.strip() for p in text.split(",")]
    out = []
    for part in parts:
        if not part:
            continue
        m = _ABBREV.match(part)
        if m:
            word = ABBREVIATIONS[(m.group(1) or m.group(2)).lower()]
            part = f"{word} {part[m.end() :]}"
        out.append(part)
    return ", ".join(out)


@dataclass(frozen=True)
class _Reading:
    province_key: str | None  # 2025 key
    commune: Commune | None
    form: Form
    lat: float | None = None
    lon: float | None = None
    former_unit: str | None = None
    approximate: bool = False
    district_only: str | None = None  # old district read, but no ward in it
    problem: str | None = None  # why a commune that was read is not trusted


@lru_cache(maxsize=4096)
def _read_2025(text: str) -> _Reading | None:
    new = parse_address_from_2025(text, keep_street=False, level=2)
    if not new.province_key:
        return None
    commune = _communes().get(new.ward_code) if new.ward_code else None
    return _Reading(new.province_key, commune, "2025")


@lru_cache(maxsize=4096)
def _read_legacy(text: str) -> _Reading | None:
    """The old (district) form, converted to the 2025 unit with the library's mapping."""
    old = parse_address_legacy(text, keep_street=False, level=3)
    if not old.province_key:
        return None
    pkey = _new_province_of_old().get(old.province_key)
    commune, approx = None, False
    hit = _old_to_new().get(f"{old.province_key}_{old.district_key}_{old.ward_key}")
    if old.ward_key and hit and pkey:
        commune, approx = _new_ward(pkey, hit[0]), hit[1]
    if commune is None:
        problem = _accent_ambiguity(text, old.province_key, old.district_key, old.district)
        return _Reading(pkey, None, "legacy", district_only=old.district, problem=problem)
    former = f"{old.ward}, {old.district}"
    return _Reading(pkey, commune, "legacy", old.latitude, old.longitude, former, approx)


def _accent_ambiguity(
    text: str, old_province: str, old_district: str | None, district: str | None
) -> str | None:
    """Former communes of one district told apart only by diacritics ("Nậm Cắn", "Nậm Càn"),
    written without them and now in different 2025 communes: we do not pick one."""
    wards = _old.DICT_PROVINCE_DISTRICT_WARD_ACCENTED.get(old_province, {}).get(old_district, {})
    key = key_normalize(text)
    found = {}
    for ward_key, ward in wards.items():
        if any(key_normalize(kw) in key for kw in ward["wardKeywords"]):
            hit = _old_to_new().get(f"{old_province}_{old_district}_{ward_key}")
            found[ward["ward"]] = hit[0] if hit else None
    if len(set(found.values())) < 2:
        return None
    return (
        f"without diacritics the commune could be {' or '.join(sorted(found))} (former "
        f"communes of {district}, now in different communes); write it with diacritics"
    )


def _district_parts(text: str) -> list[str]:
    """Parts of the address that are exactly a former district's name ("H. Kỳ Sơn", "Vinh")."""
    old = _read_legacy(text)
    if old is None:
        return []
    old_pkeys = _conv.DICT_PROVINCE.get(old.province_key or "", [])
    words = frozenset().union(*(_district_keywords(k) for k in old_pkeys))
    province = set(_new.DICT_PROVINCE.get(old.province_key or "", {}).get("provinceKeywords", []))
    return [p for p in text.split(",") if key_normalize(p) in words - province]


def _province_written(text: str) -> bool:
    key = key_normalize(text)
    return bool(_new.PATTERN_PROVINCE.search(key) or _old.PATTERN_PROVINCE.search(key))


def _choose(text: str) -> _Reading | None:
    """One reading of the address, or a reading without commune when none can be trusted.

    Both forms are read. They can disagree: "123 Lê Lợi, Phường Trường Vinh" reads as the
    former ward Lê Lợi if taken as an old address (a street named like a former ward), and
    "Xã Tiền Phong, Quế Phong" reads as the 2025 commune Quế Phong if taken as a new one (a
    former district named like a new commune). A part that is exactly a former district's name
    settles it for the old form; otherwise the 2025 form, official since 1 July 2025, wins.
    A 2025 commune read only from a former district's name ("Diễn Châu, Nghệ An") is not
    trusted: the writer may mean the district, and we do not guess.
    """
    new, old = _read_2025(text), _read_legacy(text)
    districts = _district_parts(text)
    if districts and old and old.problem:
        return old
    if new and new.commune and districts:
        rest = ",".join(p for p in text.split(",") if p not in districts)
        again = _read_2025(rest) if key_normalize(rest) else None
        if not (again and again.commune and again.commune.code == new.commune.code):
            name = districts[-1].strip()
            problem = (
                f"{name!r} names a former district as well as the 2025 {new.commune.name}; "
                "write the commune with its kind (Xã …, Phường …) or the former commune"
            )
            new = replace(new, commune=None, problem=problem)
            if not (old and old.commune):
                return new
    if new and new.commune and old and old.commune:
        if new.commune.code == old.commune.code:
            return old  # the same place; the former ward's point is the finer one
        return old if districts else new
    for reading in (new, old):
        if reading and reading.commune:
            return reading
    if old and old.district_only and (new is None or new.province_key == old.province_key):
        return old  # keeps the former district for the error message
    return new or old


def place_address(
    address: str,
    center: Center = NGHE_AN_CENTER,
    *,
    road_factor: float = ROAD_FACTOR,
    allow_other_provinces: bool = False,
    geocoder: Any = None,
) -> Place:
    """An address in any common form → the 2025 commune and the road distance from the center.

    ``geocoder``: an optional geopy geocoder (e.g. ``Nominatim(user_agent=...)``) the caller
    passes only when configuration enables it; asked only when the offline reading failed.
    ``allow_other_provinces``: place addresses outside the center's province instead of
    raising ``OutsideProvince`` (for the "another province" transit zone).
    """
    text = normalize_address(address or "")
    if not key_normalize(text):
        raise AddressNotFound("the address is empty", text=address or "")
    try:
        reading = _settle(text, center, allow_other_provinces)
    except AddressNotFound:
        if geocoder is None:
            raise
        return _place_online(text, geocoder, center, road_factor, allow_other_provinces)
    assert reading.commune is not None
    lat = reading.lat if reading.lat is not None else reading.commune.lat
    lon = reading.lon if reading.lon is not None else reading.commune.lon
    return _place(reading.commune, center, road_factor, reading.form, lat, lon, reading)


def _settle(text: str, center: Center, allow_other: bool) -> _Reading:
    reading = _choose(text)
    own_key = _province_keys()[center.province_code]
    if reading is None or reading.province_key is None:
        raise AddressNotFound(
            f"could not read a province, nor a commune whose name tells the province, in {text!r}",
            part="province",
            text=text,
        )
    if reading.province_key != own_key and not _province_written(text):
        # "Phường Trường Thi" alone is a 2025 ward of Ninh Bình, and a former ward of Vinh.
        raise AddressNotFound(
            f"no province is written in {text!r}, and its commune is not one of "
            f"{_new.DICT_PROVINCE[own_key]['provinceShort']}; add the province",
            part="province",
            text=text,
        )
    if reading.province_key != own_key and not allow_other:
        name = _new.DICT_PROVINCE[reading.province_key]["province"]
        raise OutsideProvince(
            f"the address is in {name}, not in {_new.DICT_PROVINCE[own_key]['province']}",
            province=name,
            commune=reading.commune,
        )
    if reading.problem:
        raise AddressNotFound(reading.problem, part="commune", text=text)
    if reading.commune is None:
        province = _new.DICT_PROVINCE[reading.province_key]["provinceShort"]
        rest = _without_province(text, reading.province_key)
        where = f" in the former {reading.district_only}" if reading.district_only else ""
        read = f" in {rest!r}" if rest else ""
        raise AddressNotFound(
            f"found the province {province} but no commune or ward{where}{read} "
            "(neither a 2025 name nor a former one)",
            part="commune",
            text=rest,
        )
    return reading


def _without_province(text: str, province_key: str) -> str:
    words = set(_new.DICT_PROVINCE[province_key]["provinceKeywords"])
    parts = [p.strip() for p in text.split(",")]
    return ", ".join(p for p in parts if key_normalize(p) not in words)


def place_commune(
    code: str | int, center: Center = NGHE_AN_CENTER, *, road_factor: float = ROAD_FACTOR
) -> Place:
    """A commune chosen by code (a form's drop-down) → Place measured from its centroid."""
    commune = lookup_commune(code)
    return _place(commune, center, road_factor, "code", commune.lat, commune.lon, None)


def road_km(center: Center, lat: float, lon: float, road_factor: float = ROAD_FACTOR) -> float:
    """Estimated road distance: geodesic (WGS-84) × the road factor."""
    if not 1.0 <= road_factor <= 3.0:
        raise ValueError(f"road factor must be between 1 and 3, not {road_factor}")
    return geodesic((center.lat, center.lon), (lat, lon)).km * road_factor


def _place(
    commune: Commune,
    center: Center,
    road_factor: float,
    form: Form,
    lat: float,
    lon: float,
    reading: _Reading | None,
) -> Place:
    straight = round(road_km(center, lat, lon, 1.0), 3)
    road = round(road_km(center, lat, lon, road_factor), 3)
    former, approximate = (reading.former_unit, reading.approximate) if reading else (None, False)
    return Place(commune, form, lat, lon, straight, road, road_factor, former, approximate)


def _place_online(
    text: str, geocoder: Any, center: Center, road_factor: float, allow_other: bool
) -> Place:
    """Ask the injected geocoder; the commune comes from the address it answers, read offline.

    The geocoder's point is only used for the distance; the commune must be read from its
    answer like any address, so a point is never turned into a commune by proximity alone.
    """
    from geopy.exc import GeopyError  # geopy is a dependency already; imported where used

    try:
        location = geocoder.geocode(f"{text}, Việt Nam", language="vi", exactly_one=True)
    except GeopyError as exc:
        raise GeocoderFailed(f"the online geocoder failed: {exc}", text=text) from exc
    if location is None:
        raise AddressNotFound(f"neither we nor the geocoder could read {text!r}", text=text)
    try:
        reading = _settle(normalize_address(location.address), center, allow_other)
    except AddressNotFound as exc:
        raise GeocoderFailed(
            f"the geocoder answered {location.address!r}, in which {exc}", text=text
        ) from exc
    assert reading.commune is not None
    lat, lon = float(location.latitude), float(location.longitude)
    return _place(reading.commune, center, road_factor, "geocoder", lat, lon, reading)


def former_units(code: str | int) -> list[str]:
    """The former units merged into a commune, as the library's converter keys them
    ("tinhnghean_huyenkyson_thitranmuongxen"): how lists such as the remote communes are
    derived and checked."""
    commune = lookup_commune(code)
    pkey = _province_keys()[commune.province_code]
    wards = _new.DICT_PROVINCE_WARD_NO_ACCENTED.get(pkey, {})
    new_key = next((k for k, w in wards.items() if w["wardCode"] == commune.code), "")
    return list(_conv.DICT_PROVINCE_WARD_NO_DIVIDED.get(pkey, {}).get(new_key, []))
