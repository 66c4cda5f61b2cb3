"""Finance console forms (the services validate; these only shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Community


class OpeningUploadForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    scoped_fields = {"community": (Community, "finance.opening.change")}


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("reason for the reversal"))
