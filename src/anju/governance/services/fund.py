"""专项维修资金: the ledger per house (办法第10条), use requests (第22条), the emergency path
(第24条), cost sharing by area (第20-21条, 民法典第283条) and the 30% top-up alert (第17条)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, bounds
from anju.core.errors import DomainError, InvalidTransition
from anju.core.models import Community, House, Occupancy, User
from anju.core.money import quantize
from anju.core.notifications import notify
from anju.core.numbering import next_number

from ..choices import FundEntryKind, Matter, VoteStatus
from ..models import FundAccount, FundEntry, FundUseRequest
from ..selectors import alert_ratio, cost_shares, low_balance_accounts
from .common import acting_user
from .votes import create_vote

MIN_JUSTIFICATION = 10


def post_entry(account, kind, amount, *, actor, memo="", request=None, allocation=None):
    """Append one movement to a locked account and move its balance. Call inside a transaction."""
    amount = quantize(amount)
    bounds.money(amount)
    new_balance = account.balance + amount
    if new_balance < 0:
        raise DomainError(
            _("The fund balance of %(house)s (¥%(balance)s) does not cover ¥%(amount)s.")
            % {"house": account.house, "balance": account.balance, "amount": -amount},
            fields={"amount": [_("Not enough balance on the house's fund account.")]},
        )
    account.balance = new_balance
    account.save(update_fields=["balance"])
    return FundEntry.objects.create(
        organization_id=account.organization_id,
        community_id=account.community_id,
        account=account,
        house_id=account.house_id,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        memo=memo[:200],
        request=request,
        allocation=allocation,
        created_by=acting_user(actor),
    )


@transaction.atomic
def open_fund_accounts(*, actor, community, rate_per_m2, houses=None):
    """首期交存: one account per house, initial deposit = building area × rate (办法第7条)."""
    rate = Decimal(str(rate_per_m2))
    if rate <= 0:
        raise DomainError(
            _("The rate must be a positive amount per m²."),
            fields={"rate_per_m2": [_("The rate must be a positive amount per m².")]},
        )
    qs = House.objects.filter(community=community, fund_account__isnull=True)
    if houses is not None:
        qs = qs.filter(pk__in=[h.pk for h in houses])
    # In bulk (a community has thousands of houses): the accounts open at their initial
    # deposit and the first ledger row of each says so, as post_entry would have written it.
    houses = list(qs.order_by("pk"))
    initials = [quantize(house.area * rate) for house in houses]
    for initial in initials:
        bounds.money(initial)
    made = FundAccount.objects.bulk_create(
        [
            FundAccount(
                organization_id=community.organization_id,
                community=community,
                house=house,
                initial_deposit=initial,
                balance=initial,
            )
            for house, initial in zip(houses, initials, strict=True)
        ],
        batch_size=2000,
    )
    FundEntry.objects.bulk_create(
        [
            FundEntry(
                organization_id=community.organization_id,
                community=community,
                account=account,
                house_id=account.house_id,
                kind=FundEntryKind.INITIAL,
                amount=account.initial_deposit,
                balance_after=account.initial_deposit,
                memo=(
                    _("Initial deposit %(area)s m² × ¥%(rate)s")
                    % {"area": house.area, "rate": rate}
                )[:200],
                created_by=acting_user(actor),
            )
            for account, house in zip(made, houses, strict=True)
        ],
        batch_size=2000,
    )
    audit.record(
        actor,
        "governance.fund.accounts_opened",
        community,
        after={"accounts": len(made), "rate_per_m2": str(rate)},
    )
    return made


@transaction.atomic
def top_up_fund(*, actor, account, amount, memo=""):
    bounds.money(amount)
    account = FundAccount.objects.select_for_update().get(pk=account.pk)
    if quantize(amount) <= 0:
        raise DomainError(
            _("Enter a positive amount."), fields={"amount": [_("Enter a positive amount.")]}
        )
    entry = post_entry(account, FundEntryKind.TOP_UP, amount, actor=actor, memo=memo or _("Top-up"))
    if account.alerted_at and not account.below(alert_ratio(account.community)):
        account.alerted_at = None
        account.save(update_fields=["alerted_at"])
    audit.record(actor, "governance.fund.topped_up", account, after={"amount": str(entry.amount)})
    return entry


def _owners(house_ids):
    people = Occupancy.objects.active().owners().filter(house_id__in=house_ids).values("person_id")
    return list(User.objects.filter(person_id__in=people, is_active=True))


def alert_low_balances(now=None) -> int:
    """Periodic: tell the owners of each house whose balance fell below the alert share, once
    a month at most; the conditional update claims each account so two workers never both send."""
    now = now or timezone.now()
    sent = 0
    for community in Community.objects.filter(pk__in=FundAccount.objects.values("community_id")):
        due = low_balance_accounts(community).exclude(alerted_at__gt=now - timedelta(days=30))
        for account in due.select_related("house__building"):
            claimed = FundAccount.objects.filter(
                pk=account.pk, alerted_at=account.alerted_at
            ).update(alerted_at=now)
            if not claimed:
                continue
            notify(
                _owners([account.house_id]),
                _("Maintenance fund below 30 per cent of the initial deposit"),
                _(
                    "The fund balance of %(house)s is ¥%(balance)s (initial deposit ¥%(initial)s). "
                    "Please top it up as the owners' assembly decides."
                )
                % {
                    "house": account.house,
                    "balance": account.balance,
                    "initial": account.initial_deposit,
                },
                link="/app/fund/",
                community=community,
            )
            sent += 1
    return sent


@transaction.atomic
def create_fund_request(
    *,
    actor,
    community,
    title,
    houses,
    estimated_cost,
    description="",
    remainder_house=None,
    emergency=False,
    emergency_kind="",
    justification="",
):
    houses = list(houses)
    errors = {}
    if not houses:
        errors["houses"] = [_("Choose the houses that benefit.")]
    elif any(h.community_id != community.pk for h in houses):
        errors["houses"] = [_("Every house must belong to the community.")]
    if quantize(estimated_cost) <= 0:
        errors["estimated_cost"] = [_("Enter a positive amount.")]
    if remainder_house is not None and remainder_house not in houses:
        errors["remainder_house"] = [
            _("The remainder house must be one of the houses that benefit.")
        ]
    if emergency and (not emergency_kind or len((justification or "").strip()) < MIN_JUSTIFICATION):
        errors["justification"] = [
            _("An emergency use without a vote needs its kind and a written justification.")
        ]
    missing = [h for h in houses if not FundAccount.objects.filter(house=h).exists()]
    if missing:
        errors["houses"] = [_("%(house)s has no fund account.") % {"house": missing[0]}]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    request = FundUseRequest.objects.create(
        organization_id=community.organization_id,
        community=community,
        number=next_number("WX", community.pk),
        title=title,
        description=description,
        estimated_cost=quantize(estimated_cost),
        remainder_house=remainder_house or houses[0],
        emergency=emergency,
        emergency_kind=emergency_kind or "",
        justification=justification or "",
        created_by=acting_user(actor),
    )
    request.houses.set(houses)
    audit.record(actor, "governance.fund_request.created", request, after=audit.snapshot(request))
    return request


def _lock(request):
    return FundUseRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def start_fund_vote(request, *, actor, opens_at, closes_at, text=""):
    """列支范围内业主表决: a vote on 使用维修资金 whose electorate is the houses that benefit."""
    request = _lock(request)
    target = request.machine.check("start_vote", request.status)
    if request.emergency:
        raise DomainError(_("An emergency use needs no vote; start the works."), fields={})
    vote = create_vote(
        actor=actor,
        community=request.community,
        title=request.title,
        matter=Matter.USE_MAINTENANCE_FUND,
        opens_at=opens_at,
        closes_at=closes_at,
        text=text or request.description,
        houses=list(request.houses.all()),
    )
    request.vote, request.status = vote, target
    request.save(update_fields=["vote", "status"])
    audit.record(actor, "governance.fund_request.vote_started", request, after={"vote": vote.pk})
    return request


@transaction.atomic
def start_works(request, *, actor, contractor=""):
    request = _lock(request)
    target = request.machine.check("start_works", request.status)
    if not request.emergency:
        vote = request.vote
        if (
            vote is None
            or vote.status != VoteStatus.CLOSED
            or not (vote.result or {}).get("passed")
        ):
            raise InvalidTransition(
                "start_works",
                request.status,
                ["reject"],
                _("The works may start only after the owners in scope approved the use."),
            )
    request.status, request.contractor = target, contractor
    request.save(update_fields=["status", "contractor"])
    audit.record(
        actor,
        "governance.fund_request.works_started",
        request,
        after={"contractor": contractor, "emergency": request.emergency},
    )
    return request


@transaction.atomic
def apply_for_disbursement(request, *, actor, actual_cost):
    request = _lock(request)
    target = request.machine.check("apply", request.status)
    if quantize(actual_cost) <= 0:
        raise DomainError(
            _("Enter a positive amount."), fields={"actual_cost": [_("Enter a positive amount.")]}
        )
    request.status, request.actual_cost = target, quantize(actual_cost)
    request.save(update_fields=["status", "actual_cost"])
    audit.record(
        actor,
        "governance.fund_request.applied",
        request,
        after={"actual_cost": str(request.actual_cost)},
    )
    return request


@transaction.atomic
def approve_fund_request(request, *, actor):
    request = _lock(request)
    target = request.machine.check("approve", request.status)
    request.status, request.approved_by = target, acting_user(actor)
    request.save(update_fields=["status", "approved_by"])
    audit.record(actor, "governance.fund_request.approved", request)
    return request


@transaction.atomic
def reject_fund_request(request, *, actor, reason=""):
    request = _lock(request)
    request.status = request.machine.check("reject", request.status)
    request.save(update_fields=["status"])
    audit.record(actor, "governance.fund_request.rejected", request, after={"reason": reason})
    return request


@transaction.atomic
def attach_fund_documents(request, files, *, actor):
    """The request's papers (quotes, the works contract, the acceptance report, invoices, 办法
    第22条): photos or PDFs, which every owner who shares the cost may read."""
    request = _lock(request)
    stored = attachments.attach(
        request, files, actor=actor, field="file", accept=attachments.PHOTOS_OR_DOCUMENTS
    )
    audit.record(
        actor,
        "governance.fund_request.documents_added",
        request,
        after={"names": [a.name for a in stored]},
    )
    return stored


@transaction.atomic
def disburse_fund_request(request, *, actor):
    """银行划转: debit each benefiting house's account by its share."""
    request = _lock(request)
    target = request.machine.check("disburse", request.status)
    shares = cost_shares(request)
    accounts = {
        a.house_id: a
        for a in FundAccount.objects.select_for_update().filter(
            house_id__in=[h.pk for h, _ in shares]
        )
    }
    for house, share in shares:
        post_entry(
            accounts[house.pk],
            FundEntryKind.DISBURSEMENT,
            -share,
            actor=actor,
            request=request,
            memo=f"{request.number} {request.title}",
        )
    request.status, request.disbursed_at = target, timezone.now()
    request.save(update_fields=["status", "disbursed_at"])
    total = sum((s for _, s in shares), Decimal("0.00"))
    audit.record(
        actor,
        "governance.fund_request.disbursed",
        request,
        after={"total": str(total), "houses": len(shares)},
    )
    return request
