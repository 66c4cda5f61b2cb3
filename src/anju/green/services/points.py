"""The green-points ledger (绿色积分): ``award`` and ``spend`` for every app (events attended,
surveys answered, spaces lent, correct sorting), and the periodic expiry.

Every change locks the household's ``PointsAccount`` row (``select_for_update``), writes one
immutable ``PointsEntry`` with its reason and source, and moves the balance; a balance never
goes below zero (refused here, and a check constraint on both tables). A ``source`` (e.g.
``green.inspection:12``) is recorded once per household: awarding twice for the same thing
returns the first entry. Callers authorise their own operation; these functions do not ask for
a green permission (an event check-in by a guard awards points too)."""

import calendar
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.errors import refuse

from .. import selectors
from ..choices import EarnReason, EntryKind
from ..models import PointsAccount, PointsEntry


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _points(value):
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 1:
        refuse("points", _("Enter a whole number of points, at least 1."))
    if number > settings.ANJU_GREEN_POINTS_MAX_ENTRY:
        refuse(
            "points",
            _("At most %(n)s points in one entry.") % {"n": settings.ANJU_GREEN_POINTS_MAX_ENTRY},
        )
    return number


def _reason(value):
    text = str(value or "").strip()
    if not text:
        refuse("reason", _("Say what the points are for."))
    return text[:200]


def _source(source):
    if source is None:
        return ""
    if isinstance(source, str):
        return source[:100]
    return f"{source._meta.app_label}.{source._meta.model_name}:{source.pk}"


def locked_account(house):
    """The household's account, created on first use, locked for this transaction."""
    PointsAccount.objects.get_or_create(
        house=house,
        defaults={"organization_id": house.organization_id, "community_id": house.community_id},
    )
    return PointsAccount.objects.select_for_update().get(house=house)


def _post(actor, account, kind, points, reason, source, *, at=None, expires_on=None):
    account.balance += points
    if account.balance < 0:
        refuse(
            "points", _("The household has only %(n)s points.") % {"n": account.balance - points}
        )
    entry = PointsEntry.objects.create(
        organization_id=account.organization_id,
        community_id=account.community_id,
        account=account,
        house_id=account.house_id,
        kind=kind,
        points=points,
        balance_after=account.balance,
        reason=reason,
        source=source,
        expires_on=expires_on,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    account.save(update_fields=["balance", "updated_at"])
    audit.record(
        actor,
        f"green.points.{kind}",
        entry,
        after={"points": points, "balance": account.balance, "reason": reason, "source": source},
    )
    return entry


def _existing(house, source):
    if not source:
        return None
    return PointsEntry.objects.filter(house=house, source=source).first()


@transaction.atomic
def award(*, actor, house, points, reason, source=None, at=None):
    """Credit ``points`` to the household of ``house`` for ``reason`` (text kept as written).
    ``source`` (a model instance or ``"app.model:id"``) makes it once per household. The
    points stay valid for the company's points rule (``PointsRule.valid_months``)."""
    points, reason, source = _points(points), _reason(reason), _source(source)
    found = _existing(house, source)
    if found is not None:
        return found
    account = locked_account(house)
    at = at or timezone.now()
    rule = selectors.points_rule_for(house.organization_id, timezone.localdate(at))
    expires_on = add_months(timezone.localdate(at), rule.valid_months) if rule else None
    try:
        with transaction.atomic():
            return _post(
                actor, account, EntryKind.EARN, points, reason, source, at=at, expires_on=expires_on
            )
    except IntegrityError:  # the same source awarded by a concurrent caller
        found = _existing(house, source)
        if found is None:
            raise
        return found


EARNED_BY_RULE = (
    EarnReason.SORTING,
    EarnReason.EVENT,
    EarnReason.SURVEY,
    EarnReason.SPACE_LENT,
)


def points_for(house, earned_for, at=None):
    """The points the company's rule in force gives ``house``'s household for ``earned_for``
    (an ``EarnReason`` of ``EARNED_BY_RULE``); 0 when the rule gives none."""
    if earned_for not in EARNED_BY_RULE:
        raise ValueError(f"no rule number for {earned_for!r}")
    rule = selectors.points_rule_for(house.organization_id, timezone.localdate(at))
    return rule.points_for(earned_for) if rule else 0


def award_for(*, actor, house, earned_for, reason, source, at=None):
    """Credit the household the points its company's rule gives for ``earned_for``
    (``EarnReason.EVENT`` for an event attended, ``SURVEY``, ``SPACE_LENT``, ``SORTING``),
    once per ``source``. Returns the entry, or ``None`` when the rule gives no points."""
    # Capped by the per-entry bound, so that earning never refuses the operation that earns.
    points = min(points_for(house, earned_for, at), settings.ANJU_GREEN_POINTS_MAX_ENTRY)
    if not points:
        return None
    return award(actor=actor, house=house, points=points, reason=reason, source=source, at=at)


@transaction.atomic
def spend(*, actor, house, points, reason, source=None):
    """Debit ``points`` from the household for a service or goods; refused (nothing changed)
    when the balance is smaller."""
    points, reason, source = _points(points), _reason(reason), _source(source)
    found = _existing(house, source)
    if found is not None:
        return found
    account = locked_account(house)
    if account.balance < points:
        refuse(
            "points",
            _("The household has only %(n)s points; it cannot spend %(m)s.")
            % {"n": account.balance, "m": points},
        )
    return _post(actor, account, EntryKind.SPEND, -points, reason, source)


def _expire_account(account_id, today):
    with transaction.atomic():
        account = PointsAccount.objects.select_for_update().get(pk=account_id)
        totals = selectors.ledger_totals(account.pk)
        consumed = -(totals.get(EntryKind.SPEND, 0) + totals.get(EntryKind.EXPIRE, 0))
        # Spending uses the oldest points first: what expired and was not used is due now.
        due = selectors.earned_expiring_by(account.pk, today) - consumed
        due = min(due, account.balance)
        if due <= 0:
            return None
        source = f"expiry:{today.isoformat()}"
        if PointsEntry.objects.filter(account=account, source=source).exists():
            return None
        return _post(
            None,
            account,
            EntryKind.EXPIRE,
            -due,
            _("Points earned more than the valid period ago expired"),
            source,
        )


def expire_points(*, today=None):
    """Write an expiry entry for every household holding points whose expiry day
    (``expires_on``) has come and which were not spent; idempotent: a second run the same or a later day expires nothing
    more. Returns the number of entries written."""
    today = today or timezone.localdate()
    written = 0
    for account_id in list(selectors.accounts_with_expired_points(today)):
        if _expire_account(account_id, today) is not None:
            written += 1
    return written
