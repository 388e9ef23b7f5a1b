"""Addresses as citizens write them → 2025 communes of Nghệ An, offline, or a plain error."""

from __future__ import annotations

import math

import pytest

from courier import geography as geo
from courier.geography import (
    NGHE_AN_CENTER,
    AddressNotFound,
    GeocoderFailed,
    GeographyError,
    OutsideProvince,
    UnknownCommune,
    list_communes,
    lookup_commune,
    normalize_address,
    place_address,
    place_commune,
)

TRUONG_VINH, MUONG_XEN = "16690", "16813"

# (address as written, expected 2025 commune code). Old-form expectations follow the
# conversion data of vietnamadminunits 1.0.4 (cross-checked with the library's own
# convert_address for Nghệ An, where no former ward was split).
NEW_FORM = [
    ("Xã Mường Xén, Nghệ An", MUONG_XEN),
    ("Phường Trường Vinh, tỉnh Nghệ An", TRUONG_VINH),
    ("xa muong xen nghe an", MUONG_XEN),
    ("Xã Mường Xén", MUONG_XEN),  # no province: the name is unique in the country
    ("Phường Thành Vinh, Nghệ An", "16681"),
    ("Phuong Vinh Phu, Nghe An", "16702"),
    ("Xã Diễn Châu, tỉnh Nghệ An", "17464"),
    ("X. Đô Lương, T. Nghệ An", "17662"),
    ("Xã Con Cuông, Nghệ An", "17254"),
    ("P. Cửa Lò, Nghệ An", "16732"),
    ("Phường Hoàng Mai - Nghệ An", "17110"),
    ("Xã Tương Dương, Nghệ An", "16876"),
    ("Xa Quy Chau, Nghe An", "16777"),
    ("Xã Kim Liên, Nghệ An", "17971"),
    ("Xóm 3, Xã Hưng Nguyên Nam, Nghệ An", "18028"),
    ("Xã Thông Thụ, Nghệ An", "16744"),
    ("Phường Thái Hòa, Nghệ An", "16939"),
    ("Xã Yên Thành; Nghệ An", "17506"),
    ("Xã Anh Sơn Đông, Nghệ An", "17365"),
    ("Bản Na Khiếng, Xã Keng Đu, Nghệ An", "16822"),
    ("Xa Nam Dan, Nghe An", "17935"),
    ("Xã Nghi Lộc, Nghệ An", "17827"),  # named like a former district, but "Xã" says which
    ("Xã Quế Phong, Nghệ An", "16738"),
    ("Phường Tân Mai, Nghệ An", "17128"),
    ("Xã Tam Hợp, Nghệ An", "17059"),
    ("123 Lê Lợi, Phường Trường Vinh, Nghệ An", TRUONG_VINH),  # street named like a former ward
]
OLD_FORM = [
    ("X. Muong Xen, H. Ky Son, T. Nghe An", MUONG_XEN),
    ("16 Trường Thi, P. Trường Thi, TP. Vinh, Nghệ An", TRUONG_VINH),
    ("TT. Mường Xén, Kỳ Sơn, Nghệ An", MUONG_XEN),
    ("Xã Tiền Phong, Quế Phong, Nghệ An", "16750"),
    ("P. Nghi Thủy, TX. Cửa Lò, Nghệ An", "16732"),
    ("Khối 3, TT. Quán Hành, H. Nghi Lộc, T. Nghệ An", "17827"),
    ("Phường Hưng Bình, TP Vinh, Nghệ An", "16681"),
    ("Phuong Ben Thuy, Thanh pho Vinh, Nghe An", TRUONG_VINH),
    ("Phường Lê Lợi, Tp.Vinh, Nghệ An", "16681"),
    ("Xã Hưng Lộc, TP. Vinh, Nghệ An", "16708"),
    ("Thị trấn Đô Lương, huyện Đô Lương, tỉnh Nghệ An", "17662"),
    ("Xã Nậm Cắn, H. Kỳ Sơn, Nghệ An", "16837"),
    ("Xã Mỹ Lý, Kỳ Sơn, Nghệ An", "16816"),
    ("Xã Châu Hạnh, huyện Quỳ Châu, tỉnh Nghệ An", "16777"),
    ("Phường Quỳnh Xuân, TX. Hoàng Mai, Nghệ An", "17125"),
    ("TT. Nghĩa Đàn, H. Nghĩa Đàn, Nghệ An", "16941"),
    ("Xã Kim Liên, H. Nam Đàn, Nghệ An", "17971"),
    ("Xa Tam Hop, Huyen Tuong Duong, Nghe An", "16936"),  # not the 2025 Xã Tam Hợp (Quỳ Hợp)
    ("Xã Tam Hợp, huyện Quỳ Hợp, Nghệ An", "17059"),
    ("X. Diễn Kỷ, H. Diễn Châu, T. Nghệ An", "17416"),
    ("Xa Quynh Doi, H. Quynh Luu, T. Nghe An", "17176"),
    ("TT. Kim Sơn, H. Quế Phong, Nghệ An", "16738"),
    ("Xã Hạnh Lâm, huyện Thanh Chương, Nghệ An", "17722"),
    ("Xã Nghi Phong, H. Nghi Lộc, Nghệ An", "16708"),  # moved to Vinh before 2025
    ("Xã Nậm Càn, H. Kỳ Sơn, Nghệ An", "16870"),  # with diacritics: not Nậm Cắn
]


