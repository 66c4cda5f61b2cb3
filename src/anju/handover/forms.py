"""Handover console forms (the services validate; these only shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Organization


class ExportForm(forms.Form):
    id_numbers = forms.BooleanField(
        required=False,
        label=_("Include ID numbers"),
        help_text=_(
            "Only when the receiving company is entitled to them (a contract or the owners' "
            "decision): they are written decrypted into the package."
        ),
    )


class ImportForm(ScopedForm):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("into the company")
    )
    file = forms.FileField(label=_("Handover package (.zip)"))
    scoped_fields = {"organization": (Organization, "handover.package.import")}
