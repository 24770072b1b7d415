import hashlib
import io

import pytest
import segno
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from contest.awards import codes, services
from contest.awards.enums import BatchStatus
from contest.awards.models import Certificate, CertificateBatch
from contest.core.errors import Conflict

from ..http import drain
from .builders import confirmed_awards, enterprise_group

SITE = "https://cnmaker.example.cn"


def issue(award, organizer):
    return services.issue_certificate(by=organizer, award=award, site_url=SITE)


def pdf_of(certificate) -> bytes:
    with certificate.file.open("rb") as handle:
        return handle.read()


def fonts_of(page) -> list[tuple[str, list[str]]]:
    """(BaseFont, the descriptor's font-file keys) of every font on the page."""
    out = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        out.append((str(font["/BaseFont"]), sorted(k for k in descriptor if k.startswith("/FontFile"))))
    return out


@pytest.mark.integration
@time_machine.travel("2024-10-26 15:00 +0800", tick=False)
def test_certificate_pdf_has_chinese_text_embedded_noto_font_a4_landscape(ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])

    certificate = issue(award, organizer)

    pdf = pdf_of(certificate)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    text = page.extract_text()
    assert award.entry.enterprise.name in text
    assert "一等奖" in text
    assert codes.display(certificate.code) in text
    assert "2024年10月26日" in text
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    fonts = fonts_of(page)
    assert fonts, "no fonts"
    assert all(files in (["/FontFile2"], ["/FontFile3"]) for _, files in fonts)
    assert any("Noto" in name for name, _ in fonts)
    assert certificate.sha256 == hashlib.sha256(pdf).hexdigest()
    assert certificate.size == len(pdf)


@pytest.mark.integration
def test_certificate_qr_code_is_segnos_matrix_of_the_verification_url(ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["二等奖"])

    certificate = issue(award, organizer)

    url = SITE + reverse("awards:verify", args=[certificate.code])
    assert certificate.verify_url == url
    images = PdfReader(io.BytesIO(pdf_of(certificate))).pages[0].images
    assert len(images) == 1
    picture = images[0].image.convert("L")
    qr = segno.make(url, error="m", micro=False)
    expected = [[bool(cell) for cell in row] for row in qr.matrix_iter(scale=1, border=4)]
    width, height = picture.size
    assert (width, height) == (len(expected[0]), len(expected))
    found = [[picture.getpixel((x, y)) < 128 for x in range(width)] for y in range(height)]
    assert found == expected


@pytest.mark.integration
def test_issue_certificate_twice_keeps_the_first(ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["三等奖"])
    first = issue(award, organizer)

    again = issue(award, organizer)

    assert again is None
    assert list(Certificate.objects.filter(award=award).values_list("code", flat=True)) == [first.code]


@pytest.mark.integration
def test_issue_certificate_for_staged_award_is_refused(ningbo):
    from ..review.factories import qualified_entries

    entries, organizer = qualified_entries(ningbo, 1)
    award = services.stage_award(by=organizer, event=ningbo, entry=entries[0], level_name="一等奖")

    with pytest.raises(Conflict):
        issue(award, organizer)
    assert Certificate.objects.count() == 0


@pytest.mark.unit
def test_codes_normalize_accepts_typing_variants_and_rejects_a_typo():
    code = "7K3MQ9XD2HRT" + codes.check_character("7K3MQ9XD2HRT")

    assert codes.normalize(codes.display(code).lower()) == code
    assert codes.normalize(" " + code[:4] + " " + code[4:]) == code
    assert codes.normalize(code.replace("K", "X", 1)) is None
    assert codes.normalize(code[:-1]) is None


@pytest.mark.unit
def test_new_codes_are_13_characters_and_pass_their_check():
    made = {codes.new_code() for _ in range(200)}

    assert len(made) == 200
    assert all(len(c) == 13 and codes.normalize(c) == c for c in made)


# -- verification page -----------------------------------------------------------------------------


