"""Two objections filed at once from one phone cannot both be the one the daily limit still allows:
the list's row is locked (PostgreSQL) or the write lock is queued (SQLite) while counting."""

import pytest

from contest.publicity import services
from contest.publicity.models import Objection

from ..review.test_quota_race import _retrying, at_once
from .builders import advancement_round, file_verified, objection_data, published_list

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_filings_respect_the_daily_limit(restore_divisions, ningbo):
    round_, _best, organizer = advancement_round(ningbo, n=2, advance=1)
    notice = published_list(ningbo, organizer, round_=round_)
    for _ in range(services.OBJECTIONS_PER_PHONE_PER_DAY - 1):
        file_verified(by=None, notice=notice, data=objection_data())

    def file(_sync):
        return _retrying(lambda: file_verified(by=None, notice=notice, data=objection_data()).pk)

    outcomes = at_once(file, file)
    assert [kind for kind, _ in outcomes] == ["Conflict", "ok"]
    assert Objection.objects.count() == services.OBJECTIONS_PER_PHONE_PER_DAY
