"""Forms of the two-factor and session pages: they collect input; ``accounts.security`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.accounts.forms import ServiceErrorsMixin
from contest.core.forms import HardenedForm


class TotpCodeForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=12,
        help_text=_("打开手机上的验证器应用，输入当前显示的 6 位数字。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class RecoveryCodeForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("恢复码"),
        max_length=20,
        help_text=_("启用两步验证时保存的恢复码之一，如 ABCD-EFGH-JKLM；每个只能用一次。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class DisableTwoFactorForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("验证码或恢复码"),
        max_length=20,
        help_text=_("输入验证器当前显示的 6 位数字，或一个未用过的恢复码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
