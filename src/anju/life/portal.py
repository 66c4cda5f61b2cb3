"""Resident portal (phone-first): the services catalogue and ordering, my orders (quote accept
or decline, pay online, rate), the events calendar, sign-up, my sign-ups, check-in by QR."""

from datetime import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import generic

from anju.billing import selectors as billing_selectors
from anju.core import attachments
from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import ACTIVE_SIGNUP, OPEN_ORDER_STATUSES, OrderStatus
from .models import Event, ServiceOrder, Signup


def _my_houses(user, community_id=None):
    houses = House.objects.filter(pk__in=user.resident_house_ids()).select_related("building")
    if community_id is not None:
        houses = houses.filter(community_id=community_id)
    return houses


def _my_orders(user):
    return selectors.orders_for(
        ServiceOrder.objects.filter(house_id__in=user.resident_house_ids())
    ).order_by("-created_at", "-id")


class ServicesView(ResidentMixin, generic.TemplateView):
    """有偿服务: the published catalogue of the resident's community (明码标价)."""

    template_name = "life/portal_services.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Home services"),
            offerings=selectors.catalogue(self.request.user),
            open_orders=_my_orders(self.request.user).filter(status__in=OPEN_ORDER_STATUSES)[:5],
        )
        return ctx


class OrderView(ResidentMixin, generic.TemplateView):
    """One service: its price and what it includes; choose the home and the time."""

    template_name = "life/portal_order.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.offering = selectors.catalogue(request.user).filter(pk=kwargs["pk"]).first()
            if self.offering is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _houses(self):
        houses = _my_houses(self.request.user)
        if self.offering.community_id:
            houses = houses.filter(community_id=self.offering.community_id)
        return houses

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=self.offering.name,
            offering=self.offering,
            houses=self._houses(),
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request, pk):
        values = request.POST
        errors = {}
        try:
            when = datetime.fromisoformat(values.get("appointment_at", ""))
            when = timezone.make_aware(when) if timezone.is_naive(when) else when
        except ValueError:
            when = None
            errors = {"appointment_at": [_("Choose the time you want the service.")]}
        house = self._houses().filter(pk=values.get("house") or 0).first() or (
            self._houses().first()
        )
        if not errors and house is None:
            errors = {"house": [_("Choose one of your homes.")]}
        if not errors:
            try:
                order = services.place_order(
                    actor=request.user,
                    offering=self.offering,
                    house=house,
                    appointment_at=when,
                    note=values.get("note", ""),
                )
            except DomainError as exc:
                errors = exc.fields or {"appointment_at": [exc.message]}
            else:
                messages.success(
                    request,
                    _("Ordered %(n)s. The service centre sends a technician at your time.")
                    % {"n": order.number},
                )
                return redirect("portal:life-orders")
        return self.render_to_response(self.get_context_data(values=values, errors=errors))


class MyOrdersView(ResidentMixin, generic.TemplateView):
    template_name = "life/portal_orders.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        orders = list(_my_orders(self.request.user)[:30])
        bills = billing_selectors.charge_bills(
            [services.order_source(o) for o in orders if o.status == OrderStatus.UNPAID]
        )
        for order in orders:
            order.actions = selectors.order_actions(order)
            order.work_done = selectors.work_done(order)
            order.bill = bills.get(services.order_source(order))
        ctx.update(title=_("My service orders"), orders=orders)
        return ctx


ORDER_VERBS = {
    "accept-quote": (services.accept_quote, _("Quote accepted: the technician goes on.")),
    "decline-quote": (
        services.decline_quote,
        _("Quote declined: the work goes on without the extra materials."),
    ),
    "cancel": (services.cancel, _("Order cancelled.")),
}


class OrderAction(ResidentMixin, generic.View):
    def post(self, request, pk, verb):
        order = _my_orders(request.user).filter(pk=pk).first()
        if order is None or verb not in (*ORDER_VERBS, "pay", "rate"):
            raise Http404
        try:
            if verb == "pay":
                order = services.pay(actor=request.user, order=order)
                bill = billing_selectors.charge_bills([services.order_source(order)]).get(
                    services.order_source(order)
                )
                if bill is not None and order.status == OrderStatus.UNPAID:
                    return redirect(f"{reverse('portal:billing-pay-page')}?bills={bill.pk}")
                messages.success(request, _("Nothing to pay."))
            elif verb == "rate":
                services.rate(
                    actor=request.user,
                    order=order,
                    score=request.POST.get("score"),
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, _("Thank you for your rating."))
            else:
                fn, done = ORDER_VERBS[verb]
                fn(actor=request.user, order=order)
                messages.success(request, done)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("portal:life-orders")


