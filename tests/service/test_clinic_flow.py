"""The clinic's records end to end through the API, on SQLite and PostgreSQL.

A clinician creates a patient, records labs (LOINC codes, UCUM units), a diary and medicines,
makes, remakes and signs plans, follows labs against the projection; FHIR R4 import and export
are checked for their content with ``fhir.resources``.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from tests.service.conftest import token

TODAY = date.today()


@pytest.fixture(scope="module")
def client(clinic):
    with TestClient(clinic.app(), base_url="https://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def doctor(client):
    return token(client, "dr.rivera")


@pytest.fixture(scope="module")
def dietitian(client):
    return token(client, "diet.kim")


@pytest.fixture(scope="module")
def team_id(client, doctor):
    return client.get("/api/me", headers=doctor).json()["care_team_ids"][0]


def _new_patient(client, doctor, team_id, **extra) -> int:
    body = {
        "care_team_id": team_id,
        "identifier": f"t-{uuid.uuid4().hex[:8]}",
        "name": "Test Patient",
        "birth_date": "1975-03-04",
        "sex": "female",
        "weight_kg": 80,
        "height_cm": 165,
        "conditions": ["prediabetes"],
        **extra,
    }
    response = client.post("/api/patients", headers=doctor, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _lab(client, headers, pid, lab, value, unit, on):
    return client.post(
        f"/api/patients/{pid}/observations",
        headers=headers,
        json={"lab": lab, "value": value, "unit": unit, "effective": on.isoformat()},
    )


def test_labs_are_stored_as_given_with_their_loinc_code(client, doctor, team_id):
    pid = _new_patient(client, doctor, team_id)
    on = TODAY - timedelta(days=3)
    created = _lab(client, doctor, pid, "2601-3", 0.70, "mmol/L", on)
    assert created.status_code == 201
    assert created.json()["lab"] == "serum_magnesium" and created.json()["loinc"] == "2601-3"
    insulin = _lab(client, doctor, pid, "fasting_insulin", 12, "u[IU]/mL", on).json()
    assert (insulin["unit"], insulin["loinc"], insulin["value_canonical"]) == (
        "µIU/mL",
        "27873-9",
        12,
    )
    glucose = _lab(client, doctor, pid, "fasting_glucose", 108, "mg/dL", on).json()
    # 108 mg/dL of glucose is 108 × 10 / 180.156 mmol/L (C6H12O6, CIAAW weights).
    assert glucose["value_canonical"] == pytest.approx(1080 / 180.156, rel=1e-4)
    record = client.get(f"/api/patients/{pid}", headers=doctor).json()
    homa = record["summary"]["assessment"]["indices"]["homa_ir"]["value"]
    assert homa == pytest.approx(1080 / 180.156 * 12 / 22.5, rel=1e-4)  # Matthews 1985


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lab": "serum_magnesium", "value": 0.7, "unit": "kg"}, "lab.unit"),
        ({"lab": "serum_magnesium", "value": 70, "unit": "mmol/L"}, "lab.value"),
        ({"lab": "19123-9", "value": 0.7, "unit": "mmol/L"}, "lab.unit"),
        ({"lab": "bilirubin", "value": 1, "unit": "mg/dL"}, "lab"),
    ],
)
def test_a_bad_lab_is_refused_with_the_field_value_and_what_is_allowed(
    client, doctor, team_id, body, field
):
    pid = _new_patient(client, doctor, team_id)
    response = client.post(
        f"/api/patients/{pid}/observations",
        headers=doctor,
        json={**body, "effective": TODAY.isoformat()},
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field and error["allowed"]
    assert client.get(f"/api/patients/{pid}/observations", headers=doctor).json() == []


def test_a_diary_food_the_table_cannot_resolve_is_refused_and_nothing_is_stored(
    client, doctor, team_id
):
    pid = _new_patient(client, doctor, team_id)
    ok = client.post(
        f"/api/patients/{pid}/diet",
        headers=doctor,
        json={"day": TODAY.isoformat(), "food": "12061", "amount": 30, "unit": "g"},
    )
    assert ok.status_code == 201, ok.text
    bad = client.post(
        f"/api/patients/{pid}/diet",
        headers=doctor,
        json={"day": TODAY.isoformat(), "food": "zzzz no such food", "amount": 1, "unit": "g"},
    )
    assert bad.status_code == 422 and "diet" in bad.json()["detail"]
    assert len(client.get(f"/api/patients/{pid}/diet", headers=doctor).json()) == 1


def test_plans_are_drafted_remade_signed_and_then_immutable(client, doctor, dietitian, team_id):
    pid = _new_patient(client, doctor, team_id, conditions=["t2d"])
    on = TODAY - timedelta(days=2)
    for lab, value, unit in (
        ("serum_magnesium", 0.66, "mmol/L"),
        ("fasting_glucose", 8.4, "mmol/L"),
        ("fasting_insulin", 15, "µIU/mL"),
        ("creatinine", 0.9, "mg/dL"),
    ):
        assert _lab(client, doctor, pid, lab, value, unit, on).status_code == 201
    client.post(
        f"/api/patients/{pid}/medications",
        headers=doctor,
        json={"name": "metformin", "times": ["08:00", "20:00"]},
    )
    # A dietitian drafts; an override needs a clinician.
    refused = client.post(
        f"/api/patients/{pid}/plans",
        headers=dietitian,
        json={"overrides": [{"kind": "upper_limit", "reason": "trial protocol"}]},
    )
    assert refused.status_code == 403
    draft = client.post(f"/api/patients/{pid}/plans", headers=dietitian, json={"weeks": 12})
    assert draft.status_code == 201, draft.text
    plan = draft.json()
    assert (plan["version"], plan["status"]) == (1, "draft")
    evaluation = plan["evaluation"]
    assert evaluation["assessment"]["magnesium"]["status"] == "deficient"
    assert evaluation["plan"]["supplement"]["elemental_mg_per_day"] > 0
    assert evaluation["projection"]["weeks"] == 12
    # The dietitian cannot sign; the clinician remakes it with an override and signs.
    assert (
        client.post(f"/api/patients/{pid}/plans/{plan['id']}/sign", headers=dietitian).status_code
        == 403
    )
    remade = client.put(
        f"/api/patients/{pid}/plans/{plan['id']}",
        headers=doctor,
        json={
            "weeks": 12,
            "requested_elemental_mg_per_day": 400,
            "overrides": [
                {"kind": "upper_limit", "reason": "refractory hypomagnesaemia, monitored"}
            ],
        },
    )
    assert remade.status_code == 200, remade.text
    override = remade.json()["overrides"][0]
    assert override["kind"] == "upper_limit" and "Dr Ana Rivera" in override["by_name"]
    assert remade.json()["evaluation"]["plan"]["supplement"]["elemental_mg_per_day"] == 400
    signed = client.post(f"/api/patients/{pid}/plans/{plan['id']}/sign", headers=doctor)
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert signed.json()["starts_on"] == TODAY.isoformat()
    again = client.put(f"/api/patients/{pid}/plans/{plan['id']}", headers=doctor, json={})
    assert again.status_code == 409 and "signed" in again.json()["detail"]
    # A change is a new version; a draft made before the record changed cannot be signed.
    second = client.post(f"/api/patients/{pid}/plans", headers=doctor, json={"weeks": 12}).json()
    assert second["version"] == 2
    _lab(client, doctor, pid, "potassium", 4.1, "mmol/L", TODAY)
    stale = client.post(f"/api/patients/{pid}/plans/{second['id']}/sign", headers=doctor)
    assert stale.status_code == 409 and "changed" in stale.json()["detail"]
    versions = client.get(f"/api/patients/{pid}/plans", headers=doctor).json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "signed")]


def test_follow_up_compares_later_labs_with_the_projection_made_at_signing(client, clinic):
    maria = clinic.ids["Maria López"]
    headers = token(client, "maria")
    follow = client.get(f"/api/patients/{maria}/follow-up", headers=headers).json()
    signed_on = date.fromisoformat(follow["starts_on"])
    assert signed_on == TODAY - timedelta(days=180)
    serum = next(o for o in follow["projection"] if o["output"] == "serum_magnesium")
    assert serum["dates"][0] == signed_on.isoformat()
    assert len(serum["observed"]) == 2 and serum["position"] == ["inside", "inside"]
    due = {d["lab"]: d for d in follow["labs_due"]}
    assert due["serum_magnesium"]["state"] == "done"
    assert due["serum_magnesium"]["done_on"] == (signed_on + timedelta(days=84)).isoformat()
    # John did not take his supplement: his magnesium follows the no-change arm, below the band.
    john = clinic.ids["John Carter"]
    other = client.get(f"/api/patients/{john}/follow-up", headers=token(client, "dr.rivera")).json()
    serum = next(o for o in other["projection"] if o["output"] == "serum_magnesium")
    assert serum["position"] == ["below", "below"]
    dates = [date.fromisoformat(d) for d in serum["dates"]]
    for result in serum["observed"]:
        on = date.fromisoformat(result["on"])
        nearest = min(range(len(dates)), key=lambda i: abs((dates[i] - on).days))
        assert result["value"] < serum["low"][nearest]


def test_a_patient_sees_signed_plans_only(client, clinic, doctor):
    maria = clinic.ids["Maria López"]
    draft = client.post(f"/api/patients/{maria}/plans", headers=doctor, json={"weeks": 4})
    assert draft.status_code == 201
    headers = token(client, "maria")
    seen = client.get(f"/api/patients/{maria}/plans", headers=headers).json()
    assert {v["status"] for v in seen} == {"signed"}
    assert (
        client.get(f"/api/patients/{maria}/plans/{draft.json()['id']}", headers=headers).status_code
        == 404
    )


def test_messages_between_patient_and_team(client, clinic, doctor):
    maria = clinic.ids["Maria López"]
    patient = token(client, "maria")
    assert (
        client.post(
            f"/api/patients/{maria}/messages",
            headers=patient,
            json={"body": "Loose stools since the dose."},
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/patients/{maria}/messages",
            headers=doctor,
            json={"body": "Take it with food; we will recheck."},
        ).status_code
        == 201
    )
    thread = client.get(f"/api/patients/{maria}/messages", headers=patient).json()
    assert [m["author"] for m in thread[-2:]] == ["Maria López", "Dr Ana Rivera"]
    blank = client.post(f"/api/patients/{maria}/messages", headers=patient, json={"body": "  "})
    assert blank.status_code == 422


def test_the_panel_csv_lists_each_patient_with_flags_and_latest_labs(client, clinic, doctor):
    response = client.get("/api/panel.csv", headers=doctor)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_id = {r["identifier"]: r for r in rows}
    john = by_id["demo-t2d-low-mg"]
    assert "low Mg" in john["flags"] and "serum_magnesium=" in john["latest_labs"]
    ruth = by_id["demo-ckd-g4"]
    assert "eGFR < 30" in ruth["flags"]
    assert "other-1" not in by_id  # another team's patient


# ----------------------------------------------------------------------------- FHIR


def test_the_fhir_export_is_a_valid_bundle_with_codes_units_and_derivations(client, clinic, doctor):
    maria = clinic.ids["Maria López"]
    response = client.get(f"/api/patients/{maria}/fhir", headers=doctor)
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.text)
    resources = [e.resource for e in bundle.entry]
    kinds = [r.get_resource_type() for r in resources]
    for kind in ("Patient", "Observation", "MedicationStatement", "CarePlan"):
        assert kind in kinds
    by_url = {e.fullUrl: e.resource for e in bundle.entry}
    # Every reference inside the Bundle resolves to one of its entries (R4 resolution by fullUrl).
    for resource in resources:
        for ref in [
            getattr(resource, "subject", None),
            *(getattr(resource, "derivedFrom", None) or []),
        ]:
            if ref is not None:
                assert ref.reference in by_url, ref.reference
    labs = {r.id: r for r in resources if r.get_resource_type() == "Observation" and r.category}
    serum = [r for r in labs.values() if r.code.coding[0].code == "2601-3"]
    assert serum and serum[0].valueQuantity.system == "http://unitsofmeasure.org"
    assert serum[0].valueQuantity.code == "mmol/L"
    insulin = [r for r in labs.values() if r.code.coding[0].code == "27873-9"]
    assert insulin and insulin[0].valueQuantity.code == "u[IU]/mL"
    homa = next(
        r
        for r in resources
        if r.get_resource_type() == "Observation" and r.code.coding[0].code == "homa_ir"
    )
    derived = [by_url[ref.reference] for ref in homa.derivedFrom]
    derived_codes = {r.code.coding[0].code for r in derived}
    # Dated by the newest sample it came from.
    assert homa.effectiveDateTime == max(r.effectiveDateTime for r in derived)
    assert derived_codes in ({"14771-0", "27873-9"}, {"1558-6", "27873-9"})
    plans = [r for r in resources if r.get_resource_type() == "CarePlan"]
    assert any(p.status == "active" and p.activity for p in plans)
    meds = [r for r in resources if r.get_resource_type() == "MedicationStatement"]
    assert {m.medicationCodeableConcept.text for m in meds} == {"metformin", "levothyroxine"}


def _observation(code, value, unit, on, system="http://unitsofmeasure.org"):
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": on.isoformat(),
            "valueQuantity": {"value": value, "unit": unit, "system": system, "code": unit},
        }
    }


def test_a_lab_bundle_is_imported_with_duplicates_and_skips_counted(client, doctor, team_id):
    pid = _new_patient(client, doctor, team_id)
    identifier = client.get(f"/api/patients/{pid}", headers=doctor).json()["identifier"]
    on = TODAY - timedelta(days=1)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            # The laboratory's own Patient entry, carrying this patient's identifier.
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "x",
                    "identifier": [{"value": identifier}],
                }
            },
            _observation("19123-9", 1.7, "mg/dL", on),
            _observation("27873-9", 9, "u[IU]/mL", on),
            _observation("2160-0", 0.8, "mg/dL", on),
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "medicationCodeableConcept": {"text": "omeprazole"},
                    "subject": {"reference": "Patient/x"},
                    "dosage": [{"timing": {"repeat": {"timeOfDay": ["07:30:00"]}}}],
                }
            },
            {"resource": {"resourceType": "Practitioner", "name": [{"text": "Dr Lab"}]}},
        ],
    }
    first = client.post(f"/api/patients/{pid}/fhir", headers=doctor, json=bundle)
    assert first.status_code == 200, first.text
    counts = first.json()
    assert (counts["observations"], counts["medications"], counts["duplicates"]) == (3, 1, 0)
    assert sum(counts["skipped"].values()) == 2
    assert {why.split()[0] for why in counts["skipped"]} == {"Patient", "Practitioner"}
    second = client.post(
        f"/api/patients/{pid}/fhir", headers=doctor, json={**bundle, "entry": bundle["entry"][1:4]}
    )
    assert second.json()["duplicates"] == 3 and second.json()["observations"] == 0
    stored = client.get(f"/api/patients/{pid}/observations", headers=doctor).json()
    assert sorted(o["loinc"] for o in stored) == ["19123-9", "2160-0", "27873-9"]
    meds = client.get(f"/api/patients/{pid}/medications", headers=doctor).json()
    assert meds[0]["name"] == "omeprazole" and meds[0]["times"] == ["07:30"]


def test_a_bad_bundle_stores_nothing_and_names_every_problem(client, doctor, team_id):
    pid = _new_patient(client, doctor, team_id)
    on = TODAY - timedelta(days=1)
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            _observation("19123-9", 1.7, "mg/dL", on),
            _observation("2601-3", 1.7, "mg/dL", on),  # a molar code with a mass unit
            _observation("99999-9", 1, "mmol/L", on),  # a code mgir does not know
            {
                "resource": {
                    **_observation("2160-0", 0.8, "mg/dL", on)["resource"],
                    "status": "preliminary",
                }
            },
        ],
    }
    response = client.post(f"/api/patients/{pid}/fhir", headers=doctor, json=bundle)
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [
        "entry[1].resource.valueQuantity.unit",
        "entry[2].resource.code.coding",
        "entry[3].resource.status",
    ]
    assert client.get(f"/api/patients/{pid}/observations", headers=doctor).json() == []


def test_an_exported_bundle_imports_into_its_own_patient_as_duplicates(client, clinic, doctor):
    maria = clinic.ids["Maria López"]
    exported = client.get(f"/api/patients/{maria}/fhir", headers=doctor).json()
    labs_only = {
        **exported,
        "entry": [e for e in exported["entry"] if e["resource"]["resourceType"] == "Observation"],
    }
    response = client.post(f"/api/patients/{maria}/fhir", headers=doctor, json=labs_only)
    assert response.status_code == 200, response.text
    counts = response.json()
    assert counts["observations"] == 0 and counts["duplicates"] > 0
    # ... and is refused for another patient (its subject is Maria).
    other = clinic.ids["Ruth Evans"]
    refused = client.post(f"/api/patients/{other}/fhir", headers=doctor, json=labs_only)
    assert refused.status_code == 422 and "subject.reference" in refused.text


def test_a_fhir_patient_creates_a_record(client, doctor, team_id):
    resource = {
        "resourceType": "Patient",
        "identifier": [{"value": f"fhir-{uuid.uuid4().hex[:6]}"}],
        "name": [{"given": ["Ada"], "family": "Lovelace"}],
        "gender": "female",
        "birthDate": "1985-12-10",
    }
    created = client.post(
        "/api/fhir/Patient", headers=doctor, params={"care_team_id": team_id}, json=resource
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Ada Lovelace" and created.json()["sex"] == "female"
    other = client.post(
        "/api/fhir/Patient",
        headers=doctor,
        params={"care_team_id": team_id},
        json={**resource, "identifier": [{"value": "x2"}], "gender": "unknown"},
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "gender"


def test_records_in_error_are_withdrawn_not_deleted_and_medicines_stop(client, doctor, team_id):
    pid = _new_patient(client, doctor, team_id)
    on = TODAY - timedelta(days=1)
    wrong = _lab(client, doctor, pid, "serum_magnesium", 0.45, "mmol/L", on).json()
    record = client.get(f"/api/patients/{pid}", headers=doctor).json()
    assert record["summary"]["assessment"]["magnesium"]["status"] == "deficient"
    withdrawn = client.post(
        f"/api/patients/{pid}/observations/{wrong['id']}/entered-in-error",
        headers=doctor,
        json={"reason": "another patient's sample"},
    )
    assert withdrawn.status_code == 200
    assert "Dr Ana Rivera" in withdrawn.json()["entered_in_error"]
    assert client.get(f"/api/patients/{pid}/observations", headers=doctor).json() == []
    record = client.get(f"/api/patients/{pid}", headers=doctor).json()
    assert record["summary"]["assessment"]["magnesium"]["status"] == "unknown"
    again = client.post(
        f"/api/patients/{pid}/observations/{wrong['id']}/entered-in-error",
        headers=doctor,
        json={"reason": "twice"},
    )
    assert again.status_code == 422
    # A medicine stopped last year no longer counts (no proton-pump inhibitor caution).
    medicine = client.post(
        f"/api/patients/{pid}/medications",
        headers=doctor,
        json={"name": "omeprazole", "start_date": "2024-01-01"},
    ).json()
    assert (
        "omeprazole"
        in client.get(f"/api/patients/{pid}", headers=doctor).json()["summary"]["assessment"][
            "person"
        ]["medications"]
    )
    stopped = client.post(
        f"/api/patients/{pid}/medications/{medicine['id']}/stop",
        headers=doctor,
        json={"end_date": "2025-06-30"},
    )
    assert stopped.status_code == 200 and stopped.json()["end_date"] == "2025-06-30"
    assert (
        client.get(f"/api/patients/{pid}", headers=doctor).json()["summary"]["assessment"][
            "person"
        ]["medications"]
        == []
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "lab": "serum_magnesium",
                "value": 0.7,
                "unit": "mmol/L",
                "effective": (TODAY + timedelta(days=30)).isoformat(),
            },
            "body.effective",
        ),
        (
            {
                "lab": "serum_magnesium",
                "value": True,
                "unit": "mmol/L",
                "effective": TODAY.isoformat(),
            },
            "body.value.int",
        ),
        (
            {"lab": "serum_magnesium", "value": 0.7, "unit": "mmol/L", "effective": "1850-01-01"},
            "body.effective",
        ),
    ],
)
def test_future_dates_and_non_numbers_are_refused(client, doctor, team_id, body, field):
    pid = _new_patient(client, doctor, team_id)
    response = client.post(f"/api/patients/{pid}/observations", headers=doctor, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_an_impossible_person_is_refused_at_creation(client, doctor, team_id):
    response = client.post(
        "/api/patients",
        headers=doctor,
        json={
            "care_team_id": team_id,
            "identifier": f"t-{uuid.uuid4().hex[:8]}",
            "name": "X",
            "birth_date": "1980-01-01",
            "sex": "male",
            "pregnant": True,
        },
    )
    assert (
        response.status_code == 422 and response.json()["errors"][0]["field"] == "person.pregnant"
    )


def test_a_patients_own_export_and_record_hold_no_draft(client, clinic, doctor):
    maria = clinic.ids["Maria López"]
    client.post(f"/api/patients/{maria}/plans", headers=doctor, json={"weeks": 4})
    patient = token(client, "maria")
    exported = client.get(f"/api/patients/{maria}/fhir", headers=patient).json()
    statuses = [
        e["resource"]["status"]
        for e in exported["entry"]
        if e["resource"]["resourceType"] == "CarePlan"
    ]
    assert statuses and "draft" not in statuses
    assert "plan" not in client.get(f"/api/patients/{maria}", headers=patient).json()["summary"]
    assert "draft" in [
        e["resource"]["status"]
        for e in client.get(f"/api/patients/{maria}/fhir", headers=doctor).json()["entry"]
        if e["resource"]["resourceType"] == "CarePlan"
    ]


def test_fhir_import_refuses_censored_values_other_subjects_and_stopped_medicines_without_end(
    client, doctor, team_id
):
    pid = _new_patient(client, doctor, team_id)
    on = TODAY - timedelta(days=1)
    censored = _observation("2601-3", 0.3, "mmol/L", on)
    censored["resource"]["valueQuantity"]["comparator"] = "<"
    stranger = _observation("2601-3", 0.8, "mmol/L", on)
    stranger["resource"]["subject"] = {"reference": "Patient/123"}
    disagreeing = _observation("2601-3", 1.9, "mmol/L", on)
    disagreeing["resource"]["valueQuantity"]["unit"] = "mg/dL"
    partial = _observation("2601-3", 0.8, "mmol/L", on)
    partial["resource"]["effectiveDateTime"] = "2026-11"
    stopped = {
        "resource": {
            "resourceType": "MedicationStatement",
            "status": "stopped",
            "medicationCodeableConcept": {"text": "omeprazole"},
            "subject": {"reference": "Patient/123"},
        }
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [censored, stranger, disagreeing, partial],
    }
    response = client.post(f"/api/patients/{pid}/fhir", headers=doctor, json=bundle)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "entry[0].resource.valueQuantity.comparator",
        "entry[1].resource.subject.reference",
        "entry[2].resource.valueQuantity.unit",
        "entry[3].resource.effectiveDateTime",
    ]
    del stopped["resource"]["subject"]
    stopped["resource"]["subject"] = {"reference": "Patient/x"}
    alone = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:5b1c1c5e-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "id": "x",
                    "identifier": [
                        {
                            "value": client.get(f"/api/patients/{pid}", headers=doctor).json()[
                                "identifier"
                            ]
                        }
                    ],
                },
            },
            stopped,
        ],
    }
    refused = client.post(f"/api/patients/{pid}/fhir", headers=doctor, json=alone)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "entry[1].resource.effectivePeriod.end"
    stopped["resource"]["effectivePeriod"] = {"start": "2024-01-01", "end": "2024-06-01"}
    stored = client.post(f"/api/patients/{pid}/fhir", headers=doctor, json=alone)
    assert stored.status_code == 200 and stored.json()["medications"] == 1
    assert (
        client.get(f"/api/patients/{pid}", headers=doctor).json()["summary"]["assessment"][
            "person"
        ]["medications"]
        == []
    )
    nonsense = client.post(
        f"/api/patients/{pid}/fhir",
        headers=doctor,
        json={"resourceType": "Bundle", "type": "nonsense"},
    )
    assert nonsense.status_code == 422 and nonsense.json()["errors"][0]["field"] == "type"


def test_the_panel_csv_cannot_carry_a_formula(client, doctor, team_id):
    _new_patient(client, doctor, team_id, name='=HYPERLINK("http://evil","x")')
    rows = list(csv.DictReader(io.StringIO(client.get("/api/panel.csv", headers=doctor).text)))
    names = [r["name"] for r in rows]
    assert '\'=HYPERLINK("http://evil","x")' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize(
    ("amount", "unit", "refused"),
    [
        (9999, "kg", True),
        (6, "kg", True),
        (4, "kg", False),
        (200, "g", False),
        (80, "cup", True),
        (2, "cup, sliced", False),
    ],
)
def test_a_diary_entry_holds_one_serving_not_a_unit_slip(
    client, doctor, team_id, amount, unit, refused
):
    pid = _new_patient(client, doctor, team_id)
    response = client.post(
        f"/api/patients/{pid}/diet",
        headers=doctor,
        json={"day": TODAY.isoformat(), "food": "09040", "amount": amount, "unit": unit},
    )
    if refused:
        assert response.status_code == 422 and "one food in one entry" in response.json()["detail"]
    else:
        assert response.status_code == 201, response.text
