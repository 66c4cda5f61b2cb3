"""API of green living (thin over ``services`` and ``selectors``):

- ``/api/v1/waste-points/``: collection points with the jurisdiction's categories;
- ``POST /api/v1/waste-logs/`` {"point", "category", "weight_kg", "at"};
- ``POST /api/v1/waste-inspections/`` {"point", "grade", "note"} (+ "house", "photos");
- ``GET /api/v1/waste-report/?community=&month=`` (``&export=xlsx`` for the workbook);
- ``/api/v1/waste-pickups/`` with ``confirm``, ``collect``, ``cancel``;
- ``GET /api/v1/points/?house=`` (entries are written only by services) and
  ``/api/v1/points-accounts/``;
- ``/api/v1/decoration-plans/`` with ``finish``, ``cancel``, ``photos``, ``rate``.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import attachments as core_attachments
from anju.core import policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.errors import refuse
from anju.core.excel import xlsx_response
from anju.core.models import Building, Community, House

from . import report, selectors, services
from .choices import Grade, PickupKind
from .models import (
    CollectionLog,
    CollectionPoint,
    DecorationPlan,
    Inspection,
    Pickup,
    PointsAccount,
    PointsEntry,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
READ_AND_CREATE = ["get", "post", "head", "options"]


class PointScoped:
    """A new row lives in its point's (or plan's, or house's) community."""

    def target_scope(self, data):
        for key in ("point", "plan"):
            obj = data.get(key)
            if obj is not None:
                return obj.community_id, obj.organization_id
        return super().target_scope(data)


# Points, logs, inspections -------------------------------------------------------------------


class WastePointSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "green.point.manage", label=_("community"))
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    responsible = StaffField(
        "green.point.manage", required=False, allow_null=True, label=_("person responsible")
    )
    categories = serializers.SerializerMethodField()

    class Meta:
        model = CollectionPoint
        fields = [
            "id",
            "community",
            "building",
            "name",
            "place",
            "schedule",
            "responsible",
            "active",
            "categories",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_categories(self, obj) -> list[dict]:
        cache = self.context.setdefault("_rules", {})
        if obj.community_id not in cache:
            cache[obj.community_id] = selectors.rules_for(obj.community)
        rules = cache[obj.community_id]
        return [{"code": c, "name": n} for c, n in rules.labels()] if rules else []


class WastePointViewSet(ScopedModelViewSet):
    """投放点: a building's or the community's collection points, with the categories and names
    of the community's jurisdiction (北京 厨余垃圾…, 上海 湿垃圾…, national GB/T 19095-2019)."""

    queryset = CollectionPoint.objects.select_related("community", "building")
    serializer_class = WastePointSerializer
    permission_prefix = "green.point"
    action_permissions = {
        "create": "green.point.manage",
        "update": "green.point.manage",
        "partial_update": "green.point.manage",
    }
    http_method_names = NO_DELETE
    filterset_fields = ["community", "building", "active"]
    search_fields = ["name"]

    def create_object(self, data):
        return services.save_point(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.save_point(
            actor=self.request.user, point=serializer.instance, **data
        )


class WasteLogSerializer(serializers.ModelSerializer):
    point = ScopedRelatedField(
        CollectionPoint, "green.log.create", label=pgettext_lazy("waste", "point")
    )
    category = serializers.CharField(max_length=20, label=_("category"))
    weight_kg = serializers.DecimalField(
        max_digits=12, decimal_places=3, label=_("weight (kg)"), coerce_to_string=True
    )
    at = serializers.DateTimeField(required=False, label=_("collected at"))
    category_name = serializers.SerializerMethodField()

    class Meta:
        model = CollectionLog
        fields = [
            "id",
            "point",
            "building",
            "category",
            "category_name",
            "weight_kg",
            "at",
            "collector",
            "hauler",
            "created_at",
        ]
        read_only_fields = ["building", "collector", "created_at"]

    def get_category_name(self, obj) -> str:
        cache = self.context.setdefault("_rules", {})
        if obj.community_id not in cache:
            cache[obj.community_id] = selectors.rules_for(obj.point.community)
        rules = cache[obj.community_id]
        return rules.label(obj.category) if rules else obj.category


class WasteLogViewSet(PointScoped, ScopedModelViewSet):
    """收运记录: a category's weight taken from a point (the category one of the jurisdiction's,
    by code or by its local name). Posted logs are not changed."""

    queryset = CollectionLog.objects.select_related("point__community")
    serializer_class = WasteLogSerializer
    permission_prefix = "green.log"
    action_permissions = {"create": "green.log.create"}
    http_method_names = READ_AND_CREATE
    filterset_fields = {
        "community": ["exact"],
        "point": ["exact"],
        "building": ["exact"],
        "category": ["exact"],
        "at": ["gte", "lt"],
    }

    def create_object(self, data):
        return services.record_log(actor=self.request.user, **data)


class WasteInspectionSerializer(serializers.ModelSerializer):
    point = ScopedRelatedField(
        CollectionPoint, "green.inspection.create", label=pgettext_lazy("waste", "point")
    )
    house = ScopedRelatedField(
        House, "core.house.view", required=False, allow_null=True, label=_("household")
    )
    grade = serializers.ChoiceField(choices=Grade.choices, label=_("grade"))
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, write_only=True, label=_("photos")
    )
    photo_ids = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "point",
            "building",
            "house",
            "grade",
            "note",
            "inspector",
            "at",
            "photos",
            "photo_ids",
        ]
        read_only_fields = ["building", "inspector", "at"]

    def get_photo_ids(self, obj) -> list[int]:
        return [a.pk for a in core_attachments.of(obj)]


