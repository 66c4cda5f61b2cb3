"""The read side of green living, shared by the API, the console and portal pages, the report
and its Excel export: the jurisdiction's categories, scoped lists, the correct sorting rate per
building per month, the street office's monthly report, point balances and the decoration
plans with their ratings."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from anju.core.errors import refuse

from .choices import OPEN_PICKUPS, EntryKind, Grade
from .models import (
    CollectionLog,
    CollectionPoint,
    DecorationPlan,
    DecorationRating,
    Inspection,
    Pickup,
    PointsAccount,
    PointsEntry,
    PointsRule,
    WasteRuleSet,
)

PERCENT = Decimal("0.1")


def _in(queryset, community_id):
    return queryset.in_community(community_id) if community_id else queryset


# Rules --------------------------------------------------------------------------------------


def rules_for(community, on=None):
    """The waste-sorting rule set in force for ``community`` (its jurisdiction's, else the
    national default)."""
    return WasteRuleSet.objects.for_community(community, on)


def points_rule_for(organization_id, on=None):
    """The points rule in force for a company: its own latest row, else the platform's."""
    on = on or timezone.localdate()
    rows = PointsRule.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True), effective_from__lte=on
    )
    # The company's own row first, then the latest effective date.
    found = sorted(rows, key=lambda r: (r.organization_id is None, -r.effective_from.toordinal()))
    if not found and not PointsRule.objects.exists():
        from .rules import seed_points_rule

        seed_points_rule(PointsRule)
        return points_rule_for(organization_id, on)
    return found[0] if found else None


# Months -------------------------------------------------------------------------------------


def parse_month(value, field_name="month"):
    """``YYYY-MM`` as the first day of that month, or a refusal naming the field."""
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        refuse(field_name, _month_message())


def _month_message():
    from django.utils.translation import gettext as _

    return _("Enter a month as YYYY-MM, e.g. 2026-11.")


def month_bounds(first):
    """(start, end) aware datetimes of the month beginning ``first``: [start, end)."""
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


# Lists --------------------------------------------------------------------------------------


def points_of(user, community_id=None):
    rows = CollectionPoint.objects.visible_to(user, "green.point.view")
    return _in(rows.select_related("community", "building", "responsible"), community_id)


def logs(user, community_id=None):
    rows = CollectionLog.objects.visible_to(user, "green.log.view")
    return _in(rows.select_related("point", "building", "collector"), community_id)


def inspections(user, community_id=None):
    rows = Inspection.objects.visible_to(user, "green.inspection.view")
    return _in(
        rows.select_related("point", "building", "house", "inspector"), community_id
    ).prefetch_related("attachments")


def pickups(user, community_id=None):
    rows = Pickup.objects.visible_to(user, "green.pickup.view")
    return _in(rows.select_related("house__building", "community"), community_id)


def open_pickups(user, community_id=None):
    return pickups(user, community_id).filter(status__in=OPEN_PICKUPS)


def pickups_of_person(person_id):
    return Pickup.objects.filter(person_id=person_id).select_related("house__building")


# The correct sorting rate -------------------------------------------------------------------


def rate(correct, total):
    """Correctly sorted inspections as a percentage with one decimal (None without any)."""
    if not total:
        return None
    return (Decimal(correct) * 100 / Decimal(total)).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass
class BuildingRate:
    building_id: int | None
    building: str
    total: int
    correct: int
    minor: int
    wrong: int

    @property
    def rate(self):
        return rate(self.correct, self.total)


def sorting_rates(community, first):
    """正确投放率 per building in the month beginning ``first``: the share of the month's
    inspections graded "correctly sorted" (minor mistakes and unsorted both count against).
    A point of the whole community with no household named counts under no building."""
    start, end = month_bounds(first)
    rows = (
        Inspection.objects.filter(community=community, at__gte=start, at__lt=end)
        .values("building_id", "building__name")
        .annotate(
            total=Count("pk"),
            correct=Count("pk", filter=Q(grade=Grade.CORRECT)),
            minor=Count("pk", filter=Q(grade=Grade.MINOR)),
            wrong=Count("pk", filter=Q(grade=Grade.WRONG)),
        )
        .order_by("building__name")
    )
    return [
        BuildingRate(
            r["building_id"],
            r["building__name"] or "",
            r["total"],
            r["correct"],
            r["minor"],
            r["wrong"],
        )
        for r in rows
    ]


