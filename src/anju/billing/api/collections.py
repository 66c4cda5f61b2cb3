"""Billing REST API, continued: meter readings, collection actions and the reports."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from anju.core import policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet
from anju.core.errors import DomainError
from anju.core.models import Community, House

from .. import pdf, reports, services
from ..choices import MeterKind, ReadingSource
from ..models import (
    Bill,
    CollectionAction,
    MeterReading,
)
from . import MONEY, ServiceCreateMixin

# --- meter readings ------------------------------------------------------------------------------


class MeterReadingSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    kind = serializers.ChoiceField(choices=MeterKind.choices, write_only=True, label=_("kind"))
    meter_kind = serializers.CharField(source="meter.kind", read_only=True)
    start_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, write_only=True
    )

    class Meta:
        model = MeterReading
        fields = [
            "id",
            "house",
            "kind",
            "meter_kind",
            "read_on",
            "value",
            "previous_value",
            "usage",
            "replaced",
            "start_value",
            "status",
            "flag_reason",
            "source",
            "created_at",
        ]
        read_only_fields = ["previous_value", "usage", "status", "flag_reason", "source"]


class MeterReadingViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = MeterReading.objects.select_related("meter", "house")
    serializer_class = MeterReadingSerializer
    permission_prefix = "billing.meter"
    filterset_fields = ["house", "status", "community", "read_on"]
    http_method_names = ["get", "post", "head", "options"]
    action_permissions = {"confirm": "billing.meter.change", "import_xlsx": "billing.meter.change"}

    @property
    def view_permission(self):
        return "billing.meter.change"

    def create_object(self, data):
        return services.enter_reading(
            actor=self.request.user,
            house=data["house"],
            kind=data["kind"],
            read_on=data["read_on"],
            value=data["value"],
            replaced=data.get("replaced", False),
            start_value=data.get("start_value"),
            source=ReadingSource.API,
        )

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return Response(
            self.get_serializer(
                services.confirm_reading(actor=request.user, reading=self.get_object())
            ).data
        )

    @action(detail=False, methods=["post"], url_path="import")
    def import_xlsx(self, request):
        community = get_object_or_404(
            Community.objects.visible_to(request.user, "billing.meter.change"),
            pk=request.data.get("community") or 0,
        )
        self.check_scope("billing.meter.change", community.pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(
                _("Choose an .xlsx file."), fields={"file": [_("Choose an .xlsx file.")]}
            )
        created, errors = services.import_readings(
            actor=request.user, community=community, fileobj=upload
        )
        return Response(
            {"created": created, "errors": [{"row": r, "message": m} for r, m in errors]}
        )


# --- collections ---------------------------------------------------------------------------------


class CollectionActionSerializer(serializers.ModelSerializer):
    house = ScopedRelatedField(House, "core.house.view", label=_("house"))
    kind = serializers.CharField(max_length=40, label=_("kind"))
    amount = serializers.DecimalField(**MONEY, read_only=True)
    deadline = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = CollectionAction
        fields = [
            "id",
            "number",
            "house",
            "kind",
            "status",
            "amount",
            "deadline",
            "note",
            "plan",
            "delivered_at",
            "delivery_method",
            "delivery_proof",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "delivered_at",
            "delivery_method",
            "delivery_proof",
            "created_by",
        ]

    def validate_kind(self, value):
        services.refuse_unlawful(value)
        return value


class DeliverySerializer(serializers.Serializer):
    delivered_at = serializers.DateTimeField(required=False)
    delivery_method = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    delivery_proof = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class CollectionActionViewSet(ServiceCreateMixin, ScopedModelViewSet):
    queryset = CollectionAction.objects.select_related("house")
    serializer_class = CollectionActionSerializer
    permission_prefix = "billing.collection"
    filterset_fields = ["house", "kind", "status", "community"]
    action_permissions = {
        "create": "billing.collection.act",
        "deliver": "billing.collection.act",
        "close": "billing.collection.act",
        "case_packet": "billing.collection.view",
    }
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.create_collection_action(
            actor=self.request.user,
            house=data["house"],
            kind=data["kind"],
            note=data.get("note", ""),
            deadline=data.get("deadline"),
            plan=data.get("plan"),
        )

    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        s = DeliverySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        obj = services.deliver_collection_action(
            actor=request.user,
            action=self.get_object(),
            delivered_at=s.validated_data.get("delivered_at"),
            method=s.validated_data["delivery_method"],
            proof=s.validated_data["delivery_proof"],
        )
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        obj = services.close_collection_action(
            actor=request.user, action=self.get_object(), note=str(request.data.get("note", ""))
        )
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["get"], url_path="case-packet")
    def case_packet(self, request, pk=None):
        obj = self.get_object()
        return pdf.response(pdf.case_packet_pdf(obj.house), f"case-{obj.house_id}")


# --- reports -------------------------------------------------------------------------------------


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def billing_report(request, kind):
    """arrears (aging), rates (当期收缴率/清欠率), summary (应收/实收/欠费) by group."""
    if not policy.staff_has(request.user, "billing.report.view"):
        return Response(
            {
                "error": {
                    "code": "permission_denied",
                    "message": str(_("Not allowed.")),
                    "fields": {},
                }
            },
            status=403,
        )
    bills = Bill.objects.visible_to(request.user, "billing.report.view")
    community = query.identifier(request.query_params, "community")
    if community:
        bills = bills.filter(community_id=community)
    group = request.query_params.get("group") or None
    if kind == "arrears":
        if group == "item":
            return Response({"rows": reports.arrears_by_item(bills)})
        if group not in (None, "community", "building", "period"):
            raise DomainError(
                _("Group by community, building, item or period."), fields={"group": ["?"]}
            )
        return Response(reports.arrears_aging(bills, group=group))
    if kind == "rates":
        period = request.query_params.get("period") or f"{timezone.localdate():%Y-%m}"
        return Response(reports.collection_rates(bills, period))
    if kind == "summary":
        if (group or "period") not in ("community", "building", "item", "period"):
            raise DomainError(
                _("Group by community, building, item or period."), fields={"group": ["?"]}
            )
        return Response({"rows": reports.receivable_received(bills, group or "period")})
    return Response(
        {"error": {"code": "not_found", "message": "unknown report", "fields": {}}}, status=404
    )
