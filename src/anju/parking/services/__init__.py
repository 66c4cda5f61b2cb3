"""Parking's writes, split by subdomain; callers import this package, never a submodule.

- ``operations``: lots, gates, spaces, vehicles, fee rules, passes, gate events, sessions,
  booth payments and the barrier.
"""

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
