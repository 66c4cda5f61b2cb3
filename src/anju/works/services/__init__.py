"""The works' writes, split by subdomain; callers import this package, never a submodule.

- ``deposits``: the deposits ledger (collect, deduct with evidence, refund, cancel);
- ``renovations``: application, review, workers, inspections, stop and resume, acceptance,
  the deposit's settlement and the resident's acknowledgement;
- ``moves``: handover (交房/入伙) and a tenant's move-out (退租).
"""

from .deposits import cancel, collect, collect_deposit, create_due, deduct, open_deposit, refund
from .moves import (
    check_items,
    checklist_of,
    complete,
    issue_keys,
    record_readings,
    refundable,
    return_cards,
    start_move_in,
    start_move_out,
)
from .renovations import (
    accept,
    acceptance_items,
    acknowledge,
    add_worker,
    apply,
    approve,
    inspect,
    refund_deposit,
    reject,
    renovation_deposit,
    resume,
    stop_works,
)

__all__ = [
    "accept",
    "acceptance_items",
    "acknowledge",
    "add_worker",
    "apply",
    "approve",
    "cancel",
    "check_items",
    "checklist_of",
    "collect",
    "collect_deposit",
    "complete",
    "create_due",
    "deduct",
    "inspect",
    "issue_keys",
    "open_deposit",
    "record_readings",
    "refund",
    "refund_deposit",
    "refundable",
    "reject",
    "renovation_deposit",
    "resume",
    "return_cards",
    "start_move_in",
    "start_move_out",
    "stop_works",
]
