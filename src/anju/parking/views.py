"""Console pages of parking: the lots with their occupancy now, the gate log (sessions), the
unpaid exits and the passes expiring within 30 days. Lists only for now (ScopedListView)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import formats
from anju.core.console import Column, ScopedListView

from .choices import INSIDE, SessionState
from .models import ParkingLot, Pass, Session
from .selectors import EXPIRING_DAYS


def _when(value):
    return formats.when(value) if value else ""


class LotList(ScopedListView):
    model = ParkingLot
    permission = "parking.lot.view"
    title = _("Parking lots")
    search_fields = ["name"]
    columns = [
        Column("name", _("name")),
        Column("community", _("community")),
        Column("kind", _("kind")),
        Column("spaces_count", _("spaces"), align="right"),
        Column("inside", _("vehicles inside now"), align="right"),
        Column("common_part", _("on the common parts")),
    ]

    def base_queryset(self):
        return (
            ParkingLot.objects.select_related("community")
            .annotate(
                spaces_count=Count("spaces", distinct=True),
                inside=Count("sessions", filter=Q(sessions__state__in=INSIDE), distinct=True),
            )
            .order_by("community_id", "name")
        )


SESSION_COLUMNS = [
    Column("plate", _("plate number"), raw=True),
    Column("lot", _("parking lot")),
    Column("entered", _("entered at"), value=lambda s: _when(s.entered_at)),
    Column("exited", _("left at"), value=lambda s: _when(s.exited_at)),
    Column("state", _("state")),
    Column("paid_amount", _("paid (¥)"), money=True),
    Column("owed", _("owed (¥)"), money=True),
    Column("opened_by_guard_reason", _("barrier opened by hand because")),
]


class SessionList(ScopedListView):
    model = Session
    permission = "parking.session.view"
    title = _("Gate log")
    search_fields = ["plate"]
    columns = SESSION_COLUMNS

    def base_queryset(self):
        return Session.objects.select_related("lot")


class UnpaidList(SessionList):
    title = _("Unpaid exits")
    empty_text = _("No vehicle left without paying.")

    def base_queryset(self):
        return super().base_queryset().filter(state=SessionState.UNPAID_EXIT)


class PassList(ScopedListView):
    model = Pass
    permission = "parking.pass.view"
    title = _("Passes expiring")
    empty_text = _("No pass ends within 30 days.")
    search_fields = ["vehicle__plate"]
    columns = [
        Column("vehicle__plate", _("plate number"), raw=True),
        Column("lot", _("parking lot")),
        Column("space", _("parking space")),
        Column("starts", _("valid from")),
        Column("ends", _("valid until")),
        Column("price", _("price (¥)"), money=True),
    ]

    def base_queryset(self):
        today = timezone.localdate()
        return Pass.objects.select_related("vehicle", "lot", "space").filter(
            ends__gte=today, ends__lte=today + timedelta(days=EXPIRING_DAYS)
        )
