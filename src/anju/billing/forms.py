"""The billing console's forms (the services validate; these only shape the input)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Community, House

from .choices import CASHIER_METHODS, CollectionKind, PaymentMethod


class RunForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    period = forms.CharField(
        label=_("period"), max_length=7, help_text=_("2027-01, 2027-Q1 or 2027")
    )
    scoped_fields = {"community": (Community, "billing.run.change")}


class DeliveryForm(forms.Form):
    delivery_method = forms.CharField(max_length=60, label=_("delivery method"))
    delivery_proof = forms.CharField(max_length=300, required=False, label=_("proof of delivery"))


class CollectionForm(ScopedForm):
    house = forms.ModelChoiceField(queryset=House.objects.none(), label=_("house"))
    kind = forms.ChoiceField(choices=CollectionKind.choices, label=_("kind"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("note")
    )
    scoped_fields = {"house": (House, "core.house.view")}


class ImportReadingsForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Columns: 楼栋, 房号, 表 (水/电/气/热), 日期, 读数, optional 换表 (是)."),
    )
    scoped_fields = {"community": (Community, "billing.meter.change")}


class PayForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label=_("amount")
    )
    method = forms.ChoiceField(
        choices=[(m, label) for m, label in PaymentMethod.choices if m in CASHIER_METHODS],
        label=_("method"),
    )
    reference = forms.CharField(max_length=100, required=False, label=_("reference"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label=_("amount")
    )
    reason = forms.CharField(max_length=300, label=_("reason"))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("reason"))
