"""Demo: each community's meters and sensors with two weeks of readings; a water leak in a pump
room raised an alarm and a P1 ticket; a smoke detector has gone silent (offline); the main water
meter ran all last night (an unusual day, and a ticket to look for the leak)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core.models import Building

from . import services

DEVICES = [
    ("WM-0001", "小区总水表", "water_meter", "北门水表井"),
    ("EM-0001", "公共照明电表", "power_meter", "配电房"),
    ("WL-0301", "3幢水泵房水浸", "water_leak", "3幢地下一层水泵房"),
    ("SD-0102", "1幢2单元楼道烟感", "smoke", "1幢2单元6楼楼道"),
    ("EL-0101", "1幢1号电梯", "elevator", "1幢1单元"),
    ("TS-0001", "配电房温度", "temperature", "配电房"),
]
DAYS = 15  # of readings: two weeks for the usual use a day is compared with


def build(ctx):
    rng = ctx.rng
    now = timezone.now()
    admin = ctx.staff["admin"]
    for index, community in enumerate(ctx.communities):
        services.create_gateway(actor=admin, community=community, name="楼宇自控网关")
        building = Building.objects.filter(community=community).order_by("pk").first()
        for code, name, kind, place in DEVICES:
            services.register_device(
                actor=admin,
                community=community,
                code=code,
                name=name,
                kind=kind,
                place=place,
                building=building if kind in ("smoke", "elevator") else None,
            )
        water, power = Decimal("52310.0") + index * 9000, Decimal("183020.0") + index * 30000
        start = now - timedelta(days=DAYS, minutes=-55)  # the last readings five minutes ago
        yesterday = timezone.localdate(now) - timedelta(days=1)
        rows = []
        for hour in range(DAYS * 24):
            at = start + timedelta(hours=hour)
            local = timezone.localtime(at).hour
            busy = 1.8 if local in (6, 7, 8, 18, 19, 20, 21) else 0.4 if local < 6 else 1.0
            water += Decimal(str(round(rng.uniform(2.5, 4.5) * busy, 1)))
            if index == 0 and timezone.localdate(at) == yesterday and local < 8:
                water += Decimal("8.0")  # a pipe ran all last night: an unusual day

            power += Decimal(
                str(round(rng.uniform(8, 14) * (1.6 if local >= 18 or local < 6 else 0.5), 1))
            )
            rows += [
                {"device": "WM-0001", "metric": "total", "value": water, "at": at},
                {"device": "EM-0001", "metric": "total", "value": power, "at": at},
                {
                    "device": "TS-0001",
                    "metric": "temp_c",
                    "value": Decimal(str(round(rng.uniform(24, 31), 1))),
                    "at": at,
                },
                {"device": "EL-0101", "metric": "trapped", "value": 0, "at": at},
                {"device": "WL-0301", "metric": "leak", "value": 0, "at": at},
            ]
            if hour < DAYS * 24 - 3:  # the smoke detector stops reporting three hours ago
                rows.append({"device": "SD-0102", "metric": "smoke", "value": 0, "at": at})
        services.ingest(community, rows, now=now)
        if index == 0:  # the pump room floods two minutes ago
            services.ingest(
                community,
                [
                    {
                        "device": "WL-0301",
                        "metric": "leak",
                        "value": 1,
                        "at": now - timedelta(minutes=2),
                    }
                ],
                now=now,
            )
    services.sweep_offline(now=now)
    services.check_usage_spikes(now=now)
    ctx.out.write(f"IoT: {len(DEVICES) * len(ctx.communities)} devices, {DAYS} days of readings.\n")
