import io

import pytest

from contest.awards import demo
from contest.awards.enums import AwardStatus
from contest.awards.models import Award, Certificate, CertificateBatch
from contest.core.models import AuditRecord

from .builders import finished_session

pytestmark = pytest.mark.integration


def test_demo_awards_the_finished_ningbo_session_once(ningbo):
    _session, entries, _organizer = finished_session(ningbo, [[str(90 - i)] * 5 for i in range(8)])
    out = io.StringIO()

    demo.build(stage="finals", stdout=out)

    levels = list(
        Award.objects.order_by("level__rank", "order").values_list("entry_id", "level__name", "status")
    )
    names = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", "优胜奖", "优胜奖"]
    assert levels == [(e.pk, n, AwardStatus.CONFIRMED) for e, n in zip(entries, names, strict=True)]
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 8
    assert "评定并确认 8 个奖项" in out.getvalue()
    records, batches = AuditRecord.objects.count(), CertificateBatch.objects.count()

    demo.build(stage="finals", stdout=io.StringIO())

    assert (AuditRecord.objects.count(), CertificateBatch.objects.count(), Certificate.objects.count()) == (
        records, batches, 8,
    )  # fmt: skip


def test_demo_skips_without_a_finished_session(edition9):
    out = io.StringIO()

    assert demo.build(stage="finals", stdout=out) == []
    assert "宁波没有已结束的路演场次" in out.getvalue()
    assert Award.objects.count() == 0


def test_demo_certificates_point_at_the_address_make_run_serves(ningbo, settings, monkeypatch):
    settings.SITE_URL = ""
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 -- the address `make run` is told to listen on
    monkeypatch.setenv("PORT", "8080")
    finished_session(ningbo, [[str(90 - i)] * 5 for i in range(2)])

    demo.build(stage="finals", stdout=io.StringIO())

    urls = sorted(Certificate.objects.values_list("verify_url", "code"))
    assert [url for url, _code in urls] == sorted(
        f"http://localhost:8080/certificates/verify/{code}/" for _url, code in urls
    )
    assert CertificateBatch.objects.get().site_url == "http://localhost:8080"


@pytest.mark.unit
def test_demo_site_url_prefers_settings_then_make_runs_host_and_port(settings, monkeypatch):
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    settings.SITE_URL = ""
    assert demo.demo_site_url() == "http://127.0.0.1:8000"

    monkeypatch.setenv("HOST", "192.168.1.20")
    monkeypatch.setenv("PORT", "9000")
    assert demo.demo_site_url() == "http://192.168.1.20:9000"

    settings.SITE_URL = "https://cnmaker.example.cn/"
    assert demo.demo_site_url() == "https://cnmaker.example.cn"
