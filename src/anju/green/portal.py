"""Resident portal (phone-first): my green points (balance and history per home), book a bulky
or renovation waste pickup (and cancel it), and rate the festival decorations with one tap."""

from datetime import date, timedelta

from django.contrib import messages
from django.db.models import Avg, Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core import attachments as core_attachments
from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import OPEN_PICKUPS, PickupKind, PlanStatus
from .models import DecorationPlan, DecorationRating, Pickup, PointsAccount, PointsEntry


def _homes(user):
    return House.objects.filter(pk__in=user.resident_house_ids()).select_related(
        "building", "community"
    )


class PointsView(ResidentMixin, generic.TemplateView):
    template_name = "green/portal_points.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        homes = list(_homes(self.request.user))
        ids = [h.pk for h in homes]
        balances = dict(
            PointsAccount.objects.filter(house_id__in=ids).values_list("house_id", "balance")
        )
        entries = PointsEntry.objects.filter(house_id__in=ids).order_by("-at", "-pk")[:100]
        rules = {}
        for home in homes:
            home.points = balances.get(home.pk, 0)
            if home.organization_id not in rules:
                rules[home.organization_id] = selectors.points_rule_for(home.organization_id)
            home.rule = rules[home.organization_id]
        ctx.update(title=_("My green points"), homes=homes, entries=entries)
        return ctx


class PickupsView(ResidentMixin, generic.TemplateView):
    template_name = "green/portal_pickups.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = (
            list(selectors.pickups_of_person(user.person_id).order_by("-wanted_on", "-pk")[:30])
            if user.person_id
            else []
        )
        today = timezone.localdate()
        ctx.update(
            title=_("Bulky and renovation waste"),
            homes=_homes(user),
            kinds=PickupKind.choices,
            open=[p for p in mine if p.status in OPEN_PICKUPS],
            past=[p for p in mine if p.status not in OPEN_PICKUPS][:10],
            min_day=today,
            max_day=today + timedelta(days=services.PICKUP_DAYS_AHEAD),
            values=kwargs.get("values") or {},
            errors=kwargs.get("errors") or {},
        )
        return ctx

    def post(self, request):
        values = request.POST
        house = _homes(request.user).filter(pk=values.get("house") or 0).first()
        errors = {}
        if house is None:
            errors = {"house": [_("Choose your home.")]}
        else:
            try:
                wanted_on = date.fromisoformat(values.get("wanted_on", ""))
            except ValueError:
                wanted_on = None
            try:
                services.book_pickup(
                    actor=request.user,
                    house=house,
                    kind=values.get("kind", ""),
                    items=values.get("items", ""),
                    wanted_on=wanted_on,
                )
            except DomainError as exc:
                errors = exc.fields or {"items": [exc.message]}
            else:
                messages.success(
                    request, _("Booked. The service centre will confirm the pickup time.")
                )
                return redirect("portal:green-pickups")
        return self.render_to_response(self.get_context_data(values=values, errors=errors))


class PickupCancel(ResidentMixin, generic.View):
    def post(self, request, pk):
        pickup = Pickup.objects.filter(pk=pk, person_id=request.user.person_id or 0).first()
        if pickup is None:
            raise Http404
        try:
            services.cancel_pickup(actor=request.user, pickup=pickup)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Pickup cancelled."))
        return redirect("portal:green-pickups")


def _my_plans(user):
    return (
        DecorationPlan.objects.filter(
            community_id__in=user.resident_community_ids(),
            status__in=(PlanStatus.PLANNED, PlanStatus.DONE),
        )
        .select_related("community")
        .annotate(rating=Avg("ratings__stars"), ratings_count=Count("ratings"))
        .order_by("-occasion_date")
    )


class DecorationsView(ResidentMixin, generic.TemplateView):
    template_name = "green/portal_decorations.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        plans = list(_my_plans(user)[:12])
        house_ids = user.resident_house_ids()
        mine = {
            r.plan_id: r
            for r in DecorationRating.objects.filter(
                plan__in=[p.pk for p in plans], house_id__in=house_ids
            )
        }
        photos = core_attachments.by_object(DecorationPlan, [p.pk for p in plans])
        homes = list(_homes(user))
        for plan in plans:
            plan.mine = mine.get(plan.pk)
            plan.photos_after = [a for a in photos[plan.pk] if a.caption == "after"][:3]
            plan.home = next((h for h in homes if h.community_id == plan.community_id), None)
        ctx.update(
            title=_("Festival decorations"),
            plans=plans,
            errors=kwargs.get("errors") or {},
            stars=range(1, 6),
        )
        return ctx

    def post(self, request):
        plan = _my_plans(request.user).filter(pk=request.POST.get("plan") or 0).first()
        if plan is None:
            raise Http404
        house = _homes(request.user).filter(community_id=plan.community_id).first()
        try:
            services.rate_plan(
                actor=request.user,
                plan=plan,
                house=house,
                stars=request.POST.get("stars"),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you for your rating."))
        return redirect("portal:green-decorations")
