"""Passes (月卡) sold and renewed through billing.

A lot publishes its price per period kind (明码标价, ``PassPrice``). Selling or renewing a pass
makes a ``PassTerm`` and bills it to the vehicle's house as a one-off charge of the fee item
“Parking pass fee” (``billing.services.charge_service_fee``), paid like any bill, at the desk or
online. When billing says the bill is paid (``term_paid``, registered in ``apps.ready``), the
term takes effect: the pass is in force and runs to the term's end; a term of a lot on the common
parts posts its price to the public income (民法典第282条). A renewal runs on from the pass's
end (from today when it has lapsed). Holders hear before the end, once per pass and threshold
(``remind_expiring``, days in ANJU_PARKING_PASS_REMIND_DAYS)."""

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core import audit, policy
from anju.core.errors import Conflict, Forbidden, refuse
from anju.core.money import quantize
from anju.core.notifications import notify
from anju.core.selectors import household_users
from anju.governance import services as governance
from anju.governance.choices import IncomeCategory, IncomeKind

from .. import law
from ..choices import PERIOD_MONTHS, PassPeriod, TermKind
from ..models import Pass, PassPrice, PassReminder, PassTerm
from .operations import require, save_row, unknown_fields

TERM_SOURCE = "parking.pass-term:"
PASS_FIELDS = ("space", "starts", "ends", "price", "period")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(starts: date, period: str) -> date:
    """The last day of a pass of ``period`` from ``starts`` (both days included)."""
    return add_months(starts, PERIOD_MONTHS[period]) - timedelta(days=1)


def _check_period(period):
    if period not in PassPeriod.values:
        refuse("period", _("Choose monthly, quarterly or yearly."))


# Published prices ----------------------------------------------------------------------------


@transaction.atomic
def set_pass_price(*, actor, lot, period, amount):
    """Publish (or change) the price of a pass of ``period`` in ``lot`` (明码标价)."""
    require(actor=actor, perm="parking.lot.manage", community_id=lot.community_id)
    _check_period(period)
    try:
        amount = quantize(amount)
    except (ValueError, TypeError, ArithmeticError):
        refuse("amount", _("Enter an amount of 0 or more, with at most two decimals."))
    if amount < 0:
        refuse("amount", _("Enter an amount of 0 or more, with at most two decimals."))
    price = PassPrice.objects.select_for_update().filter(lot=lot, period=period).first()
    before = {"amount": str(price.amount)} if price else None
    if price is None:
        price = PassPrice(
            organization_id=lot.organization_id,
            community_id=lot.community_id,
            lot=lot,
            period=period,
        )
    price.amount = amount
    price.save()
    audit.record(
        actor,
        "parking.price.published",
        price,
        before=before,
        after={"period": period, "amount": str(amount)},
    )
    return price


def published_price(lot, period):
    price = PassPrice.objects.filter(lot=lot, period=period).first()
    if price is None:
        refuse(
            "period",
            _("This lot has no published price for this kind of pass: publish it first."),
        )
    return price.amount


# Terms and their bills -------------------------------------------------------------------------


def term_source(term):
    """How billing knows the charge of ``term`` (its bill line's source)."""
    return f"{TERM_SOURCE}{term.pk}"


def term_bill(term):
    """The bill of ``term``, or None (a free pass)."""
    return billing_selectors.charge_bills([term_source(term)]).get(term_source(term))


def _issue_term(actor, pass_, kind, period, starts, ends, amount):
    term = PassTerm.objects.create(
        organization_id=pass_.organization_id,
        community_id=pass_.community_id,
        pass_obj=pass_,
        kind=kind,
        period=period or "",
        starts=starts,
        ends=ends,
        amount=amount,
        public_income=law.on_common_parts(pass_.lot, pass_.space),
    )
    if amount > 0:
        with translation.override(settings.LANGUAGE_CODE):  # the company's records
            billing.charge_service_fee(
                actor=actor,
                house=pass_.vehicle.house,
                amount=amount,
                description=_("Parking pass %(plate)s, %(lot)s, %(a)s–%(b)s")
                % {"plate": pass_.vehicle.plate, "lot": pass_.lot.name, "a": starts, "b": ends},
                source=term_source(term),
                item_name=_("Parking pass fee"),
                basis=_("The lot's published pass price per period"),
            )
    audit.record(
        actor,
        f"parking.pass.{kind}",
        pass_,
        after={
            "term": term.pk,
            "starts": str(starts),
            "ends": str(ends),
            "amount": str(amount),
            "public_income": term.public_income,
        },
    )
    return term


