"""Owners' self-governance: rule sets, votes with a hash-chained ballot box, disclosures,
the public-income ledger and the maintenance-fund ledger per house."""

from datetime import date
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core import attachments
from anju.core.models import Attachment, Building, Community, House, Organization, Person, User
from anju.core.money import MoneyField
from anju.core.scoping import Scope, ScopedManager, ScopedQuerySet, scope_q
from anju.core.states import StateMachine

from .choices import (
    Channel,
    Choice,
    DisclosureStatus,
    EmergencyKind,
    FundEntryKind,
    FundRequestStatus,
    IncomeCategory,
    IncomeKind,
    Matter,
    VoteStatus,
)


def parse_fraction(text: str) -> Fraction:
    """ "2/3" -> Fraction(2, 3); exact, never float."""
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValidationError(_("Enter a fraction such as 2/3.")) from exc
    if not 0 <= value <= 1:
        raise ValidationError(_("A threshold must lie between 0 and 1."))
    return value


class CommunityWideQuerySet(ScopedQuerySet):
    """Rows of a whole community that its residents may read (votes, disclosures, income).

    Residents reach them through any house they live in; the sub-select keeps one row each."""

    def visible_to(self, user, perm=None):
        q = scope_q(self.model, user, perm)
        if q is None:
            return self
        return self.filter(pk__in=self.model._base_manager.filter(q).values("pk"))


class RuleSetQuerySet(models.QuerySet):
    def for_community(self, community, on: date | None = None):
        """The rule set in force: the most specific jurisdiction (district, city, province,
        national) whose latest effective date is not after ``on``."""
        from django.utils import timezone

        on = on or timezone.localdate()
        code = (community.jurisdiction or "000000").ljust(6, "0")
        candidates = [code, code[:4] + "00", code[:2] + "0000", "000000"]
        rows = list(self.filter(jurisdiction__in=candidates, effective_from__lte=on))
        if not rows and not self.model.objects.exists():
            from .seed import seed_rule_sets

            seed_rule_sets(self.model)  # the seeded defaults were wiped (flushed test database)
            rows = list(self.filter(jurisdiction__in=candidates, effective_from__lte=on))
        if not rows:
            return None
        rows.sort(key=lambda r: (candidates.index(r.jurisdiction), -r.effective_from.toordinal()))
        return rows[0]


