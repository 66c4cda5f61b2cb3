from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anju.core.api.attachments import AttachmentsField
from anju.core.api.errors import RelatedNotFound
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.models import Building, Community

from ..choices import TaskResult
from ..models import (
    Asset,
    Certificate,
    Drill,
    Hazard,
    Incident,
    IncidentRecord,
    InspectionCheckin,
    InspectionPlan,
    InspectionPoint,
    InspectionRoute,
    InspectionTask,
    MaintenancePlan,
    MaintenanceTask,
    PatrolAlert,
    PatrolCheckpoint,
    PatrolRoute,
    PatrolScan,
    PatrolShift,
)

User = get_user_model()


def user_label(user):
    return (user.get_full_name() or user.username) if user else ""


class CertificateSerializer(serializers.ModelSerializer):
    asset = ScopedRelatedField(Asset, "facilities.asset.view", label=_("asset"))
    inspection_request_due = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "community",
            "asset",
            "kind",
            "number",
            "authority",
            "issued_on",
            "expires_on",
            "inspection_request_due",
            "alerted_at",
            "created_at",
        ]
        read_only_fields = ["community", "alerted_at"]


class AssetSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    code = serializers.CharField(
        required=False, allow_blank=True, max_length=40, label=_("asset code")
    )
    replacement_due = serializers.DateField(read_only=True, allow_null=True)
    location = serializers.CharField(read_only=True)
    certificates = serializers.SerializerMethodField()
    label_url = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = [
            "id",
            "community",
            "building",
            "place",
            "location",
            "code",
            "name",
            "category",
            "maker",
            "model_number",
            "serial_number",
            "installed_on",
            "warranty_until",
            "contractor",
            "contractor_phone",
            "status",
            "expected_life_years",
            "replacement_due",
            "expires_on",
            "notes",
            "certificates",
            "label_url",
            "created_at",
        ]
        validators = []

    def get_certificates(self, obj) -> list[dict]:
        return [
            {"id": c.id, "kind": c.kind, "number": c.number, "expires_on": c.expires_on}
            for c in obj.certificates.all()
        ]

    def get_label_url(self, obj) -> str:
        return f"/console/facilities/assets/{obj.pk}/label.svg"


class ChecklistField(serializers.JSONField):
    pass


class MaintenancePlanSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    assets = ScopedRelatedField(
        Asset, "facilities.asset.view", many=True, required=False, label=_("assets")
    )
    assignee = StaffField(required=False, allow_null=True, label=_("assignee"))
    checklist = ChecklistField(required=False, label=_("checklist"))

    class Meta:
        model = MaintenancePlan
        fields = [
            "id",
            "community",
            "name",
            "category",
            "kind",
            "frequency",
            "interval",
            "starts_on",
            "assets",
            "checklist",
            "assignee",
            "active",
            "generated_until",
            "created_at",
        ]
        read_only_fields = ["generated_until"]


class MaintenanceTaskSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    checklist = serializers.JSONField(source="plan.checklist", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    attachments = AttachmentsField()
    # Empty until the task is completed (DRF drops allow_blank from read-only model fields).
    result = serializers.ChoiceField(choices=TaskResult.choices, allow_blank=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = MaintenanceTask
        fields = [
            "id",
            "community",
            "plan",
            "plan_name",
            "asset",
            "asset_code",
            "asset_name",
            "due_on",
            "status",
            "assignee",
            "assignee_name",
            "started_at",
            "completed_at",
            "completed_by",
            "checklist",
            "answers",
            "readings",
            "result",
            "notes",
            "overdue_at",
            "is_overdue",
            "ticket_id",
            "attachments",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str:
        return user_label(obj.assignee)


class CompleteTaskSerializer(serializers.Serializer):
    answers = serializers.JSONField(required=False, label=_("checklist answers"))
    readings = serializers.JSONField(required=False, label=_("readings"))
    notes = serializers.CharField(required=False, allow_blank=True, default="", label=_("notes"))
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, label=_("photos")
    )


class AssignSerializer(serializers.Serializer):
    assignee = StaffField(label=_("assignee"))


class GenerateSerializer(serializers.Serializer):
    until = serializers.DateField(required=False, label=_("until"))


class InspectionPointSerializer(serializers.ModelSerializer):
    route = ScopedRelatedField(InspectionRoute, "facilities.inspection.view", label=_("route"))
    asset = ScopedRelatedField(
        Asset, "facilities.asset.view", required=False, allow_null=True, label=_("asset")
    )
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    qr_text = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPoint
        fields = [
            "id",
            "route",
            "order",
            "name",
            "asset",
            "building",
            "place",
            "checklist",
            "offset_minutes",
            "tolerance_minutes",
            "qr_text",
        ]
        extra_kwargs = {"order": {"required": False}}

    def get_qr_text(self, obj) -> str:
        return f"ANJU-IP:{obj.qr_token}"


class NestedPointSerializer(InspectionPointSerializer):
    class Meta(InspectionPointSerializer.Meta):
        fields = [f for f in InspectionPointSerializer.Meta.fields if f != "route"]


class InspectionRouteSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    points = NestedPointSerializer(many=True, required=False)

    class Meta:
        model = InspectionRoute
        fields = [
            "id",
            "community",
            "name",
            "kind",
            "description",
            "active",
            "points",
            "created_at",
        ]


class InspectionPlanSerializer(serializers.ModelSerializer):
    route = ScopedRelatedField(InspectionRoute, "facilities.inspection.view", label=_("route"))
    assignee = StaffField(required=False, allow_null=True, label=_("assignee"))

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "community",
            "route",
            "shift_name",
            "start_time",
            "duration_minutes",
            "weekdays",
            "assignee",
            "active",
        ]
        read_only_fields = ["community"]


class InspectionCheckinSerializer(serializers.ModelSerializer):
    point_name = serializers.CharField(source="point.name", read_only=True)
    attachments = AttachmentsField()

    class Meta:
        model = InspectionCheckin
        fields = [
            "id",
            "task",
            "point",
            "point_name",
            "by",
            "scanned_at",
            "timing",
            "latitude",
            "longitude",
            "answers",
            "abnormal",
            "note",
            "ticket_id",
            "attachments",
        ]
        read_only_fields = fields


class InspectionTaskSerializer(serializers.ModelSerializer):
    route_name = serializers.CharField(source="route.name", read_only=True)
    shift_name = serializers.CharField(source="plan.shift_name", read_only=True)
    checkins = InspectionCheckinSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionTask
        fields = [
            "id",
            "community",
            "plan",
            "route",
            "route_name",
            "shift_name",
            "day",
            "starts_at",
            "ends_at",
            "assignee",
            "status",
            "finished_at",
            "checkins",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class PointField(serializers.Field):
    """An inspection point by id or by the text of its QR code (ANJU-IP:<token>)."""

    def to_internal_value(self, data):
        return resolve_code(self, InspectionPoint, "facilities.inspection.view", data, "ANJU-IP:")

    def to_representation(self, value):
        return value.pk


@extend_schema_field(OpenApiTypes.STR)
class CheckpointField(serializers.Field):
    """A patrol checkpoint by id or by the text of its QR code (ANJU-CP:<token>)."""

    def to_internal_value(self, data):
        return resolve_code(self, PatrolCheckpoint, "facilities.patrol.view", data, "ANJU-CP:")

    def to_representation(self, value):
        return value.pk


def resolve_code(field, model, perm, data, prefix):
    """The checkpoint or point a scanned or typed code names (404 naming the thing in words)."""
    from ..selectors import find_by_code, unknown_code_message

    request = field.context["request"]
    found = None if isinstance(data, bool) else find_by_code(request.user, model, perm, data)
    if found is None:
        raise RelatedNotFound(field.field_name, detail=unknown_code_message(model))
    return found


class InspectionCheckinInputSerializer(serializers.Serializer):
    point = PointField(label=_("point"))
    scanned_at = serializers.DateTimeField(required=False, label=_("scanned at"))
    answers = serializers.JSONField(required=False, label=_("answers"))
    photo = serializers.FileField(required=False, label=_("photo"))
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PatrolCheckpointSerializer(serializers.ModelSerializer):
    route = ScopedRelatedField(PatrolRoute, "facilities.patrol.view", label=_("route"))
    qr_text = serializers.CharField(read_only=True)

    class Meta:
        model = PatrolCheckpoint
        fields = [
            "id",
            "route",
            "order",
            "name",
            "place",
            "opens_after_minutes",
            "closes_after_minutes",
            "qr_text",
        ]
        extra_kwargs = {"order": {"required": False}}
        validators = []


class NestedCheckpointSerializer(PatrolCheckpointSerializer):
    class Meta(PatrolCheckpointSerializer.Meta):
        fields = [f for f in PatrolCheckpointSerializer.Meta.fields if f != "route"]


class PatrolRouteSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    checkpoints = NestedCheckpointSerializer(many=True, required=False)
    idle_limit = serializers.IntegerField(read_only=True)

    class Meta:
        model = PatrolRoute
        fields = [
            "id",
            "community",
            "name",
            "idle_minutes",
            "idle_limit",
            "active",
            "checkpoints",
            "created_at",
        ]


class PatrolShiftSerializer(serializers.ModelSerializer):
    route = ScopedRelatedField(PatrolRoute, "facilities.patrol.view", label=_("route"))
    guard = StaffField(label=_("guard"))
    route_name = serializers.CharField(source="route.name", read_only=True)
    guard_name = serializers.SerializerMethodField()
    compliance = serializers.FloatField(read_only=True)

    class Meta:
        model = PatrolShift
        fields = [
            "id",
            "community",
            "route",
            "route_name",
            "guard",
            "guard_name",
            "name",
            "starts_at",
            "ends_at",
            "status",
            "expected_count",
            "on_time_count",
            "scan_count",
            "missed_count",
            "compliance",
            "last_scan_at",
        ]
        read_only_fields = [
            "community",
            "status",
            "expected_count",
            "on_time_count",
            "scan_count",
            "missed_count",
            "last_scan_at",
        ]

    def get_guard_name(self, obj) -> str:
        return user_label(obj.guard)


class PatrolScanSerializer(serializers.ModelSerializer):
    checkpoint_name = serializers.CharField(source="checkpoint.name", read_only=True)

    class Meta:
        model = PatrolScan
        fields = [
            "id",
            "community",
            "shift",
            "checkpoint",
            "checkpoint_name",
            "by",
            "scanned_at",
            "received_at",
            "offline",
            "timing",
            "counted",
            "client_id",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


class CheckinInputSerializer(serializers.Serializer):
    checkpoint = CheckpointField(label=_("checkpoint"))
    scanned_at = serializers.DateTimeField(label=_("scanned at"))
    by = StaffField(required=False, label=_("by"))
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )


class PatrolAlertSerializer(serializers.ModelSerializer):
    checkpoint_name = serializers.CharField(source="checkpoint.name", read_only=True, default="")
    guard = serializers.IntegerField(source="shift.guard_id", read_only=True)

    class Meta:
        model = PatrolAlert
        fields = [
            "id",
            "community",
            "shift",
            "guard",
            "kind",
            "checkpoint",
            "checkpoint_name",
            "gap_since",
            "raised_at",
            "cleared_at",
            "ticket_id",
        ]
        read_only_fields = fields


class HazardSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    building = ScopedRelatedField(
        Building, "core.building.view", required=False, allow_null=True, label=_("building")
    )
    asset = ScopedRelatedField(
        Asset, "facilities.asset.view", required=False, allow_null=True, label=_("asset")
    )
    responsible = StaffField(required=False, allow_null=True, label=_("responsible"))
    deadline = serializers.DateField(required=False, label=_("rectification deadline"))
    photos = serializers.ListField(child=serializers.FileField(), required=False, write_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    attachments = AttachmentsField()

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "community",
            "category",
            "severity",
            "building",
            "place",
            "asset",
            "description",
            "reported_by",
            "found_at",
            "responsible",
            "deadline",
            "status",
            "is_overdue",
            "rectified_at",
            "rectification",
            "verified_at",
            "verified_by",
            "closed_at",
            "escalated_at",
            "rework_count",
            "photos",
            "attachments",
        ]
        read_only_fields = [
            "number",
            "reported_by",
            "status",
            "rectified_at",
            "rectification",
            "verified_at",
            "verified_by",
            "closed_at",
            "escalated_at",
            "rework_count",
        ]


class RectifySerializer(serializers.Serializer):
    rectification = serializers.CharField(label=_("what was done"))
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class VerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField(default=True, label=_("passed"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("note"))


class IncidentRecordSerializer(serializers.ModelSerializer):
    attachments = AttachmentsField()

    class Meta:
        model = IncidentRecord
        fields = ["id", "step", "at", "by", "authority", "note", "attachments", "recorded_at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    records = IncidentRecordSerializer(many=True, read_only=True)
    occurred_at = serializers.DateTimeField(required=False, label=_("occurred at"))

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "community",
            "kind",
            "occurred_at",
            "place",
            "description",
            "reported_by",
            "status",
            "closed_at",
            "records",
            "created_at",
        ]
        read_only_fields = ["number", "reported_by", "status", "closed_at"]


class IncidentStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(
        choices=IncidentRecord._meta.get_field("step").choices, label=_("step")
    )
    at = serializers.DateTimeField(required=False, label=_("time"))
    note = serializers.CharField(label=_("note"))
    authority = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("authority")
    )
    evidence = serializers.FileField(required=False, label=_("evidence"))


class DrillSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "core.community.view", label=_("community"))
    attendance = serializers.SerializerMethodField()
    attachments = AttachmentsField()

    class Meta:
        model = Drill
        fields = [
            "id",
            "community",
            "kind",
            "title",
            "planned_at",
            "place",
            "status",
            "held_at",
            "summary",
            "follow_ups",
            "attendance",
            "attachments",
            "created_at",
        ]
        read_only_fields = ["status", "held_at", "summary", "follow_ups"]

    def get_attendance(self, obj) -> list[dict]:
        return [
            {"name": a.name, "user": a.user_id, "present": a.present} for a in obj.attendance.all()
        ]


class RecordDrillSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    attendees = serializers.ListField(
        child=serializers.CharField(), label=pgettext_lazy("drill", "attendees")
    )
    follow_ups = serializers.ListField(child=serializers.JSONField(), required=False, default=list)
    photo = serializers.FileField(required=False)
