from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Community

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OfferingForm(ScopedForm):
    scoped_fields = {"community": (Community, "life.offering.manage")}
    community = forms.ModelChoiceField(
        Community.objects.none(),
        label=_("community"),
        required=False,
        help_text=_("Empty: offered in every community of the company."),
    )
    name = forms.CharField(label=_("name"), max_length=100)
    price = forms.DecimalField(label=_("price (¥)"), min_value=0, max_digits=10, decimal_places=2)
    unit = forms.CharField(label=_("unit"), max_length=20, help_text=_("e.g. per visit, per hour"))
    description = forms.CharField(
        label=_("what is included"), widget=forms.Textarea(attrs={"rows": 3})
    )
    materials_extra = forms.BooleanField(
        label=_("materials charged extra"),
        required=False,
        help_text=_("Materials are quoted on site and the resident accepts them first."),
    )
    published = forms.BooleanField(label=_("published"), required=False, initial=True)


class EventForm(ScopedForm):
    scoped_fields = {"community": (Community, "life.event.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=120)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME)
    place = forms.CharField(label=_("place"), max_length=200)
    capacity = forms.IntegerField(label=_("capacity (people)"), min_value=1, initial=30)
    signup_until = forms.DateTimeField(label=_("sign-up deadline"), widget=DATETIME)
    fee = forms.DecimalField(
        label=_("fee per person (¥)"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    max_people_per_house = forms.IntegerField(
        label=_("people per household"), min_value=1, initial=4
    )
    min_age = forms.IntegerField(label=_("youngest age"), min_value=0, required=False)
    max_age = forms.IntegerField(label=_("oldest age"), min_value=0, required=False)


class QuoteForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), min_value=0, max_digits=10, decimal_places=2)
    note = forms.CharField(label=_("what the quote is for"), max_length=300)
