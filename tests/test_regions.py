from pathlib import Path

import pytest

from prens.rules.regions import PACKAGED, RegionDataError, load_region, match_key


@pytest.fixture(scope="module")
def balangan():  # type: ignore[no-untyped-def]
    return load_region(PACKAGED / "63.11.csv", "63.11", {"Buntut Pilanduk": "Buntu Pilanduk"})


def test_packaged_data_has_every_kecamatan_and_desa(balangan) -> None:  # type: ignore[no-untyped-def]
    assert balangan.name == "Kabupaten Balangan"
    assert sorted(p.name for p in balangan.kecamatan.values()) == [
        "Awayan",
        "Batu Mandi",
        "Halong",
        "Juai",
        "Lampihong",
        "Paringin",
        "Paringin Selatan",
        "Tebing Tinggi",
    ]
    assert balangan.desa_count == 157


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("Paringin", "Paringin"),
        ("PARINGIN", "Paringin"),
        ("  paringin  selatan", "Paringin Selatan"),
        ("Kec. Juai", "Juai"),
        ("Kecamatan Tebing Tinggi", "Tebing Tinggi"),
        ("Batumandi", "Batu Mandi"),
        ("batu-mandi", "Batu Mandi"),
    ],
)
def test_kecamatan_match(balangan, typed: str, official: str) -> None:  # type: ignore[no-untyped-def]
    place = balangan.find_kecamatan(typed)
    assert place is not None and place.name == official


@pytest.mark.parametrize("typed", ["Paringin Utara", "Tanjung", "", "63.11.06"])
def test_unknown_kecamatan(balangan, typed: str) -> None:  # type: ignore[no-untyped-def]
    assert balangan.find_kecamatan(typed) is None


@pytest.mark.parametrize(
    ("kecamatan", "typed", "official"),
    [
        ("Batu Mandi", "BATUMANDI", "Batumandi"),
        ("Batu Mandi", "Desa Batu Mandi", "Batumandi"),
        ("Paringin", "kel. paringin kota", "Paringin Kota"),
        ("Juai", "Sei Batung", "Sungai Batung"),  # Sei = Sungai
    ],
)
def test_desa_match(balangan, kecamatan: str, typed: str, official: str) -> None:  # type: ignore[no-untyped-def]
    kec = balangan.find_kecamatan(kecamatan)
    place = balangan.find_desa(kec, typed)
    assert place is not None and place.name == official


def test_desa_must_belong_to_the_kecamatan(balangan) -> None:  # type: ignore[no-untyped-def]
    assert balangan.find_desa(balangan.find_kecamatan("Juai"), "Paringin Kota") is None


def test_configured_alias(balangan) -> None:  # type: ignore[no-untyped-def]
    desa = {p.name: kc for kc, d in balangan.desa.items() for p in d.values()}
    kec = next(p for p in balangan.kecamatan.values() if p.code == desa["Buntu Pilanduk"])
    assert balangan.find_desa(kec, "Buntut Pilanduk").name == "Buntu Pilanduk"


def test_match_key_ignores_apostrophes_and_spaces() -> None:
    assert match_key("Ju'uh") == match_key("Ju Uh") == match_key("JUUH")


def test_region_missing_from_file(tmp_path: Path) -> None:
    with pytest.raises(RegionDataError, match="no row for region 63.99"):
        load_region(PACKAGED / "63.11.csv", "63.99")


def test_malformed_region_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("kode,nama\n63.11,Balangan\n")
    with pytest.raises(RegionDataError, match="code,name,level"):
        load_region(bad, "63.11")