def _issue_first_term(actor, pass_):
    """A pass just made with a price: its first term is billed and it waits for the payment;
    a free pass is in force at once (called by ``save_pass``)."""
    if pass_.price > 0:
        Pass.objects.filter(pk=pass_.pk).update(active=False)
        pass_.active = False
    return _issue_term(
        actor, pass_, TermKind.SALE, pass_.period, pass_.starts, pass_.ends, pass_.price
    )


@transaction.atomic
def save_pass(*, actor, vehicle=None, lot=None, pass_=None, **values):
    unknown_fields(values, PASS_FIELDS)
    if pass_ is None:
        require(actor=actor, perm="parking.pass.manage", community_id=lot.community_id)
        if vehicle.community_id != lot.community_id:
            refuse("vehicle", _("Choose a vehicle of the lot's community."))
        if not vehicle.active:
            refuse("vehicle", _("This vehicle is no longer registered."))
        pass_ = Pass(
            organization_id=lot.organization_id,
            community_id=lot.community_id,
            vehicle=vehicle,
            lot=lot,
        )
        before = None
    else:
        pass_ = Pass.objects.select_for_update().get(pk=pass_.pk)
        require(actor=actor, perm="parking.pass.manage", community_id=pass_.community_id)
        before = audit.snapshot(pass_, PASS_FIELDS)
    space = values.get("space", pass_.space if pass_.pk else None)
    if space is not None and space.lot_id != pass_.lot_id:
        refuse("space", _("Choose a space of this lot."))
    starts, ends = values.get("starts", pass_.starts), values.get("ends", pass_.ends)
    if starts is None:
        refuse("starts", _("Enter the first day of the pass."))
    if ends is None or ends < starts:
        refuse("ends", _("The pass must end on or after its first day."))
    price = values.get("price", pass_.price)
    if price is None or quantize(price) < 0:
        refuse("price", _("Enter an amount of 0 or more, with at most two decimals."))
    if before is not None and "price" in values and quantize(price) != pass_.price:
        refuse("price", _("A pass's price is billed when it is sold: renew it instead."))
    pass_ = save_row(
        actor=actor,
        obj=pass_,
        fields=PASS_FIELDS,
        values=values,
        code="parking.pass",
        before=before,
    )
    if before is None:  # sold: its first term is billed (a free pass is in force at once)
        _issue_first_term(actor, pass_)
    return pass_


@transaction.atomic
def sell_pass(*, actor, vehicle, lot, period, starts=None, space=None):
    """Sell a pass of ``period`` from ``starts`` (today) at the lot's published price."""
    require(actor=actor, perm="parking.pass.manage", community_id=lot.community_id)
    _check_period(period)
    starts = starts or timezone.localdate()
    return save_pass(
        actor=actor,
        vehicle=vehicle,
        lot=lot,
        space=space,
        starts=starts,
        ends=period_end(starts, period),
        price=published_price(lot, period),
        period=period,
    )


def _may_renew(actor, pass_):
    if actor is None or policy.staff_has(actor, "parking.pass.manage", pass_.community_id):
        return
    if actor in household_users([pass_.vehicle.house_id]):
        return  # the vehicle's household renews its own pass (我的月卡: renew and pay)
    raise Forbidden(_("You may not do this in this community."))


