from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


class FinanceConfig(AnjuAppConfig):
    name = "anju.finance"
    label = "finance"
    verbose_name = _("Finance")

    console_nav = [
        (_("Opening balances"), "console:finance-opening-list", "finance.opening.view", "billing"),
        (_("Accounting vouchers"), "console:finance-vouchers", "finance.voucher.view", "billing"),
        (_("Bank statements"), "console:finance-statement-list", "finance.bank.view", "billing"),
        (_("Chart of accounts"), "console:finance-chart", "finance.voucher.view", "billing"),
        (_("Deposits held"), "console:finance-deposit-list", "finance.opening.view", "billing"),
        (_("E-invoices"), "console:finance-invoice-list", "finance.invoice.view", "billing"),
    ]
    portal_nav = [(_("Invoices"), "portal:finance-invoices", "🧾")]
    audit_labels = {
        "finance.opening.checked": _("Opening balances checked"),
        "finance.opening.posted": _("Opening balances posted"),
        "finance.opening.reversed": _("Opening balances reversed"),
        "finance.account.set": _("Account mapping set"),
        "finance.bank.imported": _("Bank statement imported"),
        "finance.bank.matched": _("Bank line matched"),
        "finance.bank.unmatched": _("Bank line unmatched"),
        "finance.bank.closed": _("Bank statement closed"),
        "finance.deposit.received": _("Deposit received"),
        "finance.deposit.returned": _("Deposit returned"),
        "finance.invoice.requested": _("E-invoice requested"),
        "finance.invoice.submitted": _("E-invoice submitted to the tax platform"),
        "finance.invoice.issued": _("E-invoice issued"),
        "finance.invoice.rejected": _("E-invoice request rejected"),
        "finance.invoice.reversed": _("E-invoice reversed (red-letter)"),
    }

    def dashboard_cards(self, request):
        from anju.core import policy

        from . import selectors

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "finance.invoice.issue"):
            return []
        rows = selectors.invoices(user)
        if community_id:
            rows = rows.in_community(community_id)
        waiting = rows.filter(status="requested").count()
        refunded = selectors.needing_reversal(rows).count()
        return [
            {
                "title": _("E-invoices to issue"),
                "value": waiting,
                "link": "/console/finance/invoices/?status=requested",
                "tone": "warn" if waiting else "ok",
                "note": _("e-invoices"),
            },
            {
                "title": _("Invoices needing red-letter"),
                "value": refunded,
                "link": "/console/finance/invoices/?needs=reversal",
                "tone": "bad" if refunded else "ok",
                "note": _("refunded after invoicing"),
            },
        ]

    def personal_data(self, user):
        """The e-invoices this person asked for (title and tax number are theirs)."""
        from .models import Invoice

        return {
            "invoices": [
                {
                    "number": i.number,
                    "title": i.title,
                    "tax_number": i.tax_number,
                    "email": i.email,
                    "amount": str(i.amount),
                    "status": i.status,
                    "invoice_number": i.invoice_number,
                    "requested_at": i.created_at.isoformat(),
                }
                for i in Invoice.objects.filter(requester=user).order_by("pk")[:1000]
            ]
        }
