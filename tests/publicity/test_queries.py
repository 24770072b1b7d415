"""List pages read a fixed number of queries whatever the number of lists or objections."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from contest.publicity import services
from contest.publicity.models import Notice
from tests.http import drain

from .builders import T0, advancement_round, file_verified, objection_data

pytestmark = pytest.mark.integration


@pytest.fixture
def source(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=2, advance=2)
    return {"round": round_, "organizer": organizer, "event": ningbo}


def _lists(source, n: int) -> list[Notice]:
    made = []
    with time_machine.travel(T0, tick=False):
        for i in range(n):
            notice = services.create_notice(by=source["organizer"], edition=source["event"].edition,
                                            event=source["event"], kind="advancement", title=f"名单{i}",
                                            params={"round": source["round"]})  # fmt: skip
            services.publish_notice(by=source["organizer"], notice=notice, ends_at=T0 + timedelta(days=i + 1))
            file_verified(by=None, notice=notice, data=objection_data())
            made.append(notice)
    return made


def _count_queries(client, url, django_assert_num_queries, expected: int) -> str:
    with django_assert_num_queries(expected):
        response = client.get(url)
        body = drain(response).decode()
    assert response.status_code == 200
    return body


@pytest.mark.parametrize("n", [1, 3])
def test_console_list_queries_do_not_grow_with_lists(client, source, n, django_assert_num_queries):
    _lists(source, n)
    client.force_login(source["organizer"])
    # session, user, roles (organizer orgs, secretariat editions), the lists with counts
    body = _count_queries(client, reverse("publicity_console:list"), django_assert_num_queries, 5)
    assert body.count('class="open-count">1<') == n


@pytest.mark.parametrize("n", [1, 3])
def test_public_index_queries_do_not_grow_with_lists(client, source, n, django_assert_num_queries):
    _lists(source, n)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        body = _count_queries(client, reverse("publicity:index"), django_assert_num_queries, 2)
    assert body.count('class="pub-card pub-card--open"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_objections_inbox_queries_do_not_grow_with_objections(client, source, n, django_assert_num_queries):
    notice = _lists(source, 1)[0]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        for i in range(n - 1):
            file_verified(by=None, notice=notice, data=objection_data(phone=f"1390000000{i}"))
    client.force_login(source["organizer"])
    body = _count_queries(client, reverse("publicity_console:objections", args=[notice.pk]),
                          django_assert_num_queries, 7)  # fmt: skip
    assert body.count('class="status status--filed"') == n


def test_finalize_notices_command_finalizes_due_lists_once(source, capsys):
    first, _second = _lists(source, 2)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        services.answer_objection(by=source["organizer"], objection=first.objections.get(), status="dismissed",
                                  response="不成立。")  # fmt: skip
        call_command("finalize_notices")
        call_command("finalize_notices")
    assert capsys.readouterr().out == f"已确认 1 份名单：{first.pk}\n已确认 0 份名单。\n"
    assert list(Notice.objects.order_by("pk").values_list("status", flat=True)) == ["final", "published"]
