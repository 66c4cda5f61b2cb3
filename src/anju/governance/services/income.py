"""公共收益 (民法典第282条): income from common parts less reasonable costs with evidence belongs
to the owners; allocation rules are data (北京条例第74条: >= 50% to the fund below 30%)."""

from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.utils.translation import gettext as _

from anju.core import attachments, audit, bounds
from anju.core.errors import DomainError
from anju.core.money import allocate, quantize
from anju.core.numbering import next_number

from ..choices import FundEntryKind, IncomeCategory, IncomeKind
from ..models import FundAccount, IncomeAllocation, IncomeEntry
from ..selectors import period_totals, required_fund_share
from .common import acting_user, attach_one
from .fund import post_entry


@transaction.atomic
def record_income(
    *,
    actor,
    community,
    kind,
    category,
    amount,
    occurred_on,
    description,
    counterparty="",
    evidence=None,
):
    """Post one income or cost row; a cost needs its evidence (解释第14条: the manager proves it)."""
    if evidence is not None:  # checked first: a refused file leaves the ledger as it was
        evidence = attachments.prepare(
            evidence, field="evidence", accept=attachments.PHOTOS_OR_DOCUMENTS
        )[0]
    errors = {}
    if kind not in IncomeKind.values:
        errors["kind"] = [_("Choose income or cost.")]
    if category not in IncomeCategory.values:
        errors["category"] = [_("Choose a category.")]
    if quantize(amount) <= 0:
        errors["amount"] = [_("Enter a positive amount.")]
    elif bounds.money_problem(amount):
        errors["amount"] = [bounds.money_problem(amount)]
    if kind == IncomeKind.COST and evidence is None:
        errors["evidence"] = [_("A cost needs its evidence (invoice, contract or receipt).")]
    if not (description or "").strip():
        errors["description"] = [_("Describe the entry.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    entry = IncomeEntry(
        organization_id=community.organization_id,
        community=community,
        number=next_number("GS", community.pk),
        kind=kind,
        category=category,
        amount=quantize(amount),
        occurred_on=occurred_on,
        description=description.strip(),
        counterparty=counterparty,
        recorded_by=acting_user(actor),
    )
    entry.save()
    if evidence is not None:
        attachment = attach_one(entry, evidence, actor=actor, field="evidence")
        IncomeEntry.objects.filter(pk=entry.pk).update(evidence=attachment)
        entry.evidence = attachment
    audit.record(actor, "governance.income.recorded", entry, after=audit.snapshot(entry))
    return entry


@transaction.atomic
def reverse_income(entry, *, actor, reason):
    entry = IncomeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reverses_id or IncomeEntry.objects.filter(reverses=entry).exists():
        raise DomainError(_("This entry is already reversed."), fields={})
    if entry.allocation_id:
        raise DomainError(
            _("This entry is part of a closed allocation; record a correcting entry instead."),
            fields={},
        )
    if not (reason or "").strip():
        raise DomainError(
            _("Give the reason for the reversal."), fields={"reason": [_("Give the reason.")]}
        )
    reversal = IncomeEntry(
        organization_id=entry.organization_id,
        community_id=entry.community_id,
        number=next_number("GS", entry.community_id),
        kind=entry.kind,
        category=entry.category,
        amount=-entry.amount,
        occurred_on=entry.occurred_on,
        description=_("Reversal of %(n)s: %(r)s") % {"n": entry.number, "r": reason},
        counterparty=entry.counterparty,
        reverses=entry,
        recorded_by=acting_user(actor),
    )
    reversal.save()
    audit.record(
        actor,
        "governance.income.reversed",
        entry,
        after={"reversal": reversal.number, "reason": reason},
    )
    return reversal


@transaction.atomic
def allocate_income(*, actor, community, period_start, period_end, fund_share=None):
    """Close a period: net = income - costs (owners' common property, never provider revenue); the
    fund part is credited to the houses' accounts by area (民法典第283条)."""
    totals = period_totals(community, period_start, period_end, unallocated=True)
    if not totals["entries"].exists():
        raise DomainError(
            _("No unallocated entries in this period."),
            fields={"period_end": [_("No unallocated entries in this period.")]},
        )
    minimum, why = required_fund_share(community, period_end)
    share = Fraction(str(fund_share)) if fund_share not in (None, "") else minimum
    if not 0 <= share <= 1:
        raise DomainError(
            _("The fund share must lie between 0 and 1."),
            fields={"fund_share": [_("The fund share must lie between 0 and 1.")]},
        )
    if share < minimum:
        message = _(
            "The local rule requires at least %(min)s%% of the net to go to the maintenance fund."
        ) % {"min": int(minimum * 100)}
        raise DomainError(message, fields={"fund_share": [message]})
    net = totals["net"]
    to_fund = (
        quantize(Decimal(share.numerator) * net / Decimal(share.denominator))
        if net > 0
        else Decimal("0.00")
    )
    allocation = IncomeAllocation.objects.create(
        organization_id=community.organization_id,
        community=community,
        period_start=period_start,
        period_end=period_end,
        income=totals["income"],
        costs=totals["costs"],
        net=net,
        to_fund=to_fund,
        retained=net - to_fund,
        rule=why[:300],
        created_by=acting_user(actor),
    )
    totals["entries"].update(allocation=allocation)
    if to_fund > 0:
        accounts = list(
            FundAccount.objects.select_for_update()
            .filter(community=community)
            .select_related("house")
            .order_by("pk")
        )
        if not accounts:
            raise DomainError(
                _("Open the houses' fund accounts before adding public income to the fund."),
                fields={"fund_share": [_("No fund accounts in this community.")]},
            )
        shares = allocate(to_fund, [a.house.area for a in accounts], 0)
        for account, amount in zip(accounts, shares, strict=True):
            if amount:
                post_entry(
                    account,
                    FundEntryKind.INCOME,
                    amount,
                    actor=actor,
                    allocation=allocation,
                    memo=_("Public income %(a)s–%(b)s") % {"a": period_start, "b": period_end},
                )
    audit.record(
        actor,
        "governance.income.allocated",
        allocation,
        after={"net": str(net), "to_fund": str(to_fund), "share": str(share)},
    )
    return allocation