class WasteInspectionViewSet(PointScoped, ScopedModelViewSet):
    """分类投放检查 by the person responsible, with a grade and photos (multipart ``photos``);
    a household found correctly sorted earns green points."""

    queryset = Inspection.objects.select_related("point").prefetch_related("attachments")
    serializer_class = WasteInspectionSerializer
    permission_prefix = "green.inspection"
    action_permissions = {"create": "green.inspection.create"}
    http_method_names = READ_AND_CREATE
    filterset_fields = {
        "community": ["exact"],
        "point": ["exact"],
        "building": ["exact"],
        "house": ["exact"],
        "grade": ["exact"],
        "at": ["gte", "lt"],
    }

    def create_object(self, data):
        photos = data.pop("photos", None) or self.request.FILES.getlist("photos")
        return services.record_inspection(actor=self.request.user, photos=photos, **data)


# The monthly report -------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("community", int, required=True),
        OpenApiParameter("month", str, required=True, description="YYYY-MM"),
        OpenApiParameter("export", str, required=False, description="xlsx"),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def waste_report(request):
    """街道月报: per category weights (the jurisdiction's names), inspections by grade, the
    correct sorting rate overall and per building, pickups collected."""
    if not policy.user_has(request.user, "green.report.view"):
        raise PermissionDenied()
    community_id = query.identifier(request.query_params, "community")
    if community_id is None:
        refuse("community", _("Choose a community."))
    community = get_object_or_404(
        Community.objects.visible_to(request.user, "green.report.view"), pk=community_id
    )
    first = selectors.parse_month(request.query_params.get("month"))
    found = selectors.monthly_report(community, first)
    if request.query_params.get("export") == "xlsx":
        if not policy.user_has(request.user, "core.export.run"):
            raise PermissionDenied()
        return xlsx_response(report.workbook(found), report.filename(found))
    return Response(found.as_dict())


# Pickups ------------------------------------------------------------------------------------


class WastePickupSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "green.pickup.view", label=_("house"))
    kind = serializers.ChoiceField(choices=PickupKind.choices, label=_("kind"))

    class Meta:
        model = Pickup
        fields = [
            "id",
            "house",
            "kind",
            "items",
            "wanted_on",
            "confirmed_for",
            "status",
            "staff_note",
            "collected_at",
            "created_at",
        ]
        read_only_fields = ["confirmed_for", "status", "staff_note", "collected_at", "created_at"]


