"""A stored patient as a person document (the person-file format the clinical pipeline reads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mgir.storage._tables import DietEntry, Medication, Observation, Patient

__all__ = ["person_document"]


def person_document(
    patient: Patient,
    labs: Sequence[Observation],
    diary: Sequence[DietEntry],
    medicines: Sequence[Medication],
    *,
    newest_per_lab: int | None = None,
) -> dict[str, Any]:
    """The person document of ``docs/person-file.md`` for a stored patient.

    Every lab is passed with its date and the unit it was received in: the pipeline takes the
    newest value of each lab. Two results of one lab on one day (a repeat, or a laboratory's
    correction) are both kept in storage; the pipeline reads the one recorded last.
    ``newest_per_lab`` keeps only that many newest days of each lab (2 is all the assessment
    reads: the newest and the one before).
    """
    last_of_day: dict[tuple[str, object], Observation] = {}
    for observation in sorted(labs, key=lambda o: o.id):
        last_of_day[(observation.lab, observation.effective)] = observation
    labs = sorted(last_of_day.values(), key=lambda o: (o.effective, o.id))
    if newest_per_lab is not None:
        # The assessment reads the newest result of each lab and compares it with the one
        # before (reference change values): older results change nothing it says.
        kept: dict[str, list[Observation]] = {}
        for observation in reversed(labs):
            if len(kept.setdefault(observation.lab, [])) < newest_per_lab:
                kept[observation.lab].append(observation)
        labs = sorted(
            (o for group in kept.values() for o in group), key=lambda o: (o.effective, o.id)
        )
    person: dict[str, Any] = {
        "id": patient.identifier,
        "birth_date": patient.birth_date,
        "sex": patient.sex,
        "pregnant": patient.pregnant,
        "lactating": patient.lactating,
        "conditions": list(patient.conditions),
        "medications": [m.name for m in medicines],
    }
    if patient.weight_kg is not None:
        person["weight_kg"] = patient.weight_kg
    if patient.height_cm is not None:
        person["height_cm"] = patient.height_cm
    times = {m.name: list(m.times) for m in medicines if m.times}
    if times:
        person["medication_times"] = times
    document: dict[str, Any] = {
        "spec_version": 1,
        "person": person,
        "labs": [
            {"name": o.lab, "value": o.value, "unit": o.unit, "date": o.effective} for o in labs
        ],
    }
    if diary:
        document["diet"] = [
            {"day": d.day, "food": d.food, "amount": {"value": d.amount, "unit": d.amount_unit}}
            for d in diary
        ]
    return document
