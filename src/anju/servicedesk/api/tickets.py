"""The ticket endpoints: the list in one statement (``listing``), the intake and one POST
action per transition, each calling its service.
"""

import orjson
from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from anju.core import attachments, policy
from anju.core.api import query as params_query
from anju.core.api.pagination import Pagination
from anju.core.api.viewsets import ScopedModelViewSet

from .. import actions, listing, services
from ..actions import VIEW
from ..filters import TicketFilterBackend
from ..filters import parse as parse_filters
from ..models import Ticket
from .serializers import (
    AppointmentSerializer,
    AssignSerializer,
    EventSerializer,
    NoteSerializer,
    RateSerializer,
    ReasonSerializer,
    ResponseSerializer,
    ReturnVisitInputSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TransferSerializer,
    TriageSerializer,
    WorkItemSerializer,
)


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
    filter_backends = [TicketFilterBackend, OrderingFilter, SearchFilter]
    pagination_class = TicketPagination
    search_fields = ["number", "description", "title"]
    ordering_fields = ["opened_at", "resolve_due_at", "priority", "number"]
    # The transitions' permissions are actions.PERMISSIONS (DRF names "return-visit"
    # return_visit); the rest are the viewset's own.
    action_permissions = {
        **{name.replace("-", "_"): perm for name, perm in actions.PERMISSIONS.items()},
        "create": actions.CREATE,
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
                queryset = queryset.overdue()
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
