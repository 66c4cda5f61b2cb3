"""Demo: each community's shared spaces with a fortnight of bookings around today, so that the
day grid, the bookings list, the approvals and the resident's "my bookings" have content."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core.errors import DomainError
from anju.core.models import Occupancy

from . import services
from .models import Booking

SPACES = [
    {
        "name": "多功能活动室",
        "kind": "activity",
        "place": "会所二楼",
        "capacity": 30,
        "opens_at": time(8, 0),
        "closes_at": time(21, 0),
        "slot_minutes": 60,
        "max_slots": 3,
        "price_per_slot": Decimal("0"),
        "rules": "请爱护室内设施，活动结束后关闭空调和灯光；21:00后请勿喧哗。",
    },
    {
        "name": "共享会议室",
        "kind": "meeting",
        "place": "物业服务中心一楼东侧",
        "capacity": 12,
        "opens_at": time(9, 0),
        "closes_at": time(18, 0),
        "slot_minutes": 60,
        "max_slots": 4,
        "price_per_slot": Decimal("30.00"),
        "needs_approval": True,
        "rules": "场地费每小时30元，在物业服务中心缴纳；收入计入小区公共收益并公示。",
    },
    {
        "name": "羽毛球场",
        "kind": "sports",
        "place": "中心花园北侧",
        "capacity": 4,
        "opens_at": time(7, 0),
        "closes_at": time(21, 0),
        "slot_minutes": 60,
        "max_slots": 2,
        "price_per_slot": Decimal("20.00"),
        "rules": "请穿运动鞋入场；雨天场地湿滑暂停使用。",
    },
]
PURPOSES = {
    "activity": ["太极拳晨练", "儿童绘本共读", "老年合唱团排练", "瑜伽课", "书法兴趣小组"],
    "meeting": ["业主小组讨论", "家庭教育讲座", "小微企业洽谈", "志愿者例会"],
    "sports": ["羽毛球双打", "亲子羽毛球", "周末球友约战"],
}


def _at(day, hour):
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def build(ctx):
    rng, today = ctx.rng, ctx.today
    staff = ctx.staff
    made = 0
    for community, manager in zip(
        ctx.communities, (staff["manager"], staff["manager2"]), strict=True
    ):
        people = list(
            Occupancy.objects.active()
            .filter(community=community)
            .select_related("person", "house")
            .order_by("pk")[:60]
        )
        spaces = [
            services.save_space(actor=staff["admin"], community=community, **values)
            for values in SPACES
        ]
        for offset in range(-7, 8):
            day = today + timedelta(days=offset)
            for space in spaces:
                hours = list(range(space.opens_at.hour, space.closes_at.hour))
                for hour in rng.sample(hours, k=min(len(hours), rng.randint(1, 4))):
                    occ = rng.choice(people)
                    start = _at(day, hour)
                    try:
                        booking = services.book(
                            actor=staff["agent"],
                            space=space,
                            starts_at=start,
                            purpose=rng.choice(PURPOSES[space.kind]),
                            attendees=rng.randint(2, space.capacity),
                            person=occ.person,
                            house=occ.house,
                            now=start - timedelta(days=2),
                        )
                    except DomainError:
                        continue
                    made += 1
                    begun = offset < 0 or (offset == 0 and hour < timezone.localtime().hour)
                    if begun and rng.random() < 0.85:
                        services.check_in(actor=staff["agent"], booking=booking, now=start)
                        if booking.amount and rng.random() < 0.9:
                            services.collect_fee(
                                actor=staff["cashier"], booking=booking, method="wechat"
                            )
        services.sweep()
        # A resident with a login: two bookings of their own, one awaiting approval.
        for user, _person, house in ctx.residents:
            if house.community_id != community.pk:
                continue
            tomorrow = today + timedelta(days=1)
            for space, hour, purpose in (
                (spaces[0], 19, "太极拳练习"),
                (spaces[1], 15, "业主小组讨论"),
            ):
                for h in (hour, hour - 1, hour - 2):
                    if not Booking.objects.filter(space=space, starts_at=_at(tomorrow, h)).exists():
                        try:
                            services.book(
                                actor=user,
                                space=space,
                                starts_at=_at(tomorrow, h),
                                purpose=purpose,
                                attendees=6,
                                house=house,
                            )
                        except DomainError:
                            continue
                        made += 1
                        break
            break
        # One staff cancellation with its reason, for the timeline.
        later = (
            Booking.objects.filter(
                space=spaces[2], status="confirmed", starts_at__gt=timezone.now()
            )
            .order_by("starts_at")
            .first()
        )
        if later is not None:
            services.cancel(actor=manager, booking=later, reason="场地地面翻新，暂停使用一天")
    ctx.out.write(f"Spaces: {3 * len(ctx.communities)} shared spaces, {made} bookings.\n")
