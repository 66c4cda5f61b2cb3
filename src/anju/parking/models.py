"""Parking (车位、车辆、月卡、临停收费): lots with their gates and spaces, the vehicles of the
houses, monthly passes, the fee rule of a lot, the gates' passage events and the parking
sessions they open and close."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Attachment, Community, House, Organization, Person
from anju.core.money import ZERO, MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    ContractKind,
    Direction,
    GateDirection,
    LotKind,
    PassPeriod,
    SessionState,
    ShareBookingStatus,
    ShareRest,
    SpaceKind,
    SpaceState,
    TermKind,
    WindowStatus,
)

SESSION_STATES = StateMachine(
    {
        "pay": ((SessionState.OPEN, SessionState.PAID), SessionState.PAID),
        "leave": ((SessionState.OPEN, SessionState.PAID), SessionState.CLOSED),
        "leave_unpaid": ((SessionState.OPEN, SessionState.PAID), SessionState.UNPAID_EXIT),
        "settle": ((SessionState.UNPAID_EXIT,), SessionState.CLOSED),
    },
    labels={
        "pay": _("Pay the parking fee"),
        "leave": _("Leave"),
        "leave_unpaid": _("Leave without paying"),
        "settle": _("Settle the unpaid fee"),
    },
    field="state",
)


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community():
    return models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )


SCOPE = Scope(organization="organization", community="community")


class ParkingLot(models.Model):
    organization = _org()
    community = _community()
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=LotKind.choices)
    # On the owners' common parts (共有部分): its temporary parking income is public income.
    common_part = models.BooleanField(_("on the common parts"), default=True)
    active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("parking lot")
        verbose_name_plural = _("parking lots")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="parking_lot_name_once")
        ]
        indexes = [models.Index(fields=["community", "kind"], name="parking_lot_comm_kind")]

    def __str__(self):
        return self.name


class Gate(models.Model):
    organization = _org()
    community = _community()
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.CASCADE, related_name="gates", verbose_name=_("parking lot")
    )
    name = models.CharField(_("name"), max_length=100)
    direction = models.CharField(_("direction"), max_length=4, choices=GateDirection.choices)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["lot_id", "name"]
        indexes = [models.Index(fields=["lot", "direction"], name="parking_gate_lot_dir")]

    def __str__(self):
        return self.name

    def allows(self, direction):
        return self.direction in (GateDirection.BOTH, direction)


class ParkingSpace(models.Model):
    organization = _org()
    community = _community()
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.PROTECT, related_name="spaces", verbose_name=_("parking lot")
    )
    number = models.CharField(_("space number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=12, choices=SpaceKind.choices)
    # An owned space is a house of usage "parking" (a unit of exclusive ownership).
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("house"),
    )
    holder = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("holder"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=SpaceState.choices, default=SpaceState.AVAILABLE
    )

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("parking space")
        verbose_name_plural = _("parking spaces")
        ordering = ["lot_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "number"], name="parking_space_number_once")
        ]
        indexes = [
            models.Index(fields=["lot", "kind"], name="parking_space_lot_kind"),
            models.Index(fields=["lot", "state"], name="parking_space_lot_state"),
            models.Index(fields=["community", "kind"], name="parking_space_comm_kind"),
        ]

    def __str__(self):
        return self.number


class Vehicle(models.Model):
    organization = _org()
    community = _community()
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner of the vehicle"),
    )
    plate = models.CharField(_("plate number"), max_length=8)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["plate"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "plate"],
                condition=Q(active=True),
                name="parking_vehicle_plate_active_once",
            )
        ]
        indexes = [
            models.Index(fields=["community", "plate"], name="parking_vehicle_comm_plate"),
            models.Index(fields=["house", "active"], name="parking_vehicle_house"),
        ]

    def __str__(self):
        return self.plate


class FeeRule(models.Model):
    """临停收费标准 of a lot (fees.py computes with it); one per lot."""

    organization = _org()
    community = _community()
    lot = models.OneToOneField(
        ParkingLot, on_delete=models.CASCADE, related_name="fee_rule", verbose_name=_("parking lot")
    )
    free_minutes = models.PositiveIntegerField(_("free minutes"), default=30)
    first_hour = MoneyField(_("first hour (¥)"))
    per_hour = MoneyField(_("each further hour (¥)"))
    day_cap = MoneyField(_("cap per 24 hours (¥)"))
    grace_minutes = models.PositiveIntegerField(_("minutes to leave after paying"), default=15)
    night_from = models.TimeField(_("night from"), null=True, blank=True)
    night_until = models.TimeField(_("night until"), null=True, blank=True)
    night_flat = MoneyField(_("flat charge per night (¥)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("parking fee rule")
        verbose_name_plural = _("parking fee rules")
        ordering = ["lot_id"]

    def __str__(self):
        return str(self.lot)

    @property
    def has_night(self):
        return (
            self.night_from is not None
            and self.night_until is not None
            and self.night_flat is not None
        )


class Pass(models.Model):
    """月卡: a vehicle parks in a lot (on a space, if given) without paying, from ``starts`` to
    ``ends`` (dates, both included)."""

    organization = _org()
    community = _community()
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="passes", verbose_name=_("vehicle")
    )
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.PROTECT, related_name="passes", verbose_name=_("parking lot")
    )
    space = models.ForeignKey(
        ParkingSpace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passes",
        verbose_name=_("parking space"),
    )
    starts = models.DateField(_("valid from"))
    ends = models.DateField(_("valid until"))
    price = MoneyField(_("price (¥)"), default=ZERO)
    period = models.CharField(_("period"), max_length=10, choices=PassPeriod.choices, blank=True)
    # A sold pass is in force once its first bill is paid (a free pass at once).
    active = models.BooleanField(_("in force"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="vehicle__house")

    class Meta:
        verbose_name = _("monthly pass")
        verbose_name_plural = _("monthly passes")
        ordering = ["-ends"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")), name="pass_ends")
        ]
        indexes = [
            models.Index(fields=["lot", "ends"], name="parking_pass_lot_ends"),
            models.Index(fields=["community", "ends"], name="parking_pass_comm_ends"),
            models.Index(fields=["vehicle", "ends"], name="parking_pass_vehicle"),
        ]

    def __str__(self):
        return f"{self.vehicle} {self.starts}–{self.ends}"


class Session(models.Model):
    """One stay of a plate in a lot, from its entry to its exit (临停记录)."""

    organization = _org()
    community = _community()
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("parking lot")
    )
    plate = models.CharField(_("plate number"), max_length=8)
    entered_at = models.DateTimeField(_("entered at"))
    exited_at = models.DateTimeField(_("left at"), null=True, blank=True)
    paid_amount = MoneyField(_("paid (¥)"), default=ZERO)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_method = models.CharField(_("paid by"), max_length=10, blank=True)
    owed = MoneyField(_("owed (¥)"), default=ZERO)
    state = models.CharField(
        _("state"), max_length=12, choices=SessionState.choices, default=SessionState.OPEN
    )
    opened_by_guard_reason = models.CharField(
        _("barrier opened by hand because"), max_length=300, blank=True
    )
    # Entered on a paid booking of a shared space: its time is the booking's, already paid.
    share_booking = models.ForeignKey(
        "ShareBooking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("shared space booking"),
    )

    objects = ScopedManager()
    scope = SCOPE
    machine = SESSION_STATES

    class Meta:
        verbose_name = _("parking session")
        verbose_name_plural = _("parking sessions")
        ordering = ["-entered_at"]
        indexes = [
            models.Index(fields=["lot", "plate", "state"], name="parking_session_lot_plate"),
            models.Index(fields=["lot", "entered_at"], name="parking_session_lot_entered"),
            models.Index(fields=["community", "state"], name="parking_session_comm_state"),
            models.Index(fields=["plate"], name="parking_session_plate"),
        ]

    def __str__(self):
        return f"{self.plate} {self.entered_at:%Y-%m-%d %H:%M}"


class ParkingEvent(models.Model):
    """A gate's sighting of a plate (the camera's or the guard's), kept as the gate log."""

    organization = _org()
    community = _community()
    lot = models.ForeignKey(
        ParkingLot, on_delete=models.PROTECT, related_name="events", verbose_name=_("parking lot")
    )
    gate = models.ForeignKey(
        Gate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("gate"),
    )
    plate = models.CharField(_("plate number"), max_length=8, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    at = models.DateTimeField(_("at"))
    photo = models.ForeignKey(
        Attachment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("parking session"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = ScopedManager()
    scope = SCOPE
    # Its photo is served by /files/ to those who see the gate log.
    attachments_view_permission = "parking.session.view"

    class Meta:
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["lot", "at"], name="parking_event_lot_at"),
            models.Index(fields=["plate", "at"], name="parking_event_plate_at"),
        ]

    def __str__(self):
        return f"{self.plate} {self.direction} {self.at:%Y-%m-%d %H:%M}"


class PassPrice(models.Model):
    """明码标价: the published price of a pass of one period kind in a lot."""

    organization = _org()
    community = _community()
    lot = models.ForeignKey(
        ParkingLot,
        on_delete=models.CASCADE,
        related_name="pass_prices",
        verbose_name=_("parking lot"),
    )
    period = models.CharField(_("period"), max_length=10, choices=PassPeriod.choices)
    amount = MoneyField(_("price (¥)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("published pass price")
        verbose_name_plural = _("published pass prices")
        ordering = ["lot_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "period"], name="parking_pass_price_once")
        ]
        indexes = [models.Index(fields=["community", "lot"], name="parking_price_comm_lot")]

    def __str__(self):
        return f"{self.lot} {self.get_period_display()} ¥{self.amount}"


class PassTerm(models.Model):
    """One sold or renewed period of a pass, billed to the vehicle's house as a bill of its own
    (fee item 月卡费). It takes effect when its bill is paid: the pass then runs to its end."""

    organization = _org()
    community = _community()
    pass_obj = models.ForeignKey(
        Pass, on_delete=models.PROTECT, related_name="terms", verbose_name=_("monthly pass")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TermKind.choices)
    period = models.CharField(_("period"), max_length=10, choices=PassPeriod.choices, blank=True)
    starts = models.DateField(_("valid from"))
    ends = models.DateField(_("valid until"))
    amount = MoneyField(_("price (¥)"))
    public_income = models.BooleanField(_("public income"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    income_entry = models.ForeignKey(
        "governance.IncomeEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public income entry"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="pass_obj__vehicle__house"
    )

    class Meta:
        verbose_name = _("pass term")
        verbose_name_plural = _("pass terms")
        ordering = ["-starts"]
        indexes = [
            models.Index(fields=["pass_obj", "paid_at"], name="parking_term_pass_paid"),
            models.Index(fields=["community", "paid_at"], name="parking_term_comm_paid"),
        ]

    def __str__(self):
        return f"{self.pass_obj.vehicle} {self.starts}–{self.ends}"


class PassReminder(models.Model):
    """A pass's holder was told it expires within ``days`` days (once per pass and threshold)."""

    organization = _org()
    community = _community()
    pass_obj = models.ForeignKey(
        Pass, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("monthly pass")
    )
    ends = models.DateField(_("valid until"))
    days = models.PositiveIntegerField(_("days before the end"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization", community="community", house="pass_obj__vehicle__house"
    )

    class Meta:
        verbose_name = _("pass reminder")
        verbose_name_plural = _("pass reminders")
        ordering = ["-sent_at"]
        constraints = [
            # once per pass, end date (a renewal moves it) and threshold
            models.UniqueConstraint(
                fields=["pass_obj", "ends", "days"], name="parking_pass_reminded_once"
            )
        ]

    def __str__(self):
        return f"{self.pass_obj} −{self.days}"


class SpaceContract(models.Model):
    """车位的出售或长期出租 (sale or long-term rental of a planned space), checked against the
    law of the community's jurisdiction (parking/law.py) when made."""

    organization = _org()
    community = _community()
    space = models.ForeignKey(
        ParkingSpace,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("parking space"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContractKind.choices)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer or tenant")
    )
    # The buyer's or tenant's home in this community; empty for someone from outside.
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home in the community"),
    )
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"), null=True, blank=True)
    amount = MoneyField(_("price or rent for the term (¥)"))
    rule = models.CharField(_("rule applied"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("space sale or rental")
        verbose_name_plural = _("space sales and rentals")
        ordering = ["-starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=models.F("starts")),
                name="parking_contract_ends",
            )
        ]
        indexes = [
            models.Index(fields=["community", "kind", "starts"], name="parking_contract_comm"),
            models.Index(fields=["space", "kind"], name="parking_contract_space"),
            models.Index(fields=["house", "kind"], name="parking_contract_house"),
        ]

    def __str__(self):
        return f"{self.space} {self.get_kind_display()} {self.starts}"


# Shared spaces (共享车位) ------------------------------------------------------------------------

SHARE_BOOKING_STATES = StateMachine(
    {
        "pay": ((ShareBookingStatus.BOOKED,), ShareBookingStatus.PAID),
        "use": ((ShareBookingStatus.PAID,), ShareBookingStatus.USED),
        "cancel": ((ShareBookingStatus.BOOKED,), ShareBookingStatus.CANCELLED),
        "refund": ((ShareBookingStatus.PAID,), ShareBookingStatus.REFUNDED),
    },
    labels={
        "pay": _("Pay the booking"),
        "use": _("Enter on the booking"),
        "cancel": _("Cancel the booking"),
        "refund": _("Cancel and refund the booking"),
    },
    field="status",
)


class ShareRule(models.Model):
    """The community's rule for shared spaces, decided by the community and kept by its
    manager: the owner's share of each booking, where the rest goes, the costs allowed to be
    netted before public income, the published price per hour."""

    organization = _org()
    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    owner_percent = models.DecimalField(
        _("owner's share (%)"), max_digits=5, decimal_places=2, default=Decimal("70.00")
    )
    rest_to = models.CharField(
        _("the rest goes to"), max_length=8, choices=ShareRest.choices, default=ShareRest.PUBLIC
    )
    cost_percent = models.DecimalField(
        _("costs netted before public income, as a percentage of the rest"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
    )
    price_per_hour = MoneyField(_("published price per hour (¥)"), null=True, blank=True)
    tenants_may_share = models.BooleanField(_("long-term tenants may share"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)

    class Meta:
        verbose_name = _("shared space rule")
        verbose_name_plural = _("shared space rules")
        ordering = ["community_id"]

    def __str__(self):
        return str(self.community)


class ShareWindow(models.Model):
    """A time an owner (or a tenant the rule allows) lends their space: others book it."""

    organization = _org()
    community = _community()
    space = models.ForeignKey(
        ParkingSpace,
        on_delete=models.PROTECT,
        related_name="share_windows",
        verbose_name=_("parking space"),
    )
    # The lending household: credited its share and its green points.
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("lending household")
    )
    starts = models.DateTimeField(_("free from"))
    ends = models.DateTimeField(_("free until"))
    price_per_hour = MoneyField(_("price per hour (¥)"))
    status = models.CharField(
        _("status"), max_length=10, choices=WindowStatus.choices, default=WindowStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    # Every resident of the community reads the windows (to find a space).
    scope = Scope(
        organization="organization",
        community="community",
        house="house",
        residents_see_community=True,
    )

    class Meta:
        verbose_name = _("shared space window")
        verbose_name_plural = _("shared space windows")
        ordering = ["starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="parking_window_ends"
            )
        ]
        indexes = [
            models.Index(fields=["community", "status", "ends"], name="parking_window_comm"),
            models.Index(fields=["space", "starts"], name="parking_window_space"),
            models.Index(fields=["house", "starts"], name="parking_window_house"),
        ]

    def __str__(self):
        return f"{self.space} {self.starts:%Y-%m-%d %H:%M}"


class ShareBooking(models.Model):
    """A booking of part of a window for a plate (the booker's own car or a visitor's), paid
    from the booker's home through billing."""

    organization = _org()
    community = _community()
    window = models.ForeignKey(
        ShareWindow,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("shared space window"),
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("booking household")
    )
    booked_by = models.ForeignKey(
        "core.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    plate = models.CharField(_("plate number"), max_length=8)
    starts = models.DateTimeField(_("from"))
    ends = models.DateTimeField(_("until"))
    amount = MoneyField(_("amount (¥)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ShareBookingStatus.choices,
        default=ShareBookingStatus.BOOKED,
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    used_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")
    machine = SHARE_BOOKING_STATES

    class Meta:
        verbose_name = _("shared space booking")
        verbose_name_plural = _("shared space bookings")
        ordering = ["-starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=models.F("starts")), name="parking_share_booking_ends"
            )
        ]
        indexes = [
            models.Index(fields=["window", "status"], name="parking_share_bk_window"),
            models.Index(fields=["community", "status", "starts"], name="parking_share_bk_comm"),
            models.Index(fields=["plate", "status"], name="parking_share_bk_plate"),
            models.Index(fields=["house", "starts"], name="parking_share_bk_house"),
        ]

    def __str__(self):
        return f"{self.plate} {self.starts:%Y-%m-%d %H:%M}"


_PARTS = (
    models.F("owner_amount")
    + models.F("company_amount")
    + models.F("cost_amount")
    + models.F("public_amount")
)
SPLIT_SLACK = models.Value(Decimal("0.001"))


class ShareSplit(models.Model):
    """How a paid booking's amount was split (a posted row, never changed; a refund posts the
    negative row that reverses it): the owner's credit (a payable to the lending household),
    the company's income, the costs netted and the public income posted to governance."""

    organization = _org()
    community = _community()
    booking = models.ForeignKey(
        ShareBooking, on_delete=models.PROTECT, related_name="splits", verbose_name=_("booking")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("lending household")
    )
    amount = MoneyField(_("amount (¥)"))
    owner_amount = MoneyField(_("owner's credit (¥)"))
    company_amount = MoneyField(_("company income (¥)"))
    cost_amount = MoneyField(_("costs netted (¥)"))
    public_amount = MoneyField(_("public income (¥)"))
    owner_percent = models.DecimalField(_("owner's share (%)"), max_digits=5, decimal_places=2)
    rest_to = models.CharField(_("the rest goes to"), max_length=8, choices=ShareRest.choices)
    income_entry = models.ForeignKey(
        "governance.IncomeEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("public income entry"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    posted_at = models.DateTimeField(_("posted at"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("shared space split")
        verbose_name_plural = _("shared space splits")
        ordering = ["-posted_at"]
        constraints = [
            # Within a tenth of a cent, not equal: SQLite adds decimals as binary floats.
            models.CheckConstraint(
                condition=Q(amount__gte=_PARTS - SPLIT_SLACK, amount__lte=_PARTS + SPLIT_SLACK),
                name="parking_split_sums",
            )
        ]
        indexes = [
            models.Index(fields=["community", "posted_at"], name="parking_split_comm"),
            models.Index(fields=["house", "posted_at"], name="parking_split_house"),
        ]

    def __str__(self):
        return f"{self.booking} ¥{self.amount}"
