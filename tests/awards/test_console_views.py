import io
import re

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from openpyxl import load_workbook

from contest.awards import services
from contest.awards.enums import AwardStatus, BatchStatus
from contest.awards.models import Award, Certificate, CertificateBatch
from contest.catalog.models import Event

from ..http import drain
from ..registration.factories import open_registration, organizer_for, user
from ..review.factories import qualified_entries
from .builders import confirmed_awards, enterprise_group, finished_session

pytestmark = pytest.mark.integration
SITE = "http://testserver"


def patterns_of(namespace: str) -> list[URLPattern]:
    found = []

    def walk(items, inside: bool):
        for item in items:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, inside or item.namespace == namespace)
            elif inside:
                found.append(item)

    walk(get_resolver().url_patterns, False)
    return found


@pytest.fixture
def shenzhen(edition9):
    event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(event)
    return event


def table_url(event, name="table", **extra) -> str:
    return reverse(
        f"awards_console:{name}", kwargs={"event_id": event.pk, "group_code": "enterprise", **extra}
    )


def test_every_console_url_answers_404_to_another_events_organizer(client, ningbo, shenzhen):
    awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = services.issue_certificate(by=organizer, award=awards[0], site_url=SITE)
    batch = CertificateBatch.objects.create(event=ningbo, group=enterprise_group(ningbo), total=1, site_url=SITE,
                                            requested_by=organizer)  # fmt: skip
    ids = {"award_id": awards[0].pk, "batch_id": batch.pk, "certificate_id": certificate.pk}
    client.force_login(organizer_for(shenzhen))
    routes = [r for r in patterns_of("awards_console") if "event_id" in r.pattern.converters]
    assert len(routes) == 15

    for route in routes:
        kwargs = {k: v for k, v in ids.items() if k in route.pattern.converters}
        url = table_url(ningbo, route.name, **kwargs)
        for method in (client.get, client.post):
            response = method(url, {"reason": "x", "level": "一等奖", "order": "1", "entry": "1"})
            drain(response)
            assert response.status_code == 404, (route.name, method)
    assert Award.objects.get(pk=awards[0].pk).status == AwardStatus.CONFIRMED
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None


