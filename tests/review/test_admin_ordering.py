"""The review admin's lists sort by every column offered, as the secretariat clicks them."""

from __future__ import annotations

import pytest

from ..publicity.builders import advancement_round
from ..registration.factories import superuser

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "model", ["scoresheet", "assignment", "roundentry", "assignmentrun", "advancementdecision"]
)
def test_every_column_of_a_review_admin_list_sorts(client, ningbo, model):
    advancement_round(ningbo, n=2, advance=1)
    client.force_login(superuser())
    columns = len(client.get(f"/admin/review/{model}/").context["cl"].list_display)

    statuses = [client.get(f"/admin/review/{model}/?o={i}").status_code for i in range(columns - 1)]

    assert statuses == [200] * (columns - 1)
