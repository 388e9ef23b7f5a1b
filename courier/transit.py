"""How long the post takes: service-level tables, post working days, learned lane times.

Why tables and not one figure: published targets depend on how far the item goes (DOMAIN.md,
"Postal time targets"), and since 1 July 2025 "how far" cannot be a district any more, so a
table has distance bands from the center, an "another province" figure, and surcharges for
named commune lists (the remote mountain communes). Each courier and service level has one
table per direction: ``inbound`` (citizen → center) and ``outbound`` (center → citizen). Tables
are data with their source; ``table_to_dict``/``table_from_dict`` let an admin edit them as JSON.

Time is counted in working days of the post, whose calendar is its own: Monday–Saturday less
public holidays (DOMAIN.md; ``WorkCalendar.postal()``). Half-days follow the post's sessions
(``POST_SESSIONS``): a post day has a morning ending at 12:00 and an afternoon ending at 17:00.
Adding d days to a start time: the start falls in a half-day as a receipt does at the center
(before 12:00 the morning, 12:00–17:00 the afternoon, later or on a day off the next working
morning); d is rounded *up* to whole half-days; the result is the end of the half-day reached
(12:00 or 17:00). So "picked up Monday 09:00, 1 day" → Tuesday 12:00. Rounding up because a
promise earlier than the data supports is worse than one half-day late.

Learned lanes: observed durations give p50/p90, blended with the table by shrinkage (see
``blend``) along the fallback commune → zone → table. Pure: no clock, no database.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any, Literal

from tracking.appointment import AFTERNOON, CENTER_TZ, MORNING, HalfDay, add_half_days
from tracking.appointment import receipt_half_day as _start_half
from tracking.workdays import SUN, DayOverride, Sessions, WorkCalendar

Direction = Literal["inbound", "outbound"]
INBOUND: Direction = "inbound"
OUTBOUND: Direction = "outbound"
DIRECTIONS: tuple[Direction, ...] = (INBOUND, OUTBOUND)
OTHER_PROVINCE = "other_province"
MAX_DAYS = 60  # no postal target is anywhere near; a bound that catches typos (e.g. 15 for 1.5)

# The post's half-days (convention of this product; DOMAIN.md gives no postal session hours).
POST_SESSIONS = Sessions(
    time(7, 0), time(12, 0), time(12, 0), time(17, 0), time(12, 0), time(17, 0)
)


class TransitError(ValueError):
    """A table or an observation this module cannot take; ``field`` names the bad one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def post_calendar(
    overrides: Iterable[DayOverride] = (),
    *,
    weekend: frozenset[int] = frozenset({SUN}),
    sessions: Sessions = POST_SESSIONS,
) -> WorkCalendar:
    """The post's calendar: ``WorkCalendar.postal()`` with the post's half-day ends."""
    return replace(WorkCalendar.postal(overrides), weekend=weekend, sessions=sessions)


def half_steps(days: float) -> int:
    """Days → whole half-days, rounded up (1e-9 absorbs float noise such as 3 × 0.5)."""
    if not math.isfinite(days) or days < 0:
        raise TransitError(f"a duration must be a number of days >= 0, not {days!r}")
    return math.ceil(days * 2 - 1e-9)


def add_post_days(start: datetime, days: float, cal: WorkCalendar) -> datetime:
    """``start`` + ``days`` working days of the post, in half-day steps (module docstring)."""
    if start.tzinfo is None:
        raise TransitError("the start time must carry its time zone")
    return add_half_days(_start_half(start, cal), half_steps(days), cal).end(cal, CENTER_TZ)


def arrival_half_day(end: datetime, cal: WorkCalendar) -> HalfDay:
    """The half-day by whose end an arrival had happened (12:00 still counts as the morning).

    After closing or on a day off, the next working morning: a promise "by Monday 17:00" is
    not kept by an arrival at 18:30.
    """
    local = end.astimezone(CENTER_TZ)
    day, t, s = local.date(), local.time(), cal.sessions
    if cal.is_working_day(day):
        if t <= s.noon:
            return HalfDay(day, MORNING)
        if t <= s.close:
            return HalfDay(day, AFTERNOON)
    return HalfDay(cal.next_working_day(day), MORNING)


def post_days_between(start: datetime, end: datetime, cal: WorkCalendar) -> float:
    """Post working days from ``start`` to ``end``, in half-days; inverse of ``add_post_days``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise TransitError("observed times must carry their time zone")
    if end < start:
        raise TransitError(f"an item cannot arrive ({end}) before it left ({start})")
    a, b = _start_half(start, cal), arrival_half_day(end, cal)
    halves = 2 * cal.working_days_between(a.day, b.day) + b.half - a.half
    return max(halves, 0) / 2


# ---- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Communes of the province up to ``max_km`` by road (None: the rest of the province)."""

    name: str
    days: float
    max_km: float | None = None