def test_console_index_answers_404_to_an_entrant(client, db):
    client.force_login(user())

    response = client.get(reverse("awards_console:index"))

    assert response.status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_award_table_query_count_is_constant(client, ningbo, django_assert_num_queries, n):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖", "三等奖"][:n])
    for award in awards:
        services.issue_certificate(by=organizer, award=award, site_url=SITE)
    client.force_login(organizer)
    url = table_url(ningbo)
    drain(client.get(url))  # warm the session and the organizer's roles

    with django_assert_num_queries(13):
        response = client.get(url)

    body = drain(response).decode()
    assert body.count('class="awards-row awards-row--confirmed"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_console_index_query_count_is_constant(client, edition9, django_assert_num_queries, n):
    events = list(Event.objects.filter(edition=edition9, tier="regional").order_by("seq")[:n])
    person = organizer_for(events[0])
    from contest.accounts.enums import RoleKind
    from contest.accounts.models import Role

    for event in events[1:]:
        Role.objects.create(
            user=person, kind=RoleKind.ORGANIZER, organization=event.roles.first().organization
        )
    client.force_login(person)
    drain(client.get(reverse("awards_console:index")))

    with django_assert_num_queries(7):
        response = client.get(reverse("awards_console:index"))

    assert drain(response).decode().count("/console/awards/") >= 2 * n


def test_plan_preview_then_stage_then_confirm_through_the_console(client, ningbo):
    session, entries, organizer = finished_session(
        ningbo,
        [["90", "91", "92", "93", "94"], ["80", "81", "82", "83", "84"], ["85", "86", "87", "88", "89"]],
    )
    client.force_login(organizer)
    form = {"source": f"session:{session.pk}", "ties": "refuse", "count_0": "1", "count_1": "1", "count_2": "",
            "count_3": "其余"}  # fmt: skip

    preview = client.post(table_url(ningbo, "plan"), {**form, "action": "preview"})
    body = drain(preview).decode()
    assert preview.status_code == 200
    assert body.index(entries[0].title) < body.index(entries[2].title) < body.index(entries[1].title)
    assert Award.objects.count() == 0

    staged = client.post(table_url(ningbo, "plan"), {**form, "action": "stage"})
    assert staged.status_code == 302
    confirmed = client.post(table_url(ningbo, "confirm"))
    assert confirmed.status_code == 302

    assert list(Award.objects.order_by("level__rank").values_list("entry_id", "level__name", "status")) == [
        (entries[0].pk, "一等奖", "confirmed"), (entries[2].pk, "二等奖", "confirmed"),
        (entries[1].pk, "优胜奖", "confirmed"),
    ]  # fmt: skip


def test_plan_with_a_bad_count_rerenders_with_the_message(client, ningbo):
    session, _entries, organizer = finished_session(ningbo, [["90", "91", "92", "93", "94"]])
    client.force_login(organizer)

    response = client.post(table_url(ningbo, "plan"), {"source": f"session:{session.pk}", "ties": "refuse",
                                                       "count_0": "一", "action": "preview"})  # fmt: skip

    body = drain(response).decode()
    assert response.status_code == 400
    assert "名额“一”不是整数。" in body
    assert 'value="一"' in body


def test_manual_award_and_revoke_with_reason_through_the_console(client, ningbo):
    entries, organizer = qualified_entries(ningbo, 1)
    client.force_login(organizer)

    drain(
        client.post(
            table_url(ningbo, "add"), {"entry": entries[0].pk, "level": "一等奖", "citation": "技术领先"}
        )
    )
    drain(client.post(table_url(ningbo, "confirm")))
    award = Award.objects.get()
    empty = client.post(table_url(ningbo, "revoke", award_id=award.pk), {"reason": ""})
    assert empty.status_code == 400
    drain(empty)
    done = client.post(table_url(ningbo, "revoke", award_id=award.pk), {"reason": "材料不实"})

    assert done.status_code == 302
    award.refresh_from_db()
    assert (award.status, award.revoke_reason, award.citation) == (
        AwardStatus.REVOKED,
        "材料不实",
        "技术领先",
    )


def test_generate_certificates_runs_the_batch_and_reports_progress(
    client, ningbo, django_capture_on_commit_callbacks
):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(table_url(ningbo, "generate"))

    batch = CertificateBatch.objects.get()
    assert response["Location"] == table_url(ningbo, "batch", batch_id=batch.pk)
    status = client.get(table_url(ningbo, "batch_status", batch_id=batch.pk)).json()
    assert status == {"status": BatchStatus.DONE, "status_label": "已完成", "total": 2, "done": 2, "percent": 100,
                      "message": "已生成 2 份，跳过已有的 0 份。", "finished": True}  # fmt: skip
    assert {c.verify_url.split("/certificates/")[0] for c in Certificate.objects.all()} == {SITE}


def test_void_certificate_through_the_console_then_a_new_one_is_issued(
    client, ningbo, django_capture_on_commit_callbacks
):
    awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    first = services.issue_certificate(by=organizer, award=awards[0], site_url=SITE)
    client.force_login(organizer)
    url = table_url(ningbo, "void", certificate_id=first.pk)

    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400
    drain(empty)
    done = client.post(url, {"reason": "姓名印错"})
    with django_capture_on_commit_callbacks(execute=True):
        drain(client.post(table_url(ningbo, "generate")))

    assert done.status_code == 302
    first.refresh_from_db()
    assert first.revoke_reason == "姓名印错"
    assert first.revoked_at is not None
    second = Certificate.objects.exclude(pk=first.pk).get()
    assert (second.award_id, second.revoked_at) == (awards[0].pk, None)
    assert second.code != first.code
    again = client.post(url, {"reason": "再次作废"})
    assert again.status_code == 400
    assert "该证书已作废。" in again.content.decode()


def test_zip_holds_every_valid_certificate(client, ningbo):
    import zipfile

    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    made = [services.issue_certificate(by=organizer, award=a, site_url=SITE) for a in awards]
    client.force_login(organizer)

    response = client.get(table_url(ningbo, "zip"))

    archive = zipfile.ZipFile(io.BytesIO(drain(response)))
    assert sorted(n.rsplit("-", 1)[1] for n in archive.namelist()) == sorted(f"{c.code}.pdf" for c in made)


def test_export_award_list_is_formula_safe(client, ningbo):
    from contest.registration import services as reg

    from ..registration.factories import enterprise_owner, submitted_entry

    organizer = organizer_for(ningbo)
    entry = submitted_entry(ningbo, enterprise_owner(), title='=HYPERLINK("http://x")')
    reg.qualify_entry(by=organizer, entry=entry)
    entry.refresh_from_db()
    services.stage_award(by=organizer, event=ningbo, entry=entry, level_name="一等奖")
    services.confirm_awards(by=organizer, event=ningbo, group=enterprise_group(ningbo))
    client.force_login(organizer)

    response = client.get(table_url(ningbo, "export"))

    sheet = load_workbook(io.BytesIO(drain(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("等级", "报名编号", "项目名称", "参赛主体", "所属省份", "组别")
    assert rows[1][0] == "一等奖"
    assert (rows[1][2], sheet["C2"].data_type) == ('=HYPERLINK("http://x")', "s")  # text, never a formula


# -- entrants' own certificates ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_my_certificates_lists_only_mine_with_constant_queries(client, ningbo, django_assert_num_queries, n):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖", "三等奖", "优胜奖"])
    owner = awards[0].entry.owner
    for award in awards:
        services.issue_certificate(by=organizer, award=award, site_url=SITE)
    # The owner's other certificates: more awards for the same entry (custom levels).
    for i in range(n - 1):
        services.add_custom_level(by=organizer, event=ningbo, name=f"专项奖{i}")
        extra = services.stage_award(
            by=organizer, event=ningbo, entry=awards[0].entry, level_name=f"专项奖{i}"
        )
        services.confirm_awards(by=organizer, event=ningbo, group=enterprise_group(ningbo))
        services.issue_certificate(by=organizer, award=extra, site_url=SITE)
    client.force_login(owner)
    drain(client.get(reverse("awards:mine")))

    with django_assert_num_queries(4):
        response = client.get(reverse("awards:mine"))

    body = drain(response).decode()
    assert body.count('class="panel"') == n
    assert awards[1].entry.title not in body


def test_my_certificate_download_answers_404_for_someone_elses(client, ningbo):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    mine, theirs = (services.issue_certificate(by=organizer, award=a, site_url=SITE) for a in awards)
    client.force_login(awards[0].entry.owner)

    own = client.get(reverse("awards:mine_download", args=[mine.pk]))
    other = client.get(reverse("awards:mine_download", args=[theirs.pk]))

    assert (own.status_code, own["Content-Type"]) == (200, "application/pdf")
    assert drain(own)[:5] == b"%PDF-"
    assert other.status_code == 404


def test_my_voided_certificate_is_listed_but_not_downloadable(client, ningbo):
    awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = services.issue_certificate(by=organizer, award=awards[0], site_url=SITE)
    services.revoke_award(by=organizer, award=awards[0], reason="材料不实")
    client.force_login(awards[0].entry.owner)

    listing = drain(client.get(reverse("awards:mine"))).decode()
    download = client.get(reverse("awards:mine_download", args=[certificate.pk]))

    assert "已作废" in listing
    assert "材料不实" in listing
    assert download.status_code == 404


# -- English ------------------------------------------------------------------------------------------------------

DEFAULT_LEVEL_NAMES = ("一等奖", "二等奖", "三等奖", "优胜奖")


@pytest.fixture
def english_client(client, settings):
    """The client asks for English; afterwards the thread's language is the default again (the
    locale middleware leaves the last request's language active, and lazy labels follow it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


def visible_text(page: str) -> str:
    """The page's text without its tags (a form's option values are data, the names as stored)."""
    return re.sub(r"<[^>]*>", " ", page)


def test_award_table_in_english_translates_default_levels_and_statuses(english_client, ningbo):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖", "优胜奖"])
    services.request_certificates(by=organizer, event=ningbo, group=enterprise_group(ningbo), site_url=SITE,
                                  run_now=True)  # fmt: skip
    services.revoke_award(by=organizer, award=awards[2], reason="材料不实")
    services.add_custom_level(by=organizer, event=ningbo, name="最佳人气奖", rank=None)
    entries, _ = qualified_entries(ningbo, 1, organizer=organizer)
    services.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="三等奖")
    english_client.force_login(organizer)

    page = drain(english_client.get(table_url(ningbo))).decode()

    for english in ("First Prize", "Second Prize", "Third Prize", "Honourable Mention", ">Staged<",
                    ">Confirmed<", ">Revoked<", '<button type="submit" class="button">Stage</button>',
                    "Done · 3/3</a> · 3 generated; 0 existing skipped."):  # fmt: skip
        assert english in page, english
    assert "最佳人气奖" in page  # a custom level stays as typed
    text = visible_text(page)
    assert [name for name in DEFAULT_LEVEL_NAMES if name in text] == []
    assert [label for label in ("拟定", "已确认", "已撤销") if label in text] == []


def test_award_table_in_chinese_keeps_the_level_names(client, ningbo):
    _awards, organizer = confirmed_awards(ningbo, ["一等奖"])
    client.force_login(organizer)

    page = drain(client.get(table_url(ningbo))).decode()

    assert '<span class="awards-nowrap">一等奖</span></th>' in page
    assert '<button type="submit" class="button">拟定</button>' in page
    assert "First Prize" not in page


@time_machine.travel("2024-10-26 15:00 +0800", tick=False)
def test_verify_page_in_english_shows_english_labels_and_level(english_client, ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = services.issue_certificate(by=organizer, award=award, site_url=SITE)

    page = drain(english_client.get(reverse("awards:verify", args=[certificate.code]))).decode()

    assert "<dt>Award</dt><dd>First Prize</dd>" in page
    assert "<dt>Verification code</dt>" in page
    assert "<dt>Date of issue</dt><dd>Oct. 26, 2024</dd>" in page
    assert [name for name in DEFAULT_LEVEL_NAMES if name in visible_text(page)] == []


def test_award_list_has_a_csv_beside_the_workbook(client, ningbo):
    from contest.registration import services as reg

    from ..registration.factories import enterprise_owner, submitted_entry

    organizer = organizer_for(ningbo)
    entry = submitted_entry(ningbo, enterprise_owner(), title="=1+1 港口调度")
    reg.qualify_entry(by=organizer, entry=entry)
    entry.refresh_from_db()
    services.stage_award(by=organizer, event=ningbo, entry=entry, level_name="一等奖")
    services.confirm_awards(by=organizer, event=ningbo, group=enterprise_group(ningbo))
    client.force_login(organizer)

    response = client.get(table_url(ningbo, "export"), {"format": "csv"})
    page = client.get(table_url(ningbo)).content.decode()

    assert response.streaming
    lines = drain(response).decode("utf-8").splitlines()
    assert lines[0] == "\ufeff等级,报名编号,项目名称,参赛主体,所属省份,组别"
    assert lines[1].startswith(f"一等奖,{entry.number},'=1+1 港口调度,")  # a formula neutralised in CSV
    assert len(lines) == 2
    assert f'href="{table_url(ningbo, "export")}?format=csv"' in page
