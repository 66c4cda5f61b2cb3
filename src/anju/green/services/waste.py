"""Garbage sorting (垃圾分类): collection points, collection logs (a category of the
community's jurisdiction, a bounded weight), sorting inspections by the person responsible with
photos (a correct household inspection earns green points), and bulky and renovation waste
pickups booked by residents and confirmed and collected by staff. Keyword-only ``actor``,
atomic, audited."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import attachments, audit
from anju.core.errors import full_clean, refuse
from anju.core.models import User
from anju.core.notifications import notify

from .. import selectors
from ..choices import EarnReason, Grade, PickupKind
from ..models import CollectionLog, CollectionPoint, Inspection, Pickup
from .common import require, require_resident, unknown
from .points import award_for

POINT_FIELDS = ("name", "building", "place", "schedule", "responsible", "active")
PICKUP_DAYS_AHEAD = 60
CLOCK_SKEW = timedelta(minutes=5)


# Collection points --------------------------------------------------------------------------


@transaction.atomic
def save_point(*, actor, community=None, point=None, **values):
    """Create a collection point of ``community`` or change ``point``."""
    unknown(values, POINT_FIELDS)
    if point is None:
        require("green.point.manage", community.pk, actor=actor)
        point = CollectionPoint(organization_id=community.organization_id, community=community)
        before = None
    else:
        point = CollectionPoint.objects.select_for_update().get(pk=point.pk)
        require("green.point.manage", point.community_id, actor=actor)
        before = audit.snapshot(point, POINT_FIELDS)
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()
        if not values["name"]:
            refuse("name", _("Enter the point's name."))
    building = values.get("building", point.building if point.pk else None)
    if building is not None and building.community_id != point.community_id:
        refuse("building", _("Choose one of this community's buildings."))
    responsible = values.get("responsible")
    if responsible is not None and not responsible.is_staff_member:
        refuse("responsible", _("Choose a member of staff."))
    name = values.get("name", point.name)
    if (
        CollectionPoint.objects.filter(community_id=point.community_id, name=name)
        .exclude(pk=point.pk)
        .exists()
    ):
        refuse("name", _("This community already has a point of that name."))
    for key, value in values.items():
        setattr(point, key, value)
    full_clean(point)
    point.save()
    audit.record(
        actor,
        "green.point.created" if before is None else "green.point.changed",
        point,
        before=before,
        after=audit.snapshot(point, POINT_FIELDS),
    )
    return point


# Collection logs ----------------------------------------------------------------------------


def category_code(community, value, on=None):
    """The category code of ``value`` (a code or the jurisdiction's name, e.g. 湿垃圾), or a
    refusal listing the jurisdiction's categories."""
    rules = selectors.rules_for(community, on)
    text = str(value or "").strip()
    for code in rules.codes():
        if text == code or text in (rules.label(code, "zh-hans"), rules.label(code, "en")):
            return code
    names = "、".join(label for _code, label in rules.labels())
    refuse(
        "category",
        _("Choose one of the categories of %(rules)s: %(names)s.")
        % {"rules": rules.name, "names": names},
    )


def _weight(value):
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        weight = None
    high = settings.ANJU_GREEN_MAX_WEIGHT_KG
    if weight is None or not weight.is_finite() or weight <= 0 or weight > high:
        refuse(
            "weight_kg",
            _("Enter the weight in kg, more than 0 and at most %(high)s.") % {"high": high},
        )
    if weight != weight.quantize(Decimal("0.01")):
        refuse("weight_kg", _("Enter the weight to at most two decimal places (10 g)."))
    return weight


def _at(value, field_name="at"):
    now = timezone.now()
    at = value or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW:
        refuse(field_name, _("The time cannot be in the future."))
    return at


@transaction.atomic
def record_log(*, actor, point, category, weight_kg, at=None, hauler=""):
    """收运记录: ``weight_kg`` of ``category`` taken from ``point`` at ``at`` by ``actor``."""
    require("green.log.create", point.community_id, actor=actor)
    if not point.active:
        refuse("point", _("This point is no longer in use."))
    at = _at(at)
    code = category_code(point.community, category, timezone.localdate(at))
    log = CollectionLog(
        organization_id=point.organization_id,
        community_id=point.community_id,
        point=point,
        building_id=point.building_id,
        category=code,
        weight_kg=_weight(weight_kg),
        at=at,
        collector=actor,
        hauler=str(hauler or "").strip()[:100],
    )
    log.save()
    audit.record(
        actor,
        "green.log.created",
        log,
        after=audit.snapshot(log, ("point", "category", "weight_kg", "at", "hauler")),
    )
    return log


# Inspections --------------------------------------------------------------------------------


@transaction.atomic
def record_inspection(*, actor, point, grade, note="", house=None, photos=(), at=None):
    """分类投放检查 by the person responsible: a grade of the sorting at ``point`` (of one
    household's bags when ``house`` is given), with photos. A household found correctly sorted
    earns the points of its company's rule (``PointsRule.sorting_points``), once per
    inspection."""
    require("green.inspection.create", point.community_id, actor=actor)
    if grade not in Grade.values:
        refuse("grade", _("Choose a grade."))
    if house is not None:
        if house.community_id != point.community_id:
            refuse("house", _("Choose a household of this community."))
        if point.building_id and house.building_id != point.building_id:
            refuse("house", _("Choose a household of the point's building."))
    inspection = Inspection(
        organization_id=point.organization_id,
        community_id=point.community_id,
        point=point,
        building_id=point.building_id or (house.building_id if house else None),
        house=house,
        grade=grade,
        note=str(note or "").strip()[:500],
        inspector=actor,
        at=_at(at),
    )
    inspection.save()
    stored = attachments.attach(inspection, list(photos or []), actor=actor, field="photos")
    audit.record(
        actor,
        "green.inspection.created",
        inspection,
        after={
            **audit.snapshot(inspection, ("point", "house", "grade", "note", "at")),
            "photos": len(stored),
        },
    )
    if house is not None and grade == Grade.CORRECT:
        award_for(
            actor=actor,
            house=house,
            earned_for=EarnReason.SORTING,
            reason=_("Correct sorting at %(point)s") % {"point": point.name},
            source=inspection,
            at=inspection.at,
        )
    return inspection


# Bulky and renovation waste pickups ---------------------------------------------------------


def _tell(pickup, title):
    if pickup.person_id:
        notify(
            list(User.objects.filter(person_id=pickup.person_id, is_active=True)),
            title,
            f"{pickup.get_kind_display()} · {pickup.items}",
            link="/app/green/pickups/",
            community=pickup.community,
            event="green.pickup.changed",
        )


@transaction.atomic
def book_pickup(*, actor, house, kind, items, wanted_on):
    """A resident books a pickup of bulky or renovation waste for a day (staff may book it for
    them with ``green.pickup.manage``)."""
    if actor is not None and not actor.is_staff_member:
        require_resident(house, actor=actor)
    else:
        require("green.pickup.manage", house.community_id, actor=actor)
    if kind not in PickupKind.values:
        refuse("kind", _("Choose bulky or renovation waste."))
    items = str(items or "").strip()
    if not items:
        refuse("items", _("Say what is to be taken, e.g. an old sofa."))
    today = timezone.localdate()
    if wanted_on is None or wanted_on < today:
        refuse("wanted_on", _("Choose today or a later day."))
    if wanted_on > today + timedelta(days=PICKUP_DAYS_AHEAD):
        refuse(
            "wanted_on",
            _("Choose a day within %(n)s days.") % {"n": PICKUP_DAYS_AHEAD},
        )
    pickup = Pickup.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        person_id=None if actor is None or actor.is_staff_member else actor.person_id,
        kind=kind,
        items=items[:300],
        wanted_on=wanted_on,
    )
    audit.record(actor, "green.pickup.created", pickup, after=audit.snapshot(pickup))
    from anju.core.selectors import managers_of

    notify(
        managers_of(pickup.community),
        gettext_lazy("A waste pickup was booked"),
        f"{house.label} · {pickup.get_kind_display()} · {pickup.items} · {wanted_on}",
        link="/console/green/pickups/",
        community=pickup.community,
        event="green.pickup.created",
    )
    return pickup


