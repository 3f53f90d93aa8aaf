"""Realistic sample submissions, for trying the service (`prens demo send`), tests and benchmarks.

The people are invented: their NIK and KK follow the rules of DOMAIN.md with random serials.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from prens.config import Settings
from prens.intake.signing import sign

FIRST_NAMES = [
    "Ahmad",
    "Siti",
    "Muhammad",
    "Nur",
    "Rahmat",
    "Fatimah",
    "Abdul",
    "Aisyah",
    "Yusuf",
    "Rusmini",
    "Saleh",
    "Halimah",
    "Hendra",
    "Nurul",
    "Bahrudin",
    "Masitah",
    "Ijai",
    "Kamariah",
    "Rudiansyah",
    "Jumiati",
]
LAST_NAMES = [
    "Hidayat",
    "Rahman",
    "Fauzi",
    "Syahrani",
    "Ansyari",
    "Noor",
    "Aini",
    "Hasanah",
    "Gazali",
    "Maulana",
    "Rizani",
    "Wahyuni",
    "",
]
FEMALE = {
    "Siti",
    "Nur",
    "Fatimah",
    "Aisyah",
    "Rusmini",
    "Halimah",
    "Nurul",
    "Masitah",
    "Kamariah",
    "Jumiati",
}
JOBS = [
    "Petani",
    "Pekebun",
    "Pedagang",
    "Nelayan",
    "Buruh Harian Lepas",
    "Tukang Ojek",
    "Sopir",
    "Peternak",
    "Pengrajin",
]


@dataclass
class Person:
    """One invented registrant, as the form's fields."""

    fields: dict[str, object]


def nik_for(kecamatan_code: str, born: date, female: bool, serial: int) -> str:
    day = born.day + (40 if female else 0)
    return kecamatan_code.replace(".", "") + f"{day:02d}{born:%m%y}{serial:04d}"


def kk_for(kecamatan_code: str, issued: date, serial: int) -> str:
    return kecamatan_code.replace(".", "") + f"{issued:%d%m%y}{serial:04d}"


def person(
    settings: Settings, rng: random.Random, today: date, kecamatan: str | None = None
) -> Person:
    """A valid registrant of the district, from `kecamatan` (a name) or a random one."""
    places = list(settings.region.kecamatan.values())
    kec = next((p for p in places if p.name == kecamatan), None) or rng.choice(places)
    desa = rng.choice(list(settings.region.desa[kec.code].values()))
    first = rng.choice(FIRST_NAMES)
    female = first in FEMALE
    age_days = rng.randint(19 * 365, 63 * 365)
    born = today - timedelta(days=age_days)
    issued = today - timedelta(days=rng.randint(30, 3000))
    fields: dict[str, object] = {
        "nama": f"{first} {rng.choice(LAST_NAMES)}".strip(),
        "nik": nik_for(kec.code, born, female, rng.randint(1, 9999)),
        "kk": kk_for(kec.code, issued, rng.randint(1, 9999)),
        "tanggal_lahir": born.isoformat(),
        "jenis_kelamin": "Perempuan" if female else "Laki-laki",
        "telepon": "0812" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        "kecamatan": kec.name,
        "desa": desa.name,
        "alamat": f"RT {rng.randint(1, 12):02d} RW {rng.randint(1, 5):02d}, "
        f"Gang {rng.choice(['Damai', 'Sepakat', 'Harapan'])}",
        "pekerjaan": rng.choice(JOBS),
        "persetujuan": [settings.consent_option],
    }
    return Person({k: v for k, v in fields.items() if k in settings.questions})


def body(
    settings: Settings,
    fields: dict[str, object],
    response_id: str | None = None,
    submitted_at: datetime | None = None,
) -> dict[str, object]:
    """The webhook body the Apps Script sends for these field values."""
    submitted_at = submitted_at or datetime.now(settings.timezone)
    return {
        "responseId": response_id or "demo-" + uuid.uuid4().hex,
        "timestamp": submitted_at.isoformat(),
        "answers": {settings.questions[k]: v for k, v in fields.items() if k in settings.questions},
    }


def signed_request(
    secret: bytes, payload: dict[str, object], now: int
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a signed webhook request."""
    raw = json.dumps(payload, ensure_ascii=False).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-Prens-Timestamp": str(now),
        "X-Prens-Signature": sign(secret, now, raw),
    }


def mixed_batch(
    settings: Settings, rng: random.Random, today: date, count: int
) -> list[dict[str, object]]:
    """`count` bodies: mostly valid people, some with typical mistakes, one in ten a duplicate."""
    bodies: list[dict[str, object]] = []
    for i in range(count):
        p = person(settings, rng, today)
        roll = rng.random()
        if roll < 0.08:
            p.fields["nik"] = "6311090724010001"  # the form's own example NIK
        elif roll < 0.12:
            p.fields["telepon"] = "0526 2028 123"  # a landline
        elif roll < 0.15:
            p.fields["kk"] = p.fields["nik"]
        elif roll < 0.25 and bodies:
            prior = rng.choice(bodies)["answers"]
            p.fields["nik"] = prior[settings.questions["nik"]]  # type: ignore[index]
        bodies.append(body(settings, p.fields, response_id=f"demo-{i}-{rng.getrandbits(48):x}"))
    return bodies