@dataclass(frozen=True)
class Surcharge:
    """Extra days for a named list of communes (code → name), wherever their band."""

    name: str
    add_days: float
    communes: Mapping[str, str]
    source: str = ""


@dataclass(frozen=True)
class DirectionTable:
    bands: tuple[Band, ...]
    other_province_days: float
    surcharges: tuple[Surcharge, ...] = ()


@dataclass(frozen=True)
class Zone:
    """Where a commune falls in a table: its band, the surcharges that apply, total days."""

    name: str  # "near", "province+remote_mountain", "other_province"
    band: str
    surcharges: tuple[str, ...]
    days: float


@dataclass(frozen=True)
class TransitTable:
    courier: str
    service_level: str
    inbound: DirectionTable
    outbound: DirectionTable
    source: str = ""
    province_code: str = "40"  # the province of the center; other provinces take their figure

    def direction(self, direction: str) -> DirectionTable:
        if direction not in DIRECTIONS:
            raise TransitError(f"direction is 'inbound' or 'outbound', not {direction!r}")
        return self.inbound if direction == INBOUND else self.outbound

    def zone(
        self,
        direction: str,
        commune_code: str,
        distance_km: float,
        province_code: str | None = None,
    ) -> Zone:
        """The zone of a commune; farther (same surcharges) is never faster: bands ascend.

        ``province_code``: the commune's province; None means the table's (the center's).
        """
        t = self.direction(direction)
        if not math.isfinite(distance_km) or distance_km < 0:
            raise TransitError(f"distance must be >= 0 km, not {distance_km!r}")
        if province_code is not None and province_code != self.province_code:
            band, days = OTHER_PROVINCE, t.other_province_days
        else:
            b = next(b for b in t.bands if b.max_km is None or distance_km <= b.max_km)
            band, days = b.name, b.days
        extra = [s for s in t.surcharges if commune_code in s.communes]
        names = tuple(s.name for s in extra)
        total = days + sum(s.add_days for s in extra)
        return Zone("+".join((band, *names)), band, names, total)


# Remote mountain communes: every 2025 commune formed from units of the former districts Kỳ Sơn,
# Tương Dương and Quế Phong, 200–250+ km by road from Vinh (DOMAIN.md, "Nghệ An figures").
# Derived from the vietnamadminunits 1.0.4 converter data (the 2025 arrangement of Nghệ An's
# communes); tests/courier/test_transit.py re-derives the list and compares.
REMOTE_MOUNTAIN_COMMUNES: dict[str, str] = {
    # former Quế Phong
    "16738": "Xã Quế Phong", "16744": "Xã Thông Thụ", "16750": "Xã Tiền Phong",
    "16756": "Xã Tri Lễ", "16774": "Xã Mường Quàng",
    # former Kỳ Sơn
    "16813": "Xã Mường Xén", "16816": "Xã Mỹ Lý", "16819": "Xã Bắc Lý", "16822": "Xã Keng Đu",
    "16828": "Xã Huồi Tụ", "16831": "Xã Mường Lống", "16834": "Xã Na Loi", "16837": "Xã Nậm Cắn",
    "16849": "Xã Hữu Kiệm", "16855": "Xã Chiêu Lưu", "16858": "Xã Mường Típ", "16870": "Xã Na Ngoi",
    # former Tương Dương
    "16876": "Xã Tương Dương", "16882": "Xã Nhôn Mai", "16885": "Xã Hữu Khuông",
    "16903": "Xã Nga My", "16906": "Xã Lượng Minh", "16909": "Xã Yên Hòa", "16912": "Xã Yên Na",
    "16933": "Xã Tam Quang", "16936": "Xã Tam Thái",
}  # fmt: skip

DEFAULT_SOURCE = (
    "DOMAIN.md 'Postal time targets': targets published by Tuy Phước (Bình Định) for results "
    "leaving the one-stop office, Sundays and public holidays excluded: within the district "
    "<= 1 day, within the province <= 1.5 days, another province <= 3 days. The district is "
    "replaced by a 20 km road radius and remote communes get +1 day: assumptions, unconfirmed. "
    "Inbound figures copy outbound (the draft MIC circular counts both ways alike)."
)


