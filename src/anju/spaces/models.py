"""Shared spaces (共享空间: meeting and activity rooms, courts, shared offices) and their bookings
(预约). A space in the common parts earns public income (民法典第282条): its fees are posted to
the community's 公共收益 ledger when collected."""

from datetime import time

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Community, House, Organization, Person
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import HOLDING, BookingStatus, SpaceKind

USER = settings.AUTH_USER_MODEL


class Space(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=SpaceKind.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=10)
    opens_at = models.TimeField(_("opening time"), default=time(8, 0))
    closes_at = models.TimeField(_("closing time"), default=time(21, 0))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot (minutes)"), default=60, validators=[MinValueValidator(15)]
    )
    max_slots = models.PositiveSmallIntegerField(
        _("longest booking (slots)"), default=2, validators=[MinValueValidator(1)]
    )
    book_days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=7)
    per_house_limit = models.PositiveSmallIntegerField(
        _("open bookings per house"), default=2, validators=[MinValueValidator(1)]
    )
    price_per_slot = MoneyField(_("fee per slot (¥)"), default=0)
    common_part = models.BooleanField(
        _("in the common parts"),
        default=True,
        help_text=_("Fees of a space in the common parts are the owners' public income."),
    )
    needs_approval = models.BooleanField(_("bookings need approval"), default=False)
    rules = models.TextField(_("rules of use"), blank=True)
    active = models.BooleanField(_("open for booking"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)

    class Meta:
        verbose_name = _("shared space")
        verbose_name_plural = _("shared spaces")
        ordering = ["community_id", "name", "id"]
        indexes = [models.Index(fields=["community", "active"], name="space_comm_active")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="space_hours_order"
            ),
            models.CheckConstraint(condition=Q(price_per_slot__gte=0), name="space_price_nonneg"),
        ]

    def __str__(self):
        return self.name


BOOKING_STATES = StateMachine(
    {
        "approve": ((BookingStatus.PENDING,), BookingStatus.CONFIRMED),
        "reject": ((BookingStatus.PENDING,), BookingStatus.REJECTED),
        # A paid space's booking waits for its fee (billed to the house, paid online in 缴费).
        "pay": ((BookingStatus.UNPAID,), BookingStatus.CONFIRMED),
        "cancel": (
            (BookingStatus.PENDING, BookingStatus.UNPAID, BookingStatus.CONFIRMED),
            BookingStatus.CANCELLED,
        ),
        "check-in": ((BookingStatus.CONFIRMED,), BookingStatus.CHECKED_IN),
        "collect": (
            (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED),
            None,
        ),
    }
)


class Booking(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    space = models.ForeignKey(
        Space, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("space")
    )
    number = models.CharField(_("booking number"), max_length=30)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
        help_text=_("Empty for the property service's own use."),
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("house"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    purpose = models.CharField(_("purpose"), max_length=200)
    attendees = models.PositiveIntegerField(_("number of people"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    amount = MoneyField(_("fee (¥)"), default=0)
    paid_at = models.DateTimeField(_("fee collected at"), null=True, blank=True)
    paid_method = models.CharField(_("paid by"), max_length=10, blank=True)
    income_entry = models.ForeignKey(
        "governance.IncomeEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public income entry"),
    )
    note = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )
    machine = BOOKING_STATES

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["space", "starts_at"], name="booking_space_start"),
            models.Index(fields=["community", "status", "starts_at"], name="booking_comm_status"),
            models.Index(fields=["person", "starts_at"], name="booking_person_start"),
            models.Index(fields=["house", "status"], name="booking_house_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="booking_amount_nonneg"),
            models.UniqueConstraint(fields=["community", "number"], name="booking_number_unique"),
        ]

    def __str__(self):
        return self.number

    @property
    def holds_time(self):
        return self.status in HOLDING
