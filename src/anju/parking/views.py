"""Console pages of parking: the lots with their occupancy now, the gate log (sessions), the
unpaid exits and the passes expiring within 30 days. Lists only for now (ScopedListView)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import formats
from anju.core.console import Column, ScopedListView, StaffRequiredMixin
from anju.core.dates import period
from anju.core.models import Community

from . import law, selectors
from .choices import INSIDE, SessionState
from .models import ParkingEvent, ParkingLot, Pass, Session
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


def _photo(event):
    if not event.photo_id:
        return ""
    return format_html(
        '<a class="touch" href="/files/{0}/"><img src="/files/{0}/thumbnail/" alt="{1}" '
        'width="80" height="60" loading="lazy"></a>',
        event.photo_id,
        event.plate,
    )


class EventList(ScopedListView):
    """The gate log with the cameras' photos (served by /files/ after its scope check)."""

    model = ParkingEvent
    permission = "parking.session.view"
    title = _("Gate events with photos")
    search_fields = ["plate"]
    columns = [
        Column("at", _("at"), value=lambda e: _when(e.at)),
        Column("plate", _("plate number"), raw=True),
        Column("direction", _("direction")),
        Column("lot", _("parking lot")),
        Column("gate", _("gate")),
        Column("reason", _("reason")),
        Column("photo", _("photo"), value=_photo),
    ]

    def base_queryset(self):
        return ParkingEvent.objects.select_related("lot", "gate")


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
        Column("active", _("in force")),
    ]

    def base_queryset(self):
        today = timezone.localdate()
        return Pass.objects.select_related("vehicle", "lot", "space").filter(
            ends__gte=today, ends__lte=today + timedelta(days=EXPIRING_DAYS)
        )


class DisclosureView(StaffRequiredMixin, generic.TemplateView):
    """车位、车库的出售和出租情况 (民法典第943条; 北京条例第70条(七)): per lot for a period, the
    spaces sold and rented out, the passes and their income, temporary parking income."""

    template_name = "parking/disclosure.html"
    permission = "parking.lot.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start, end = period(self.request.GET)
        community_id = self.request.community_id
        community = Community.objects.filter(pk=community_id).first() if community_id else None
        rule = law.rule(community, law.DISCLOSURE) if community else None
        ctx.update(
            title=_("Parking disclosure"),
            start=start,
            end=end,
            rows=selectors.disclosure(self.request.user, start, end, community_id),
            article=(rule or law.national(law.DISCLOSURE)).article,
        )
        return ctx