class EventsView(ResidentMixin, generic.TemplateView):
    """社区活动: the coming events by day (a calendar list), my sign-ups, past events."""

    template_name = "life/portal_events.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        communities = user.resident_community_ids()
        upcoming = list(selectors.with_seats(selectors.upcoming_events(communities))[:50])
        mine = {
            s.event_id: s
            for s in Signup.objects.filter(
                house_id__in=user.resident_house_ids(), status__in=ACTIVE_SIGNUP
            ).select_related("event")
        }
        days = []
        for event in upcoming:
            event.mine = mine.get(event.pk)
            day = timezone.localtime(event.starts_at).date()
            if not days or days[-1][0] != day:
                days.append((day, []))
            days[-1][1].append(event)
        past = list(selectors.past_events(communities)[:10])
        photos = attachments.by_object(Event, [e.pk for e in past])
        for event in past:
            event.photos = photos.get(event.pk, [])[:4]
        ctx.update(title=_("Community events"), days=days, past=past)
        return ctx


class EventView(ResidentMixin, generic.TemplateView):
    template_name = "life/portal_event.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.event = (
                selectors.with_seats(
                    Event.objects.filter(community_id__in=request.user.resident_community_ids())
                )
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.event is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, event = self.request.user, self.event
        signup = (
            Signup.objects.filter(
                event=event, house_id__in=user.resident_house_ids(), status__in=ACTIVE_SIGNUP
            )
            .select_related("house__building")
            .first()
        )
        bill = None
        if signup is not None and signup.amount and not signup.paid_at:
            bill = billing_selectors.charge_bills([services.signup_source(signup)]).get(
                services.signup_source(signup)
            )
        now = timezone.now()
        ctx.update(
            title=event.title,
            event=event,
            signup=signup,
            bill=bill if bill is not None and bill.status != "paid" else None,
            houses=_my_houses(user, event.community_id),
            free=max(event.capacity - (event.held or 0), 0),
            open=now <= event.signup_until and event.status == "open",
            photos=attachments.of(event),
            errors=kwargs.get("errors") or {},
            values=kwargs.get("values") or {},
        )
        return ctx

    def post(self, request, pk):
        house = (
            _my_houses(request.user, self.event.community_id)
            .filter(pk=request.POST.get("house") or 0)
            .first()
            or _my_houses(request.user, self.event.community_id).first()
        )
        if house is None:
            raise Http404
        try:
            signup = services.sign_up(
                actor=request.user,
                event=self.event,
                house=house,
                people=request.POST.get("people") or 1,
            )
        except DomainError as exc:
            errors = exc.fields or {"people": [exc.message]}
            return self.render_to_response(
                self.get_context_data(errors=errors, values=request.POST)
            )
        if signup.status == "waitlisted":
            messages.success(
                request,
                _("The event is full: you are on the waitlist. We tell you when a place is free."),
            )
        else:
            messages.success(request, _("You are signed up."))
        return redirect("portal:life-event", pk=pk)


class SignupCancel(ResidentMixin, generic.View):
    def post(self, request, pk):
        signup = Signup.objects.filter(
            pk=pk, house_id__in=request.user.resident_house_ids()
        ).first()
        if signup is None:
            raise Http404
        try:
            services.cancel_signup(actor=request.user, signup=signup)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Sign-up cancelled."))
        return redirect("portal:life-event", pk=signup.event_id)


class CheckInView(ResidentMixin, generic.TemplateView):
    """The page the event's QR code opens: one tap checks the household in."""

    template_name = "life/portal_checkin.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.event = (
                Event.objects.filter(community_id__in=request.user.resident_community_ids())
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.event is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=pgettext("event", "Check in"), event=self.event, code=self.kwargs["code"])
        return ctx

    def post(self, request, pk, code):
        try:
            services.check_in_by_code(actor=request.user, event=self.event, code=code)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:life-event-checkin", pk=pk, code=code)
        messages.success(request, _("Checked in. Enjoy the event!"))
        return redirect("portal:life-event", pk=pk)


def home_sections(request) -> list[dict]:
    """我的家: a quote that waits for the resident, or a service to pay."""
    user = request.user
    if not user.person_id:
        return []
    waiting = list(_my_orders(user).filter(status__in=(OrderStatus.QUOTED, OrderStatus.UNPAID))[:5])
    if not waiting:
        return []
    return [
        {
            "order": 60,
            "title": _("My home services"),
            "template": "life/home_section.html",
            "context": {"orders": waiting, "url": reverse("portal:life-orders")},
        }
    ]
