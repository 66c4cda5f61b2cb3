"""Read side of governance shared by the API, the pages, the dashboard cards and the services:
what a vote allows now, its turnout, a ballot receipt, the fund's alert share and totals, the
public income of a period and the cost shares of a fund use. Writes live in ``services``."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone

from anju.core import attachments, policy
from anju.core.money import allocate, quantize

from . import tally
from .choices import DisclosureStatus, IncomeKind, VoteStatus
from .models import Ballot, Disclosure, Elector, FundAccount, IncomeEntry, RuleSet, Vote

# -- votes ------------------------------------------------------------------------------------


def votes_open_to(user, now=None):
    """The votes ``user`` may cast (or change) a ballot in now: open, not yet closed, and the
    person is an elector (the rule of the vote page's ballot form), each with ``voted``."""
    if not user.person_id:
        return Vote.objects.none()
    now = now or timezone.now()
    mine = Elector.objects.filter(vote=OuterRef("pk"), person_id=user.person_id)
    return (
        Vote.objects.visible_to(user, "governance.vote.view")
        .filter(status=VoteStatus.OPEN, opens_at__lte=now, closes_at__gt=now)
        .filter(Exists(mine))
        .annotate(
            voted=Exists(
                Ballot.objects.filter(vote=OuterRef("pk"), elector__person_id=user.person_id)
            )
        )
    )


def notice_days():
    return settings.ANJU_VOTE_NOTICE_DAYS


def allowed_now(vote: Vote, now=None) -> list[str]:
    """Actions allowed at this moment: the state table plus the clock (notice, window)."""
    now = now or timezone.now()
    allowed = []
    for action in vote.machine.allowed_actions(vote.status):
        if action == "publish_notice" and vote.opens_at - now < timedelta(days=notice_days()):
            continue
        if action == "open" and now < vote.opens_at:
            continue
        if action == "close" and now < vote.closes_at:
            continue
        allowed.append(action)
    return allowed


def vote_attachments(vote):
    return attachments.by_object(Vote, [vote.pk])[vote.pk]


def counted_choices(vote) -> dict:
    """{elector id: the choice that counts} (the latest ballot of each head)."""
    return dict(tally.current_ballots(vote.pk).values_list("elector_id", "choice"))


def check_receipt(vote, receipt: str) -> dict:
    """Is this ballot in the chain, and is it the one that counts for its head?"""
    ballot = (
        Ballot.objects.filter(vote=vote, hash=(receipt or "").strip().lower())
        .select_related("elector")
        .first()
    )
    if ballot is None:
        return {"found": False, "counted": False, "chain_ok": tally.verify_chain(vote)["ok"]}
    latest = (
        Ballot.objects.filter(vote=vote, elector_id=ballot.elector_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return {
        "found": True,
        "counted": latest == ballot.seq,
        "seq": ballot.seq,
        "channel": ballot.channel,
        "cast_at": timezone.localtime(ballot.cast_at).isoformat(),
        "houses": ballot.elector.label,
        "area": str(ballot.elector.area),
        "chain_ok": tally.verify_chain(vote)["ok"],
        "digest": vote.digest,
        "ballot": ballot,
    }


def fraction_percent(value: Fraction) -> str:
    """A percentage with two places, rounded half up from the exact fraction (display only)."""
    return str(quantize(Decimal(value.numerator * 100) / Decimal(value.denominator)))


def percent(part, whole) -> str:
    return fraction_percent(Fraction(part) / Fraction(whole)) if whole else "0.00"


def turnout(vote) -> dict:
    """Participation and approval against the thresholds, as numbers for the chart and the text."""
    r = tally.result_payload(vote)
    t = r["thresholds"]
    voted_area, total_area = Decimal(r["voted_area"]), Decimal(r["total_area"])
    return {
        "r": r,
        "area_pct": percent(voted_area, total_area),
        "heads_pct": percent(r["voted_heads"], r["total_heads"]),
        "yes_area_pct": percent(Decimal(r["yes_area"]), voted_area),
        "yes_heads_pct": percent(r["yes_heads"], r["voted_heads"]),
        "quorum_pct": fraction_percent(Fraction(t["quorum_area"])),
        "approval_pct": fraction_percent(Fraction(t["approval_area"])),
        "strict": t["approval_strict"],
    }


# -- disclosures ------------------------------------------------------------------------------


def readable_disclosures(user, queryset=None):
    """The disclosures ``user`` may read: drafts only with the right to publish them."""
    if queryset is None:
        queryset = Disclosure.objects.visible_to(user, "governance.disclosure.view")
    if not policy.staff_has(user, "governance.disclosure.publish"):
        queryset = queryset.filter(status=DisclosureStatus.PUBLISHED)
    return queryset


# -- the maintenance fund ---------------------------------------------------------------------

DEFAULT_ALERT_RATIO = Fraction(3, 10)  # 办法第17条, where no rule set is in force


def alert_ratio(community):
    rule = RuleSet.objects.for_community(community)
    ratio = rule.fraction("fund_alert_ratio") if rule else None
    return ratio if ratio is not None else DEFAULT_ALERT_RATIO


def low_balance_accounts(community):
    """Accounts whose balance is below the alert share (30%) of the initial deposit (第17条)."""
    ratio = alert_ratio(community)
    # balance * den < initial * num: exact in integers of the fraction, no division in SQL
    return (
        FundAccount.objects.filter(community=community)
        .annotate(
            _scaled=F("balance") * ratio.denominator, _limit=F("initial_deposit") * ratio.numerator
        )
        .filter(_scaled__lt=F("_limit"))
    )


def low_balance_ids(communities) -> list[int]:
    """The accounts below the alert share across ``communities`` (each its own rule)."""
    ids = []
    for community in communities:
        ids += list(low_balance_accounts(community).values_list("pk", flat=True))
    return ids


def community_fund_totals(community):
    agg = FundAccount.objects.filter(community=community).aggregate(
        initial=Sum("initial_deposit"), balance=Sum("balance")
    )
    return {
        "initial": agg["initial"] or Decimal("0.00"),
        "balance": agg["balance"] or Decimal("0.00"),
    }


def cost_shares(request) -> list[tuple]:
    """(house, share): the actual cost split by area among the houses that benefit; the rounding
    remainder sits on the designated house so the shares add up exactly."""
    houses = sorted(request.houses.all(), key=lambda h: h.pk)
    index = next((i for i, h in enumerate(houses) if h.pk == request.remainder_house_id), 0)
    shares = allocate(
        request.actual_cost or request.estimated_cost, [h.area for h in houses], index
    )
    return list(zip(houses, shares, strict=True))


# -- public income ----------------------------------------------------------------------------


def period_totals(community, start, end, *, unallocated=False):
    qs = IncomeEntry.objects.filter(
        community=community, occurred_on__gte=start, occurred_on__lte=end
    )
    if unallocated:
        qs = qs.filter(allocation__isnull=True)
    income = qs.filter(kind=IncomeKind.INCOME).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    costs = qs.filter(kind=IncomeKind.COST).aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return {"income": income, "costs": costs, "net": income - costs, "entries": qs}


def required_fund_share(community, on=None) -> tuple[Fraction, str]:
    """The minimum share of the net that must go to the fund under the local rule, and why."""
    rule = RuleSet.objects.for_community(community, on)
    if rule is None or not rule.income_fund_min_share:
        return Fraction(0), ""
    trigger = rule.fraction("income_fund_trigger")
    totals = community_fund_totals(community)
    if trigger is not None and Fraction(totals["balance"]) >= trigger * Fraction(totals["initial"]):
        return Fraction(0), ""
    return rule.fraction("income_fund_min_share"), str(rule)
