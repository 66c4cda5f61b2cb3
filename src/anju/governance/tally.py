"""Read side of governance: the electorate (解释第8-9条), the tally (民法典第278条), the ballot
hash chain, and fund figures. Exact arithmetic only: Decimal areas, Fraction thresholds."""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Sum

from anju.core.choices import OWNER_RELATIONS, HouseUsage
from anju.core.models import House, Occupancy

from .choices import Choice
from .models import Ballot, Elector, RuleSet, Vote

GENESIS = "0" * 64
CENT = Decimal("0.01")
DEVELOPER_KEY = "developer"


@dataclass
class Head:
    """One head of 解释第9条 with the houses it carries."""

    key: str
    person_id: int | None
    is_developer: bool
    area: Decimal = Decimal("0.00")
    houses: list = field(default_factory=list)  # (house_id, label, area, area_source)


def electorate_houses(vote: Vote):
    """Houses in the vote's electorate: listed houses and buildings, else the whole community."""
    houses = House.objects.filter(community_id=vote.community_id)
    building_ids = list(vote.buildings.values_list("pk", flat=True)) if vote.pk else []
    house_ids = list(vote.houses.values_list("pk", flat=True)) if vote.pk else []
    if building_ids or house_ids:
        from django.db.models import Q

        houses = houses.filter(Q(building_id__in=building_ids) | Q(pk__in=house_ids))
    if not vote.rule_set.count_parking_area:
        houses = houses.exclude(usage=HouseUsage.PARKING)
    return houses


def compute_electorate(vote: Vote, on=None) -> list[Head]:
    """Group the electorate's houses into heads: one house one head; the same owner's houses
    one head; every developer-held house (unsold or undelivered) together one head. A house
    votes through its recorded representative (co-owners designate one); a sole owner is the
    representative when none is recorded."""
    rows = list(
        electorate_houses(vote)
        .select_related("building")
        .only("pk", "number", "area", "area_source", "sold", "delivered", "building__name")
    )
    ids = [h.pk for h in rows]
    voters: dict[int, int] = {}
    owners: dict[int, list] = {}
    for house_id, person_id, is_rep in (
        Occupancy.objects.active(on)
        .filter(house_id__in=ids, relation__in=OWNER_RELATIONS)
        .values_list("house_id", "person_id", "is_representative")
    ):
        owners.setdefault(house_id, []).append(person_id)
        if is_rep:
            voters[house_id] = person_id
    for house_id, people in owners.items():
        if house_id not in voters and len(set(people)) == 1:
            voters[house_id] = people[0]
    heads: dict[str, Head] = {}
    for house in rows:
        if house.is_developer_held:
            key, person_id, developer = DEVELOPER_KEY, None, True
        elif house.pk in voters:
            key, person_id, developer = f"p{voters[house.pk]}", voters[house.pk], False
        else:  # sold and delivered but no owner (or no representative) recorded: still one head
            key, person_id, developer = f"h{house.pk}", None, False
        head = heads.get(key)
        if head is None:
            head = heads[key] = Head(key=key, person_id=person_id, is_developer=developer)
        head.area += house.area
        head.houses.append(
            (house.pk, f"{house.building.name}-{house.number}", house.area, house.area_source)
        )
    return list(heads.values())


def current_ballots(vote_id):
    """The ballot that counts for each head: the one no later ballot of the same head replaced
    (an anti-join, which PostgreSQL runs as one hash anti join over the vote's ballots)."""
    later = Ballot.objects.filter(
        vote_id=vote_id, elector_id=OuterRef("elector_id"), seq__gt=OuterRef("seq")
    )
    return Ballot.objects.filter(vote_id=vote_id).filter(~Exists(later))


def counts(vote: Vote) -> dict:
    """Totals and per-choice area and heads: the latest ballot of each head counts."""
    if vote.opened_at is None:
        heads = compute_electorate(vote)
        total_area = sum((h.area for h in heads), Decimal("0.00"))
        total_heads = len(heads)
    else:
        agg = Elector.objects.filter(vote_id=vote.pk).aggregate(area=Sum("area"), heads=Count("id"))
        total_area, total_heads = agg["area"] or Decimal("0.00"), agg["heads"]
    data = {"total_area": total_area, "total_heads": total_heads}
    for choice in Choice.values:
        data[f"{choice}_area"] = Decimal("0.00")
        data[f"{choice}_heads"] = 0
    if vote.opened_at is not None:
        rows = (
            current_ballots(vote.pk)
            .values("choice")
            .annotate(heads=Count("id"), area=Sum("elector__area"))
        )
        for row in rows.order_by():
            data[f"{row['choice']}_area"] = row["area"] or Decimal("0.00")
            data[f"{row['choice']}_heads"] = row["heads"]
    for key in [k for k in data if k.endswith("_area")]:
        data[key] = Decimal(data[key]).quantize(CENT)  # areas carry 2 places; SQLite sums drop them
    data["voted_area"] = sum((data[f"{c}_area"] for c in Choice.values), Decimal("0.00"))
    data["voted_heads"] = sum(data[f"{c}_heads"] for c in Choice.values)
    return data


