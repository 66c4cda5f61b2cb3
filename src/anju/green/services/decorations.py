"""Festival decorations (品味超前): the calendar of the warm reminders (notices' holidays and
season beginnings) proposes a plan per community and occasion ahead of time; staff fill in the
theme, items and places, budget and who does it, add photos before and after, record the
actual cost when done; residents rate a done plan with one tap and a comment."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, bounds
from anju.core.errors import refuse
from anju.core.models import Community
from anju.core.money import quantize
from anju.notices import selectors as calendar
from anju.notices.choices import SEASON_START

from ..choices import PlanStatus
from ..models import DecorationPlan, DecorationRating
from .common import require, require_resident, unknown

PLAN_FIELDS = ("theme", "items", "budget", "done_by")
SEASON_NAMES = {"spring": "春季", "summer": "夏季", "autumn": "秋季", "winter": "冬季"}
PHOTO_CAPTIONS = ("before", "after")


def occasions(organization_id, today, days):
    """(key, name, date) of the decoration occasions from ``today`` to ``days`` ahead: the
    company's calendar holidays named in ``ANJU_GREEN_DECORATION_HOLIDAYS`` and the four
    season beginnings, keyed like the warm reminders' occurrences."""
    end = today + timedelta(days=days)
    keys = set(settings.ANJU_GREEN_DECORATION_HOLIDAYS)
    found = [
        (f"holiday:{h.key}:{h.year}", h.name, h.date)
        for h in calendar.calendar_for(organization_id).filter(
            key__in=keys, date__gte=today, date__lte=end
        )
    ]
    found += [
        (f"season:{code}:{day.year}", f"{SEASON_NAMES[code]}（{term}）", day)
        for code, term, day in calendar.season_starts(today, end)
        if code in SEASON_START
    ]
    return sorted({key: (key, name, day) for key, name, day in found}.values(), key=lambda o: o[2])


def propose_plans(*, today=None, communities=None):
    """Propose a plan for every community and coming occasion, once (a unique constraint):
    the managers then fill it in. Returns the new plans."""
    today = today or timezone.localdate()
    lead = settings.ANJU_GREEN_DECORATION_LEAD_DAYS
    communities = Community.objects.all() if communities is None else communities
    created = []
    by_org = {}
    for community in communities:
        if community.organization_id not in by_org:
            by_org[community.organization_id] = occasions(community.organization_id, today, lead)
        for key, name, day in by_org[community.organization_id]:
            try:
                with transaction.atomic():
                    plan, new = DecorationPlan.objects.get_or_create(
                        community=community,
                        occasion_key=key,
                        defaults={
                            "organization_id": community.organization_id,
                            "occasion": name,
                            "occasion_date": day,
                        },
                    )
                    if new:
                        audit.record(None, "green.decoration.proposed", plan, after={"key": key})
                        created.append(plan)
            except IntegrityError:  # proposed at the same moment by another worker
                continue
    return created


def _lock(plan):
    return DecorationPlan.objects.select_for_update().get(pk=plan.pk)


def _money(field_name, value):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        refuse(field_name, _("Enter an amount in yuan, e.g. 1200.00."))
    bounds.money(amount, field_name)
    if amount < 0:
        refuse(field_name, _("Enter an amount of 0 or more."))
    return quantize(amount)


def _items(value):
    """Items and places: a list of {"item", "place"} or lines of "item @ place"."""
    if isinstance(value, str):
        rows = []
        for line in value.splitlines():
            item, _sep, place = line.partition("@")
            if item.strip():
                rows.append({"item": item.strip()[:100], "place": place.strip()[:100]})
        return rows
    rows = []
    for row in value or []:
        if not isinstance(row, dict) or not str(row.get("item") or "").strip():
            refuse("items", _("Give each item a name, and its place if any."))
        rows.append(
            {"item": str(row["item"]).strip()[:100], "place": str(row.get("place") or "")[:100]}
        )
    if len(rows) > 100:
        refuse("items", _("At most 100 items in one plan."))
    return rows


