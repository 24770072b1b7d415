"""Forms of the awards console. They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contest.awards.enums import TiePolicy, level_label
from contest.awards.plans import PlanLine, parse_count
from contest.core.errors import ValidationFailed
from contest.core.forms import HardenedForm

TIE_LABELS = {
    TiePolicy.REFUSE: _("拒绝并列出并列项目（默认）"),
    TiePolicy.SHARE: _("并列项目同获较高等级（下一等级相应减少）"),
}


class ReasonForm(HardenedForm, forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.TextInput)


class ManualAwardForm(HardenedForm, forms.Form):
    entry = forms.TypedChoiceField(label=_("项目"), coerce=int)
    level = forms.ChoiceField(label=_("奖项等级"))
    citation = forms.CharField(label=_("颁奖词（可选）"), max_length=300, required=False)

    def __init__(self, *args, entries, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [(e.pk, f"{e.number or '-'} {e.title}") for e in entries]
        self.fields["level"].choices = [(level.name, level_label(level.name)) for level in levels]


class EditAwardForm(HardenedForm, forms.Form):
    level = forms.ChoiceField(label=_("奖项等级"))
    order = forms.IntegerField(
        label=_("等级内排序"),
        min_value=1,
        max_value=10000,
        widget=forms.NumberInput(attrs={"class": "awards-order"}),
    )
    citation = forms.CharField(label=_("颁奖词"), max_length=300, required=False)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level.name, level_label(level.name)) for level in levels]


class LevelForm(HardenedForm, forms.Form):
    name = forms.CharField(label=_("奖项名称"), max_length=30)
    rank = forms.IntegerField(
        label=_("排序（越小越高，可空）"), min_value=1, max_value=999, required=False,
        widget=forms.NumberInput(attrs={"class": "awards-order"}),
    )  # fmt: skip


class PlanForm(HardenedForm, forms.Form):
    """Source, tie policy and one count per level (empty: not in the plan; “其余”: the rest)."""

    source = forms.ChoiceField(label=_("依据的排名"))
    ties = forms.ChoiceField(
        label=_("名额边界处并列时"), choices=list(TIE_LABELS.items()), initial=TiePolicy.REFUSE
    )

    def __init__(self, *args, sources, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = sources
        self.levels = list(levels)
        for index, level in enumerate(self.levels):
            self.fields[f"count_{index}"] = forms.CharField(
                label=level_label(level.name), max_length=10, required=False
            )

    def count_fields(self):
        return [self[f"count_{index}"] for index in range(len(self.levels))]

    def plan(self) -> list[PlanLine]:
        lines = []
        for index, level in enumerate(self.levels):
            raw = (self.cleaned_data.get(f"count_{index}") or "").strip()
            if not raw:
                continue
            try:
                lines.append(PlanLine(level.name, parse_count(raw)))
            except ValidationFailed as exc:
                self.add_error(f"count_{index}", exc.message)
        return lines
