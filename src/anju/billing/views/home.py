"""Billing's section of the resident home (我的家): what the resident owes now and the way to
pay it, counted by the selectors of 我的账单 so both pages show the same amount."""

from collections import OrderedDict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.money import quantize

from .. import selectors


def pay_link(bill_ids) -> str:
    """The pay page with these bills chosen (``?bills=1,2``)."""
    return f"{reverse('portal:billing-pay-page')}?bills={','.join(str(pk) for pk in bill_ids)}"


def home_sections(request) -> list[dict]:
    user = request.user
    bills = selectors.of_party(selectors.open_bills(selectors.resident_bills(user)))
    rows = list(
        bills.annotate(owed=selectors.balance())
        .filter(owed__gt=0)
        .select_related("house__building")
        .order_by("due_date", "house_id", "id")
    )
    if not rows:
        return []
    today = timezone.localdate()
    houses = OrderedDict()
    for bill in rows:
        bill.is_overdue = bill.due_date < today
        group = houses.setdefault(bill.house_id, {"house": bill.house, "bills": [], "owed": 0})
        group["bills"].append(bill)
        group["owed"] += bill.owed
    for group in houses.values():
        group["owed"] = quantize(group["owed"])
        group["pay_url"] = pay_link(b.pk for b in group["bills"])
    return [
        {
            "order": 10,
            "title": _("Bills to pay"),
            "template": "billing/home_section.html",
            "context": {
                "total": selectors.total_balance(bills),
                "overdue": selectors.overdue_total(bills, today),
                "oldest_overdue": next((b.due_date for b in rows if b.is_overdue), None),
                "houses": list(houses.values()),
                "bills": rows,
                "pay_url": pay_link(b.pk for b in rows),
                "pay_action": reverse("portal:billing-pay-page"),
                "bills_url": reverse("portal:billing-bills"),
            },
        }
    ]
