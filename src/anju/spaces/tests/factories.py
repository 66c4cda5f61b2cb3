"""The shared meeting room the page and browser tests book (needs approval, ¥30 an hour)."""

from datetime import time
from decimal import Decimal

from anju.spaces import services


def meeting_room(world, **over):
    values = {
        "name": "共享会议室",
        "kind": "meeting",
        "place": "服务中心一楼",
        "capacity": 10,
        "opens_at": time(9, 0),
        "closes_at": time(18, 0),
        "slot_minutes": 60,
        "max_slots": 3,
        "book_days_ahead": 7,
        "per_house_limit": 20,
        "price_per_slot": Decimal("30.00"),
        "needs_approval": True,
    }
    return services.save_space(
        actor=world.users["manager"], community=world.community, **(values | over)
    )
