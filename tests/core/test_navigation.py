"""One navigation for each role on every page: the header and the organizer console's own bar."""

from __future__ import annotations

import re

import pytest

from ..registration.factories import enterprise_owner, organizer_for, submitted_entry

pytestmark = pytest.mark.integration


def nav_links(html: str, css_class: str) -> list[tuple[str, bool]]:
    """(label, is current) of each link in the <nav class="css_class">."""
    block = re.search(rf'<nav class="{css_class}"[^>]*>(.*?)</nav>', html, re.S)
    if block is None:
        return []
    return [(label.strip(), "aria-current" in attrs)
            for attrs, label in re.findall(r"<a([^>]*)>([^<]+)</a>", block.group(1))]  # fmt: skip


def test_an_organizer_reaches_every_stage_from_every_console_page(client, ningbo):
    client.force_login(organizer_for(ningbo))

    bars = {path: nav_links(client.get(path).text, "console-nav")
            for path in ("/console/", "/console/review/", "/console/finals/", "/console/awards/", "/console/notices/",
                         "/console/stats/")}  # fmt: skip

    labels = ["资格审查", "评审", "路演决赛", "奖项与证书", "公示", "统计"]
    assert {path: [label for label, _current in bar] for path, bar in bars.items()} == dict.fromkeys(
        bars, labels
    )
    assert {path: next(label for label, current in bar if current) for path, bar in bars.items()} == {
        "/console/": "资格审查", "/console/review/": "评审", "/console/finals/": "路演决赛",
        "/console/awards/": "奖项与证书", "/console/notices/": "公示", "/console/stats/": "统计",
    }  # fmt: skip


def test_an_organizer_has_the_console_not_my_entries(client, ningbo):
    client.force_login(organizer_for(ningbo))
    labels = [label for label, _current in nav_links(client.get("/notices/").text, "site-nav")]
    assert ("组织方后台" in labels, "我的报名" in labels, "赛事列表" in labels) == (True, False, True)


def test_an_entrant_has_my_entries_and_no_console(client, ningbo):
    owner = enterprise_owner()
    submitted_entry(ningbo, owner=owner)
    client.force_login(owner)

    page = client.get("/me/entries/").text

    labels = [label for label, _current in nav_links(page, "site-nav")]
    assert ("我的报名" in labels, "组织方后台" in labels, "赛事列表" in labels) == (True, False, True)
    assert nav_links(page, "console-nav") == []


def test_the_footer_links_to_certificate_verification(client, db):
    assert '<a href="/certificates/verify/">证书核验</a>' in client.get("/").text


def test_every_page_and_the_admin_name_the_site_icon(client, db):
    from ..registration.factories import superuser

    client.force_login(superuser())
    icon = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'
    favicon = client.get("/favicon.ico")
    assert (icon in client.get("/").text, icon in client.get("/admin/").text) == (True, True)
    assert (favicon.status_code, favicon["Location"]) == (301, "/static/img/favicon.svg")