@transaction.atomic
def renew_pass(*, actor, pass_, period=None, today=None):
    """Renew ``pass_`` for ``period`` (its own kind by default) at the published price: the
    new term runs on from the pass's end, or from today when the pass has lapsed. One renewal
    waits for its payment at a time."""
    today = today or timezone.localdate()
    pass_ = (
        Pass.objects.select_for_update(of=("self",))
        .select_related("vehicle", "lot", "space")
        .get(pk=pass_.pk)
    )
    _may_renew(actor, pass_)
    period = period or pass_.period or PassPeriod.MONTHLY
    _check_period(period)
    if not pass_.vehicle.active:
        refuse("vehicle", _("This vehicle is no longer registered."))
    if PassTerm.objects.filter(pass_obj=pass_, paid_at__isnull=True, amount__gt=0).exists():
        raise Conflict(
            _("A bill of this pass is waiting for its payment: pay that bill first."),
            fields={"period": [_("A bill of this pass is waiting for its payment.")]},
        )
    starts = max(pass_.ends + timedelta(days=1), today)
    amount = published_price(pass_.lot, period)
    term = _issue_term(
        actor, pass_, TermKind.RENEWAL, period, starts, period_end(starts, period), amount
    )
    if amount == 0:
        _take_effect(pass_, term)
    return term


def _take_effect(pass_, term):
    pass_.active = True
    pass_.ends = max(pass_.ends, term.ends)
    pass_.save(update_fields=["active", "ends"])
    term.paid_at = timezone.now()
    term.save(update_fields=["paid_at"])


def term_paid(*, source, bill, payment=None):
    """Billing says a term's bill is paid (desk or online): the term takes effect; a pass of a
    lot on the common parts posts the price to the public income (民法典第282条)."""
    pk = source.removeprefix(TERM_SOURCE)
    if not pk.isdigit():
        return
    term = (
        PassTerm.objects.select_for_update(of=("self",))
        .select_related("pass_obj__vehicle", "pass_obj__lot", "community")
        .filter(pk=int(pk))
        .first()
    )
    if term is None or term.paid_at:
        return
    pass_ = Pass.objects.select_for_update().get(pk=term.pass_obj_id)
    _take_effect(pass_, term)
    if term.public_income:
        term.income_entry = governance.record_income(
            actor=None,
            community=term.community,
            kind=IncomeKind.INCOME,
            category=IncomeCategory.PARKING,
            amount=term.amount,
            occurred_on=timezone.localdate(),
            description=_("Parking pass %(plate)s, %(lot)s, %(a)s–%(b)s")
            % {
                "plate": term.pass_obj.vehicle.plate,
                "lot": term.pass_obj.lot.name,
                "a": term.starts,
                "b": term.ends,
            },
            counterparty=str(term.pass_obj.vehicle.house),
        )
        term.save(update_fields=["income_entry"])
    audit.record(
        None,
        "parking.pass.paid",
        pass_,
        after={"term": term.pk, "ends": str(pass_.ends), "bill": bill.pk},
    )


# Reminders ------------------------------------------------------------------------------------


def _threshold(days_left, thresholds):
    """The smallest threshold the pass is within (each reminded once), or None."""
    within = [d for d in thresholds if days_left <= d]
    return min(within) if within else None


def remind_expiring(today=None):
    """Each pass in force ending within a threshold of ANJU_PARKING_PASS_REMIND_DAYS: its
    household hears once per threshold (a renewal moves the end, and the reminders start
    again). Returns how many passes were reminded."""
    today = today or timezone.localdate()
    thresholds = sorted(set(settings.ANJU_PARKING_PASS_REMIND_DAYS))
    if not thresholds:
        return 0
    due = Pass.objects.filter(
        active=True,
        vehicle__active=True,
        ends__gte=today,
        ends__lte=today + timedelta(days=thresholds[-1]),
    ).select_related("vehicle", "lot", "community")
    told = 0
    for pass_ in due:
        days = _threshold((pass_.ends - today).days, thresholds)
        try:
            with transaction.atomic():
                PassReminder.objects.create(
                    organization_id=pass_.organization_id,
                    community_id=pass_.community_id,
                    pass_obj=pass_,
                    ends=pass_.ends,
                    days=days,
                )
        except IntegrityError:
            continue  # already told for this threshold
        notify(
            household_users([pass_.vehicle.house_id]),
            gettext_lazy("Your parking pass ends soon: renew it in Parking"),
            f"{pass_.vehicle.plate} · {pass_.lot.name} · {pass_.ends:%Y-%m-%d}",
            link="/app/parking/",
            community=pass_.community,
            channels=("inbox", "wechat"),
            event="parking.pass.reminded",
        )
        told += 1
    return told
