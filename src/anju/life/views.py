"""Console pages of community life: the service catalogue, service orders (with the quote
form for the technician), the income report by service, events with their sign-ups, the
check-in QR code, photos and the feedback survey."""

from datetime import date, datetime, time

import django_filters
import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import attachments, formats
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    get_scoped_object,
)
from anju.core.errors import DomainError

from . import selectors, services
from .choices import OrderStatus
from .forms import EventForm, OfferingForm, QuoteForm
from .models import Event, ServiceOffering, ServiceOrder, Signup


def _community(obj):
    return obj.community.name if obj.community_id else _("All communities of the company")


class OfferingList(ScopedListView):
    model = ServiceOffering
    permission = "life.offering.view"
    title = _("Service catalogue")
    create_url_name = "console:life-offering-create"
    create_permission = "life.offering.manage"
    search_fields = ["name"]
    columns = [
        Column("name", _("name")),
        Column("community", _("community"), value=_community),
        Column("price", _("price (¥)"), money=True),
        Column("unit", _("unit")),
        Column("materials_extra", _("materials charged extra")),
        Column("published", _("published")),
        Column("description", _("what is included")),
    ]

    def base_queryset(self):
        return ServiceOffering.objects.select_related("community")


class OfferingCreate(ServiceFormView):
    form_class = OfferingForm
    permission = "life.offering.manage"
    title = _("New service")

    def perform(self, data):
        community = data.pop("community", None)
        organization = None
        if community is None:
            membership = next(iter(self.request.user.active_memberships()), None)
            organization = membership.organization if membership else None
        return services.save_offering(
            actor=self.request.user, community=community, organization=organization, **data
        )

    def success_url_for(self, obj):
        return reverse("console:life-offering-list")


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("status"))

    class Meta:
        model = ServiceOrder
        fields = ["status"]


class OrderList(ScopedListView):
    model = ServiceOrder
    permission = "life.order.view"
    title = _("Service orders")
    filterset_class = OrderFilter
    detail_url_name = "console:life-order-detail"
    search_fields = ["number"]
    columns = [
        Column("number", _("order number"), link=True),
        Column("offering", _("service")),
        Column("house", _("house"), value=lambda o: o.house.label),
        Column("appointment_at", _("appointment")),
        Column("status", _("status")),
        Column("quote_amount", _("materials quoted (¥)"), money=True),
        Column("amount", _("amount billed (¥)"), money=True),
        Column("ticket", _("work order"), value=lambda o: o.ticket.number if o.ticket else ""),
    ]

    def base_queryset(self):
        return selectors.orders_for(ServiceOrder.objects.all()).order_by("-created_at", "-id")


class OrderDetail(ScopedDetailView):
    model = ServiceOrder
    permission = "life.order.view"
    template_name = "life/order_detail.html"
    fields = [
        Column("offering", _("service")),
        Column("house", _("house"), value=lambda o: o.house.label),
        Column("appointment_at", _("appointment")),
        Column("note", _("note")),
        Column("status", _("status")),
        Column("price", _("price (¥)"), value=lambda o: formats.money(o.price)),
        Column(
            "quote_amount", _("materials quoted (¥)"), value=lambda o: formats.money(o.quote_amount)
        ),
        Column("quote_note", _("what the quote is for")),
        Column("quote_decision", _("quote")),
        Column("amount", _("amount billed (¥)"), value=lambda o: formats.money(o.amount)),
        Column("paid_at", _("paid at")),
        Column("created_at", _("ordered at")),
    ]
    # Shown once the order is refunded (the refund's own panel says the rest).
    refund_fields = [
        Column(
            "refunded_amount", _("refunded (¥)"), value=lambda o: formats.money(o.refunded_amount)
        ),
        Column("refunded_at", _("refunded at")),
    ]

    def get_queryset(self):
        return selectors.orders_for(super().get_queryset())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = self.object
        if order.status == OrderStatus.REFUNDED:
            ctx["facts"] += [(c.label, c.render(order)) for c in self.refund_fields]
        allowed = selectors.order_actions(order)
        ctx.update(
            title=_("Service order %(n)s") % {"n": order.number},
            can_quote="quote" in allowed
            and (
                (order.ticket and order.ticket.assignee_id == self.request.user.pk)
                or self.can("life.order.quote", order)
            ),
            can_cancel="cancel" in allowed and self.can("life.order.manage", order),
            can_refund="refund" in allowed and self.can("life.order.refund", order),
            quote_form=QuoteForm(),
        )
        return ctx


class OrderAction(StaffRequiredMixin, generic.View):
    permission = "life.order.view"

    def post(self, request, pk, verb):
        order = get_scoped_object(ServiceOrder, request.user, pk, "life.order.view")
        try:
            if verb == "quote":
                services.quote(
                    actor=request.user,
                    order=order,
                    amount=request.POST.get("amount", ""),
                    note=request.POST.get("note", ""),
                )
            elif verb == "cancel":
                services.cancel(actor=request.user, order=order, reason=request.POST.get("reason"))
            elif verb == "refund":
                services.refund(
                    actor=request.user,
                    order=order,
                    reason=request.POST.get("reason", ""),
                    keep_as_prepayment=request.POST.get("keep_as_prepayment") == "on",
                )
            else:
                raise PermissionDenied
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("console:life-order-detail", pk=pk)


