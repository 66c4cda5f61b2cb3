"""Core REST endpoints: tenancy, places, people, accounts, audit, import, personal data."""

from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import attachments, comparison, imports, policy, privacy, services
from ..dates import period
from ..models import (
    AuditEntry,
    Building,
    Community,
    Entrance,
    House,
    Occupancy,
    Organization,
    Person,
)
from . import accounts as accounts_api
from . import notifications as notifications_api
from . import query
from . import serializers as s
from . import wechat as wechat_api
from .accounts import (  # noqa: F401 (urls.py imports these from here)
    MembershipViewSet,
    TokenView,
    UserViewSet,
)
from .fields import ScopedRelatedField
from .viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet


class OrganizationViewSet(ScopedModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = s.OrganizationSerializer
    permission_prefix = "core.organization"
    search_fields = ["name"]

    def perform_create(self, serializer):
        if not self.request.user.is_superuser:
            raise PermissionDenied(_("Only the platform administrator can add a company."))
        serializer.instance = services.create_organization(
            **serializer.validated_data,
            actor=self.request.user,
        )


class CommunityViewSet(ScopedModelViewSet):
    queryset = Community.objects.select_related("organization")
    serializer_class = s.CommunitySerializer
    permission_prefix = "core.community"
    filterset_fields = ["organization", "jurisdiction", "service_level"]
    search_fields = ["name", "address"]

    def create_object(self, data):
        return services.create_community(**data, actor=self.request.user)

    def get_queryset(self):
        return super().get_queryset().order_by("organization_id", "name")


class BuildingViewSet(ScopedModelViewSet):
    queryset = Building.objects.all()
    serializer_class = s.BuildingSerializer
    permission_prefix = "core.building"
    filterset_fields = ["community"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.create_building(**data, actor=self.request.user)


class EntranceViewSet(ScopedModelViewSet):
    queryset = Entrance.objects.select_related("building")
    serializer_class = s.EntranceSerializer
    permission_prefix = "core.building"
    filterset_fields = ["community", "building"]

    def create_object(self, data):
        return services.create_entrance(**data, actor=self.request.user)


class HouseViewSet(ScopedModelViewSet):
    queryset = House.objects.select_related("building")
    serializer_class = s.HouseSerializer
    permission_prefix = "core.house"
    filterset_fields = [
        "community",
        "building",
        "entrance",
        "usage",
        "sold",
        "delivered",
        "area_source",
        "floor",
    ]
    search_fields = ["number", "building__name"]
    ordering_fields = ["number", "area", "floor"]

    def create_object(self, data):
        return services.create_house(**data, actor=self.request.user)


class PersonViewSet(ScopedModelViewSet):
    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    permission_prefix = "core.person"
    filterset_fields = ["organization", "phone"]
    search_fields = ["name", "phone"]

    def create_object(self, data):
        return services.create_person(**data, actor=self.request.user)

    def get_queryset(self):
        queryset = super().get_queryset()
        house = query.identifier(self.request.query_params, "house")
        if house:
            queryset = queryset.filter(occupancies__house_id=house).distinct()
        id_number = self.request.query_params.get("id_number")
        if id_number and policy.user_has(self.request.user, "core.person.view_id"):
            from .. import idnumbers
            from ..crypto import blind_index

            queryset = queryset.filter(id_number_index=blind_index(idnumbers.search_key(id_number)))
        return queryset


class OccupancyViewSet(ScopedModelViewSet):
    queryset = Occupancy.objects.select_related("person", "house__building")
    serializer_class = s.OccupancySerializer
    permission_prefix = "core.occupancy"
    filterset_fields = ["community", "house", "person", "relation", "is_payer", "is_representative"]

    def create_object(self, data):
        return services.create_occupancy(**data, actor=self.request.user)

    def get_queryset(self):
        queryset = super().get_queryset()
        if query.flag(self.request.query_params, "active"):
            queryset = queryset.active()
        return queryset


class AuditEntryViewSet(ScopedReadOnlyViewSet):
    queryset = AuditEntry.objects.select_related("content_type")
    serializer_class = s.AuditEntrySerializer
    permission_prefix = "core.audit"
    filterset_fields = ["community", "action", "actor", "object_id", "content_type__model"]


class ImportSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    file = serializers.FileField(label=_("file"))
    confirm = serializers.BooleanField(default=False, label=_("write the valid rows"))
    dry_run = serializers.BooleanField(default=False, label=_("dry run"))


class ImportViewSet(viewsets.GenericViewSet):
    """POST an .xlsx of buildings, houses and residents; a dry run lists every bad row."""

    serializer_class = ImportSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def required_permission(self):
        return "core.import.run"

    @extend_schema(request=ImportSerializer, responses={200: dict})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = serializer.validated_data["community"]
        if not policy.user_has(request.user, "core.import.run", community.pk):
            raise PermissionDenied()
        upload = attachments.check_workbook(serializer.validated_data["file"], field="file")
        if serializer.validated_data["dry_run"]:
            report = imports.parse(community, upload)
        else:
            report = imports.import_workbook(
                community,
                upload,
                write_valid_rows=serializer.validated_data["confirm"],
                actor=request.user,
            )
        return Response(report.as_dict(), status=200 if report.valid or report.written else 400)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    user = request.user
    return Response(
        {
            "id": user.pk,
            "username": user.username,
            "person": user.person_id,
            "roles": [
                {
                    "organization": m.organization_id,
                    "role": m.role,
                    "communities": m.community_ids(),
                }
                for m in user.active_memberships()
            ],
            "houses": user.resident_house_ids(),
            "large_text": user.large_text,
        }
    )


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def my_data(request):
    """PIPL art. 45: a person can obtain a copy of their own personal data."""
    response = JsonResponse(
        privacy.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="anju-my-data.json"'
    return response


@extend_schema(
    parameters=[
        OpenApiParameter("from", str, description="YYYY-MM-DD (default: 29 days before to)"),
        OpenApiParameter("to", str, description="YYYY-MM-DD (default: today)"),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def community_comparison(request):
    """小区对比: every app's measures per community over the period (ratios 0..1, money as
    strings, null where there is nothing to measure)."""
    if not policy.staff_has(request.user, "core.compare.view"):
        raise PermissionDenied()
    start, end = period(request.query_params, strict=True)
    communities, metrics = comparison.compare(request.user, start, end)
    return Response(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "communities": [{"id": c.pk, "name": c.name} for c in communities],
            "metrics": [m.as_json([c.pk for c in communities]) for m in metrics],
        }
    )


urlpatterns = [
    path("community-comparison/", community_comparison, name="api-community-comparison"),
    *accounts_api.urlpatterns,
    *wechat_api.urlpatterns,
    *notifications_api.urlpatterns,
]


def register(router):
    router.register("organizations", OrganizationViewSet, basename="organization")
    router.register("communities", CommunityViewSet, basename="community")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("entrances", EntranceViewSet, basename="entrance")
    router.register("houses", HouseViewSet, basename="house")
    router.register("people", PersonViewSet, basename="person")
    router.register("occupancies", OccupancyViewSet, basename="occupancy")
    router.register("users", UserViewSet, basename="user")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("audit", AuditEntryViewSet, basename="audit")
    notifications_api.register(router)
    router.register("imports", ImportViewSet, basename="import")
