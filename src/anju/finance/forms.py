"""Finance console forms (the services validate; these only shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Community

from .choices import Grain


class OpeningUploadForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    scoped_fields = {"community": (Community, "finance.opening.change")}


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("reason for the reversal"))


class VoucherForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    start = forms.DateField(label=_("first day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("last day"), widget=forms.DateInput(attrs={"type": "date"}))
    grain = forms.ChoiceField(choices=Grain.choices, label=_("one voucher per kind and"))
    scoped_fields = {"community": (Community, "finance.voucher.view")}


class AccountForm(forms.Form):
    key = forms.CharField(
        max_length=120,
        label=_("account role"),
        help_text=_("A role of the chart, or revenue:<fee item> for one fee item's revenue."),
    )
    code = forms.CharField(max_length=40, label=_("account code"))
    name = forms.CharField(max_length=100, label=_("account name"))
    vat_rate = forms.DecimalField(
        required=False, max_digits=5, decimal_places=4, label=_("VAT rate (revenue only)")
    )


class StatementUploadForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    bank = forms.ChoiceField(label=_("bank"))
    file = forms.FileField(label=_("statement (CSV or .xlsx)"))
    scoped_fields = {"community": (Community, "finance.bank.change")}

    def __init__(self, *args, **kwargs):
        from .services import BANK_LAYOUTS

        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [(k, v["name"]) for k, v in BANK_LAYOUTS.items()]
