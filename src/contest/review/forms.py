"""Forms of the organizer's review pages. They parse input into what the services take; the
services validate it (and their FieldErrors land back on these forms' fields)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest.core.forms import HardenedForm
from contest.core.inputs import local
from contest.registration.enums import Industry
from contest.review.enums import Aggregation, CarryOver, ExpertKind, QuotaKind, RoundStage
from contest.review.organizer_selectors import ExpertFilter

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

EXPERT_KIND_LABELS = {
    ExpertKind.TECHNICAL: gettext_lazy("技术专家"),
    ExpertKind.INDUSTRY: gettext_lazy("产业专家"),
    ExpertKind.INVESTMENT: gettext_lazy("投资专家"),
}
STAGE_LABELS = {
    RoundStage.PRELIMINARY: gettext_lazy("初赛（网评）"),
    RoundStage.SEMIFINAL: gettext_lazy("复赛"),
    RoundStage.FINAL: gettext_lazy("决赛"),
    RoundStage.NATIONAL: gettext_lazy("全国评审"),
}
AGGREGATION_LABELS = {
    Aggregation.MEAN: gettext_lazy("平均分"),
    Aggregation.TRIMMED_MEAN: gettext_lazy("去掉一个最高分和一个最低分后的平均分"),
}
CARRY_LABELS = {
    CarryOver.FRESH: gettext_lazy("重新评分（不带入）"),
    CarryOver.BLEND: gettext_lazy("按比例合成"),
    CarryOver.TIE_BREAK: gettext_lazy("仅用于同分排序"),
}
QUOTA_LABELS = {
    QuotaKind.COUNT: gettext_lazy("固定名额"),
    QuotaKind.PERCENT: gettext_lazy("按比例（含下限与上限）"),
    QuotaKind.PROPORTIONAL: gettext_lazy("按各分区报名数比例分配"),
}


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=False, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip


# -- the expert pool ---------------------------------------------------------------------------------


class ExpertFilterForm(HardenedForm, forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("专家类别"), required=False)
    expertise = forms.ChoiceField(label=gettext_lazy("擅长行业"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("熟悉地区"), required=False)

    def __init__(self, data, *, provinces):
        super().__init__(data)
        self.fields["kind"].choices = [("", _("全部类别")), *EXPERT_KIND_LABELS.items()]
        self.fields["expertise"].choices = [("", _("全部行业")), *Industry.choices]
        self.fields["region"].choices = [("", _("全部地区")), *((p.code, p.name) for p in provinces)]
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("姓名、单位、职称、手机或邮箱")}
        )

    def expert_filter(self) -> ExpertFilter:
        """The valid part of the filter; a bad value drops only its own condition."""
        self.is_valid()
        data = self.cleaned_data
        return ExpertFilter(
            q=data.get("q") or None, kind=data.get("kind") or None, expertise=data.get("expertise") or None,
            region=data.get("region") or None,
        )  # fmt: skip


class ExpertForm(HardenedForm, forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    organization_name = forms.CharField(label=gettext_lazy("工作单位"), max_length=200)
    organization_credit_code = forms.CharField(label=gettext_lazy("单位统一社会信用代码"), max_length=18,
                                               required=False)  # fmt: skip
    title = forms.CharField(label=gettext_lazy("职称"), max_length=100, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("专家类别"), choices=list(EXPERT_KIND_LABELS.items()))
    expertise = forms.MultipleChoiceField(label=gettext_lazy("擅长行业"), choices=Industry.choices,
                                          widget=forms.CheckboxSelectMultiple)  # fmt: skip
    regions = forms.MultipleChoiceField(label=gettext_lazy("熟悉地区"), required=False,
                                        widget=forms.SelectMultiple(attrs={"size": 8}))  # fmt: skip
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))  # fmt: skip
    email = forms.EmailField(label=gettext_lazy("邮箱"), required=False,
                             help_text=gettext_lazy("邀请开通评审账号时，设置密码的链接发到这里。"))  # fmt: skip

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(p.code, p.name) for p in provinces]

    @classmethod
    def initial_for(cls, expert) -> dict[str, Any]:
        phone = expert.phone[3:] if expert.phone.startswith("+86") else expert.phone
        return {
            "name": expert.name, "organization_name": expert.organization_name,
            "organization_credit_code": expert.organization_credit_code, "title": expert.title, "kind": expert.kind,
            "expertise": expert.expertise, "regions": expert.regions, "phone": phone, "email": expert.email,
        }  # fmt: skip

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class UploadForm(HardenedForm, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("专家名单（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


# -- rounds ------------------------------------------------------------------------------------------


class RoundForm(HardenedForm, forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("所属赛事"))
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    stage = forms.ChoiceField(label=gettext_lazy("阶段"), choices=list(STAGE_LABELS.items()))
    judges_per_entry = forms.IntegerField(
        label=gettext_lazy("每个项目的评审人数（k）"), min_value=1, max_value=50
    )
    default_max_load = forms.IntegerField(label=gettext_lazy("每位专家默认最多评审数"), min_value=1,
                                          max_value=10000)  # fmt: skip
    blind = forms.BooleanField(label=gettext_lazy("匿名评审（评审看不到参赛主体身份）"), required=False)
    judges_see_others = forms.BooleanField(label=gettext_lazy("评审可看到其他评审的打分"), required=False)
    opens_at = _datetime_field(gettext_lazy("评审开始（北京时间）"))
    closes_at = _datetime_field(gettext_lazy("评审截止（北京时间）"))
    aggregation = forms.ChoiceField(label=gettext_lazy("合成方式"), choices=list(AGGREGATION_LABELS.items()))
    normalize = forms.BooleanField(label=gettext_lazy("按评审标准化（z 分数）"), required=False)
    places = forms.IntegerField(label=gettext_lazy("保留小数位"), min_value=0, max_value=4)
    rank_by_industry = forms.BooleanField(label=gettext_lazy("另按行业排名"), required=False)
    require_investor = forms.BooleanField(label=gettext_lazy("每个项目至少一位投资专家"), required=False)
    distinct_organizations = forms.BooleanField(
        label=gettext_lazy("同一项目的评审来自不同单位"), required=False
    )
    previous = forms.ChoiceField(label=gettext_lazy("上一轮"), required=False)
    carry_over = forms.ChoiceField(label=gettext_lazy("上一轮成绩"), choices=list(CARRY_LABELS.items()))
    carry_weight = forms.DecimalField(label=gettext_lazy("上一轮成绩占比（0–1，按比例合成时使用）"), min_value=0,
                                      max_value=1, max_digits=4, decimal_places=3, required=False)  # fmt: skip

    def __init__(self, *args, scopes, previous_rounds, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
        if editing:
            self.fields["scope"].disabled = True
            self.fields["scope"].required = False
        self.fields["previous"].choices = [("", _("（无）")), *((str(r.pk), str(r)) for r in previous_rounds)]

    @staticmethod
    def initial_for(round_) -> dict[str, Any]:
        shown = {k: local(getattr(round_, k)) if getattr(round_, k) else None
                 for k in ("opens_at", "closes_at")}  # fmt: skip
        return {
            "scope": f"event:{round_.event_id}" if round_.event_id else f"edition:{round_.edition_id}",
            "name": round_.name, "stage": round_.stage, "judges_per_entry": round_.judges_per_entry,
            "default_max_load": round_.default_max_load, "blind": round_.blind,
            "judges_see_others": round_.judges_see_others, **shown, "aggregation": round_.aggregation,
            "normalize": round_.normalize, "places": round_.places, "rank_by_industry": round_.rank_by_industry,
            "require_investor": round_.require_investor, "distinct_organizations": round_.distinct_organizations,
            "previous": str(round_.previous_id or ""), "carry_over": round_.carry_over,
            "carry_weight": round_.carry_weight,
        }  # fmt: skip

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("scope", "previous")}
        data["carry_weight"] = data.get("carry_weight") or Decimal(0)
        return data


class RubricRowForm(HardenedForm, forms.Form):
    code = forms.SlugField(label=gettext_lazy("代码"), max_length=30, required=False)
    name = forms.CharField(label=gettext_lazy("评分项"), max_length=50, required=False)
    max = forms.DecimalField(
        label=gettext_lazy("满分"), min_value=0, max_digits=6, decimal_places=2, required=False
    )
    weight = forms.DecimalField(label=gettext_lazy("权重"), min_value=0, max_digits=6, decimal_places=2,
                                required=False)  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rubric is a table whose inputs have no <label>: each names itself and its row.
        row = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(row) + 1 if row.isdigit() else 1
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = _("第 %(n)d 项 · %(label)s") % {
                "n": number,
                "label": field.label,
            }


RubricFormSet = formset_factory(RubricRowForm, extra=2, max_num=12, absolute_max=12)


def rubric_rows(formset) -> list[dict[str, Any]]:
    """The filled rows of a (valid) rubric formset, as the services take them."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not any(data.get(k) not in (None, "") for k in ("code", "name", "max", "weight")):
            continue
        rows.append({"code": data.get("code") or "", "name": data.get("name") or "", "max": data.get("max"),
                     "weight": data.get("weight")})  # fmt: skip
    return rows


