"""Console forms of green living; each hands its data to a service."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.console import ScopedForm
from anju.core.models import Building, Community, House

from .choices import Grade
from .models import CollectionPoint

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


class PointForm(ScopedForm):
    scoped_fields = {
        "community": (Community, "green.point.manage"),
        "building": (Building, "core.building.view"),
    }
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    building = forms.ModelChoiceField(
        Building.objects.none(),
        label=_("building"),
        required=False,
        help_text=_("Empty for a point serving the whole community."),
    )
    name = forms.CharField(label=_("name"), max_length=100)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    schedule = forms.CharField(
        label=_("drop-off times"),
        max_length=200,
        required=False,
        help_text=_("e.g. 7:00–9:00, 18:00–20:00 (定时定点)"),
    )


class LogForm(ScopedForm):
    scoped_fields = {"point": (CollectionPoint, "green.log.create")}
    point = forms.ModelChoiceField(
        CollectionPoint.objects.none(), label=pgettext_lazy("waste", "point")
    )
    category = forms.ChoiceField(label=_("category"), choices=())
    weight_kg = forms.DecimalField(
        label=_("weight (kg)"), min_value=0, max_digits=9, decimal_places=2
    )
    at = forms.DateTimeField(label=_("collected at"), widget=DATETIME, required=False)
    hauler = forms.CharField(label=_("hauler"), max_length=100, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = self.fields["point"].queryset.filter(active=True)
        self.fields["category"].choices = list(categories)


class InspectionForm(ScopedForm):
    scoped_fields = {
        "point": (CollectionPoint, "green.inspection.create"),
        "house": (House, "core.house.view"),
    }
    point = forms.ModelChoiceField(
        CollectionPoint.objects.none(), label=pgettext_lazy("waste", "point")
    )
    grade = forms.ChoiceField(label=_("grade"), choices=Grade.choices, widget=forms.RadioSelect)
    house = forms.ModelChoiceField(
        House.objects.none(),
        label=_("household"),
        required=False,
        help_text=_("The household whose bags you looked at; a correct one earns green points."),
    )
    note = forms.CharField(
        label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("photos"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = self.fields["point"].queryset.filter(active=True)
        self.fields["house"].queryset = self.fields["house"].queryset.select_related("building")
        self.fields["house"].label_from_instance = lambda h: h.label


class PointsForm(forms.Form):
    """Spend (goods, a service) or award by hand at the service centre."""

    direction = forms.ChoiceField(
        label=_("what"),
        choices=[("spend", _("Spend points")), ("award", _("Award points"))],
        widget=forms.RadioSelect,
        initial="spend",
    )
    points = forms.IntegerField(label=_("points"), min_value=1)
    reason = forms.CharField(
        label=_("reason"), max_length=200, help_text=_("e.g. exchanged for a bag of rice")
    )


class PlanForm(forms.Form):
    theme = forms.CharField(label=_("theme"), max_length=200)
    items = forms.CharField(
        label=_("items and places"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: item @ place, e.g. 红灯笼 20 只 @ 南门"),
    )
    budget = forms.DecimalField(
        label=_("budget (¥)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    done_by = forms.CharField(
        label=_("done by"),
        max_length=100,
        required=False,
        help_text=_("A team or a supplier, e.g. 环境部 or 杭州某花艺公司"),
    )


class FinishForm(forms.Form):
    actual_cost = forms.DecimalField(
        label=_("actual cost (¥)"), min_value=0, max_digits=12, decimal_places=2
    )
    done_on = forms.DateField(label=_("done on"), widget=DATE, required=False)


class PlanPhotosForm(forms.Form):
    when = forms.ChoiceField(
        label=_("photos from"),
        choices=[("before", _("before")), ("after", _("after"))],
        widget=forms.RadioSelect,
        initial="before",
    )
    photos = PhotosField(label=_("photos"))