def _meets(value, share: Fraction, whole, strict: bool) -> bool:
    left, right = Fraction(value), share * Fraction(whole)
    return left > right if strict else left >= right


def decide(rule: RuleSet, matter: str, c: dict) -> dict:
    """民法典第278条第2款: quorum of area and heads; then the majority of the participants."""
    quorum = (
        c["total_heads"] > 0
        and _meets(c["voted_area"], rule.fraction("quorum_area"), c["total_area"], False)
        and _meets(c["voted_heads"], rule.fraction("quorum_heads"), c["total_heads"], False)
    )
    if rule.is_major(matter):
        area_share, heads_share, strict = (
            rule.fraction("major_area"),
            rule.fraction("major_heads"),
            rule.major_strict,
        )
    else:
        area_share, heads_share = rule.fraction("ordinary_area"), rule.fraction("ordinary_heads")
        strict = rule.ordinary_strict
    approved = (
        c["voted_heads"] > 0
        and _meets(c["yes_area"], area_share, c["voted_area"], strict)
        and _meets(c["yes_heads"], heads_share, c["voted_heads"], strict)
    )
    return {
        "quorum_met": bool(quorum),
        "approved": bool(approved),
        "passed": bool(quorum and approved),
        "thresholds": {
            "quorum_area": str(rule.fraction("quorum_area")),
            "quorum_heads": str(rule.fraction("quorum_heads")),
            "approval_area": str(area_share),
            "approval_heads": str(heads_share),
            "approval_strict": strict,
            "major": rule.is_major(matter),
        },
    }


def result_payload(vote: Vote) -> dict:
    """The result endpoint: frozen at close, live before."""
    if vote.result is not None:
        return vote.result
    return live_result(vote)


def live_result(vote: Vote) -> dict:
    """The figures and the decision as of now (not yet frozen: no digest)."""
    c = counts(vote)
    return serialize_result(vote, c, decide(vote.rule_set, vote.matter, c), digest="")


def serialize_result(vote, c, d, digest):
    data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in c.items()}
    data.update(
        quorum_met=d["quorum_met"],
        passed=d["passed"],
        approved=d["approved"],
        thresholds=d["thresholds"],
        rule=vote.rule_set.rule_text(vote.matter),
        citation=vote.rule_set.citation,
        matter=vote.matter,
        item=vote.item,
        status=vote.status,
        final=bool(digest),
        digest=digest,
        ballots=vote.last_seq,
        head_hash=vote.head_hash,
    )
    return data


# -- hash chain ---------------------------------------------------------------------------------


def ballot_hash(
    prev_hash, *, vote_id, seq, elector_key, person_id, choice, channel, cast_at, nonce
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            vote_id,
            seq,
            elector_key,
            person_id,
            choice,
            channel,
            cast_at.isoformat(),
            nonce,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def verify_chain(vote: Vote) -> dict:
    """Recompute every link; report the first ballot whose stored data no longer matches."""
    vote = Vote.objects.get(pk=vote.pk)  # the stored head, never a stale copy
    prev = GENESIS
    count = 0
    for b in (
        Ballot.objects.filter(vote_id=vote.pk)
        .select_related("elector")
        .order_by("seq")
        .iterator(2000)
    ):
        count += 1
        expected = ballot_hash(
            prev,
            vote_id=b.vote_id,
            seq=b.seq,
            elector_key=b.elector.key,
            person_id=b.person_id,
            choice=b.choice,
            channel=b.channel,
            cast_at=b.cast_at,
            nonce=b.nonce,
        )
        if b.seq != count or b.prev_hash != prev or b.hash != expected:
            return {"ok": False, "broken_at": b.seq, "checked": count}
        prev = b.hash
    ok = prev == (vote.head_hash or GENESIS) and count == vote.last_seq
    if ok and vote.digest and vote.result:
        ok = closing_digest(vote, vote.result) == vote.digest
    return {"ok": ok, "broken_at": None if ok else count, "checked": count}


RESULT_KEYS = [
    "total_area",
    "total_heads",
    "voted_area",
    "voted_heads",
    "yes_area",
    "yes_heads",
    "no_area",
    "no_heads",
    "abstain_area",
    "abstain_heads",
    "quorum_met",
    "passed",
]


def closing_digest(vote: Vote, result: dict) -> str:
    """Published with the result: binds the last ballot hash to the figures announced."""
    figures = {k: result[k] for k in RESULT_KEYS}
    payload = json.dumps(
        [vote.number, vote.head_hash or GENESIS, vote.last_seq, figures],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def non_voters(vote: Vote):
    """Electors with a person who have not cast a ballot yet."""
    voted = Ballot.objects.filter(vote_id=vote.pk).values("elector_id")
    return Elector.objects.filter(vote_id=vote.pk, person__isnull=False).exclude(pk__in=voted)