def _default_direction() -> DirectionTable:
    return DirectionTable(
        bands=(Band("near", 1.0, 20.0), Band("province", 1.5, None)),
        other_province_days=3.0,
        surcharges=(
            Surcharge(
                "remote_mountain",
                1.0,
                dict(REMOTE_MOUNTAIN_COMMUNES),
                "DOMAIN.md 'Nghệ An figures' (200–250+ km, mountain roads); +1 day assumed",
            ),
        ),
    )


def default_table(courier: str = "vnpost", service_level: str = "standard") -> TransitTable:
    return TransitTable(
        courier, service_level, _default_direction(), _default_direction(), DEFAULT_SOURCE
    )


# ---- JSON --------------------------------------------------------------------------------------


def table_to_dict(table: TransitTable) -> dict[str, Any]:
    def direction(t: DirectionTable) -> dict[str, Any]:
        return {
            "bands": [{"name": b.name, "max_km": b.max_km, "days": b.days} for b in t.bands],
            "other_province_days": t.other_province_days,
            "surcharges": [
                {
                    "name": s.name,
                    "add_days": s.add_days,
                    "source": s.source,
                    "communes": [{"code": c, "name": n} for c, n in sorted(s.communes.items())],
                }
                for s in t.surcharges
            ],
        }

    return {
        "courier": table.courier,
        "service_level": table.service_level,
        "province_code": table.province_code,
        "source": table.source,
        "inbound": direction(table.inbound),
        "outbound": direction(table.outbound),
    }


def table_from_dict(
    data: Mapping[str, Any], *, known_communes: Collection[str] | None = None
) -> TransitTable:
    """A table from JSON-like data, validated; ``TransitError.field`` names the bad field.

    ``known_communes``: if given, every commune code in a surcharge must be one of them.
    """
    if not isinstance(data, Mapping):
        raise TransitError("a transit table is a JSON object")
    return TransitTable(
        courier=_text(data, "courier", ""),
        service_level=_text(data, "service_level", ""),
        inbound=_direction(_obj(data, "inbound", ""), "inbound", known_communes),
        outbound=_direction(_obj(data, "outbound", ""), "outbound", known_communes),
        source=str(data.get("source", "")),
        province_code=_text(data, "province_code", "") if "province_code" in data else "40",
    )


def _direction(d: Mapping[str, Any], at: str, known: Collection[str] | None) -> DirectionTable:
    raw_bands = d.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        raise TransitError("a list of at least one distance band is required", f"{at}.bands")
    bands: list[Band] = []
    for i, raw in enumerate(raw_bands):
        here = f"{at}.bands[{i}]"
        if not isinstance(raw, Mapping):
            raise TransitError("a band is an object {name, max_km, days}", here)
        max_km = raw.get("max_km")
        last = i == len(raw_bands) - 1
        if last and max_km is not None:
            raise TransitError("the last band must have max_km null (rest of province)", here)
        if not last:
            max_km = _number(raw, "max_km", here, upper=100_000)
            if bands and max_km <= (bands[-1].max_km or 0):
                raise TransitError("bands must be ordered by increasing max_km", here)
        band = Band(_text(raw, "name", here), _number(raw, "days", here), max_km)
        if bands and band.days < bands[-1].days:
            raise TransitError("a farther band cannot be faster than a nearer one", here + ".days")
        if any(b.name == band.name for b in bands) or band.name == OTHER_PROVINCE:
            raise TransitError(f"band name {band.name!r} is used twice or reserved", here)
        bands.append(band)
    other = _number(d, "other_province_days", at)
    if other < bands[-1].days:
        raise TransitError("another province cannot be faster than the province", at)
    surcharges: list[Surcharge] = []
    for i, raw in enumerate(d.get("surcharges") or []):
        here = f"{at}.surcharges[{i}]"
        if not isinstance(raw, Mapping):
            raise TransitError("a surcharge is an object {name, add_days, communes}", here)
        surcharges.append(
            Surcharge(
                _text(raw, "name", here),
                _number(raw, "add_days", here),
                _communes(raw.get("communes"), f"{here}.communes", known),
                str(raw.get("source", "")),
            )
        )
    return DirectionTable(tuple(bands), other, tuple(surcharges))


def _communes(raw: Any, at: str, known: Collection[str] | None) -> dict[str, str]:
    if not isinstance(raw, list) or not raw:
        raise TransitError("a non-empty list of commune codes is required", at)
    out: dict[str, str] = {}
    for j, item in enumerate(raw):
        code, name = (
            (item.get("code"), item.get("name", "")) if isinstance(item, Mapping) else (item, "")
        )
        if not (isinstance(code, str) and len(code) == 5 and code.isdigit()):
            raise TransitError(f"a commune code has 5 digits, not {code!r}", f"{at}[{j}]")
        if known is not None and code not in known:
            raise TransitError(f"no commune has the code {code}", f"{at}[{j}]")
        out[code] = str(name or "")
    return out


