"""Objectors' phone numbers and e-mails are masked in the console list and the export (issue 10,
docs/privacy.md); the answer page, where the organizer handles one objection, shows them whole."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from tests.http import drain

from .builders import T0, advancement_round, file_verified, objection_data, published_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(ningbo):
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        round_, _best, organizer = advancement_round(ningbo, n=3, advance=2)
    with time_machine.travel(T0, tick=False):
        notice = published_list(ningbo, organizer, round_=round_)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        objection = file_verified(by=None, notice=notice, data=objection_data())
    return {"notice": notice, "organizer": organizer, "objection": objection}


def test_objection_list_masks_the_phone(client, filed):
    client.force_login(filed["organizer"])
    html = client.get(reverse("publicity_console:objections", args=[filed["notice"].pk])).content.decode()
    assert ("<td>138****5678</td>" in html, "13812345678" in html) == (True, False)


def test_objection_export_masks_phone_and_e_mail(client, filed):
    client.force_login(filed["organizer"])
    data = drain(client.get(reverse("publicity_console:export_objections", args=[filed["notice"].pk])))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = {h: sheet.cell(row=2, column=i + 1).value for i, h in enumerate(header)}
    assert (row["异议人"], row["联系电话"], row["电子邮箱"]) == ("李明", "138****5678", "l***@example.cn")
