"""Hostile input through every site form that takes text, numbers or dates (issue 10).

Control characters (NUL, ESC, the other C0 and DEL), numbers no person means (``1_0``, ``５０``,
``NaN``, ``1e3``, forty digits) and absurd dates (0001-01-01, 9999-12-31 …) are posted as the
right signed-in person. Whatever is posted, no page answers 5xx and the hostile value is never
stored. Lone surrogates cannot travel in a UTF-8 form post; ``tests/core/test_inputs.py`` covers them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.accounts.models import User
from contest.awards.models import Award, AwardLevel
from contest.core.inputs import CONTROL_CHARACTERS
from contest.finals.models import RoadshowSession
from contest.publicity.models import Notice, Objection
from contest.registration.models import Enterprise, Entry, MakerTeam, RegistrationWindow
from contest.review.models import Expert, ReviewRound
from tests.registration.factories import ENTERPRISE, ENTRY, complete_entry, credit_code, organizer_for, user

pytestmark = pytest.mark.integration

EXAMPLES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

REFUSED = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
filler = st.text(alphabet="宁波创新ab 1", max_size=4)
#: text with at least one refused control character somewhere inside (not only at the ends,
#: which a form strips along with spaces)
hostile_text = st.builds(lambda a, c, b: f"x{a}{c}{b}x", filler, st.sampled_from(REFUSED), filler)
hostile_number = st.one_of(
    st.sampled_from(
        ["1_0", "５０", "٥٠", "１０", "NaN", "-Infinity", "1e3", "-1e999", "9" * 40, "1,0,0", "²", "0x10"]
    ),
    st.integers(min_value=10**31, max_value=10**60).map(str),
    st.integers(min_value=10**31, max_value=10**60).map(lambda n: f"-{n}"),
)
absurd_date = st.one_of(st.dates(max_value=date(1899, 12, 31)), st.dates(min_value=date(2100, 1, 1))).map(
    date.isoformat
)
absurd_datetime = absurd_date.map(lambda d: f"{d}T09:00")


def stored_text(queryset, *columns) -> list[str]:
    return [str(v) for row in queryset.values_list(*columns) for v in row if v is not None]


def assert_not_stored(value: str, texts: list[str]) -> None:
    assert not [t for t in texts if value in t or CONTROL_CHARACTERS.search(t)]


def post(client: Client, url: str, data: dict) -> None:
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)


# -- entrant -----------------------------------------------------------------------------------------


@pytest.fixture
def enterprise_client(ningbo):
    person = user()
    client = Client()
    client.force_login(person)
    return client, person


def enterprise_data(code: str, **changes) -> dict:
    data = {
        **ENTERPRISE,
        "credit_code": code,
        "confirm_division": "330203",
        "action": "save",
        "is_listed": "",
    }
    data.pop("division_confirmed")
    return {**data, **changes}


@EXAMPLES
@given(field=st.sampled_from(["name", "contact_name"]), value=hostile_text)
def test_enterprise_form_refuses_control_characters(enterprise_client, field, value):
    client, _person = enterprise_client
    post(client, reverse("registration:enterprise"), enterprise_data(credit_code("330203"), **{field: value}))
    assert_not_stored(value, stored_text(Enterprise.objects.all(), "name", "contact_name"))


@EXAMPLES
@given(field=st.sampled_from(["registered_capital", "employees", "revenue_last_year"]), value=hostile_number)
def test_enterprise_form_refuses_hostile_numbers(enterprise_client, field, value):
    client, person = enterprise_client
    post(client, reverse("registration:enterprise"), enterprise_data(credit_code("330203"), **{field: value}))
    assert not Enterprise.objects.filter(owner=person).exists()


@EXAMPLES
@given(value=absurd_date)
def test_enterprise_form_refuses_absurd_founding_dates(enterprise_client, value):
    client, person = enterprise_client
    post(client, reverse("registration:enterprise"), enterprise_data(credit_code("330203"), founded_on=value))
    assert not Enterprise.objects.filter(owner=person).exists()


@EXAMPLES
@given(field=st.sampled_from(["name", "leader_name", "members-1-name", "members-1-role"]), value=hostile_text)
def test_team_form_refuses_control_characters(enterprise_client, field, value):
    client, person = enterprise_client
    data = {"name": "甬创团队", "leader_name": "陈晨", "leader_phone": "13912345678", "province": "330000",
            "city": "330200", "declares_not_enterprise": "on", "members-1-name": "赵一",
            "members-1-phone": "13700000001", field: value}  # fmt: skip
    post(client, reverse("registration:team"), data)
    assert not MakerTeam.objects.filter(owner=person).exists()


@pytest.fixture
def draft(ningbo):
    entry = complete_entry(ningbo)
    client = Client()
    client.force_login(entry.owner)
    return client, entry


def entry_data(entry: Entry, **changes) -> dict:
    data = {k: ENTRY[k] for k in ("title", "industry", "summary", "innovation", "market", "business_model",
                                  "team_description", "funding_sought")}  # fmt: skip
    data.update(
        {"version": str(Entry.objects.get(pk=entry.pk).version), "action": "save", "pitch_video_url": ""}
    )
    for i, row in enumerate(ENTRY["finances"], start=1):
        data.update({f"finances-{i}-year": str(row["year"]), f"finances-{i}-revenue": row["revenue"],
                     f"finances-{i}-profit": row["profit"]})  # fmt: skip
    data.update({f"ip-1-{k}": v for k, v in ENTRY["ip_list"][0].items()})
    return {**data, **changes}


@EXAMPLES
@given(field=st.sampled_from(["title", "summary", "market", "ip-1-name", "ip-1-number"]), value=hostile_text)
def test_entry_form_refuses_control_characters(draft, field, value):
    client, entry = draft
    post(client, reverse("registration:entry_edit", args=[entry.pk]), entry_data(entry, **{field: value}))
    saved = Entry.objects.get(pk=entry.pk)
    assert_not_stored(value, [saved.title, saved.summary, saved.market, str(saved.ip_list)])


@EXAMPLES
@given(
    field=st.sampled_from(["funding_sought", "finances-1-revenue", "finances-2-profit"]), value=hostile_number
)
def test_entry_form_refuses_hostile_numbers(draft, field, value):
    client, entry = draft
    before = Entry.objects.filter(pk=entry.pk).values("funding_sought", "finances", "version").get()
    post(client, reverse("registration:entry_edit", args=[entry.pk]), entry_data(entry, **{field: value}))
    assert Entry.objects.filter(pk=entry.pk).values("funding_sought", "finances", "version").get() == before


@EXAMPLES
@given(value=hostile_text)
def test_new_entry_form_refuses_control_characters(ningbo, value):
    from tests.registration.factories import enterprise_owner

    client = Client()
    client.force_login(enterprise_owner())
    post(client, reverse("registration:entry_new"), {"event": ningbo.pk, "title": value})
    assert_not_stored(value, stored_text(Entry.objects.all(), "title"))


# -- organizer ---------------------------------------------------------------------------------------


@pytest.fixture
def organizer_client(ningbo):
    client = Client()
    client.force_login(organizer_for(ningbo))
    return client


@EXAMPLES
@given(field=st.sampled_from(["opens_at", "closes_on"]), value=absurd_date)
def test_window_form_refuses_absurd_dates(organizer_client, ningbo, field, value):
    before = RegistrationWindow.objects.filter(event=ningbo).values().get()
    data = {"opens_at": "2026-03-01T09:00", "closes_on": "2030-07-31"}
    data[field] = f"{value}T09:00" if field == "opens_at" else value
    post(organizer_client, reverse("console:window", args=[ningbo.pk]), data)
    assert RegistrationWindow.objects.filter(event=ningbo).values().get() == before


@EXAMPLES
@given(value=hostile_text)
def test_review_reason_refuses_control_characters(organizer_client, ningbo, value):
    from tests.registration.factories import submitted_entry

    entry = submitted_entry(ningbo)
    post(
        organizer_client,
        reverse("console:entry_review", args=[entry.pk]),
        {"action": "return", "reason": value},
    )
    assert Entry.objects.get(pk=entry.pk).status == "submitted"


def round_data(scope: str, **changes) -> dict:
    data = {"scope": scope, "name": "复赛网评", "stage": "semifinal", "judges_per_entry": "5",
            "default_max_load": "20", "aggregation": "trimmed_mean", "places": "3", "carry_over": "fresh",
            "carry_weight": "0", "opens_at": "2026-08-01T09:00", "closes_at": "2026-08-10T18:00",
            "rubric-TOTAL_FORMS": "1", "rubric-INITIAL_FORMS": "0", "rubric-MIN_NUM_FORMS": "0",
            "rubric-MAX_NUM_FORMS": "12", "rubric-0-code": "all",
            "rubric-0-name": "综合", "rubric-0-max": "100", "rubric-0-weight": "100"}  # fmt: skip
    return {**data, **changes}


@EXAMPLES
@given(
    change=st.one_of(
        st.tuples(st.sampled_from(["name", "rubric-0-name"]), hostile_text),
        st.tuples(st.sampled_from(["opens_at", "closes_at"]), absurd_datetime),
        st.tuples(
            st.sampled_from(["carry_weight", "judges_per_entry", "rubric-0-max", "rubric-0-weight"]),
            hostile_number,
        ),
    )
)
def test_round_form_refuses_hostile_input(organizer_client, ningbo, change):
    field, value = change
    post(organizer_client, reverse("review:round_create"), round_data(f"event:{ningbo.pk}", **{field: value}))
    assert not ReviewRound.objects.exists()


@EXAMPLES
@given(field=st.sampled_from(["name", "organization_name", "title"]), value=hostile_text)
def test_expert_form_refuses_control_characters(organizer_client, field, value):
    data = {"name": "林晓峰", "organization_name": "宁波材料所", "title": "研究员", "kind": "technical",
            "expertise": ["C"], "regions": ["330000"], "phone": "139 0574 8888", "email": "lin@example.cn",
            field: value}  # fmt: skip
    post(organizer_client, reverse("review:expert_create"), data)
    assert not Expert.objects.exists()


@EXAMPLES
@given(
    change=st.one_of(
        st.tuples(st.sampled_from(["name", "venue", "room", "notary", "segments"]), hostile_text),
        st.tuples(st.just("starts_at"), absurd_datetime),
        st.tuples(st.sampled_from(["score_min", "score_max", "places"]), hostile_number),
    )
)
def test_session_form_refuses_hostile_input(organizer_client, ningbo, change):
    field, value = change
    data = {"event": ningbo.pk, "name": "宁波赛区决赛", "venue": "宁波国际会议中心", "room": "A 厅",
            "starts_at": "2026-09-20T09:00", "preset": "", "segments": "项目路演 8 分钟 + 评委问答 7 分钟",
            "aggregation": "trimmed", "places": "2", "score_min": "0", "score_max": "100", "chair": "",
            "notary": "宁波市公证处", field: value}  # fmt: skip
    post(organizer_client, reverse("finals_console:session_create"), data)
    assert not RoadshowSession.objects.exists()


# -- awards and publicity ---------------------------------------------------------------------------


def awards_url(event, name: str) -> str:
    return reverse(f"awards_console:{name}", kwargs={"event_id": event.pk, "group_code": "enterprise"})


@pytest.fixture
def awards_console(ningbo):
    from tests.review.factories import qualified_entries

    entries, organizer = qualified_entries(ningbo, 1)
    client = Client()
    client.force_login(organizer)
    return client, entries[0]


@EXAMPLES
@given(
    change=st.one_of(
        st.tuples(st.just("name"), hostile_text),
        st.tuples(st.just("rank"), hostile_number),
    )
)
def test_award_level_form_refuses_hostile_input(awards_console, ningbo, change):
    client, _entry = awards_console
    field, value = change
    post(client, awards_url(ningbo, "add_level"), {"name": "创新之星", "rank": "5", field: value})
    assert not AwardLevel.objects.filter(name="创新之星").exists()
    assert_not_stored(value, stored_text(AwardLevel.objects.all(), "name"))


@EXAMPLES
@given(value=hostile_text)
def test_manual_award_form_refuses_control_characters_in_the_citation(awards_console, ningbo, value):
    client, entry = awards_console
    post(client, awards_url(ningbo, "add"), {"entry": entry.pk, "level": "一等奖", "citation": value})
    assert not Award.objects.exists()


@pytest.fixture
def notice_season(ningbo):
    import time_machine

    from tests.publicity.builders import T0, advancement_round, published_list

    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=3, advance=2)
    with time_machine.travel(T0, tick=False):
        notice = published_list(ningbo, organizer, round_=round_)
    return {"round": round_, "organizer": organizer, "notice": notice, "t0": T0}


phones = iter(range(10**6))


@EXAMPLES
@given(field=st.sampled_from(["name", "reason", "email"]), value=hostile_text)
def test_objection_form_refuses_control_characters(notice_season, field, value):
    import time_machine

    from contest.core import sms

    notice = notice_season["notice"]
    phone = f"1380{next(phones):07d}"
    client = Client()
    url = reverse("publicity:objection_create", args=[notice.pk])
    with time_machine.travel(notice_season["t0"] + timedelta(hours=3), tick=False):
        sms.outbox.clear()
        client.post(url, {"phone": phone, "action": "send"})
        code = re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)
        data = {"name": "李明", "phone": phone, "email": "liming@example.cn", "row_number": "",
                "reason": "该项目存在知识产权纠纷。", "code": code, field: value}  # fmt: skip
        post(client, url, data)
    assert not Objection.objects.exists()


@EXAMPLES
@given(value=hostile_text)
def test_notice_create_form_refuses_control_characters(notice_season, ningbo, value):
    client = Client()
    client.force_login(notice_season["organizer"])
    data = {
        "scope": f"event:{ningbo.pk}",
        "kind": "advancement",
        "title": value,
        "round": notice_season["round"].pk,
    }
    post(client, reverse("publicity_console:create"), data)
    assert_not_stored(value, stored_text(Notice.objects.all(), "title"))


# -- accounts ----------------------------------------------------------------------------------------


@EXAMPLES
@given(field=st.sampled_from(["identifier", "display_name", "password"]), value=hostile_text)
def test_sign_up_refuses_control_characters(db, field, value):
    data = {"identifier": "new-person@example.cn", "display_name": "新人", "password": "pw-Strong-2024x",
            "password_confirm": "pw-Strong-2024x", "accept_privacy": "on", field: value}  # fmt: skip
    if field == "password":
        data["password_confirm"] = value
    post(Client(), reverse("accounts:signup"), data)
    assert not User.objects.filter(email="new-person@example.cn").exists()
    assert_not_stored(value, stored_text(User.objects.all(), "username", "email", "display_name"))


@EXAMPLES
@given(field=st.sampled_from(["username", "password"]), value=hostile_text)
def test_login_with_control_characters_is_refused_without_error(db, field, value):
    if not User.objects.filter(username="login-person").exists():
        user("login-person")
    data = {"username": "login-person@example.cn", "password": "pw-Strong-2024", field: value}
    client = Client()
    post(client, reverse("accounts:login"), data)
    assert "_auth_user_id" not in client.session


# -- the same posts with ordinary values are stored: the refusals above are the hostile value's ----------


def test_baseline_posts_are_stored(client, ningbo, organizer_client):
    from tests.registration.factories import enterprise_owner, submitted_entry

    person = user()
    client.force_login(person)
    assert (
        client.post(reverse("registration:enterprise"), enterprise_data(credit_code("330203"))).status_code
        == 302
    )
    assert Enterprise.objects.get(owner=person).contact_name == "张伟"

    client.force_login(user())
    team = {"name": "甬创团队", "leader_name": "陈晨", "leader_phone": "13912345678", "province": "330000",
            "city": "330200", "declares_not_enterprise": "on", "members-1-name": "赵一",
            "members-1-phone": "13700000001", "members-1-role": "工程师"}  # fmt: skip
    assert client.post(reverse("registration:team"), team).status_code == 302
    assert MakerTeam.objects.get().members.get().role == "工程师"

    entry = complete_entry(ningbo)
    client.force_login(entry.owner)
    data = entry_data(entry, title="新标题", funding_sought="88.5", **{"ip-1-number": "ZL1"})
    assert client.post(reverse("registration:entry_edit", args=[entry.pk]), data).status_code == 302
    saved = Entry.objects.get(pk=entry.pk)
    assert (saved.title, str(saved.funding_sought), saved.ip_list[0]["number"]) == ("新标题", "88.50", "ZL1")

    client.force_login(enterprise_owner())
    assert (
        client.post(reverse("registration:entry_new"), {"event": ningbo.pk, "title": "新项目"}).status_code
        == 302
    )
    assert Entry.objects.filter(title="新项目").count() == 1

    window = {"opens_at": "2026-03-01T09:00", "closes_on": "2030-07-31"}
    assert organizer_client.post(reverse("console:window", args=[ningbo.pk]), window).status_code == 302
    assert RegistrationWindow.objects.get(event=ningbo).closes_on == date(2030, 7, 31)

    submitted = submitted_entry(ningbo)
    organizer_client.post(
        reverse("console:entry_review", args=[submitted.pk]), {"action": "return", "reason": "补材料"}
    )
    assert Entry.objects.get(pk=submitted.pk).status == "returned"

    created = organizer_client.post(reverse("review:round_create"), round_data(f"event:{ningbo.pk}"))
    assert created.status_code == 302, (created.context["form"].errors, created.context["rubric_errors"])
    assert ReviewRound.objects.get().name == "复赛网评"

    expert = {"name": "林晓峰", "organization_name": "宁波材料所", "title": "研究员", "kind": "technical",
              "expertise": ["C"], "regions": ["330000"], "phone": "139 0574 8888", "email": "lin@example.cn"}  # fmt: skip
    assert organizer_client.post(reverse("review:expert_create"), expert).status_code == 302
    assert Expert.objects.get().name == "林晓峰"

    session = {"event": ningbo.pk, "name": "宁波赛区决赛", "venue": "宁波国际会议中心", "room": "A 厅",
               "starts_at": "2026-09-20T09:00", "preset": "", "segments": "项目路演 8 分钟 + 评委问答 7 分钟",
               "aggregation": "trimmed", "places": "2", "score_min": "0", "score_max": "100", "chair": "",
               "notary": "宁波市公证处"}  # fmt: skip
    assert organizer_client.post(reverse("finals_console:session_create"), session).status_code == 302
    assert RoadshowSession.objects.get().name == "宁波赛区决赛"

    assert (
        organizer_client.post(awards_url(ningbo, "add_level"), {"name": "创新之星", "rank": "5"}).status_code
        == 302
    )
    assert AwardLevel.objects.filter(name="创新之星").count() == 1

    anonymous = Client()
    signup = {"identifier": "new-person@example.cn", "display_name": "新人", "password": "pw-Strong-2024x",
              "password_confirm": "pw-Strong-2024x", "accept_privacy": "on"}  # fmt: skip
    assert anonymous.post(reverse("accounts:signup"), signup).status_code == 302
    assert User.objects.filter(email="new-person@example.cn").count() == 1

    user("login-person")
    login = Client()
    login.post(
        reverse("accounts:login"), {"username": "login-person@example.cn", "password": "pw-Strong-2024"}
    )
    assert "_auth_user_id" in login.session


def test_baseline_award_objection_and_notice_posts_are_stored(awards_console, notice_season, ningbo):
    import time_machine

    from contest.core import sms

    client, entry = awards_console
    post(client, awards_url(ningbo, "add"), {"entry": entry.pk, "level": "一等奖", "citation": "技术领先"})
    assert Award.objects.get().citation == "技术领先"

    notice = notice_season["notice"]
    public = Client()
    url = reverse("publicity:objection_create", args=[notice.pk])
    with time_machine.travel(notice_season["t0"] + timedelta(hours=3), tick=False):
        public.post(url, {"phone": "13912340000", "action": "send"})
        code = re.search(r"验证码为 (\d{6})", sms.outbox[-1].text).group(1)
        data = {"name": "李明", "phone": "13912340000", "email": "liming@example.cn", "row_number": "",
                "reason": "该项目存在知识产权纠纷。", "code": code}  # fmt: skip
        assert public.post(url, data).status_code == 302
    assert Objection.objects.get().reason == "该项目存在知识产权纠纷。"

    console = Client()
    console.force_login(notice_season["organizer"])
    data = {
        "scope": f"event:{ningbo.pk}",
        "kind": "advancement",
        "title": "复赛晋级名单",
        "round": notice_season["round"].pk,
    }
    assert console.post(reverse("publicity_console:create"), data).status_code == 302
    assert Notice.objects.filter(title="复赛晋级名单").count() == 1
