"""Resident portal of parking (phone-first): my vehicles (add, remove), my passes, pay for a
stay by plate (mine or a visitor's) online through billing, and the section of 我的家."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import INSIDE, SessionState
from .models import ParkingLot, Session
from .plates import normalize

SOON_DAYS = 30


def tabs(current):
    return [
        (reverse("portal:parking-vehicles"), _("My vehicles"), current == "vehicles"),
        (reverse("portal:parking-passes"), _("My passes"), current == "passes"),
        (reverse("portal:parking-pay"), _("Pay for a stay"), current == "pay"),
        (reverse("portal:parking-share"), _("Share my space"), current == "share"),
        (reverse("portal:parking-find"), _("Find a space"), current == "find"),
    ]


def _my_houses(user):
    return House.objects.filter(pk__in=user.resident_house_ids()).select_related(
        "building", "community"
    )


class VehiclesView(ResidentMixin, generic.TemplateView):
    """我的车辆: the vehicles of my homes, a form to add one (the plate checked on the field),
    a button to remove one."""

    template_name = "parking/portal/vehicles.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        vehicles = list(selectors.my_vehicles(user))
        houses = list(_my_houses(user))
        counts = {}
        for vehicle in vehicles:
            counts[vehicle.house_id] = counts.get(vehicle.house_id, 0) + 1
        ctx.update(
            title=_("Parking"),
            tabs=tabs("vehicles"),
            vehicles=vehicles,
            houses=houses,
            limit=settings.ANJU_PARKING_VEHICLES_PER_HOUSE,
            full=bool(houses)
            and all(
                counts.get(h.pk, 0) >= settings.ANJU_PARKING_VEHICLES_PER_HOUSE for h in houses
            ),
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request):
        values = {"plate": request.POST.get("plate", ""), "house": request.POST.get("house", "")}
        house = _my_houses(request.user).filter(pk=values["house"] or 0).first()
        if house is None and len(request.user.resident_house_ids()) == 1:
            house = _my_houses(request.user).first()
        try:
            vehicle = services.add_my_vehicle(
                actor=request.user, house=house, plate=values["plate"]
            )
        except DomainError as exc:
            errors = exc.fields or {"plate": [exc.message]}
            return self.render_to_response(self.get_context_data(values=values, errors=errors))
        messages.success(request, _("%(plate)s is registered.") % {"plate": vehicle.plate})
        return redirect("portal:parking-vehicles")


class VehicleRemove(ResidentMixin, generic.View):
    def post(self, request, pk):
        vehicle = get_object_or_404(selectors.my_vehicles(request.user), pk=pk)
        try:
            services.remove_my_vehicle(actor=request.user, vehicle=vehicle)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(plate)s is removed.") % {"plate": vehicle.plate})
        return redirect("portal:parking-vehicles")


class PassesView(ResidentMixin, generic.TemplateView):
    """我的月卡: the passes of my vehicles with their last day; renewing one is a bill to pay."""

    template_name = "parking/portal/passes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        passes = list(selectors.my_passes(self.request.user, today))
        for item in passes:
            item.ended = item.ends < today
            item.soon = not item.ended and item.ends <= today + timedelta(days=SOON_DAYS)
            item.days_left = (item.ends - today).days
        ctx.update(
            title=_("Parking"),
            tabs=tabs("passes"),
            passes=passes,
            bills_url=reverse("portal:billing-bills"),
        )
        return ctx


class PayView(ResidentMixin, generic.TemplateView):
    """Pay for a stay: the plate (mine or a visitor's) → its stay in a lot of my community, the
    fee now and how it is made up → pay it online from one of my homes (billing's pay page)."""

    template_name = "parking/portal/pay.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        raw = kwargs.get("plate", self.request.GET.get("plate", ""))
        plate = normalize(raw) if raw else ""
        now = timezone.now()
        stays = []
        for session in selectors.payable_by_plate(user, plate):
            quote = services.quote(session, now)
            stays.append(
                {
                    "session": session,
                    "quote": quote,
                    "grace": getattr(getattr(session.lot, "fee_rule", None), "grace_minutes", 0),
                    "houses": [
                        h
                        for h in kwargs.get("houses", [])
                        if h.community_id == session.community_id
                    ],
                }
            )
        ctx.update(
            title=_("Parking"),
            tabs=tabs("pay"),
            plate=plate,
            raw=raw,
            stays=stays,
            mine=[v.plate for v in selectors.my_vehicles(user)],
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def get(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(houses=list(_my_houses(request.user)), **kwargs)
        )

    def post(self, request):
        houses = list(_my_houses(request.user))
        session = (
            Session.objects.filter(
                community_id__in=request.user.resident_community_ids(),
                pk=request.POST.get("session") if request.POST.get("session", "").isdigit() else 0,
            )
            .select_related("lot")
            .first()
        )
        if session is None:
            raise Http404
        house = next((h for h in houses if str(h.pk) == request.POST.get("house", "")), None)
        if house is None:
            house = next((h for h in houses if h.community_id == session.community_id), None)
        try:
            bill, _quote = services.start_online_pay(
                actor=request.user, session=session, house=house
            )
        except DomainError as exc:
            errors = exc.fields or {"amount": [exc.message]}
            messages.error(request, exc.message)
            return self.render_to_response(
                self.get_context_data(houses=houses, plate=session.plate, errors=errors)
            )
        return redirect(f"{reverse('portal:billing-pay-page')}?bills={bill.pk}")


VISIT_SALT = "anju.parking.visit"


def visit_token(lot) -> str:
    """The lot's visitor link (the QR code at the exit and on the booth's display)."""
    return signing.dumps({"lot": lot.pk}, salt=VISIT_SALT, compress=True)


def lot_of_token(token):
    try:
        data = signing.loads(token, salt=VISIT_SALT)
    except signing.BadSignature:
        return None
    pk = data.get("lot") if isinstance(data, dict) else None
    return ParkingLot.objects.filter(pk=pk, active=True).first() if pk else None


class VisitView(generic.TemplateView):
    """A visitor at the exit, no login: scans the lot's QR code, enters their plate and sees
    what their stay costs now and how it is made up (only a stay inside this lot, by its exact
    plate). They pay at the booth, or their host pays it from the portal."""

    template_name = "parking/portal/visit.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lot = lot_of_token(kwargs["token"])
        if lot is None:
            raise Http404
        raw = self.request.GET.get("plate", "")
        plate = normalize(raw) if raw else ""
        session = (
            Session.objects.filter(lot=lot, plate=plate, state__in=INSIDE)
            .order_by("-entered_at")
            .first()
            if plate
            else None
        )
        quote = services.quote(session) if session else None
        rule = getattr(lot, "fee_rule", None)
        ctx.update(
            title=lot.name,
            lot=lot,
            raw=raw,
            plate=plate,
            session=session,
            quote=quote,
            grace=rule.grace_minutes if rule else 0,
        )
        return ctx


def home_sections(request) -> list[dict]:
    """我的家: my vehicles' stays left unpaid and my passes ending within 30 days, as the
    parking pages list them (three queries)."""
    user = request.user
    if not user.person_id:
        return []
    plates = list(selectors.my_vehicles(user).values_list("plate", flat=True))
    if not plates:
        return []
    today = timezone.localdate()
    unpaid = list(
        Session.objects.filter(
            community_id__in=user.resident_community_ids(),
            plate__in=plates,
            state=SessionState.UNPAID_EXIT,
        )
        .select_related("lot")
        .order_by("-exited_at")[:5]
    )
    ending = list(
        selectors.my_passes(user, today, days_back=0).filter(
            ends__lte=today + timedelta(days=SOON_DAYS)
        )[:5]
    )
    if not unpaid and not ending:
        return []
    return [
        {
            "order": 60,
            "title": _("Parking"),
            "template": "parking/portal/home_section.html",
            "context": {
                "unpaid": unpaid,
                "ending": ending,
                "pay_url": reverse("portal:parking-pay"),
                "passes_url": reverse("portal:parking-passes"),
            },
        }
    ]
