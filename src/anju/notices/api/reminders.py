"""Warm-reminder API: /reminder-templates/, /reminder-proposals/, /holidays/ (and the working-day
query), /weather-reports/ and /policy-changes/."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.models import Community, Organization
from anju.core.scoping import scope_q

from .. import selectors, services
from ..models import (
    Holiday,
    PolicyChange,
    ReminderProposal,
    ReminderTemplate,
    ReminderTrigger,
    WeatherReport,
)
from .common import REMINDERS

# Warm reminders -----------------------------------------------------------------------------


class TriggerSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReminderTrigger
        fields = ["kind", "value", "lead_days"]


class ReminderTemplateSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(
        Organization, REMINDERS, required=False, allow_null=True, label=_("company")
    )
    triggers = TriggerSerializer(many=True)

    class Meta:
        model = ReminderTemplate
        fields = [
            "id",
            "organization",
            "key",
            "topic",
            "title",
            "body",
            "builtin",
            "active",
            "triggers",
        ]
        read_only_fields = ["builtin"]
        validators = []


class ReminderTemplateViewSet(ScopedModelViewSet):
    """The built-in library (30+ templates) and a company's own templates."""

    queryset = ReminderTemplate.objects.prefetch_related("triggers")
    serializer_class = ReminderTemplateSerializer
    permission_prefix = "notices.reminder"
    action_permissions = dict.fromkeys(("create", "update", "partial_update", "destroy"), REMINDERS)
    filterset_fields = ["topic", "builtin", "active"]
    search_fields = ["title", "topic", "body"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return ReminderTemplate.objects.none()
        q = scope_q(ReminderTemplate, user, self.view_permission)
        base = self.queryset.all()
        return base if q is None else base.filter(q | Q(organization__isnull=True))

    def create_object(self, data):
        if data.get("organization") is None:
            raise PermissionDenied(
                _("Built-in templates are shipped with Anju; add your company's own.")
            )
        return services.save_template(actor=self.request.user, template=ReminderTemplate(), **data)

    def perform_update(self, serializer):
        template = serializer.instance
        if template.builtin and set(serializer.validated_data) - {"active"}:
            raise PermissionDenied(_("Built-in templates can only be switched on or off."))
        if template.builtin and not self.request.user.is_superuser:
            raise PermissionDenied(
                _("Built-in templates can only be switched off by the platform administrator.")
            )
        serializer.instance = services.save_template(
            actor=self.request.user, template=template, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        if instance.builtin:
            raise PermissionDenied(_("Built-in templates cannot be deleted."))
        from anju.core import services as core_services

        core_services.delete_object(instance, actor=self.request.user)


class ReminderProposalSerializer(serializers.ModelSerializer):
    template_key = serializers.CharField(source="template.key", read_only=True)
    topic = serializers.CharField(source="template.topic", read_only=True)

    class Meta:
        model = ReminderProposal
        fields = [
            "id",
            "community",
            "template",
            "template_key",
            "topic",
            "occurrence_key",
            "occasion",
            "occurrence_date",
            "title",
            "body",
            "status",
            "notice",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class EngineRunSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, REMINDERS, label=_("community"))


class ReminderProposalViewSet(ScopedReadOnlyViewSet):
    """Proposals of the engine; a manager approves (publishes) or dismisses them."""

    queryset = ReminderProposal.objects.select_related("template")
    serializer_class = ReminderProposalSerializer
    permission_prefix = "notices.reminder"
    action_permissions = {"approve": REMINDERS, "dismiss": REMINDERS, "run": REMINDERS}
    filterset_fields = ["community", "status", "template"]

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        proposal = self.get_object()
        proposal = services.approve_proposal(
            actor=request.user,
            proposal=proposal,
            title=request.data.get("title") or None,
            body=request.data.get("body") or None,
        )
        return Response(ReminderProposalSerializer(proposal).data)

    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return Response(
            ReminderProposalSerializer(
                services.dismiss_proposal(actor=request.user, proposal=self.get_object())
            ).data
        )

    @action(detail=False, methods=["post"])
    def run(self, request):
        """Run the engine now for one community (it also runs periodically)."""
        serializer = EngineRunSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        community = serializer.validated_data["community"]
        self.check_scope(REMINDERS, community.pk)
        created = services.run_engine(communities=[community], actor=request.user)
        return Response({"proposed": len(created)})


class HolidaySerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(
        Organization,
        REMINDERS,
        required=False,
        allow_null=True,
        label=_("company"),
        help_text=_("Empty (null) for the national calendar, which only the platform changes."),
    )
    key = serializers.SlugField(max_length=30, required=False, label=_("key"))
    national = serializers.BooleanField(read_only=True)
    days_off = serializers.IntegerField(read_only=True, label=_("days off"))
    workdays = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="date", label=_("make-up working days")
    )

    class Meta:
        model = Holiday
        fields = [
            "id",
            "organization",
            "national",
            "year",
            "key",
            "name",
            "date",
            "off_from",
            "off_until",
            "days_off",
            "workdays",
            "provisional",
            "source",
        ]
        read_only_fields = ["provisional", "source"]
        validators = []  # the service checks uniqueness and names the field

    def validate(self, attrs):
        # null is how a national day reads; sent, it means "not given" (only the platform
        # changes the national calendar), never "make this day national".
        if "organization" in attrs and attrs["organization"] is None:
            del attrs["organization"]
        return attrs


class WorkingDaySerializer(serializers.Serializer):
    date = serializers.DateField(label=_("date"))
    working = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["workday", "weekend", "holiday", "makeup_workday"])
    holiday = HolidaySerializer(allow_null=True)
    provisional = serializers.BooleanField()


