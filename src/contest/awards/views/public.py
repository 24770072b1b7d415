"""Public certificate verification (no sign-in) and an entrant's own certificates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contest.awards import codes, selectors


@require_safe
def verify_form(request: HttpRequest) -> HttpResponse:
    """A box to type a code; a scanned or typed code goes to its page."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        code = codes.normalize(typed)
        if code is not None:
            return redirect("awards:verify", code=code)
        error = _("核验码格式不正确：应为 13 位字母和数字（可含连字符），请核对后重新输入。")
    return render(request, "awards/verify_form.html", {"typed": typed[:40], "error": error})


@require_safe
def verify(request: HttpRequest, code: str) -> HttpResponse:
    canonical = codes.normalize(code)
    certificate = selectors.certificate_by_code(canonical) if canonical else None
    if certificate is None:
        return render(request, "awards/verify_unknown.html", {"typed": code[:40]}, status=404)
    if canonical != code:
        return redirect("awards:verify", code=canonical)
    return render(request, "awards/verify.html", {"certificate": certificate, "data": certificate.data,
                                                  "display_code": codes.display(certificate.code)})  # fmt: skip


@require_safe
@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = list(selectors.certificates_for_owner(request.user))
    return render(request, "awards/my_certificates.html", {"certificates": certificates})


@require_safe
@login_required
def my_certificate_download(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = (
        selectors.certificates_for_owner(request.user)
        .filter(pk=certificate_id, revoked_at__isnull=True)
        .first()
    )
    if certificate is None or not request.user.has_perm("awards.download_own_certificate", certificate):
        raise Http404("no such certificate of yours")
    return pdf_response(certificate)


def pdf_response(certificate) -> FileResponse:
    response = FileResponse(certificate.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"获奖证书-{certificate.data.get('level', '')}-{certificate.code}.pdf"
    )
    return response