@pytest.mark.integration
def test_verify_page_shows_a_valid_certificate_without_login(client, ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = issue(award, organizer)

    response = client.get(reverse("awards:verify", args=[certificate.code]))

    body = drain(response).decode()
    assert response.status_code == 200
    assert "有效：此证书由本平台签发。" in body
    assert award.entry.enterprise.name in body
    assert award.entry.title in body
    assert certificate.sha256 in body
    assert award.entry.owner.email not in body
    assert award.entry.credit_code not in body


@pytest.mark.integration
def test_verify_page_shows_revocation_and_its_reason(client, ningbo):
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])
    certificate = issue(award, organizer)
    services.revoke_award(by=organizer, award=award, reason="经复核，项目存在知识产权纠纷")

    response = client.get(reverse("awards:verify", args=[certificate.code]))

    body = drain(response).decode()
    assert response.status_code == 200
    assert "已作废：经复核，项目存在知识产权纠纷" in body
    assert "有效：" not in body


@pytest.mark.integration
def test_verify_unknown_code_answers_404_with_a_message(client, db):
    code = codes.new_code()

    response = client.get(reverse("awards:verify", args=[code]))

    assert response.status_code == 404
    assert "没有与此核验码对应的证书" in drain(response).decode()


@pytest.mark.integration
def test_verify_form_redirects_a_typed_code_to_its_canonical_page(client, db):
    code = codes.new_code()

    response = client.get(reverse("awards:verify_form"), {"code": codes.display(code).lower()})

    assert response.status_code == 302
    assert response["Location"] == reverse("awards:verify", args=[code])


@pytest.mark.integration
def test_verify_form_explains_a_malformed_code(client, db):
    response = client.get(reverse("awards:verify_form"), {"code": "ABC"})

    assert response.status_code == 200
    assert "核验码格式不正确" in drain(response).decode()


# -- batches -------------------------------------------------------------------------------------------


@pytest.mark.integration
def test_batch_generates_every_missing_certificate_and_rerun_skips_them(
    ningbo, django_capture_on_commit_callbacks
):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖", "三等奖"])
    existing = issue(awards[0], organizer)
    group = enterprise_group(ningbo)

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)

    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.skipped) == (BatchStatus.DONE, 3, 3, 1)
    assert batch.message == "已生成 2 份，跳过已有的 1 份。"
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 3
    assert Certificate.objects.get(award=awards[0]).code == existing.code

    with django_capture_on_commit_callbacks(execute=True):
        again = services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)

    again.refresh_from_db()
    assert (again.status, again.done, again.skipped) == (BatchStatus.DONE, 3, 3)
    assert Certificate.objects.count() == 3


@pytest.mark.integration
def test_batch_failure_is_recorded_and_keeps_what_was_done(
    ningbo, monkeypatch, django_capture_on_commit_callbacks
):
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖"])
    group = enterprise_group(ningbo)
    # WeasyPrint fails on the second certificate (the third-party edge, not project code).
    import weasyprint

    real_write_pdf = weasyprint.HTML.write_pdf
    calls = []

    def write_then_fail(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("磁盘已满")
        return real_write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_then_fail)

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.request_certificates(by=organizer, event=ningbo, group=group, site_url=SITE)

    batch = CertificateBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.FAILED
    assert batch.message == "生成失败（已完成 1 份）：OSError: 磁盘已满"
    assert list(Certificate.objects.values_list("award_id", flat=True)) == [awards[0].pk]


@pytest.mark.integration
def test_batch_renders_in_worker_processes_when_large_enough(
    ningbo, settings, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_WORKERS = 2
    settings.CERTIFICATE_PARALLEL_MIN = 3
    awards, organizer = confirmed_awards(ningbo, ["一等奖", "二等奖", "三等奖"])

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.request_certificates(
            by=organizer, event=ningbo, group=enterprise_group(ningbo), site_url=SITE
        )

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.skipped) == (BatchStatus.DONE, 3, 0)
    for award in awards:
        certificate = Certificate.objects.get(award=award)
        pdf = pdf_of(certificate)
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert award.entry.enterprise.name in text
        assert codes.display(certificate.code) in text
        assert certificate.sha256 == hashlib.sha256(pdf).hexdigest()