def _lock(pickup):
    return Pickup.objects.select_for_update().get(pk=pickup.pk)


@transaction.atomic
def confirm_pickup(*, actor, pickup, at, note=""):
    """Staff confirm the time of the pickup (again to move it); the resident hears."""
    pickup = _lock(pickup)
    require("green.pickup.manage", pickup.community_id, actor=actor)
    target = Pickup.machine.check("confirm", pickup.status)
    if at is None:
        refuse("at", _("Choose the pickup time."))
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at < timezone.now() - CLOCK_SKEW:
        refuse("at", _("The pickup time cannot be in the past."))
    before = audit.snapshot(pickup, ("status", "confirmed_for", "staff_note"))
    pickup.status, pickup.confirmed_for = target, at
    pickup.staff_note = str(note or "").strip()[:300]
    pickup.save(update_fields=["status", "confirmed_for", "staff_note"])
    audit.record(
        actor,
        "green.pickup.confirm",
        pickup,
        before=before,
        after=audit.snapshot(pickup, ("status", "confirmed_for", "staff_note")),
    )
    _tell(pickup, gettext_lazy("Your waste pickup is confirmed"))
    return pickup


@transaction.atomic
def collect_pickup(*, actor, pickup):
    pickup = _lock(pickup)
    require("green.pickup.manage", pickup.community_id, actor=actor)
    pickup.status = Pickup.machine.check("collect", pickup.status)
    pickup.collected_at, pickup.collected_by = timezone.now(), actor
    pickup.save(update_fields=["status", "collected_at", "collected_by"])
    audit.record(actor, "green.pickup.collect", pickup, after={"status": pickup.status})
    _tell(pickup, gettext_lazy("Your waste was collected"))
    return pickup


@transaction.atomic
def cancel_pickup(*, actor, pickup, note=""):
    """The resident who booked, or staff, cancel a pickup not yet collected."""
    pickup = _lock(pickup)
    if actor is not None and not actor.is_staff_member:
        if pickup.person_id is None or pickup.person_id != actor.person_id:
            require_resident(pickup.house, actor=actor)
    else:
        require("green.pickup.manage", pickup.community_id, actor=actor)
    pickup.status = Pickup.machine.check("cancel", pickup.status)
    if note:
        pickup.staff_note = str(note).strip()[:300]
    pickup.save(update_fields=["status", "staff_note"])
    audit.record(actor, "green.pickup.cancel", pickup, after={"status": pickup.status})
    if actor is not None and actor.is_staff_member:
        _tell(pickup, gettext_lazy("Your waste pickup was cancelled"))
    return pickup
