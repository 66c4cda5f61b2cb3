"""What the service-desk API reads and writes: the ticket (built by ``rows.TicketRows``), its
timeline, the intake and transition inputs, return visits, SLA policies, skills and shifts.
"""

import copy

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import serializers

from anju.core.api.attachments import AttachmentsField
from anju.core.api.fields import ScopedRelatedField, StaffField
from anju.core.models import Community, House, Person

from .. import selectors
from ..actions import DISPATCH, ROSTER_MANAGE
from ..choices import (
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Skill,
    Urgency,
)
from ..models import DutyShift, ReturnVisit, SlaPolicy, StaffSkill, Ticket, TicketEvent
from ..rows import FIELDS, TicketRows, user_name


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
