"""Every form shows all of its errors at once, in a summary at the top (includes/form_errors.html).

A source test walks the templates: a page that posts a form and shows field errors must include the
summary (or be on the commented allow-list below). Behaviour tests post invalid data to console
forms and read the summary back: one list item per error, each linking to its field."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from contest.awards import services as awards_services
from contest.registration.models import RegistrationWindow
from contest.review.models import Expert, ReviewRound

from .registration.factories import organizer_for
from .review.factories import qualified_entries

pytestmark = pytest.mark.integration

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "contest"
SUMMARY = "includes/form_errors.html"
POST_FORM = re.compile(r"<form\b[^>]*\bmethod\s*=\s*[\"']?post\b", re.IGNORECASE)
FIELD_ERRORS = re.compile(r"\.errors\b|[\w/]*_field\.html|organizer_field\.html")

# Templates that post a form and show field errors but legitimately have no summary include.
ALLOWED_WITHOUT_SUMMARY = {
    # Its only Django form (publish_form) is never bound: an invalid publish redirects back with a
    # message, so this page never shows a field error.
    "publicity/templates/publicity/console_detail.html",
    # Has its own equivalent all-errors box at the top (#error-summary, every non-field and field
    # error with a link to its field); adding the shared one would list every error twice.
    "publicity/templates/publicity/public_objection_form.html",
}


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if "templates" in p.parts)


def _needs_summary(text: str) -> bool:
    return bool(POST_FORM.search(text)) and bool(FIELD_ERRORS.search(text))


def test_every_template_that_shows_field_errors_of_a_posted_form_includes_the_summary():
    templates = _templates()
    assert len(templates) > 50  # the walk found the project's templates
    needing = {str(p.relative_to(TEMPLATES)): p.read_text(encoding="utf-8") for p in templates}
    needing = {name: text for name, text in needing.items() if _needs_summary(text)}
    missing = sorted(
        name for name, text in needing.items() if SUMMARY not in text and name not in ALLOWED_WITHOUT_SUMMARY
    )
    assert missing == [], f"add {{% include {SUMMARY!r} with form=… %}} above the <form>: {missing}"
    # The allow-list holds only real templates that would otherwise need the summary.
    stale = sorted(
        name for name in ALLOWED_WITHOUT_SUMMARY if name not in needing or SUMMARY in needing[name]
    )
    assert stale == []


def test_the_source_check_recognises_a_page_without_a_summary():
    page = '<form class="x" method="post">{% for e in form.name.errors %}<p>{{ e }}</p>{% endfor %}</form>'
    assert _needs_summary(page)
    assert _needs_summary('<form method="POST">{% include "finals/_field.html" with field=form.a %}</form>')
    assert not _needs_summary('<form method="get">{{ form.q.errors }}</form>')
    assert not _needs_summary('<form method="post"><button>OK</button></form>')


# -- reading the summary back ------------------------------------------------------------------------------


class _Summary(HTMLParser):
    """Every element with id="form-errors", and the items of the one (if any) with their links."""

    def __init__(self):
        super().__init__()
        self.summaries = 0
        self.depth = 0  # > 0 inside the summary
        self.items: list[dict] = []
        self.attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "form-errors":
            self.summaries += 1
            self.attrs = attrs
            self.depth = 1
            return
        if not self.depth:
            return
        if tag not in ("br", "img", "input"):
            self.depth += 1
        if tag == "li":
            self.items.append({"text": "", "href": None})
        elif tag == "a" and self.items:
            self.items[-1]["href"] = attrs.get("href")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.items:
            self.items[-1]["text"] += data


def summary_of(response) -> _Summary:
    parser = _Summary()
    parser.feed(response.content.decode())
    parser.close()
    return parser


def error_count(form) -> int:
    return sum(len(errors) for errors in form.errors.values())


def assert_summary(response, expected: list[tuple[str | None, str]]) -> None:
    """The page has exactly one summary, listing exactly ``expected`` — (field id or None, text) in
    order — and that is every error of the form."""
    found = summary_of(response)
    assert found.summaries == 1
    assert (found.attrs.get("role"), found.attrs.get("class")) == ("alert", "form-errors")
    assert len(found.items) == error_count(response.context["form"]) == len(expected)
    got = [
        (item["href"][1:] if item["href"] else None, re.sub(r"\s+", " ", item["text"]).strip())
        for item in found.items
    ]
    assert got == expected
    for field_id, _text in expected:  # each link leads to a control on the page
        if field_id:
            assert f'id="{field_id}"' in response.content.decode()


REQUIRED = "这个字段是必填项。"


# -- review: round form, expert form -----------------------------------------------------------------------


def test_round_form_lists_every_field_error_at_the_top(client, ningbo):
    client.force_login(organizer_for(ningbo))
    data = {
        "scope": f"event:{ningbo.pk}", "name": "", "stage": "semifinal", "judges_per_entry": "5",
        "default_max_load": "20", "aggregation": "trimmed_mean", "places": "9", "carry_over": "blend",
        "carry_weight": "0.3", "opens_at": "2024-08-01T09:00", "closes_at": "2024-08-10T18:00",
        "rubric-TOTAL_FORMS": "1", "rubric-INITIAL_FORMS": "0", "rubric-MIN_NUM_FORMS": "0",
        "rubric-MAX_NUM_FORMS": "12", "rubric-0-code": "tech", "rubric-0-name": "技术创新",
        "rubric-0-max": "100", "rubric-0-weight": "100",
    }  # fmt: skip

    response = client.post(reverse("review:round_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [REQUIRED], "places": ["确保该值小于或等于4。"]}
    assert_summary(
        response, [("id_name", f"名称：{REQUIRED}"), ("id_places", "保留小数位：确保该值小于或等于4。")]
    )
    assert not ReviewRound.objects.exists()


def test_expert_form_lists_every_field_error_at_the_top(client, ningbo):
    client.force_login(organizer_for(ningbo))
    data = {"name": "", "organization_name": "某研究院", "kind": "technical", "expertise": ["C"],
            "regions": ["330000"], "phone": "139 0574 8888", "email": "not-an-email"}  # fmt: skip

    response = client.post(reverse("review:expert_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [REQUIRED], "email": ["输入一个有效的 Email 地址。"]}
    assert_summary(
        response, [("id_name", f"姓名：{REQUIRED}"), ("id_email", "邮箱：输入一个有效的 Email 地址。")]
    )
    assert not Expert.objects.exists()


# -- finals: session form -----------------------------------------------------------------------------------


def test_session_form_lists_every_field_error_at_the_top(client, ningbo):
    _entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)
    data = {"event": ningbo.pk, "name": "", "venue": "", "starts_at": "九月", "preset": "1+7+4",
            "aggregation": "trimmed", "places": "2", "score_min": "0", "score_max": "100"}  # fmt: skip

    response = client.post(reverse("finals_console:session_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": [REQUIRED], "venue": [REQUIRED], "starts_at": ["输入一个有效的日期/时间。"],
    }  # fmt: skip
    assert_summary(response, [
        ("id_name", f"场次名称：{REQUIRED}"), ("id_venue", f"地点：{REQUIRED}"),
        ("id_starts_at", "开始时间（北京时间）：输入一个有效的日期/时间。"),
    ])  # fmt: skip


# -- registration: window form ------------------------------------------------------------------------------


def test_window_form_lists_every_field_error_at_the_top(client, ningbo):
    before = RegistrationWindow.objects.get(event=ningbo).closes_on
    client.force_login(organizer_for(ningbo))

    response = client.post(reverse("console:window", args=[ningbo.pk]), {"opens_at": "明天", "closes_on": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "opens_at": ["输入一个有效的日期/时间。"],
        "closes_on": [REQUIRED],
    }
    assert_summary(response, [
        ("id_opens_at", "开始报名（北京时间）：输入一个有效的日期/时间。"),
        ("id_closes_on", f"报名截止日（含当天，到 24:00）：{REQUIRED}"),
    ])  # fmt: skip
    assert RegistrationWindow.objects.get(event=ningbo).closes_on == before


def test_window_form_shows_a_refusal_once_in_the_summary(client, ningbo):
    client.force_login(organizer_for(ningbo))

    response = client.post(
        reverse("console:window", args=[ningbo.pk]),
        {"opens_at": "2024-08-01T09:00", "closes_on": "2024-07-31"},
    )

    assert_summary(
        response, [("id_closes_on", "报名截止日（含当天，到 24:00）：报名截止日不能早于开始日期。")]
    )
    assert (
        response.content.decode().count("报名截止日不能早于开始日期。") == 2
    )  # the summary and under the field


# -- awards: edit a staged award, the manual-award form of the table ------------------------------------------


def test_award_form_lists_every_field_error_at_the_top(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    award = awards_services.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="一等奖")
    client.force_login(organizer)
    url = reverse(
        "awards_console:edit",
        kwargs={"event_id": ningbo.pk, "group_code": "enterprise", "award_id": award.pk},
    )

    response = client.post(url, {"level": "特等奖", "order": "0", "citation": "x" * 301})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors == {
        "level": ["选择一个有效的选项。 特等奖 不在可用的选项中。"],
        "order": ["确保该值大于或等于1。"],
        "citation": ["确保该变量包含不超过 300 字符 (目前字符数 301)。"],
    }
    assert_summary(response, [
        ("id_level", "奖项等级：选择一个有效的选项。 特等奖 不在可用的选项中。"),
        ("id_order", "等级内排序：确保该值大于或等于1。"),
        ("id_citation", "颁奖词：确保该变量包含不超过 300 字符 (目前字符数 301)。"),
    ])  # fmt: skip


def test_award_table_shows_the_summary_of_the_form_that_was_posted_only(client, ningbo):
    _entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)
    url = reverse("awards_console:add", kwargs={"event_id": ningbo.pk, "group_code": "enterprise"})

    response = client.post(url, {"entry": "", "level": "特等奖"})

    assert response.status_code == 400
    form = response.context["manual_form"]
    assert form.errors == {"entry": [REQUIRED], "level": ["选择一个有效的选项。 特等奖 不在可用的选项中。"]}
    assert not response.context["level_form"].errors
    found = summary_of(response)
    assert found.summaries == 1
    texts = [(item["href"], re.sub(r"\s+", " ", item["text"]).strip()) for item in found.items]
    assert texts == [
        ("#id_entry", f"项目：{REQUIRED}"),
        ("#id_level", "奖项等级：选择一个有效的选项。 特等奖 不在可用的选项中。"),
    ]
    html = response.content.decode()
    assert html.index('id="form-errors"') < html.index('id="manual-form"') < html.index('id="level-form"')
