from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.console import ScopedForm
from anju.core.models import Community

from .choices import SpaceKind

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SpaceForm(ScopedForm):
    scoped_fields = {"community": (Community, "spaces.space.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=SpaceKind.choices)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("capacity (people)"), min_value=1, initial=10)
    opens_at = forms.TimeField(label=_("opening time"), widget=TIME, initial="08:00")
    closes_at = forms.TimeField(label=_("closing time"), widget=TIME, initial="21:00")
    slot_minutes = forms.IntegerField(label=_("slot (minutes)"), min_value=15, initial=60)
    max_slots = forms.IntegerField(label=_("longest booking (slots)"), min_value=1, initial=2)
    book_days_ahead = forms.IntegerField(label=_("bookable days ahead"), min_value=0, initial=7)
    per_house_limit = forms.IntegerField(label=_("open bookings per house"), min_value=1, initial=2)
    price_per_slot = forms.DecimalField(
        label=_("fee per slot (¥)"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    common_part = forms.BooleanField(
        label=_("in the common parts"),
        required=False,
        initial=True,
        help_text=_("Fees of a space in the common parts are the owners' public income."),
    )
    needs_approval = forms.BooleanField(label=_("bookings need approval"), required=False)
    rules = forms.CharField(
        label=_("rules of use"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("open for booking"), required=False, initial=True)
