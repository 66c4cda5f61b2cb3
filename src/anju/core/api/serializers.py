from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import policy
from ..crypto import mask_middle
from ..models import (
    AuditEntry,
    Building,
    Community,
    Entrance,
    House,
    Membership,
    Occupancy,
    Organization,
    Person,
    User,
)
from ..selectors import users_visible_to
from .fields import ScopedRelatedField


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "credit_code", "phone", "address", "created_at"]


class CommunitySerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(Organization, "core.organization.view", label=_("company"))

    class Meta:
        model = Community
        fields = [
            "id",
            "organization",
            "name",
            "address",
            "jurisdiction",
            "service_level",
            "service_phone",
            "developer",
            "created_at",
        ]


class BuildingSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))

    class Meta:
        model = Building
        fields = ["id", "community", "name", "floors", "created_at"]


class EntranceSerializer(serializers.ModelSerializer):
    building = ScopedRelatedField(Building, "core.building.view", label=_("building"))

    class Meta:
        model = Entrance
        fields = ["id", "community", "building", "name"]
        read_only_fields = ["community"]


class HouseSerializer(serializers.ModelSerializer):
    building = ScopedRelatedField(Building, "core.building.view", label=_("building"))
    entrance = ScopedRelatedField(
        Entrance, "core.building.view", required=False, allow_null=True, label=_("entrance")
    )
    area = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), label=_("building area (m²)")
    )
    label = serializers.CharField(read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True)

    class Meta:
        model = House
        fields = [
            "id",
            "community",
            "building",
            "building_name",
            "entrance",
            "number",
            "label",
            "floor",
            "usage",
            "area",
            "area_source",
            "sold",
            "delivered",
            "delivered_on",
            "created_at",
        ]
        read_only_fields = ["community"]
        validators = []  # uniqueness is checked by the service with a clear message


class PersonSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(Organization, "core.organization.view", label=_("company"))
    id_number = serializers.CharField(
        required=False, allow_blank=True, write_only=False, label=_("ID number")
    )

    class Meta:
        model = Person
        fields = ["id", "organization", "name", "phone", "id_number", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        own = user is not None and getattr(user, "person_id", None) == instance.pk
        if not own and not policy.staff_has(
            user, "core.person.view_contact", organization_id=instance.organization_id
        ):
            data["phone"] = mask_middle(data["phone"])
        if not own and not policy.staff_has(
            user, "core.person.view_id", organization_id=instance.organization_id
        ):
            data["id_number"] = mask_middle(data["id_number"])
        return data


class OccupancySerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    person = ScopedRelatedField(Person, "core.person.view", label=_("person"))
    person_name = serializers.CharField(source="person.name", read_only=True)
    house_label = serializers.CharField(source="house.label", read_only=True)

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "community",
            "house",
            "house_label",
            "person",
            "person_name",
            "relation",
            "is_payer",
            "is_representative",
            "since",
            "until",
            "created_at",
        ]
        read_only_fields = ["community"]
        validators = []


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=True, style={"input_type": "password"}
    )
    person = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("person")
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, label=_("phone")
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "phone",
            "email",
            "first_name",
            "person",
            "is_active",
            "date_joined",
        ]
        read_only_fields = ["date_joined"]
        extra_kwargs = {"username": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["password"].required = False
        return fields


def _logins_visible(user, perm):
    return users_visible_to(user)


class MembershipSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(Organization, "core.organization.view", label=_("company"))
    communities = ScopedRelatedField(
        Community, "core.community.view", many=True, required=False, label=_("communities")
    )
    user = ScopedRelatedField(User, "core.user.view", visible=_logins_visible, label=_("user"))

    class Meta:
        model = Membership
        fields = ["id", "user", "organization", "communities", "role", "active", "created_at"]
        validators = []


class AuditEntrySerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True, default="")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "actor_type",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "community",
        ]
        read_only_fields = fields  # read through a read-only viewset
