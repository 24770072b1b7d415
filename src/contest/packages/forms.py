from django import forms
from django.utils.translation import gettext_lazy

from contest.core.forms import HardenedForm


class PackageForm(HardenedForm, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("报名包（.zip，或不带文件的 .xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.xlsx"}),
    )
