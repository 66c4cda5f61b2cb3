from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig

from .choices import PaymentStatus


class BillingConfig(AnjuAppConfig):
    name = "anju.billing"
    label = "billing"
    verbose_name = _("Billing")

    console_nav = [
        (_("Cashier desk"), "console:billing-desk", "billing.payment.create", "billing"),
        (_("Daily cash-up"), "console:billing-cashup", "billing.payment.view", "billing"),
        (_("Arrears"), "console:billing-arrears", "billing.collection.view", "billing"),
        (
            _("Collection actions"),
            "console:billing-collection-list",
            "billing.collection.view",
            "billing",
        ),
        (_("Payments"), "console:billing-payment-list", "billing.payment.view", "billing"),
        (_("Billing runs"), "console:billing-run-list", "billing.run.view", "billing"),
        (_("Fee items"), "console:billing-feeitem-list", "billing.feeitem.view", "billing"),
        (_("Meter readings"), "console:billing-reading-list", "billing.meter.change", "billing"),
        (_("Billing reports"), "console:billing-reports", "billing.report.view", "billing"),
    ]
    portal_nav = [(_("Pay"), "portal:billing-bills", "💳")]

    def dashboard_cards(self, request):
        from django.db.models import Sum
        from django.urls import reverse
        from django.utils import timezone

        from anju.core import policy

        from . import selectors
        from .models import Bill, Payment

        user = request.user
        if not policy.staff_has(user, "billing.bill.view"):
            return []
        today = timezone.localdate()
        bills = Bill.objects.visible_to(user, "billing.bill.view")
        if request.community_id:
            bills = bills.filter(community_id=request.community_id)
        overdue = selectors.overdue_total(bills, today)
        cards = [
            {
                "title": _("Overdue fees"),
                "value": f"¥{overdue:,.2f}",
                "tone": "bad" if overdue else "ok",
                "link": reverse("console:billing-arrears"),
                "note": "",
            }
        ]
        if policy.staff_has(user, "billing.payment.view"):
            payments = Payment.objects.visible_to(user, "billing.payment.view").filter(
                status=PaymentStatus.SUCCEEDED, paid_on=today
            )
            if request.community_id:
                payments = payments.filter(community_id=request.community_id)
            taken = payments.aggregate(t=Sum("amount"))["t"] or 0
            cards.append(
                {
                    "title": _("Received today"),
                    "value": f"¥{taken:,.2f}",
                    "tone": "ok",
                    "link": reverse("console:billing-cashup"),
                    "note": "",
                }
            )
        return cards

    def staff_metrics(self, user, staff_ids, start, end, now):
        from .reports import staff_metrics

        return staff_metrics(user, staff_ids, start, end, now)

    def community_metrics(self, user, community_ids, start, end, now):
        from .reports import community_metrics

        return community_metrics(user, community_ids, start, end, now)

    def personal_data(self, user):
        from . import selectors
        from .models import Bill, Payment

        if not user.person_id:
            return {}
        houses = user.resident_house_ids()
        return {
            "bills": [
                {
                    "period": b.period,
                    "house": str(b.house),
                    "total": str(b.total),
                    "paid": str(b.paid),
                    "status": b.status,
                }
                # A house's bills before delivery are the developer's, not the resident's.
                for b in selectors.of_party(
                    Bill.objects.filter(house_id__in=houses)
                ).select_related("house")
            ],
            "payments": [
                {
                    "receipt": p.receipt_number,
                    "amount": str(p.amount),
                    "method": p.method,
                    "paid_at": p.paid_at.isoformat() if p.paid_at else None,
                }
                for p in Payment.objects.filter(
                    house_id__in=houses, status=PaymentStatus.SUCCEEDED, for_developer=False
                )
            ],
        }
