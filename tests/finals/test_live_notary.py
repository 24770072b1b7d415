"""The notary's read-only view and its signed link, and who reaches which screen: the event's
organizers yes, another event's organizer 404, a holder of the session's signed link yes, a
tampered or foreign link 404."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from contest.catalog.models import Event
from contest.core.models import AuditHead
from contest.finals import services
from contest.finals.models import LiveScore
from contest.finals.views.screens import notary_key

from ..http import drain
from ..registration.factories import organizer_for
from .factories import score_all, session_with

pytestmark = pytest.mark.integration


def notary_url(session, key: str | None = None) -> str:
    url = reverse("finals:notary", args=[session.pk])
    return url if key is None else f"{url}?key={key}"


@pytest.fixture
def scored(ningbo):
    """A live session: the first slot closed with a correction, the second open."""
    session, _, panel, organizer = session_with(ningbo, entries=2, judges=5, status="live")
    first, second = session.slots.order_by("position")
    services.open_slot(slot=first, by=organizer)
    score_all(first, panel, ["80", "90", "85", "70", "95"])
    services.correct_live_score(score=LiveScore.objects.get(slot=first, judge__seat=2), new_score=Decimal("88"),
                                reason="评委口误，当场更正", by=organizer)  # fmt: skip
    services.open_slot(slot=second, by=organizer)
    session.refresh_from_db()
    return session, organizer


@pytest.fixture
def stranger(edition9):
    """An organizer of 深圳's event, not 宁波's."""
    return organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))


def test_the_notary_view_shows_scores_corrections_draw_and_audit_head(client, scored):
    session, organizer = scored
    client.force_login(organizer)

    response = client.get(notary_url(session))

    html = response.content.decode("utf-8")
    assert response.status_code == 200
    assert "重新验证：一致" in html
    assert session.draw.seed in html
    assert AuditHead.objects.get(pk=1).hash in html
    assert re.search(
        r"评委 2：90\.00 → 88\.00，由 \S+ 更正（\d{4}-\d\d-\d\d \d\d:\d\d:\d\d）：评委口误，当场更正", html
    )
    assert len(re.findall(r'<td class="notary-score notary-score--dropped">', html)) == 2
    assert len(re.findall(r"<td>\d\d:\d\d:\d\d</td>", html)) == 5  # the closed slot's five submissions


def test_the_notary_view_is_hidden_from_another_event_s_organizer(client, scored, stranger):
    session, _ = scored
    client.force_login(stranger)

    response = client.get(notary_url(session))

    assert response.status_code == 404


def test_the_notary_view_is_hidden_from_the_public(client, scored):
    session, _ = scored

    response = client.get(notary_url(session))

    assert response.status_code == 404


def test_the_signed_link_opens_the_notary_view_without_signing_in(client, scored):
    session, _ = scored

    response = client.get(notary_url(session, notary_key(session)))

    html = response.content.decode("utf-8")
    assert response.status_code == 200
    assert session.draw.seed in html
    assert f'data-events-url="/live/sessions/{session.pk}/events?key={notary_key(session)}"' in html


def test_a_tampered_link_answers_404(client, scored):
    session, _ = scored
    key = notary_key(session)

    response = client.get(notary_url(session, key[:-2] + ("AA" if not key.endswith("AA") else "BB")))

    assert response.status_code == 404


def test_a_link_for_another_session_answers_404(client, ningbo, scored):
    session, _ = scored
    other, _, _, _ = session_with(ningbo, entries=1, status="draft")

    response = client.get(notary_url(session, notary_key(other)))

    assert response.status_code == 404


def test_the_signed_link_opens_a_draft_session_s_stream(client, ningbo):
    session, _, _, _ = session_with(ningbo, entries=1, status="draft")
    url = reverse("finals:state", args=[session.pk])

    anonymous, holder = client.get(url), client.get(f"{url}?key={notary_key(session)}")

    assert (anonymous.status_code, holder.status_code) == (404, 200)
    assert holder.json()["session"]["status"] == "draft"


def test_an_organizer_makes_the_notary_link(client, scored):
    session, organizer = scored
    client.force_login(organizer)

    response = client.post(reverse("finals:notary_link", args=[session.pk]))

    html = response.content.decode("utf-8")
    url = re.search(r'id="notary-url" type="text" readonly value="([^"]+)"', html)[1]
    assert url == f"http://testserver{notary_url(session, notary_key(session))}"
    client.logout()
    assert client.get(url.removeprefix("http://testserver")).status_code == 200


def test_the_notary_link_is_refused_to_another_event_s_organizer(client, scored, stranger):
    session, _ = scored
    client.force_login(stranger)

    response = client.post(reverse("finals:notary_link", args=[session.pk]))

    assert response.status_code == 404


def test_the_notary_link_is_made_by_post_only(client, scored):
    session, organizer = scored
    client.force_login(organizer)

    response = client.get(reverse("finals:notary_link", args=[session.pk]))

    assert response.status_code == 405


@pytest.mark.parametrize("name", ["screen", "timer", "events", "state", "notary"])
def test_another_event_s_organizer_gets_404_on_a_draft_session(client, ningbo, stranger, name):
    session, _, _, _ = session_with(ningbo, entries=1, status="draft")
    client.force_login(stranger)

    response = client.get(reverse(f"finals:{name}", args=[session.pk]))

    assert response.status_code == 404
    drain(response)


def test_the_notary_fragment_is_the_record_alone(client, scored):
    session, _ = scored

    response = client.get(notary_url(session, notary_key(session)) + "&fragment=1")

    html = response.content.decode("utf-8")
    assert html.lstrip().startswith('<div class="notary"')
    assert "<html" not in html


@pytest.mark.parametrize("size", [1, 3])
def test_the_notary_view_query_count_is_constant(client, ningbo, django_assert_num_queries, size):
    session, _, panel, organizer = session_with(ningbo, entries=size, judges=size + 4, status="live")
    for slot in session.slots.order_by("position"):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [str(80 + i) for i in range(len(panel))])
    url = notary_url(session, notary_key(session)) + "&fragment=1"

    with django_assert_num_queries(8):
        response = client.get(url)

    assert response.content.decode("utf-8").count('class="notary-slot"') == size


@pytest.mark.parametrize("size", [1, 3])
def test_the_big_screen_query_count_is_constant(client, ningbo, django_assert_num_queries, size):
    session, _, panel, organizer = session_with(ningbo, entries=size, judges=size + 4, status="live")
    for slot in session.slots.order_by("position"):
        services.open_slot(slot=slot, by=organizer)
        score_all(slot, panel, [str(80 + i) for i in range(len(panel))])

    with django_assert_num_queries(6):
        response = client.get(reverse("finals:screen", args=[session.pk]))

    assert response.status_code == 200
