"""Console pages of shared spaces: the spaces with their day, bookings (filters in the URL,
Excel export), a booking's page with the actions allowed now, and the space form."""

from datetime import date, timedelta

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.billing.choices import PaymentMethod, recordable_methods
from anju.core import formats
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    get_scoped_object,
)
from anju.core.errors import DomainError
from anju.core.views import EditView

from . import selectors, services
from .choices import BookingStatus
from .forms import SpaceForm
from .models import Booking, Space


def _money(value):
    return formats.money(value)


def _paid(booking):
    """When and how the fee was paid: 2026-12-02 10:12 · 微信支付."""
    if not booking.paid_at:
        return ""
    labels = {**dict(PaymentMethod.choices), "prepaid": _("Prepayment")}
    method = labels.get(booking.paid_method, booking.paid_method)
    return f"{formats.when(booking.paid_at)} · {method}"


def _hours(space):
    return f"{space.opens_at:%H:%M}-{space.closes_at:%H:%M}"


def _when(booking):
    return f"{formats.when(booking.starts_at)}-{formats.clock(booking.ends_at)}"


class SpaceList(ScopedListView):
    model = Space
    permission = "spaces.space.view"
    title = _("Shared spaces")
    create_url_name = "console:space-create"
    create_permission = "spaces.space.manage"
    detail_url_name = "console:space-detail"
    search_fields = ["name", "place"]
    columns = [
        Column("name", _("name"), link=True),
        Column("community", _("community")),
        Column("kind", _("kind")),
        Column("place", _("place")),
        Column("hours", _("opening hours"), value=_hours),
        Column("capacity", _("capacity (people)"), align="right"),
        Column("price_per_slot", _("fee per slot (¥)"), money=True),
        Column("needs_approval", _("bookings need approval")),
        Column("active", _("open for booking")),
    ]

    def base_queryset(self):
        return Space.objects.select_related("community")


class SpaceDetail(ScopedDetailView):
    model = Space
    permission = "spaces.space.view"
    template_name = "spaces/space_detail.html"
    edit_url_name = "console:space-edit"
    edit_permission = "spaces.space.manage"
    fields = [
        Column("community", _("community")),
        Column("kind", _("kind")),
        Column("place", _("place")),
        Column("hours", _("opening hours"), value=_hours),
        Column("slot", _("slot (minutes)"), value=lambda s: f"{s.slot_minutes} × ≤{s.max_slots}"),
        Column("capacity", _("capacity (people)")),
        Column("book_days_ahead", _("bookable days ahead")),
        Column("per_house_limit", _("open bookings per house")),
        Column("price_per_slot", _("fee per slot (¥)"), value=lambda s: _money(s.price_per_slot)),
        Column("common_part", _("in the common parts")),
        Column("needs_approval", _("bookings need approval")),
        Column("active", _("open for booking")),
        Column("rules", _("rules of use")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            day = date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            day = timezone.localdate()
        slots = selectors.availability(self.object, day)
        start, end = selectors.day_bounds(day)
        # Who booked is shown only to those who may see bookings (a committee member sees the grid).
        bookings = (
            list(
                Booking.objects.filter(space=self.object, starts_at__gte=start, starts_at__lt=end)
                .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.REJECTED])
                .select_related("person", "house__building")
                .order_by("starts_at")
            )
            if self.can("spaces.booking.view", self.object)
            else None
        )
        ctx.update(
            day=day,
            days=[day - timedelta(days=1), day + timedelta(days=1)],
            slots=slots,
            day_bookings=bookings,
        )
        return ctx


