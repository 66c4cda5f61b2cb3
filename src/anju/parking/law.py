"""The law on parking spaces as data, per jurisdiction, with the article beside each rule.

A community's jurisdiction code (``Community.jurisdiction``, 6 digits) picks its rules: the most
specific of district, city, province and the national default wins, rule by rule (as
governance's rule sets do). The texts are in ``shared/reference/laws/``:

- 民法典第275条第二款 (and 建筑物区分所有权解释第6条): spaces occupying the owners' common roads
  or land belong to the owners in common: they are not sold, and their income is public income.
- 民法典第282条: income from the common parts, less reasonable costs, belongs to the owners:
  posted to the governance ledger (``governance.services.record_income``); the costs are posted
  there with their evidence and the net is what the period's allocation closes.
- 民法典第276条: planned spaces first meet the owners' needs: sale and rental to someone from
  outside the community only for surplus spaces.
- 北京市物业管理条例第80条: sale to the owners of the community only; the surplus may be rented
  to outsiders only month by month (临时按月出租).
- 上海市住宅物业管理规定第61条: where the developer's spaces are no more than the homes, one
  purchase per household; otherwise one more.
- 民法典第943条, 北京市物业管理条例第70条(七): the sales and rentals of spaces are disclosed.

A rule is a ``Rule`` row; a new jurisdiction is new rows, not new code.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

NATIONAL = "000000"
BEIJING = "110000"
SHANGHAI = "310000"

COMMON_PARTS = "common_parts"  # common spaces are the owners' (not for sale)
PUBLIC_INCOME = "public_income"  # their fees are public income
OWNERS_FIRST = "owners_first"  # outsiders only for surplus (and how)
ONE_PER_HOUSEHOLD = "one_per_household"  # purchases per household
DISCLOSURE = "disclosure"  # sales and rentals disclosed


@dataclass(frozen=True)
class Rule:
    code: str
    jurisdiction: str
    article: str  # the citation, shown in refusals and on the disclosure page
    params: dict = field(default_factory=dict)


RULES = [
    Rule(
        COMMON_PARTS,
        NATIONAL,
        _(
            "Civil Code art. 275(2): spaces on the owners' common roads or land are theirs in common"
        ),
    ),
    Rule(
        PUBLIC_INCOME,
        NATIONAL,
        _(
            "Civil Code art. 282: income from the common parts, less reasonable costs, belongs "
            "to the owners"
        ),
    ),
    Rule(
        OWNERS_FIRST,
        NATIONAL,
        _("Civil Code art. 276: planned spaces first meet the owners' needs"),
        {"outsider_sale": True, "outsider_max_months": None},
    ),
    Rule(
        OWNERS_FIRST,
        BEIJING,
        _(
            "Beijing Property Management Regulations art. 80: spaces are sold to the community's "
            "owners; a surplus may be rented to others only month by month"
        ),
        {"outsider_sale": False, "outsider_max_months": 1},
    ),
    Rule(
        ONE_PER_HOUSEHOLD,
        SHANGHAI,
        _(
            "Shanghai Residential Property Management Provisions art. 61: where the spaces are no "
            "more than the homes, one purchase per household"
        ),
        {"scarce": 1, "otherwise": 2},
    ),
    Rule(
        DISCLOSURE,
        NATIONAL,
        _(
            "Civil Code art. 943: the property service provider discloses the use of and income "
            "from the common parts"
        ),
    ),
    Rule(
        DISCLOSURE,
        BEIJING,
        _(
            "Beijing Property Management Regulations art. 70(7): the sale and rental of the "
            "community's spaces and garages are disclosed"
        ),
    ),
]


def candidates(jurisdiction):
    """District, city, province, national: the codes that apply to ``jurisdiction``."""
    code = (jurisdiction or NATIONAL).ljust(6, "0")[:6]
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000", NATIONAL]))


def rules_for(community) -> dict[str, Rule]:
    """The rule of each code in force for ``community``: the most specific jurisdiction's."""
    order = candidates(community.jurisdiction)
    found = {}
    for rule in sorted(
        (r for r in RULES if r.jurisdiction in order), key=lambda r: order.index(r.jurisdiction)
    ):
        found.setdefault(rule.code, rule)
    return found


def rule(community, code):
    """The rule ``code`` for ``community``, or None where no rule of that code applies."""
    return rules_for(community).get(code)


def on_common_parts(lot, space=None):
    """Whether parking in ``lot`` (on ``space``) is on the owners' common parts: a lot on the
    common parts, except its planned spaces (owned or rented out as planned, 第275条第一款)."""
    from .choices import PLANNED_KINDS

    if not lot.common_part:
        return False
    return space is None or space.kind not in PLANNED_KINDS


def citation(community, code):
    found = rule(community, code)
    return str(found.article) if found else ""


def planned_q():
    """The spaces planned for parking (规划车位) as a filter of ParkingSpace: those of a lot not
    on the common parts, and the owned or rented ones of a lot on them (mirror of
    ``on_common_parts``)."""
    from django.db.models import Q

    from .choices import PLANNED_KINDS

    return Q(lot__common_part=False) | Q(kind__in=PLANNED_KINDS)


def national(code):
    """The national rule ``code`` (the default where no community is chosen)."""
    return next(r for r in RULES if r.code == code and r.jurisdiction == NATIONAL)