class ConfirmSerializer(serializers.Serializer):
    at = serializers.DateTimeField(label=_("pickup time"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class WastePickupViewSet(ScopedModelViewSet):
    """大件/装修垃圾预约: residents book; staff confirm a time and collect."""

    queryset = Pickup.objects.select_related("house")
    serializer_class = WastePickupSerializer
    permission_prefix = "green.pickup"
    action_permissions = {
        "create": "green.pickup.create",
        "confirm": "green.pickup.manage",
        "collect": "green.pickup.manage",
        "cancel": "green.pickup.view",
    }
    http_method_names = READ_AND_CREATE
    filterset_fields = ["community", "house", "status", "kind"]

    def required_permission(self):
        # Staff book on a resident's behalf with the manage permission.
        if self.action == "create" and getattr(self.request.user, "is_staff_member", False):
            return "green.pickup.manage"
        return super().required_permission()

    def create_object(self, data):
        return services.book_pickup(actor=self.request.user, **data)

    def _answer(self, pickup):
        return Response(self.get_serializer(pickup).data)

    @extend_schema(request=ConfirmSerializer, responses=WastePickupSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.confirm_pickup(
                actor=request.user, pickup=self.get_object(), **body.validated_data
            )
        )

    @extend_schema(request=None, responses=WastePickupSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        return self._answer(services.collect_pickup(actor=request.user, pickup=self.get_object()))

    @extend_schema(request=CancelSerializer, responses=WastePickupSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            services.cancel_pickup(
                actor=request.user, pickup=self.get_object(), **body.validated_data
            )
        )


# Green points (read only: entries are written by services) ----------------------------------


class PointsEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "house",
            "kind",
            "points",
            "balance_after",
            "reason",
            "source",
            "expires_on",
            "at",
        ]
        read_only_fields = fields


class PointsEntryViewSet(ScopedReadOnlyViewSet):
    """积分明细: a household's ledger, newest first (``?house=``). No POST: points are earned
    and spent through the services of the apps that cause them."""

    queryset = PointsEntry.objects.all()
    serializer_class = PointsEntrySerializer
    permission_prefix = "green.points"
    filterset_fields = ["community", "house", "kind"]


class PointsAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsAccount
        fields = ["id", "house", "balance", "updated_at"]
        read_only_fields = fields


class PointsAccountViewSet(ScopedReadOnlyViewSet):
    """积分余额: each household's balance."""

    queryset = PointsAccount.objects.all()
    serializer_class = PointsAccountSerializer
    permission_prefix = "green.points"
    filterset_fields = ["community", "house"]


# Decoration plans ---------------------------------------------------------------------------


class ItemSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    place = serializers.CharField(max_length=100, required=False, allow_blank=True)


class DecorationPlanSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "green.decoration.manage", label=_("community"))
    items = ItemSerializer(many=True, required=False)
    rating = serializers.SerializerMethodField()
    ratings_count = serializers.SerializerMethodField()

    class Meta:
        model = DecorationPlan
        fields = [
            "id",
            "community",
            "occasion_key",
            "occasion",
            "occasion_date",
            "theme",
            "items",
            "budget",
            "actual_cost",
            "done_by",
            "status",
            "done_on",
            "rating",
            "ratings_count",
        ]
        read_only_fields = ["occasion_key", "actual_cost", "status", "done_on"]

    def get_rating(self, obj) -> str | None:
        value = getattr(obj, "rating", None)
        return f"{value:.1f}" if value is not None else None

    def get_ratings_count(self, obj) -> int:
        return getattr(obj, "ratings_count", 0) or 0


class FinishSerializer(serializers.Serializer):
    actual_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
    done_on = serializers.DateField(required=False)


class PhotosSerializer(serializers.Serializer):
    when = serializers.ChoiceField(choices=[("before", _("before")), ("after", _("after"))])
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class RateSerializer(serializers.Serializer):
    house = ScopedRelatedField(House, "green.decoration.rate", label=_("household"))
    stars = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DecorationPlanViewSet(ScopedModelViewSet):
    """节日布置: each community's plan per holiday or season (proposed by the calendar of the
    warm reminders), its budget and actual cost, photos before and after, residents' ratings."""

    queryset = DecorationPlan.objects.select_related("community")
    serializer_class = DecorationPlanSerializer
    permission_prefix = "green.decoration"
    action_permissions = {
        "create": "green.decoration.manage",
        "update": "green.decoration.manage",
        "partial_update": "green.decoration.manage",
        "finish": "green.decoration.manage",
        "cancel": "green.decoration.manage",
        "photos": "green.decoration.manage",
        "rate": "green.decoration.rate",
    }
    http_method_names = NO_DELETE
    filterset_fields = ["community", "status", "occasion_date"]

    def get_queryset(self):
        from django.db.models import Avg, Count

        return (
            super()
            .get_queryset()
            .annotate(rating=Avg("ratings__stars"), ratings_count=Count("ratings"))
            .order_by("-occasion_date", "community_id", "pk")
        )

    def create_object(self, data):
        return services.create_plan(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        values = {k: data[k] for k in services.PLAN_FIELDS if k in data}
        serializer.instance = services.save_plan(
            actor=self.request.user, plan=serializer.instance, **values
        )

    def _answer(self, plan):
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=FinishSerializer, responses=DecorationPlanSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        body = FinishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.finish_plan(
            actor=request.user, plan=self.get_object(), **body.validated_data
        )
        return self._answer(plan)

    @extend_schema(request=None, responses=DecorationPlanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(services.cancel_plan(actor=request.user, plan=self.get_object()))

    @extend_schema(request=PhotosSerializer, responses=DecorationPlanSerializer)
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        body = PhotosSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = self.get_object()
        services.add_photos(
            actor=request.user,
            plan=plan,
            photos=body.validated_data.get("photos") or request.FILES.getlist("photos"),
            when=body.validated_data["when"],
        )
        return self._answer(plan)

    @extend_schema(request=RateSerializer, responses=DecorationPlanSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        body = RateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        plan = self.get_object()
        services.rate_plan(actor=request.user, plan=plan, **body.validated_data)
        return self._answer(plan)


def register(router):
    router.register("waste-points", WastePointViewSet, basename="waste-point")
    router.register("waste-logs", WasteLogViewSet, basename="waste-log")
    router.register("waste-inspections", WasteInspectionViewSet, basename="waste-inspection")
    router.register("waste-pickups", WastePickupViewSet, basename="waste-pickup")
    router.register("points", PointsEntryViewSet, basename="points-entry")
    router.register("points-accounts", PointsAccountViewSet, basename="points-account")
    router.register("decoration-plans", DecorationPlanViewSet, basename="decoration-plan")


urlpatterns = [path("waste-report/", waste_report, name="api-waste-report")]