@transaction.atomic
def create_plan(*, actor, community, occasion, occasion_date, **values):
    """A plan for an occasion the calendar did not propose (a community's own day)."""
    require("green.decoration.manage", community.pk, actor=actor)
    occasion = str(occasion or "").strip()
    if not occasion:
        refuse("occasion", _("Name the occasion."))
    if occasion_date is None:
        refuse("occasion_date", _("Choose the occasion's date."))
    key = f"own:{occasion[:40]}:{occasion_date.isoformat()}"
    if DecorationPlan.objects.filter(community=community, occasion_key=key).exists():
        refuse("occasion", _("This community already has a plan for this occasion."))
    plan = DecorationPlan.objects.create(
        organization_id=community.organization_id,
        community=community,
        occasion_key=key,
        occasion=occasion[:60],
        occasion_date=occasion_date,
    )
    audit.record(actor, "green.decoration.created", plan, after={"occasion": occasion})
    return save_plan(actor=actor, plan=plan, **values) if values else plan


@transaction.atomic
def save_plan(*, actor, plan, **values):
    """Fill in or change a proposed or planned plan: it is then planned."""
    unknown(values, PLAN_FIELDS)
    plan = _lock(plan)
    require("green.decoration.manage", plan.community_id, actor=actor)
    target = DecorationPlan.machine.check("plan", plan.status)
    before = audit.snapshot(plan, (*PLAN_FIELDS, "status"))
    if "theme" in values:
        plan.theme = str(values["theme"] or "").strip()[:200]
    if "items" in values:
        plan.items = _items(values["items"])
    if "budget" in values:
        plan.budget = _money("budget", values["budget"])
    if "done_by" in values:
        plan.done_by = str(values["done_by"] or "").strip()[:100]
    if not plan.theme:
        refuse("theme", _("Give the plan a theme."))
    plan.status = target
    plan.save()
    audit.record(
        actor,
        "green.decoration.planned",
        plan,
        before=before,
        after=audit.snapshot(plan, (*PLAN_FIELDS, "status")),
    )
    return plan


@transaction.atomic
def add_photos(*, actor, plan, photos, when):
    """Photos of the places before or after decorating (``when``: before/after)."""
    plan = _lock(plan)
    require("green.decoration.manage", plan.community_id, actor=actor)
    if when not in PHOTO_CAPTIONS:
        refuse("when", _("Say whether the photos are from before or after."))
    if plan.status == PlanStatus.CANCELLED:
        refuse("photos", _("This plan was cancelled."))
    stored = attachments.attach(plan, list(photos or []), actor=actor, field="photos", caption=when)
    audit.record(
        actor, "green.decoration.photos", plan, after={"when": when, "photos": len(stored)}
    )
    return stored


@transaction.atomic
def finish_plan(*, actor, plan, actual_cost, done_on=None):
    """The decoration is up: its actual cost (against the budget) and the day."""
    plan = _lock(plan)
    require("green.decoration.manage", plan.community_id, actor=actor)
    target = DecorationPlan.machine.check("finish", plan.status)
    cost = _money("actual_cost", actual_cost)
    if cost is None:
        refuse("actual_cost", _("Enter the actual cost (0 if nothing was spent)."))
    plan.actual_cost, plan.status = cost, target
    plan.done_on = done_on or timezone.localdate()
    plan.save(update_fields=["actual_cost", "status", "done_on"])
    audit.record(
        actor,
        "green.decoration.finish",
        plan,
        after={"actual_cost": str(cost), "budget": str(plan.budget), "done_on": str(plan.done_on)},
    )
    return plan


@transaction.atomic
def cancel_plan(*, actor, plan):
    plan = _lock(plan)
    require("green.decoration.manage", plan.community_id, actor=actor)
    plan.status = DecorationPlan.machine.check("cancel", plan.status)
    plan.save(update_fields=["status"])
    audit.record(actor, "green.decoration.cancel", plan, after={"status": plan.status})
    return plan


@transaction.atomic
def rate_plan(*, actor, plan, house, stars, comment=""):
    """A resident of the community rates a done plan, 1 to 5, once per household (tapping again
    changes the household's rating)."""
    require_resident(house, actor=actor)
    plan = DecorationPlan.objects.get(pk=plan.pk)  # its state now, not the caller's copy
    if house.community_id != plan.community_id:
        refuse("house", _("Choose your home in this community."))
    if plan.status != PlanStatus.DONE:
        refuse("stars", _("Only a finished decoration can be rated."))
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        refuse("stars", _("Tap one to five stars."))
    rating, created = DecorationRating.objects.update_or_create(
        plan=plan,
        house=house,
        defaults={
            "organization_id": plan.organization_id,
            "community_id": plan.community_id,
            "person_id": getattr(actor, "person_id", None),
            "stars": stars,
            "comment": str(comment or "").strip()[:300],
            "at": timezone.now(),
        },
    )
    audit.record(actor, "green.decoration.rated", rating, after={"stars": stars})
    return rating
