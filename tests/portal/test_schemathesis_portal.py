"""Property-based check of the portal endpoints with a real credential: generated requests (valid
and not) reach the push, the list and the summary; no answer is a 5xx, and every answer has a
documented status, content type and body shape."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from .factories import PortalApi, enterprise_item, new_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
EXAMPLES = 25


@pytest.fixture
def seeded(ningbo):
    """A credential of 宁波 and one entry pushed with it (the test client's request reconnects the
    handler's signals: this runs before they are taken off below)."""
    _, credential = new_client(ningbo)
    number = PortalApi(credential).push([enterprise_item("A")], key="seed").json()["items"][0]["number"]
    return credential, number


@pytest.fixture
def connection_kept_across_requests(seeded):
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def portal_operations():
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(
        (op for op in found if op.path.startswith("/api/v1/portal/")), key=lambda op: (op.path, op.method)
    )


def test_the_schema_lists_the_four_portal_operations():
    assert [(op.method.upper(), op.path) for op in portal_operations()] == [
        ("GET", "/api/v1/portal/entries"), ("POST", "/api/v1/portal/entries"),
        ("GET", "/api/v1/portal/entries/{number}"), ("GET", "/api/v1/portal/summary"),
    ]  # fmt: skip


def checker(operation, number: str, headers: dict[str, str], statuses: dict[str, set[int]]):
    """A hypothesis test of one operation: a real entry number in the path, every answer as documented."""

    @given(case=st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)))  # fmt: skip
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case):
        if case.path_parameters and "number" in case.path_parameters:
            case.path_parameters["number"] = number
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.setdefault(f"{operation.method.upper()} {operation.path}", set()).add(response.status_code)

    return check


@pytest.mark.usefixtures("connection_kept_across_requests")
def test_portal_endpoints_answer_every_generated_request_as_documented(seeded):
    credential, number = seeded
    headers = {"Authorization": f"Bearer {credential}"}
    statuses: dict[str, set[int]] = {}

    for operation in portal_operations():
        checker(operation, number, headers, statuses)()

    assert 200 in statuses["GET /api/v1/portal/summary"]
    assert 200 in statuses["GET /api/v1/portal/entries"]
    assert 200 in statuses["GET /api/v1/portal/entries/{number}"]
    assert statuses["POST /api/v1/portal/entries"] & {200, 422}


def test_the_schema_documents_both_bodies_of_a_push_and_examples_of_every_answer(client):
    document = client.get("/api/v1/openapi.json").json()

    push = document["paths"]["/api/v1/portal/entries"]["post"]
    bodies = push["requestBody"]["content"]
    schemas = document["components"]["schemas"]
    assert sorted(bodies) == ["application/json", "multipart/form-data"]
    assert bodies["application/json"]["schema"]["examples"][0]["items"][0]["group"] == "enterprise"
    assert bodies["multipart/form-data"]["schema"]["required"] == ["payload"]
    assert [p["name"] for p in push["parameters"]] == ["Idempotency-Key"]
    assert sorted(push["responses"]) == ["200", "400", "401", "403", "404", "409", "422"]
    assert [
        bool(schemas[name].get("examples"))
        for name in ("PushOut", "HoldingOut", "HoldingPageOut", "SummaryOut")
    ] == [True] * 4
    assert document["components"]["securitySchemes"]["PortalBasic"] == {"type": "http", "scheme": "basic"}
