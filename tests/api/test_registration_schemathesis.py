"""Property-based check of the registration and token endpoints, signed in, against the OpenAPI schema.

The entrant's operations run with the bearer token of an entrant who has a complete draft; the
organizer-side operations with the token of the edition's secretariat, on a submitted entry.
Path ids are pointed at those real objects, so generated bodies reach the services instead of
stopping at a 404. No answer may be a 5xx; every answer must carry a documented status code,
content type and body shape.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from contest.accounts import tokens
from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from tests.registration.factories import complete_entry, submitted_entry, user

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    tag=["registration", "tokens"]
)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
ORGANIZER_SIDE = ("/api/v1/events/", "/api/v1/entries/")


@pytest.fixture
def connection_kept_across_requests():
    """Keep the WSGI handler from closing the test's connection (and its transaction) per request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def actors(ningbo, edition9):
    """An entrant with a complete draft; the secretariat with a submitted entry to review."""
    draft = complete_entry(ningbo)
    _, entrant_key = tokens.issue_api_token(by=draft.owner, name="schemathesis")
    spare, _ = tokens.issue_api_token(by=draft.owner, name="可撤销")
    reviewed = submitted_entry(ningbo)
    secretariat = user()
    Role.objects.create(user=secretariat, kind=RoleKind.SECRETARIAT, edition=edition9)
    _, secretariat_key = tokens.issue_api_token(by=secretariat, name="schemathesis")
    return {
        "entrant": (entrant_key, {"id": draft.pk}),
        "secretariat": (secretariat_key, {"id": reviewed.pk, "event_id": ningbo.pk}),
        "token": (entrant_key, {"id": spare.pk}),
    }


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.usefixtures("connection_kept_across_requests")
def test_signed_in_api_answers_every_generated_request_as_documented(case, actors):
    path = case.operation.path
    if path.startswith("/api/v1/tokens"):
        key, ids = actors["token"]
    elif path.startswith(ORGANIZER_SIDE):
        key, ids = actors["secretariat"]
    else:
        key, ids = actors["entrant"]
    for name in case.path_parameters or {}:
        case.path_parameters[name] = ids[name]
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
