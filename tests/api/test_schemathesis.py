"""Property-based check of the whole API against its own OpenAPI schema, over the real 9th-edition plan.

Every operation gets up to 25 generated requests (valid and invalid); no answer may be a 5xx,
and every answer must carry a documented status code, content type and body shape.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def connection_kept_across_requests():
    """Keep the WSGI handler from closing the test's connection (and its transaction) per request.

    Django's own test client does the same; schemathesis calls the bare WSGI application.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
def test_api_answers_every_generated_request_as_documented(case, edition9):
    case.call_and_validate(checks=CHECKS)