@pytest.mark.parametrize(("address", "code"), NEW_FORM + OLD_FORM)
def test_address_is_placed_in_its_2025_commune(address: str, code: str) -> None:
    place = place_address(address)
    assert place.commune.code == code
    assert place.commune.province_code == "40"
    assert place.distance_km == pytest.approx(place.straight_km * geo.ROAD_FACTOR, abs=0.01)


def test_enough_real_addresses_are_covered() -> None:
    assert len(NEW_FORM) + len(OLD_FORM) >= 40


@pytest.mark.parametrize(("address", "code"), OLD_FORM)
def test_old_form_names_the_former_unit_and_uses_its_finer_point(address: str, code: str) -> None:
    place = place_address(address)
    assert place.form == "legacy"
    assert place.former_unit and "," in place.former_unit
    assert not place.approximate  # no former Nghệ An ward was split between new units


def test_the_center_itself_is_half_a_kilometre_away_in_the_old_form() -> None:
    place = place_address("16 Trường Thi, P. Trường Thi, TP. Vinh, Nghệ An")
    assert place.former_unit == "Phường Trường Thi, Thành phố Vinh"
    assert place.straight_km < 1.0
    # The 2025 ward's point is its centroid, ~5 km from the building.
    assert 4 < place_address("Phường Trường Vinh, Nghệ An").straight_km < 6


def test_center_coordinates_lie_in_its_ward() -> None:
    ward = lookup_commune(NGHE_AN_CENTER.commune_code)
    assert ward.name == "Phường Trường Vinh"
    assert math.dist((ward.lat, ward.lon), (NGHE_AN_CENTER.lat, NGHE_AN_CENTER.lon)) < 0.06


def test_remote_communes_are_200_to_250_km_by_road() -> None:
    assert 200 <= place_address("Xã Mường Xén, Nghệ An").distance_km <= 260
    assert place_address("Xã Mường Xén, Nghệ An", road_factor=1.0).distance_km < 200


def test_road_factor_is_checked() -> None:
    with pytest.raises(ValueError, match="road factor"):
        place_address("Xã Mường Xén, Nghệ An", road_factor=0.5)


@pytest.mark.parametrize(
    ("address", "province"),
    [
        ("Phường Hoàn Kiếm, Hà Nội", "Thành phố Hà Nội"),
        ("Thạch Hà, Hà Tĩnh", "Tỉnh Hà Tĩnh"),
        ("Phường Trường Thi, TP. Thanh Hóa, Thanh Hóa", "Tỉnh Thanh Hóa"),
    ],
)
def test_other_provinces_are_refused_by_name(address: str, province: str) -> None:
    with pytest.raises(OutsideProvince) as info:
        place_address(address)
    assert info.value.province == province
    assert province in str(info.value)
    assert info.value.part == "province"


def test_other_provinces_can_be_placed_when_asked() -> None:
    place = place_address("Phường Hoàn Kiếm, Hà Nội", allow_other_provinces=True)
    assert place.commune.province_code != "40"
    assert place.distance_km > 250


@pytest.mark.parametrize(
    ("address", "part", "words"),
    [
        ("asdfgh qwerty", "province", "could not read a province"),
        ("", "address", "empty"),
        ("Nghệ An", "commune", "no commune or ward"),
        ("Xã Không Có Thật, Nghệ An", "commune", "'Xã Không Có Thật'"),
        ("Xóm 5, Kỳ Sơn, Nghệ An", "commune", "former Huyện Kỳ Sơn"),
        ("Tp.Vinh, Nghệ An", "commune", "former Thành phố Vinh"),
        # A bare former district's name is also a 2025 commune's: we do not guess which.
        ("Diễn Châu, Nghệ An", "commune", "'Diễn Châu' names a former district"),
        ("Quế Phong, Nghệ An", "commune", "Xã Quế Phong"),
        # No province: a 2025 ward of Ninh Bình, and a former ward of Vinh. Not a guess.
        ("Phường Trường Thi", "province", "add the province"),
        # Two former communes of Kỳ Sơn differ only by diacritics and went different ways.
        ("Xa Nam Can, Huyen Ky Son, Nghe An", "commune", "Xã Nậm Càn or Xã Nậm Cắn"),
        ("Xa Dong Thanh, H. Yen Thanh, Nghe An", "commune", "write it with diacritics"),
    ],
)
def test_unreadable_addresses_name_the_part(address: str, part: str, words: str) -> None:
    with pytest.raises(AddressNotFound) as info:
        place_address(address)
    assert info.value.part == part
    assert words in str(info.value)
    assert isinstance(info.value, GeographyError) and isinstance(info.value, ValueError)