class WorkingDayQuery(serializers.Serializer):
    date = serializers.DateField(label=_("date"))


class HolidayViewSet(ScopedModelViewSet):
    """The holiday calendar: the national days off and make-up working days (read-only: only
    the platform administrator changes them) and each company's own days, visible to that
    company alone and kept by its admins and managers."""

    queryset = Holiday.objects.prefetch_related("workdays")
    serializer_class = HolidaySerializer
    permission_prefix = "notices.notice"
    action_permissions = {
        **dict.fromkeys(("create", "update", "partial_update", "destroy"), REMINDERS),
        "working_day": "notices.notice.view",
    }
    filterset_fields = ["year", "key", "provisional"]

    def get_object(self):
        holiday = super().get_object()
        if self.action in ("update", "partial_update", "destroy"):
            if holiday.organization_id is None:
                raise PermissionDenied(
                    _("The national holiday calendar is read-only; add your company's own days.")
                )
            if not policy.staff_has(
                self.request.user, REMINDERS, organization_id=holiday.organization_id
            ):
                raise PermissionDenied()
        return holiday

    def target_scope(self, data):
        return None, self._organization(data).pk

    def _organization(self, data):
        organization = data.get("organization")
        if organization is not None:
            return organization
        mine = list(Organization.objects.visible_to(self.request.user, REMINDERS)[:2])
        if len(mine) != 1:
            message = _("Choose the company the day belongs to.")
            raise serializers.ValidationError({"organization": [message]})
        return mine[0]

    def create_object(self, data):
        data["organization"] = self._organization(data)
        return services.save_holiday(actor=self.request.user, holiday=Holiday(), **data)

    def perform_update(self, serializer):
        serializer.instance = services.save_holiday(
            actor=self.request.user, holiday=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_holiday(actor=self.request.user, holiday=instance)

    @extend_schema(parameters=[WorkingDayQuery], responses=WorkingDaySerializer)
    @action(detail=False, methods=["get"], url_path="working-day")
    def working_day(self, request):
        """Is this date a working day? National days off and make-up working days, and the
        caller's company's own days off when the caller works for one company."""
        query = WorkingDayQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        organizations = (
            {m.organization_id for m in request.user.active_memberships()}
            if hasattr(request.user, "active_memberships")
            else set()
        )
        organization_id = next(iter(organizations)) if len(organizations) == 1 else None
        status_ = selectors.day_status(query.validated_data["date"], organization_id)
        return Response(
            WorkingDaySerializer(
                {
                    "date": status_.day,
                    "working": status_.working,
                    "kind": status_.kind,
                    "holiday": status_.holiday,
                    "provisional": status_.provisional,
                }
            ).data
        )


class WeatherReportSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, REMINDERS, label=_("community"))

    class Meta:
        model = WeatherReport
        fields = [
            "id",
            "community",
            "day",
            "max_temp",
            "min_temp",
            "conditions",
            "source",
            "created_at",
        ]
        read_only_fields = ["source", "created_at"]
        validators = []


class WeatherReportViewSet(ScopedModelViewSet):
    """Manual weather entries (the trigger when no weather source is configured)."""

    queryset = WeatherReport.objects.all()
    serializer_class = WeatherReportSerializer
    permission_prefix = "notices.reminder"
    action_permissions = dict.fromkeys(("create", "update", "partial_update", "destroy"), REMINDERS)
    filterset_fields = ["community", "day"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.record_weather(actor=self.request.user, **data)


class PolicyChangeSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, REMINDERS, label=_("community"))

    class Meta:
        model = PolicyChange
        fields = ["id", "community", "title", "summary", "effective_on", "created_at"]


class PolicyChangeViewSet(ScopedModelViewSet):
    queryset = PolicyChange.objects.all()
    serializer_class = PolicyChangeSerializer
    permission_prefix = "notices.reminder"
    action_permissions = dict.fromkeys(("create", "update", "partial_update", "destroy"), REMINDERS)
    filterset_fields = ["community"]
    http_method_names = ["get", "post", "head", "options"]

    def create_object(self, data):
        return services.create_policy_change(actor=self.request.user, **data)
