"""Blind review leaks nothing: as a judge, fetch every page, file and API response a judge can
reach and look for every string that identifies the entrants.

The crawl starts from every route in ``contest.review.judge_urls`` (so a new judge route is covered
the day it is added: a route whose URL arguments this test cannot fill makes it fail), follows
every link within the judge's area, submits the forms that re-render with errors, and adds every
GET operation of the API under ``/judge`` as the API grows one. PDFs are searched as raw bytes (in
UTF-8, UTF-16 and hex), through pypdf's metadata and XMP, every page's text and every decoded
stream. The control at the end runs the same crawl on an open round, where the names must show.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from itertools import product
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from contest.registration import services as reg
from contest.review import judge_urls, services
from contest.review.models import Assignment, AssignmentRun, ReviewRound

from ..registration.factories import enterprise_owner, organizer_for, user
from .factories import expert
from .judging import FULL, entry_with_plan, plan_with_metadata

pytestmark = pytest.mark.integration

ENTERPRISE = "鹰眼星辰量子科技有限公司"
CONTACT, CONTACT_PHONE = "欧阳娜娜", "13987654321"
PLAN_NAME = "鹰眼星辰绝密商业计划书-终版.pdf"
IMAGE_NAME = "鹰眼星辰产品照.png"
TEAM, LEADER, LEADER_PHONE = "青鸾极光创客队", "司马青云", "13611112222"
MEMBER, MEMBER_PHONE, MEMBER_SCHOOL = "诸葛明月", "13633334444", "东海星辰大学"
DISTRICT = "海曙区"


def _png() -> bytes:
    """A real 4 × 4 PNG (uploads are decoded by Pillow); no identity string in its bytes."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()  # credit code characters 3–8: 330203


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.found.append(value)


def identity_of(world) -> dict[str, str]:
    """label → identity string; the phone numbers also as the entrant wrote them in free text."""
    enterprise_entry, team_entry = world["entries"]
    e = enterprise_entry.enterprise
    return {
        "enterprise name": e.name,
        "enterprise short name": "鹰眼星辰量子科技",
        "credit code": e.credit_code,
        "contact name": e.contact_name,
        "contact phone": CONTACT_PHONE,
        "contact phone, spaced": "139 8765 4321",
        "registration number (enterprise)": enterprise_entry.number,
        "registration number (team)": team_entry.number,
        "plan file name": PLAN_NAME,
        "plan file stem": PLAN_NAME.removesuffix(".pdf"),
        "image file name": IMAGE_NAME,
        "division": DISTRICT,
        "team name": TEAM,
        "team leader": LEADER,
        "team leader phone": LEADER_PHONE,
        "team member": MEMBER,
        "team member phone": MEMBER_PHONE,
        "team member school": MEMBER_SCHOOL,
    }