class RuleSet(models.Model):
    """表决与公示规则: thresholds, counting options, disclosure schedule and fund rules of one
    jurisdiction from one date. National law is the default; local rows override it."""

    jurisdiction = models.CharField(
        _("jurisdiction code"),
        max_length=12,
        default="000000",
        help_text=_("000000 = national; 110000 = Beijing; 330106 = a district."),
    )
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    citation = models.CharField(_("law cited"), max_length=200)
    quorum_area = models.CharField(_("participation: share of area"), max_length=12, default="2/3")
    quorum_heads = models.CharField(
        _("participation: share of heads"), max_length=12, default="2/3"
    )
    quorum_text = models.TextField(_("participation rule text"))
    major_matters = models.JSONField(_("matters needing the higher majority"), default=list)
    major_area = models.CharField(_("higher majority: share of area"), max_length=12, default="3/4")
    major_heads = models.CharField(
        _("higher majority: share of heads"), max_length=12, default="3/4"
    )
    major_strict = models.BooleanField(
        _("higher majority must be exceeded"),
        default=False,
        help_text=_("Off: “以上”, the boundary itself is enough."),
    )
    major_text = models.TextField(_("higher majority rule text"))
    ordinary_area = models.CharField(
        _("ordinary majority: share of area"), max_length=12, default="1/2"
    )
    ordinary_heads = models.CharField(
        _("ordinary majority: share of heads"), max_length=12, default="1/2"
    )
    ordinary_strict = models.BooleanField(
        _("ordinary majority must be exceeded"),
        default=True,
        help_text=_("On: “过半数”, strictly more than half."),
    )
    ordinary_text = models.TextField(_("ordinary majority rule text"))
    count_parking_area = models.BooleanField(
        _("parking spaces count in votes"),
        default=True,
        help_text=_(
            "Whether parking-space units count as exclusive parts (area and heads). UNCONFIRMED nationally."
        ),
    )
    fund_alert_ratio = models.CharField(
        _("fund top-up alert below share of initial deposit"), max_length=12, default="3/10"
    )
    income_fund_trigger = models.CharField(
        _("public income goes to the fund when the fund is below"),
        max_length=12,
        blank=True,
        help_text=_("Share of the initial deposit, e.g. 3/10; empty = no local rule."),
    )
    income_fund_min_share = models.CharField(
        _("minimum share of public income to the fund"),
        max_length=12,
        blank=True,
        help_text=_("e.g. 1/2; empty = decided by the owners."),
    )
    disclosure_months = models.JSONField(
        _("disclosure schedule (months per section)"),
        default=dict,
        help_text=_("Section code -> months between disclosures; “default” for the others."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["jurisdiction", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "effective_from"], name="ruleset_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.jurisdiction}, {self.effective_from:%Y-%m-%d})"

    def clean(self):
        errors = {}
        for name in (
            "quorum_area",
            "quorum_heads",
            "major_area",
            "major_heads",
            "ordinary_area",
            "ordinary_heads",
            "fund_alert_ratio",
            "income_fund_trigger",
            "income_fund_min_share",
        ):
            value = getattr(self, name)
            if value or not self._meta.get_field(name).blank:
                try:
                    parse_fraction(value)
                except ValidationError as exc:
                    errors[name] = exc.messages
        bad = [m for m in self.major_matters or [] if m not in Matter.values]
        if bad:
            errors["major_matters"] = [_("Unknown matter: %(m)s") % {"m": ", ".join(bad)}]
        if errors:
            raise ValidationError(errors)

    def fraction(self, name) -> Fraction | None:
        value = getattr(self, name)
        return parse_fraction(value) if value else None

    def is_major(self, matter) -> bool:
        return matter in (self.major_matters or [])

    def rule_text(self, matter) -> str:
        decision = self.major_text if self.is_major(matter) else self.ordinary_text
        return f"{self.citation}：{self.quorum_text}{decision}"

    def months_for(self, section) -> int:
        months = self.disclosure_months or {}
        return int(months.get(section, months.get("default", 12)))


VOTE_MACHINE = StateMachine(
    {
        "publish_notice": ((VoteStatus.DRAFT,), VoteStatus.NOTICED),
        "open": ((VoteStatus.NOTICED,), VoteStatus.OPEN),
        "close": ((VoteStatus.OPEN,), VoteStatus.CLOSED),
        "cancel": ((VoteStatus.DRAFT, VoteStatus.NOTICED), VoteStatus.CANCELLED),
    }
)


class Vote(models.Model):
    """业主共同决定事项表决: one decision of the owners on a matter of 民法典第278条."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    matter = models.CharField(_("matter"), max_length=30, choices=Matter.choices)
    text = models.TextField(_("text of the proposal"), blank=True)
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("rule set")
    )
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="+", verbose_name=_("buildings")
    )
    houses = models.ManyToManyField(House, blank=True, related_name="+", verbose_name=_("houses"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=10, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    notice_published_at = models.DateTimeField(_("notice published at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    head_hash = models.CharField(max_length=64, blank=True, editable=False)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    digest = models.CharField(_("closing digest"), max_length=64, blank=True, editable=False)
    retain_until = models.DateField(_("keep at least until"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = CommunityWideQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", house="community__houses")
    attachments_view_permission = "governance.vote.view"
    machine = VOTE_MACHINE

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status"], name="vote_comm_status"),
            models.Index(fields=["status", "opens_at"], name="vote_status_opens"),
            models.Index(fields=["status", "closes_at"], name="vote_status_closes"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="vote_number_unique"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="vote_window"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def item(self):
        from .choices import MATTER_ITEM

        return MATTER_ITEM[self.matter]

    @property
    def rule(self):
        return self.rule_set.rule_text(self.matter)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Votes are kept; cancel a draft instead of deleting it."))


class Elector(models.Model):
    """表决权人: one head of 解释第9条 frozen when the vote opens (an owner with all their
    houses, or the developer with all unsold or undelivered houses)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="electors")
    key = models.CharField(max_length=32)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_developer = models.BooleanField(default=False)
    area = models.DecimalField(_("area (m²)"), max_digits=14, decimal_places=2)
    house_count = models.PositiveIntegerField(default=1)
    label = models.CharField(_("houses"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", person="person")

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electors")
        constraints = [models.UniqueConstraint(fields=["vote", "key"], name="elector_unique")]
        indexes = [models.Index(fields=["vote", "person"], name="elector_vote_person")]

    def __str__(self):
        return self.label or self.key


class ElectorHouse(models.Model):
    """A house in the electorate, with the area source used (解释第8条)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="electorate")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="houses")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=60)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    area_source = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "house"], name="elector_house_unique")
        ]

    def __str__(self):
        return self.label


class BallotQuerySet(ScopedQuerySet):
    def delete(self):
        raise ValidationError(_("Ballots are append-only."))

    def update(self, **kwargs):
        # Ordinary code never edits a ballot; tests reach past this to prove the chain check works.
        raise ValidationError(_("Ballots are append-only."))


class Ballot(models.Model):
    """表决票: append-only; each row carries the hash of the one before (hash chain)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    seq = models.PositiveIntegerField()
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="ballots")
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voter"),
        help_text=_("Empty for the developer's paper ballot."),
    )
    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scan = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cast_at = models.DateTimeField(_("cast at"))
    nonce = models.CharField(max_length=32)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(_("receipt"), max_length=64)

    attachments = attachments.relation()

    objects = BallotQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", person="person")
    attachments_view_permission = "governance.ballot.record"

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["vote_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["vote", "seq"], name="ballot_seq_unique")]
        indexes = [
            models.Index(fields=["vote", "elector", "seq"], name="ballot_elector_seq"),
            models.Index(fields=["vote", "hash"], name="ballot_receipt"),
        ]

    def __str__(self):
        return f"{self.vote_id}#{self.seq}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Ballots are append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ballots are append-only."))


