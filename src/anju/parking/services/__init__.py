"""Parking's writes, split by subdomain; callers import this package, never a submodule.

- ``operations``: lots, gates, spaces, vehicles, fee rules, passes, gate events, sessions,
  booth payments and the barrier.
- ``online``: a resident pays a stay online through billing (a charge on their home, paid on
  billing's pay page; the session is paid when billing says so), a resident's own vehicles.
- ``booth``: the guard's booth page: cash for a stay, the barrier by hand.
"""

from .booth import collect_cash, due_now, open_by_hand
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
    PASS_FIELDS,
    RULE_FIELDS,
    SPACE_FIELDS,
    VEHICLE_FIELDS,
    open_barrier,
    pay,
    quote,
    record_event,
    save_gate,
    save_lot,
    save_pass,
    save_rule,
    save_space,
    save_vehicle,
    stay_minutes,
)

__all__ = [
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
    "VEHICLE_FIELDS",
    "open_barrier",
    "pay",
    "quote",
    "record_event",
    "save_gate",
    "save_lot",
    "save_pass",
    "save_rule",
    "save_space",
    "save_vehicle",
    "stay_minutes",
]
