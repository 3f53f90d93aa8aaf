"""A registration as the program knows it: what a submission becomes once assessed (a
candidate), and what the ledger keeps of it; its statuses, the worksheets it goes to, its id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prens.rules.fingerprint import Fingerprint
from prens.rules.problems import Problem

ACCEPTED, NEEDS_CORRECTION, DUPLICATE = "accepted", "needs_correction", "duplicate"
# How a person calls each (the webhook's answers keep the machine words, the contract's).
RECEIVED_WORDS = {ACCEPTED: "diterima", NEEDS_CORRECTION: "perlu perbaikan", DUPLICATE: "ganda"}
FIRST_STATE = "MENUNGGU VERIFIKASI"
PENDAFTAR, PERLU_PERBAIKAN = "pendaftar", "perlu_perbaikan"
RESPONSE_ID_PREFIX = "rid:"  # the response key of a response that carried a responseId

# Readable ids, read out on the phone: no 0/O, 1/I/L or U.
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_registration_id(prefix: str) -> str:
    n, digits = secrets.randbelow(len(ID_ALPHABET) ** 6), []  # one draw, uniform
    for _ in range(6):
        n, d = divmod(n, len(ID_ALPHABET))
        digits.append(ID_ALPHABET[d])
    return prefix + "-" + "".join(digits)


@dataclass
class Registration:
    """One stored submission."""

    id: str
    response_key: str
    submitted_at: datetime
    received_at: datetime
    status: str
    person: dict[str, str]
    answers: dict[str, Any]
    problems: list[Problem]
    duplicate_of: str | None = None
    corrects: str | None = None
    state: str | None = None
    seq: int = 0


@dataclass
class Candidate:
    """A submission assessed and ready to store; the ledger decides duplicate or not."""

    response_key: str
    submitted_at: datetime
    valid: bool
    person: dict[str, str]
    answers: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    notify_event: str | None = None  # a message to queue with it ("needs_correction")
    fingerprint: Fingerprint | None = None  # stored once: a second response with it is a replay
