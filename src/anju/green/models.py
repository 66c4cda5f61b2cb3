"""Green living (绿色社区): the waste-sorting rule sets per jurisdiction, collection points, their
collection logs and sorting inspections, bulky and renovation waste pickups, the green-points
ledger of each household, and festival decoration plans (品味超前) with residents' ratings."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Building, Community, House, Organization, Person
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager
from anju.core.states import StateMachine

from .choices import (
    EarnReason,
    EntryKind,
    Grade,
    PickupKind,
    PickupStatus,
    PlanStatus,
    WasteCategory,
)

SCOPE = Scope(organization="organization", community="community")


def _org():
    return models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")


def _community():
    return models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )


def _user(verbose, null=False):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose,
    )


# Rule data ----------------------------------------------------------------------------------


class WasteRuleSetQuerySet(models.QuerySet):
    def for_community(self, community, on: date | None = None):
        """The rule set in force for ``community``: the most specific jurisdiction (district,
        city, province, national) whose latest effective date is not after ``on``."""
        from django.utils import timezone

        on = on or timezone.localdate()
        code = (community.jurisdiction or "000000").ljust(6, "0")[:6]
        candidates = [code, code[:4] + "00", code[:2] + "0000", "000000"]
        rows = list(self.filter(jurisdiction__in=candidates, effective_from__lte=on))
        if not rows and not self.model.objects.exists():
            from .rules import seed_waste_rules

            seed_waste_rules(self.model)  # the shipped rows were flushed (a test database)
            rows = list(self.filter(jurisdiction__in=candidates, effective_from__lte=on))
        if not rows:
            return None
        rows.sort(key=lambda r: (candidates.index(r.jurisdiction), -r.effective_from.toordinal()))
        return rows[0]


class WasteRuleSet(models.Model):
    """生活垃圾分类标准 of one jurisdiction from one date: which categories and what they are
    called there, with the article that says so. National default per GB/T 19095-2019."""

    jurisdiction = models.CharField(
        _("jurisdiction code"),
        max_length=12,
        default="000000",
        help_text=_("000000 = national; 110000 = Beijing; 310000 = Shanghai."),
    )
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    citation = models.CharField(_("law cited"), max_length=300)
    # [{"code": "food", "zh": "厨余垃圾", "en": "Kitchen waste", "color": "green"}, ...] in the
    # order the regulation lists them.
    categories = models.JSONField(_("categories and their names"), default=list)

    objects = WasteRuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("waste sorting rule set")
        verbose_name_plural = _("waste sorting rule sets")
        ordering = ["jurisdiction", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "effective_from"], name="green_wasterule_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.jurisdiction})"

    def codes(self):
        return [c["code"] for c in self.categories]

    def label(self, code, language=None):
        """The category's name in this jurisdiction, in ``language`` (the active one)."""
        language = (language or get_language() or "zh-hans").lower()
        for row in self.categories:
            if row["code"] == code:
                return row["zh"] if language.startswith("zh") else row.get("en") or row["zh"]
        return str(WasteCategory(code).label) if code in WasteCategory.values else code

    def labels(self, language=None):
        return [(code, self.label(code, language)) for code in self.codes()]


class PointsRule(models.Model):
    """How long earned points stay valid (积分有效期): a company's row, or the platform default
    (no company). Rule data, not a constant: each company publishes its own points terms."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
        help_text=_("Empty for the platform default."),
    )
    effective_from = models.DateField(_("effective from"))
    valid_months = models.PositiveSmallIntegerField(_("months earned points stay valid"))
    sorting_points = models.PositiveSmallIntegerField(
        _("points for correct sorting"),
        default=5,
        help_text=_("Earned by a household whose waste an inspection finds correctly sorted."),
    )
    event_points = models.PositiveSmallIntegerField(
        _("points for attending an event"),
        default=10,
        help_text=_("Earned by a household checked in at a community event."),
    )
    survey_points = models.PositiveSmallIntegerField(
        _("points for answering a survey"),
        default=5,
        help_text=_("Earned by a household that answers a survey."),
    )
    space_lent_points = models.PositiveSmallIntegerField(
        _("points for lending a shared space"),
        default=10,
        help_text=_("Earned by a household each time its space is lent to a neighbour."),
    )
    note = models.CharField(_("terms published to residents"), max_length=300, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", shared_without_organization=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["organization_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "effective_from"], name="green_pointsrule_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_months__gte=1) & Q(valid_months__lte=120),
                name="green_pointsrule_months",
            ),
            models.CheckConstraint(
                condition=Q(sorting_points__lte=1000)
                & Q(event_points__lte=1000)
                & Q(survey_points__lte=1000)
                & Q(space_lent_points__lte=1000),
                name="green_pointsrule_earn_bounds",
            ),
        ]

    def __str__(self):
        return f"{self.valid_months} ({self.effective_from})"

    def points_for(self, reason):
        """The points this rule gives for an ``EarnReason`` (``sorting``, ``event``, ``survey``,
        ``space_lent``); 0 means none are given."""
        return getattr(self, f"{reason}_points", 0) or 0

    def earn_table(self):
        """``[(label, points)]`` of what earns points under this rule, for the residents."""
        reasons = (EarnReason.SORTING, EarnReason.EVENT, EarnReason.SURVEY, EarnReason.SPACE_LENT)
        return [(r.label, self.points_for(r)) for r in reasons if self.points_for(r)]


# Garbage sorting ----------------------------------------------------------------------------


class CollectionPoint(models.Model):
    """A drop-off point (投放点) of a building or of the whole community, with its schedule and
    the staff member responsible for sorting there (分类投放管理责任人's person on duty)."""

    organization = _org()
    community = _community()
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
        help_text=_("Empty for a point serving the whole community."),
    )
    name = models.CharField(_("name"), max_length=100)
    place = models.CharField(_("place"), max_length=200, blank=True)
    schedule = models.CharField(_("drop-off times"), max_length=200, blank=True)
    responsible = _user(_("person responsible"), null=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)

    class Meta:
        verbose_name = _("collection point")
        verbose_name_plural = _("collection points")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="green_point_name_once")
        ]
        indexes = [
            models.Index(fields=["community", "active"], name="green_point_comm_active"),
            models.Index(fields=["building"], name="green_point_building"),
        ]

    def __str__(self):
        return self.name


