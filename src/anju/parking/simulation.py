"""A day of traffic through a lot's gates, driven through ``services.record_event`` only (and
``services.pay`` for the visitors who pay before leaving): used by the demo and by
``anju parking_simulate``."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from . import services
from .choices import Direction, GateDirection, PayMethod
from .models import Gate, Vehicle

SERIAL = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
STAYS = [12, 25, 50, 95, 140, 200, 330, 610]


def random_plate(rng):
    return rng.choice("京沪粤浙苏川") + rng.choice("ABCDE") + "".join(rng.choices(SERIAL, k=5))


def _gate(lot, direction):
    return (
        Gate.objects.filter(lot=lot, direction__in=[direction, GateDirection.BOTH])
        .order_by("pk")
        .first()
    )


def simulate_day(lot, day, *, rng, visits=20, guard=None, cashier=None, unpaid=1, inside=2):
    """``visits`` stays on ``day`` (residents' vehicles and visitors), of which ``unpaid`` leave
    without paying and ``inside`` are still parked at the end. ``guard`` None posts as a gate
    controller; ``cashier`` None takes the payments as the system (paid on the phone).
    Returns {"entries", "exits", "paid", "unpaid"}."""
    tz = timezone.get_current_timezone()
    entry, exit_ = _gate(lot, Direction.IN), _gate(lot, Direction.OUT)
    plates = list(
        Vehicle.objects.filter(community_id=lot.community_id, active=True).values_list(
            "plate", flat=True
        )
    )
    counts = {"entries": 0, "exits": 0, "paid": 0, "unpaid": 0}
    for visit in range(visits):
        arrive = datetime.combine(day, time(rng.randrange(6, 21), rng.randrange(60)), tz)
        resident = plates and rng.random() < 0.3
        plate = rng.choice(plates) if resident else random_plate(rng)
        event = services.record_event(
            actor=guard, lot=lot, plate=plate, direction=Direction.IN, at=arrive, gate=entry
        )
        counts["entries"] += 1
        if event.session is None or event.session.entered_at != arrive:
            continue  # already inside
        if visit >= visits - inside:
            continue
        leave = arrive + timedelta(minutes=rng.choice(STAYS))
        pay_at = leave - timedelta(minutes=5)
        due = services.quote(event.session, pay_at).amount
        if due and counts["unpaid"] < unpaid:
            counts["unpaid"] += 1
        elif due:
            services.pay(
                actor=cashier,
                session=event.session,
                method=rng.choice(PayMethod.values),
                amount=due,
                at=pay_at,
            )
            counts["paid"] += 1
        services.record_event(
            actor=guard, lot=lot, plate=plate, direction=Direction.OUT, at=leave, gate=exit_
        )
        counts["exits"] += 1
    return counts
