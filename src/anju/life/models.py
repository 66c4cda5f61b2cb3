"""Community life (社区生活): paid home services (有偿服务) with published prices (明码标价) and
orders worked as service-desk tickets, and community events (社区活动) with household sign-ups
and a waitlist. Fees are billed to the house through billing and are the company's own income
(经营收入), never the owners' public income."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core import attachments
from anju.core.models import Community, House, Organization, Person
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import ACTIVE_SIGNUP, EventStatus, OrderStatus, QuoteDecision, SignupStatus

USER = settings.AUTH_USER_MODEL


class ServiceOffering(models.Model):
    """One published service of the catalogue: a community's, or the company's for all its
    communities (community empty)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
        help_text=_("Empty: offered in every community of the company."),
    )
    name = models.CharField(_("name"), max_length=100)
    price = MoneyField(_("price (¥)"))
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. per visit, per hour"))
    description = models.TextField(_("what is included"))
    materials_extra = models.BooleanField(
        _("materials charged extra"),
        default=False,
        help_text=_("Materials are quoted on site and the resident accepts them first."),
    )
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    # Residents read the published catalogue of their company (their community's and the
    # company-wide entries); the portal shows them those of their own community.
    scope = Scope(
        organization="organization",
        community="community",
        house="organization__communities__houses",
        residents_except=(("published", False),),
    )

    class Meta:
        verbose_name = _("service offering")
        verbose_name_plural = _("service offerings")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "community", "published"], name="offer_scope"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_nonneg"),
        ]

    def __str__(self):
        return self.name


ORDER_STATES = StateMachine(
    {
        # The technician quotes extra materials; work waits for the resident's answer.
        "quote": ((OrderStatus.ORDERED,), OrderStatus.QUOTED),
        "accept-quote": ((OrderStatus.QUOTED,), OrderStatus.ORDERED),
        "decline-quote": ((OrderStatus.QUOTED,), OrderStatus.ORDERED),
        # After the work: the bill is issued and paid online (billing's pay page).
        "pay": ((OrderStatus.ORDERED, OrderStatus.UNPAID), OrderStatus.UNPAID),
        "settle": ((OrderStatus.UNPAID,), OrderStatus.PAID),
        "cancel": ((OrderStatus.ORDERED, OrderStatus.QUOTED), OrderStatus.CANCELLED),
        # A paid order called off or disputed: billing's credit note and refund (退款).
        "refund": ((OrderStatus.PAID,), OrderStatus.REFUNDED),
    },
    labels={"refund": pgettext_lazy("service order action", "Refund")},
)


class ServiceOrder(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    offering = models.ForeignKey(
        ServiceOffering, on_delete=models.PROTECT, related_name="orders", verbose_name=_("service")
    )
    number = models.CharField(_("order number"), max_length=30)
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    appointment_at = models.DateTimeField(_("appointment"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ORDERED
    )
    price = MoneyField(_("price (¥)"), help_text=_("The published price when ordered."))
    quote_amount = MoneyField(_("materials quoted (¥)"), default=0)
    quote_note = models.CharField(_("what the quote is for"), max_length=300, blank=True)
    quote_decision = models.CharField(
        _("quote"), max_length=10, choices=QuoteDecision.choices, blank=True, default=""
    )
    amount = MoneyField(_("amount billed (¥)"), default=0)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("work order"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_method = models.CharField(_("paid by"), max_length=10, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    refunded_amount = MoneyField(_("refunded (¥)"), default=0)
    refund_reason = models.CharField(_("reason for the refund"), max_length=300, blank=True)
    refund_kept = models.BooleanField(
        _("kept as prepayment"),
        default=False,
        help_text=_("The refund stays in the household's prepayment instead of being paid back."),
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refunded by"),
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("ordered at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )
    machine = ORDER_STATES

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "created_at"], name="order_comm_status"),
            models.Index(fields=["house", "status"], name="order_house_status"),
            models.Index(fields=["person", "created_at"], name="order_person"),
            models.Index(fields=["offering", "status"], name="order_offering"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="order_price_nonneg"),
            models.CheckConstraint(condition=Q(quote_amount__gte=0), name="order_quote_nonneg"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="order_refund_within_amount",
            ),
            models.UniqueConstraint(fields=["community", "number"], name="order_number_unique"),
        ]

    def __str__(self):
        return self.number

    @property
    def total(self):
        """What the resident owes: the price, plus the materials if the quote was accepted."""
        extra = self.quote_amount if self.quote_decision == QuoteDecision.ACCEPTED else 0
        return self.price + extra


class Event(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    booking = models.ForeignKey(
        "spaces.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked shared space"),
    )
    capacity = models.PositiveIntegerField(
        _("capacity (people)"), validators=[MinValueValidator(1)]
    )
    signup_until = models.DateTimeField(_("sign-up deadline"))
    fee = MoneyField(_("fee per person (¥)"), default=0)
    max_people_per_house = models.PositiveSmallIntegerField(
        _("people per household"), default=4, validators=[MinValueValidator(1)]
    )
    min_age = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.OPEN
    )
    checkin_code = models.CharField(_("check-in code"), max_length=32, editable=False)
    survey = models.ForeignKey(
        "notices.Survey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback survey"),
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)
    attachments_view_permission = "life.event.view"

    class Meta:
        verbose_name = _("community event")
        verbose_name_plural = _("community events")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="event_comm_start"),
            models.Index(fields=["status", "starts_at"], name="event_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_order"
            ),
            models.CheckConstraint(
                condition=Q(signup_until__lte=models.F("starts_at")), name="event_signup_first"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="event_fee_nonneg"),
        ]

    def __str__(self):
        return self.title


SIGNUP_STATES = StateMachine(
    {
        "promote": ((SignupStatus.WAITLISTED,), SignupStatus.CONFIRMED),
        "check-in": ((SignupStatus.CONFIRMED,), SignupStatus.CHECKED_IN),
        "cancel": ((SignupStatus.CONFIRMED, SignupStatus.WAITLISTED), SignupStatus.CANCELLED),
    }
)


class Signup(models.Model):
    """One household's sign-up for an event, with its number of people."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="signups", verbose_name=_("event")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed up by"),
    )
    people = models.PositiveSmallIntegerField(
        _("number of people"), validators=[MinValueValidator(1)]
    )
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices)
    amount = MoneyField(_("fee (¥)"), default=0)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("moved up at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )
    machine = SIGNUP_STATES

    class Meta:
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="signup_event_status"),
            models.Index(fields=["house", "status"], name="signup_house_status"),
            models.Index(fields=["person", "created_at"], name="signup_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "house"],
                condition=Q(status__in=ACTIVE_SIGNUP),
                name="signup_one_per_house",
            ),
            models.CheckConstraint(condition=Q(people__gte=1), name="signup_people_pos"),
        ]

    def __str__(self):
        return f"{self.event} · {self.house}"
