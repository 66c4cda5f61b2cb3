"""IoT API: the gateways' batch ingest, devices with their readings, alarm rules and alarms."""

from datetime import timedelta

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from anju.core.api import query
from anju.core.api.authentication import GatewayAuthentication
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.models import Building, Community

from . import selectors, services
from .models import Alarm, AlarmRule, Device, Gateway, Reading


class DeviceSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "iot.device.manage", label=_("community"))
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    online = serializers.SerializerMethodField()

    class Meta:
        model = Device
        fields = [
            "id",
            "community",
            "building",
            "code",
            "name",
            "kind",
            "place",
            "active",
            "last_seen_at",
            "last_values",
            "online",
            "created_at",
        ]
        read_only_fields = ["active", "last_seen_at", "last_values", "created_at"]

    def get_online(self, obj) -> bool:
        return selectors.is_online(obj)


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = ["metric", "value", "at"]


class DeviceViewSet(ScopedModelViewSet):
    """物联网设备: meters and sensors of a community, their last values and readings."""

    queryset = Device.objects.select_related("community", "building")
    serializer_class = DeviceSerializer
    permission_prefix = "iot.device"
    create_permission = "iot.device.manage"
    filterset_fields = ["community", "kind", "building", "active"]
    search_fields = ["code", "name", "place"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.register_device(actor=self.request.user, **data)

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str),
            OpenApiParameter("hours", int, description="how far back (default 24, at most 720)"),
        ],
        responses=ReadingSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def readings(self, request, pk=None):
        """The device's readings, newest first (at most 2,000)."""
        device = self.get_object()
        hours = query.integer(request.query_params, "hours", 24, minimum=1, maximum=720)
        rows = selectors.readings_of(
            device,
            timezone.now() - timedelta(hours=hours),
            metric=request.query_params.get("metric"),
        )
        return Response(ReadingSerializer(rows[:2000], many=True).data)


class RuleSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "iot.device.manage", label=_("community"))

    class Meta:
        model = AlarmRule
        fields = [
            "id",
            "community",
            "device_kind",
            "metric",
            "operator",
            "threshold",
            "category",
            "priority",
            "message",
            "active",
        ]
        read_only_fields = ["active"]


class RuleViewSet(ScopedModelViewSet):
    queryset = AlarmRule.objects.all()
    serializer_class = RuleSerializer
    permission_prefix = "iot.device"
    create_permission = "iot.device.manage"
    filterset_fields = ["community", "device_kind"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.save_rule(actor=self.request.user, **data)


class AlarmSerializer(serializers.ModelSerializer):
    device_code = serializers.CharField(source="device.code", read_only=True)
    device_name = serializers.CharField(source="device.name", read_only=True)
    ticket_number = serializers.SerializerMethodField()

    class Meta:
        model = Alarm
        fields = [
            "id",
            "community",
            "device",
            "device_code",
            "device_name",
            "kind",
            "metric",
            "value",
            "message",
            "status",
            "raised_at",
            "cleared_at",
            "ticket",
            "ticket_number",
        ]
        read_only_fields = fields  # read through a read-only viewset

    def get_ticket_number(self, obj) -> str:
        return obj.ticket.number if obj.ticket_id else ""


class AlarmViewSet(ScopedReadOnlyViewSet):
    """Alarms: each raised a ticket; a threshold alarm clears when the value is normal again."""

    queryset = Alarm.objects.select_related("device", "ticket")
    serializer_class = AlarmSerializer
    permission_prefix = "iot.alarm"
    filterset_fields = ["community", "device", "status", "kind"]


class IngestSerializer(serializers.Serializer):
    readings = serializers.ListField(child=serializers.DictField(), allow_empty=False)


@extend_schema(request=IngestSerializer, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
@authentication_classes([GatewayAuthentication])
@permission_classes([AllowAny])
@throttle_classes([])
def ingest(request):
    """POST /api/v1/iot/ingest/ ``{"readings": [{"device", "metric", "value", "at"}]}`` from a
    gateway: all stored or, naming each bad row, none."""
    gateway = request.auth
    if not isinstance(gateway, Gateway):
        raise NotAuthenticated(_("Send the gateway key as: Authorization: Gateway <key>."))
    body = IngestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = services.ingest(gateway.community, body.validated_data["readings"])
    Gateway.objects.filter(pk=gateway.pk).update(last_seen_at=timezone.now())
    return Response(result)


urlpatterns = [path("iot/ingest/", ingest, name="iot-ingest")]


def register(router):
    router.register("iot/devices", DeviceViewSet, basename="iot-device")
    router.register("iot/rules", RuleViewSet, basename="iot-rule")
    router.register("iot/alarms", AlarmViewSet, basename="iot-alarm")