@dataclass
class MonthlyReport:
    community: object
    month: date
    rules: object
    weights: list = field(default_factory=list)  # (code, name, kg)
    total_kg: Decimal = Decimal("0")
    buildings: list = field(default_factory=list)  # BuildingRate
    inspections: int = 0
    correct: int = 0
    minor: int = 0
    wrong: int = 0
    pickups: dict = field(default_factory=dict)  # kind -> count collected

    @property
    def rate(self):
        return rate(self.correct, self.inspections)

    def as_dict(self):
        return {
            "community": self.community.pk,
            "community_name": self.community.name,
            "month": f"{self.month:%Y-%m}",
            "rules": {"name": self.rules.name, "citation": self.rules.citation}
            if self.rules
            else None,
            "categories": [
                {"category": code, "name": name, "weight_kg": str(kg)}
                for code, name, kg in self.weights
            ],
            "total_kg": str(self.total_kg),
            "inspections": {
                "total": self.inspections,
                "correct": self.correct,
                "minor": self.minor,
                "wrong": self.wrong,
            },
            "correct_rate": str(self.rate) if self.rate is not None else None,
            "buildings": [
                {
                    "building": b.building_id,
                    "name": b.building,
                    "inspections": b.total,
                    "correct": b.correct,
                    "correct_rate": str(b.rate) if b.rate is not None else None,
                }
                for b in self.buildings
            ],
            "pickups_collected": self.pickups,
        }


def monthly_report(community, first):
    """The month's report a street office asks for: the weight of each category of the
    jurisdiction, the inspections by grade, the correct sorting rate overall and per building,
    and the bulky and renovation pickups collected. A fixed number of queries."""
    rules = rules_for(community, first)
    start, end = month_bounds(first)
    by_code = dict(
        CollectionLog.objects.filter(community=community, at__gte=start, at__lt=end)
        .values("category")
        .annotate(kg=Sum("weight_kg"))
        .values_list("category", "kg")
    )
    codes = rules.codes() if rules else []
    codes += [c for c in by_code if c not in codes]  # logged under an older rule set
    report = MonthlyReport(community=community, month=first, rules=rules)
    report.weights = [
        (
            code,
            rules.label(code) if rules else code,
            Decimal(by_code.get(code) or 0).quantize(Decimal("0.01")),
        )
        for code in codes
    ]
    report.total_kg = sum((kg for _c, _n, kg in report.weights), Decimal("0.00"))
    report.buildings = sorting_rates(community, first)
    for b in report.buildings:
        report.inspections += b.total
        report.correct += b.correct
        report.minor += b.minor
        report.wrong += b.wrong
    report.pickups = dict(
        Pickup.objects.filter(community=community, collected_at__gte=start, collected_at__lt=end)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return report


# Points -------------------------------------------------------------------------------------


def balance_of(house):
    found = PointsAccount.objects.filter(house=house).values_list("balance", flat=True).first()
    return found or 0


def entries(user, community_id=None):
    rows = PointsEntry.objects.visible_to(user, "green.points.view")
    return _in(rows.select_related("house__building"), community_id)


def accounts(user, community_id=None):
    rows = PointsAccount.objects.visible_to(user, "green.points.view")
    return _in(rows.select_related("house__building", "community"), community_id)


def ledger_totals(account_id):
    """{kind: sum of points} of one account's entries (earned positive, the others negative)."""
    return dict(
        PointsEntry.objects.filter(account_id=account_id)
        .values("kind")
        .annotate(total=Sum("points"))
        .values_list("kind", "total")
    )


def earned_expiring_by(account_id, day):
    """Points of the account's entries earned that expire on or before ``day``."""
    return (
        PointsEntry.objects.filter(
            account_id=account_id, kind=EntryKind.EARN, expires_on__lte=day
        ).aggregate(n=Sum("points"))["n"]
        or 0
    )


def accounts_with_expired_points(day):
    """Ids of accounts holding entries earned that expire on or before ``day``."""
    return (
        PointsEntry.objects.filter(kind=EntryKind.EARN, expires_on__lte=day)
        .values_list("account_id", flat=True)
        .distinct()
    )


# Decorations --------------------------------------------------------------------------------


def plans(user, community_id=None):
    rows = DecorationPlan.objects.visible_to(user, "green.decoration.view")
    return (
        _in(rows.select_related("community"), community_id)
        .annotate(rating=Avg("ratings__stars"), ratings_count=Count("ratings"))
        .order_by("-occasion_date", "community_id", "pk")
    )


def plan_ratings(plan):
    return DecorationRating.objects.filter(plan=plan).select_related("house__building")


def my_rating(plan, house_ids):
    return DecorationRating.objects.filter(plan=plan, house_id__in=house_ids).first()


def company_decorations(user):
    """The company-wide view: every community's plans with theme, budget, cost and rating,
    and per occasion the totals (budget, actual cost, average rating)."""
    rows = plans(user).order_by("-occasion_date", "community__name")
    totals = (
        DecorationPlan.objects.visible_to(user, "green.decoration.view")
        .values("occasion")
        .annotate(
            communities=Count("pk", distinct=True),
            budget=Sum("budget"),
            cost=Sum("actual_cost"),
        )
        .order_by("occasion")
    )
    return rows, list(totals)
