"""Tenancy of the organizer's review pages: a user who does not manage a round gets 404 on every
URL of it, to every method — another event's organizer, a judge of the round, an entrant.

The routes are walked from the URL resolver (namespace ``review``), so a route added later is
covered without touching this file.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role
from contest.catalog.models import Edition, Event
from contest.core.models import AuditRecord
from contest.review import organizer_selectors, services
from contest.review.models import ReviewRound
from tests.http import drain

from ..registration.factories import open_registration, organizer_for, user
from .test_organizer_views import build_season, open_round, score

pytestmark = pytest.mark.integration

NAMESPACE = "review"


def patterns_of(namespace: str) -> list[URLPattern]:
    """Every route under ``namespace`` (nested includes flattened)."""
    found = []

    def walk(items, inside: bool):
        for item in items:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, inside or item.namespace == namespace)
            elif inside:
                found.append(item)

    walk(get_resolver().url_patterns, False)
    return found


def url_for(route: URLPattern, ids: dict) -> str:
    names = list(route.pattern.converters)
    missing = [n for n in names if n not in ids]
    assert not missing, f"{route.name}: no test value for {missing} — add it to the ids below"
    return reverse(f"{NAMESPACE}:{route.name}", kwargs={name: ids[name] for name in names})


def status(response) -> int:
    drain(response)
    return response.status_code


@pytest.fixture
def world(ningbo, edition9):
    shenzhen = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(shenzhen)
    season = build_season(ningbo, n_entries=2, n_judges=2, k=1)
    open_round(season)
    score(season, {(0, 1): 20, (1, 0): 25})
    (snapshot,) = services.snapshot_ranking(by=season.organizer, round=season.round)
    ids = {
        "round_id": season.round.pk,
        "round_entry_id": season.round_entry(0).pk,
        "snapshot_id": snapshot.pk,
        "expert_id": season.judges[0].pk,
        "kind": "ranking",
    }
    return {"season": season, "ids": ids, "shenzhen": shenzhen, "shenzhen_organizer": organizer_for(shenzhen)}


def round_routes() -> list[URLPattern]:
    return [r for r in patterns_of(NAMESPACE) if "round_id" in r.pattern.converters]


def test_review_console_has_routes_to_walk():
    names = {route.name for route in patterns_of(NAMESPACE)}
    assert {"round_list", "round_create", "round_detail", "round_edit", "round_status", "round_entries",
            "round_judges", "conflicts", "assignment", "assignment_status", "assignment_entry", "progress",
            "ranking", "snapshot_detail", "advancement", "export", "expert_list", "expert_create", "expert_import",
            "expert_import_template", "expert_edit", "expert_invite"} <= names  # fmt: skip
    assert len(round_routes()) >= 14


def test_another_event_s_organizer_gets_404_on_every_url_of_the_round(client, world):
    client.force_login(world["shenzhen_organizer"])
    before = AuditRecord.objects.count()
    checked = []
    for route in round_routes():
        target = url_for(route, world["ids"])
        assert status(client.get(target)) == 404, target
        post = client.post(target, {"action": "add_all", "to": "open", "expert": world["ids"]["expert_id"],
                                    "reason": "x", "group": "enterprise", "kind": "count", "count": "1"})  # fmt: skip
        assert status(post) == 404, target
        checked.append(route.name)
    assert len(checked) == len(round_routes())
    assert AuditRecord.objects.count() == before
    round_ = world["season"].round
    round_.refresh_from_db()
    assert (round_.status, round_.assignment_runs.count(), round_.quotas.count()) == ("open", 0, 0)


def test_another_event_s_organizer_sees_only_their_own_rounds_in_the_list(client, world):
    client.force_login(world["shenzhen_organizer"])
    response = client.get(reverse("review:round_list"))
    assert (response.status_code, response.context["rows"]) == (200, [])
    create = client.get(reverse("review:round_create")).content.decode()
    assert f'value="event:{world["shenzhen"].pk}"' in create
    assert f'value="event:{world["season"].round.event_id}"' not in create


def test_the_expert_pool_is_shared_by_every_organizer(client, world):
    """The pool is national: another event's organizer reads it (``review.manage_experts``), but
    only the organization that added an expert changes them (``review.edit_expert``: a 403)."""
    client.force_login(world["shenzhen_organizer"])
    for route in patterns_of(NAMESPACE):
        if "round_id" in route.pattern.converters:
            continue
        expected = (403,) if route.name == "expert_edit" else (200, 405)
        assert status(client.get(url_for(route, world["ids"]))) in expected, route.name


@pytest.mark.parametrize("who", ["judge", "entrant", "stranger"])
def test_judges_and_entrants_get_404_on_every_organizer_url(client, world, who):
    season = world["season"]
    person = {
        "judge": season.judges[0].user,
        "entrant": season.entries[0].owner,
        "stranger": user(),
    }[who]
    client.force_login(person)
    for route in patterns_of(NAMESPACE):
        target = url_for(route, world["ids"])
        assert (status(client.get(target)), status(client.post(target, {"action": "detect"}))) == (
            404,
            404,
        ), target


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for route in patterns_of(NAMESPACE):
        response = client.get(url_for(route, world["ids"]))
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/"), (
            route.name
        )


def test_unknown_ids_answer_404_to_every_method(client, world):
    client.force_login(world["season"].organizer)
    unknown = {"round_id": 999999, "round_entry_id": 999999, "snapshot_id": 999999, "expert_id": 999999,
               "kind": "ranking"}  # fmt: skip
    for route in patterns_of(NAMESPACE):
        if route.pattern.converters.keys() <= {"kind"}:
            continue
        target = url_for(route, unknown)
        assert (status(client.get(target)), status(client.post(target))) == (404, 404), target


def test_ids_of_another_round_answer_404_inside_my_round(client, world, ningbo):
    season = world["season"]
    other = build_season(ningbo, n_entries=1, n_judges=1, k=1, organizer=season.organizer)
    (snapshot,) = services.snapshot_ranking(by=other.organizer, round=other.round)
    client.force_login(season.organizer)
    mixed = {**world["ids"], "round_entry_id": other.round_entry(0).pk, "snapshot_id": snapshot.pk}
    for name in ("assignment_entry", "snapshot_detail"):
        route = next(r for r in patterns_of(NAMESPACE) if r.name == name)
        assert status(client.get(url_for(route, mixed))) == 404, name


def test_organizer_reaches_every_url_of_their_own_round(client, world):
    client.force_login(world["season"].organizer)
    for route in patterns_of(NAMESPACE):
        assert status(client.get(url_for(route, world["ids"]))) in (200, 405), route.name  # 405: POST-only


def test_unknown_export_kind_answers_404(client, world):
    client.force_login(world["season"].organizer)
    assert client.get(reverse("review:export", args=[world["season"].round.pk, "secrets"])).status_code == 404


def test_secretariat_sees_every_round_of_its_edition_and_national_ones(client, world, edition9):
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    national = services.create_round(by=secretary, edition=edition9, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip
    client.force_login(secretary)
    for route in patterns_of(NAMESPACE):
        assert status(client.get(url_for(route, world["ids"]))) in (200, 405), route.name
    response = client.get(reverse("review:round_list"))
    assert [r[0].pk for r in response.context["rows"]] == [world["season"].round.pk, national.pk]
    for name in ("round_detail", "assignment", "ranking", "advancement"):
        assert client.get(reverse(f"review:{name}", args=[national.pk])).status_code == 200, name


def test_organizers_never_see_national_rounds(client, world, edition9):
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    national = services.create_round(by=secretary, edition=edition9, event=None,
                                     data={"name": "全国评审", "stage": "national"})  # fmt: skip
    client.force_login(world["season"].organizer)
    for route in round_routes():
        target = url_for(route, {**world["ids"], "round_id": national.pk})
        assert status(client.get(target)) == 404, target


def test_secretariat_of_another_edition_gets_404(client, world):
    other = Edition.objects.create(number=10, year=2025, title="第十届“创客中国”中小企业创新创业大赛")
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=other)
    client.force_login(secretary)
    for route in round_routes():
        assert status(client.get(url_for(route, world["ids"]))) == 404, route.name
    assert client.get(reverse("review:round_list")).context["rows"] == []


def test_the_selector_and_the_rule_agree_on_every_round(world, edition9):
    season = world["season"]
    secretary = user()
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition9)
    services.create_round(
        by=secretary, edition=edition9, event=None, data={"name": "全国", "stage": "national"}
    )
    services.create_round(by=world["shenzhen_organizer"], edition=edition9, event=world["shenzhen"],
                          data={"name": "深圳初评", "stage": "preliminary"})  # fmt: skip
    people = [season.organizer, world["shenzhen_organizer"], secretary, season.judges[0].user, user()]
    rounds = list(ReviewRound.objects.all())
    for person in people:
        visible = set(organizer_selectors.rounds_for_user(person).values_list("pk", flat=True))
        allowed = {r.pk for r in rounds if person.has_perm("review.manage_round", r)}
        assert visible == allowed, person
    assert organizer_selectors.rounds_for_user(secretary).count() == len(rounds) == 3


def test_admin_shows_review_rows_read_only(client, world):
    from ..registration.factories import superuser

    client.force_login(superuser())
    for model in ("expert", "conflict", "reviewround", "roundentry", "roundjudge", "assignment", "scoresheet",
                  "assignmentrun", "quota", "rankingsnapshot", "advancementdecision"):  # fmt: skip
        assert client.get(reverse(f"admin:review_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:review_{model}_add")).status_code == 403, model
    page = client.get(reverse("admin:review_reviewround_change", args=[world["season"].round.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_admin_of_an_edition_s_secretariat_lists_only_its_rounds(rf, world):
    from django.contrib import admin as django_admin

    from contest.review.admin import ReviewRoundAdmin

    other = Edition.objects.create(number=10, year=2025, title="第十届“创客中国”中小企业创新创业大赛")
    secretary = user(is_staff=True)
    Role.objects.create(user=secretary, kind=RoleKind.SECRETARIAT, edition=other)
    request = rf.get("/admin/review/reviewround/")
    request.user = secretary
    model_admin = ReviewRoundAdmin(ReviewRound, django_admin.site)
    assert list(model_admin.get_queryset(request)) == []
    request.user = organizer_for(world["shenzhen"])
    assert list(model_admin.get_queryset(request)) == []
