"""Pages of shared spaces (共享车位).

Portal (phone-first): “share my space” (publish a window when my space is free, withdraw one
nobody booked, what my home earned) and “find a space” (open windows in my community: book one
for my car or a visitor's, pay it online from my home, cancel). Console: the bookings and the
split report (owner's credit, company income, costs netted, public income) for the manager."""

from datetime import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from anju.core import formats
from anju.core.console import Column, ScopedListView, StaffRequiredMixin
from anju.core.dates import period
from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .models import ShareBooking, ShareRule
from .views_portal import tabs


def _moment(raw):
    """A ``datetime-local`` field's value as an aware time, or None."""
    try:
        value = datetime.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _homes(user, community_id=None):
    homes = House.objects.filter(pk__in=user.resident_house_ids()).select_related("building")
    return list(homes.filter(community_id=community_id) if community_id else homes)


def _error_response(view, exc, values):
    errors = exc.fields or {}
    messages.error(view.request, exc.message)
    return view.render_to_response(view.get_context_data(values=values, errors=errors))


class ShareMySpaceView(ResidentMixin, generic.TemplateView):
    """共享我的车位: my spaces, a window to publish, my windows with their bookings, my earnings."""

    template_name = "parking/portal/share.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        spaces = list(selectors.spaces_i_may_share(user).select_related("lot"))
        rules = {
            r.community_id: r
            for r in ShareRule.objects.filter(community_id__in={s.community_id for s in spaces})
        }
        total, earnings = selectors.my_earnings(user)
        windows = list(selectors.my_windows(user))
        for window in windows:
            window.live = [
                b for b in window.bookings.all() if b.status in ("booked", "paid", "used")
            ]
        now = timezone.localtime().replace(second=0, microsecond=0)
        ctx.update(
            title=_("Parking"),
            tabs=tabs("share"),
            spaces=spaces,
            rule=rules.get(spaces[0].community_id) if spaces else None,
            windows=windows,
            total=total,
            earnings=list(earnings),
            default_from=f"{now:%Y-%m-%dT%H:%M}",
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request):
        values = {k: request.POST.get(k, "") for k in ("space", "starts", "ends", "price")}
        space = (
            selectors.spaces_i_may_share(request.user)
            .filter(pk=values["space"] if values["space"].isdigit() else 0)
            .first()
        )
        try:
            if space is None:
                raise DomainError(
                    _("Choose one of your spaces."),
                    fields={"space": [_("Choose one of your spaces.")]},
                )
            window = services.publish_window(
                actor=request.user,
                space=space,
                starts=_moment(values["starts"]),
                ends=_moment(values["ends"]),
                price_per_hour=values["price"] or None,
            )
        except DomainError as exc:
            return _error_response(self, exc, values)
        messages.success(
            request, _("Space %(n)s is offered; neighbours can book it.") % {"n": window.space}
        )
        return redirect("portal:parking-share")


class WindowWithdraw(ResidentMixin, generic.View):
    def post(self, request, pk):
        window = get_object_or_404(selectors.my_windows(request.user, days_back=0), pk=pk)
        try:
            services.withdraw_window(actor=request.user, window=window)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The window is withdrawn."))
        return redirect("portal:parking-share")


class FindSpaceView(ResidentMixin, generic.TemplateView):
    """找车位: open windows in my community (each with its free times), book one for a plate,
    my bookings to pay or cancel."""

    template_name = "parking/portal/find.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        windows = list(selectors.open_windows(user))
        values, errors = kwargs.get("values") or {}, kwargs.get("errors") or {}
        for window in windows:
            same = values.get("window") == str(window.pk)
            window.sent, window.errs = (values, errors) if same else ({}, {})
            window.taken = sorted(
                (b for b in window.bookings.all() if b.status in ("booked", "paid", "used")),
                key=lambda b: b.starts,
            )
        ctx.update(
            title=_("Parking"),
            tabs=tabs("find"),
            windows=windows,
            bookings=list(selectors.my_share_bookings(user)),
            homes=_homes(user),
            mine=[v.plate for v in selectors.my_vehicles(user)],
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request):
        values = {
            k: request.POST.get(k, "") for k in ("window", "plate", "starts", "ends", "house")
        }
        window = (
            selectors.open_windows(request.user)
            .filter(pk=values["window"] if values["window"].isdigit() else 0)
            .first()
        )
        if window is None:
            raise Http404
        homes = _homes(request.user, window.community_id)
        house = next((h for h in homes if str(h.pk) == values["house"]), None)
        if house is None and len(homes) == 1:
            house = homes[0]
        try:
            booking = services.book(
                actor=request.user,
                window=window,
                plate=values["plate"],
                house=house,
                starts=_moment(values["starts"]),
                ends=_moment(values["ends"]),
            )
        except DomainError as exc:
            return _error_response(self, exc, values)
        messages.success(
            request, _("Booked for %(plate)s: pay it to hold the space.") % {"plate": booking.plate}
        )
        return redirect(f"{reverse('portal:parking-find')}#booking-{booking.pk}")


class BookingPay(ResidentMixin, generic.View):
    def post(self, request, pk):
        booking = get_object_or_404(selectors.my_share_bookings(request.user), pk=pk)
        try:
            bill = services.start_share_pay(actor=request.user, booking=booking)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:parking-find")
        return redirect(f"{reverse('portal:billing-pay-page')}?bills={bill.pk}")


class BookingCancel(ResidentMixin, generic.View):
    def post(self, request, pk):
        booking = get_object_or_404(selectors.my_share_bookings(request.user), pk=pk)
        try:
            services.cancel_booking(actor=request.user, booking=booking)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The booking is cancelled."))
        return redirect("portal:parking-find")


# Console -------------------------------------------------------------------------------------


def _when(value):
    return formats.when(value) if value else ""


class ShareBookingList(ScopedListView):
    model = ShareBooking
    permission = "parking.share.view"
    title = gettext_lazy("Shared space bookings")
    empty_text = gettext_lazy("No shared space was booked yet.")
    search_fields = ["plate", "window__space__number"]
    columns = [
        Column("plate", gettext_lazy("plate number"), raw=True),
        Column(
            "window__space__lot",
            gettext_lazy("parking lot"),
            value=lambda b: b.window.space.lot,
            raw=True,
        ),
        Column(
            "window__space",
            gettext_lazy("parking space"),
            value=lambda b: b.window.space,
            raw=True,
        ),
        Column("starts", gettext_lazy("from"), value=lambda b: _when(b.starts)),
        Column("ends", gettext_lazy("until"), value=lambda b: _when(b.ends)),
        Column("house", gettext_lazy("booking household"), raw=True),
        Column("amount", gettext_lazy("amount (¥)"), money=True),
        Column("status", gettext_lazy("status")),
        Column("used_at", gettext_lazy("entered at"), value=lambda b: _when(b.used_at)),
    ]

    def base_queryset(self):
        return ShareBooking.objects.select_related("window__space__lot", "house")


class SplitReport(StaffRequiredMixin, generic.TemplateView):
    """How the shared spaces' bookings were split in a period, per lending household: the
    owners' credits (payable to them), the company's income, the costs netted and the public
    income posted to the governance ledger."""

    template_name = "parking/share_split.html"
    permission = "parking.share.manage"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        start, end = period(self.request.GET)
        rows, totals = selectors.split_report(
            self.request.user, start, end, self.request.community_id
        )
        rule = (
            ShareRule.objects.filter(community_id=self.request.community_id).first()
            if self.request.community_id
            else None
        )
        ctx.update(
            title=_("Shared space split"), start=start, end=end, rows=rows, totals=totals, rule=rule
        )
        return ctx
