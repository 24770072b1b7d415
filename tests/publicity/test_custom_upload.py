"""The custom list's upload (其他名单, through ``contest.core.importing``): every problem in the
file is listed at once, with its row and column, and nothing is written."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contest.core.models import AuditRecord
from contest.publicity import sources
from contest.publicity.models import Notice

from ..accounts.html import texts
from ..registration.factories import organizer_for

pytestmark = pytest.mark.integration

TOO_LONG = "长" * (sources.MAX_CELL + 1)
TOO_MANY = "项目名称,参赛主体\n" + "".join(f"项目{i},单位{i}\n" for i in range(sources.MAX_ROWS + 1))

CASES = {
    "missing-headers": (
        "报名编号,省份\nA1,浙江省\n",
        ["缺少必需的列：项目名称、参赛主体。请使用导入模板的表头。"],
    ),
    "header-twice": ("项目名称,参赛主体,项目 名称\n甲,乙,丙\n", ["第 1 行表头“项目名称”出现了两次。"]),
    "header-only": ("项目名称,参赛主体,备注\n", ["表头下面没有数据行。"]),
    "empty-file": ("", [sources.CUSTOM_EMPTY]),
    "too-many-rows": (TOO_MANY, ["一次最多导入 5000 行，文件超过了 5000 行；请分批导入。"]),
    "required-cells-empty": (
        "项目名称,参赛主体\n,甲公司\n项目乙,\n项目丙,丙公司\n",
        ["第 2 行“项目名称”：必填。", "第 3 行“参赛主体”：必填。"],
    ),
    "cell-too-long": (
        f"项目名称,参赛主体,备注\n项目甲,甲公司,{TOO_LONG}\n",
        ["第 2 行“备注”：不能超过 200 个字。"],
    ),
    "duplicate-number": (
        "报名编号,项目名称,参赛主体\nA1,项目甲,甲公司\nA2,项目乙,乙公司\nA1,项目丙,丙公司\n",
        ["第 4 行“报名编号”：A1 与第 2 行重复。"],
    ),
}


def file_errors(response) -> list[str]:
    """The items of the page's “文件有以下问题” box."""
    box = re.search(r'<div[^>]*id="file-errors".*?</div>', response.content.decode(), re.S)
    return texts(box.group(0), "li") if box else []


@pytest.mark.parametrize("case", list(CASES))
def test_custom_upload_lists_every_problem_and_writes_nothing(client, ningbo, case):
    content, expected = CASES[case]
    client.force_login(organizer_for(ningbo))

    response = client.post(reverse("publicity_console:create"), {
        "scope": f"event:{ningbo.pk}", "kind": "custom", "title": "优秀组织单位公示",
        "file": SimpleUploadedFile("名单.csv", content.encode()),
    })  # fmt: skip

    assert response.status_code == 200
    assert file_errors(response) == expected
    assert Notice.objects.count() == 0
    assert not AuditRecord.objects.filter(action__startswith="publicity.").exists()


@pytest.mark.parametrize("case", list(CASES))
def test_parse_custom_refuses_with_the_same_errors(case):
    content, expected = CASES[case]
    with pytest.raises(sources.CustomTableError) as caught:
        sources.parse_custom(content.encode(), filename="名单.csv")
    assert caught.value.errors == expected


def test_custom_upload_of_good_rows_makes_a_draft(client, ningbo):
    client.force_login(organizer_for(ningbo))
    content = "参赛主体,项目名称,无关列\n甲公司,项目甲,x\n"
    response = client.post(reverse("publicity_console:create"), {
        "scope": f"event:{ningbo.pk}", "kind": "custom", "title": "优秀组织单位公示",
        "file": SimpleUploadedFile("名单.csv", content.encode()),
    })  # fmt: skip
    notice = Notice.objects.get()
    assert response["Location"] == reverse("publicity_console:detail", args=[notice.pk])
    assert notice.draft_items == [
        {"number": "", "title": "项目甲", "entrant": "甲公司", "province": "", "group": "", "note": ""}
    ]
