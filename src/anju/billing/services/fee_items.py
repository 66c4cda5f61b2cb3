"""Fee items (收费项目, 明码标价) and the vacancy rules and notices that discount them."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import refuse
from anju.core.money import to_decimal

from ..choices import Method
from ..models import FeeItem, VacancyNotice, VacancyRule

# --- fee items -----------------------------------------------------------------------------------

FEE_FIELDS = {
    "unit",
    "basis",
    "applies_to",
    "effective_from",
    "effective_until",
    "tiers",
    "meter_kind",
    "pass_through",
    "surcharge_rate",
    "due_days",
    "late_daily_rate",
    "late_grace_days",
    "late_cap_rate",
}


DECIMAL_FIELDS = {"surcharge_rate", "late_daily_rate", "late_cap_rate"}


def _field_value(key, value):
    if key in DECIMAL_FIELDS and value not in (None, ""):
        return to_decimal(value)
    if key in DECIMAL_FIELDS:
        return Decimal("0") if key == "surcharge_rate" else None
    return value


def _validate_fee_item(item: FeeItem):
    bounds.late_daily_rate(item.late_daily_rate)
    bounds.money(item.unit_price, "unit_price")
    if item.unit_price is None or item.unit_price < 0:
        refuse("unit_price", _("The unit price must be zero or more, with at most 4 decimals."))
    if item.unit_price != item.unit_price.quantize(Decimal("0.0001")):
        refuse("unit_price", _("The unit price has at most 4 decimals."))
    if item.pass_through and item.surcharge_rate:
        refuse(
            "surcharge_rate",
            _(
                "A utility pass-through item may not carry any surcharge (Property Management Regulations art. 44)."
            ),
        )
    if item.effective_until and item.effective_until < item.effective_from:
        refuse("effective_until", _("The end date must not be before the start date."))
    if item.method == Method.METERED and not item.meter_kind:
        refuse("meter_kind", _("A metered item needs the meter kind."))
    for tier in item.tiers or []:
        try:
            Decimal(str(tier["price"]))
            if tier.get("upto") not in (None, ""):
                Decimal(str(tier["upto"]))
        except Exception:  # noqa: BLE001 - any malformed tier is the same user error
            refuse(
                "tiers",
                _(
                    'Tiers look like [{"upto": "20", "price": "3.5"}, {"upto": null, "price": "5.25"}].'
                ),
            )
    if item.late_daily_rate is not None and item.late_daily_rate <= 0:
        refuse("late_daily_rate", _("Leave the late charge empty, or enter a positive daily rate."))


@transaction.atomic
def create_fee_item(
    *, actor, community, name, method, unit_price, cycle="monthly", published=False, **extra
):
    item = FeeItem(
        organization_id=community.organization_id,
        community=community,
        name=name,
        method=method,
        cycle=cycle,
        unit_price=to_decimal(unit_price),
        effective_from=extra.pop("effective_from", None) or timezone.localdate(),
        **{k: _field_value(k, v) for k, v in extra.items() if k in FEE_FIELDS},
    )
    _validate_fee_item(item)
    if published:
        item.published, item.published_at = True, timezone.now()
    item.save()
    audit.record(actor, "billing.feeitem.created", item, after=audit.snapshot(item))
    return item


@transaction.atomic
def update_fee_item(*, actor, item, data):
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    before = audit.snapshot(item)
    # A published standard is what residents were shown; only its end date may be set.
    if item.published and (
        set(data) - {"effective_until", "published"} or data.get("published") is False
    ):
        refuse(
            "published",
            _("A published standard cannot be changed. End it and publish a new item."),
        )
    for key, value in data.items():
        if key in FEE_FIELDS | {"name", "method", "unit_price", "cycle"}:
            setattr(item, key, _field_value(key, value))
    _validate_fee_item(item)
    if data.get("published") and not item.published:
        item.published, item.published_at = True, timezone.now()
    item.save()
    audit.record(actor, "billing.feeitem.changed", item, before=before, after=audit.snapshot(item))
    return item


@transaction.atomic
def publish_fee_item(*, actor, item):
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    if not item.published:
        item.published, item.published_at = True, timezone.now()
        item.save(update_fields=["published", "published_at"])
        audit.record(actor, "billing.feeitem.published", item, after={"published": True})
    return item


# --- vacancy -------------------------------------------------------------------------------------


@transaction.atomic
def create_vacancy_rule(*, actor, fee_item, payable_rate, min_days, basis):
    if not basis.strip():
        refuse("basis", _("Name the local regulation or contract clause that grants the discount."))
    rate = to_decimal(payable_rate)
    if not Decimal(0) <= rate <= 1:
        refuse("payable_rate", _("The share payable is between 0 and 1."))
    rule = VacancyRule.objects.create(
        organization_id=fee_item.organization_id,
        community_id=fee_item.community_id,
        fee_item=fee_item,
        payable_rate=rate,
        min_days=min_days,
        basis=basis,
    )
    audit.record(actor, "billing.vacancyrule.created", rule, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def register_vacancy_notice(*, actor, house, rule, notice_date, notice_reference, start, end=None):
    if rule.community_id != house.community_id:
        refuse("rule", _("The rule belongs to another community."))
    if not notice_reference.strip():
        refuse("notice_reference", _("A written vacancy notice is required."))
    if notice_date > start:
        refuse("start", _("The vacancy starts on or after the written notice."))
    if end and (end - start).days + 1 < rule.min_days:
        refuse(
            "end",
            _("The vacancy is shorter than the rule's minimum of %(days)s days.")
            % {"days": rule.min_days},
        )
    notice = VacancyNotice.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        rule=rule,
        notice_date=notice_date,
        notice_reference=notice_reference,
        start=start,
        end=end,
    )
    audit.record(actor, "billing.vacancynotice.created", notice, after=audit.snapshot(notice))
    return notice
