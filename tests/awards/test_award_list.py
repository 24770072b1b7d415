import pytest

from contest.awards import selectors, services

from .builders import confirmed_awards, enterprise_group


@pytest.mark.integration
def test_award_list_rows_lists_confirmed_awards_by_level_then_order(ningbo):
    awards, organizer = confirmed_awards(ningbo, ["二等奖", "一等奖", "二等奖"])
    services.revoke_award(by=organizer, award=awards[2], reason="核查发现申报材料不实")
    first, second = awards[1].entry, awards[0].entry

    rows = selectors.award_list_rows(event=ningbo, group=enterprise_group(ningbo))

    assert rows == [
        {"entry_id": first.pk, "number": first.number, "title": first.title, "entrant": first.enterprise.name,
         "province": "浙江省", "group": "企业组", "level": "一等奖", "level_rank": 10},
        {"entry_id": second.pk, "number": second.number, "title": second.title, "entrant": second.enterprise.name,
         "province": "浙江省", "group": "企业组", "level": "二等奖", "level_rank": 20},
    ]  # fmt: skip


@pytest.mark.integration
def test_award_list_rows_leave_out_staged_awards(ningbo):
    from ..review.factories import qualified_entries

    entries, organizer = qualified_entries(ningbo, 1)
    services.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="一等奖")

    assert selectors.award_list_rows(event=ningbo) == []
