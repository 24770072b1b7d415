"""Permissions that carry state: what the console offers for a list and an objection is what its
lifecycle allows now (``publicity.publish_notice``, ``revise_notice``, ``finalize_notice``,
``answer_objection``), and the services check the same permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contest.core.errors import Conflict, NotFound
from contest.publicity import services
from contest.publicity.models import Objection

from ..accounts.html import elements
from ..registration.factories import organizer_for
from .builders import T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.integration
PERMS = ("publicity.publish_notice", "publicity.revise_notice", "publicity.finalize_notice")


@pytest.fixture
def season(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, best, organizer = advancement_round(ningbo, n=3, advance=2)
    return {"round": round_, "best": best, "organizer": organizer, "event": ningbo}


def offered(client, notice) -> tuple[bool, bool, bool]:
    """(publish form, revise link, finalize button) on the console page of ``notice``."""
    response = client.get(reverse("publicity_console:detail", args=[notice.pk]))
    revise = reverse("publicity_console:revise", args=[notice.pk])
    return (
        bool(elements(response, "button", id="publish")),
        bool(elements(response, "a", href=revise)),
        bool(elements(response, "button", id="finalize")),
    )


def test_list_actions_follow_the_lifecycle_and_the_clock(client, season, ningbo):
    organizer = season["organizer"]
    client.force_login(organizer)
    notice = services.create_notice(by=organizer, edition=ningbo.edition, event=ningbo, kind="advancement",
                                    title="晋级名单", params={"round": season["round"]})  # fmt: skip
    seen = {}
    seen["draft"] = ([organizer.has_perm(p, notice) for p in PERMS], offered(client, notice))
    with time_machine.travel(T0, tick=False):
        services.publish_notice(by=organizer, notice=notice)
        notice.refresh_from_db()
        seen["open"] = ([organizer.has_perm(p, notice) for p in PERMS], offered(client, notice))
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        seen["ended"] = ([organizer.has_perm(p, notice) for p in PERMS], offered(client, notice))
        services.finalize_notice(by=organizer, notice=notice)
        notice.refresh_from_db()
        seen["final"] = ([organizer.has_perm(p, notice) for p in PERMS], offered(client, notice))
    assert seen == {
        "draft": ([True, False, False], (True, False, False)),
        "open": ([False, True, False], (False, True, False)),
        "ended": ([False, True, True], (False, True, True)),
        "final": ([False, False, False], (False, False, False)),
    }


def test_list_actions_are_not_another_event_s_organizer_s(season, edition9):
    from contest.catalog.models import Event

    other = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        assert [other.has_perm(p, notice) for p in PERMS] == [False, False, False]
        assert season["organizer"].has_perm("publicity.finalize_notice", notice) is True


def test_publishing_a_published_list_again_is_refused(season):
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
        with pytest.raises(Conflict, match=r"^名单已发布。$"):
            services.publish_notice(by=season["organizer"], notice=notice)


def test_answer_objection_is_offered_while_the_objection_is_filed_only(client, season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
        objection = file_verified(by=None, notice=notice, data=objection_data())
    url = reverse("publicity_console:answer", args=[notice.pk, objection.pk])
    client.force_login(organizer)
    before = (organizer.has_perm("publicity.answer_objection", objection),
              len(elements(client.get(url), "textarea", name="response")))  # fmt: skip
    services.answer_objection(by=organizer, objection=objection, status="dismissed", response="材料不足。")
    objection = Objection.objects.select_related("notice").get(pk=objection.pk)
    after = (organizer.has_perm("publicity.answer_objection", objection),
             len(elements(client.get(url), "textarea", name="response")))  # fmt: skip
    assert (before, after) == ((True, 1), (False, 0))


def test_answering_another_event_s_objection_answers_not_found(season, edition9):
    from contest.catalog.models import Event

    other = organizer_for(Event.objects.get(edition=edition9, tier="regional", seq=33))
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], season["organizer"], round_=season["round"])
        objection = file_verified(by=None, notice=notice, data=objection_data())
    assert other.has_perm("publicity.answer_objection", objection) is False
    with pytest.raises(NotFound):
        services.answer_objection(by=other, objection=objection, status="upheld", response="成立。")
    assert Objection.objects.get(pk=objection.pk).status == "filed"


def test_answering_an_objection_answered_meanwhile_is_a_conflict(season):
    organizer = season["organizer"]
    with time_machine.travel(T0, tick=False):
        notice = published_list(season["event"], organizer, round_=season["round"])
        objection = file_verified(by=None, notice=notice, data=objection_data())
    stale = Objection.objects.select_related("notice").get(pk=objection.pk)  # read before the answer
    services.answer_objection(by=organizer, objection=objection, status="upheld", response="属实。")
    with pytest.raises(Conflict, match=r"^该异议已答复（异议成立），不能再次答复。$"):
        services.answer_objection(by=organizer, objection=stale, status="dismissed", response="改判。")
    assert Objection.objects.get(pk=objection.pk).response == "属实。"
