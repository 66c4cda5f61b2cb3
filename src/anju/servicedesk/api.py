"""Service-desk REST API: tickets with their transitions and timeline, return visits, SLA
policies and the KPI endpoint (API contract of issue 3)."""

import copy
from datetime import timedelta

import orjson
from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from anju.core import attachments, policy
from anju.core.api import query as params_query
from anju.core.api.attachments import AttachmentsField
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.api.pagination import Pagination
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from anju.core.dates import parse_day
from anju.core.errors import DomainError
from anju.core.models import Community, House, Person

from . import listing, selectors, services
from .choices import (
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Skill,
    Urgency,
)
from .filters import TicketFilter
from .filters import parse as parse_filters
from .models import DutyShift, ReturnVisit, SlaPolicy, StaffSkill, Ticket, TicketEvent
from .rows import FIELDS, TicketRows, user_name

VIEW = "servicedesk.ticket.view"
DISPATCH = "servicedesk.ticket.dispatch"


class CommunityField(ScopedRelatedField):
    """Communities where the caller works as staff, or lives (residents report in their own)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Community.objects.none()
        user = request.user
        staff = Community.objects.visible_to(user, self.scope_perm).values("pk")
        return Community.objects.filter(Q(pk__in=staff) | Q(pk__in=user.resident_community_ids()))

    def also_visible(self, obj, user):
        return obj.pk in user.resident_community_ids()


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as the API answers it (built by ``rows.TicketRows``); intakes send
    ``TicketCreateSerializer`` and transitions their own small serializers."""

    house_label = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    reporter_name = serializers.CharField(source="reporter.name", read_only=True, default="")
    first_responder_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    sla_state = serializers.SerializerMethodField()
    next_due = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    attachments = AttachmentsField()

    class Meta:
        model = Ticket
        fields = list(FIELDS)
        read_only_fields = fields

    def get_house_label(self, obj) -> str:
        return f"{obj.house.building.name}-{obj.house.number}" if obj.house_id else ""

    def get_first_responder_name(self, obj) -> str:
        return user_name(obj.first_responder)

    def get_assignee_name(self, obj) -> str:
        return user_name(obj.assignee)

    def get_sla_state(self, obj) -> str:
        return obj.sla_state()

    def get_next_due(self, obj) -> dict | None:
        due = obj.current_due()
        return {"step": due[0], "at": due[1]} if due else None

    def get_allowed_actions(self, obj) -> list[str]:
        return obj.allowed_actions()

    def get_source(self, obj) -> dict | None:
        if not obj.source_type_id:
            return None
        ct = obj.source_type
        return {"type": f"{ct.app_label}.{ct.model}", "id": obj.source_id}

    def to_representation(self, instance):
        # Built by hand (rows.py): the generic field machinery dominated the hot lists.
        rows = self.context.get("_ticket_rows")
        if rows is None:
            request = self.context.get("request")
            rows = self.context["_ticket_rows"] = TicketRows(getattr(request, "user", None))
        return rows.row(instance)


class EventSerializer(serializers.ModelSerializer):
    action_display = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "at",
            "action",
            "action_display",
            "actor_label",
            "from_status",
            "to_status",
            "note",
            "data",
            "public",
        ]

    def get_action_display(self, obj):
        return str(ACTION_LABELS.get(obj.action, obj.action))


ACTION_LABELS = {
    "open": pgettext_lazy("ticket event", "Reported"),
    "assign": pgettext_lazy("ticket event", "Dispatched"),
    "transfer": pgettext_lazy("ticket event", "Transferred"),
    "accept": pgettext_lazy("ticket event", "Accepted"),
    "decline": pgettext_lazy("ticket event", "Declined"),
    "arrive": pgettext_lazy("ticket event", "Arrived on site"),
    "wait": pgettext_lazy("ticket event", "Waiting for resident"),
    "resume": pgettext_lazy("ticket event", "Clock running again"),
    "appoint": pgettext_lazy("ticket event", "Appointment set"),
    "triage": pgettext_lazy("ticket event", "Priority changed"),
    "note": pgettext_lazy("ticket event", "Note"),
    "work": pgettext_lazy("ticket event", "Material / labour"),
    "resolve": pgettext_lazy("ticket event", "Resolved"),
    "confirm": pgettext_lazy("ticket event", "Confirmed by resident"),
    "reopen": pgettext_lazy("ticket event", "Reopened"),
    "rate": pgettext_lazy("ticket event", "Rated"),
    "return-visit": pgettext_lazy("ticket event", "Return visit"),
    "close": pgettext_lazy("ticket event", "Closed"),
    "cancel": pgettext_lazy("ticket event", "Cancelled"),
    "respond": pgettext_lazy("ticket event", "Written response"),
    "escalate": pgettext_lazy("ticket event", "Escalated"),
}


