"""Assess one submission against the program's rules (pure: the registration day is an argument)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from prens.config import Settings
from prens.rules.dates import age_on, parse_date
from prens.rules.identity import Nik, check_kk, check_nik
from prens.rules.names import check_name
from prens.rules.phone import check_phone
from prens.rules.problems import Problem, has_errors, problem

Answer = str | list[str]

# What a citizen sees as the question's name in a "required" message.
LABELS = {
    "nama": "Nama Lengkap",
    "nik": "NIK",
    "kk": "Nomor KK",
    "tanggal_lahir": "Tanggal Lahir",
    "jenis_kelamin": "Jenis Kelamin",
    "telepon": "Nomor HP / WhatsApp",
    "kecamatan": "Kecamatan",
    "desa": "Desa / Kelurahan",
    "alamat": "Alamat Lengkap",
    "pekerjaan": "Pekerjaan",
    "persetujuan": "Persetujuan",
}
SEXES = {
    "laki-laki": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "l": "L",
    "pria": "L",
    "perempuan": "P",
    "p": "P",
    "wanita": "P",
}
SEX_NAMES = {"L": "Laki-laki", "P": "Perempuan"}
# The longest answer kept, in characters: generous for what a KTP holds (names reach about 60),
# short enough for a sheet cell, a message and the public list. Longer: `too_long`, cut here.
MAX_LENGTHS = {
    "nama": 100,
    "nik": 40,
    "kk": 40,
    "tanggal_lahir": 40,
    "jenis_kelamin": 40,
    "telepon": 40,
    "kecamatan": 100,
    "desa": 100,
    "alamat": 300,
    "pekerjaan": 100,
    "persetujuan": 300,
}


@dataclass
class Assessment:
    """The normalised answers of a submission and the problems found in it."""

    person: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not has_errors(self.problems)


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def answers_by_field(answers: Mapping[str, Answer], settings: Settings) -> dict[str, Answer]:
    """Pick each configured question's answer; titles match ignoring case and spacing."""
    loose = {_title_key(title): value for title, value in answers.items()}
    picked: dict[str, Answer] = {}
    for name, title in settings.questions.items():
        if title in answers:
            picked[name] = answers[title]
        elif _title_key(title) in loose:
            picked[name] = loose[_title_key(title)]
    return picked


