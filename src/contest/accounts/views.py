"""Account pages: sign-up, sign-in, e-mail verification, password reset, organizer invitations.

Views parse, call a service, and show its refusal on the form or as a message.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contest.accounts import security, services, session_state
from contest.accounts.enums import InvitationStatus, RoleKind
from contest.accounts.forms import InvitationForm, LoginForm, NewPasswordForm, ResetForm, SignUpForm
from contest.accounts.models import Invitation
from contest.core.client import client_ip, origin
from contest.core.errors import ContestError, FieldErrors
from contest.core.views import READ_WRITE, WRITE, ConsoleView, Lookup, actor, next_url, site_url

BACKEND = "contest.accounts.backends.EmailOrPhoneBackend"
INVITATION_STATUS_LABELS = {
    InvitationStatus.PENDING: gettext_lazy("待接受"),
    InvitationStatus.ACCEPTED: gettext_lazy("已接受"),
    InvitationStatus.REVOKED: gettext_lazy("已撤销"),
}


# -- sign-up, sign-in, sign-out ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("registration:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                site_url=site_url(request),
                accepted_privacy=form.cleaned_data["accept_privacy"],
                ip=client_ip(request),
            )
        except FieldErrors as exc:
            form.apply_errors(exc)
        else:
            login(request, user, backend=BACKEND)
            if user.email:
                messages.success(
                    request,
                    _("注册成功。验证邮件已发送到 %(email)s，请在 3 天内点击邮件中的链接。")
                    % {"email": user.email},
                )
            else:
                messages.success(request, _("注册成功。"))
            return redirect(next_url(request, reverse("registration:home")))
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": next_url(request, ""), "section": "signup"},
    )


class SecondStepMixin:
    """After the password: record the sign-in, then send the user to the second step when one is due
    (a code for an enrolled account, enrolment for an account that must have it). Used by the site's
    sign-in page and by the Django admin's."""

    def form_valid(self, form) -> HttpResponse:
        """The password is right: sign in, then ask for the second step when there is one."""
        response = super().form_valid(form)
        if session_state.state(self.request) == session_state.PENDING:
            second, target = "pending", "accounts:two_factor_verify"
        elif session_state.needs_enrolment(self.request):
            second, target = "enrolment", "accounts:two_factor_setup"
        else:
            second, target = "none", None
        security.record_sign_in(user=form.get_user(), origin=origin(self.request), second_factor=second)
        if target is None:
            return response
        return redirect(f"{reverse(target)}?{urlencode({'next': self.get_success_url()})}")


class LoginView(SecondStepMixin, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context: ClassVar[dict] = {"section": "login"}

    def get_default_redirect_url(self) -> str:
        """A judge who is nothing else lands in the review workspace."""
        user = self.request.user
        kinds = set(user.roles.values_list("kind", flat=True))
        if (
            RoleKind.JUDGE in kinds
            and not kinds & {RoleKind.ORGANIZER, RoleKind.SECRETARIAT}
            and not user.is_superuser
        ):
            return reverse("judge:home")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    """Sign-out is a POST; a GET (the header's link) shows a one-button confirmation."""

    http_method_names: ClassVar[list[str]] = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("catalog:home")
        return render(request, "accounts/logout_confirm.html", {"section": "logout"})


# -- e-mail verification ---------------------------------------------------------------------


@require_http_methods(["GET"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.verify_email(token=token)
    except ContestError as exc:
        return render(
            request, "accounts/verify_email.html", {"error": exc.message, "code": exc.code}, status=400
        )
    return render(request, "accounts/verify_email.html", {"verified_user": user})


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    try:
        services.send_verification(user=actor(request), site_url=site_url(request))
    except ContestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("验证邮件已重新发送到 %(email)s。") % {"email": request.user.email})
    return redirect(next_url(request, reverse("registration:home")))


# -- password reset: Django's views with our templates ------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = ResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# -- organizer invitations ---------------------------------------------------------------------


def _console_url() -> str:
    return reverse("console:home")


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except ContestError as exc:
        raise Http404(exc.message) from exc
    problem = None
    try:
        services.check_invitation_usable(invitation)
    except ContestError as exc:
        problem = exc.message
    if request.method == "POST" and problem is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            role = services.accept_invitation(token=token, by=actor(request), origin=origin(request))
        except ContestError as exc:
            problem = exc.message
        else:
            session_state.refresh(request, actor(request))  # an organizer now: two-factor applies at once
            messages.success(
                request,
                _("已接受邀请：您现在是“%(organization)s”的赛事组织方。")
                % {"organization": role.organization},
            )
            return redirect(_console_url())
    context = {"invitation": invitation, "problem": problem, "section": "account"}
    return render(request, "accounts/invitation_accept.html", context, status=410 if problem else 200)


#: The invitation pages exist only for the secretariat (404 for everyone else, to every method).
secretariat_view = ConsoleView(
    gate=lambda user: user.has_perm("accounts.invite_organizer"),
    lookups=(
        Lookup(
            "invitation", lambda request, pk, found: Invitation.objects.filter(pk=pk).first(), argument="pk"
        ),
    ),
)


@secretariat_view(READ_WRITE)
def invitation_list(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_organizer(
                by=actor(request),
                email=form.cleaned_data["email"],
                organization=form.cleaned_data["organization"],
                site_url=site_url(request),
            )
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            messages.success(
                request,
                _("已向 %(email)s 发送邀请，链接 14 天内有效。") % {"email": invitation.email},
            )
            return redirect("accounts:invitation_list")
    now = timezone.now()
    invitations = list(
        Invitation.objects.select_related("organization", "invited_by", "accepted_by").order_by(
            "-created_at"
        )[:200]
    )
    rows = [
        {
            "invitation": inv,
            "status": _("已过期")
            if inv.status == InvitationStatus.PENDING and inv.expires_at <= now
            else INVITATION_STATUS_LABELS.get(inv.status, inv.get_status_display()),
            "can_revoke": Invitation.lifecycle.can(inv.status, InvitationStatus.REVOKED)
            and inv.expires_at > now,
        }
        for inv in invitations
    ]
    return render(
        request, "accounts/invitation_list.html", {"form": form, "rows": rows, "section": "invitations"}
    )


@secretariat_view(WRITE)
def revoke_invitation(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    try:
        services.revoke_invitation(by=actor(request), invitation=invitation)
    except ContestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销发给 %(email)s 的邀请。") % {"email": invitation.email})
    return redirect("accounts:invitation_list")
