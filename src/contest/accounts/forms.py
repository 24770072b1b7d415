"""Forms for sign-up, sign-in, password reset and invitations.

They collect and render input; the services decide. ``apply_errors`` puts a service's
``FieldErrors`` on the matching fields so the page re-renders with what was typed.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
    UserChangeForm,
)
from django.utils.translation import gettext_lazy as _

from contest.accounts.services import password_problems
from contest.catalog.models import Organization
from contest.core.errors import ContestError, FieldErrors
from contest.core.forms import HardenedForm


class ServiceErrorsMixin:
    """Show a service's refusal on the form: each field's message on that field, the rest on top."""

    def apply_errors(self, exc: ContestError, *, aliases: dict[str, str] | None = None) -> None:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        aliases = aliases or {}
        fields = exc.fields if isinstance(exc, FieldErrors) else {exc.field: exc.message}
        for key, message in fields.items():
            name = aliases.get(key, key)
            self.add_error(name if name in self.fields else None, message)


class SignUpForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    identifier = forms.CharField(
        label=_("电子邮箱或手机号"),
        max_length=254,
        help_text=_("填写常用邮箱，或中国大陆手机号（11 位）。以后用它登录。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    display_name = forms.CharField(
        label=_("姓名（选填）"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        help_text=_("至少 8 位，不能全是数字，不要用常见密码。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    #: consent to the privacy notice (contest.core.privacy), recorded with its version at sign-up
    accept_privacy = forms.BooleanField(
        label=_("我已阅读并同意《个人信息保护政策》"),
        help_text=_("全文见本站“个人信息保护政策”页面（/privacy/）。"),
        error_messages={"required": _("请阅读并同意《个人信息保护政策》后再注册。")},
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_confirm")
            and data["password"] != data["password_confirm"]
        ):
            self.add_error("password_confirm", _("两次输入的密码不一致。"))
        return data


class LoginForm(HardenedForm, AuthenticationForm):
    """Django's sign-in form, asking for an e-mail or mobile number instead of a username."""

    error_messages: ClassVar[dict] = {
        "invalid_login": _("账号或密码不正确。请检查邮箱/手机号和密码；连续输错 5 次将暂时锁定 15 分钟。"),
        "inactive": _("此账号已停用。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("电子邮箱或手机号")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        self.fields["password"].label = _("密码")


class ResetForm(HardenedForm, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("注册时使用的电子邮箱")


class NewPasswordForm(HardenedForm, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")

    def validate_password_for_user(self, user, password_field_name="new_password2"):  # noqa: S107
        """The password rules, the similarity check against what the person knows as theirs (their
        e-mail, mobile and name) — never "too similar to the 用户名", a name they never chose."""
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        typed = {"email": user.email, "phone": user.phone, "name": user.display_name}
        for problem in password_problems(password, typed=typed):
            self.add_error(password_field_name, problem)


class InvitationForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(
        label=_("受邀人电子邮箱"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    organization = forms.ModelChoiceField(
        label=_("组织单位"), queryset=Organization.objects.order_by("name"), empty_label=_("请选择组织单位")
    )


class AdminUserChangeForm(HardenedForm, UserChangeForm):
    """The admin's user form, under the same input rules as every other form."""


class AdminUserAddForm(HardenedForm, AdminUserCreationForm):
    """The admin's add-user form, under the same input rules as every other form."""