def build_world(event, *, blind: bool) -> dict:
    """Two qualified entries whose identity strings are distinctive and also appear in their own
    free text; one round (blind or not) with two judges who both score both entries."""
    organizer = organizer_for(event)
    owner = enterprise_owner(name=ENTERPRISE, contact_name=CONTACT, contact_phone=CONTACT_PHONE)
    enterprise_entry = entry_with_plan(
        event, owner, organizer, plan=(PLAN_NAME, plan_with_metadata(ENTERPRISE)), images=[(IMAGE_NAME, PNG)],
        title="工业视觉缺陷检测平台",
        summary=f"{ENTERPRISE}自主研发的缺陷检测系统，联系人{CONTACT}（139 8765 4321）。",
        team_description=f"创始人{CONTACT}，原{ENTERPRISE}研发总监。",
        ip_list=[{"kind": "发明专利", "name": f"{ENTERPRISE}缺陷检测方法", "number": "ZL202210000001"}],
    )  # fmt: skip
    team_owner = user()
    reg.save_team(by=team_owner, data={"name": TEAM, "leader_name": LEADER, "leader_phone": LEADER_PHONE,
                                       "division": "330200", "declares_not_enterprise": True},
                  members=[{"name": MEMBER, "role": "算法", "phone": MEMBER_PHONE,
                            "affiliation": MEMBER_SCHOOL}])  # fmt: skip
    team_entry = entry_with_plan(
        event, team_owner, organizer, plan=("团队计划书.pdf", plan_with_metadata(TEAM)), group_code="maker",
        title="海洋垃圾识别", summary=f"{TEAM}由{LEADER}带领，成员{MEMBER}来自{MEMBER_SCHOOL}。",
        team_description=f"队长{LEADER}（{LEADER_PHONE}），{MEMBER}负责算法。",
    )  # fmt: skip
    entries = [enterprise_entry, team_entry]
    judges = [expert(organizer, name="王芳", org="研究院甲"), expert(organizer, name="李强", org="研究院乙")]
    round_ = services.create_round(by=organizer, edition=event.edition, event=event,
                                   data={"name": "网络初评", "stage": "preliminary", "judges_per_entry": 2,
                                         "blind": blind, "judges_see_others": True})  # fmt: skip
    services.add_entries(by=organizer, round=round_, entries=entries)
    services.add_judges(by=organizer, round=round_, experts=judges)
    run = services.run_assignment(services.request_assignment(by=organizer, round=round_).pk)
    assert run.status == "done"
    round_ = services.set_round_status(by=organizer, round=round_, to="open")
    # the second judge submitted both; the first has one sheet submitted and one draft
    for a in Assignment.objects.filter(round=round_, expert=judges[1]):
        services.save_sheet(by=judges[1].user, assignment=a, scores=FULL, submit=True)
    first = list(Assignment.objects.filter(round=round_, expert=judges[0]).order_by("round_entry__code"))
    services.save_sheet(by=judges[0].user, assignment=first[0], scores=FULL, submit=True)
    services.save_sheet(by=judges[0].user, assignment=first[1], scores={"team": "12"}, comment="待定")
    for e in entries:
        e.refresh_from_db()
    return {"round": round_, "entries": entries, "judges": judges, "organizer": organizer,
            "assignments": first}  # fmt: skip


def route_kwargs(pattern: URLPattern, round_: ReviewRound, assignment: Assignment) -> dict:
    known = {"round_pk": round_.pk, "code": assignment.round_entry.code}
    names = list(pattern.pattern.regex.groupindex)
    missing = [n for n in names if n not in known]
    assert not missing, f"judge route {pattern.name!r} takes {missing}: teach this test what to pass"
    return {n: known[n] for n in names}


def api_gets(world: dict) -> list[str]:
    """Every GET operation of the API, with path parameters filled from the world's objects (by
    the path segment before the parameter). A judge's operation (``/judge`` in its path) whose
    parameters this test cannot fill makes it fail; others are asked for what can be filled, so a
    judge reaching an organizer's or entrant's endpoint is caught too."""
    from contest.api.urls import api

    round_ = world["round"]
    values = {
        "assignments": [a.pk for a in world["assignments"]],
        "entries": [e.pk for e in world["entries"]],
        "rounds": [round_.pk],
        "runs": list(AssignmentRun.objects.filter(round=round_).values_list("pk", flat=True)),
        "events": [round_.event_id],
        "editions": [round_.edition.number],
        "organizations": list(round_.event.roles.values_list("organization_id", flat=True)[:1]),
    }
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        choices = []
        for param in params:
            segment = path.split("{" + param + "}")[0].rstrip("/").rsplit("/", 1)[-1]
            choices.append(values.get(segment))
        if any(c is None for c in choices):
            assert "/judge" not in path, f"API path {path}: teach this test what to pass"
            continue
        for combo in product(*choices):
            url = path
            for param, value in zip(params, combo, strict=True):
                url = url.replace("{" + param + "}", str(value))
            urls.append(url)
    return urls


def judge_api_paths() -> list[str]:
    from contest.api.urls import api

    return [p for p, ops in api.get_openapi_schema()["paths"].items() if "/judge" in p and "get" in ops]


def in_scope(path: str) -> bool:
    return path.startswith(("/judge/", "/api/v1/judge"))


