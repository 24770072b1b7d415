"""Property-based check of the whole API, signed in as an entrant and as an organizer.

Every operation of the OpenAPI document gets generated requests (schema-conforming and not) with
the bearer token of the role; path ids are pointed at real objects of the 宁波 season — the
entrant's draft, a qualified entry, the round the organizer runs, its run, one of its assignments
— so bodies reach the services instead of stopping at a 404. No answer may be a 5xx; every answer
must carry a documented status code, content type and body shape.

One test per role runs all operations over the same season (built once), so the whole API is
covered twice in well under the time of one test per operation; ``EXAMPLES`` bounds it.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from contest.accounts import tokens
from contest.catalog.models import Organization
from contest.review.models import Assignment, ReviewRound
from tests.api.test_registration_api import Api
from tests.api.test_review_api import ready_round
from tests.registration.factories import complete_entry
from tests.review.factories import expert, qualified_entries
from tests.review.test_ranking_sql import maker_entry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
#: generated requests per operation and role (half conforming to the schema, half not)
EXAMPLES = 8
#: operations that mint or drop the caller's own credentials: run last, on a spare token
TOKEN_PATHS = ("/api/v1/tokens",)


@pytest.fixture
def world(ningbo, edition9, django_capture_on_commit_callbacks):
    """The 宁波 season: qualified entries in an open, assigned round; an entrant with a draft."""
    entries, organizer = qualified_entries(ningbo, 2)
    entries.append(maker_entry(ningbo, organizer, 7))
    experts = [expert(organizer, org=entries[0].enterprise.name)] + [
        expert(organizer, org=f"研究院{i}") for i in range(3)
    ]
    season = {"event": ningbo, "entries": entries, "experts": experts, "organizer": organizer,
              "api": Api(organizer), "capture": django_capture_on_commit_callbacks}  # fmt: skip
    rid = ready_round(season)
    round_ = ReviewRound.objects.get(pk=rid)
    draft = complete_entry(ningbo)
    return {
        "entrant": {"user": draft.owner, "ids": {"id": draft.pk}},
        "organizer": {"user": organizer, "ids": {"id": season["entries"][0].pk}},
        "event_id": ningbo.pk,
        "number": edition9.number,
        "organization_id": Organization.objects.order_by("pk").values_list("pk", flat=True).first(),
        "round": rid,
        "run": round_.assignment_runs.get().pk,
        "assignment": Assignment.objects.filter(round_id=rid).order_by("pk").first().pk,
    }


@pytest.fixture
def connection_kept_across_requests(world):
    """Keep the WSGI handler from closing the test's connection (and its transaction) per request;
    set up after ``world``, whose test-client requests connect the handler again."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def path_ids(world: dict, role: str, spare_token: int, path: str) -> dict[str, int]:
    """Real ids for the path's parameters, chosen by what the path names."""
    ids = {
        "event_id": world["event_id"],
        "number": world["number"],
        "organization_id": world["organization_id"],
    }
    if path.startswith("/api/v1/tokens/"):
        ids["id"] = spare_token
    elif path.startswith("/api/v1/rounds/"):
        ids["id"] = world["round"]
    elif path.startswith("/api/v1/runs/"):
        ids["id"] = world["run"]
    elif path.startswith("/api/v1/judge/assignments/"):
        ids["id"] = world["assignment"]
    else:
        ids["id"] = world[role]["ids"]["id"]
    return ids


def operations():
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda op: (op.path.startswith(TOKEN_PATHS), op.path, op.method))


def strategy(operation):
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


def checker(operation, ids: dict[str, int], headers: dict[str, str], answers: Counter):
    """A hypothesis test of one operation: real ids in the path, every answer as documented."""

    @given(case=strategy(operation))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case):
        for name in case.path_parameters or {}:
            case.path_parameters[name] = ids[name]
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        answers[(f"{operation.method.upper()} {operation.path}", response.status_code // 100)] += 1

    return check


def run_everything_as(world: dict, role: str) -> Counter:
    """Every operation, in turn, with the role's token; how many answers of each class each gave."""
    person = world[role]["user"]
    _, key = tokens.issue_api_token(by=person, name="schemathesis")
    spare, _ = tokens.issue_api_token(by=person, name="可撤销")
    headers = {"Authorization": f"Bearer {key}"}
    answers: Counter = Counter()
    for operation in operations():
        checker(operation, path_ids(world, role, spare.pk, operation.path), headers, answers)()
    return answers


#: what each role must have reached at least once with a generated request: the services, not a 404
REACHED = {
    "entrant": [("PUT /api/v1/me/entries/{id}", 2), ("PUT /api/v1/me/entries/{id}", 4), ("GET /api/v1/me/entries/{id}", 2),
                ("PUT /api/v1/me/enterprise", 4), ("POST /api/v1/me/entries", 4), ("GET /api/v1/events", 2)],
    "organizer": [("GET /api/v1/rounds/{id}", 2), ("POST /api/v1/rounds/{id}/quota", 4), ("POST /api/v1/rounds", 4),
                  ("GET /api/v1/entries/{id}", 2), ("GET /api/v1/events/{event_id}/entries", 2),
                  ("GET /api/v1/rounds/{id}/ranking", 2)],
}  # fmt: skip


@pytest.mark.usefixtures("connection_kept_across_requests")
@pytest.mark.parametrize("role", ["entrant", "organizer"])
def test_whole_api_answers_every_generated_request_as_documented(world, role):
    answers = run_everything_as(world, role)

    operations_answered = {operation for operation, _ in answers}
    assert len(operations_answered) == len(operations())
    assert [reached for reached in REACHED[role] if answers[reached] == 0] == []