# -- the site's address on certificates ------------------------------------------------------------------


def qr_matrix_of(certificate) -> list[list[bool]]:
    """The certificate's QR code as dark/light cells (one pixel per module, quiet zone included)."""
    images = PdfReader(io.BytesIO(pdf_of(certificate))).pages[0].images
    assert len(images) == 1
    picture = images[0].image.convert("L")
    width, height = picture.size
    return [[picture.getpixel((x, y)) < 128 for x in range(width)] for y in range(height)]


def segno_matrix(url: str) -> list[list[bool]]:
    qr = segno.make(url, error="m", micro=False)
    return [[bool(cell) for cell in row] for row in qr.matrix_iter(scale=1, border=4)]


def generate_from_console(client, event, organizer, **extra):
    client.force_login(organizer)
    url = reverse("awards_console:generate", kwargs={"event_id": event.pk, "group_code": "enterprise"})
    return client.post(url, **extra)


@pytest.mark.integration
def test_console_batch_points_certificates_at_the_host_and_port_the_request_came_to(
    client, ningbo, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["cnmaker.example.cn"]
    settings.SITE_URL = ""
    (award,), organizer = confirmed_awards(ningbo, ["一等奖"])

    with django_capture_on_commit_callbacks(execute=True):
        response = generate_from_console(client, ningbo, organizer, HTTP_HOST="cnmaker.example.cn:8443")

    assert response.status_code == 302
    batch = CertificateBatch.objects.get()
    certificate = Certificate.objects.get(award=award)
    expected = f"http://cnmaker.example.cn:8443/certificates/verify/{certificate.code}/"
    assert (batch.status, batch.site_url) == (BatchStatus.DONE, "http://cnmaker.example.cn:8443")
    assert certificate.verify_url == expected
    assert expected in PdfReader(io.BytesIO(pdf_of(certificate))).pages[0].extract_text()
    assert qr_matrix_of(certificate) == segno_matrix(expected)


@pytest.mark.integration
def test_console_batch_prefers_settings_site_url_to_the_request(
    client, ningbo, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["cnmaker.example.cn"]
    settings.SITE_URL = "https://cnmaker.example.cn/"
    (award,), organizer = confirmed_awards(ningbo, ["二等奖"])

    with django_capture_on_commit_callbacks(execute=True):
        generate_from_console(client, ningbo, organizer, HTTP_HOST="cnmaker.example.cn:8443")

    batch = CertificateBatch.objects.get()
    certificate = Certificate.objects.get(award=award)
    expected = f"https://cnmaker.example.cn/certificates/verify/{certificate.code}/"
    assert batch.site_url == "https://cnmaker.example.cn"
    assert certificate.verify_url == expected
    assert qr_matrix_of(certificate) == segno_matrix(expected)


@pytest.mark.integration
def test_reissued_certificate_points_at_the_new_requests_address(
    client, ningbo, settings, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["cnmaker.example.cn", "testserver"]
    settings.SITE_URL = ""
    (award,), organizer = confirmed_awards(ningbo, ["三等奖"])
    first = services.issue_certificate(by=organizer, award=award, site_url="http://localhost:8000")
    services.revoke_certificate(by=organizer, certificate=first, reason="印错了名字")

    with django_capture_on_commit_callbacks(execute=True):
        generate_from_console(client, ningbo, organizer, HTTP_HOST="cnmaker.example.cn:8443")

    again = Certificate.objects.get(award=award, revoked_at__isnull=True)
    expected = f"http://cnmaker.example.cn:8443/certificates/verify/{again.code}/"
    assert again.verify_url == expected
    assert qr_matrix_of(again) == segno_matrix(expected)
