"""Parking's writes, split by subdomain; callers import this package, never a submodule.

- ``operations``: lots, gates, spaces, vehicles, fee rules, gate events, sessions, booth
  payments and the barrier.
- ``passes``: passes (月卡) sold and renewed at the published price, billed through billing,
  their reminders.
- ``contracts``: sales and long-term rentals of spaces, checked against the law (law.py).
- ``online``: a resident pays a stay online through billing (a charge on their home, paid on
  billing's pay page; the session is paid when billing says so), a resident's own vehicles.
- ``booth``: the guard's booth page: cash for a stay, the barrier by hand.
- ``share``: shared spaces (共享车位): the community's rule, the owners' windows, bookings paid
  through billing and their split (owner's credit, company or public income).
"""

from .booth import collect_cash, due_now, open_by_hand
from .contracts import rent_space, sell_space
from .online import (
    SOURCE,
    add_my_vehicle,
    charge_paid,
    charge_source,
    parse_source,
    remove_my_vehicle,
    start_online_pay,
)
from .operations import (
    GATE_FIELDS,
    LOT_FIELDS,
    RULE_FIELDS,
    SPACE_FIELDS,
    VEHICLE_FIELDS,
    open_barrier,
    pay,
    quote,
    record_event,
    save_gate,
    save_lot,
    save_rule,
    save_space,
    save_vehicle,
    stay_minutes,
)
from .passes import (
    PASS_FIELDS,
    TERM_SOURCE,
    period_end,
    published_price,
    remind_expiring,
    renew_pass,
    save_pass,
    sell_pass,
    set_pass_price,
    term_bill,
    term_paid,
)
from .share import (
    SHARE_RULE_FIELDS,
    SHARE_SOURCE,
    Split,
    book,
    booking_amount,
    cancel_booking,
    lender_house,
    publish_window,
    save_share_rule,
    share_paid,
    share_source,
    split_amount,
    start_share_pay,
    withdraw_window,
)

__all__ = [
    "SHARE_RULE_FIELDS",
    "SHARE_SOURCE",
    "Split",
    "book",
    "booking_amount",
    "cancel_booking",
    "lender_house",
    "publish_window",
    "save_share_rule",
    "share_paid",
    "share_source",
    "split_amount",
    "start_share_pay",
    "withdraw_window",
    "SOURCE",
    "add_my_vehicle",
    "charge_paid",
    "charge_source",
    "collect_cash",
    "due_now",
    "open_by_hand",
    "parse_source",
    "remove_my_vehicle",
    "start_online_pay",
    "GATE_FIELDS",
    "LOT_FIELDS",
    "PASS_FIELDS",
    "RULE_FIELDS",
    "SPACE_FIELDS",
    "TERM_SOURCE",
    "VEHICLE_FIELDS",
    "open_barrier",
    "pay",
    "period_end",
    "published_price",
    "quote",
    "record_event",
    "remind_expiring",
    "renew_pass",
    "rent_space",
    "save_gate",
    "save_lot",
    "save_pass",
    "save_rule",
    "save_space",
    "save_vehicle",
    "sell_pass",
    "sell_space",
    "set_pass_price",
    "stay_minutes",
    "term_bill",
    "term_paid",
]