def _text(name, **kwargs):
    """A text field of the intake as the model declares it (label and length)."""
    field = Ticket._meta.get_field(name)
    return serializers.CharField(label=field.verbose_name, max_length=field.max_length, **kwargs)


class TicketCreateSerializer(serializers.Serializer):
    """What an intake sends (the fields of ``TicketSerializer`` one may write). A plain
    serializer: building a ModelSerializer's fields cost more than the rest of the intake."""

    community = CommunityField(Community, "servicedesk.ticket.create", label=_("community"))
    house = ScopedRelatedField(
        House,
        "servicedesk.ticket.create",
        queryset=House.objects.select_related("building"),
        required=False,
        allow_null=True,
        label=_("house"),
    )
    reporter = ScopedRelatedField(
        Person, "core.person.view", required=False, allow_null=True, label=_("reporter")
    )
    kind = serializers.ChoiceField(Kind.choices, label=_("kind"))
    category = serializers.ChoiceField(Category.choices, label=_("category"))
    channel = serializers.ChoiceField(Channel.choices, required=False, label=_("channel"))
    urgency = serializers.ChoiceField(Urgency.choices, required=False, label=_("urgency"))
    priority = serializers.ChoiceField(
        Priority.choices, required=False, allow_null=True, label=_("priority")
    )
    priority_reason = _text("priority_reason", required=False, allow_blank=True)
    title = _text("title", required=False, allow_blank=True)
    description = _text("description")
    location = _text("location", required=False, allow_blank=True)
    contact_phone = _text("contact_phone", required=False, allow_blank=True)
    appointment_at = serializers.DateTimeField(
        required=False, allow_null=True, label=_("appointment")
    )

    def get_fields(self):
        # DRF deep-copies each declared field for every serializer it makes: it rebuilds the
        # choice lists and clones the querysets, a tenth of an intake. These fields keep no
        # state of their own between binding and validating, so a shallow copy serves.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), allow_blank=True, required=False, default="")


class AssignSerializer(serializers.Serializer):
    assignee = StaffField(DISPATCH, required=False, allow_null=True, label=_("assignee"))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    assignee = StaffField(DISPATCH, label=_("assignee"))
    reason = serializers.CharField(label=_("reason"), allow_blank=True, required=False, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("note"))


class RateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5, label=_("score"))
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("comment")
    )


class ReturnVisitInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(ReturnVisitOutcome.choices, label=_("outcome"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("note"))


class WorkItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField([("material", "material"), ("labour", "labour")])
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, default=1)
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=0
    )
    chargeable = serializers.BooleanField(required=False, default=False)


class TriageSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(Priority.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AppointmentSerializer(serializers.Serializer):
    appointment_at = serializers.DateTimeField()


class ResponseSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True, required=False, default="")


class TicketPagination(Pagination):
    page_size = 20  # a phone screen or two; ?page_size= asks for more


