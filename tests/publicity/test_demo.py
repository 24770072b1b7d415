"""The 公示 demo: an advancement list from the published round and an award list with one answered
objection; running it again changes nothing."""

import io
from datetime import timedelta

import pytest
import time_machine

from contest.publicity import demo
from contest.publicity.models import Notice, Objection

from ..registration.factories import superuser
from .builders import T0, advancement_round

pytestmark = pytest.mark.integration


def test_demo_publishes_both_lists_once(ningbo):
    from contest.awards import services as awards

    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        _round, best, organizer = advancement_round(ningbo, n=3, advance=2)
        awards.stage_award(by=organizer, event=ningbo, entry=best[0], level_name="一等奖")
        awards.confirm_awards(by=organizer, event=ningbo, group=best[0].group)
    superuser()
    out = io.StringIO()
    with time_machine.travel(T0, tick=False):
        demo.build(stage="finals", stdout=out)
        demo.build(stage="finals", stdout=out)
    notices = {
        n.title: (n.status, len(n.current_version.items))
        for n in Notice.objects.select_related("current_version")
    }
    assert notices == {demo.ADVANCEMENT_TITLE: ("published", 2), demo.AWARDS_TITLE: ("published", 1)}
    assert list(Objection.objects.values_list("status", "response")) == [("dismissed", demo.RESPONSE)]
    assert demo.build(stage="review", stdout=out) == []
