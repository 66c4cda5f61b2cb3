from decimal import Decimal

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import AreaSource, HouseUsage, Relation, ServiceLevel
from .console import ScopedForm
from .models import COMMUNITY_CODE, Building, Community, Entrance, House, Organization, Person


class CommunityForm(ScopedForm):
    scoped_fields = {"organization": (Organization, "core.community.change")}
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("company"))
    name = forms.CharField(label=_("name"), max_length=200)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    jurisdiction = forms.CharField(label=_("jurisdiction code"), max_length=12, initial="000000")
    service_level = forms.TypedChoiceField(
        label=_("service level"), choices=ServiceLevel.choices, coerce=int, initial=ServiceLevel.ONE
    )
    service_phone = forms.CharField(label=_("24h service phone"), max_length=30, required=False)
    developer = forms.CharField(label=_("developer"), max_length=200, required=False)
    code = forms.CharField(
        label=_("short code"),
        min_length=2,
        max_length=6,
        required=False,
        validators=[COMMUNITY_CODE],
        help_text=_("2 to 6 letters or digits, part of its business numbers; empty: one is given."),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class BuildingForm(ScopedForm):
    scoped_fields = {"community": (Community, "core.building.change")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    name = forms.CharField(label=_("name"), max_length=100)
    floors = forms.IntegerField(
        label=_("floors above ground"), min_value=1, max_value=200, required=False
    )


class HouseForm(ScopedForm):
    scoped_fields = {
        "building": (Building, "core.house.change"),
        "entrance": (Entrance, "core.house.change"),
    }
    building = forms.ModelChoiceField(Building.objects.none(), label=_("building"))
    entrance = forms.ModelChoiceField(Entrance.objects.none(), label=_("entrance"), required=False)
    number = forms.CharField(label=pgettext_lazy("house", "number"), max_length=30)
    floor = forms.IntegerField(label=_("floor"), required=False, min_value=-10, max_value=200)
    usage = forms.ChoiceField(label=pgettext_lazy("house", "usage"), choices=HouseUsage.choices)
    area = forms.DecimalField(
        label=_("building area (m²)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={
            "invalid": _("The area must be a number greater than 0 with at most two decimals."),
            "min_value": _("The area must be a number greater than 0 with at most two decimals."),
            "max_decimal_places": _(
                "The area must be a number greater than 0 with at most two decimals."
            ),
        },
    )
    area_source = forms.ChoiceField(label=_("area source"), choices=AreaSource.choices)
    sold = forms.BooleanField(label=_("sold"), required=False, initial=True)
    delivered = forms.BooleanField(label=_("delivered"), required=False, initial=True)
    delivered_on = forms.DateField(
        label=_("delivered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PersonForm(ScopedForm):
    scoped_fields = {"organization": (Organization, "core.person.change")}
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("company"))
    name = forms.CharField(label=_("name"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)


class OccupancyForm(ScopedForm):
    scoped_fields = {
        "house": (House, "core.occupancy.change"),
        "person": (Person, "core.person.view"),
    }
    house = forms.ModelChoiceField(House.objects.none(), label=_("house"))
    person = forms.ModelChoiceField(Person.objects.none(), label=_("person"))
    relation = forms.ChoiceField(label=_("relation"), choices=Relation.choices)
    is_payer = forms.BooleanField(label=_("pays the fees"), required=False)
    is_representative = forms.BooleanField(label=_("votes for the house"), required=False)
    since = forms.DateField(
        label=_("since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ImportForm(ScopedForm):
    scoped_fields = {"community": (Community, "core.import.run")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class FormRenderer(DjangoTemplates):
    """Django's form templates, with labels written as the rest of the interface writes them
    ("Notes", not "notes:"): capitalised, without a trailing colon. The msgids stay lowercase
    like Django's verbose names, and no form has to remember it (``FORM_RENDERER``)."""

    LABEL = "django/forms/label.html"

    def render(self, template_name, context, request=None):
        if template_name == self.LABEL and context.get("label"):
            label = context["label"]
            trimmed = str(label).rstrip(":：")
            safe = isinstance(label, SafeData)
            context = {**context, "label": mark_safe(trimmed) if safe else trimmed}
            template_name = "anju/forms/label.html"
        return super().render(template_name, context, request)
