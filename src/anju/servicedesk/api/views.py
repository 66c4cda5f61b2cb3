"""The rest of the service-desk API: return visits, SLA policies, KPIs, on-time rates, staff
skills and the duty roster; ``register`` puts every viewset on the router.
"""

from datetime import timedelta

from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from anju.core import policy
from anju.core.api import query as params_query
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSetMixin
from anju.core.dates import parse_day
from anju.core.errors import DomainError
from anju.core.models import Community, House

from .. import selectors, services
from ..actions import ROSTER_MANAGE, ROSTER_VIEW, VIEW
from ..models import DutyShift, ReturnVisit, SlaPolicy, StaffSkill, Ticket
from .serializers import (
    DutyShiftSerializer,
    ReturnVisitSerializer,
    SlaPolicySerializer,
    StaffSkillSerializer,
)
from .tickets import TicketViewSet


class ReturnVisitViewSet(ScopedReadOnlyViewSet):
    queryset = ReturnVisit.objects.select_related("ticket", "agent")
    serializer_class = ReturnVisitSerializer
    permission_prefix = "servicedesk.ticket"
    filterset_fields = ["community", "status", "agent", "outcome"]

    @property
    def view_permission(self):
        return "servicedesk.ticket.return_visit"


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
