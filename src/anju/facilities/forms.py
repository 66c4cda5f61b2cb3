"""Console forms; each hands its cleaned data to a service."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.console import ScopedForm
from anju.core.models import Building, Community

from .choices import (
    AssetCategory,
    AssetStatus,
    CertificateKind,
    DrillKind,
    Frequency,
    HazardCategory,
    IncidentKind,
    IncidentStep,
    MaintenanceKind,
    Severity,
)
from .models import Asset, PatrolRoute

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


def staff_choices(user):
    """Active staff logins of the companies the user manages (the service checks each duty)."""
    org_ids = [m.organization_id for m in user.active_memberships()]
    return (
        User.objects.filter(
            memberships__organization_id__in=org_ids, memberships__active=True, is_active=True
        )
        .distinct()
        .order_by("username")
    )


class StaffForm(ScopedForm):
    staff_fields: tuple = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        for name in self.staff_fields:
            self.fields[name].queryset = staff_choices(user)
            self.fields[name].label_from_instance = lambda u: u.get_full_name() or u.username


class AssetForm(ScopedForm):
    scoped_fields = {
        "community": (Community, "facilities.asset.manage"),
        "building": (Building, "core.building.view"),
    }
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    name = forms.CharField(label=_("name"), max_length=200)
    category = forms.ChoiceField(label=_("category"), choices=AssetCategory.choices)
    code = forms.CharField(
        label=_("asset code"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )
    building = forms.ModelChoiceField(Building.objects.none(), label=_("building"), required=False)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    maker = forms.CharField(label=_("maker"), max_length=200, required=False)
    model_number = forms.CharField(label=_("model"), max_length=100, required=False)
    serial_number = forms.CharField(label=_("serial number"), max_length=100, required=False)
    installed_on = forms.DateField(label=_("installed on"), required=False, widget=DATE)
    warranty_until = forms.DateField(label=_("warranty until"), required=False, widget=DATE)
    contractor = forms.CharField(label=_("maintenance contractor"), max_length=200, required=False)
    contractor_phone = forms.CharField(label=_("contractor phone"), max_length=30, required=False)
    expected_life_years = forms.IntegerField(
        label=_("expected life (years)"), min_value=1, max_value=100, required=False
    )
    expires_on = forms.DateField(label=_("expires on"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("status"), choices=AssetStatus.choices, initial=AssetStatus.IN_SERVICE
    )
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("certificate number"), max_length=100, required=False)
    authority = forms.CharField(label=_("issued by"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("issued on"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("expires on"), required=False, widget=DATE)


class PlanForm(StaffForm):
    scoped_fields = {
        "community": (Community, "facilities.maintenance.manage"),
        "assets": (Asset, "facilities.asset.view"),
    }
    staff_fields = ("assignee",)
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    name = forms.CharField(label=_("name"), max_length=200)
    category = forms.ChoiceField(label=_("asset category"), choices=AssetCategory.choices)
    kind = forms.ChoiceField(label=_("kind of work"), choices=MaintenanceKind.choices)
    frequency = forms.ChoiceField(label=_("frequency"), choices=Frequency.choices)
    interval = forms.IntegerField(
        label=_("interval"),
        min_value=1,
        initial=1,
        help_text=_("Days for 'every N days'; otherwise every N weeks/months/quarters/years."),
    )
    starts_on = forms.DateField(label=_("first due date"), widget=DATE)
    assets = forms.ModelMultipleChoiceField(Asset.objects.none(), label=_("assets"), required=False)
    checklist = forms.CharField(
        label=_("checklist"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One item per line. For a measured value write: label | min | max | unit"),
    )
    assignee = forms.ModelChoiceField(User.objects.none(), label=_("assignee"), required=False)

    def clean_checklist(self):
        items = []
        for i, line in enumerate(self.cleaned_data["checklist"].splitlines(), start=1):
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            item = {"key": f"i{i}", "label": parts[0]}
            if len(parts) > 1:
                item.update(
                    type="number",
                    min=parts[1] or None,
                    max=parts[2] if len(parts) > 2 and parts[2] else None,
                    unit=parts[3] if len(parts) > 3 else "",
                )
            items.append(item)
        return items


class HazardForm(StaffForm):
    scoped_fields = {
        "community": (Community, "facilities.hazard.report"),
        "building": (Building, "core.building.view"),
        "asset": (Asset, "facilities.asset.view"),
    }
    staff_fields = ("responsible",)
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    category = forms.ChoiceField(label=_("category"), choices=HazardCategory.choices)
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    building = forms.ModelChoiceField(Building.objects.none(), label=_("building"), required=False)
    place = forms.CharField(label=_("place"), max_length=200)
    asset = forms.ModelChoiceField(Asset.objects.none(), label=_("asset"), required=False)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.ModelChoiceField(
        User.objects.none(), label=_("responsible"), required=False
    )
    deadline = forms.DateField(
        label=_("rectification deadline"),
        required=False,
        widget=DATE,
        help_text=_("Empty: set from the severity."),
    )
    photos = forms.FileField(label=_("photo"), required=False)


class RectifyForm(forms.Form):
    rectification = forms.CharField(
        label=_("what was done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = forms.FileField(label=_("photo"), required=False)


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Passed")), ("0", _("Not passed: send back"))],
    )
    note = forms.CharField(label=_("note"), required=False)


class IncidentForm(ScopedForm):
    scoped_fields = {"community": (Community, "facilities.incident.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    kind = forms.ChoiceField(label=_("kind"), choices=IncidentKind.choices)
    occurred_at = forms.DateTimeField(label=_("occurred at"), widget=DATETIME)
    place = forms.CharField(label=_("place"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))


class IncidentStepForm(forms.Form):
    step = forms.ChoiceField(label=_("step"), choices=IncidentStep.choices)
    at = forms.DateTimeField(label=_("time"), widget=DATETIME, required=False)
    authority = forms.CharField(label=_("authority"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("evidence"), required=False)


class DrillForm(ScopedForm):
    scoped_fields = {"community": (Community, "facilities.drill.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    kind = forms.ChoiceField(label=_("kind"), choices=DrillKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    planned_at = forms.DateTimeField(label=_("planned for"), widget=DATETIME)
    place = forms.CharField(label=_("place"), max_length=200, required=False)


class DrillRecordForm(forms.Form):
    held_at = forms.DateTimeField(label=_("held at"), widget=DATETIME, required=False)
    attendees = forms.CharField(
        label=pgettext_lazy("drill", "attendees"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line."),
    )
    summary = forms.CharField(
        label=_("summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    follow_ups = forms.CharField(
        label=_("follow-ups"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line."),
    )
    photo = forms.FileField(label=_("photo"), required=False)


class ShiftForm(StaffForm):
    scoped_fields = {"route": (PatrolRoute, "facilities.patrol.manage")}
    staff_fields = ("guard",)
    route = forms.ModelChoiceField(PatrolRoute.objects.none(), label=_("route"))
    guard = forms.ModelChoiceField(User.objects.none(), label=_("guard"))
    name = forms.CharField(label=_("shift"), max_length=50, required=False)
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME)
