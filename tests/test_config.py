from pathlib import Path

import pytest

from prens.config import load_settings
from prens.errors import ConfigError
from tests.conftest import EXAMPLE_CONFIG, write_config


def test_the_shipped_example_maps_the_forms_exact_titles() -> None:
    s = load_settings(EXAMPLE_CONFIG)
    assert s.questions["nama"] == "NAMA LENGKAP (Sesuai KTP, tanpa gelar / jabatan)"
    assert s.questions["nik"] == (
        "NOMOR INDUK KEPENDUDUKAN (16 NIK Sesuai KTP, misal: 6311090724010001) "
        "(Pastikan KTP Bapak/Ibu sudah berdomisili Balangan)"
    )
    assert s.questions["kk"] == "NOMOR KARTU KELUARGA (KK)"
    assert s.questions["tanggal_lahir"] == "TANGGAL LAHIR"
    assert s.questions["telepon"] == "NOMOR HP / WHATSAPP (aktif)"
    assert s.questions["alamat"] == "ALAMAT LENGKAP (RT/RW, jalan/gang)"
    assert s.consent_option == (
        "Saya menyetujui data saya digunakan untuk pendaftaran BPJS Ketenagakerjaan"
    )
    assert s.region.code == "63.11" and len(s.region.kecamatan) == 8
    assert (s.min_age, s.max_age, s.contribution_per_month) == (18, 65, 16800)
    assert [v.header for v in s.verifier_columns] == [
        "Verifikasi Dinas",
        "Verifikasi BPJS",
        "Berkas Diterima",
        "Nomor Kepesertaan BPJS",
        "Alasan Penolakan",
        "Alasan Berhenti",
        "Tanggal Berhenti",
    ]


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    s = load_settings(EXAMPLE_CONFIG)
    assert s.data_dir == (EXAMPLE_CONFIG.parent / ".." / "data").resolve()
    assert s.database_url == f"sqlite:///{s.data_dir / 'prens.db'}"
    sub = tmp_path / "deploy"
    sub.mkdir()
    (sub / "wilayah.csv").write_text(
        "code,name,level\n63.11,Kabupaten X,kabupaten\n63.11.01,Satu,kecamatan\n"
        "63.11.01.2001,Desa Satu,desa\n"
    )
    path = write_config(
        sub,
        {
            'code = "63.11"': 'code = "63.11"\nfile = "wilayah.csv"',
            '"Buntut Pilanduk" = "Buntu Pilanduk"\n': "",
            '"Simpang Nadung" = "Simpang Nadong"\n': "",
        },
    )
    s = load_settings(path)
    assert s.region.name == "Kabupaten X" and s.data_dir == sub / "data"


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ("min_age = 18", 'min_age = "delapan belas"', "eligibility.min_age", "usia dalam tahun"),
        ("max_age = 65", "max_age = 10", "eligibility.max_age", "di atas min_age"),
        ('backend = "local"', 'backend = "excel"', "sheet.backend", '"local" atau "google"'),
        (
            'backend = "local"',
            'backend = "google"',
            "sheet.spreadsheet_key",
            "ID dari URL Google Sheet",
        ),
        ('code = "63.11"', 'code = "6311"', "region.code", 'seperti "63.11"'),
        ('code = "63.11"', 'code = "63.99"', "region.code", "data wilayah untuk 63.99"),
        ('timezone = "Asia/Makassar"', 'timezone = "WITA"', "program.timezone", "zona waktu IANA"),
        (
            "batch_rows = 500",
            "batch_rows = 500\nbatch_row = 1",
            "sheet.batch_row",
            "kunci yang dikenal",
        ),
        ("[schedule]", "[schedul]", "schedul", "kunci yang dikenal di tingkat teratas berkas"),
        ('date_order = "mdy"', 'date_order = "ymd"', "form.date_order", '"mdy" atau "dmy"'),
        (
            'kk = "NOMOR KARTU KELUARGA (KK)"\n',
            "",
            "form.questions.kk",
            "judul pertanyaan formulir",
        ),
        (
            'role = "documents"',
            'role = "berkas"',
            "sheet.verifier_columns[2].role",
            "salah satu dari",
        ),
        (
            "reconcile_minutes = 10",
            "reconcile_minutes = -1",
            "responses.reconcile_minutes",
            "0 (mati) sampai 1440",
        ),
        ('worksheet = "Form Responses 1"', 'worksheet = ""', "responses.worksheet", "name"),
        (
            'header = "Verifikasi BPJS"',
            'header = "Verifikasi Dinas"',
            "sheet.columns",
            "semuanya berbeda",
        ),
    ],
)
def test_a_wrong_value_names_key_value_and_expectation(
    tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write_config(tmp_path, {old: new}))
    assert info.value.key == key
    assert key in str(info.value) and expected in str(info.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[program\n")
    with pytest.raises(ConfigError, match="TOML yang sah"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="berkas TOML yang dapat dibaca"):
        load_settings(tmp_path / "absent.toml")


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    env = {
        "PRENS_SHEET_BACKEND": "google",
        "PRENS_SHEET_SPREADSHEET_KEY": "1AbC",
        "PRENS_DATABASE_URL": "postgresql+psycopg://prens@db/prens",
    }
    s = load_settings(write_config(tmp_path), env)
    assert (s.sheet_backend, s.spreadsheet_key, s.database_url) == (
        "google",
        "1AbC",
        "postgresql+psycopg://prens@db/prens",
    )


def test_an_alias_to_no_place_of_the_region_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_config(
        tmp_path, {'"Simpang Nadung" = "Simpang Nadong"': '"Simpang Nadong" = "Simpang Nadung"'}
    )  # backwards: the official name is Simpang Nadong
    with pytest.raises(ConfigError, match=r"region\.aliases\.Simpang Nadong = 'Simpang Nadung'"):
        load_settings(path)
