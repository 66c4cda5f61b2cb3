"""Facilities endpoints. Contract (issue 6): /assets/, /maintenance-plans/, /maintenance-tasks/,
/inspection-routes/, /patrol-routes/, /patrol-shifts/, POST /checkins/, /hazards/ (rectify,
verify, close). Writes call services; out-of-scope objects answer 404, missing roles 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.core.api import query
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from anju.core.dates import parse_day

from .. import selectors, services
from ..models import (
    Asset,
    Certificate,
    Drill,
    Hazard,
    Incident,
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
from ..services.common import prepare_photos
from . import serializers as s


class FacilitiesViewSet(ScopedModelViewSet):
    """Creates check ``create_permission`` in the target community; updates go to ``update_service``."""

    create_permission = ""
    http_method_names = ["get", "post", "head", "options"]

    def required_permission(self):
        if self.action == "create":
            return self.create_permission or f"{self.permission_prefix}.manage"
        return super().required_permission()

    def community_of(self, data):
        for key in ("community", "route", "asset", "plan", "task"):
            if data.get(key) is not None:
                obj = data[key]
                return obj if key == "community" else obj.community
        return None

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        community = self.community_of(data)
        self.check_scope(
            self.create_permission or f"{self.permission_prefix}.manage",
            community.pk if community else None,
            community.organization_id if community else None,
        )
        serializer.instance = self.create_object(data)

    def check_object(self, obj, perm):
        self.check_scope(perm, obj.community_id, obj.organization_id)


# Assets -------------------------------------------------------------------------------------


class AssetViewSet(FacilitiesViewSet):
    queryset = Asset.objects.select_related("building").prefetch_related("certificates")
    serializer_class = s.AssetSerializer
    permission_prefix = "facilities.asset"
    create_permission = "facilities.asset.manage"
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "partial_update": "facilities.asset.manage",
        "report_fault": "facilities.asset.view",
    }
    filterset_fields = ["community", "category", "status", "building"]
    search_fields = ["code", "name", "place", "maker", "model_number"]
    ordering_fields = ["code", "installed_on", "expires_on"]

    def create_object(self, data):
        return services.create_asset(actor=self.request.user, **data)

    def perform_update(self, serializer):
        obj = serializer.instance
        self.check_object(obj, "facilities.asset.manage")
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.update_asset(obj, data, actor=self.request.user)

    @extend_schema(request=None, responses={201: dict})
    @action(detail=True, methods=["post"], url_path="report-fault")
    def report_fault(self, request, pk=None):
        asset = self.get_object()
        ticket = services.report_fault(
            asset,
            actor=request.user,
            description=request.data.get("description", ""),
            attachments=prepare_photos(request.FILES.getlist("photos"), field="photos"),
        )
        return Response(
            {"asset": asset.pk, "ticket": getattr(ticket, "pk", None)},
            status=status.HTTP_201_CREATED,
        )


class CertificateViewSet(FacilitiesViewSet):
    queryset = Certificate.objects.select_related("asset")
    serializer_class = s.CertificateSerializer
    permission_prefix = "facilities.asset"
    create_permission = "facilities.asset.manage"
    filterset_fields = ["community", "asset", "kind"]

    def create_object(self, data):
        return services.add_certificate(actor=self.request.user, **data)

    def get_queryset(self):
        queryset = super().get_queryset()
        within = self.request.query_params.get("expiring_within")
        if within and within.isdigit():
            queryset = selectors.expiring_certificates(queryset, int(within))
        return queryset


# Maintenance --------------------------------------------------------------------------------


class MaintenancePlanViewSet(FacilitiesViewSet):
    queryset = MaintenancePlan.objects.prefetch_related("assets")
    serializer_class = s.MaintenancePlanSerializer
    permission_prefix = "facilities.maintenance"
    create_permission = "facilities.maintenance.manage"
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "partial_update": "facilities.maintenance.manage",
        "generate": "facilities.maintenance.manage",
    }
    filterset_fields = ["community", "category", "kind", "frequency", "active"]

    def create_object(self, data):
        return services.create_plan(actor=self.request.user, **data)

    def perform_update(self, serializer):
        self.check_object(serializer.instance, "facilities.maintenance.manage")
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.update_plan(
            serializer.instance, data, actor=self.request.user
        )

    @extend_schema(request=s.GenerateSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        plan = self.get_object()
        form = s.GenerateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        made = services.generate_tasks(
            actor=request.user,
            until=form.validated_data.get("until"),
            plans=MaintenancePlan.objects.filter(pk=plan.pk),
        )
        return Response({"created": made})


class MaintenanceTaskViewSet(ScopedReadOnlyViewSet):
    queryset = MaintenanceTask.objects.select_related("plan", "asset", "assignee").prefetch_related(
        "attachments"
    )
    serializer_class = s.MaintenanceTaskSerializer
    permission_prefix = "facilities.maintenance"
    action_permissions = {
        "start": "facilities.maintenance.work",
        "complete": "facilities.maintenance.work",
        "assign": "facilities.maintenance.manage",
        "cancel": "facilities.maintenance.manage",
    }
    filterset_fields = {
        "community": ["exact"],
        "status": ["exact", "in"],
        "plan": ["exact"],
        "asset": ["exact"],
        "assignee": ["exact"],
        "due_on": ["exact", "gte", "lte"],
        "result": ["exact"],
    }
    ordering_fields = ["due_on", "status"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.query_params.get("mine") in ("1", "true"):
            queryset = queryset.filter(assignee=self.request.user)
        overdue = query.flag(self.request.query_params, "overdue", None)
        if overdue is not None:
            queryset = selectors.overdue_tasks(queryset, matching=overdue)
        return queryset

    def _done(self, task):
        return Response(
            s.MaintenanceTaskSerializer(task, context=self.get_serializer_context()).data
        )

    @extend_schema(request=None, responses=s.MaintenanceTaskSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._done(services.start_task(self.get_object(), actor=request.user))

    @extend_schema(request=s.CompleteTaskSerializer, responses=s.MaintenanceTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        form = s.CompleteTaskSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        photos = data.get("photos") or request.FILES.getlist("photos")
        return self._done(
            services.complete_task(
                task,
                actor=request.user,
                answers=data.get("answers") or {},
                readings=data.get("readings") or {},
                notes=data.get("notes", ""),
                photos=photos,
            )
        )

    @extend_schema(request=s.AssignSerializer, responses=s.MaintenanceTaskSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        task = self.get_object()
        form = s.AssignSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        return self._done(
            services.assign_task(task, actor=request.user, assignee=form.validated_data["assignee"])
        )

    @extend_schema(request=None, responses=s.MaintenanceTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._done(
            services.cancel_task(
                self.get_object(), actor=request.user, reason=str(request.data.get("reason", ""))
            )
        )


# Inspection ---------------------------------------------------------------------------------


class InspectionRouteViewSet(FacilitiesViewSet):
    queryset = InspectionRoute.objects.prefetch_related("points")
    serializer_class = s.InspectionRouteSerializer
    permission_prefix = "facilities.inspection"
    create_permission = "facilities.inspection.manage"
    filterset_fields = ["community", "active"]

    def create_object(self, data):
        points = [dict(p) for p in data.pop("points", [])]
        return services.create_inspection_route(actor=self.request.user, points=points, **data)


class InspectionPointViewSet(FacilitiesViewSet):
    queryset = InspectionPoint.objects.all()
    serializer_class = s.InspectionPointSerializer
    permission_prefix = "facilities.inspection"
    create_permission = "facilities.inspection.manage"
    filterset_fields = ["community", "route", "asset"]

    def create_object(self, data):
        return services.add_point(actor=self.request.user, **data)


class InspectionPlanViewSet(FacilitiesViewSet):
    queryset = InspectionPlan.objects.select_related("route")
    serializer_class = s.InspectionPlanSerializer
    permission_prefix = "facilities.inspection"
    create_permission = "facilities.inspection.manage"
    filterset_fields = ["community", "route", "assignee", "active"]

    def create_object(self, data):
        return services.create_inspection_plan(actor=self.request.user, **data)


class InspectionTaskViewSet(ScopedReadOnlyViewSet):
    queryset = InspectionTask.objects.select_related("route", "plan").prefetch_related(
        "checkins__point", "checkins__attachments"
    )
    serializer_class = s.InspectionTaskSerializer
    permission_prefix = "facilities.inspection"
    action_permissions = {"checkin": "facilities.inspection.work"}
    filterset_fields = {
        "community": ["exact"],
        "status": ["exact", "in"],
        "route": ["exact"],
        "assignee": ["exact"],
        "day": ["exact", "gte", "lte"],
    }

    @extend_schema(
        request=s.InspectionCheckinInputSerializer, responses=s.InspectionCheckinSerializer
    )
    @action(detail=True, methods=["post"])
    def checkin(self, request, pk=None):
        task = self.get_object()
        form = s.InspectionCheckinInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        self.check_scope("facilities.inspection.work", task.community_id, task.organization_id)
        checkin = services.check_in(actor=request.user, task=task, **data)
        return Response(
            s.InspectionCheckinSerializer(checkin, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# Patrol -------------------------------------------------------------------------------------


class PatrolRouteViewSet(FacilitiesViewSet):
    queryset = PatrolRoute.objects.prefetch_related("checkpoints")
    serializer_class = s.PatrolRouteSerializer
    permission_prefix = "facilities.patrol"
    create_permission = "facilities.patrol.manage"
    filterset_fields = ["community", "active"]

    def create_object(self, data):
        checkpoints = [dict(c) for c in data.pop("checkpoints", [])]
        return services.create_patrol_route(
            actor=self.request.user, checkpoints=checkpoints, **data
        )


class PatrolCheckpointViewSet(FacilitiesViewSet):
    queryset = PatrolCheckpoint.objects.all()
    serializer_class = s.PatrolCheckpointSerializer
    permission_prefix = "facilities.patrol"
    create_permission = "facilities.patrol.manage"
    filterset_fields = ["community", "route"]

    def create_object(self, data):
        return services.add_checkpoint(actor=self.request.user, **data)


class PatrolShiftViewSet(FacilitiesViewSet):
    queryset = PatrolShift.objects.select_related("route", "guard")
    serializer_class = s.PatrolShiftSerializer
    permission_prefix = "facilities.patrol"
    create_permission = "facilities.patrol.manage"
    filterset_fields = {
        "community": ["exact"],
        "route": ["exact"],
        "guard": ["exact"],
        "status": ["exact"],
        "name": ["exact"],
        "starts_at": ["gte", "lte"],
    }
    ordering_fields = ["starts_at"]

    def create_object(self, data):
        return services.create_shift(actor=self.request.user, **data)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.query_params.get("mine") in ("1", "true"):
            queryset = queryset.filter(guard=self.request.user)
        return queryset

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Each checkpoint of the shift with its window, scan and result (the guard's screen)."""
        return Response(selectors.shift_progress(self.get_object()))

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def compliance(self, request):
        """Compliance rate grouped by ``group_by`` = guard | route | shift | day, over ``since``/``until``."""
        group_by = request.query_params.get("group_by", "guard")
        if group_by not in ("guard", "route", "shift", "day"):
            group_by = "guard"
        shifts = self.filter_queryset(self.get_queryset())
        since, until = (
            parse_day(request.query_params.get("since")),
            parse_day(request.query_params.get("until")),
        )
        shifts = selectors.shifts_between(shifts, since, until)
        return Response({"group_by": group_by, "rows": services.compliance_rows(shifts, group_by)})


class CheckinViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """POST {"checkpoint", "scanned_at", "by"}: a patrol scan, also one queued off-line and sent
    later with its original time; it lands in the shift that covered that time."""

    queryset = PatrolScan.objects.select_related("checkpoint")
    serializer_class = s.PatrolScanSerializer
    permission_prefix = "facilities.patrol"
    action_permissions = {"create": "facilities.patrol.work"}
    filterset_fields = {
        "community": ["exact"],
        "shift": ["exact"],
        "checkpoint": ["exact"],
        "by": ["exact"],
        "offline": ["exact"],
        "scanned_at": ["gte", "lte"],
    }

    @extend_schema(request=s.CheckinInputSerializer, responses={201: s.PatrolScanSerializer})
    def create(self, request, *args, **kwargs):
        form = s.CheckinInputSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        checkpoint = data["checkpoint"]
        by = data.get("by") or request.user
        self.check_scope(
            "facilities.patrol.work", checkpoint.community_id, checkpoint.organization_id
        )
        if by != request.user:
            services.common.require_staff(by, "facilities.patrol.work", checkpoint.community, "by")
        client_id = data.get("client_id") or None
        known = client_id and PatrolScan.objects.filter(client_id=client_id).exists()
        scan = services.record_scan(
            actor=request.user,
            checkpoint=checkpoint,
            scanned_at=data["scanned_at"],
            by=by,
            client_id=client_id,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        return Response(
            s.PatrolScanSerializer(scan).data,
            status=status.HTTP_200_OK if known else status.HTTP_201_CREATED,
        )


class PatrolAlertViewSet(ScopedReadOnlyViewSet):
    queryset = PatrolAlert.objects.select_related("checkpoint", "shift")
    serializer_class = s.PatrolAlertSerializer
    permission_prefix = "facilities.patrol"
    filterset_fields = {
        "community": ["exact"],
        "kind": ["exact"],
        "shift": ["exact"],
        "raised_at": ["gte", "lte"],
        "cleared_at": ["isnull"],
    }


# Hazards, incidents, drills -----------------------------------------------------------------


class HazardViewSet(FacilitiesViewSet):
    queryset = Hazard.objects.select_related("responsible").prefetch_related("attachments")
    serializer_class = s.HazardSerializer
    permission_prefix = "facilities.hazard"
    create_permission = "facilities.hazard.report"
    action_permissions = {
        "create": "facilities.hazard.report",
        "rectify": "facilities.hazard.rectify",
        "verify": "facilities.hazard.verify",
        "close": "facilities.hazard.verify",
    }
    filterset_fields = {
        "community": ["exact"],
        "status": ["exact", "in"],
        "category": ["exact"],
        "severity": ["exact"],
        "responsible": ["exact"],
        "deadline": ["lte", "gte"],
    }
    search_fields = ["number", "place", "description"]

    def get_queryset(self):
        queryset = super().get_queryset()
        for name, selector in (
            ("open", selectors.open_hazards),
            ("overdue", selectors.overdue_hazards),
        ):
            value = query.flag(self.request.query_params, name, None)
            if value is not None:
                queryset = selector(queryset, matching=value)
        return queryset

    def create_object(self, data):
        photos = data.pop("photos", None) or self.request.FILES.getlist("photos")
        return services.report_hazard(actor=self.request.user, photos=photos, **data)

    def _out(self, hazard):
        return Response(s.HazardSerializer(hazard, context=self.get_serializer_context()).data)

    @extend_schema(request=s.RectifySerializer, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        hazard = self.get_object()
        form = s.RectifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        photos = form.validated_data.get("photos") or request.FILES.getlist("photos")
        return self._out(
            services.rectify_hazard(
                hazard,
                actor=request.user,
                rectification=form.validated_data["rectification"],
                photos=photos,
            )
        )

    @extend_schema(request=s.VerifySerializer, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        hazard = self.get_object()
        form = s.VerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._out(services.verify_hazard(hazard, actor=request.user, **form.validated_data))

    @extend_schema(request=None, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._out(services.close_hazard(self.get_object(), actor=request.user))

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], url_path="rectification-rate")
    def rectification_rate(self, request):
        """Check-and-rectify rate (隐患整改率) per community."""
        return Response(
            {"rows": selectors.rectification_rates(self.filter_queryset(self.get_queryset()))}
        )


class IncidentViewSet(FacilitiesViewSet):
    queryset = Incident.objects.prefetch_related("records__attachments")
    serializer_class = s.IncidentSerializer
    permission_prefix = "facilities.incident"
    create_permission = "facilities.incident.manage"
    action_permissions = {
        "step": "facilities.incident.manage",
        "close": "facilities.incident.manage",
    }
    filterset_fields = ["community", "status", "kind"]

    @property
    def view_permission(self):
        return "facilities.incident.manage"

    def create_object(self, data):
        return services.open_incident(actor=self.request.user, **data)

    @extend_schema(request=s.IncidentStepSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        incident = self.get_object()
        form = s.IncidentStepSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.record_incident_step(incident, actor=request.user, **form.validated_data)
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(s.IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        incident = services.close_incident(self.get_object(), actor=request.user)
        return Response(s.IncidentSerializer(incident, context=self.get_serializer_context()).data)


class DrillViewSet(FacilitiesViewSet):
    queryset = Drill.objects.prefetch_related("attendance", "attachments")
    serializer_class = s.DrillSerializer
    permission_prefix = "facilities.drill"
    create_permission = "facilities.drill.manage"
    action_permissions = {"record": "facilities.drill.manage", "cancel": "facilities.drill.manage"}
    filterset_fields = ["community", "kind", "status"]

    def create_object(self, data):
        return services.plan_drill(actor=self.request.user, **data)

    @extend_schema(request=s.RecordDrillSerializer, responses=s.DrillSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        drill = self.get_object()
        form = s.RecordDrillSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        drill = services.record_drill(drill, actor=request.user, **form.validated_data)
        return Response(s.DrillSerializer(drill, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=s.DrillSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        drill = services.cancel_drill(self.get_object(), actor=request.user)
        return Response(s.DrillSerializer(drill, context=self.get_serializer_context()).data)


def register(router):
    router.register("assets", AssetViewSet, basename="asset")
    router.register("asset-certificates", CertificateViewSet, basename="asset-certificate")
    router.register("maintenance-plans", MaintenancePlanViewSet, basename="maintenance-plan")
    router.register("maintenance-tasks", MaintenanceTaskViewSet, basename="maintenance-task")
    router.register("inspection-routes", InspectionRouteViewSet, basename="inspection-route")
    router.register("inspection-points", InspectionPointViewSet, basename="inspection-point")
    router.register("inspection-plans", InspectionPlanViewSet, basename="inspection-plan")
    router.register("inspection-tasks", InspectionTaskViewSet, basename="inspection-task")
    router.register("patrol-routes", PatrolRouteViewSet, basename="patrol-route")
    router.register("patrol-checkpoints", PatrolCheckpointViewSet, basename="patrol-checkpoint")
    router.register("patrol-shifts", PatrolShiftViewSet, basename="patrol-shift")
    router.register("patrol-alerts", PatrolAlertViewSet, basename="patrol-alert")
    router.register("checkins", CheckinViewSet, basename="checkin")
    router.register("hazards", HazardViewSet, basename="hazard")
    router.register("incidents", IncidentViewSet, basename="incident")
    router.register("drills", DrillViewSet, basename="drill")
