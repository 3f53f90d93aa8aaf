"""Intake: assess a submission and commit it to the ledger; the answer the webhook gives."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from prens.config import Settings
from prens.errors import ResponseChanged
from prens.intake.submission import Submission
from prens.rules.fingerprint import Fingerprint, fingerprint
from prens.rules.problems import Problem
from prens.rules.registration import Candidate, Registration
from prens.rules.validation import assess, phone_shared_warning
from prens.store.ledger import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeResult:
    registration: Registration
    created: bool  # False for a replay of a response already stored

    def response(self) -> dict[str, object]:
        """The webhook's JSON answer (contract)."""
        reg = self.registration
        return {"id": reg.id, "status": reg.status, "problems": [p.as_dict() for p in reg.problems]}


def submission_fingerprint(settings: Settings, submission: Submission) -> Fingerprint:
    """The fingerprint both roads compute: the stamped second and the name as typed."""
    name = submission.answers.get(settings.questions["nama"], "")
    return fingerprint(submission.submitted_at, name if isinstance(name, str) else "")


def receive(
    ledger: Ledger,
    settings: Settings,
    submission: Submission,
    now: datetime,
    extra_problems: tuple[Problem, ...] = (),
) -> IntakeResult:
    """Validate `submission` and store it once; a replayed response returns its first answer.

    `extra_problems` are warnings the caller found on the way (the reconcile job's note that a
    NIK was read back from the responses sheet as a number)."""
    registered_on = submission.submitted_at.astimezone(settings.timezone).date()
    assessment = assess(submission.answers, settings, registered_on)
    if extra_problems:
        assessment.problems.extend(extra_problems)
    # A citizen whose submission needs correction is told so, if their phone can be reached.
    reachable = assessment.person.get("telepon", "").startswith("+62") and not any(
        p.field == "telepon" for p in assessment.problems
    )
    # A NIK or KK the responses sheet stored as a number may have lost its last digit: the
    # citizen is not told it is wrong; the verifier sees why in "Perlu Perbaikan".
    trusted = not any(p.code == "sheet_number" for p in extra_problems)
    notify = (
        not assessment.valid
        and reachable
        and trusted
        and "needs_correction" in settings.notifications.templates
    )
    candidate = Candidate(
        response_key=submission.response_key,
        submitted_at=submission.submitted_at,
        valid=assessment.valid,
        person=assessment.person,
        answers=submission.answers,
        problems=assessment.problems,
        notify_event="needs_correction" if notify else None,
        fingerprint=submission_fingerprint(settings, submission),
    )
    registration, created = ledger.record(
        candidate, now, lambda others: phone_shared_warning(others, settings)
    )
    # The same responseId again with other answers: an edit of the form response. (A response
    # first read from the responses sheet is matched by fingerprint instead, and the sheet's
    # text of an answer may differ from the form's: that is no edit.)
    if (
        not created
        and registration.response_key == submission.response_key
        and registration.answers != submission.answers
    ):
        raise ResponseChanged(registration.id)
    if created:
        # Ids and codes only: never NIK, KK or phone numbers in the log.
        codes = ",".join(p.code for p in registration.problems)
        log.info(
            "registration %s stored: %s%s%s",
            registration.id,
            registration.status,
            f" ({codes})" if codes else "",
            f" of {registration.duplicate_of}" if registration.duplicate_of else "",
        )
    return IntakeResult(registration, created)
