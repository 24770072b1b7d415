"""The console's award table at a laptop's 1366 px and a phone's 375 px: level, status and action
cells stay on one line, the order column stays readable, and only the table scrolls sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contest.awards import services
from contest.registration.models import Enterprise, Entry
from tests.awards.builders import confirmed_awards, enterprise_group
from tests.review.factories import qualified_entries

from .test_awards_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "基于多模态大模型与边缘计算的工业设备预测性维护与能效优化一体化平台研发及产业化应用"
LONG_NAME = "宁波市某某智能装备科技股份有限公司（国家级专精特新“小巨人”企业）"

#: every short label of the table (level, source, status, certificate code with 作废, actions) as
#: (cell, text, rendered height / line height), and the order inputs' widths in em
MEASURE = """() => {
  const cells = [];
  for (const row of document.querySelectorAll('#awards tbody tr.awards-row')) {
    for (const label of row.querySelectorAll('.awards-nowrap')) {
      const style = getComputedStyle(label);
      const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
      cells.push([label.closest('th, td').className, label.textContent.replace(/\\s+/g, ' ').trim(),
                  label.getBoundingClientRect().height / line]);
    }
  }
  const inputs = [...document.querySelectorAll('input.awards-order')].map((el) =>
    el.getBoundingClientRect().width / parseFloat(getComputedStyle(el).fontSize));
  return {cells, inputs};
}"""


def awards_with_long_names(event):
    awards, organizer = confirmed_awards(event, ["一等奖", "二等奖", "优胜奖"])
    entries, _ = qualified_entries(event, 1, organizer=organizer)
    services.stage_award(by=organizer, event=event, entry=entries[0], level_name="三等奖")
    Entry.objects.filter(event=event).update(title=LONG_TITLE)
    Enterprise.objects.filter(entries__event=event).update(name=LONG_NAME)
    group = enterprise_group(event)
    services.request_certificates(by=organizer, event=event, group=group, site_url="http://testserver",
                                  run_now=True)  # fmt: skip
    services.revoke_award(by=organizer, award=awards[2], reason="经复核，申报材料不实")
    return organizer


def test_award_table_labels_stay_on_one_line_at_1366_and_the_page_never_scrolls_sideways(
    live_server, ningbo, new_context, artifacts_dir
):
    organizer = awards_with_long_names(ningbo)
    table = reverse("awards_console:table", args=[ningbo.pk, "enterprise"])
    desk = new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(desk, live_server.url, organizer, table)

    measured = desk.evaluate(MEASURE)
    desk.screenshot(path=artifacts_dir / "awards-table-1366.png", full_page=True)

    # four rows × level, source, status, actions; three certificates (the revoked award's is void)
    assert len(measured["cells"]) == 4 * 4 + 3
    assert [(cell, text, round(lines, 2)) for cell, text, lines in measured["cells"] if lines > 1.6] == []
    assert len(measured["inputs"]) == 1  # the level form's 排序
    assert [round(width, 2) for width in measured["inputs"] if width < 3.5] == []

    # Between a phone and a laptop the table keeps its columns and scrolls inside its own box.
    desk.set_viewport_size({"width": 720, "height": 900})
    assert desk.evaluate("document.documentElement.scrollWidth") <= 720

    phone = new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
    ).new_page()
    sign_in(phone, live_server.url, organizer, table)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=artifacts_dir / "awards-table-375.png", full_page=True)