class Disclosure(models.Model):
    """物业服务公示 (民法典第943条): the eight sections for one period; a published version is frozen."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.DRAFT
    )
    sections = models.JSONField(_("sections"), default=dict)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CommunityWideQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", house="community__houses")
    machine = StateMachine(
        {
            "regenerate": ((DisclosureStatus.DRAFT,), None),
            "publish": ((DisclosureStatus.DRAFT,), DisclosureStatus.PUBLISHED),
        }
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="disclosure_comm_status")]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="disclosure_number_unique")
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = (
                type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            )
            if stored == DisclosureStatus.PUBLISHED:
                raise ValidationError(
                    _("A published disclosure cannot be changed; publish a new version.")
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == DisclosureStatus.PUBLISHED:
            raise ValidationError(_("A published disclosure cannot be deleted."))
        super().delete(*args, **kwargs)


class IncomeEntry(models.Model):
    """公共收益台账 (民法典第282条): income from common parts or a reasonable cost with evidence.
    Posted rows are immutable; a correction is a reversing row."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30)
    kind = models.CharField(_("kind"), max_length=8, choices=IncomeKind.choices)
    category = models.CharField(_("category"), max_length=10, choices=IncomeCategory.choices)
    amount = MoneyField(_("amount"))
    occurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    evidence = models.ForeignKey(
        Attachment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evidence"),
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    allocation = models.ForeignKey(
        "IncomeAllocation", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = CommunityWideQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", house="community__houses")
    attachments_view_permission = "governance.income.view"

    class Meta:
        verbose_name = _("public income entry")
        verbose_name_plural = _("public income ledger")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["community", "occurred_on"], name="income_comm_date"),
            models.Index(fields=["community", "kind"], name="income_comm_kind"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="income_number_unique")
        ]

    def __str__(self):
        return f"{self.number} {self.description}"

    def save(self, *args, **kwargs):
        if self.pk is not None and set(kwargs.get("update_fields") or ["*"]) != {"allocation"}:
            raise ValidationError(_("Posted ledger rows cannot be changed; record a reversal."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Posted ledger rows cannot be deleted; record a reversal."))


class IncomeAllocation(models.Model):
    """公共收益分配: the net of a period, with the part added to the maintenance fund."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    income = MoneyField(_("income"))
    costs = MoneyField(_("reasonable costs"))
    net = MoneyField(_("net (owners' common property)"))
    to_fund = MoneyField(_("to the maintenance fund"))
    retained = MoneyField(_("kept for the owners' decision"))
    rule = models.CharField(_("rule applied"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CommunityWideQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", house="community__houses")

    class Meta:
        verbose_name = _("public income allocation")
        verbose_name_plural = _("public income allocations")
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["community", "period_end"], name="income_alloc_comm")]

    def __str__(self):
        return f"{self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class FundAccount(models.Model):
    """专项维修资金分户账 (办法第10条): one ledger per house door number."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    house = models.OneToOneField(
        House, on_delete=models.PROTECT, related_name="fund_account", verbose_name=_("house")
    )
    initial_deposit = MoneyField(_("initial deposit"))
    balance = MoneyField(_("balance"), default=0)
    alerted_at = models.DateTimeField(_("low-balance alert sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("maintenance fund account")
        verbose_name_plural = _("maintenance fund accounts")
        ordering = ["community_id", "house_id"]
        indexes = [models.Index(fields=["community", "balance"], name="fund_comm_balance")]

    def __str__(self):
        return str(self.house)

    def below(self, ratio) -> bool:
        from fractions import Fraction

        return Fraction(self.balance) < ratio * Fraction(self.initial_deposit)


class FundUseRequest(models.Model):
    """维修资金使用申请 (办法第22、24条): proposal, owners' vote, works, application, approval,
    disbursement; or the emergency path without a vote."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    houses = models.ManyToManyField(House, related_name="+", verbose_name=_("houses that benefit"))
    remainder_house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("house taking the rounding remainder"),
    )
    estimated_cost = MoneyField(_("estimated cost"))
    actual_cost = MoneyField(_("actual cost"), null=True, blank=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    emergency_kind = models.CharField(
        _("emergency"), max_length=10, choices=EmergencyKind.choices, blank=True
    )
    justification = models.TextField(_("justification"), blank=True)
    vote = models.ForeignKey(
        Vote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owners' vote"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FundRequestStatus.choices,
        default=FundRequestStatus.PROPOSED,
    )
    contractor = models.CharField(_("contractor"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disbursed_at = models.DateTimeField(_("disbursed at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    attachments = attachments.relation()

    objects = CommunityWideQuerySet.as_manager()
    scope = Scope(organization="organization", community="community", house="houses")
    attachments_view_permission = "governance.fund.view"
    machine = StateMachine(
        {
            "start_vote": ((FundRequestStatus.PROPOSED,), FundRequestStatus.VOTING),
            "start_works": (
                (FundRequestStatus.PROPOSED, FundRequestStatus.VOTING),
                FundRequestStatus.WORKS,
            ),
            "apply": ((FundRequestStatus.WORKS,), FundRequestStatus.APPLIED),
            "approve": ((FundRequestStatus.APPLIED,), FundRequestStatus.APPROVED),
            "disburse": ((FundRequestStatus.APPROVED,), FundRequestStatus.DISBURSED),
            "reject": (
                (FundRequestStatus.PROPOSED, FundRequestStatus.VOTING, FundRequestStatus.APPLIED),
                FundRequestStatus.REJECTED,
            ),
        }
    )

    class Meta:
        verbose_name = _("maintenance fund use request")
        verbose_name_plural = _("maintenance fund use requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "status"], name="fundreq_comm_status")]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="fundreq_number_unique")
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class FundEntry(models.Model):
    """分户账明细: one immutable movement on a house's fund account (signed amount)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=FundEntryKind.choices)
    amount = MoneyField(_("amount"))
    balance_after = MoneyField(_("balance after"))
    request = models.ForeignKey(
        FundUseRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    allocation = models.ForeignKey(
        IncomeAllocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="house")

    class Meta:
        verbose_name = _("maintenance fund entry")
        verbose_name_plural = _("maintenance fund entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "created_at"], name="fundentry_account"),
            models.Index(fields=["community", "kind"], name="fundentry_comm_kind"),
        ]

    def __str__(self):
        return f"{self.house_id} {self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Posted ledger rows cannot be changed; record a reversal."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Posted ledger rows cannot be deleted; record a reversal."))
