"""The read side of IoT: whether a device is online, its readings, the meters' use per day and
the energy page, and the open alarms, shared by the console pages, the API, the workbench card
and the sweeps of ``services``."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from .choices import METERS, AlarmStatus
from .models import Alarm, Device, Reading
from .rules import setting


def offline_limit(now=None):
    """The time before which a device's last report makes it offline (``offline_after_minutes``):
    the page's and the API's "online" and the offline sweep's "silent" are both this one cut."""
    return (now or timezone.now()) - timedelta(minutes=setting("offline_after_minutes"))


def is_online(device, now=None):
    return bool(device.last_seen_at and device.last_seen_at >= offline_limit(now))


def readings_of(device, since, metric=None):
    """The device's readings since ``since``, newest first (of one metric when given)."""
    rows = Reading.objects.filter(device=device, at__gte=since).order_by("-at")
    return rows.filter(metric=metric) if metric else rows


def open_alarms(user, community_id=None):
    """The open alarms ``user`` may see (in one community when given): the card's number and
    the alarm list it links to (``?status=open``)."""
    alarms = Alarm.objects.visible_to(user, "iot.alarm.view").filter(status=AlarmStatus.OPEN)
    return alarms.in_community(community_id) if community_id else alarms


def usage_by_day(devices, metric="total", days=14, now=None):
    """Each meter's use per day from its cumulative reading, in one grouped query: the day's
    highest reading less the previous day's (the first day: less its own lowest), for the last
    ``days`` days. {device id: [{"day", "usage"}, ...] oldest first}."""
    now = now or timezone.now()
    since = timezone.localtime(now) - timedelta(days=days)
    rows = (
        Reading.objects.filter(device__in=devices, metric=metric, at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("device_id", "day")
        .annotate(low=Min("value"), high=Max("value"))
        .order_by("device_id", "day")
    )
    usage, before = {}, {}
    for row in rows:
        device_id = row["device_id"]
        previous = before.get(device_id)
        usage.setdefault(device_id, []).append(
            {
                "day": row["day"],
                "usage": row["high"] - (previous if previous is not None else row["low"]),
            }
        )
        before[device_id] = row["high"]
    return usage


def daily_usage(device, metric="total", days=14, now=None):
    """One meter's ``usage_by_day``."""
    return usage_by_day([device], metric, days, now).get(device.pk, [])


def spike(series, factor):
    """Whether the last day's use exceeds ``factor`` times the median of the days before it
    (at least seven of them): a leak, a running pump, lights left on."""
    if len(series) < 8:
        return False
    earlier = sorted(u["usage"] for u in series[:-1])
    median = earlier[len(earlier) // 2]
    return median > 0 and series[-1]["usage"] > median * Decimal(str(factor))


def energy(user, community_id=None, days=30, now=None):
    """The meters ``user`` may see, each with its use per day over ``days`` and over the
    ``days`` before, for the energy page (rows) and its chart (per kind and day)."""
    now = now or timezone.now()
    meters = Device.objects.visible_to(user, "iot.device.view").filter(kind__in=METERS, active=True)
    if community_id:
        meters = meters.in_community(community_id)
    meters = list(meters.select_related("community", "building").order_by("community_id", "code"))
    usage = usage_by_day(meters, days=days * 2 + 1, now=now)
    cut = timezone.localdate(now) - timedelta(days=days)
    yesterday = timezone.localdate(now) - timedelta(days=1)
    rows, by_kind = [], {}
    for meter in meters:
        series = usage.get(meter.pk, [])
        recent = [u for u in series if u["day"] > cut]
        full = [u for u in series if u["day"] <= yesterday]  # today is not over
        before = [u for u in series if u["day"] <= cut]
        total = sum((u["usage"] for u in recent), Decimal(0))
        previous = sum((u["usage"] for u in before), Decimal(0))
        rows.append(
            {
                "meter": meter,
                "total": total,
                "previous": previous if before else None,
                "change": (total - previous) / previous if before and previous else None,
                "spike": bool(full)
                and full[-1]["day"] == yesterday
                and spike(full, setting("usage_spike_factor")),
            }
        )
        for u in recent:
            day = by_kind.setdefault(meter.kind, {})
            day[u["day"]] = day.get(u["day"], Decimal(0)) + u["usage"]
    return rows, by_kind
