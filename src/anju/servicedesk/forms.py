"""The service desk's forms: the agent's phone intake, the resident's report and a roster shift."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from anju.core.models import Community, House, Person, User

from . import selectors
from .actions import ROSTER_MANAGE
from .choices import (
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    Urgency,
)


class IntakeForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=gettext_lazy("community"))
    house = forms.ModelChoiceField(
        House.objects.none(), label=gettext_lazy("house"), required=False
    )
    reporter = forms.ModelChoiceField(
        Person.objects.none(),
        label=gettext_lazy("reporter"),
        required=False,
        widget=forms.HiddenInput,
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("contact phone"), max_length=20, required=False
    )
    kind = forms.ChoiceField(choices=Kind.choices, label=gettext_lazy("kind"), initial=Kind.REPAIR)
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("category"))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, label=gettext_lazy("urgency"), initial=Urgency.NORMAL
    )
    priority = forms.ChoiceField(
        choices=[("", gettext_lazy("from category and urgency"))] + list(Priority.choices),
        label=gettext_lazy("priority"),
        required=False,
    )
    priority_reason = forms.CharField(
        label=gettext_lazy("reason for the priority"), max_length=200, required=False
    )
    channel = forms.ChoiceField(
        choices=Channel.choices, label=gettext_lazy("channel"), initial=Channel.PHONE
    )
    location = forms.CharField(label=gettext_lazy("location"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("description"), widget=forms.Textarea(attrs={"rows": 3})
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("appointment"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.visible_to(user, "servicedesk.ticket.create").order_by(
            "name"
        )
        self.fields["community"].queryset = communities
        houses = House.objects.visible_to(user, "servicedesk.ticket.create").select_related(
            "building"
        )
        if community_id:
            houses = houses.filter(community_id=community_id)
            self.fields["community"].initial = community_id
        self.fields["house"].queryset = houses.order_by("building__name", "number")
        self.fields["reporter"].queryset = Person.objects.visible_to(user, "core.person.view")


class ReportForm(forms.Form):
    house = forms.ModelChoiceField(
        House.objects.none(),
        label=gettext_lazy("Where"),
        required=False,
        empty_label=gettext_lazy("Common area of my community"),
    )
    kind = forms.ChoiceField(choices=Kind.choices, label=gettext_lazy("kind"), initial=Kind.REPAIR)
    category = forms.ChoiceField(choices=Category.choices, label=gettext_lazy("What is it about"))
    urgency = forms.ChoiceField(
        choices=Urgency.choices, label=gettext_lazy("How urgent"), initial=Urgency.NORMAL
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"), widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(
        label=gettext_lazy("Where exactly (for common areas)"), required=False, max_length=200
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("Preferred visit time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    photos = forms.FileField(
        label=gettext_lazy("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = House.objects.filter(
            pk__in=user.resident_house_ids()
        ).select_related("building", "community")
        self.user = user


class ShiftForm(forms.Form):
    """One shift on the roster: a day and a time span (ending at or before the start means the
    next morning, as night shifts do)."""

    community = forms.ModelChoiceField(Community.objects.none(), label=gettext_lazy("community"))
    user = forms.ModelChoiceField(User.objects.none(), label=gettext_lazy("staff"))
    role = forms.ChoiceField(choices=DutyRole.choices, label=gettext_lazy("duty"))
    day = forms.DateField(
        label=pgettext_lazy("shift", "day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start = forms.TimeField(
        label=pgettext_lazy("shift", "starts"),
        initial="08:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=pgettext_lazy("shift", "ends"),
        initial="17:00",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Community.objects.visible_to(user, ROSTER_MANAGE).order_by("name")
        if community_id:
            communities = communities.filter(pk=community_id)
        self.fields["community"].queryset = communities
        self.fields["user"].queryset = selectors.staff_in_scope(user, ROSTER_MANAGE).order_by(
            "first_name", "username"
        )
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username

    def times(self):
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        starts = timezone.make_aware(datetime.combine(data["day"], data["start"]), tz)
        end_day = data["day"] + timedelta(days=1 if data["end"] <= data["start"] else 0)
        ends = timezone.make_aware(datetime.combine(end_day, data["end"]), tz)
        return starts, ends