def _text(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if isinstance(answer, list):
        return ", ".join(a.strip() for a in answer if a.strip())
    return answer.strip()


def assess(answers: Mapping[str, Answer], settings: Settings, registered_on: date) -> Assessment:
    """Check every answer; the registration day decides ages and what is "in the future"."""
    given = answers_by_field(answers, settings)
    texts = {name: _text(given.get(name)) for name in settings.questions}
    out = Assessment()
    _presence_and_length(texts, settings, out)
    nik = _identity(texts, settings, registered_on, out)
    _birth_and_sex(texts, settings, registered_on, nik, out)
    if texts.get("telepon"):
        phone, found = check_phone(texts["telepon"])
        out.person["telepon"] = phone or texts["telepon"]
        out.problems += found
    _place(texts, settings, out)
    for name in ("alamat", "pekerjaan"):
        if texts.get(name):
            out.person[name] = " ".join(texts[name].split())
    if "persetujuan" in settings.questions:
        _consent(given.get("persetujuan"), settings, out)
    return out


def _presence_and_length(texts: dict[str, str], settings: Settings, out: Assessment) -> None:
    """Required answers given; every answer within its maximum (cut to it when not)."""
    for name in settings.questions:
        if name != "persetujuan" and settings.required(name) and not texts[name]:
            out.problems.append(problem(name, "required", label=LABELS[name]))
        limit = MAX_LENGTHS[name]
        if len(texts[name]) > limit:
            out.problems.append(problem(name, "too_long", label=LABELS[name], limit=limit))
            texts[name] = texts[name][:limit].strip()


def _identity(
    texts: dict[str, str], settings: Settings, registered_on: date, out: Assessment
) -> Nik | None:
    """The name, the NIK (returned when it is valid) and the KK."""
    if texts.get("nama"):
        name_value, found = check_name(texts["nama"])
        out.person["nama"] = name_value or texts["nama"]
        out.problems += found
    nik = None
    if texts.get("nik"):
        nik, found = check_nik(texts["nik"], registered_on)
        out.person["nik"] = nik.number if nik else texts["nik"]
        out.problems += found
        if nik and nik.region != settings.region.code:
            out.problems.append(problem("nik", "nik_outside_region", district=settings.district))
    if texts.get("kk"):
        kk, found = check_kk(
            texts["kk"],
            registered_on,
            nik.number if nik else None,
            settings.region.code,
            settings.district,
        )
        out.person["kk"] = kk or texts["kk"]
        out.problems += found
    return nik


def _birth_and_sex(
    texts: dict[str, str],
    settings: Settings,
    registered_on: date,
    nik: Nik | None,
    out: Assessment,
) -> None:
    """The date of birth (the age on the registration day) and the sex, each checked against
    what the NIK encodes."""
    if texts.get("tanggal_lahir"):
        # The NIK's own date settles a day and month that could be read either way.
        hint = nik.birth_date if nik else None
        born = parse_date(texts["tanggal_lahir"], settings.date_order, hint)
        if born is None or born > registered_on:
            out.person["tanggal_lahir"] = texts["tanggal_lahir"]
            out.problems.append(problem("tanggal_lahir", "dob_format"))
        else:
            out.person["tanggal_lahir"] = born.isoformat()
            age = age_on(born, registered_on)
            if age < settings.min_age:
                out.problems.append(
                    problem("tanggal_lahir", "age_below_min", min_age=settings.min_age)
                )
            elif age >= settings.max_age:
                out.problems.append(
                    problem("tanggal_lahir", "age_above_max", max_age=settings.max_age)
                )
            if nik and nik.birth_date != born:
                out.problems.append(problem("nik", "nik_dob_mismatch"))
    if texts.get("jenis_kelamin"):
        sex = SEXES.get(texts["jenis_kelamin"].casefold())
        out.person["jenis_kelamin"] = SEX_NAMES[sex] if sex else texts["jenis_kelamin"]
        if nik and sex and nik.sex != sex:
            out.problems.append(problem("nik", "nik_sex_mismatch"))


def _place(texts: dict[str, str], settings: Settings, out: Assessment) -> None:
    """The kecamatan and the desa, matched tolerantly against the region's names."""
    if texts.get("kecamatan"):
        kecamatan = settings.region.find_kecamatan(texts["kecamatan"])
        out.person["kecamatan"] = kecamatan.name if kecamatan else texts["kecamatan"]
        if kecamatan is None:
            out.problems.append(
                problem("kecamatan", "kecamatan_unknown", district=settings.district)
            )
        elif texts.get("desa"):
            desa = settings.region.find_desa(kecamatan, texts["desa"])
            if desa is None:
                out.problems.append(problem("desa", "desa_unknown", kecamatan=kecamatan.name))
            else:
                out.person["kode_desa"] = desa.code
            out.person["desa"] = desa.name if desa else texts["desa"]
    if texts.get("desa") and "desa" not in out.person:
        out.person["desa"] = texts["desa"]


def _consent(chosen: Answer | None, settings: Settings, out: Assessment) -> None:
    option = " ".join(settings.consent_option.split()).casefold()
    chosen_list = chosen if isinstance(chosen, list) else [chosen or ""]
    if not any(" ".join(c.split()).casefold() == option for c in chosen_list):
        out.problems.append(problem("persetujuan", "consent_missing"))
    else:
        out.person["persetujuan"] = "Ya"


def phone_shared_warning(count_before: int, settings: Settings) -> Problem | None:
    """The warning for a phone already on `count_before` other registrations, if over the limit."""
    if count_before + 1 > settings.phone_shared_limit:
        return problem("telepon", "phone_shared", limit=settings.phone_shared_limit)
    return None
