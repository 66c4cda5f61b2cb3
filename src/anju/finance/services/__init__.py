"""Every finance write: keyword-only actor, atomic, audited. ``opening``: the 期初 import;
``vouchers``: the chart of accounts and the accounting vouchers; ``deposits``: deposits held;
``invoices``: e-invoices (电子发票) and their red-letter reversal."""

from .bank import (
    BANK_LAYOUTS,
    auto_match,
    candidates,
    close_statement,
    import_statement,
    match_line,
    unmatch_line,
)
from .deposits import record_deposit, return_deposit
from .invoices import (
    clean_tax_number,
    issue_invoice,
    provider_configured,
    refresh_invoice,
    refresh_issuing_invoices,
    reject_invoice,
    request_invoice,
    reverse_invoice,
)
from .opening import (
    SHEETS,
    check_opening,
    parse_opening,
    post_opening,
    reverse_opening,
    template_bytes,
)
from .vouchers import (
    DEFAULT_CHART,
    EVENT_KINDS,
    LAYOUTS,
    Voucher,
    chart_of,
    compose,
    set_account,
    vat_split,
    voucher_rows,
    voucher_workbook,
    vouchers_for,
)

__all__ = [
    "BANK_LAYOUTS",
    "auto_match",
    "candidates",
    "close_statement",
    "import_statement",
    "match_line",
    "unmatch_line",
    "DEFAULT_CHART",
    "EVENT_KINDS",
    "LAYOUTS",
    "SHEETS",
    "Voucher",
    "chart_of",
    "check_opening",
    "compose",
    "parse_opening",
    "post_opening",
    "record_deposit",
    "return_deposit",
    "reverse_opening",
    "set_account",
    "template_bytes",
    "vat_split",
    "voucher_rows",
    "voucher_workbook",
    "vouchers_for",
    "clean_tax_number",
    "issue_invoice",
    "provider_configured",
    "refresh_invoice",
    "refresh_issuing_invoices",
    "reject_invoice",
    "request_invoice",
    "reverse_invoice",
]
