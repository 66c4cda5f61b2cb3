"""Resident portal (phone-first): the community's spaces, a day's slots to book, my bookings."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.billing import selectors as billing
from anju.core import formats
from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import HOLDING, BookingStatus
from .models import Booking, Space


def _my_spaces(user):
    return Space.objects.filter(
        community_id__in=user.resident_community_ids(), active=True
    ).select_related("community")


class SpacesView(ResidentMixin, generic.TemplateView):
    template_name = "spaces/portal_spaces.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = (
            Booking.objects.filter(person_id=user.person_id)
            .select_related("space", "house__building")
            .order_by("-starts_at")[:30]
            if user.person_id
            else []
        )
        now = timezone.now()
        owed = {}
        for booking in mine:
            booking.check_in_open = selectors.may_check_in(booking, now)
            # A fee waiting to be paid: the house's pay button (billing's online payment).
            booking.to_pay = None
            if booking.status == BookingStatus.UNPAID and booking.house_id:
                if booking.house_id not in owed:
                    owed[booking.house_id] = billing.house_arrears(booking.house)
                booking.to_pay = owed[booking.house_id]
        ctx.update(
            title=_("Book a space"),
            spaces=_my_spaces(user),
            upcoming=[b for b in mine if b.ends_at > now and b.status in HOLDING],
            past=[b for b in mine if not (b.ends_at > now and b.status in HOLDING)][:10],
        )
        return ctx


class BookView(ResidentMixin, generic.TemplateView):
    """One space: pick a day, tap a free slot, say how long and what for."""

    template_name = "spaces/portal_book.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.space = _my_spaces(request.user).filter(pk=kwargs["pk"]).first()
            if self.space is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _day(self):
        today = timezone.localdate()
        try:
            day = date.fromisoformat(self.request.GET.get("date") or self.request.POST.get("date"))
        except (TypeError, ValueError):
            day = today
        return min(max(day, today), today + timedelta(days=self.space.book_days_ahead))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        space, day = self.space, self._day()
        today = timezone.localdate()
        houses = House.objects.filter(
            pk__in=self.request.user.resident_house_ids(), community_id=space.community_id
        ).select_related("building")
        ctx.update(
            title=space.name,
            space=space,
            day=day,
            days=[today + timedelta(days=n) for n in range(space.book_days_ahead + 1)],
            slots=selectors.availability(space, day),
            lengths=[
                (n, n * space.slot_minutes, space.price_per_slot * n)
                for n in range(1, space.max_slots + 1)
            ],
            houses=houses,
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request, pk):
        values = request.POST
        day = self._day()
        errors = {}
        try:
            start = datetime.combine(
                day,
                time.fromisoformat(values.get("start", "")),
                tzinfo=timezone.get_current_timezone(),
            )
        except ValueError:
            errors = {"starts_at": [_("Tap a free time first.")]}
        if not errors:
            house = (
                House.objects.filter(pk__in=request.user.resident_house_ids())
                .filter(pk=values.get("house") or 0)
                .first()
            )
            try:
                booking = services.book(
                    actor=request.user,
                    space=self.space,
                    starts_at=start,
                    slots=values.get("slots") or 1,
                    purpose=values.get("purpose", ""),
                    attendees=values.get("attendees") or 1,
                    house=house,
                )
            except DomainError as exc:
                errors = exc.fields or {"starts_at": [exc.message]}
            else:
                if booking.status == BookingStatus.UNPAID:
                    messages.success(
                        request,
                        _(
                            "Booked %(n)s. Its fee of %(fee)s is on your bills: pay it online "
                            "and the booking is confirmed."
                        )
                        % {"n": booking.number, "fee": formats.money(booking.amount)},
                    )
                elif booking.status == BookingStatus.PENDING:
                    messages.success(
                        request,
                        _("Booked %(n)s; the service centre will confirm it soon.")
                        % {"n": booking.number},
                    )
                else:
                    messages.success(request, _("Booked %(n)s.") % {"n": booking.number})
                return redirect("portal:spaces")
        return self.render_to_response(self.get_context_data(values=values, errors=errors))


class BookingAction(ResidentMixin, generic.View):
    def post(self, request, pk, verb):
        booking = Booking.objects.filter(pk=pk, person_id=request.user.person_id or 0).first()
        if booking is None or verb not in ("cancel", "check-in"):
            raise Http404
        fn = services.cancel if verb == "cancel" else services.check_in
        try:
            fn(actor=request.user, booking=booking)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Booking cancelled.") if verb == "cancel" else _("Checked in. Enjoy!")
            )
        return redirect("portal:spaces")
