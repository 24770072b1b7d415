"""Forms of the finals pages. They parse; the services decide (their refusals land on fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from contest.accounts.forms import ServiceErrorsMixin
from contest.accounts.models import User
from contest.core.forms import HardenedForm
from contest.core.inputs import local
from contest.finals.enums import LiveAggregation
from contest.finals.validators import SEGMENT_PRESETS, format_segments

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
AGGREGATION_LABELS = {
    LiveAggregation.TRIMMED: gettext_lazy("去掉一个最高分和一个最低分后平均"),
    LiveAggregation.MEAN: gettext_lazy("算术平均"),
}
PRESET_LABELS = {
    "": gettext_lazy("（按下方填写）"),
    "8+7": gettext_lazy("路演 8 分钟 + 问答 7 分钟"),
    "5+5": gettext_lazy("路演 5 分钟 + 问答 5 分钟"),
    "6+3": gettext_lazy("路演 6 分钟 + 问答 3 分钟"),
    "7+3": gettext_lazy("路演 7 分钟 + 问答 3 分钟"),
    "1+7+4": gettext_lazy("视频 1 分钟 + 路演 7 分钟 + 问答 4 分钟"),
}


def find_user(identifier: str) -> User | None:
    """A user by username, e-mail or mobile (as they sign in)."""
    text = (identifier or "").strip()
    if not text:
        return None
    phone = text if text.startswith("+") else f"+86{text}" if text.isdigit() else text
    return (
        User.objects.filter(Q(username=text) | Q(email__iexact=text) | Q(phone=phone), is_active=True)
        .order_by("pk")
        .first()
    )


class SessionForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    event = forms.ChoiceField(label=gettext_lazy("赛事"))
    name = forms.CharField(label=gettext_lazy("场次名称"), max_length=100)
    venue = forms.CharField(label=gettext_lazy("地点"), max_length=200)
    room = forms.CharField(label=gettext_lazy("会场"), max_length=100, required=False)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间（北京时间）"), input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    group = forms.ChoiceField(label=gettext_lazy("组别"), required=False)
    source_round = forms.ChoiceField(label=gettext_lazy("项目来源（评审轮次的晋级名单）"), required=False)
    preset = forms.ChoiceField(
        label=gettext_lazy("常用路演形式"), required=False, choices=list(PRESET_LABELS.items())
    )
    segments = forms.CharField(
        label=gettext_lazy("路演环节"), required=False, max_length=300,
        help_text=gettext_lazy("用“+”分隔各环节，例如“项目路演 8 分钟 + 评委问答 7 分钟”；选择常用形式时以其为准。"),
    )  # fmt: skip
    aggregation = forms.ChoiceField(label=gettext_lazy("计分方式"), choices=list(AGGREGATION_LABELS.items()))
    places = forms.IntegerField(label=gettext_lazy("保留小数位"), min_value=0, max_value=4)
    score_min = forms.DecimalField(label=gettext_lazy("最低分"), max_digits=6, decimal_places=2)
    score_max = forms.DecimalField(label=gettext_lazy("最高分"), max_digits=6, decimal_places=2)
    chair = forms.CharField(
        label=gettext_lazy("主持人账号"), required=False, max_length=254,
        help_text=gettext_lazy("用户名、邮箱或手机号；留空时由组织方人员主持。"),
    )  # fmt: skip
    notary = forms.CharField(label=gettext_lazy("公证机构/公证员"), required=False, max_length=200)

    def __init__(self, *args, events, groups, rounds, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [(str(e.pk), e.name) for e in events]
        if editing:
            self.fields["event"].disabled = True
            self.fields["event"].required = False
        self.fields["group"].choices = [
            ("", gettext_lazy("（不分组）")),
            *((str(g.pk), g.name) for g in groups),
        ]
        self.fields["source_round"].choices = [("", gettext_lazy("（不从评审轮次带入）")),
                                               *((str(r.pk), str(r)) for r in rounds)]  # fmt: skip

    @staticmethod
    def initial_for(session) -> dict[str, Any]:
        return {
            "event": str(session.event_id), "name": session.name, "venue": session.venue, "room": session.room,
            "starts_at": local(session.starts_at), "group": str(session.group_id or ""),
            "source_round": str(session.source_round_id or ""), "segments": format_segments(session.segments),
            "aggregation": session.aggregation, "places": session.places, "score_min": session.score_min,
            "score_max": session.score_max, "notary": session.notary,
            "chair": session.chair.get_username() if session.chair_id else "",
        }  # fmt: skip

    def clean_chair(self):
        text = self.cleaned_data.get("chair", "")
        if not text:
            return None
        user = find_user(text)
        if user is None:
            raise forms.ValidationError(gettext_lazy("找不到该账号。"))
        return user

    def service_data(self, *, groups, rounds) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        preset = data.pop("preset", "")
        data["segments"] = SEGMENT_PRESETS[preset] if preset else data.get("segments", "")
        data.pop("event", None)
        data["group"] = {str(g.pk): g for g in groups}.get(data.get("group") or "")
        data["source_round"] = {str(r.pk): r for r in rounds}.get(data.get("source_round") or "")
        return data


class AddSlotForm(HardenedForm, forms.Form):
    number = forms.CharField(label=gettext_lazy("报名编号"), max_length=30)


class ReasonForm(HardenedForm, forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=300)


class JudgeForm(HardenedForm, forms.Form):
    expert = forms.ChoiceField(label=gettext_lazy("专家"))
    seat = forms.IntegerField(label=gettext_lazy("席位号"), min_value=1, max_value=99)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [
            (str(e.pk), f"{e.name}（{e.organization_name}）{'' if e.user_id else ' · 无账号'}")
            for e in experts
        ]


class DrawForm(HardenedForm, forms.Form):
    room_value = forms.CharField(
        label=gettext_lazy("现场读出的数值"), max_length=200,
        help_text=gettext_lazy("例如在公证员面前从号码箱中抽出的号码，按读出的顺序填写。"),
    )  # fmt: skip
    witness = forms.CharField(label=gettext_lazy("见证人"), max_length=200, required=False)