class CollectionLog(models.Model):
    """收运记录: one category's weight taken from a point at a time, by a collector."""

    organization = _org()
    community = _community()
    point = models.ForeignKey(
        CollectionPoint,
        on_delete=models.PROTECT,
        related_name="logs",
        verbose_name=pgettext_lazy("waste", "point"),
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    category = models.CharField(_("category"), max_length=12, choices=WasteCategory.choices)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=2)
    at = models.DateTimeField(_("collected at"))
    collector = _user(_("collector"))
    hauler = models.CharField(_("hauler"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager()
    scope = SCOPE

    class Meta:
        verbose_name = _("collection log")
        verbose_name_plural = _("collection logs")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="green_log_weight_positive")
        ]
        indexes = [
            models.Index(fields=["community", "at"], name="green_log_comm_at"),
            models.Index(fields=["point", "at"], name="green_log_point_at"),
            models.Index(fields=["building", "at"], name="green_log_building_at"),
            models.Index(fields=["community", "category", "at"], name="green_log_comm_cat_at"),
        ]

    def __str__(self):
        return f"{self.point} {self.category} {self.weight_kg} kg"


class Inspection(models.Model):
    """分类投放检查: the person responsible looks at a point (or one household's bags) and
    grades the sorting; photos are evidence. A correct household inspection earns points."""

    organization = _org()
    community = _community()
    point = models.ForeignKey(
        CollectionPoint,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=pgettext_lazy("waste", "point"),
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
        help_text=_("The household whose bags were inspected, if known."),
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    inspector = _user(_("inspected by"))
    at = models.DateTimeField(_("inspected at"))

    attachments = attachments.relation()
    attachments_view_permission = "green.inspection.view"

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("sorting inspection")
        verbose_name_plural = _("sorting inspections")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["community", "at"], name="green_insp_comm_at"),
            models.Index(fields=["building", "at"], name="green_insp_building_at"),
            models.Index(fields=["point", "at"], name="green_insp_point_at"),
            models.Index(fields=["house", "at"], name="green_insp_house_at"),
            models.Index(fields=["community", "grade"], name="green_insp_comm_grade"),
        ]

    def __str__(self):
        return f"{self.point} {self.at:%Y-%m-%d}"


PICKUP_STATES = StateMachine(
    {
        "confirm": ((PickupStatus.REQUESTED, PickupStatus.CONFIRMED), PickupStatus.CONFIRMED),
        "collect": ((PickupStatus.CONFIRMED,), PickupStatus.COLLECTED),
        "cancel": ((PickupStatus.REQUESTED, PickupStatus.CONFIRMED), PickupStatus.CANCELLED),
    },
    labels={
        "confirm": _("Confirm the pickup"),
        "collect": _("Mark as collected"),
        "cancel": _("Cancel the pickup"),
    },
)


