"""Schemathesis against the service's own OpenAPI document: no server error, clear 4xx.

Every operation gets generated requests (valid and invalid by the schema) as a clinician of
the demo team; path ids are drawn around the clinic's real ids so that requests reach records,
not only 404s. A 4xx must carry a ``detail`` that says what was wrong.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.service.conftest import token


@pytest.fixture(scope="module")
def clinician(clinic):
    with TestClient(clinic.app(), base_url="https://testserver") as client:
        return token(client, "dr.rivera")


def _operations(clinic):
    schema = schemathesis.openapi.from_asgi("/openapi.json", clinic.app())
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_errors_and_every_refusal_says_why(clinic, clinician):
    operations = _operations(clinic)
    assert len(operations) >= 30  # every API route is documented
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            if case.path_parameters:
                for name in ("patient_id", "plan_id"):
                    value = case.path_parameters.get(name)
                    if isinstance(value, int):
                        # Ids near the real ones, so that most requests reach stored records.
                        case.path_parameters[name] = 1 + value % 6
            response = case.call(headers=clinician)
            case.validate_response(response, checks=(not_a_server_error,))
            if 400 <= response.status_code < 500:
                body = response.json()
                assert body.get("detail"), response.text
                if response.status_code == 422:
                    assert isinstance(body["detail"], str) and ":" in body["detail"], response.text

        check()
