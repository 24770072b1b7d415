"""The page an expert reaches from the mail confirming their contact e-mail (no sign-in needed).

GET shows what is being confirmed and a button; only the POST confirms, so a mail scanner that
opens links does not confirm an address on the expert's behalf."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contest.core import privacy
from contest.core.errors import ContestError
from contest.review import services


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_expert_email(request: HttpRequest, token: str) -> HttpResponse:
    context: dict = {"token": token}
    if request.method == "POST":
        try:
            expert = services.verify_expert_email(token=token)
        except ContestError as exc:
            return render(request, "review/expert_email_verify.html", {"error": exc.message}, status=400)
        context.update({"verified": True, "email": expert.email})
    else:
        context["email"] = ""
        try:  # show which address is confirmed (masked: whoever holds the link may not be the expert)
            payload = services.read_expert_verification_token(token)
        except ContestError as exc:
            return render(request, "review/expert_email_verify.html", {"error": exc.message}, status=400)
        context["email"] = privacy.mask_email(payload["email"])
    return render(request, "review/expert_email_verify.html", context)
