"""REST API of the notices app (issue 7 contract): /notices/ (publish, archive, reach), /inbox/,
/surveys/ (responses, results), /reminder-templates/, /reminder-proposals/ and the residents'
voice (suggestions, meetings, action items)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from anju.core import attachments, policy
from anju.core.api import query
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.errors import InvalidTransition
from anju.core.models import Building, Community, Entrance, House, Organization, Person
from anju.core.scoping import scope_q

from . import selectors, services
from .choices import NoticeStatus, SurveyStatus
from .models import (
    ActionItem,
    Holiday,
    Meeting,
    Notice,
    NoticeReceipt,
    PolicyChange,
    Question,
    ReminderProposal,
    ReminderTemplate,
    ReminderTrigger,
    Suggestion,
    Survey,
    SurveyInvitation,
    WeatherReport,
)
from .results import survey_results

MANAGE = "notices.notice.manage"
REMINDERS = "notices.reminder.manage"


def _first_held(user, perms, community_id=None):
    """The first permission the user holds (so the default permission class lets them in)."""
    for perm in perms:
        if policy.user_has(user, perm, community_id):
            return perm
    return perms[0]


# Notices ------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(Organization, MANAGE, required=False, label=_("company"))
    community = ScopedRelatedField(
        Community, MANAGE, required=False, allow_null=True, label=_("community")
    )
    buildings = ScopedRelatedField(
        Building, MANAGE, many=True, required=False, label=_("buildings")
    )
    entrances = ScopedRelatedField(
        Entrance, MANAGE, many=True, required=False, label=_("entrances")
    )
    houses = ScopedRelatedField(House, MANAGE, many=True, required=False, label=_("houses"))
    allowed_actions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "organization",
            "community",
            "kind",
            "title",
            "body",
            "status",
            "pinned",
            "urgent",
            "audience_scope",
            "audience_kind",
            "relations",
            "staff_roles",
            "buildings",
            "entrances",
            "houses",
            "publish_at",
            "expires_at",
            "published_at",
            "archived_at",
            "recipient_count",
            "allowed_actions",
            "attachments",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "published_at",
            "archived_at",
            "recipient_count",
            "created_at",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return [a for a in obj.allowed_actions() if a != "edit"]

    def get_attachments(self, obj) -> list[dict]:
        known = self.context.get("attachments")
        rows = known.get(str(obj.pk), []) if known is not None else services.notice_attachments(obj)
        return [attachments.describe(a) for a in rows]


class NoticeViewSet(ScopedModelViewSet):
    """Notices: draft -> scheduled -> published -> archived; 409 on a wrong state."""

    queryset = Notice.objects.select_related("community")
    serializer_class = NoticeSerializer
    permission_prefix = "notices.notice"
    action_permissions = dict.fromkeys(
        (
            "create",
            "update",
            "partial_update",
            "destroy",
            "publish",
            "archive",
            "schedule",
            "unschedule",
            "reach",
            "resend",
            "attachments",
        ),
        MANAGE,
    )
    filterset_fields = ["community", "kind", "status", "pinned", "urgent", "audience_kind"]
    search_fields = ["title", "body"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Notice.objects.none()
        queryset = self.queryset.filter(
            pk__in=services.readable_notices(user, self.view_permission).values("pk")
        )
        community = query.identifier(self.request.query_params, "community")
        if self.action == "list" and community:
            queryset = queryset.filter(community_id=community)
        return queryset.prefetch_related("buildings", "entrances", "houses")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._attachments = services.attachments_by_notice([n.pk for n in page])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "_attachments", None) is not None:
            context["attachments"] = self._attachments
        return context

    def _check(self, notice):
        if not policy.user_has(
            self.request.user, MANAGE, notice.community_id, notice.organization_id
        ):
            raise PermissionDenied()

    def create_object(self, data):
        return services.create_notice(actor=self.request.user, **data)

    def perform_update(self, serializer):
        self._check(serializer.instance)
        serializer.instance = services.update_notice(
            actor=self.request.user,
            notice=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        if instance.status != NoticeStatus.DRAFT:
            raise InvalidTransition("delete", instance.status, instance.allowed_actions())
        from anju.core import services as core_services

        core_services.delete_object(instance, actor=self.request.user)

    def _done(self, notice):
        return Response(NoticeSerializer(notice, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        notice = self.get_object()
        return self._done(services.publish_notice(actor=request.user, notice=notice))

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._done(services.archive_notice(actor=request.user, notice=self.get_object()))

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        field = serializers.DateTimeField()
        try:
            publish_at = field.to_internal_value(request.data.get("publish_at"))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"publish_at": exc.detail}) from None
        return self._done(
            services.schedule_notice(
                actor=request.user, notice=self.get_object(), publish_at=publish_at
            )
        )

    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk=None):
        return self._done(services.unschedule_notice(actor=request.user, notice=self.get_object()))

    @action(detail=True, methods=["get"])
    def reach(self, request, pk=None):
        """Who has read it, by building, and who has not."""
        report = services.reach_report(self.get_object())
        if not policy.staff_has(request.user, "core.person.view_contact"):
            from anju.core.crypto import mask_middle

            for row in report["unread_recipients"]:
                row["phone"] = mask_middle(row["phone"])
        return Response(report)

    @extend_schema(
        request=None,
        responses={
            200: {
                "type": "object",
                "properties": {"resent": {"type": "integer"}},
                "required": ["resent"],
            }
        },
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """One click: SMS/email to everyone who has not read it yet."""
        count = services.resend_to_unread(actor=request.user, notice=self.get_object())
        return Response({"resent": count})

    @action(
        detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser, parsers.FormParser]
    )
    def attachments(self, request, pk=None):
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Choose a file.")]})
        notice = self.get_object()
        attachment = services.attach_file(actor=request.user, notice=notice, upload=upload)
        return Response(attachments.describe(attachment), status=status.HTTP_201_CREATED)


class InboxSerializer(serializers.ModelSerializer):
    notice = serializers.IntegerField(source="notice_id", read_only=True)
    kind = serializers.CharField(source="notice.kind", read_only=True)
    title = serializers.CharField(source="notice.title", read_only=True)
    body = serializers.CharField(source="notice.body", read_only=True)
    pinned = serializers.BooleanField(source="notice.pinned", read_only=True)
    urgent = serializers.BooleanField(source="notice.urgent", read_only=True)
    published_at = serializers.DateTimeField(source="notice.published_at", read_only=True)
    community_name = serializers.CharField(
        source="notice.community.name", read_only=True, default=""
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = NoticeReceipt
        fields = [
            "id",
            "notice",
            "kind",
            "title",
            "body",
            "pinned",
            "urgent",
            "published_at",
            "community_name",
            "delivered_at",
            "read",
            "read_at",
        ]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The current person's notices (residents) or user's (staff), pinned and unread first."""

    serializer_class = InboxSerializer
    permission_classes = [IsAuthenticated]
    queryset = NoticeReceipt.objects.none()
    filterset_fields = ["read_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NoticeReceipt.objects.none()
        queryset = services.inbox_for(self.request.user).select_related("notice__community")
        if query.flag(self.request.query_params, "unread"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset.order_by("-notice__pinned", "-delivered_at", "-id")

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        receipt = self.get_object()
        services.mark_read(actor=request.user, receipt=receipt)
        return Response(InboxSerializer(receipt).data)


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


# Surveys ------------------------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "order", "kind", "text", "dimension", "options", "required"]
        read_only_fields = ["id", "order"]


class SurveySerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "notices.survey.manage", label=_("community"))
    questions = QuestionSerializer(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "community",
            "title",
            "description",
            "status",
            "anonymous",
            "audience",
            "sample_size",
            "opens_at",
            "closes_at",
            "period",
            "invited_count",
            "response_count",
            "allowed_actions",
            "questions",
            "created_at",
        ]
        read_only_fields = ["status", "invited_count", "response_count", "created_at"]

    def get_allowed_actions(self, obj) -> list[str]:
        return [a for a in obj.states.allowed_actions(obj.status) if a not in ("edit", "respond")]


class AnswerInput(serializers.Serializer):
    question = serializers.IntegerField()
    value = serializers.IntegerField(required=False, allow_null=True)
    choices = serializers.ListField(child=serializers.IntegerField(), required=False)
    text = serializers.CharField(required=False, allow_blank=True)


class ResponseInput(serializers.Serializer):
    house = serializers.IntegerField(required=False, allow_null=True)
    answers = AnswerInput(many=True)


class QuarterlyInput(serializers.Serializer):
    community = ScopedRelatedField(Community, "notices.survey.manage", label=_("community"))
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    anonymous = serializers.BooleanField(default=False)


class SurveyViewSet(ScopedModelViewSet):
    """Surveys: builder, schedule/open/close, one response per household, results."""

    queryset = Survey.objects.select_related("community").prefetch_related("questions")
    serializer_class = SurveySerializer
    # A survey is not edited once created (its answers would change meaning): build a new one.
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_prefix = "notices.survey"
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update", "destroy", "open", "close", "schedule", "quarterly"),
        "notices.survey.manage",
    )
    filterset_fields = ["community", "status", "period", "anonymous"]
    search_fields = ["title"]

    def required_permission(self):
        if self.action in ("list", "retrieve") or self.action is None:
            return _first_held(self.request.user, ["notices.survey.view", "notices.survey.respond"])
        if self.action == "responses":
            return "notices.survey.respond"
        if self.action == "results":
            return "notices.survey.view"
        return super().required_permission()

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Survey.objects.none()
        q = scope_q(Survey, user, "notices.survey.view")
        if q is not None and user.person_id:
            invited = SurveyInvitation.objects.filter(
                house_id__in=user.resident_house_ids()
            ).values("survey_id")
            q |= Q(pk__in=invited, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED])
        queryset = self.queryset.all() if q is None else self.queryset.filter(q)
        community = query.identifier(self.request.query_params, "community")
        if self.action == "list" and community:
            queryset = queryset.filter(community_id=community)
        return queryset

    def create_object(self, data):
        return services.create_survey(actor=self.request.user, **data)

    def perform_destroy(self, instance):
        if instance.status != SurveyStatus.DRAFT:
            raise InvalidTransition(
                "delete", instance.status, instance.states.allowed_actions(instance.status)
            )
        from anju.core import services as core_services

        core_services.delete_object(instance, actor=self.request.user)

    def _check(self, survey, perm="notices.survey.manage"):
        if not policy.user_has(self.request.user, perm, survey.community_id):
            raise PermissionDenied()

    def _done(self, survey):
        return Response(SurveySerializer(survey, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        return self._done(services.open_survey(actor=request.user, survey=survey))

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        return self._done(services.close_survey(actor=request.user, survey=survey))

    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        survey = self.get_object()
        self._check(survey)
        try:
            opens_at = serializers.DateTimeField().to_internal_value(request.data.get("opens_at"))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"opens_at": exc.detail}) from None
        return self._done(
            services.schedule_survey(actor=request.user, survey=survey, opens_at=opens_at)
        )

    @action(detail=False, methods=["post"])
    def quarterly(self, request):
        """Create the quarterly satisfaction survey from the built-in template."""
        serializer = QuarterlyInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_scope("notices.survey.manage", data["community"].pk)
        survey = services.create_quarterly_survey(actor=request.user, **data)
        return Response(
            SurveySerializer(survey, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["post"])
    def responses(self, request, pk=None):
        """A household's answers: {"house"?, "answers": [{"question", "value"|"choices"|"text"}]}."""
        survey = self.get_object()
        serializer = ResponseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        response = services.submit_response(
            actor=request.user, survey=survey, house=data.get("house"), answers=data["answers"]
        )
        return Response(
            {
                "id": response.pk,
                "survey": survey.pk,
                "house": response.house_id,
                "anonymous": response.anonymous,
                "submitted_at": response.submitted_at,
            },
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        survey = self.get_object()
        self._check(survey, "notices.survey.view")
        visible = None if request.user.is_superuser else request.user.staff_community_ids()
        return Response(survey_results(survey, visible_communities=visible))


# Suggestions and meetings -------------------------------------------------------------------


class MyCommunityField(ScopedRelatedField):
    """A community the caller lives in (resident) or works in (staff)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Community.objects.none()
        user = request.user
        ids = set(user.resident_community_ids()) | set(user.staff_community_ids())
        return Community.objects.filter(pk__in=ids)

    def also_visible(self, obj, user):
        return obj.pk in user.resident_community_ids() or obj.pk in user.staff_community_ids()


class SuggestionSerializer(serializers.ModelSerializer):
    community = MyCommunityField(Community, label=_("community"))
    author = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "community",
            "anonymous",
            "author",
            "dimension",
            "title",
            "body",
            "status",
            "reply",
            "reply_public",
            "replied_at",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = ["status", "reply", "reply_public", "replied_at", "created_at"]

    def get_author(self, obj) -> str:
        return "" if obj.anonymous or obj.person_id is None else obj.person.name

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.states.allowed_actions(obj.status)


SUGGESTION_PERMS = [
    "notices.suggestion.view",
    "notices.suggestion.reply",
    "notices.suggestion.create",
]


class SuggestionViewSet(ScopedModelViewSet):
    """意见箱: residents submit (optionally anonymous); staff reply publicly."""

    queryset = Suggestion.objects.select_related("person", "community")
    serializer_class = SuggestionSerializer
    permission_prefix = "notices.suggestion"
    filterset_fields = ["community", "status", "dimension", "anonymous"]
    search_fields = ["title", "body"]
    http_method_names = ["get", "post", "head", "options"]

    def required_permission(self):
        if self.action in ("reply", "close"):
            return "notices.suggestion.reply"
        if self.action == "create":
            return "notices.suggestion.create"
        return _first_held(self.request.user, SUGGESTION_PERMS)

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Suggestion.objects.none()
        q = None
        for perm in SUGGESTION_PERMS[:2]:
            part = scope_q(Suggestion, user, perm)
            if part is None:
                return self.queryset.all()
            q = part if q is None else q | part
        if user.person_id:
            q |= Q(person_id=user.person_id) | Q(
                community_id__in=user.resident_community_ids(),
                reply_public=True,
                status__in=["replied", "closed"],
            )
        return self.queryset.filter(q)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.submit_suggestion(actor=self.request.user, **data)

    def _obj(self, perm):
        suggestion = self.get_object()
        if not policy.staff_has(self.request.user, perm, suggestion.community_id):
            raise PermissionDenied()
        return suggestion

    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        suggestion = self._obj("notices.suggestion.reply")
        public = request.data.get("reply_public", True)
        public = (
            public
            if isinstance(public, bool)
            else str(public).lower() in ("1", "true", "yes", "on")
        )
        suggestion = services.reply_suggestion(
            actor=request.user,
            suggestion=suggestion,
            reply=str(request.data.get("reply", "")),
            public=public,
        )
        return Response(
            SuggestionSerializer(suggestion, context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        suggestion = self._obj("notices.suggestion.reply")
        suggestion = services.close_suggestion(actor=request.user, suggestion=suggestion)
        return Response(
            SuggestionSerializer(suggestion, context=self.get_serializer_context()).data
        )


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    role = serializers.CharField(required=False, allow_blank=True, max_length=50)
    person = ScopedRelatedField(Person, "core.person.view", required=False, allow_null=True)


class ActionItemSerializer(serializers.ModelSerializer):
    owner = StaffField("notices.meeting.manage", required=False, allow_null=True, label=_("owner"))
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "meeting",
            "community",
            "title",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "resolution",
            "closed_at",
        ]
        read_only_fields = ["meeting", "community", "status", "resolution", "closed_at"]

    def get_owner_name(self, obj) -> str:
        return (obj.owner.get_full_name() or obj.owner.username) if obj.owner_id else ""


class MeetingSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "notices.meeting.manage", label=_("community"))
    attendees = AttendeeSerializer(many=True, required=False)
    action_items = ActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "title",
            "held_at",
            "place",
            "status",
            "minutes",
            "minutes_public",
            "attendees",
            "action_items",
            "created_at",
        ]
        read_only_fields = ["status", "minutes", "minutes_public", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["attendees"] = [
            {"name": a.name, "role": a.role, "person": a.person_id}
            for a in instance.attendees.all()
        ]
        return data


class MeetingViewSet(ScopedModelViewSet):
    """座谈会: attendees, minutes and action items tracked to closure."""

    queryset = Meeting.objects.prefetch_related("attendees", "action_items__owner")
    serializer_class = MeetingSerializer
    permission_prefix = "notices.meeting"
    action_permissions = dict.fromkeys(
        ("create", "minutes", "action_items"), "notices.meeting.manage"
    )
    filterset_fields = ["community", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return Meeting.objects.none()
        q = scope_q(Meeting, user, "notices.meeting.view")
        if q is None:
            return self.queryset.all()
        if user.person_id:
            q |= Q(
                community_id__in=user.resident_community_ids(), status="held", minutes_public=True
            )
        return self.queryset.filter(q)

    def create_object(self, data):
        return services.create_meeting(actor=self.request.user, **data)

    def _meeting(self):
        meeting = self.get_object()
        if not policy.staff_has(self.request.user, "notices.meeting.manage", meeting.community_id):
            raise PermissionDenied()
        return meeting

    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        meeting = self._meeting()
        attendees = AttendeeSerializer(
            data=request.data.get("attendees", []), many=True, context=self.get_serializer_context()
        )
        attendees.is_valid(raise_exception=True)
        public = request.data.get("minutes_public", True)
        meeting = services.record_minutes(
            actor=request.user,
            meeting=meeting,
            minutes=str(request.data.get("minutes", "")),
            attendees=attendees.validated_data,
            minutes_public=bool(public),
        )
        return Response(MeetingSerializer(meeting, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request, pk=None):
        meeting = self._meeting()
        serializer = ActionItemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = services.add_action_item(
            actor=request.user, meeting=meeting, **serializer.validated_data
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ActionItemViewSet(ScopedReadOnlyViewSet):
    queryset = ActionItem.objects.select_related("owner")
    serializer_class = ActionItemSerializer
    permission_prefix = "notices.meeting"
    action_permissions = {"close": "notices.meeting.manage", "reopen": "notices.meeting.manage"}
    filterset_fields = ["community", "meeting", "status", "owner"]

    def _item(self):
        item = self.get_object()
        if not policy.staff_has(self.request.user, "notices.meeting.manage", item.community_id):
            raise PermissionDenied()
        return item

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        item = services.close_action_item(
            actor=request.user,
            item=self._item(),
            resolution=str(request.data.get("resolution", "")),
        )
        return Response(ActionItemSerializer(item).data)

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return Response(
            ActionItemSerializer(
                services.reopen_action_item(actor=request.user, item=self._item())
            ).data
        )


def register(router):
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("inbox", InboxViewSet, basename="inbox")
    router.register("reminder-templates", ReminderTemplateViewSet, basename="reminder-template")
    router.register("reminder-proposals", ReminderProposalViewSet, basename="reminder-proposal")
    router.register("holidays", HolidayViewSet, basename="holiday")
    router.register("weather-reports", WeatherReportViewSet, basename="weather-report")
    router.register("policy-changes", PolicyChangeViewSet, basename="policy-change")
    router.register("surveys", SurveyViewSet, basename="survey")
    router.register("suggestions", SuggestionViewSet, basename="suggestion")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("action-items", ActionItemViewSet, basename="action-item")
