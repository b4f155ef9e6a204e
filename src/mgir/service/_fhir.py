"""FHIR R4 import and export with ``fhir.resources``.

The package's R4B models are used: Patient, Observation, MedicationStatement and CarePlan are
unchanged from R4.0.1.

Export: a ``collection`` Bundle of the Patient, every lab as an Observation (LOINC code, UCUM
unit), every index the pipeline computed as an Observation with ``derivedFrom`` pointing at the
labs it was computed from, MedicationStatements and a CarePlan per plan version.

Import: a Bundle's Observations (labs) and MedicationStatements, all or nothing; every problem
is reported with its place in the Bundle (``entry[3].resource.valueQuantity.unit``). Resources
mgir makes itself (computed indices, CarePlans) and resources it does not store are counted as
skipped, never dropped silently; a lab already stored (same lab, day, value and unit) is counted
as a duplicate.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import pydantic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation as FhirObservation
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy.orm import Session as DbSession

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir.storage import (
    Observation,
    Patient,
    add_medication,
    add_observation,
    medications,
    observations,
    plans,
)
from mgir.units import analyte, analyte_names, normalise_unit, ucum

_Resource = TypeVar("_Resource", bound=pydantic.BaseModel)

__all__ = ["export_bundle", "import_bundle", "json_ready", "patient_fields"]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MGIR_LAB = "urn:mgir:lab"
MGIR_INDEX = "urn:mgir:index"
MGIR_PATIENT = "urn:mgir:patient"
_NAMESPACE = uuid.UUID("6f1d2c9e-5a3b-4c1e-9f7a-2d8e4b6c0a15")
_BUNDLE_TYPES = frozenset(
    {"collection", "batch", "transaction", "searchset", "document", "message", "history"}
)
_MEDICATION_CURRENT = frozenset({"active", "intended"})
_MEDICATION_ENDED = frozenset({"completed", "stopped"})
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_ACCEPTED_STATUS = frozenset({"final", "amended", "corrected"})


def json_ready(value: Any) -> Any:
    """A document with dates as ISO strings (what a JSON column stores)."""
    return json.loads(json.dumps(value, default=_iso))


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    msg = f"{type(value).__name__} is not JSON"
    raise TypeError(msg)


def _urn(patient: Patient, kind: str, local_id: str) -> str:
    # A stable full URL per resource (R4 Bundle.entry.fullUrl); every reference inside the
    # Bundle uses it, so that references resolve within the Bundle.
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, f"{patient.identifier}/{kind}/{local_id}"))


def _patient_ref(patient: Patient) -> dict[str, str]:
    return {"reference": _urn(patient, "Patient", f"patient-{patient.id}")}


def _lab_observation(patient: Patient, o: Observation) -> dict[str, Any]:
    item = analyte(o.lab)
    coding = [{"system": MGIR_LAB, "code": o.lab, "display": item.description}]
    if o.loinc:
        coding.insert(0, {"system": LOINC, "code": o.loinc, "display": item.description})
    return {
        "resourceType": "Observation",
        "id": f"obs-{o.id}",
        "status": "final",
        "category": [{"coding": [{"system": _CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": coding, "text": item.description},
        "subject": _patient_ref(patient),
        "effectiveDateTime": o.effective.isoformat(),
        "valueQuantity": {"value": o.value, "unit": o.unit, "system": UCUM, "code": ucum(o.unit)},
    }


def _inputs_of(inputs: dict[str, Any], latest: dict[str, Observation]) -> list[Observation]:
    used = []
    for key in inputs:
        name = key.removeprefix("serum_") if key.startswith("serum_creatinine") else key
        match = max((lab for lab in latest if name.startswith(lab + "_")), key=len, default=None)
        if match is not None and latest[match] not in used:
            used.append(latest[match])
    return used


def _index_observations(patient: Patient, latest: dict[str, Observation]) -> list[dict[str, Any]]:
    summary = patient.summary or {}
    assessment = summary.get("assessment") or {}
    results = dict(assessment.get("indices") or {})
    results.update(
        {k: v for k, v in (assessment.get("kidney") or {}).items() if isinstance(v, dict)}
    )
    out = []
    for name, result in results.items():
        if result.get("value") is None:
            continue
        derived = _inputs_of(result.get("inputs") or {}, latest)
        # Dated by the newest sample it was computed from (not by the day of the export).
        newest = max((o.effective for o in derived), default=None)
        on = (newest or (patient.summarised_at or datetime.now()).date()).isoformat()
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"index-{name.replace('_', '-')}-{patient.id}",
            "status": "final",
            "code": {"coding": [{"system": MGIR_INDEX, "code": name}], "text": name},
            "subject": _patient_ref(patient),
            "effectiveDateTime": on,
            "valueQuantity": {"value": round(float(result["value"]), 6), "unit": result["unit"]},
            "method": {"text": str(result.get("interpretation") or name)},
        }
        if derived:
            resource["derivedFrom"] = [
                {"reference": _urn(patient, "Observation", f"obs-{o.id}")} for o in derived
            ]
        out.append(resource)
    return out


def _medication_statement(patient: Patient, medication: Any) -> dict[str, Any]:
    ended = medication.end_date is not None and medication.end_date < date.today()
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": f"med-{medication.id}",
        "status": "completed" if ended else "active",
        "medicationCodeableConcept": {"text": medication.name},
        "subject": _patient_ref(patient),
    }
    period = {}
    if medication.start_date:
        period["start"] = medication.start_date.isoformat()
    if medication.end_date:
        period["end"] = medication.end_date.isoformat()
    if period:
        resource["effectivePeriod"] = period
    if medication.times:
        resource["dosage"] = [
            {"timing": {"repeat": {"timeOfDay": [f"{t}:00" for t in medication.times]}}}
        ]
    return resource


def _care_plan(patient: Patient, plan: Any, newest_signed: int | None) -> dict[str, Any]:
    evaluation = plan.evaluation or {}
    content = evaluation.get("plan") or {}
    status = (
        "draft"
        if plan.status == "draft"
        else ("active" if plan.id == newest_signed else "completed")
    )
    activities: list[dict[str, Any]] = []
    supplement = content.get("supplement")
    if supplement:
        activities.append(
            {
                "detail": {
                    "kind": "MedicationRequest",
                    "status": "scheduled" if plan.status == "signed" else "not-started",
                    "description": f"{supplement['elemental_mg_per_day']:g} mg/day elemental "
                    f"magnesium as {supplement['salt']} ({supplement['salt_mg_per_day']:g} mg/day "
                    "of the salt)",
                }
            }
        )
    for row in content.get("monitoring") or []:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {"text": row["lab"]},
                    "status": "not-started",
                    "description": f"{row['lab']}: {row['when']} ({row['why']})",
                }
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": f"plan-{plan.id}",
        "status": status,
        "intent": "plan",
        "title": f"Magnesium plan, version {plan.version}",
        "subject": _patient_ref(patient),
        "created": plan.created_at.isoformat(),
        "description": str(content.get("supplement_decision") or "diet plan"),
        "note": [{"text": str(content.get("disclaimer") or "")}]
        if content.get("disclaimer")
        else [],
    }
    if plan.starts_on:
        resource["period"] = {"start": plan.starts_on.isoformat()}
    if activities:
        resource["activity"] = activities
    if not resource["note"]:
        del resource["note"]
    return resource


def export_bundle(db: DbSession, patient: Patient, *, drafts: bool = True) -> Bundle:
    """The patient's record as a FHIR R4 ``collection`` Bundle (validated by fhir.resources).

    ``drafts=False`` leaves draft plan versions out (what a patient's own export holds).
    """
    labs = observations(db, patient.id)
    latest: dict[str, Observation] = {}
    for o in labs:
        latest[o.lab] = o
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": f"patient-{patient.id}",
            "identifier": [{"system": MGIR_PATIENT, "value": patient.identifier}],
            "name": [{"text": patient.name}],
            "gender": patient.sex,
            "birthDate": patient.birth_date.isoformat(),
        }
    ]
    resources += [_lab_observation(patient, o) for o in labs]
    resources += _index_observations(patient, latest)
    resources += [_medication_statement(patient, m) for m in medications(db, patient.id)]
    versions = [p for p in plans(db, patient.id) if drafts or p.status == "signed"]
    newest_signed = next((p.id for p in versions if p.status == "signed"), None)
    resources += [_care_plan(patient, p, newest_signed) for p in versions]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": datetime.now().astimezone().isoformat(),
            "entry": [
                {"fullUrl": _urn(patient, r["resourceType"], r["id"]), "resource": r}
                for r in resources
            ],
        }
    )


def _validation_errors(error: pydantic.ValidationError, prefix: str) -> InvalidInputErrors:
    found = []
    for item in error.errors():
        where = ""
        for part in item["loc"]:
            if part == "__root__":
                continue
            # entry[2].resource.subject, as the domain errors name places.
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        found.append(
            InvalidInputError(
                field=f"{prefix}{where}" if where else prefix.rstrip("."),
                value=item.get("input") if not isinstance(item.get("input"), dict | list) else "…",
                allowed=str(item["msg"]),
            )
        )
    return InvalidInputErrors(found)


def _validated(model: type[_Resource], document: Any, kind: str) -> _Resource:
    """A FHIR resource of ``kind`` read with fhir.resources; every problem named."""
    if not isinstance(document, dict) or document.get("resourceType") != kind:
        raise InvalidInputError(
            field="resourceType",
            value=document.get("resourceType") if isinstance(document, dict) else document,
            allowed=kind,
        )
    try:
        return model.model_validate(document)
    except pydantic.ValidationError as error:
        raise _validation_errors(error, "") from None


def patient_fields(resource: dict[str, Any]) -> dict[str, Any]:
    """The fields of a patient record from a FHIR Patient resource."""
    patient = _validated(FhirPatient, resource, "Patient")
    errors = []
    identifier = next((i.value for i in patient.identifier or [] if i.value), None)
    if identifier is None:
        errors.append(
            InvalidInputError(
                field="identifier",
                value=None,
                allowed="an identifier with a value (the record's id)",
            )
        )
    name = None
    for n in patient.name or []:
        parts = [str(g) for g in n.given or [] if g] + ([str(n.family)] if n.family else [])
        name = n.text or " ".join(parts).strip() or None
        if name:
            break
    if name is None:
        errors.append(
            InvalidInputError(
                field="name", value=None, allowed="a name (text, or given and family)"
            )
        )
    if patient.gender not in {"female", "male"}:
        errors.append(
            InvalidInputError(
                field="gender",
                value=patient.gender,
                allowed="female or male (biological sex, as the formulas need it)",
            )
        )
    if patient.birthDate is None:
        errors.append(InvalidInputError(field="birthDate", value=None, allowed="a date"))
    if errors:
        raise InvalidInputErrors(errors)
    return {
        "identifier": identifier,
        "name": name,
        "birth_date": patient.birthDate,
        "sex": patient.gender,
    }


def _lab_of(observation: FhirObservation, where: str) -> str:
    codings = observation.code.coding or []
    for coding in codings:
        if coding.system == LOINC and coding.code:
            try:
                analyte(coding.code)
            except InvalidInputError:
                continue
            return str(coding.code)
    for coding in codings:
        if coding.system == MGIR_LAB and coding.code in analyte_names():
            return str(coding.code)
    shown = [f"{c.system}|{c.code}" for c in codings]
    raise InvalidInputError(
        field=f"{where}.code.coding",
        value=shown,
        allowed="a LOINC code of a lab mgir knows ("
        + ", ".join(code for name in analyte_names() for code in analyte(name).loinc)
        + ")",
    )


def _effective(observation: FhirObservation, where: str) -> date:
    value = observation.effectiveDateTime
    if value is None and observation.effectivePeriod is not None:
        value = observation.effectivePeriod.start
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            raise InvalidInputError(
                field=f"{where}.effectiveDateTime",
                value=value,
                allowed="a full date (YYYY-MM-DD): a month or a year does not date a sample",
            ) from None
    if day is not None:
        if day > date.today() + timedelta(days=1) or day < date(1900, 1, 1):
            raise InvalidInputError(
                field=f"{where}.effectiveDateTime",
                value=day.isoformat(),
                allowed=f"a date from 1900 to today ({date.today()})",
            )
        return day
    raise InvalidInputError(
        field=f"{where}.effectiveDateTime",
        value=None,
        allowed="the date the sample was taken (effectiveDateTime or effectivePeriod.start)",
    )


def import_bundle(
    db: DbSession, patient: Patient, document: dict[str, Any], *, recorded_by: int
) -> dict[str, Any]:
    """Store a Bundle's labs and medicines for ``patient``: all of them, or none and every error.

    Returns
    -------
    dict
        ``observations`` and ``medications`` stored, ``duplicates`` (labs already stored) and
        ``skipped`` (resource type → count, with the reason).
    """
    bundle = _validated(Bundle, document, "Bundle")
    if bundle.type not in _BUNDLE_TYPES:
        raise InvalidInputError(
            field="type",
            value=bundle.type,
            allowed="a Bundle type: " + ", ".join(sorted(_BUNDLE_TYPES)),
        )
    existing = {(o.lab, o.effective, o.value, o.unit) for o in observations(db, patient.id)}
    errors: list[InvalidInputError] = []
    counts: dict[str, Any] = {"observations": 0, "medications": 0, "duplicates": 0, "skipped": {}}
    own = _own_references(bundle, patient)
    for index, entry in enumerate(bundle.entry or []):
        where = f"entry[{index}].resource"
        resource = entry.resource
        kind = resource.get_resource_type() if resource is not None else "(none)"
        try:
            if isinstance(resource, FhirObservation):
                codes = {c.system for c in resource.code.coding or []}
                if MGIR_INDEX in codes:
                    _skip(counts, "Observation (computed index: recomputed by mgir)")
                    continue
                _check_subject(resource, own, where)
                if resource.status not in _ACCEPTED_STATUS:
                    raise InvalidInputError(
                        field=f"{where}.status",
                        value=resource.status,
                        allowed="final, amended or corrected",
                    )
                lab = _lab_of(resource, where)
                quantity = resource.valueQuantity
                if quantity is None or quantity.value is None:
                    raise InvalidInputError(
                        field=f"{where}.valueQuantity", value=None, allowed="a value with its unit"
                    )
                if quantity.comparator is not None:
                    raise InvalidInputError(
                        field=f"{where}.valueQuantity.comparator",
                        value=quantity.comparator,
                        allowed="an exact value (a result reported as below or above a limit is "
                        "not stored as if it were the limit)",
                    )
                unit = quantity.code if quantity.system == UCUM and quantity.code else quantity.unit
                _check_units_agree(lab, quantity.unit, unit, where)
                when = _effective(resource, where)
                stored = add_observation(
                    db,
                    patient.id,
                    lab=lab,
                    value=float(quantity.value),
                    unit=unit or "",
                    effective=when,
                    source="fhir",
                    recorded_by=recorded_by,
                    field=f"{where}.valueQuantity",
                )
                key = (stored.lab, stored.effective, stored.value, stored.unit)
                if key in existing:
                    db.delete(stored)
                    db.flush()
                    counts["duplicates"] += 1
                else:
                    existing.add(key)
                    counts["observations"] += 1
            elif isinstance(resource, MedicationStatement):
                _check_subject(resource, own, where)
                status = str(resource.status)
                if status not in _MEDICATION_CURRENT | _MEDICATION_ENDED:
                    _skip(
                        counts, f"MedicationStatement with status {status} (not a medicine taken)"
                    )
                    continue
                ended = resource.effectivePeriod.end if resource.effectivePeriod else None
                if status in _MEDICATION_ENDED and ended is None:
                    raise InvalidInputError(
                        field=f"{where}.effectivePeriod.end",
                        value=None,
                        allowed=f"the day a {status} medicine ended (else it would count as taken)",
                    )
                concept = resource.medicationCodeableConcept
                name = None
                if concept is not None:
                    name = concept.text or next(
                        (c.display or c.code for c in concept.coding or []), None
                    )
                if not name:
                    raise InvalidInputError(
                        field=f"{where}.medicationCodeableConcept",
                        value=None,
                        allowed="the medicine's generic name (text or coding display)",
                    )
                times: list[str] = []
                for dosage in resource.dosage or []:
                    repeat = dosage.timing.repeat if dosage.timing else None
                    times += (
                        [t.strftime("%H:%M") for t in (repeat.timeOfDay or []) if t is not None]
                        if repeat
                        else []
                    )
                period = resource.effectivePeriod
                add_medication(
                    db,
                    patient.id,
                    name=name,
                    times=times,
                    start_date=_as_date(period.start) if period else None,
                    end_date=_as_date(period.end) if period else None,
                    recorded_by=recorded_by,
                )
                counts["medications"] += 1
            else:
                _skip(
                    counts, f"{kind} (not imported: mgir stores labs and medicines from a Bundle)"
                )
        except InvalidInputError as error:
            errors.extend(error.errors if isinstance(error, InvalidInputErrors) else [error])
    if errors:
        raise InvalidInputErrors(errors)
    return counts


def _skip(counts: dict[str, Any], why: str) -> None:
    counts["skipped"][why] = counts["skipped"].get(why, 0) + 1


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def _own_references(bundle: Bundle, patient: Patient) -> frozenset[str]:
    """References that mean this patient.

    Its mgir references, and a Patient in the Bundle that carries its identifier (by the entry's
    full URL or ``Patient/ID``).
    """
    own = {f"Patient/patient-{patient.id}", _urn(patient, "Patient", f"patient-{patient.id}")}
    for entry in bundle.entry or []:
        resource = entry.resource
        if isinstance(resource, FhirPatient) and any(
            i.value == patient.identifier for i in resource.identifier or []
        ):
            if entry.fullUrl:
                own.add(str(entry.fullUrl))
            if resource.id:
                own.add(f"Patient/{resource.id}")
    return frozenset(own)


def _check_subject(resource: Any, own: frozenset[str], where: str) -> None:
    subject = getattr(resource, "subject", None)
    reference = getattr(subject, "reference", None) if subject is not None else None
    if reference and reference not in own:
        raise InvalidInputError(
            field=f"{where}.subject.reference",
            value=reference,
            allowed="no subject, this patient's reference, or a Patient in the Bundle with "
            "this patient's identifier",
        )


def _check_units_agree(lab: str, shown: str | None, coded: str | None, where: str) -> None:
    # A quantity whose human-readable unit and UCUM code disagree is ambiguous: refuse it.
    if not shown or not coded or shown == coded:
        return
    item = analyte(lab)
    try:
        readable = normalise_unit(item, shown)
    except InvalidInputError:
        return  # free text that is not a unit: the code decides
    if readable != normalise_unit(item, coded):
        raise InvalidInputError(
            field=f"{where}.valueQuantity.unit",
            value=shown,
            allowed=f"the unit its code says ({coded}); they disagree",
        )
