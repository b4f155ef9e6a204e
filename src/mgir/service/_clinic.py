"""The service's glue to the clinical pipeline: a stored patient → person → ``mgir.care``.

Nothing here decides anything clinical: the person document is built from the stored records
(:func:`mgir.storage.person_document`), validated by :func:`mgir.assessment.parse_person` and
evaluated by :func:`mgir.care.evaluate`; the panel's flags, the labs due and the projection
overlay are :mod:`mgir.care` functions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session as DbSession

from mgir._errors import InvalidInputError
from mgir.assessment import parse_person
from mgir.care import (
    CareOptions,
    DatedValue,
    Evaluation,
    LabDue,
    ProjectionOverlay,
    evaluate,
    labs_due,
    panel_flags,
    projection_overlay,
    with_homa_ir,
)
from mgir.storage import (
    Observation,
    Patient,
    Plan,
    diet_entries,
    medications,
    observations,
    person_document,
    plans,
    utc_now,
)

__all__ = [
    "dated_values",
    "evaluate_patient",
    "follow_up",
    "latest_signed",
    "patient_document",
    "refresh_summary",
    "stored_evaluation",
]


def patient_document(
    db: DbSession,
    patient: Patient,
    as_of: date | None = None,
    *,
    newest_per_lab: int | None = None,
) -> dict[str, Any]:
    """The person document of a stored patient as of a day (default today).

    Labs and diary entries after that day are left out, and medicines not taken on it (started
    later, or ended before).
    """
    when = as_of or date.today()
    labs = [o for o in observations(db, patient.id) if o.effective <= when]
    diary = [d for d in diet_entries(db, patient.id) if d.day <= when]
    medicines = [
        m
        for m in medications(db, patient.id)
        if (m.end_date is None or m.end_date >= when)
        and (m.start_date is None or m.start_date <= when)
    ]
    return person_document(patient, labs, diary, medicines, newest_per_lab=newest_per_lab)


def evaluate_patient(
    db: DbSession,
    patient: Patient,
    options: CareOptions,
    *,
    stages: str = "projection",
    as_of: date | None = None,
    now: datetime | None = None,
    newest_per_lab: int | None = None,
) -> tuple[dict[str, Any], Evaluation]:
    """Run the pipeline on a stored patient: the person document used and the evaluation."""
    document = patient_document(db, patient, as_of, newest_per_lab=newest_per_lab)
    person = parse_person(
        document,
        assessed_on=as_of or date.today(),
        insulin_pmol_per_uiu=options.insulin_pmol_per_uiu,
    )
    evaluation = evaluate(person, options, stages=stages, now=now)  # type: ignore[arg-type]
    return document, evaluation


def refresh_summary(db: DbSession, patient: Patient) -> None:
    """Re-evaluate (assessment and plan, no projection) after a write to the patient's data.

    A record the pipeline cannot read (a diary food that no longer resolves, say) keeps the error
    beside the record instead of failing the write that caused it: nothing stored is lost, and the
    patient page shows what to fix.
    """
    try:
        _, evaluation = evaluate_patient(
            db, patient, CareOptions(project=False), stages="plan", newest_per_lab=2
        )
    except InvalidInputError as error:
        patient.summary = None
        patient.summary_error = str(error)
        patient.flags = []
    else:
        patient.summary = evaluation.to_dict()
        patient.summary_error = None
        patient.flags = [flag.to_dict() for flag in panel_flags(evaluation)]
    patient.summarised_at = utc_now()


class _SignedEvaluations:
    """Typed evaluations of signed plan versions, newest ``size`` kept (signed means immutable)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, datetime | None], Evaluation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, datetime | None], document: dict[str, Any]) -> Evaluation:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        evaluation = Evaluation.model_validate(document)
        with self._lock:
            self._items[key] = evaluation
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return evaluation


_SIGNED = _SignedEvaluations()


def stored_evaluation(plan: Plan, db: DbSession | None = None) -> Evaluation:
    """The evaluation a plan version stored, as the typed value.

    A signed version is immutable, so with ``db`` its typed value is kept (per process, keyed by
    database, plan and signing time): a patient page does not validate a 150 kB document again.
    """
    if plan.status != "signed" or db is None:
        return Evaluation.model_validate(plan.evaluation)
    database = db.get_bind().engine.url.render_as_string(hide_password=True)
    return _SIGNED.get((database, plan.id, plan.signed_at), plan.evaluation)


def latest_signed(db: DbSession, patient: Patient) -> Plan | None:
    """The newest signed plan version, or ``None``."""
    return next((p for p in plans(db, patient.id) if p.status == "signed"), None)


def dated_values(rows: list[Observation]) -> tuple[DatedValue, ...]:
    """Lab results as canonical dated values, with HOMA1-IR where glucose and insulin pair up."""
    return with_homa_ir(
        [DatedValue(lab=o.lab, on=o.effective, value=o.value_canonical) for o in rows]
    )


def follow_up(
    db: DbSession, patient: Patient, today: date
) -> tuple[Plan | None, tuple[LabDue, ...], tuple[ProjectionOverlay, ...]]:
    """The newest signed plan, its labs due and its projection against the labs measured since."""
    plan = latest_signed(db, patient)
    if plan is None or plan.starts_on is None:
        return plan, (), ()
    evaluation = stored_evaluation(plan, db)
    results = dated_values(observations(db, patient.id))
    return (
        plan,
        labs_due(evaluation, plan.starts_on, results, today),
        projection_overlay(evaluation, plan.starts_on, results),
    )