class IncomeReport(StaffRequiredMixin, generic.TemplateView):
    """服务收入 by service for a month: the company's own income, never public income."""

    permission = "life.report.view"
    template_name = "life/report.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        raw = self.request.GET.get("month", "")
        try:
            first = date.fromisoformat(f"{raw}-01")
        except ValueError:
            first = timezone.localdate().replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        tz = timezone.get_current_timezone()
        orders = ServiceOrder.objects.visible_to(self.request.user, "life.report.view")
        if self.request.community_id:
            orders = orders.in_community(self.request.community_id)
        rows = selectors.income_by_service(
            orders,
            datetime.combine(first, time(), tzinfo=tz),
            datetime.combine(after, time(), tzinfo=tz),
        )
        ctx.update(
            title=_("Service income"),
            month=f"{first:%Y-%m}",
            rows=rows,
            total_orders=sum(r["orders"] for r in rows),
            total=sum((r["amount"] for r in rows), 0),
        )
        return ctx


def _seats(event):
    return f"{event.held or 0} / {event.capacity}"


class EventList(ScopedListView):
    model = Event
    permission = "life.event.view"
    title = _("Community events")
    create_url_name = "console:life-event-create"
    create_permission = "life.event.manage"
    detail_url_name = "console:life-event-detail"
    search_fields = ["title", "place"]
    columns = [
        Column("title", _("title"), link=True),
        Column("community", _("community")),
        Column("starts_at", _("starts at")),
        Column("place", _("place")),
        Column("seats", _("confirmed / capacity"), value=_seats, align="right"),
        Column("waiting", _("on the waitlist"), value=lambda e: e.waiting or 0, align="right"),
        Column("fee", _("fee per person (¥)"), money=True),
        Column("signup_until", _("sign-up deadline")),
        Column("status", _("status")),
    ]

    def base_queryset(self):
        return selectors.with_seats(Event.objects.select_related("community")).order_by(
            "-starts_at", "-id"
        )


class EventCreate(ServiceFormView):
    form_class = EventForm
    permission = "life.event.manage"
    title = _("New community event")

    def perform(self, data):
        return services.save_event(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:life-event-detail", args=[obj.pk])


class EventDetail(ScopedDetailView):
    model = Event
    permission = "life.event.view"
    template_name = "life/event_detail.html"
    fields = [
        Column("community", _("community")),
        Column("starts_at", _("starts at")),
        Column("ends_at", _("ends at")),
        Column("place", _("place")),
        Column("capacity", _("capacity (people)")),
        Column("signup_until", _("sign-up deadline")),
        Column("fee", _("fee per person (¥)"), value=lambda e: formats.money(e.fee)),
        Column("max_people_per_house", _("people per household")),
        Column("status", _("status")),
        Column("description", _("description")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        event = self.object
        signups = (
            list(
                Signup.objects.filter(event=event)
                .select_related("house__building")
                .order_by("created_at", "id")
            )
            if self.can("life.signup.view", event)
            else []
        )
        url = self.request.build_absolute_uri(
            reverse("portal:life-event-checkin", args=[event.pk, event.checkin_code])
        )
        held, waiting = selectors.seats(event)
        ctx.update(
            title=event.title,
            signups=signups,
            held=held,
            waiting=waiting,
            qr_svg=segno.make(url, error="m").svg_inline(scale=5),
            checkin_url=url,
            photos=attachments.of(event),
            can_manage=self.can("life.event.manage", event),
            can_check_in=self.can("life.signup.checkin", event),
            ended=timezone.now() >= event.ends_at,
            started=timezone.now() >= event.starts_at,
        )
        return ctx


class EventAction(StaffRequiredMixin, generic.View):
    permission = "life.event.view"

    def post(self, request, pk, verb):
        event = get_scoped_object(Event, request.user, pk, "life.event.view")
        try:
            if verb == "photos":
                services.add_photos(
                    actor=request.user,
                    event=event,
                    files=request.FILES.getlist("photos"),
                    caption=request.POST.get("caption", ""),
                )
            elif verb == "feedback":
                services.open_feedback(actor=request.user, event=event)
            elif verb == "cancel":
                services.cancel_event(
                    actor=request.user, event=event, reason=request.POST.get("reason", "")
                )
            elif verb == "check-in":
                signup = Signup.objects.filter(event=event, pk=request.POST.get("signup") or 0)
                if not signup.exists():
                    raise PermissionDenied
                services.check_in(actor=request.user, signup=signup.first())
            else:
                raise PermissionDenied
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("console:life-event-detail", pk=pk)
