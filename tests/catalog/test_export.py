"""`manage.py export_events`: the plan as JSON, CSV or XLSX, in plan order, safe for spreadsheets."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from contest.catalog.enums import OrgRole, RegistrationMode, Tier
from contest.catalog.exporters import EVENT_COLUMNS, EVENTS
from contest.catalog.models import Division, Edition, Event, EventOrganization, Organization
from contest.core.exporters import REGISTRY

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MIIT_CENTRE = "工业和信息化部网络安全产业发展中心（工业和信息化部信息中心）"


def make_event(edition, *, tier, seq, name, location="", province=None, roles=(), urls=()) -> Event:
    event = Event.objects.create(
        edition=edition,
        tier=tier,
        seq=seq,
        name=name,
        location=location,
        province=Division.objects.get(code=province) if province else None,
        registration_urls=list(urls),
        registration_mode=RegistrationMode.PLATFORM,
    )
    for order, (role, org_name) in enumerate(roles, start=1):
        organization, _ = Organization.objects.get_or_create(name=org_name)
        EventOrganization.objects.create(event=event, organization=organization, role=role, order=order)
    return event


@pytest.fixture
def small_edition(db) -> Edition:
    """Two events created out of plan order: a thematic one first, then a regional one."""
    edition = Edition.objects.create(number=9, year=2024, title="第九届", is_current=True)
    make_event(
        edition,
        tier=Tier.THEMATIC,
        seq=1,
        name="网络安全专题赛",
        location="北京市",
        province="110000",
        roles=(
            (OrgRole.HOST, MIIT_CENTRE),
            (OrgRole.HOST, "北京市经济和信息化局"),
            (OrgRole.UNDERTAKER, "某承办单位"),
        ),
        urls=("www.cnmaker.org.cn",),
    )
    make_event(
        edition,
        tier=Tier.REGIONAL,
        seq=29,
        name="大连市赛",
        location="大连市",
        province="210000",
        roles=((OrgRole.LEAD, "大连市工业和信息化局"),),
        urls=("www.xjmaker.org.cn", "www.xjsmefw.cn"),
    )
    return edition


def export(*args: str) -> bytes:
    out = io.BytesIO()
    call_command("export_events", *args, stdout=out)
    return out.getvalue()


def xlsx_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


# --- registry ---------------------------------------------------------------------------------


def test_event_exporter_is_registered():
    assert REGISTRY["catalog.events"] is EVENTS
    assert EVENTS.columns == (
        "tier",
        "seq",
        "name",
        "location",
        "province",
        "hosts",
        "undertakers",
        "registration_urls",
    )


# --- formats ----------------------------------------------------------------------------------


def test_json_is_exact_and_in_plan_order(small_edition):
    data = export("--edition", "9", "--format", "json")

    assert data.decode("utf-8") == (
        "[\n"
        "  {\n"
        '    "tier": "regional",\n'
        '    "seq": 29,\n'
        '    "name": "大连市赛",\n'
        '    "location": "大连市",\n'
        '    "province": "辽宁省",\n'
        '    "hosts": [\n'
        '      "大连市工业和信息化局"\n'
        "    ],\n"
        '    "undertakers": [],\n'
        '    "registration_urls": [\n'
        '      "www.xjmaker.org.cn",\n'
        '      "www.xjsmefw.cn"\n'
        "    ]\n"
        "  },\n"
        "  {\n"
        '    "tier": "thematic",\n'
        '    "seq": 1,\n'
        '    "name": "网络安全专题赛",\n'
        '    "location": "北京市",\n'
        '    "province": "北京市",\n'
        '    "hosts": [\n'
        f'      "{MIIT_CENTRE}",\n'
        '      "北京市经济和信息化局"\n'
        "    ],\n"
        '    "undertakers": [\n'
        '      "某承办单位"\n'
        "    ],\n"
        '    "registration_urls": [\n'
        '      "www.cnmaker.org.cn"\n'
        "    ]\n"
        "  }\n"
        "]\n"
    )


def test_json_is_the_default_format(small_edition):
    assert export("--edition", "9") == export("--edition", "9", "--format", "json")


def test_json_event_without_province_has_null(small_edition):
    make_event(small_edition, tier=Tier.OVERSEAS_FINAL, seq=1, name="境外区域赛（决赛）")

    rows = json.loads(export("--edition", "9"))

    assert rows[-1] == {
        "tier": "overseas_final",
        "seq": 1,
        "name": "境外区域赛（决赛）",
        "location": "",
        "province": None,
        "hosts": [],
        "undertakers": [],
        "registration_urls": [],
    }


def test_csv_is_exact_with_bom_and_joined_lists(small_edition):
    data = export("--edition", "9", "--format", "csv")

    assert data.decode("utf-8") == (
        "\ufefftier,seq,name,location,province,hosts,undertakers,registration_urls\n"
        "regional,29,大连市赛,大连市,辽宁省,大连市工业和信息化局,,www.xjmaker.org.cn；www.xjsmefw.cn\n"
        f"thematic,1,网络安全专题赛,北京市,北京市,{MIIT_CENTRE}；北京市经济和信息化局,某承办单位,www.cnmaker.org.cn\n"
    )


def test_xlsx_has_the_same_columns_and_rows(small_edition):
    data = export("--edition", "9", "--format", "xlsx")

    assert xlsx_rows(data) == [
        EVENT_COLUMNS,
        (
            "regional",
            29,
            "大连市赛",
            "大连市",
            "辽宁省",
            "大连市工业和信息化局",
            None,
            "www.xjmaker.org.cn；www.xjsmefw.cn",
        ),
        (
            "thematic",
            1,
            "网络安全专题赛",
            "北京市",
            "北京市",
            f"{MIIT_CENTRE}；北京市经济和信息化局",
            "某承办单位",
            "www.cnmaker.org.cn",
        ),
    ]


def test_spreadsheets_neutralise_formulas(small_edition):
    make_event(
        small_edition,
        tier=Tier.THEMATIC,
        seq=2,
        name='=HYPERLINK("http://evil.example","点我")',
        location="+1",
        roles=((OrgRole.HOST, "@SUM(A1)"),),
        urls=("-2+3",),
    )

    csv_lines = export("--edition", "9", "--format", "csv").decode("utf-8").splitlines()
    sheet = xlsx_rows(export("--edition", "9", "--format", "xlsx"))

    assert (
        csv_lines[-1] == 'thematic,2,"\'=HYPERLINK(""http://evil.example"",""点我"")",+1,,\'@SUM(A1),,\'-2+3'
    )
    assert sheet[-1] == (
        "thematic",
        2,
        '=HYPERLINK("http://evil.example","点我")',
        "+1",
        None,
        "@SUM(A1)",
        None,
        "-2+3",
    )
    # in a workbook every one of them is a text cell (never a formula): see tests/core/test_exporters.py


def test_json_keeps_text_as_written(small_edition):
    make_event(small_edition, tier=Tier.THEMATIC, seq=2, name="=1+1")

    rows = json.loads(export("--edition", "9"))

    assert rows[-1]["name"] == "=1+1"


# --- the real plan ----------------------------------------------------------------------------


def test_real_plan_exports_fifty_events_in_plan_order(edition9):
    rows = json.loads(export("--edition", "9"))

    assert [list(row) for row in rows] == [list(EVENT_COLUMNS)] * 50
    assert [(row["tier"], row["seq"]) for row in rows] == (
        [("national_final", 1)]
        + [("regional", n) for n in range(1, 35)]
        + [("thematic", n) for n in range(1, 15)]
        + [("overseas_final", 1)]
    )
    assert rows[0] == {
        "tier": "national_final",
        "seq": 1,
        "name": "第九届“创客中国”中小企业创新创业大赛全国总决赛",
        "location": "广东省东莞市",
        "province": "广东省",
        "hosts": [MIIT_CENTRE, "广东省工业和信息化厅", "东莞市人民政府"],
        "undertakers": ["东莞市工业和信息化局"],
        "registration_urls": [],
    }


def test_real_plan_cities_with_their_own_event_belong_to_their_province(edition9):
    rows = {(row["tier"], row["seq"]): row for row in json.loads(export("--edition", "9"))}

    assert rows[("regional", 29)] == {
        "tier": "regional",
        "seq": 29,
        "name": "第九届“创客中国”大连市中小企业创新创业大赛",
        "location": "大连市",
        "province": "辽宁省",
        "hosts": ["大连市工业和信息化局"],
        "undertakers": [],
        "registration_urls": ["www.cnmaker.org.cn"],
    }
    assert rows[("regional", 34)] == {
        "tier": "regional",
        "seq": 34,
        "name": "第九届“创客中国”兵团中小企业创新创业大赛",
        "location": "新疆维吾尔自治区",
        "province": "新疆维吾尔自治区",
        "hosts": ["新疆生产建设兵团工业和信息化局"],
        "undertakers": [],
        "registration_urls": ["www.cnmaker.org.cn", "http://www.xjbtsme.gov.cn.org.cn"],
    }


def test_real_plan_host_names_never_carry_the_lead_suffix(edition9):
    rows = json.loads(export("--edition", "9"))

    hosts = [name for row in rows for name in row["hosts"]]
    assert len(hosts) == 70  # 3 + 34 + 32 + 1
    assert [name for name in hosts if name.endswith("牵头")] == []


def test_real_plan_csv_and_xlsx_agree(edition9):
    csv_text = export("--edition", "9", "--format", "csv").decode("utf-8-sig")
    sheet = xlsx_rows(export("--edition", "9", "--format", "xlsx"))

    csv_rows = [line.split(",") for line in csv_text.splitlines()]
    assert len(csv_rows) == len(sheet) == 51
    assert [tuple(c or None for c in row) for row in csv_rows[1:]] == [
        tuple(None if v is None else str(v) for v in row) for row in sheet[1:]
    ]


# --- output file and errors -------------------------------------------------------------------


def test_output_file_gets_the_same_bytes(small_edition, tmp_path):
    target = tmp_path / "events.xlsx"

    call_command("export_events", "--edition", "9", "--format", "xlsx", "--output", str(target))

    assert xlsx_rows(target.read_bytes()) == xlsx_rows(export("--edition", "9", "--format", "xlsx"))
    assert [p.name for p in tmp_path.iterdir()] == ["events.xlsx"]


def test_output_file_is_replaced_whole(small_edition, tmp_path):
    target = tmp_path / "events.json"
    target.write_text("old", encoding="utf-8")

    call_command("export_events", "--edition", "9", "--output", str(target))

    assert target.read_bytes() == export("--edition", "9")
    assert [p.name for p in tmp_path.iterdir()] == ["events.json"]


def test_unknown_edition_is_a_command_error(small_edition, tmp_path):
    target = tmp_path / "events.json"

    with pytest.raises(CommandError, match=r"^没有第 99 届，无法导出。$") as exc:
        call_command("export_events", "--edition", "99", "--output", str(target))

    assert exc.value.returncode == 1
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused_by_argparse(small_edition):
    with pytest.raises(
        CommandError,
        match=r"argument --format: invalid choice: 'pdf' \(choose from '?json'?, '?csv'?, '?xlsx'?\)",
    ):
        export("--edition", "9", "--format", "pdf")


def test_output_in_a_missing_directory_is_a_command_error(small_edition, tmp_path):
    target = tmp_path / "missing" / "events.csv"

    with pytest.raises(CommandError, match=r"^无法写入 .*/missing/events\.csv：No such file or directory$"):
        call_command("export_events", "--edition", "9", "--format", "csv", "--output", str(target))

    assert list(tmp_path.iterdir()) == []


def test_output_onto_a_directory_is_a_command_error_and_leaves_nothing(small_edition, tmp_path):
    target = tmp_path / "out"
    target.mkdir()

    with pytest.raises(CommandError, match=r"^无法写入 .*/out："):
        call_command("export_events", "--edition", "9", "--output", str(target))

    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert list(target.iterdir()) == []


def test_xlsx_to_a_text_stream_is_refused(small_edition):
    with pytest.raises(CommandError, match=r"^XLSX 是二进制格式"):
        call_command("export_events", "--edition", "9", "--format", "xlsx", stdout=io.StringIO())


def test_json_to_a_text_stream_is_text(small_edition):
    out = io.StringIO()

    call_command("export_events", "--edition", "9", stdout=out)

    assert out.getvalue().encode("utf-8") == export("--edition", "9")


# --- the real command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite file with the real plan, for running manage.py as a user would."""
    db_file = tmp_path_factory.mktemp("cli") / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contest.settings.test",
        "DATABASE_URL": f"sqlite:///{db_file}",
        "PYTHONPATH": str(ROOT / "src"),
    }
    plan = ROOT / "src/contest/catalog/data/plans/edition9.txt"
    for argv in (["migrate", "-v0"], ["import_plan", str(plan), "--edition", "9", "-v0"]):
        subprocess.run(
            [sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "export_events", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=False,
    )


def test_cli_writes_xlsx_bytes_to_stdout(cli_env):
    result = run_cli(cli_env, "--edition", "9", "--format", "xlsx")

    assert result.returncode == 0
    rows = xlsx_rows(result.stdout)
    assert rows[0] == EVENT_COLUMNS
    assert rows[30][:5] == ("regional", 29, "第九届“创客中国”大连市中小企业创新创业大赛", "大连市", "辽宁省")
    assert len(rows) == 51


def test_cli_unknown_edition_exits_non_zero_with_message(cli_env):
    result = run_cli(cli_env, "--edition", "99")

    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode("utf-8") == "CommandError: 没有第 99 届，无法导出。\n"


def test_cli_unknown_format_exits_with_usage_error(cli_env):
    result = run_cli(cli_env, "--edition", "9", "--format", "pdf")

    assert result.returncode == 2
    assert "invalid choice: 'pdf'" in result.stderr.decode("utf-8")