def _obj(d: Mapping[str, Any], key: str, at: str) -> Mapping[str, Any]:
    value = d.get(key)
    if not isinstance(value, Mapping):
        raise TransitError("an object is required", _join(at, key))
    return value


def _text(d: Mapping[str, Any], key: str, at: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TransitError("a non-empty string is required", _join(at, key))
    return value.strip()


def _number(d: Mapping[str, Any], key: str, at: str, upper: float = MAX_DAYS) -> float:
    value = d.get(key)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 <= value <= upper:
        raise TransitError(
            f"a number between 0 and {upper} is required, not {value!r}", _join(at, key)
        )
    return float(value)


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


# ---- learned lane times --------------------------------------------------------------------

# Shrinkage strength: the table counts as SHRINKAGE_K observations. With fewer than ~10 items a
# sample p90 is little more than the maximum, so below that the table keeps most of the weight.
SHRINKAGE_K = 10.0


@dataclass(frozen=True)
class LaneKey:
    """A lane: courier × service level × direction × (one commune | one zone)."""

    courier: str
    service_level: str
    direction: str
    commune: str | None = None
    zone: str | None = None


@dataclass(frozen=True)
class LaneStats:
    n: int
    p50: float
    p90: float


@dataclass(frozen=True)
class LaneEstimate:
    zone: Zone
    table_days: float
    p50_days: float
    p90_days: float
    source: Literal["commune", "zone", "table"]
    n_commune: int = 0
    n_zone: int = 0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Hyndman & Fan type 7)."""
    if not values:
        raise TransitError("no observations")
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def lane_stats(durations: Iterable[float]) -> LaneStats | None:
    """p50/p90 of observed durations in post working days; None without observations."""
    xs = [float(x) for x in durations]
    if any(not math.isfinite(x) or x < 0 for x in xs):
        raise TransitError("observed durations are days >= 0")
    if not xs:
        return None
    return LaneStats(len(xs), percentile(xs, 0.5), percentile(xs, 0.9))


def durations_from_times(
    pairs: Iterable[tuple[datetime, datetime]], cal: WorkCalendar
) -> list[float]:
    """(left, arrived) pairs → durations in post working days (``post_days_between``)."""
    return [post_days_between(a, b, cal) for a, b in pairs]


def blend(
    prior: tuple[float, float], stats: LaneStats | None, k: float = SHRINKAGE_K
) -> tuple[float, float]:
    """(p50, p90) pulled from the prior toward the data with weight w = n / (n + k).

    Credibility-style shrinkage (Bühlmann): the prior is worth k observations, so one odd
    delivery barely moves the promise, and a well-observed lane follows its data. p90 never
    falls below p50.
    """
    if stats is None or stats.n == 0:
        return prior
    w = stats.n / (stats.n + k)
    p50 = w * stats.p50 + (1 - w) * prior[0]
    p90 = w * stats.p90 + (1 - w) * prior[1]
    return p50, max(p50, p90)


def estimate_lane(
    table: TransitTable,
    direction: str,
    *,
    commune_code: str,
    distance_km: float,
    province_code: str | None = None,
    history: Mapping[LaneKey, Sequence[float]] | None = None,
    k: float = SHRINKAGE_K,
) -> LaneEstimate:
    """Transit p50/p90 for one lane: table → zone data → commune data, each shrunk to the last.

    The table figure is a target ("<= 1 day"), so without data p50 = p90 = table. The fallback
    commune → zone → table is hierarchical shrinkage: a commune with no history gets its zone's
    estimate, a zone with no history the table's.
    """
    zone = table.zone(direction, commune_code, distance_km, province_code)
    history = history or {}
    base = (table.courier, table.service_level, direction)
    zone_stats = lane_stats(history.get(LaneKey(*base, zone=zone.name), ()))
    commune_stats = lane_stats(history.get(LaneKey(*base, commune=commune_code), ()))
    at_zone = blend((zone.days, zone.days), zone_stats, k)
    p50, p90 = blend(at_zone, commune_stats, k)
    source: Literal["commune", "zone", "table"] = (
        "commune" if commune_stats else "zone" if zone_stats else "table"
    )
    return LaneEstimate(
        zone,
        zone.days,
        p50,
        p90,
        source,
        commune_stats.n if commune_stats else 0,
        zone_stats.n if zone_stats else 0,
    )
