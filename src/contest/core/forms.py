"""``HardenedForm``: every site form refuses what ``contest.core.inputs`` refuses.

Mixed into every ``Form`` and ``ModelForm`` of the project (a test walks them all). It adds to

* every text field (``CharField`` and its kinds: e-mail, URL, password …) a validator refusing
  control characters and lone surrogates, in place of Django's NUL-only one;
* every date and date-time field (also the admin's split date-time) a validator keeping the
  date inside ``EARLIEST`` … ``LATEST``;
* every number field a check, before Django reads the number, that it is written in plain ASCII
  digits: ``int()``/``Decimal()`` would read ``１０``, ``٥٠`` and ``1_0`` as ten or fifty.

Fields a form adds after ``__init__`` (rows added per posted year, per IP item …) are hardened
when the form is cleaned.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from contest.core import inputs
from contest.core.errors import ValidationFailed

DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)
NUMBER_FIELDS = (forms.DecimalField, forms.IntegerField, forms.FloatField)


def refuse_control_characters(value) -> None:
    """Validator: text without control characters (``inputs.text_problem``)."""
    if isinstance(value, str):
        problem = inputs.text_problem(value)
        if problem:
            raise ValidationError(problem, code="control_characters")


def refuse_out_of_range_date(value) -> None:
    """Validator: a date or date-time inside the competition's calendar (``inputs.date_problem``)."""
    if value is not None:
        problem = inputs.date_problem(value)
        if problem:
            raise ValidationError(problem, code="date_out_of_range")


class PlainNumberReader:
    """A number field's ``to_python`` that first insists on ASCII digits (``inputs.parse_decimal``)."""

    def __init__(self, to_python):
        self.to_python = to_python

    def __call__(self, value):
        if isinstance(value, str) and value.strip():
            try:
                inputs.parse_decimal(value)
            except ValidationFailed as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
        return self.to_python(value)


def harden_field(field: forms.Field) -> None:
    """Add the checks for ``field``'s kind; calling it twice changes nothing."""
    if getattr(field, "hardened", False):
        return
    if isinstance(field, forms.CharField):
        field.validators = [
            refuse_control_characters,
            *(v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)),
        ]
    elif isinstance(field, DATE_FIELDS):
        field.validators = [*field.validators, refuse_out_of_range_date]
    elif isinstance(field, NUMBER_FIELDS):
        field.to_python = PlainNumberReader(field.to_python)
    field.hardened = True


class HardenedForm:
    """Mixin for ``forms.Form`` / ``forms.ModelForm``: put it first among the bases."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.harden()

    def harden(self) -> None:
        for field in self.fields.values():
            harden_field(field)

    def get_initial_for_field(self, field, field_name):
        """As Django's, but a stored date-time local time cannot hold (year 9999) is shown as the
        nearest one it can, so the page where it is corrected still opens."""
        return inputs.displayable(super().get_initial_for_field(field, field_name))

    def full_clean(self):
        self.harden()  # fields added after __init__
        return super().full_clean()

    def add_error(self, field, error):
        """As Django's, but a message the field already shows is not repeated (a service that
        checks the same text as the form's validator says the same thing)."""
        if isinstance(error, str) and self._errors is not None:
            shown = self._errors.get(field or NON_FIELD_ERRORS, [])
            if error in shown:
                return
        super().add_error(field, error)


class HardenedModelForm(HardenedForm, forms.ModelForm):
    """The admin's change forms (``ModelAdmin.form`` / ``InlineModelAdmin.form``): the admin builds
    its form for each model from this one, so the secretariat's edits obey the same input rules."""
