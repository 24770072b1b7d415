"""Forms of the 公示 pages. They parse input into what the services take; the services validate
it (their FieldErrors land back on these forms' fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from contest.core.forms import HardenedForm
from contest.publicity.enums import NoticeKind, ObjectionStatus
from contest.publicity.validators import EVIDENCE_MAX_BYTES, NAME_MAX, REASON_MAX, RESPONSE_MAX

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

#: the kinds as the pages show them (the enum's labels are marked for translation)
KIND_LABELS = dict(NoticeKind.choices)
ANSWER_LABELS = {
    ObjectionStatus.UPHELD: gettext_lazy("异议成立（名单须发布新版本）"),
    ObjectionStatus.DISMISSED: gettext_lazy("异议不成立"),
}


def _ends_at_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=gettext_lazy("公示结束时间（北京时间）"), input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip


class ObjectionForm(HardenedForm, forms.Form):
    """The public objection form. Required fields are checked by the service (``clean_objection``)
    together with everything else, so one submit shows every problem."""

    name = forms.CharField(label=gettext_lazy("真实姓名"), required=False,
                           widget=forms.TextInput(attrs={"aria-required": "true", "autocomplete": "name",
                                                         "maxlength": NAME_MAX}))  # fmt: skip
    phone = forms.CharField(label=gettext_lazy("联系电话（手机号）"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel",
                                                          "aria-required": "true"}))  # fmt: skip
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=10, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "maxlength": 6, "aria-required": "true"}))  # fmt: skip
    email = forms.CharField(label=gettext_lazy("电子邮箱（选填）"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))  # fmt: skip
    row_number = forms.ChoiceField(label=gettext_lazy("涉及项目（选填）"), required=False,
                                   error_messages={"invalid_choice": gettext_lazy("名单中没有这个报名编号。")})  # fmt: skip
    reason = forms.CharField(label=gettext_lazy("异议理由"), required=False,
                             widget=forms.Textarea(attrs={"rows": 6, "aria-required": "true", "maxlength": REASON_MAX}))  # fmt: skip
    evidence = forms.FileField(
        label=gettext_lazy("证据材料（选填，PDF、JPG 或 PNG，不超过 10 MB）"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )  # fmt: skip

    def __init__(self, *args, rows: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("（整份名单）"))]
        choices += [(r["number"], f"{r['number']} · {r['title']}") for r in rows or [] if r.get("number")]
        self.fields["row_number"].choices = choices

    #: the phone comes first: it is verified (step one) before the rest is filed (step two)
    field_order = ["phone", "code", "name", "email", "row_number", "reason", "evidence"]
    #: what the phone step carries along unseen, so nothing typed is lost between the steps
    CARRIED = ("name", "email", "row_number", "reason")

    def carried(self):
        return [self[name] for name in self.CARRIED]

    def details(self):
        """The fields of the second step after the phone and the code."""
        return [self[name] for name in self.fields if name not in ("phone", "code")]

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload and upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                gettext_lazy("证据文件过大，上限 %(mb)d MB。") % {"mb": EVIDENCE_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class LookupForm(HardenedForm, forms.Form):
    code = forms.CharField(label=gettext_lazy("查询码"), max_length=30)
    phone = forms.CharField(label=gettext_lazy("提交时填写的手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))  # fmt: skip


class CreateForm(HardenedForm, forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("所属赛事"))
    kind = forms.ChoiceField(label=gettext_lazy("名单类型"), choices=list(KIND_LABELS.items()))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    round = forms.ChoiceField(label=gettext_lazy("评审轮次（晋级名单、500强名单）"), required=False)
    group = forms.CharField(label=gettext_lazy("组别代码（获奖名单，选填）"), max_length=30, required=False)
    #: an empty file is the importer's to refuse (it names the headers the file should start with)
    file = forms.FileField(
        label=gettext_lazy("名单文件（其他名单：.xlsx 或 .csv）"), required=False, allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )  # fmt: skip

    def __init__(self, *args, scopes, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes
        self.fields["round"].choices = [("", "—"), *rounds]


class PublishForm(HardenedForm, forms.Form):
    ends_at = _ends_at_field()


class AnswerForm(HardenedForm, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("认定"), choices=list(ANSWER_LABELS.items()),
                               widget=forms.RadioSelect)  # fmt: skip
    response = forms.CharField(label=gettext_lazy("书面答复（异议人可凭查询码查看）"), max_length=RESPONSE_MAX,
                               widget=forms.Textarea(attrs={"rows": 5}))  # fmt: skip


class ReviseForm(HardenedForm, forms.Form):
    reason = forms.CharField(label=gettext_lazy("变更原因"), max_length=RESPONSE_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    objections = forms.MultipleChoiceField(
        label=gettext_lazy("促成变更的异议"), widget=forms.CheckboxSelectMultiple
    )
    ends_at = _ends_at_field()

    def __init__(self, *args, objections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objections"].choices = [(str(o.pk), o.tracking_code) for o in objections]


def rows_from_post(data, columns: list[str], count: int) -> list[dict[str, str]]:
    """The edited rows of the revise page: ``row-<i>-<column>``, a ``row-<i>-delete`` box, and one
    blank ``row-new-<column>`` row that is added when any of its cells is filled."""
    rows = []
    for i in range(count):
        if data.get(f"row-{i}-delete"):
            continue
        rows.append({c: data.get(f"row-{i}-{c}", "") for c in columns})
    new = {c: data.get(f"row-new-{c}", "") for c in columns}
    if any(str(value).strip() for value in new.values()):
        rows.append(new)
    return rows


#: column headers as the pages show them (translated); the stored rows use the keys
COLUMN_TITLES = {
    "number": gettext_lazy("报名编号"), "title": gettext_lazy("项目名称"), "entrant": gettext_lazy("参赛主体"),
    "province": gettext_lazy("省份"), "group": gettext_lazy("组别"), "rank": gettext_lazy("排名"),
    "score": gettext_lazy("得分"), "level": gettext_lazy("奖项"), "note": gettext_lazy("备注"),
}  # fmt: skip
