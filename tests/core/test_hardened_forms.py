"""``HardenedForm``: every form of the site refuses control characters, absurd dates and numbers
not written in ASCII digits — and no form of the project goes without it."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms

import contest
from contest.core.forms import HardenedForm

pytestmark = pytest.mark.unit

CONTROL = "含有不可见的控制字符，请删除后重试。"
OUT_OF_RANGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
NOT_A_NUMBER = "请填写数字（如 88.5）。"
SKIPPED_PACKAGES = ("contest.settings", ".migrations", ".management")


def project_modules():
    for info in pkgutil.walk_packages(contest.__path__, prefix="contest."):
        if info.name.startswith(SKIPPED_PACKAGES[0]) or any(
            part in info.name for part in SKIPPED_PACKAGES[1:]
        ):
            continue
        yield importlib.import_module(info.name)


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_form_of_the_project_is_hardened():
    modules = list(project_modules())
    assert "contest.registration.forms" in {m.__name__ for m in modules}
    ours = {
        f"{cls.__module__}.{cls.__qualname__}": cls
        for cls in all_subclasses(forms.BaseForm)
        if cls.__module__.startswith("contest.") and cls is not HardenedForm
    }
    assert len(ours) >= 40  # the walk found the forms of every app
    assert sorted(name for name, cls in ours.items() if not issubclass(cls, HardenedForm)) == []


class Sample(HardenedForm, forms.Form):
    name = forms.CharField(required=False)
    email = forms.EmailField(required=False)
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M"])
    split = forms.SplitDateTimeField(required=False)
    amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    count = forms.IntegerField(required=False)
    ratio = forms.FloatField(required=False)


class SampleModelForm(HardenedForm, forms.ModelForm):
    class Meta:
        model = None  # set below: any project model with a text field

    @classmethod
    def for_model(cls):
        from contest.catalog.models import Organization

        return forms.modelform_factory(Organization, form=cls, fields=["name"])


def errors_of(**data):
    form = Sample(data)
    form.is_valid()
    return form.errors


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[31m", "x\x07", "\x7f", "a\x0bb"])
def test_text_fields_refuse_control_characters_with_one_message(text):
    assert errors_of(name=text) == {"name": [CONTROL]}


def test_nul_is_refused_with_the_project_s_message_not_django_s():
    assert errors_of(name="\x00") == {"name": [CONTROL]}


def test_email_fields_refuse_control_characters_too():
    assert errors_of(email="a\x00@example.cn")["email"][0] == CONTROL


def test_ordinary_text_with_new_lines_and_tabs_is_accepted():
    form = Sample({"name": "宁波\t创新\r\n科技"})
    assert form.is_valid()
    assert form.cleaned_data["name"] == "宁波\t创新\r\n科技"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "0001-01-01"}, "day"),
        ({"day": "9999-12-31"}, "day"),
        ({"day": "1999-12-31"}, "day"),
        ({"moment": "0001-01-01T00:00"}, "moment"),
        ({"moment": "9999-12-31T23:59"}, "moment"),
        ({"split_0": "0001-01-01", "split_1": "00:00"}, "split"),
        ({"split_0": "9999-12-31", "split_1": "23:59"}, "split"),
    ],
)
def test_dates_outside_the_calendar_are_refused(data, field):
    assert errors_of(**data) == {field: [OUT_OF_RANGE]}


def test_dates_inside_the_calendar_are_accepted():
    form = Sample(
        {"day": "2099-12-31", "moment": "2000-01-01T00:00", "split_0": "2026-07-31", "split_1": "23:59"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2099, 12, 31)
    assert form.cleaned_data["moment"] == datetime(2000, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("field", ["amount", "count", "ratio"])
@pytest.mark.parametrize("text", ["１０", "1_0", "٥٠", "1e3", "NaN", "²"])
def test_number_fields_refuse_what_is_not_ascii_digits(field, text):
    assert errors_of(**{field: text}) == {field: [NOT_A_NUMBER]}


def test_number_fields_read_plain_numbers():
    form = Sample({"amount": "88.50", "count": "10", "ratio": "0.5"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["amount"], form.cleaned_data["count"], form.cleaned_data["ratio"]) == (
        Decimal("88.50"),
        10,
        0.5,
    )


def test_fields_added_after_init_are_hardened_when_the_form_is_cleaned():
    form = Sample({"late": "x\x00", "later": "１０"})
    form.fields["late"] = forms.CharField()
    form.fields["later"] = forms.IntegerField()
    assert not form.is_valid()
    assert (form.errors["late"], form.errors["later"]) == ([CONTROL], [NOT_A_NUMBER])


def test_a_message_the_field_already_shows_is_not_repeated():
    form = Sample({"name": "\x00"})
    form.is_valid()
    form.add_error("name", CONTROL)
    assert form.errors["name"] == [CONTROL]


@pytest.mark.django_db
def test_model_forms_are_hardened():
    form = SampleModelForm.for_model()({"name": "宁波\x00工信局"})
    assert form.errors["name"] == [CONTROL]
