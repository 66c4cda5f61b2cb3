from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role

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
    role_homes = {
        Role.CASHIER: "console:billing-desk",
        Role.FINANCE: "console:billing-reports",
    }
    role_work = {
        Role.CASHIER: [
            "console:billing-desk",
            "console:billing-cashup",
            "console:billing-arrears",
        ],
        Role.FINANCE: ["console:billing-reports", "console:billing-run-list"],
        Role.MANAGER: ["console:billing-arrears", "console:billing-collection-list"],
    }
    audit_labels = {
        "billing.bill.one_off": _("One-off charge billed"),
        "billing.cashup.closed": _("Day closed (cash-up)"),
        "billing.collection.reminder": _("Friendly reminder sent"),
        "billing.collection.demand_notice": _("Written demand issued"),
        "billing.collection.negotiation": _("Negotiation recorded"),
        "billing.collection.payment_plan": _("Instalment plan agreed"),
        "billing.collection.lawyer_letter": _("Lawyer's letter issued"),
        "billing.collection.lawsuit": _("Lawsuit filed"),
        "billing.collection.arbitration": _("Arbitration filed"),
        "billing.collection.delivered": _("Collection notice delivered"),
        "billing.collection.closed": _("Collection action closed"),
        "billing.creditnote.issued": _("Credit note issued"),
        "billing.feeitem.created": _("Fee item created"),
        "billing.feeitem.changed": _("Fee item changed"),
        "billing.feeitem.published": _("Fee item published"),
        "billing.latecharge.accrued": _("Late charge accrued"),
        "billing.latecharge.waived": _("Late charge waived"),
        "billing.payment.recorded": _("Payment recorded"),
        "billing.payment.started": _("Online payment started"),
        "billing.payment.confirmed": _("Online payment confirmed"),
        "billing.payment.amount_mismatch": _("Online payment refused: amount differs"),
        "billing.payment.unknown_serial_refused": _("Payment notice refused: unknown serial"),
        "billing.reading.entered": _("Meter reading entered"),
        "billing.reading.confirmed": _("Meter reading confirmed"),
        "billing.run.previewed": _("Billing run previewed"),
        "billing.run.posted": _("Billing run posted"),
        "billing.run.unstaged": _("Billing run preview discarded"),
        "billing.sharedusage.created": _("Shared usage entered"),
        "billing.vacancynotice.created": _("Vacancy notice recorded"),
        "billing.vacancyrule.created": _("Vacancy rule created"),
        "billing.wallet.refunded": _("Prepayment refunded"),
        "billing.wallet.settled": _("Prepayment applied to bills"),
    }

    def resident_home(self, request):
        from .views.home import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from django.db.models import Sum
        from django.urls import reverse
        from django.utils import timezone

        from anju.core import formats, policy

        from . import selectors
        from .models import Bill, Payment

        user = request.user
        if not policy.staff_has(user, "billing.bill.view"):
            return []
        today = timezone.localdate()
        if policy.staff_has(user, "billing.collection.view"):
            # The arrears list's own rows: its total is the card's number.
            bills = Bill.objects.visible_to(user, "billing.collection.view")
            if request.community_id:
                bills = bills.filter(community_id=request.community_id)
            owing = selectors.arrears_groups(bills, today).count()
            overdue = selectors.overdue_total(bills, today)
            cards = [
                {
                    "title": _("Houses in arrears"),
                    "value": owing,
                    "tone": "bad" if owing else "ok",
                    "link": reverse("console:billing-arrears"),
                    "note": _("%(amount)s overdue") % {"amount": formats.money(overdue)}
                    if owing
                    else "",
                }
            ]
        else:  # no arrears list to open: the amount alone
            bills = Bill.objects.visible_to(user, "billing.bill.view")
            if request.community_id:
                bills = bills.filter(community_id=request.community_id)
            overdue = selectors.overdue_total(bills, today)
            cards = [
                {
                    "title": _("Overdue fees"),
                    "value": formats.money(overdue),
                    "tone": "bad" if overdue else "ok",
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
                    "value": formats.money(taken),
                    "tone": "ok",
                    # The day's cash-up of the chosen community; across communities, the
                    # payments list of the same rows.
                    "link": reverse("console:billing-cashup")
                    if request.community_id
                    else f"{reverse('console:billing-payment-list')}?status="
                    f"{PaymentStatus.SUCCEEDED}&paid_on={today:%Y-%m-%d}",
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
