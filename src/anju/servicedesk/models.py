"""Service desk (客服中心): tickets with first-contact ownership, SLA clocks, dispatch and return visits."""

from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core import attachments
from anju.core.models import Building, Community, House, Organization, Person, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager, ScopedQuerySet
from anju.core.states import StateMachine

from .choices import (
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Category,
    Channel,
    DutyRole,
    Kind,
    Priority,
    ReturnVisitOutcome,
    Skill,
    Status,
    Urgency,
    WorkItemKind,
)

S = Status
# action -> (from statuses, to status); None keeps the status (the service decides).
TICKET_MACHINE = StateMachine(
    {
        "assign": ((S.NEW, S.ASSIGNED), S.ASSIGNED),
        "transfer": ((S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS), S.ASSIGNED),
        "accept": ((S.ASSIGNED,), S.ACCEPTED),
        "decline": ((S.ASSIGNED,), S.NEW),
        "arrive": ((S.ACCEPTED,), S.IN_PROGRESS),
        "wait": ((S.ACCEPTED, S.IN_PROGRESS), S.WAITING),
        "resume": ((S.WAITING,), None),
        "resolve": ((S.NEW, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS), S.RESOLVED),
        "confirm": ((S.RESOLVED,), S.CONFIRMED),
        "reopen": ((S.RESOLVED, S.CONFIRMED, S.CLOSED), None),
        "rate": ((S.RESOLVED, S.CONFIRMED, S.CLOSED), None),
        "return-visit": ((S.RESOLVED, S.CONFIRMED, S.CLOSED), None),
        "close": ((S.RESOLVED, S.CONFIRMED), S.CLOSED),
        "cancel": ((S.NEW, S.ASSIGNED), S.CANCELLED),
        "respond": (
            (S.NEW, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CONFIRMED),
            None,
        ),
        "triage": ((S.NEW, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING), None),
        "appoint": ((S.NEW, S.ASSIGNED, S.ACCEPTED), None),
        "work": ((S.ACCEPTED, S.IN_PROGRESS, S.WAITING, S.RESOLVED), None),
        "escalate": ((S.NEW, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING), None),
    }
)
# Repairs must be worked on site before they are resolved; other kinds may be answered at once.
REPAIR_RESOLVE_FROM = (S.ACCEPTED, S.IN_PROGRESS)


def overdue_condition(now):
    """超时, the one rule of "overdue" (the dashboard card, the lists it opens, the workbench,
    the KPIs' backlog, the community comparison): open, the SLA clock running (not waiting for
    the resident), and past its resolve-by time. ``listing.OVERDUE_CONDITION`` is its SQL;
    ``tests/test_listing.py`` checks the two agree."""
    return Q(status__in=RUNNING_STATUSES, resolve_due_at__lt=now)


class TicketQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Overdue tickets (``overdue_condition``) at ``now``."""
        return self.filter(overdue_condition(now or timezone.now()))

    def for_source(self, source):
        return self.filter(
            source_type=ContentType.objects.get_for_model(source, for_concrete_model=False),
            source_id=str(source.pk),
        )


class Ticket(models.Model):
    """工单: a repair (报修), complaint (投诉), suggestion (建议), inquiry (咨询) or praise (表扬)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("community"),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("house"),
        help_text=_("Empty for a common area."),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=24)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    skill = models.CharField(_("skill"), max_length=12, choices=Skill.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    priority_reason = models.CharField(_("reason for the priority"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=120, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    reporter = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("reporter"),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    first_responder = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="first_contact_tickets",
        verbose_name=_("first responder"),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # led by a composite index (Meta.indexes)
    )
    source_id = models.CharField(max_length=40, blank=True)

    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("accept by"))
    arrive_due_at = models.DateTimeField(_("arrive by"))
    resolve_due_at = models.DateTimeField(_("resolve by"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_from = models.CharField(max_length=12, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    response = models.TextField(_("written response"), blank=True)
    responded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    chargeable = models.BooleanField(_("chargeable"), default=False)
    charge_amount = MoneyField(_("service charge"), default=0)
    charge_billed_at = models.DateTimeField(_("charge billed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("follows from"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    attachments = attachments.relation()

    objects = TicketQuerySet.as_manager()
    scope = Scope(
        organization="organization", community="community", house="house", person="reporter"
    )
    attachments_view_permission = "servicedesk.ticket.view"
    machine = TICKET_MACHINE

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="ticket_number_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(charge_amount__gte=0), name="ticket_charge_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "resolve_due_at"], name="ticket_queue"),
            # The staff queue: open tickets by due time, without visiting a million closed ones.
            models.Index(
                fields=["community", "resolve_due_at"],
                name="ticket_open_due",
                condition=Q(status__in=OPEN_STATUSES),
                include=["organization"],  # the scope filter: counting needs no table visit
            ),
            models.Index(fields=["community", "opened_at"], name="ticket_comm_opened"),
            models.Index(fields=["house", "opened_at"], name="ticket_house_opened"),
            models.Index(fields=["reporter", "opened_at"], name="ticket_reporter_opened"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["first_responder", "status"], name="ticket_fr_status"),
            models.Index(fields=["source_type", "source_id"], name="ticket_source"),
            models.Index(fields=["building", "resolved_at"], name="ticket_building_resolved"),
            models.Index(fields=["status", "escalation_level"], name="ticket_status_escalation"),
            models.Index(fields=["community", "category"], name="ticket_comm_category"),
            models.Index(fields=["number"], name="ticket_number"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def allowed_actions(self) -> list[str]:
        return list(allowed_actions_for(self.status, self.kind, self.rating is not None))

    def current_due(self, now=None):
        """The next SLA step and its due time: ("accept"|"arrive"|"resolve", datetime) or None."""
        if self.status not in OPEN_STATUSES:
            return None
        if self.accepted_at is None and self.kind == Kind.REPAIR:
            return "accept", self.accept_due_at
        if self.arrived_at is None and self.kind == Kind.REPAIR:
            return "arrive", self.arrive_due_at
        return "resolve", self.resolve_due_at

    def sla_state(self, now=None, due=False):
        """ "ok", "warn" (less than a quarter of the step left or an hour) or "bad" (overdue).
        ``due``: ``current_due()``, when the caller has it already."""
        if due is False:
            due = self.current_due()
        if due is None:
            return "ok"
        if self.status == Status.WAITING:
            return "warn"
        now = now or timezone.now()
        left = (due[1] - now).total_seconds()
        if left < 0:
            return "bad"
        total = max((due[1] - self.opened_at).total_seconds(), 1)
        return "warn" if left < min(3600, total / 4) else "ok"


@cache
def allowed_actions_for(status, kind, rated) -> tuple[str, ...]:
    """What a ticket in ``status`` of ``kind`` allows: all it depends on, so a list page
    decides it once per distinct triple."""
    actions = TICKET_MACHINE.allowed_actions(status)
    if kind == Kind.REPAIR and status not in REPAIR_RESOLVE_FROM and "resolve" in actions:
        actions.remove("resolve")
    if kind != Kind.COMPLAINT and "respond" in actions:
        actions.remove("respond")
    if rated and "rate" in actions:
        actions.remove("rate")
    return tuple(actions)


class TicketEvent(models.Model):
    """工单轨迹: one step of a ticket's timeline (who, when, what, due times)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # led by ticket_event_ticket_at
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("shown to the resident"), default=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager()
    scope = Scope(
        organization="organization",
        community="community",
        house="ticket__house",
        person="ticket__reporter",
    )

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at")]

    def __str__(self):
        return f"{self.ticket_id} {self.action}"


class TicketPause(models.Model):
    """挂起: the SLA clock stopped while waiting for the resident."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=200)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at"]

    def __str__(self):
        return f"{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M}"


class WorkItem(models.Model):
    """用料与工时: material or labour on a repair, with the in-house price when chargeable."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="work_items")
    kind = models.CharField(_("kind"), max_length=8, choices=WorkItemKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = MoneyField(_("unit price"), default=0)
    amount = MoneyField(_("amount"), default=0)
    chargeable = models.BooleanField(_("charged to the resident"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="ticket__house")

    class Meta:
        verbose_name = _("material or labour")
        verbose_name_plural = _("materials and labour")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="workitem_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="workitem_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.description


class ReturnVisit(models.Model):
    """回访: the agent's call after a ticket is resolved, with its outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("return visit", "Due")
        DONE = "done", pgettext_lazy("return visit", "Done")
        CANCELLED = "cancelled", pgettext_lazy("return visit", "Cancelled")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="return_visits")
    agent = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    due_at = models.DateTimeField(_("due"))
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=ReturnVisitOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    follow_up = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["community", "status", "due_at"], name="return_visit_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="one_pending_return_visit_per_ticket",
            )
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.due_at:%Y-%m-%d}"


class Escalation(models.Model):
    """升级: one missed SLA step told to one level (assignee, manager, company), once."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(_("SLA step"), max_length=8)
    level = models.PositiveSmallIntegerField(_("level"))
    due_at_key = models.CharField(max_length=32, default="", editable=False)
    notified = models.JSONField(default=list)
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "step", "level", "due_at_key"], name="escalation_once"
            )
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.step} L{self.level}"


class SlaPolicy(models.Model):
    """SLA 时限: minutes to accept, arrive and resolve per community and priority (overrides settings)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    accept_minutes = models.PositiveIntegerField(_("accept within (minutes)"))
    arrive_minutes = models.PositiveIntegerField(_("arrive within (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("resolve within (minutes)"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["community_id", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["community", "priority"], name="sla_policy_unique")
        ]

    def __str__(self):
        return f"{self.community_id} {self.priority}"


def _skills_of_staff_in(community_ids):
    """Skills of people who work in these communities (staff without a community limit work in
    all of their company's communities)."""
    return StaffSkill.objects.filter(
        Q(user__memberships__communities__in=community_ids)
        | Q(user__memberships__communities__isnull=True),
        user__memberships__active=True,
        user__memberships__organization=models.F("organization"),
    ).values("pk")


class StaffSkill(models.Model):
    """技能: what a technician can work, used by automatic dispatch."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="service_skills", verbose_name=_("staff")
    )
    skill = models.CharField(_("skill"), max_length=12, choices=Skill.choices)

    objects = ScopedManager()
    scope = Scope(organization="organization", community_subquery=_skills_of_staff_in)

    class Meta:
        verbose_name = _("staff skill")
        verbose_name_plural = _("staff skills")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "skill"], name="staff_skill_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "skill"], name="staff_skill_org_skill")]

    def __str__(self):
        return f"{self.user} {self.skill}"


class DutyShift(models.Model):
    """值班表: who is on duty in a community, as agent, technician or manager."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="duty_shifts", verbose_name=_("staff")
    )
    role = models.CharField(_("duty"), max_length=12, choices=DutyRole.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["community", "role", "starts_at"], name="duty_comm_role_start")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_ordered"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.role} {self.starts_at:%Y-%m-%d %H:%M}"
