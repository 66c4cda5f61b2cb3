"""Demo: each community's collection points (one per building and one for the whole
community), a month of collection logs and sorting inspections (households found correctly
sorting earn points), a few more points earned and spent, bulky and renovation waste pickups
in every state, the decoration plans the calendar proposes, and last month's finished plan with
its photos, cost and residents' ratings. All through the services."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core import demo_photos
from anju.core.models import Building, House

from . import selectors, services
from .choices import Grade, PickupKind

# Typical daily kg per category of one building's point (a community of some hundred homes).
DAILY_KG = {"food": (18, 40), "residual": (12, 30), "recyclable": (12, 36), "hazardous": (1, 3)}
# Days between collections of a category (the others daily).
EVERY = {"recyclable": 3, "hazardous": 10}


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _points(ctx, community, manager):
    buildings = list(Building.objects.filter(community=community).order_by("pk")[:4])
    points = [
        services.save_point(
            actor=manager,
            community=community,
            building=b,
            name=f"{b.name}投放点",
            place=f"{b.name}北侧",
            schedule="7:00–9:00, 18:00–21:00",
            responsible=ctx.staff.get("cleaner"),
        )
        for b in buildings
    ]
    points.append(
        services.save_point(
            actor=manager,
            community=community,
            name="南门集中收集点",
            place="南门东侧垃圾房",
            schedule="全天",
        )
    )
    return points


def _month(ctx, community, points, collector, inspector):
    rng, today = ctx.rng, ctx.today
    codes = selectors.rules_for(community).codes()
    houses = {}
    for house in House.objects.filter(community=community, building__isnull=False).order_by("pk"):
        houses.setdefault(house.building_id, []).append(house)
    logs = inspections = 0
    for offset in range(30, 0, -1):
        day = today - timedelta(days=offset)
        for point in points:
            for code in codes:
                low, high = DAILY_KG.get(code, (1, 5))
                if EVERY.get(code, 1) > 1 and offset % EVERY[code]:
                    continue  # recyclables and hazardous waste are taken less often
                kg = Decimal(rng.randint(low * 100, high * 100)) / 100
                services.record_log(
                    actor=collector,
                    point=point,
                    category=code,
                    weight_kg=max(kg, Decimal("0.30")),
                    at=_at(day, 8, rng.randrange(60)),
                    hauler="城投环境",
                )
                logs += 1
            if point.building_id and rng.random() < 0.6:
                home = rng.choice(houses.get(point.building_id) or [None])
                grade = rng.choices(list(Grade.values), weights=(7, 2, 1))[0]
                services.record_inspection(
                    actor=inspector,
                    point=point,
                    grade=grade,
                    house=home,
                    note="" if grade == Grade.CORRECT else "厨余垃圾中混有塑料袋，已现场指导",
                    at=_at(day, 19, rng.randrange(60)),
                )
                inspections += 1
    return logs, inspections


def _pickups(ctx, community, manager, guard):
    residents = [(u, h) for u, _p, h in ctx.residents if h.community_id == community.pk]
    if not residents:
        return 0
    user, house = residents[0]
    # Bookings are for days from now (a long demo run may pass midnight after ctx.today).
    today = max(ctx.today, timezone.localdate())
    requested = services.book_pickup(
        actor=user,
        house=house,
        kind=PickupKind.BULKY,
        items="旧沙发一张、床垫一个",
        wanted_on=today + timedelta(days=3),
    )
    confirmed = services.book_pickup(
        actor=user,
        house=house,
        kind=PickupKind.RENOVATION,
        items="卫生间翻新的瓷砖碎块约 10 袋",
        wanted_on=today + timedelta(days=1),
    )
    services.confirm_pickup(
        actor=manager,
        pickup=confirmed,
        at=_at(today + timedelta(days=1), 15),
        note="请提前装袋放在楼下指定位置",
    )
    done = services.book_pickup(
        actor=user, house=house, kind=PickupKind.BULKY, items="旧衣柜一个", wanted_on=today
    )
    services.confirm_pickup(actor=manager, pickup=done, at=timezone.now())
    services.collect_pickup(actor=manager, pickup=done)
    return len([requested, confirmed, done])


def _ledger(ctx, community, manager):
    """More reasons than sorting: a green fair attended, a space lent; and goods. Events checked
    in and surveys answered earn their points of the rule in life's and notices' demos."""
    residents = [(u, h) for u, _p, h in ctx.residents if h.community_id == community.pk]
    for index, (_user, house) in enumerate(residents):
        services.award(
            actor=manager,
            house=house,
            points=20,
            reason="参加邻里节垃圾分类游园活动",
            source=f"demo.event:{community.pk}",
        )
        if index == 0:
            services.award(
                actor=manager,
                house=house,
                points=15,
                reason="共享车位借给邻居使用",
                source=f"demo.space:{community.pk}",
            )
            services.spend(actor=manager, house=house, points=25, reason="兑换环保购物袋一个")


def _decorations(ctx, community, manager):
    services.propose_plans(today=ctx.today, communities=[community])
    last = ctx.today - timedelta(days=40)
    plan = services.create_plan(
        actor=manager,
        community=community,
        occasion="重阳节",
        occasion_date=last,
        theme="敬老重阳 · 菊香满园",
        items="菊花盆栽 60 盆 @ 中心花园\n敬老横幅 2 条 @ 南门、北门\n休息区软垫 20 个 @ 老年活动室",
        budget=Decimal("3800.00"),
        done_by="环境部 + 杭州花语园艺",
    )
    services.add_photos(
        actor=manager, plan=plan, photos=[demo_photos.photo("tile", seed=7)], when="before"
    )
    services.add_photos(
        actor=manager, plan=plan, photos=[demo_photos.photo("tile", seed=8)], when="after"
    )
    plan = services.finish_plan(
        actor=manager, plan=plan, actual_cost=Decimal("3620.00"), done_on=last - timedelta(days=1)
    )
    comments = ["菊花很漂亮，老人们很喜欢", "横幅字小了点", ""]
    for index, (user, _person, house) in enumerate(
        r for r in ctx.residents if r[2].community_id == community.pk
    ):
        services.rate_plan(
            actor=user,
            plan=plan,
            house=house,
            stars=5 - index % 2,
            comment=comments[index % len(comments)],
        )
    return plan


def build(ctx):
    staff = ctx.staff
    for index, community in enumerate(ctx.communities[:2]):
        manager = staff["manager"] if index == 0 else staff.get("manager2") or staff["admin"]
        collector = staff.get("cleaner") if index == 0 else manager
        points = _points(ctx, community, manager)
        logs, inspections = _month(
            ctx, community, points, collector or manager, collector or manager
        )
        pickups = _pickups(ctx, community, manager, staff.get("guard"))
        _ledger(ctx, community, manager)
        _decorations(ctx, community, manager)
        ctx.out.write(
            f"Green living ({community.name}): {len(points)} collection points, {logs} logs, "
            f"{inspections} inspections, {pickups} pickups, decoration plans.\n"
        )