class Pickup(models.Model):
    """大件/装修垃圾预约: a resident books a pickup; staff confirm a day and collect."""

    organization = _org()
    community = _community()
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PickupKind.choices)
    items = models.CharField(_("what is to be taken"), max_length=300)
    wanted_on = models.DateField(_("wanted on"))
    confirmed_for = models.DateTimeField(_("pickup time"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PickupStatus.choices, default=PickupStatus.REQUESTED
    )
    staff_note = models.CharField(_("note from the service centre"), max_length=300, blank=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = _user(_("collected by"), null=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    machine = PICKUP_STATES

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("waste pickup")
        verbose_name_plural = _("waste pickups")
        ordering = ["-wanted_on", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "wanted_on"], name="green_pickup_status"),
            models.Index(fields=["house", "created_at"], name="green_pickup_house"),
            models.Index(fields=["community", "kind"], name="green_pickup_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wanted_on}"


# Green points -------------------------------------------------------------------------------


class PointsAccount(models.Model):
    """A household's points balance: changed only by the ledger services, under a row lock,
    and never below zero (a check constraint as well as the service's refusal)."""

    organization = _org()
    community = _community()
    house = models.OneToOneField(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    balance = models.IntegerField(_("balance"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        ordering = ["community_id", "house_id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="green_balance_not_negative")
        ]
        indexes = [models.Index(fields=["community", "balance"], name="green_acct_comm_bal")]

    def __str__(self):
        return f"{self.house} {self.balance}"


class PointsEntry(models.Model):
    """One posted line of a household's ledger (immutable): points earned (+), spent or expired
    (-), with its reason and the source that caused it (``app.model:id``, once per household)."""

    organization = _org()
    community = _community()
    account = models.ForeignKey(
        PointsAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(_("source"), max_length=100, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    actor = _user(_("by"), null=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="green_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="green_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.EARN) & Q(points__gt=0))
                | (~Q(kind=EntryKind.EARN) & Q(points__lt=0)),
                name="green_entry_sign",
            ),
            models.UniqueConstraint(
                fields=["house", "source"], condition=~Q(source=""), name="green_entry_source_once"
            ),
        ]
        indexes = [
            models.Index(fields=["house", "at"], name="green_entry_house_at"),
            models.Index(fields=["community", "at"], name="green_entry_comm_at"),
            models.Index(fields=["account", "kind", "expires_on"], name="green_entry_expiry"),
        ]

    def __str__(self):
        return f"{self.house} {self.points:+d}"


# Festival decorations -----------------------------------------------------------------------

PLAN_STATES = StateMachine(
    {
        "plan": ((PlanStatus.PROPOSED, PlanStatus.PLANNED), PlanStatus.PLANNED),
        "finish": ((PlanStatus.PLANNED,), PlanStatus.DONE),
        "cancel": ((PlanStatus.PROPOSED, PlanStatus.PLANNED), PlanStatus.CANCELLED),
    },
    labels={
        "plan": _("Save the plan"),
        "finish": _("Record as done"),
        "cancel": _("Cancel the plan"),
    },
)


class DecorationPlan(models.Model):
    """节日布置方案 of a community for one occasion (a holiday or a season), proposed by the
    calendar of the warm reminders: theme, items and places, budget, who does it, photos
    before and after, the actual cost, and the residents' ratings."""

    organization = _org()
    community = _community()
    occasion_key = models.CharField(_("occasion key"), max_length=60)
    occasion = models.CharField(_("occasion"), max_length=60)
    occasion_date = models.DateField(_("occasion date"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    # [{"item": "红灯笼 20 只", "place": "南门"}, ...]
    items = models.JSONField(_("items and places"), default=list, blank=True)
    budget = MoneyField(_("budget (¥)"), null=True, blank=True)
    actual_cost = MoneyField(_("actual cost (¥)"), null=True, blank=True)
    done_by = models.CharField(_("done by"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PROPOSED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()
    attachments_view_permission = "green.decoration.view"
    machine = PLAN_STATES

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", residents_see_community=True)

    class Meta:
        verbose_name = _("decoration plan")
        verbose_name_plural = _("decoration plans")
        ordering = ["-occasion_date", "community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "occasion_key"], name="green_plan_occasion_once"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="green_plan_budget"
            ),
            models.CheckConstraint(
                condition=Q(actual_cost__isnull=True) | Q(actual_cost__gte=0),
                name="green_plan_cost",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "occasion_date"], name="green_plan_comm_date"),
            models.Index(fields=["status", "occasion_date"], name="green_plan_status_date"),
        ]

    def __str__(self):
        return f"{self.occasion} {self.occasion_date:%Y}"

    @property
    def over_budget(self):
        return (
            self.budget is not None
            and self.actual_cost is not None
            and self.actual_cost > self.budget
        )


class DecorationRating(models.Model):
    """A resident's one-tap rating (1 to 5) of a done plan, with an optional comment; one per
    household, changed by tapping again."""

    organization = _org()
    community = _community()
    plan = models.ForeignKey(
        DecorationPlan, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("plan")
    )
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    stars = models.PositiveSmallIntegerField(_("rating"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("decoration rating")
        verbose_name_plural = _("decoration ratings")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "house"], name="green_rating_once"),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="green_rating_stars"
            ),
        ]
        indexes = [models.Index(fields=["plan", "stars"], name="green_rating_plan_stars")]

    def __str__(self):
        return f"{self.plan} {self.stars}"


__all__ = [
    "CollectionLog",
    "CollectionPoint",
    "DecorationPlan",
    "DecorationRating",
    "Inspection",
    "Pickup",
    "PointsAccount",
    "PointsEntry",
    "PointsRule",
    "WasteRuleSet",
]