class TicketViewSet(ScopedModelViewSet):
    """Tickets. Residents see the tickets of their houses and their own; staff their communities'."""

    queryset = Ticket.objects.select_related(
        "house__building", "first_responder", "assignee", "reporter", "source_type"
    )
    serializer_class = TicketSerializer
    permission_prefix = "servicedesk.ticket"
    http_method_names = ["get", "post", "head", "options"]
    filter_backends = [TicketFilter, OrderingFilter, SearchFilter]
    pagination_class = TicketPagination
    search_fields = ["number", "description", "title"]
    ordering_fields = ["opened_at", "resolve_due_at", "priority", "number"]
    action_permissions = {
        "create": "servicedesk.ticket.create",
        "assign": "servicedesk.ticket.dispatch",
        "transfer": "servicedesk.ticket.dispatch",
        "triage": "servicedesk.ticket.dispatch",
        "accept": "servicedesk.ticket.work",
        "decline": "servicedesk.ticket.work",
        "arrive": "servicedesk.ticket.work",
        "wait": "servicedesk.ticket.work",
        "resume": "servicedesk.ticket.work",
        "work": "servicedesk.ticket.work",
        "resolve": "servicedesk.ticket.work",
        "note": VIEW,
        "confirm": VIEW,
        "reopen": VIEW,
        "rate": VIEW,
        "appoint": VIEW,
        "cancel": VIEW,
        "return_visit": "servicedesk.ticket.return_visit",
        "close": "servicedesk.ticket.close",
        "respond": "servicedesk.complaint.respond",
        "escalate": "servicedesk.ticket.dispatch",
        "timeline": VIEW,
        "queue": VIEW,
        "mine": VIEW,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        if self.action in ("list", "export"):
            if params_query.flag(params, "open"):
                queryset = queryset.open()
            if params_query.flag(params, "overdue"):
                queryset = queryset.open().filter(resolve_due_at__lt=timezone.now())
        return queryset

    def list(self, request, *args, **kwargs):
        # One statement for the page, its total and its labels (listing.py).
        params = request.query_params
        query = listing.TicketQuery(
            equal=parse_filters(params),
            open=params_query.flag(params, "open"),
            overdue=params_query.flag(params, "overdue"),
            search=SearchFilter().get_search_terms(request),
            ordering=[
                name.strip()
                for name in params.get("ordering", "").split(",")
                if name.strip().removeprefix("-") in self.ordering_fields
            ],
        )
        paginator = self.paginator
        size = paginator.get_page_size(request)
        asked = paginator.check_page_number(request)
        user, perm = request.user, self.view_permission
        if asked in paginator.last_page_strings:
            total = listing.ticket_page(user, perm, query, offset=0, limit=1)[0]
            asked = str(max(1, -(-total // size)))
        try:
            number = int(asked)  # as Django's paginator reads it ("+2" is page 2)
        except ValueError:
            number = 0
        # A page past a 64-bit OFFSET is past any table: 404 too, not a database error.
        if not 0 < number <= 2**62 // size:
            raise NotFound(paginator.invalid_page_message.format(page_number=asked, message=""))
        offset = (number - 1) * size
        if connection.vendor == "postgresql" and getattr(
            request.accepted_renderer, "writes_fragments", lambda request: False
        )(request):
            # The rows as JSON written by PostgreSQL (listing.ticket_page_json).
            total, tickets = listing.ticket_page_json(user, perm, query, offset=offset, limit=size)
            data = orjson.Fragment(("[" + ",".join(tickets) + "]").encode())
        else:
            total, tickets = listing.ticket_page(user, perm, query, offset=offset, limit=size)
            data = None
        if not tickets and number > 1:
            raise NotFound(paginator.invalid_page_message.format(page_number=asked, message=""))
        pages = DjangoPaginator((), size)
        pages.count = total
        paginator.page, paginator.request = Page(tickets, number, pages), request
        if data is None:
            data = self.get_serializer(tickets, many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(self._input(TicketCreateSerializer))
        # Checked and re-encoded before the intake's transaction (core.attachments).
        photos = attachments.prepare(self._files("attachments"), field="attachments")
        community = data.pop("community")
        user = request.user
        if not policy.user_has(
            user, "servicedesk.ticket.create", community.pk, community.organization_id
        ):
            raise PermissionDenied()
        staff = policy.staff_has(user, VIEW, community.pk)
        channel = data.pop("channel", None) or ("phone" if staff else "portal")
        if not staff:
            channel = "portal"
            data.pop("reporter", None)
        ticket = services.create_ticket(
            actor=user,
            community=community,
            channel=channel,
            attachments=photos,
            **{k: v for k, v in data.items() if v is not None or k in ("house", "priority")},
        )
        return Response(self.get_serializer(ticket).data, status=201)

    def _done(self, ticket, status_code=200):
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(ticket).data, status=status_code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _files(self, name):
        return self.request.FILES.getlist(name) if self.request.FILES else ()

    def _photos(self):
        return attachments.prepare(self._files("photos"), field="photos")

    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._input(AssignSerializer)
        return self._done(services.assign(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        data = self._input(TransferSerializer)
        return self._done(services.transfer(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        data = self._input(TriageSerializer)
        return self._done(services.triage(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._done(services.accept(actor=request.user, ticket=self.get_object()))

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = self._input(ReasonSerializer)
        return self._done(services.decline(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        data = self._input(NoteSerializer)
        return self._done(
            services.arrive(
                actor=request.user, ticket=self.get_object(), photos=self._photos(), **data
            )
        )

    @action(detail=True, methods=["post"])
    def wait(self, request, pk=None):
        data = self._input(ReasonSerializer)
        return self._done(
            services.wait_for_resident(actor=request.user, ticket=self.get_object(), **data)
        )

    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        data = self._input(NoteSerializer)
        return self._done(services.resume(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def appoint(self, request, pk=None):
        data = self._input(AppointmentSerializer)
        return self._done(
            services.set_appointment(actor=request.user, ticket=self.get_object(), **data)
        )

    @action(detail=True, methods=["post"])
    def work(self, request, pk=None):
        data = self._input(WorkItemSerializer)
        services.add_work_item(actor=request.user, ticket=self.get_object(), **data)
        return self._done(self.get_object(), 201)

    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        data = self._input(NoteSerializer)
        ticket = self.get_object()
        public = not policy.staff_has(request.user, VIEW, ticket.community_id) or request.data.get(
            "public"
        ) in (
            True,
            "true",
            "1",
        )
        services.add_note(actor=request.user, ticket=ticket, note=data["note"], public=public)
        return self._done(ticket, 201)

    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = self._input(NoteSerializer)
        return self._done(
            services.resolve(
                actor=request.user, ticket=self.get_object(), photos=self._photos(), **data
            )
        )

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = self._input(NoteSerializer)
        return self._done(services.confirm(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = self._input(ReasonSerializer)
        return self._done(services.reopen(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        data = self._input(RateSerializer)
        return self._done(services.rate(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request, pk=None):
        data = self._input(ReturnVisitInputSerializer)
        services.record_return_visit(actor=request.user, ticket=self.get_object(), **data)
        return self._done(self.get_object())

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._input(NoteSerializer)
        return self._done(services.close(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._input(ReasonSerializer)
        return self._done(services.cancel(actor=request.user, ticket=self.get_object(), **data))

    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        data = self._input(ResponseSerializer)
        return self._done(
            services.respond_to_complaint(actor=request.user, ticket=self.get_object(), **data)
        )

    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        data = self._input(ReasonSerializer)
        return self._done(services.escalate(actor=request.user, ticket=self.get_object(), **data))

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        ticket = self.get_object()
        events = ticket.events.select_related(None).order_by("at", "id")
        if not policy.staff_has(request.user, VIEW, ticket.community_id):
            events = events.filter(public=True)
        return Response(
            {
                "id": ticket.pk,
                "number": ticket.number,
                "status": ticket.status,
                "opened_at": ticket.opened_at,
                "accept_due_at": ticket.accept_due_at,
                "arrive_due_at": ticket.arrive_due_at,
                "resolve_due_at": ticket.resolve_due_at,
                "appointment_at": ticket.appointment_at,
                "paused_seconds": ticket.paused_seconds,
                "reopen_count": ticket.reopen_count,
                "events": EventSerializer(events, many=True).data,
            }
        )


class ReturnVisitSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    agent_name = serializers.SerializerMethodField()

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "community",
            "ticket",
            "ticket_number",
            "agent",
            "agent_name",
            "status",
            "due_at",
            "outcome",
            "note",
            "done_at",
            "follow_up",
        ]
        read_only_fields = fields  # read through a read-only viewset

    def get_agent_name(self, obj) -> str:
        return user_name(obj.agent)


class ReturnVisitViewSet(ScopedReadOnlyViewSet):
    queryset = ReturnVisit.objects.select_related("ticket", "agent")
    serializer_class = ReturnVisitSerializer
    permission_prefix = "servicedesk.ticket"
    filterset_fields = ["community", "status", "agent", "outcome"]

    @property
    def view_permission(self):
        return "servicedesk.ticket.return_visit"


class SlaPolicySerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "servicedesk.sla.manage", label=_("community"))

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "community",
            "priority",
            "accept_minutes",
            "arrive_minutes",
            "resolve_minutes",
        ]


class SlaPolicyViewSet(mixins.CreateModelMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """SLA per community and priority; POST sets (creates or replaces) one row."""

    queryset = SlaPolicy.objects.all()
    serializer_class = SlaPolicySerializer
    permission_prefix = "servicedesk.sla"
    filterset_fields = ["community", "priority"]
    action_permissions = {"create": "servicedesk.sla.manage"}

    @property
    def view_permission(self):
        return "servicedesk.ticket.view"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        community = data.pop("community")
        self.check_scope("servicedesk.sla.manage", community.pk, community.organization_id)
        serializer.instance = services.set_sla_policy(
            actor=self.request.user, community=community, **data
        )


def _parse_day(value, field, default):
    if not value:
        return default
    parsed = parse_day(value)
    if parsed is None:
        raise DomainError(
            _("Use the date format YYYY-MM-DD."),
            fields={field: [_("Use the date format YYYY-MM-DD.")]},
        )
    return parsed


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def service_kpis(request):
    """GET /api/v1/service-kpis/?community=&from=&to= : KPIs of the tickets opened in the period."""
    user = request.user
    if not policy.user_has(user, "servicedesk.kpi.view"):
        raise PermissionDenied()
    today = timezone.localdate()
    end = _parse_day(request.query_params.get("to"), "to", today)
    start = _parse_day(request.query_params.get("from"), "from", end - timedelta(days=29))
    if start > end:
        raise DomainError(
            _("The start must not be after the end."),
            fields={"from": [_("The start must not be after the end.")]},
        )
    tickets = Ticket.objects.visible_to(user, "servicedesk.kpi.view")
    community_param = params_query.identifier(request.query_params, "community")
    community = None
    if community_param:
        community = (
            Community.objects.visible_to(user, "servicedesk.kpi.view")
            .filter(pk=community_param)
            .first()
        )
        if community is None:
            raise NotFound()
        tickets = tickets.filter(community_id=community.pk)
    data = selectors.kpis(tickets, start, end)
    data["community"] = community.pk if community else None
    return Response(data)


@extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
@api_view(["GET"])
def service_on_time(request):
    """For residents: the on-time rate of their building and community (last 90 days)."""
    user = request.user
    houses = House.objects.filter(pk__in=user.resident_house_ids()).select_related("building")
    if not houses and policy.staff_has(user, VIEW):
        community_ids = user.staff_community_ids()
        house_id = params_query.identifier(request.query_params, "house")
        houses = (
            House.objects.filter(pk=house_id, community_id__in=community_ids)
            if house_id
            else House.objects.none()
        )
    if not houses and not policy.user_has(user, VIEW):
        raise PermissionDenied()
    return Response(
        [
            {
                "house": h.pk,
                "house_label": f"{h.building.name}-{h.number}",
                **selectors.resident_on_time(h),
            }
            for h in houses
        ]
    )


# Roster and skills ---------------------------------------------------------------------------

ROSTER_VIEW = "servicedesk.ticket.dispatch"  # dispatchers see who is on duty and who can do what
ROSTER_MANAGE = "servicedesk.roster.manage"  # community managers (and the company) plan it


def roster_staff(**kwargs):
    """A staff member the caller may plan (same company, the caller's communities); else 404."""
    return StaffField(ROSTER_MANAGE, roles=selectors.SERVICE_ROLES, **kwargs)


class StaffSkillSerializer(serializers.ModelSerializer):
    user = roster_staff(label=_("staff"))
    user_name = serializers.SerializerMethodField()
    skill = serializers.ChoiceField(Skill.choices, label=_("skill"))
    skill_display = serializers.CharField(source="get_skill_display", read_only=True)

    class Meta:
        model = StaffSkill
        fields = ["id", "organization", "user", "user_name", "skill", "skill_display"]
        read_only_fields = ["organization"]
        validators = []  # the service answers a duplicate, naming the field

    def get_user_name(self, obj) -> str:
        return user_name(obj.user)


class StaffSkillViewSet(ScopedModelViewSet):
    """技能: what each staff member can work (automatic dispatch matches it to the category).
    Visible to dispatchers of the communities the person works in; managed by their managers."""

    queryset = StaffSkill.objects.select_related("user")
    serializer_class = StaffSkillSerializer
    permission_prefix = "servicedesk.roster"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["user", "skill"]
    ordering_fields = ["user", "skill"]
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update", "destroy"), ROSTER_MANAGE
    )

    @property
    def view_permission(self):
        return ROSTER_VIEW

    def get_queryset(self):
        queryset = super().get_queryset().order_by("user_id", "skill")
        community = params_query.identifier(self.request.query_params, "community")
        if self.action == "list" and community:
            staff = selectors.staff_in_scope(self.request.user, ROSTER_VIEW).filter(
                Q(memberships__communities=community)
                | Q(memberships__communities__isnull=True, memberships__active=True)
            )
            queryset = queryset.filter(user__in=staff.values("pk"))
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        user, actor = data["user"], self.request.user
        organization = next(
            (
                m.organization
                for m in user.active_memberships()
                if policy.user_has(actor, ROSTER_MANAGE, organization_id=m.organization_id)
            ),
            None,
        )
        if organization is None:
            raise PermissionDenied()
        serializer.instance = services.add_staff_skill(
            actor=actor, organization=organization, user=user, skill=data["skill"]
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        if "user" in data and data["user"].pk != serializer.instance.user_id:
            message = _("Add the skill to the other person instead.")
            raise DomainError(message, fields={"user": [message]})
        serializer.instance = services.change_staff_skill(
            actor=self.request.user,
            staff_skill=serializer.instance,
            skill=data.get("skill", serializer.instance.skill),
        )

    def perform_destroy(self, instance):
        services.remove_staff_skill(actor=self.request.user, staff_skill=instance)


class DutyShiftSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, ROSTER_MANAGE, label=_("community"))
    user = roster_staff(label=_("staff"))
    user_name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(DutyRole.choices, label=_("duty"))
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    on_duty_now = serializers.SerializerMethodField()

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "community",
            "user",
            "user_name",
            "role",
            "role_display",
            "starts_at",
            "ends_at",
            "on_duty_now",
        ]

    def get_user_name(self, obj) -> str:
        return user_name(obj.user)

    def get_on_duty_now(self, obj) -> bool:
        now = self.context.setdefault("now", timezone.now())
        return obj.starts_at <= now < obj.ends_at


class DutyShiftViewSet(ScopedModelViewSet):
    """值班表: who is on duty in a community, as agent, technician or manager on duty.
    ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` lists the shifts overlapping those days, ``?now=1`` the
    shifts running now."""

    queryset = DutyShift.objects.select_related("user")
    serializer_class = DutyShiftSerializer
    permission_prefix = "servicedesk.roster"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["community", "user", "role"]
    ordering_fields = ["starts_at", "ends_at"]
    action_permissions = dict.fromkeys(
        ("create", "update", "partial_update", "destroy"), ROSTER_MANAGE
    )

    @property
    def view_permission(self):
        return ROSTER_VIEW

    def get_queryset(self):
        queryset = super().get_queryset().order_by("starts_at", "id")
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params_query.flag(params, "now"):
            now = timezone.now()
            queryset = queryset.filter(starts_at__lte=now, ends_at__gt=now)
        if params.get("from") or params.get("to"):
            today = timezone.localdate()
            start = _parse_day(params.get("from"), "from", today)
            end = _parse_day(params.get("to"), "to", start + timedelta(days=6))
            if start > end:
                message = _("The start must not be after the end.")
                raise DomainError(message, fields={"from": [message]})
            queryset = queryset.filter(
                starts_at__lt=selectors.period_bounds(start, end)[1],
                ends_at__gt=selectors.period_bounds(start, end)[0],
            )
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        community = data.pop("community")
        self.check_scope(ROSTER_MANAGE, community.pk, community.organization_id)
        serializer.instance = services.add_duty_shift(
            actor=self.request.user, community=community, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        community = data.pop("community", None)
        if community is not None and community.pk != serializer.instance.community_id:
            message = _("A shift stays in its community; add a new one in the other community.")
            raise DomainError(message, fields={"community": [message]})
        serializer.instance = services.change_duty_shift(
            actor=self.request.user, shift=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.remove_duty_shift(actor=self.request.user, shift=instance)


def register(router):
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("staff-skills", StaffSkillViewSet, basename="staff-skill")
    router.register("duty-shifts", DutyShiftViewSet, basename="duty-shift")


urlpatterns = [
    path("service-kpis/", service_kpis, name="service-kpis"),
    path("service-on-time/", service_on_time, name="service-on-time"),
]
