"""What an organizer is warned about before acting, scores shown with the round's declared places,
and the review pages in English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from contest.core.errors import Conflict, FieldErrors
from contest.review import services
from contest.review.enums import Decision, RoundStatus
from contest.review.models import ReviewRound

from ..accounts.html import elements, texts
from .factories import expert, qualified_entries
from .judging import assignment_of, judging_round

pytestmark = pytest.mark.integration

#: three judges whose totals are 90.5, 88 and 88: mean 88.8333…
SHEETS = [
    {"innovation": "29", "business_model": "18", "market": "18", "team": "18", "finance_social": "7.5"},
    {"innovation": "28", "business_model": "18", "market": "18", "team": "17", "finance_social": "7"},
    {"innovation": "28", "business_model": "18", "market": "18", "team": "17", "finance_social": "7"},
]


def scored_round(
    event, *, status: str = RoundStatus.CLOSED, sheets: int = 3
) -> tuple[ReviewRound, list, list]:
    """One entry judged by three judges (k = 3, 2 places); ``sheets`` of them submitted."""
    entries, organizer = qualified_entries(event, 1)
    judges = [expert(organizer, name=f"评委{c}") for c in "ABC"]
    round_ = judging_round(event, organizer, entries=entries, judges=judges, pairs=[(0, 0), (0, 1), (0, 2)],
                           judges_per_entry=3, places=2)  # fmt: skip
    for judge, scores in list(zip(judges, SHEETS, strict=True))[:sheets]:
        services.save_sheet(by=judge.user, assignment=assignment_of(round_, entries[0], judge), scores=scores,
                            submit=True)  # fmt: skip
    if status == RoundStatus.CLOSED:
        round_ = services.set_round_status(by=organizer, round=round_, to=RoundStatus.CLOSED)
    return round_, entries, [organizer, *judges]


# -- starting review ---------------------------------------------------------------------------------------


def test_set_round_status_refuses_to_open_a_round_without_assignments(ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[expert(organizer)], pairs=[],
                           status=RoundStatus.DRAFT)  # fmt: skip

    with pytest.raises(Conflict) as refused:
        services.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)

    assert refused.value.message == "本轮还没有分配任何评审任务，请先运行分配或指定评审专家，再开始评审。"
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.DRAFT


def test_set_round_status_refuses_to_open_a_round_before_its_window(ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    opens = timezone.now() + timedelta(days=2)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[expert(organizer)], pairs=[(0, 0)],
                           status=RoundStatus.DRAFT, opens_at=opens)  # fmt: skip

    with pytest.raises(Conflict) as refused:
        services.set_round_status(by=organizer, round=round_, to=RoundStatus.OPEN)

    when = timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")
    assert refused.value.message == f"评审时间尚未开始（{when} 开始），不能提前开始评审。"
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.DRAFT


def test_round_page_disables_start_and_says_why_when_nothing_is_assigned(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[expert(organizer)], pairs=[],
                           status=RoundStatus.DRAFT)  # fmt: skip
    client.force_login(organizer)

    response = client.get(reverse("review:round_detail", args=[round_.pk]))

    start = [b for b in elements(response, "button") if b["text"] == "开始评审"]
    assert [("disabled" in b["attrs"], b["attrs"].get("aria-describedby")) for b in start] == [
        (True, "open-blockers")
    ]
    blockers = response.content.decode().split('id="open-blockers"')[1].split("</div>")[0]
    assert "本轮还没有分配任何评审任务，请先运行分配或指定评审专家，再开始评审。" in blockers


def test_round_page_offers_start_when_the_round_is_ready(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    round_ = judging_round(ningbo, organizer, entries=entries, judges=[expert(organizer)], pairs=[(0, 0)],
                           status=RoundStatus.DRAFT)  # fmt: skip
    client.force_login(organizer)

    response = client.get(reverse("review:round_detail", args=[round_.pk]))

    start = [b for b in elements(response, "button") if b["text"] == "开始评审"]
    assert ["disabled" in b["attrs"] for b in start] == [False]
    assert elements(response, "div", id="open-blockers") == []


# -- publishing with too few scores --------------------------------------------------------------------------


def test_publish_advancement_refuses_entries_with_too_few_scores_unless_acknowledged(ningbo):
    round_, entries, (organizer, *_judges) = scored_round(ningbo, sheets=2)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=1)
    services.stage_decisions(by=organizer, round=round_, decisions={entries[0].pk: Decision.ADVANCE})

    with pytest.raises(FieldErrors) as refused:
        services.publish_advancement(by=organizer, round=round_)

    assert refused.value.fields == {
        "acknowledge_too_few": "有 1 个项目评分不足（提交的评分少于每个项目的评审人数），"
        "请确认“我已知晓 1 个项目评分不足，仍要发布”后再发布。"
    }
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.CLOSED

    assert services.publish_advancement(by=organizer, round=round_, acknowledged_too_few=1) == {
        "enterprise": 1
    }
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.PUBLISHED


def test_advancement_page_lists_too_few_entries_with_a_required_confirmation(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=2)
    code = round_.round_entries.get().code
    client.force_login(organizer)

    response = client.get(reverse("review:advancement", args=[round_.pk]))

    warning = response.content.decode().split('id="too-few-warning"')[1].split("</div>")[0]
    assert "1 个项目评分不足（提交的评分少于每个项目的评审人数 3）：" in warning
    assert f'<span class="mono">{code}</span> · 已提交 2 份' in warning
    box = elements(response, "input", name="acknowledge_too_few")
    assert [(b["attrs"]["type"], b["attrs"]["value"], "required" in b["attrs"]) for b in box] == [
        ("checkbox", "1", True)
    ]
    assert "我已知晓 1 个项目评分不足，仍要发布" in warning


def test_advancement_publish_without_the_confirmation_is_refused(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=2)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=1)
    client.force_login(organizer)
    url = reverse("review:advancement", args=[round_.pk])

    refused = client.post(url, {"action": "publish"}, follow=True)
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.CLOSED
    assert [str(m) for m in refused.context["messages"]] == [
        "有 1 个项目评分不足（提交的评分少于每个项目的评审人数），请确认“我已知晓 1 个项目评分不足，仍要发布”后再发布。"
    ]

    client.post(url, {"action": "publish", "acknowledge_too_few": "1"})
    assert ReviewRound.objects.get(pk=round_.pk).status == RoundStatus.PUBLISHED


def test_advancement_page_has_no_confirmation_when_every_entry_is_fully_scored(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=3)
    client.force_login(organizer)

    response = client.get(reverse("review:advancement", args=[round_.pk]))

    assert elements(response, "input", name="acknowledge_too_few") == []


# -- a published round's settings ------------------------------------------------------------------------------


def published_round(event):
    round_, entries, (organizer, *_judges) = scored_round(event, sheets=3)
    services.set_quota(by=organizer, round=round_, group_code="enterprise", kind="count", count=1)
    services.publish_decisions(by=organizer, round=round_, decisions={entries[0].pk: Decision.ADVANCE})
    return ReviewRound.objects.get(pk=round_.pk), organizer


def test_settings_of_a_published_round_are_shown_read_only(client, ningbo):
    round_, organizer = published_round(ningbo)
    client.force_login(organizer)

    response = client.get(reverse("review:round_edit", args=[round_.pk]))
    form = response.content.decode().split('id="round-form"')[1].split("</form>")[0]

    fields = [*elements(form, "input"), *elements(form, "select"), *elements(form, "textarea")]
    editable = [f["attrs"].get("name") for f in fields
                if f["attrs"].get("type") != "hidden" and "disabled" not in f["attrs"]]  # fmt: skip
    assert editable == []
    assert len(fields) > 20
    assert [b["text"] for b in elements(form, "button")] == []
    assert [b for b in elements(form, "input") if b["attrs"].get("type") == "submit"] == []
    assert texts(response, "p", id="round-read-only") == ["本轮晋级结果已发布，设置只读，不能再修改。"]


def test_settings_of_an_unpublished_round_stay_editable(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=3)
    client.force_login(organizer)

    response = client.get(reverse("review:round_edit", args=[round_.pk]))
    form = response.content.decode().split('id="round-form"')[1].split("</form>")[0]

    assert [b["text"] for b in elements(form, "button")] == ["保存设置"]
    assert "disabled" not in elements(response, "input", name="name")[0]["attrs"]
    assert elements(response, "p", id="round-read-only") == []


def test_posting_settings_of_a_published_round_is_refused(client, ningbo):
    round_, organizer = published_round(ningbo)
    client.force_login(organizer)

    response = client.post(reverse("review:round_edit", args=[round_.pk]), {"name": "改名"})

    assert ReviewRound.objects.get(pk=round_.pk).name == "网络初评"
    assert response.status_code == 200


# -- decimal places ----------------------------------------------------------------------------------------------


def test_ranking_shows_scores_with_the_rounds_places(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=3)
    client.force_login(organizer)

    response = client.get(reverse("review:ranking", args=[round_.pk]))

    assert texts(response, "td", data_label="合成得分") == ["88.83"]
    assert texts(response, "td", data_label="各评审得分") == ["评委A 90.50；评委B 88.00；评委C 88.00"]


def test_advancement_shows_scores_with_the_rounds_places(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=3)
    client.force_login(organizer)

    staged = client.get(reverse("review:advancement", args=[round_.pk]))
    assert texts(staged, "td", data_label="得分") == ["88.83"]

    round_, organizer = published_round(ningbo)
    client.force_login(organizer)
    published = client.get(reverse("review:advancement", args=[round_.pk]))
    assert texts(published, "td", data_label="得分") == ["88.83"]


def test_judge_round_page_shows_the_total_with_the_rounds_places(client, ningbo):
    round_, _entries, (_organizer, judge_a, *_judges) = scored_round(
        ningbo, status=RoundStatus.OPEN, sheets=3
    )
    client.force_login(judge_a.user)

    response = client.get(reverse("judge:round", args=[round_.pk]))

    assert texts(response, "span", class_="assignment__state") == ["已提交 · 90.50 分"]


def test_judge_peer_table_shows_scores_with_the_rounds_places(client, ningbo):
    round_, entries, (_organizer, judge_a, *_judges) = scored_round(ningbo, status=RoundStatus.OPEN, sheets=3)
    ReviewRound.objects.filter(pk=round_.pk).update(judges_see_others=True)
    assignment = assignment_of(round_, entries[0], judge_a)
    client.force_login(judge_a.user)

    response = client.get(reverse("judge:entry", args=[round_.pk, assignment.round_entry.code]))

    assert texts(response, "td", data_label="合计") == ["88.00", "88.00"]
    assert texts(response, "td", data_label="财务与社会效益") == ["7.00", "7.00"]


# -- English ------------------------------------------------------------------------------------------------------


def test_judge_round_page_in_english_shows_english_labels(client, ningbo):
    round_, _entries, (_organizer, judge_a, *_judges) = scored_round(
        ningbo, status=RoundStatus.OPEN, sheets=1
    )
    client.force_login(judge_a.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("judge:round", args=[round_.pk]))

    assert texts(response, "span", id="round-status") == ["Under review"]
    assert texts(response, "span", class_="assignment__state") == ["Submitted · 90.50 points"]


def test_judge_entry_page_in_english_shows_the_default_rubric_in_english(client, ningbo):
    round_, entries, (_organizer, judge_a, *_judges) = scored_round(ningbo, status=RoundStatus.OPEN, sheets=0)
    assignment = assignment_of(round_, entries[0], judge_a)
    client.force_login(judge_a.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("judge:entry", args=[round_.pk, assignment.round_entry.code]))

    labels = [
        el["text"] for el in elements(response, "label") if el["attrs"].get("for", "").startswith("id_score-")
    ]
    assert labels == [
        "Technological innovation (0–30)",
        "Business model (0–20)",
        "Market (0–20)",
        "Team capability (0–20)",
        "Financial and social benefits (0–10)",
    ]


def test_ranking_page_in_english_shows_english_labels(client, ningbo):
    round_, _entries, (organizer, *_judges) = scored_round(ningbo, sheets=2)
    client.force_login(organizer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("review:ranking", args=[round_.pk]))

    assert texts(response, "th", scope="col")[:7] == [
        "Rank",
        "Anonymous code",
        "Project title",
        "Every judge's total",
        "Aggregate",
        "Scores",
        "Flags",
    ]
    assert texts(response, "span", class_="review-flag") == ["Too few scores"]
    assert texts(response, "td", data_label="Aggregate") == ["89.25"]


def test_round_status_and_decision_labels_are_translated():
    with translation.override("en"):
        assert str(RoundStatus.OPEN.label) == "Under review"
        assert str(Decision.ADVANCE.label) == "Advance"
        assert str(Decision.HOLD.label) == "Does not advance"
