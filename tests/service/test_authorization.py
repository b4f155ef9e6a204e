"""The authorisation matrix: every route × every role × own/other patient, allow or deny.

The routes come from the app's own route table, so a new route cannot be left out: a route
missing from ``POLICY`` (this file's statement of who may do what, written from the roles of
docs/service.md, not read from the code) fails the test, as does a route whose declared access
level differs from the policy's.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mgir.service._deps import access_of, route_table
from tests.service.conftest import token

# route (method, path) → the level the policy gives it.
POLICY: dict[tuple[str, str], str] = {
    ("POST", "/api/token"): "public",
    ("GET", "/api/health"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/api/logout"): "anyone",
    ("GET", "/api/me"): "anyone",
    ("POST", "/api/me/password"): "anyone",
    ("GET", "/api/patients"): "anyone",
    ("GET", "/"): "anyone",
    ("POST", "/logout"): "anyone",
    ("GET", "/api/users"): "admin",
    ("POST", "/api/users"): "admin",
    ("POST", "/api/users/{user_id}/password"): "admin",
    ("GET", "/api/care-teams"): "admin",
    ("POST", "/api/care-teams"): "admin",
    ("POST", "/api/care-teams/{team_id}/members"): "admin",
    ("GET", "/api/audit"): "admin",
    ("GET", "/admin"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{user_id}/password"): "admin",
    ("GET", "/api/panel.csv"): "staff",
    ("POST", "/api/patients"): "staff",
    ("POST", "/api/fhir/Patient"): "staff",
    ("GET", "/api/patients/{patient_id}"): "read",
    ("GET", "/api/patients/{patient_id}/observations"): "read",
    ("GET", "/api/patients/{patient_id}/diet"): "read",
    ("GET", "/api/patients/{patient_id}/medications"): "read",
    ("GET", "/api/patients/{patient_id}/plans"): "read",
    ("GET", "/api/patients/{patient_id}/plans/{plan_id}"): "read",
    ("GET", "/api/patients/{patient_id}/follow-up"): "read",
    ("GET", "/api/patients/{patient_id}/messages"): "read",
    ("GET", "/api/patients/{patient_id}/fhir"): "read",
    ("GET", "/patients/{patient_id}"): "read",
    ("GET", "/patients/{patient_id}/trend/{output}"): "read",
    ("GET", "/patients/{patient_id}/plans/{plan_id}/report"): "read",
    ("POST", "/api/patients/{patient_id}/observations"): "clinical_write",
    ("POST", "/api/patients/{patient_id}/medications"): "clinical_write",
    ("POST", "/api/patients/{patient_id}/observations/{observation_id}/entered-in-error"): (
        "clinical_write"
    ),
    ("POST", "/api/patients/{patient_id}/medications/{medication_id}/stop"): "clinical_write",
    ("POST", "/api/patients/{patient_id}/diet/{entry_id}/entered-in-error"): "diary",
    ("POST", "/api/patients/{patient_id}/plans"): "clinical_write",
    ("PUT", "/api/patients/{patient_id}/plans/{plan_id}"): "clinical_write",
    ("POST", "/api/patients/{patient_id}/fhir"): "clinical_write",
    ("POST", "/patients/{patient_id}/labs"): "clinical_write",
    ("POST", "/patients/{patient_id}/import"): "clinical_write",
    ("POST", "/patients/{patient_id}/plans"): "clinical_write",
    ("POST", "/api/patients/{patient_id}/diet"): "diary",
    ("POST", "/api/patients/{patient_id}/messages"): "message",
    ("POST", "/patients/{patient_id}/messages"): "message",
    ("POST", "/api/patients/{patient_id}/plans/{plan_id}/sign"): "sign",
    ("POST", "/patients/{patient_id}/plans/{plan_id}/sign"): "sign",
}
# The code's names of the same levels.
LEVEL_NAMES = {
    "public": "public",
    "anyone": "authenticated",
    "admin": "admin",
    "staff": "staff",
    "read": "patient_read",
    "clinical_write": "patient_write",
    "diary": "patient_diary",
    "message": "patient_message",
    "sign": "plan_sign",
}

# Actors: anonymous, the demo team's clinician, dietitian and patient (Maria), an admin on no
# team, an admin on the demo team. "own" is a patient of the actor's team (Maria herself for
# the patient); "other" is a patient the actor must not reach (Zoe, on another team; for the
# patient: John, on her own team).
ROLES = ("anonymous", "clinician", "dietitian", "patient", "admin", "admin_on_team")
ACCOUNTS = {
    "clinician": "dr.rivera",
    "dietitian": "diet.kim",
    "patient": "maria",
    "admin": "admin",
    "admin_on_team": "admin.team",
}

ALLOWED_ON_OWN: dict[str, set[str]] = {
    "read": {"clinician", "dietitian", "patient", "admin_on_team"},
    "clinical_write": {"clinician", "dietitian"},
    "diary": {"clinician", "dietitian", "patient"},
    "message": {"clinician", "dietitian", "patient"},
    "sign": {"clinician"},
}
ALLOWED_NOT_PATIENT: dict[str, set[str]] = {
    "public": set(ROLES),
    "anyone": set(ROLES) - {"anonymous"},
    "admin": {"admin", "admin_on_team"},
    "staff": {"clinician", "dietitian"},
}


def expected_allowed(level: str, role: str, whose: str) -> bool:
    if level in ALLOWED_NOT_PATIENT:
        return role in ALLOWED_NOT_PATIENT[level]
    return whose == "own" and role in ALLOWED_ON_OWN[level]


@pytest.fixture(scope="module")
def client(clinic):
    with TestClient(clinic.app(), base_url="https://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def headers(client):
    out = {role: token(client, name) for role, name in ACCOUNTS.items()}
    out["anonymous"] = {}
    return out


def test_every_route_is_in_the_policy_with_the_level_it_declares(clinic):
    routes = {(method, r.path): r for r in route_table(clinic.app()) for method in r.methods}
    assert set(routes) == set(POLICY), (
        f"routes without a policy line: {sorted(set(routes) - set(POLICY))}; "
        f"policy lines without a route: {sorted(set(POLICY) - set(routes))}"
    )
    for key, route in routes.items():
        declared = access_of(route)
        assert declared is not None, f"{key} declares no authorize() dependency"
        assert declared.value == LEVEL_NAMES[POLICY[key]], key


def test_the_openapi_document_lists_no_route_outside_the_table(clinic):
    app = clinic.app()
    documented = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    assert documented <= set(POLICY)


def _cases():
    for (method, path), level in sorted(POLICY.items()):
        if path in {"/api/token", "/login", "/api/logout", "/logout"}:
            continue  # covered by the session tests (they change the session itself)
        scoped = "{patient_id}" in path
        for role in ROLES:
            for whose in ("own", "other") if scoped else ("-",):
                yield pytest.param(
                    method, path, level, role, whose, id=f"{method} {path} {role} {whose}"
                )


@pytest.mark.parametrize(("method", "path", "level", "role", "whose"), list(_cases()))
def test_route_allows_exactly_the_policy(client, headers, clinic, method, path, level, role, whose):
    own_patient = "Maria López"
    other_patient = "John Carter" if role == "patient" else "Zoe Other"
    patient = own_patient if whose in {"own", "-"} else other_patient
    patient_id = clinic.ids[patient]
    plan_id = clinic.plan_ids[patient] or clinic.plan_ids[own_patient]
    url = path.format(
        patient_id=patient_id,
        plan_id=plan_id,
        user_id=1,
        team_id=1,
        output="serum_magnesium",
        observation_id=1,
        medication_id=1,
        entry_id=1,
    )
    response = client.request(method, url, headers=headers[role], follow_redirects=False)
    to_login = response.status_code == 303 and response.headers["location"].startswith("/login")
    denied = response.status_code in {401, 403, 404} or to_login
    assert response.status_code < 500, response.text
    if expected_allowed(level, role, whose):
        assert not denied, f"{role} was refused: {response.status_code} {response.text[:200]}"
    else:
        assert denied, f"{role} was let through: {response.status_code} {response.text[:200]}"


def test_refusals_are_audited(client, headers, clinic):
    stranger = clinic.ids["Zoe Other"]
    client.get(f"/api/patients/{stranger}", headers=headers["clinician"])
    log = client.get("/api/audit", headers=headers["admin"], params={"patient_id": stranger}).json()
    assert any(
        e["action"] == "denied" and e["resource"].endswith(f"/api/patients/{stranger}") for e in log
    )


def test_reads_of_patient_data_are_audited_with_who_and_which_patient(client, headers, clinic):
    maria = clinic.ids["Maria López"]
    before = len(
        client.get(
            "/api/audit", headers=headers["admin"], params={"patient_id": maria, "limit": 10000}
        ).json()
    )
    client.get(f"/api/patients/{maria}/observations", headers=headers["dietitian"])
    log = client.get(
        "/api/audit", headers=headers["admin"], params={"patient_id": maria, "limit": 10000}
    ).json()
    assert len(log) == before + 1
    newest = log[0]
    me = client.get("/api/me", headers=headers["dietitian"]).json()
    assert (newest["action"], newest["user_id"], newest["resource"]) == (
        "read",
        me["id"],
        "GET /api/patients/{patient_id}/observations",
    )