def crawl(client: Client, world: dict) -> dict[str, bytes]:
    """url → body of everything the judge can reach (200 only), following links in scope."""
    round_ = world["round"]
    start: list[str] = ["/judge/"]
    for pattern in judge_urls.urlpatterns:
        for a in world["assignments"]:
            start.append(reverse(f"judge:{pattern.name}", kwargs=route_kwargs(pattern, round_, a)))
    start += api_gets(world)
    seen: dict[str, bytes] = {}
    queue = deque(start)
    api_urls = set(api_gets(world))
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200:
            assert url in api_urls or response.status_code == 404, (url, response.status_code)
            seen[url] = b""
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
        seen[url] = headers + b"\n\n" + body
        if response["Content-Type"].startswith("text/html"):
            parser = Links()
            parser.feed(body.decode())
            for link in parser.found:
                target = urlsplit(urljoin(url, link))
                if not target.netloc and in_scope(target.path):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    # pages that only appear after a refused POST: the score form and the recusal form with errors
    for a in world["assignments"]:
        url = reverse("judge:entry", args=[round_.pk, a.round_entry.code])
        response = client.post(url, {"score-innovation": "99", "action": "submit", "version": "0"})
        seen[f"POST {url}"] = response.content
        url = reverse("judge:recuse", args=[round_.pk, a.round_entry.code])
        seen[f"POST {url}"] = client.post(url, {"reason": ""}).content
    return seen


def pdf_texts(body: bytes) -> list[str]:
    """Everything pypdf reads out of a PDF: metadata, XMP, page text, every decoded stream and string."""
    reader = PdfReader(io.BytesIO(body[body.index(b"%PDF-") :]))
    out = [repr(reader.metadata), repr(reader.xmp_metadata and reader.xmp_metadata.rdf_root.toxml())]
    out += [page.extract_text() for page in reader.pages]
    seen: set[int] = set()

    def walk(obj, depth=0):
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if depth > 60:
            return
        if isinstance(obj, StreamObject):
            out.append(obj.get_data().decode("latin-1"))
            out.append(obj.get_data().decode("utf-8", "ignore"))
        if isinstance(obj, DictionaryObject):
            for v in obj.values():
                walk(v, depth + 1)
        elif isinstance(obj, ArrayObject):
            for v in obj:
                walk(v, depth + 1)
        else:
            out.append(str(obj))

    walk(reader.trailer)
    return out


def leaks(fetched: dict[str, bytes], identity: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for url, body in fetched.items():
        haystacks = [body.decode("utf-8", "ignore"), body.decode("latin-1")]
        if b"%PDF-" in body:
            haystacks += pdf_texts(body)
        for label, value in identity.items():
            needles = [value, value.lower()]
            raw = [value.encode(), value.encode("utf-16-be"), value.encode("utf-16-be").hex().encode(),
                   value.encode("utf-16-be").hex().upper().encode()]  # fmt: skip
            if any(n in h for n in needles for h in haystacks) or any(r in body for r in raw):
                found.append((url, label))
    return found


@pytest.fixture
def blind_world(ningbo):
    return build_world(ningbo, blind=True)


def test_a_judge_in_a_blind_round_never_sees_who_the_entrants_are(blind_world):
    client = Client()
    client.force_login(blind_world["judges"][0].user)

    fetched = crawl(client, blind_world)

    reached = {url for url, body in fetched.items() if body}
    for pattern in judge_urls.urlpatterns:  # every judge route answered at least once
        prefix = reverse(f"judge:{pattern.name}", kwargs=route_kwargs(pattern, blind_world["round"],
                                                                        blind_world["assignments"][0]))  # fmt: skip
        assert any(url.removeprefix("POST ") == prefix for url in reached), f"{pattern.name} not reached"
    for path in judge_api_paths():  # and every judge operation of the API, once it has them
        pattern = re.compile("^" + re.sub(r"{\w+}", r"[^/]+", path) + "$")
        assert any(pattern.match(url) for url in reached), f"API {path} not reached"
    pdfs = [url for url, body in fetched.items() if b"%PDF-" in body]
    assert len(pdfs) == 2
    codes = [a.round_entry.code for a in blind_world["assignments"]]
    entry_page = fetched[reverse("judge:entry", args=[blind_world["round"].pk, codes[0]])].decode()
    assert leaks(fetched, identity_of(blind_world)) == []
    assert codes[0] in entry_page  # the content is there, the names are not
    assert "〔已隐去〕" in entry_page


def test_the_crawl_would_see_identity_in_an_open_round(ningbo):
    """The control: the same crawl on an open round finds the entrants' names."""
    world = build_world(ningbo, blind=False)
    client = Client()
    client.force_login(world["judges"][0].user)

    found = {label for _, label in leaks(crawl(client, world), identity_of(world))}

    assert {"enterprise name", "team name", "contact name", "team leader", "team member"} <= found
    assert "plan file name" not in found  # the plan is served under the code in every round