# -- judges, conflicts, assignment -------------------------------------------------------------------------


class RoundJudgeForm(HardenedForm, forms.Form):
    max_load = forms.IntegerField(label=gettext_lazy("最多评审数"), min_value=1, max_value=10000)
    available = forms.BooleanField(label=gettext_lazy("可参加"), required=False)


class PinConflictForm(HardenedForm, forms.Form):
    expert = forms.TypedChoiceField(label=gettext_lazy("评审专家"), coerce=int)
    entry = forms.TypedChoiceField(label=gettext_lazy("项目"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("回避原因"), max_length=300)

    def __init__(self, *args, judges, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [(j.expert_id, f"{j.expert.name}（{j.expert.organization_name}）")
                                         for j in judges]  # fmt: skip
        self.fields["entry"].choices = [(re.entry_id, f"{re.code} · {re.entry.title}") for re in entries]


class AssignmentChangeForm(HardenedForm, forms.Form):
    action = forms.ChoiceField(choices=[("swap", gettext_lazy("换人")), ("remove", gettext_lazy("移除"))])
    expert = forms.TypedChoiceField(label=gettext_lazy("换成"), coerce=int, required=False)
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=300)

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [("", "—"), *((o.expert.pk, o.expert.name) for o in options)]

    def clean(self):
        data = super().clean()
        if data.get("action") == "swap" and not data.get("expert"):
            self.add_error("expert", _("请选择换成哪位专家。"))
        return data


class PinAssignmentForm(HardenedForm, forms.Form):
    expert = forms.TypedChoiceField(label=gettext_lazy("指定专家"), coerce=int)

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [(o.expert.pk, f"{o.expert.name}（{o.assigned}）") for o in options]


# -- advancement ------------------------------------------------------------------------------------------


class QuotaForm(HardenedForm, forms.Form):
    group = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("名额方式"), choices=list(QUOTA_LABELS.items()))
    count = forms.IntegerField(label=gettext_lazy("名额"), min_value=0, required=False)
    percent = forms.DecimalField(label=gettext_lazy("比例（%）"), min_value=0, max_value=100, max_digits=5,
                                 decimal_places=2, required=False)  # fmt: skip
    floor = forms.IntegerField(label=gettext_lazy("下限"), min_value=0, required=False)
    cap = forms.IntegerField(label=gettext_lazy("上限"), min_value=0, required=False)
    total = forms.IntegerField(label=gettext_lazy("总名额"), min_value=0, required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == QuotaKind.COUNT and data.get("count") is None:
            self.add_error("count", _("请填写名额。"))
        if kind == QuotaKind.PERCENT and data.get("percent") is None:
            self.add_error("percent", _("请填写比例。"))
        if kind == QuotaKind.PROPORTIONAL and data.get("total") is None:
            self.add_error("total", _("请填写总名额。"))
        floor, cap = data.get("floor"), data.get("cap")
        if kind == QuotaKind.PERCENT and floor is not None and cap is not None and floor > cap:
            self.add_error("cap", _("上限不能小于下限。"))
        return data
