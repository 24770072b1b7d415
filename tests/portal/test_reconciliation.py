"""Reconciliation: the list of what the platform holds for the client's event (paginated with a
stable cursor, bounded queries), one entry by number, and the summary whose hash the portal can
recompute from the list."""

from __future__ import annotations

import hashlib

import pytest

from contest.catalog.models import Event
from contest.portal import reconciliation
from contest.registration.models import Entry
from contest.registration.services.intake import entry_content_sha256
from tests.registration.factories import complete_entry, enterprise_owner, open_registration, submitted_entry

from .factories import PortalApi, enterprise_item, maker_item, new_client, pdf_bytes, png_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def portal(ningbo):
    _, credential = new_client(ningbo)
    return PortalApi(credential)


@pytest.fixture
def shenzhen(edition9):
    event = Event.objects.get(edition=edition9, tier="regional", seq=33)
    open_registration(event)
    return event


def pushed(portal, count: int, *, start: int = 0) -> list[str]:
    """``count`` entries pushed in batches; their numbers in push order."""
    numbers = []
    for batch in range(start, start + count, 50):
        items = [enterprise_item(f"E{i}") for i in range(batch, min(batch + 50, start + count))]
        body = portal.push(items, key=f"batch-{batch}").json()
        numbers += [item["number"] for item in body["items"]]
    return numbers


def recomputed(rows: list[dict]) -> str:
    """The summary's hash, computed as docs/portal.md tells a portal to."""
    lines = sorted(f"{r['group']}\t{r['natural_key']}\t{r['content_sha256']}\n".encode() for r in rows)
    return hashlib.sha256(b"".join(lines)).hexdigest()


def test_the_list_shows_each_entry_with_its_natural_key_and_hashes(portal, ningbo):
    plan, image = pdf_bytes(), png_bytes()
    company = {**enterprise_item("A"), "business_plan": "p", "images": ["i"]}
    team = maker_item("B", phone="13900139000")
    portal.push([company, team], key="k", files={"p": ("计划书.pdf", plan), "i": ("图.png", image)})
    e, m = Entry.objects.order_by("pk")

    body = portal.get("/entries").json()

    assert body == {
        "items": [
            {"number": e.number, "group": "enterprise", "natural_key": company["fields"]["credit_code"],
             "credit_code": company["fields"]["credit_code"], "leader_phone": None, "title": e.title,
             "status": "submitted", "content_sha256": entry_content_sha256(e),
             "business_plan_sha256": hashlib.sha256(plan).hexdigest(),
             "image_sha256s": [hashlib.sha256(image).hexdigest()],
             "updated_at": body["items"][0]["updated_at"]},
            {"number": m.number, "group": "maker", "natural_key": f"+8613900139000 {m.title}",
             "credit_code": None, "leader_phone": "+8613900139000", "title": m.title, "status": "submitted",
             "content_sha256": entry_content_sha256(m), "business_plan_sha256": None, "image_sha256s": [],
             "updated_at": body["items"][1]["updated_at"]},
        ],
        "next": None,
    }  # fmt: skip
    assert body["items"][0]["updated_at"].endswith("+08:00")


def test_pages_follow_the_cursor_and_new_entries_do_not_shift_them(portal):
    numbers = pushed(portal, 5)

    first = portal.get("/entries", limit=2).json()
    pushed(portal, 1, start=100)  # arrives while the portal pages through
    second = portal.get("/entries", limit=2, after=first["next"]).json()
    third = portal.get("/entries", limit=2, after=second["next"]).json()

    seen = [i["number"] for page in (first, second, third) for i in page["items"]]
    assert seen == [*numbers, Entry.objects.order_by("-pk").first().number]
    assert (first["next"], second["next"], third["next"]) == (
        str(Entry.objects.get(number=numbers[1]).pk), str(Entry.objects.get(number=numbers[3]).pk), None)  # fmt: skip


def test_the_summary_hash_equals_the_one_recomputed_from_the_list(portal, ningbo):
    portal.push([enterprise_item("A"), enterprise_item("B"), maker_item("C")], key="k")
    submitted_entry(ningbo)  # registered online: held too
    complete_entry(ningbo)  # a draft: the entrant's own, not listed

    rows = portal.get("/entries", limit=2).json()
    rows = rows["items"] + portal.get("/entries", limit=2, after=rows["next"]).json()["items"]
    summary = portal.get("/summary").json()

    assert summary == {
        "event_id": ningbo.pk, "event": ningbo.name, "total": 4, "by_group": {"enterprise": 3, "maker": 1},
        "by_status": {"submitted": 4}, "list_sha256": recomputed(rows),
        "algorithm": "sha256(sorted_utf8(group\\tnatural_key\\tcontent_sha256\\n))",
    }  # fmt: skip
    assert len(rows) == 4


def test_the_summary_hash_changes_when_any_entry_changes(portal):
    item = enterprise_item("A")
    portal.push([item, enterprise_item("B")], key="k1")
    before = portal.get("/summary").json()["list_sha256"]
    item["fields"]["market"] = "全国"

    portal.push([item], key="k2")

    assert portal.get("/summary").json()["list_sha256"] != before


def test_an_empty_event_has_the_hash_of_nothing(portal):
    assert portal.get("/summary").json()["list_sha256"] == hashlib.sha256(b"").hexdigest()
    assert portal.get("/entries").json() == {"items": [], "next": None}


def test_one_entry_by_its_number_and_another_event_s_entries_do_not_exist(portal, shenzhen):
    number = pushed(portal, 1)[0]
    theirs = submitted_entry(shenzhen, enterprise_owner("440305"))

    mine = portal.get(f"/entries/{number}")
    other = portal.get(f"/entries/{theirs.number}")

    assert (mine.status_code, mine.json()["number"]) == (200, number)
    assert (other.status_code, other.json()) == (404, {
        "detail": "本赛事没有这个报名编号。", "code": "entry_not_found", "field": "number"})  # fmt: skip
    assert theirs.number not in [i["number"] for i in portal.get("/entries").json()["items"]]


def test_a_client_of_another_event_sees_only_its_own(portal, shenzhen):
    pushed(portal, 2)
    _, theirs = new_client(shenzhen)
    submitted_entry(shenzhen, enterprise_owner("440305"))

    other = PortalApi(theirs)

    assert (len(other.get("/entries").json()["items"]), other.get("/summary").json()["total"]) == (1, 1)


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "x"}, {"limit": "0"}, {"limit": "501"}])
def test_a_bad_cursor_or_limit_is_a_422(portal, query):
    assert portal.get("/entries", **query).status_code == 422


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_takes_a_bounded_number_of_queries(portal, count, django_assert_max_num_queries):
    pushed(portal, count)
    teams = [maker_item(f"M{i}", phone=f"1390013{i:04d}") for i in range(2)]
    portal.push(teams, key="teams")

    with django_assert_max_num_queries(8):
        body = portal.get("/entries", limit=100).json()

    assert len(body["items"]) == count + 2


def test_the_summary_reads_in_chunks(portal, monkeypatch):
    monkeypatch.setattr(reconciliation, "CHUNK", 2)
    pushed(portal, 5)

    assert portal.get("/summary").json()["total"] == 5
