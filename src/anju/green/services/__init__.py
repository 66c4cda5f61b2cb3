"""Green living's writes, split by subdomain; callers import this package, never a submodule.

- ``waste``: collection points, collection logs, sorting inspections, waste pickups.
- ``points``: the green-points ledger, ``award`` and ``spend`` for every app, expiry.
- ``decorations``: festival decoration plans proposed by the calendar, their photos, cost and
  residents' ratings.
"""

from .decorations import (
    PLAN_FIELDS,
    add_photos,
    cancel_plan,
    create_plan,
    finish_plan,
    occasions,
    propose_plans,
    rate_plan,
    save_plan,
)
from .points import EARNED_BY_RULE, add_months, award, award_for, expire_points, points_for, spend
from .waste import (
    PICKUP_DAYS_AHEAD,
    POINT_FIELDS,
    book_pickup,
    cancel_pickup,
    category_code,
    collect_pickup,
    confirm_pickup,
    record_inspection,
    record_log,
    save_point,
)

__all__ = [
    "EARNED_BY_RULE",
    "PICKUP_DAYS_AHEAD",
    "PLAN_FIELDS",
    "POINT_FIELDS",
    "add_months",
    "add_photos",
    "award",
    "award_for",
    "book_pickup",
    "cancel_pickup",
    "cancel_plan",
    "category_code",
    "collect_pickup",
    "confirm_pickup",
    "create_plan",
    "expire_points",
    "finish_plan",
    "occasions",
    "points_for",
    "propose_plans",
    "rate_plan",
    "record_inspection",
    "record_log",
    "save_plan",
    "save_point",
    "spend",
]
