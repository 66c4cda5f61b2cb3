"""Every billing write: keyword-only actor, atomic, locked, audited; one module per subdomain.

Money moves only through ``payments.apply_funds`` (oldest bill first; within a bill its late
charge, as interest, before its principal: 民法典第560、561条, unless ANJU_PAYMENT_ALLOCATION
records a contract that agreed otherwise) and the wallet helpers; the house's wallet row is the
lock that serialises a house's money. The read side (balances, overdue, arrears) is
``billing.selectors``.
"""

from .adjustments import (
    accrue_late_charges,
    compute_late_charge,
    issue_credit_note,
    line_credited,
    waive_late_charge,
)
from .charges import cancel_service_fee, charge_service_fee, on_settled
from .collection import (
    ART_944,
    close_collection_action,
    create_collection_action,
    deliver_collection_action,
    limitation,
    refuse_unlawful,
)
from .fee_items import (
    create_fee_item,
    create_vacancy_rule,
    publish_fee_item,
    register_vacancy_notice,
    update_fee_item,
)
from .meters import confirm_reading, enter_reading, import_readings, record_shared_usage
from .opening import (
    opening_bills_touched,
    post_opening_bill,
    post_opening_prepayment,
    reverse_opening_bill,
    reverse_opening_prepayment,
)
from .payments import (
    cancel_online_payment,
    cash_up_report,
    check_online_payment,
    close_cash_up,
    confirm_online_payment,
    expire_stale_payments,
    open_debts,
    payment_order,
    prepay_room,
    reconcile_online_payments,
    record_payment,
    refund_prepayment,
    settle_wallet,
    start_bills_payment,
    start_online_payment,
)
from .posting import add_one_off_charge, create_billing_run, drop_stale_previews, post_billing_run
from .runs import RunComputer

__all__ = [
    "ART_944",
    "RunComputer",
    "accrue_late_charges",
    "add_one_off_charge",
    "cancel_service_fee",
    "cancel_online_payment",
    "cash_up_report",
    "charge_service_fee",
    "close_cash_up",
    "close_collection_action",
    "compute_late_charge",
    "confirm_online_payment",
    "confirm_reading",
    "create_billing_run",
    "create_collection_action",
    "create_fee_item",
    "create_vacancy_rule",
    "deliver_collection_action",
    "drop_stale_previews",
    "expire_stale_payments",
    "check_online_payment",
    "reconcile_online_payments",
    "reverse_opening_bill",
    "reverse_opening_prepayment",
    "enter_reading",
    "import_readings",
    "issue_credit_note",
    "limitation",
    "line_credited",
    "on_settled",
    "opening_bills_touched",
    "open_debts",
    "payment_order",
    "post_billing_run",
    "post_opening_bill",
    "post_opening_prepayment",
    "prepay_room",
    "publish_fee_item",
    "record_payment",
    "record_shared_usage",
    "refund_prepayment",
    "refuse_unlawful",
    "register_vacancy_notice",
    "settle_wallet",
    "start_bills_payment",
    "start_online_payment",
    "update_fee_item",
    "waive_late_charge",
]
