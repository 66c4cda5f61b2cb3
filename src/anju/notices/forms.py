from django import forms
from django.utils.translation import gettext_lazy as _

from anju.core.choices import Relation, Role
from anju.core.console import ScopedForm
from anju.core.models import Building, Community, Entrance, House, Organization

from .choices import (
    AudienceKind,
    AudienceScope,
    Dimension,
    NoticeKind,
    QuestionKind,
    WeatherCondition,
)

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MANAGE = "notices.notice.manage"


class NoticeForm(ScopedForm):
    scoped_fields = {
        "community": (Community, MANAGE),
        "buildings": (Building, MANAGE),
        "entrances": (Entrance, MANAGE),
        "houses": (House, MANAGE),
    }
    community = forms.ModelChoiceField(
        Community.objects.none(),
        label=_("community"),
        required=False,
        help_text=_("Leave empty only for a notice to the whole company."),
    )
    kind = forms.ChoiceField(label=_("kind"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    body = forms.CharField(label=_("body"), widget=forms.Textarea(attrs={"rows": 8}))
    audience_kind = forms.ChoiceField(label=_("recipients"), choices=AudienceKind.choices)
    audience_scope = forms.ChoiceField(
        label=_("audience"), choices=AudienceScope.choices, initial=AudienceScope.COMMUNITY
    )
    buildings = forms.ModelMultipleChoiceField(
        Building.objects.none(), label=_("buildings"), required=False
    )
    entrances = forms.ModelMultipleChoiceField(
        Entrance.objects.none(), label=_("entrances"), required=False
    )
    houses = forms.ModelMultipleChoiceField(House.objects.none(), label=_("houses"), required=False)
    relations = forms.MultipleChoiceField(
        label=_("resident relations"),
        choices=Relation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every current occupant."),
    )
    staff_roles = forms.MultipleChoiceField(
        label=_("staff roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every staff role."),
    )
    pinned = forms.BooleanField(label=_("pinned"), required=False)
    urgent = forms.BooleanField(label=_("urgent (also by SMS)"), required=False)
    publish_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        widget=DT,
        help_text=_("Leave empty to keep a draft or publish now."),
    )
    expires_at = forms.DateTimeField(label=_("expires at"), required=False, widget=DT)
    attachment = forms.FileField(label=_("attachment"), required=False)

    PICKERS = ("buildings", "entrances", "houses")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["houses"].queryset = self.fields["houses"].queryset.select_related("building")
        self.fields["entrances"].queryset = self.fields["entrances"].queryset.select_related(
            "building"
        )
        # Buildings, entrances and houses of the chosen community only: a company's every house
        # in one list would be tens of thousands of options, and a notice goes to one community.
        community = self.data.get("community") if self.is_bound else self.initial.get("community")
        community = getattr(community, "pk", community)
        for name in self.PICKERS:
            field = self.fields[name]
            field.widget.attrs.update({"data-filter": _("Type to filter, e.g. 3-1"), "size": 10})
            if str(community or "").isdecimal():
                field.queryset = field.queryset.filter(community_id=int(community))
            else:
                field.queryset = field.queryset.none()
                field.help_text = _("Choose the community first.")


class QuarterlySurveyForm(ScopedForm):
    scoped_fields = {"community": (Community, "notices.survey.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    year = forms.IntegerField(label=_("year"), min_value=2020, max_value=2100)
    quarter = forms.IntegerField(label=_("quarter"), min_value=1, max_value=4)
    anonymous = forms.BooleanField(label=_("anonymous"), required=False)


QUESTION_ROWS = 8


class SurveyBuilderForm(ScopedForm):
    """The builder: a title, an audience and up to eight questions (options one per line)."""

    scoped_fields = {"community": (Community, "notices.survey.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    anonymous = forms.BooleanField(label=_("anonymous"), required=False)
    audience = forms.ChoiceField(
        label=_("audience"), choices=[("all", _("All households")), ("sample", _("Random sample"))]
    )
    sample_size = forms.IntegerField(label=_("sample size"), required=False, min_value=1)
    opens_at = forms.DateTimeField(label=_("opens at"), required=False, widget=DT)
    closes_at = forms.DateTimeField(label=_("closes at"), required=False, widget=DT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, QUESTION_ROWS + 1):
            self.fields[f"q{i}_text"] = forms.CharField(
                label=_("Question %(n)s") % {"n": i}, required=False, max_length=300
            )
            self.fields[f"q{i}_kind"] = forms.ChoiceField(
                label=_("kind"), choices=QuestionKind.choices, initial=QuestionKind.RATING
            )
            self.fields[f"q{i}_dimension"] = forms.ChoiceField(
                label=_("service dimension"), choices=Dimension.choices
            )
            self.fields[f"q{i}_options"] = forms.CharField(
                label=_("options (one per line)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def questions(self):
        rows = []
        for i in range(1, QUESTION_ROWS + 1):
            text = self.cleaned_data.get(f"q{i}_text", "").strip()
            if not text:
                continue
            options = [
                o.strip()
                for o in self.cleaned_data.get(f"q{i}_options", "").splitlines()
                if o.strip()
            ]
            rows.append(
                {
                    "text": text,
                    "kind": self.cleaned_data[f"q{i}_kind"],
                    "dimension": self.cleaned_data[f"q{i}_dimension"],
                    "options": options,
                }
            )
        return rows


class MeetingForm(ScopedForm):
    scoped_fields = {"community": (Community, "notices.meeting.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=200)
    held_at = forms.DateTimeField(label=_("time"), widget=DT)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    attendees = forms.CharField(
        label=_("attendees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name, role (e.g. 张三, 3幢业主)."),
    )


class WeatherForm(ScopedForm):
    scoped_fields = {"community": (Community, "notices.reminder.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    max_temp = forms.DecimalField(
        label=_("max temperature (°C)"), required=False, max_digits=4, decimal_places=1
    )
    min_temp = forms.DecimalField(
        label=_("min temperature (°C)"), required=False, max_digits=4, decimal_places=1
    )
    conditions = forms.MultipleChoiceField(
        label=_("conditions"),
        choices=WeatherCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PolicyForm(ScopedForm):
    scoped_fields = {"community": (Community, "notices.reminder.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=200)
    summary = forms.CharField(label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}))
    effective_on = forms.DateField(
        label=_("effective on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class HolidayForm(ScopedForm):
    """A company's own day (its festival, anniversary, local holiday), with days off or not."""

    scoped_fields = {"organization": (Organization, "notices.reminder.manage")}
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("company"))
    name = forms.CharField(label=_("name"), max_length=30)
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    off_from = forms.DateField(
        label=_("first day off"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave both empty for a day without time off."),
    )
    off_until = forms.DateField(
        label=_("last day off"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class WorkingDayForm(forms.Form):
    check = forms.DateField(
        label=_("Is this a working day?"), widget=forms.DateInput(attrs={"type": "date"})
    )