def test_every_2025_commune_of_the_province_with_and_without_diacritics() -> None:
    from unidecode import unidecode

    for commune in list_communes("40"):
        for text in (f"{commune.name}, Nghệ An", unidecode(f"{commune.name}, Nghe An")):
            assert place_address(text).commune.code == commune.code, text


def test_every_former_ward_converts_as_the_library_converts_it(monkeypatch) -> None:
    """Cross-check with the library's own converter (never online: its geocoding is cut off)."""
    from unidecode import unidecode
    from vietnamadminunits import convert_address
    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.database import query

    def offline(address: str) -> None:
        raise AssertionError(f"the library tried to geocode {address!r} online")

    monkeypatch.setattr(converter_2025, "get_geo_location", offline)
    rows = query("SELECT ward, district FROM admin_units_legacy WHERE provinceKey = 'tinhnghean'")
    assert len(rows) == 412
    ambiguous = 0
    for row in rows:
        for text in (
            f"{row['ward']}, {row['district']}, Nghệ An",
            unidecode(f"{row['ward']}, {row['district']}, Nghe An"),
        ):
            expected = convert_address(text).ward_code
            if expected is None:  # the library cannot tell either: we must refuse, not guess
                ambiguous += 1
                with pytest.raises(AddressNotFound, match="diacritics"):
                    place_address(text)
            else:
                assert place_address(text).commune.code == expected, text
    assert ambiguous == 8  # Châu Bình/Bính, Nậm Cắn/Càn, Đông/Đồng Thành, Nghi Văn/Vạn


def test_abbreviations_are_spelt_out_only_at_the_start_of_a_part() -> None:
    assert normalize_address("X. Muong Xen, H. Ky Son, T. Nghe An") == (
        "Xã Muong Xen, Huyện Ky Son, Tỉnh Nghe An"
    )
    assert normalize_address("TP.Vinh - Nghệ An") == "Thành phố Vinh, Nghệ An"
    assert normalize_address("P 5, Lê Lợi") == "P 5, Lê Lợi"


def test_lookup_and_list_communes() -> None:
    communes = list_communes("Nghệ An")
    assert len(communes) == 130  # 119 communes + 11 wards since 1 July 2025
    assert sum(c.kind == "Phường" for c in communes) == 11
    assert list_communes("40") == communes == list_communes("tinh nghe an")
    assert lookup_commune(16813).name == "Xã Mường Xén"
    assert lookup_commune("16813").to_dict() == {
        "code": "16813",
        "name": "Xã Mường Xén",
        "lat": 19.3627,
        "lon": 104.095,
    }
    with pytest.raises(UnknownCommune):
        lookup_commune("99999")
    with pytest.raises(AddressNotFound):
        list_communes("Atlantis")


def test_place_commune_measures_from_the_centroid() -> None:
    place = place_commune(MUONG_XEN)
    assert place.form == "code"
    assert place.distance_km == place_address("Xã Mường Xén, Nghệ An").distance_km


def test_former_units_give_the_district_of_origin() -> None:
    assert geo.former_units(MUONG_XEN) == [
        "tinhnghean_huyenkyson_thitranmuongxen",
        "tinhnghean_huyenkyson_xataca",
        "tinhnghean_huyenkyson_xatayson",
    ]


class FakeLocation:
    def __init__(self, address: str, lat: float, lon: float) -> None:
        self.address, self.latitude, self.longitude = address, lat, lon


class FakeGeocoder:
    """Stands in for geopy's Nominatim: no network in tests."""

    def __init__(self, answer: FakeLocation | None, error: Exception | None = None) -> None:
        self.answer, self.error = answer, error
        self.asked: list[str] = []

    def geocode(self, query: str, **kwargs: object) -> FakeLocation | None:
        self.asked.append(query)
        if self.error:
            raise self.error
        return self.answer


def test_online_geocoder_is_asked_only_when_offline_reading_fails() -> None:
    g = FakeGeocoder(FakeLocation("Mường Xén, Kỳ Sơn, Nghệ An, Việt Nam", 19.40, 104.14))
    assert place_address("Xã Mường Xén, Nghệ An", geocoder=g).form == "2025"
    assert g.asked == []
    place = place_address("Bản Xốp Thập, gần chợ phiên", geocoder=g)
    assert place.form == "geocoder" and place.commune.code == MUONG_XEN
    assert (place.lat, place.lon) == (19.40, 104.14)


def test_online_geocoder_failures_are_geography_errors() -> None:
    from geopy.exc import GeocoderTimedOut

    with pytest.raises(GeocoderFailed, match="failed"):
        place_address("chợ phiên", geocoder=FakeGeocoder(None, GeocoderTimedOut("slow")))
    with pytest.raises(AddressNotFound):
        place_address("chợ phiên", geocoder=FakeGeocoder(None))
    with pytest.raises(GeocoderFailed, match="answered"):
        place_address("chợ", geocoder=FakeGeocoder(FakeLocation("Somewhere", 22.4, 104.0)))
    with pytest.raises(OutsideProvince):
        place_address("chợ", geocoder=FakeGeocoder(FakeLocation("Tỉnh Lào Cai", 22.4, 104.0)))
