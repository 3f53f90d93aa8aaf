"""Problem codes found in a submission, with their messages in Bahasa Indonesia.

The codes are a contract (the README's "What the service answers"): the Apps Script, the sheet
and later reports rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

# code -> (severity, message). Messages are read by citizens and verifiers: plain Bahasa Indonesia,
# saying what is wrong and what to do. They never repeat the NIK, KK or phone number typed.
CATALOGUE: dict[str, tuple[str, str]] = {
    "required": (ERROR, 'Pertanyaan "{label}" wajib diisi.'),
    "nik_format": (ERROR, "NIK harus 16 angka sesuai KTP."),
    "nik_placeholder": (
        ERROR,
        "NIK ini tampak seperti contoh (angka berulang atau berurutan), bukan NIK Anda. "
        "Salin 16 angka NIK dari KTP.",
    ),
    "nik_region": (
        ERROR,
        "Kode wilayah pada NIK tidak dikenal. Periksa kembali 6 angka pertama NIK.",
    ),
    "nik_date": (
        ERROR,
        "Tanggal lahir yang tercantum pada NIK (angka ke-7 sampai ke-12) tidak mungkin. "
        "Periksa kembali NIK sesuai KTP.",
    ),
    "nik_serial": (
        ERROR,
        "Empat angka terakhir NIK tidak boleh 0000. Periksa kembali NIK sesuai KTP.",
    ),
    "kk_format": (ERROR, "Nomor KK harus 16 angka sesuai Kartu Keluarga."),
    "kk_placeholder": (
        ERROR,
        "Nomor KK ini tampak seperti contoh (angka berulang atau berurutan), bukan nomor KK "
        "Anda. Salin 16 angka Nomor KK dari Kartu Keluarga.",
    ),
    "kk_date": (
        ERROR,
        "Tanggal terbit pada Nomor KK (angka ke-7 sampai ke-12) tidak mungkin. "
        "Periksa kembali Nomor KK.",
    ),
    "kk_outside_region": (
        ERROR,
        "Kartu Keluarga tidak diterbitkan di {district}. Program ini hanya untuk "
        "warga yang berdomisili di {district} sesuai KK.",
    ),
    "kk_equals_nik": (
        ERROR,
        "Nomor KK sama dengan NIK. Nomor KK tertera di Kartu Keluarga, bukan di KTP.",
    ),
    "dob_format": (
        ERROR,
        "Tanggal lahir tidak dapat dibaca atau belum terjadi. Isi dengan tanggal lahir sesuai KTP.",
    ),
    "age_below_min": (ERROR, "Usia pada tanggal pendaftaran belum {min_age} tahun."),
    "age_above_max": (ERROR, "Usia pada tanggal pendaftaran sudah {max_age} tahun atau lebih."),
    "phone_format": (
        ERROR,
        "Nomor HP tidak dapat dibaca. Tulis nomor HP aktif, misalnya 0812xxxxxxxx.",
    ),
    "phone_not_mobile": (
        ERROR,
        "Nomor yang diisi bukan nomor HP (misalnya nomor telepon rumah). "
        "Isi nomor HP/WhatsApp aktif.",
    ),
    "name_format": (
        ERROR,
        "Nama hanya boleh berisi huruf, spasi, titik, koma, tanda hubung dan apostrof.",
    ),
    "kecamatan_unknown": (ERROR, "Kecamatan tidak dikenal di {district}."),
    "desa_unknown": (ERROR, "Desa/kelurahan tidak dikenal di Kecamatan {kecamatan}."),
    "consent_missing": (ERROR, "Persetujuan penggunaan data wajib dicentang."),
    "too_long": (
        ERROR,
        'Jawaban "{label}" terlalu panjang: paling banyak {limit} karakter.',
    ),
    "nik_dob_mismatch": (
        WARNING,
        "Tanggal lahir pada NIK berbeda dengan tanggal lahir yang diisi.",
    ),
    "nik_sex_mismatch": (
        WARNING,
        "Jenis kelamin pada NIK berbeda dengan jenis kelamin yang diisi.",
    ),
    "nik_outside_region": (
        WARNING,
        "NIK bukan terbitan {district} (penduduk pindahan tetap memakai NIK lama).",
    ),
    "name_title": (WARNING, "Nama tampaknya memuat gelar atau jabatan ({titles})."),
    "phone_shared": (WARNING, "Nomor HP ini dipakai oleh lebih dari {limit} pendaftar."),
    # Not in the webhook's list: found only by the reconcile job (prens/intake/responses.py).
    "sheet_number": (
        WARNING,
        "{label} dibaca dari sheet respons formulir, yang menyimpannya sebagai bilangan: "
        "angka terakhirnya bisa berubah. Cocokkan dengan {document}.",
    ),
}

ERROR_CODES = frozenset(code for code, (sev, _) in CATALOGUE.items() if sev == ERROR)
WARNING_CODES = frozenset(code for code, (sev, _) in CATALOGUE.items() if sev == WARNING)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one answer of a submission."""

    field: str
    code: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Problem:
        return cls(data["field"], data["code"], data["severity"], data["message"])


def problem(field: str, code: str, **context: object) -> Problem:
    """Build the problem `code` for `field`, its message filled from `context`."""
    severity, template = CATALOGUE[code]
    return Problem(field=field, code=code, severity=severity, message=template.format(**context))


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)