class SpaceCreate(ServiceFormView):
    form_class = SpaceForm
    permission = "spaces.space.manage"
    title = _("New shared space")

    def perform(self, data):
        return services.save_space(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:space-detail", args=[obj.pk])


class SpaceEdit(EditView):
    model = Space
    form_class = SpaceForm
    permission = "spaces.space.manage"
    edit_fields = list(services.SPACE_FIELDS)

    def perform(self, data):
        return services.save_space(actor=self.request.user, space=self.object, **data)

    def success_url_for(self, obj):
        return reverse("console:space-detail", args=[obj.pk])


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices, label=_("status"))
    space = django_filters.ModelChoiceFilter(queryset=Space.objects.none(), label=_("space"))
    day = django_filters.DateFilter(
        method="on_day",
        label=_("day"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Booking
        fields = ["status", "space"]

    taking_place = django_filters.BooleanFilter(
        method="only_taking_place",
        label=_("taking place"),
        widget=django_filters.widgets.BooleanWidget(),
    )

    def on_day(self, queryset, name, value):
        """The day's bookings as a range of start times (an index range, not a cast per row)."""
        return selectors.on_day(queryset, value)

    def only_taking_place(self, queryset, name, value):
        """Confirmed, checked in or completed: what the "bookings today" card counts."""
        return selectors.taking_place(queryset) if value else queryset

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        spaces = Space.objects.visible_to(request.user, "spaces.space.view")
        if request.community_id:
            spaces = spaces.in_community(request.community_id)
        self.filters["space"].queryset = spaces


# The columns the bookings list and a booking's page share.
WHEN = Column("time", _("time"), value=_when)
BOOKED_BY = Column(
    "person", _("booked by"), value=lambda b: b.person.name if b.person else _("Service centre")
)
HOUSE = Column("house", _("house"), value=lambda b: b.house.label if b.house else "")


class BookingList(ScopedListView):
    model = Booking
    permission = "spaces.booking.view"
    title = _("Bookings")
    filterset_class = BookingFilter
    detail_url_name = "console:booking-detail"
    search_fields = ["number", "purpose", "person__name"]
    columns = [
        Column("number", _("booking number"), link=True),
        Column("space", _("space")),
        WHEN,
        BOOKED_BY,
        HOUSE,
        Column("purpose", _("purpose")),
        Column("attendees", _("number of people"), align="right"),
        Column("status", _("status")),
        Column("amount", _("fee (¥)"), money=True),
        Column("paid_at", _("fee collected at")),
    ]

    def base_queryset(self):
        return Booking.objects.select_related("space", "person", "house__building").order_by(
            "-starts_at", "-id"
        )


class BookingDetail(ScopedDetailView):
    model = Booking
    permission = "spaces.booking.view"
    template_name = "spaces/booking_detail.html"
    fields = [
        Column("space", _("space")),
        WHEN,
        Column("status", _("status")),
        BOOKED_BY,
        HOUSE,
        Column("purpose", _("purpose")),
        Column("attendees", _("number of people")),
        Column("amount", _("fee (¥)"), value=lambda b: _money(b.amount)),
        Column(
            "paid_at",
            _("fee collected at"),
            value=_paid,
        ),
        Column("checked_in_at", _("checked in at")),
        Column("note", _("reason")),
        Column("created_at", _("booked at")),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("space", "person", "house__building")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        booking = self.object
        allowed = set(booking.machine.allowed_actions(booking.status))
        can_manage = self.can("spaces.booking.manage", booking)
        ctx.update(
            title=f"{booking.number} · {booking.space.name}",
            can_approve="approve" in allowed and can_manage,
            can_cancel="cancel" in allowed and can_manage,
            can_check_in=selectors.may_check_in(booking)
            and self.can("spaces.booking.checkin", booking),
            can_collect=(
                "collect" in allowed
                and booking.amount > 0
                and not booking.paid_at
                and services.fee_bill(booking) is None  # billed: paid in 缴费 or at the desk
                and self.can("spaces.booking.collect", booking)
            ),
            methods=recordable_methods(),
        )
        return ctx


class BookingAction(StaffRequiredMixin, generic.View):
    """The booking page's buttons: each calls its service; a refusal becomes a message."""

    permission = "spaces.booking.view"
    ACTIONS = {
        "approve": (services.approve, ()),
        "reject": (services.reject, ("reason",)),
        "cancel": (services.cancel, ("reason",)),
        "check-in": (services.check_in, ()),
        "collect": (services.collect_fee, ("method",)),
    }

    def post(self, request, pk, verb):
        if verb not in self.ACTIONS:
            raise PermissionDenied
        booking = get_scoped_object(Booking, request.user, pk, "spaces.booking.view")
        fn, names = self.ACTIONS[verb]
        try:
            fn(
                actor=request.user,
                booking=booking,
                **{name: request.POST.get(name, "") for name in names},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("console:booking-detail", pk=pk)
