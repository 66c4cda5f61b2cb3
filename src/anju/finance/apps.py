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
