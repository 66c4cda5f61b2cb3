"""Billing demo: published fee items in both communities, three months of posted bills (most
paid at the desk or online, some in arrears with reminders and one written demand), meter
readings with one flagged jump, 公摊 usage, prepayments and yesterday's cash-up."""

import contextlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from anju.core.choices import HouseUsage
from anju.core.errors import DomainError
from anju.core.models import House

from . import calc, selectors, services
from .choices import CollectionKind, Method
from .models import Bill

WATER_TIERS = [
    {"upto": "15", "price": "3.4000"},
    {"upto": "25", "price": "5.1000"},
    {"upto": None, "price": "10.2000"},
]


def _months(today, n):
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return [calc.period_of(d) for d in reversed(out)]


def _at(day, hour, rng):
    """A moment of ``day`` during opening hours, never later than now: today's takings are
    taken before the demo was built (a payment in the future would tell a false story)."""
    moment = timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60))))
    return min(moment, timezone.now() - timedelta(minutes=rng.randrange(2, 40)))


def _fee_items(ctx, community, b_side):
    admin = ctx.staff["finance"]
    start = ctx.today.replace(day=1) - timedelta(days=400)
    basis = "前期物业服务合同第五条及价格备案" if not b_side else "物业服务合同（2024版）第六条"
    area = services.create_fee_item(
        actor=admin,
        community=community,
        name="物业服务费",
        method=Method.AREA,
        unit_price="3.2000" if b_side else "2.8000",
        unit="元/m²·月",
        basis=basis,
        applies_to="residential",
        effective_from=start,
        published=True,
        # Only the second community's contract sets a late charge (民法典第585条): 日万分之三, cap 10%.
        late_daily_rate="0.0003" if b_side else None,
        late_grace_days=15 if b_side else 0,
        late_cap_rate="0.1" if b_side else None,
    )
    items = [
        area,
        services.create_fee_item(
            actor=admin,
            community=community,
            name="车位管理费",
            method=Method.FIXED,
            unit_price="80.0000",
            unit="元/个·月",
            basis=basis,
            applies_to="parking",
            effective_from=start,
            published=True,
        ),
        services.create_fee_item(
            actor=admin,
            community=community,
            name="生活垃圾清运费",
            method=Method.FIXED,
            unit_price="8.0000",
            unit="元/户·月",
            basis="区发改委价格文件",
            applies_to="residential",
            effective_from=start,
            published=True,
        ),
        services.create_fee_item(
            actor=admin,
            community=community,
            name="水费（代收）",
            method=Method.METERED,
            meter_kind="water",
            pass_through=True,
            tiers=WATER_TIERS,
            unit_price="3.4000",
            unit="元/吨",
            basis="自来水公司阶梯水价（代收，不加收手续费）",
            effective_from=start,
            published=True,
        ),
        services.create_fee_item(
            actor=admin,
            community=community,
            name="公摊电费",
            method=Method.SHARED,
            pass_through=True,
            unit_price="0.5380",
            unit="元/度",
            basis="供电公司电价；按专有部分面积分摊（民法典第283条）",
            applies_to="residential",
            effective_from=start,
            published=True,
        ),
    ]
    if not b_side:
        items.append(
            services.create_fee_item(
                actor=admin,
                community=community,
                name="商铺物业服务费",
                method=Method.AREA,
                unit_price="5.5000",
                unit="元/m²·月",
                basis=basis,
                applies_to="commercial",
                effective_from=start,
                published=True,
            )
        )
    repair = services.create_fee_item(
        actor=admin,
        community=community,
        name="有偿维修服务",
        method=Method.ONE_OFF,
        unit_price="0",
        unit="元/次",
        basis="有偿服务价目表（公示栏）",
        effective_from=start,
        published=True,
    )
    # A draft the manager has not published yet: the preview warns it cannot be billed (明码标价).
    services.create_fee_item(
        actor=admin,
        community=community,
        name="电梯运行费（拟）",
        method=Method.AREA,
        unit_price="0.3500",
        unit="元/m²·月",
        basis="待业主大会表决",
        effective_from=ctx.today,
        published=False,
    )
    return items, repair


def build(ctx):
    rng = ctx.rng
    finance, cashier = ctx.staff["finance"], ctx.staff["cashier"]
    periods = _months(ctx.today, 3)
    resident_houses = {house.pk for _u, _p, house in ctx.residents}
    for index, community in enumerate(ctx.communities):
        _items, repair = _fee_items(ctx, community, b_side=index == 1)
        shared = _items[4]
        homes = list(
            House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL).order_by("id")
        )
        metered = [h for h in homes if h.sold and h.delivered][:24]
        # Three sold houses whose keys were handed over in the middle of the second month:
        # the days before each delivery are the developer's, on bills of its own
        # (物业服务收费管理办法第16条).
        handed = [h for h in homes if h.sold and h.pk not in resident_houses][-3:]
        start = calc.parse_period(periods[1]).start
        for i, h in enumerate(handed):
            h.delivered, h.delivered_on = True, start + timedelta(days=9 + 5 * i)
        House.objects.bulk_update(handed, ["delivered", "delivered_on"])
        readings = {h.pk: Decimal(rng.randrange(200, 900)) for h in metered}
        for period in periods:
            p = calc.parse_period(period)
            for h in metered:
                usage = Decimal(rng.randrange(6, 22))
                if h is metered[5] and period == periods[-1]:
                    usage = Decimal(
                        "160"
                    )  # a leak or a misread: flagged for review, not billed yet
                readings[h.pk] += usage
                services.enter_reading(
                    actor=cashier,
                    house=h,
                    kind="water",
                    read_on=p.end if p.end < ctx.today else ctx.today,
                    value=readings[h.pk],
                )
            services.record_shared_usage(
                actor=finance,
                fee_item=shared,
                period=period,
                usage=Decimal(rng.randrange(3000, 5000)),
            )
            run = services.create_billing_run(actor=finance, community=community, period=period)
            services.post_billing_run(actor=finance, run=run)
        # Paid repairs billed from the service desk.
        for i, h in enumerate(metered[:3]):
            services.add_one_off_charge(
                actor=finance,
                house=h,
                fee_item=repair,
                amount=Decimal("60") + 25 * i,
                description=["更换水龙头", "疏通下水道", "更换门锁"][i],
                source=f"demo.repair:{community.pk}:{h.pk}",
            )
        _payments(ctx, community, periods, resident_houses)
        if handed:  # the developer settled the first house's bills by bank transfer
            owed = selectors.house_arrears(handed[0], developer=True)
            if owed > 0:
                services.record_payment(
                    actor=cashier,
                    house=handed[0],
                    amount=owed,
                    method="bank",
                    reference="建设单位转账",
                    developer=True,
                    idempotency_key=f"demo.developer:{community.pk}",
                )
        _collections(ctx, community, demand=index == 0)
        services.accrue_late_charges(actor=None, as_of=ctx.today, community=community)
        yesterday = ctx.today - timedelta(days=1)
        with contextlib.suppress(DomainError):
            services.close_cash_up(actor=cashier, community=community, day=yesterday)


def _payments(ctx, community, periods, resident_houses):
    rng = ctx.rng
    cashier = ctx.staff["cashier"]
    house_ids = (
        Bill.objects.filter(community=community).values_list("house_id", flat=True).distinct()
    )
    houses = House.objects.filter(pk__in=house_ids).order_by("id")
    for h in houses:
        roll = rng.random()
        bills = list(Bill.objects.filter(house=h).order_by("period_start"))
        if roll < 0.08 or (h.pk in resident_houses and h.pk % 2 == 0):
            continue  # in arrears (and a resident login left something to pay online)
        paying = bills if roll > 0.35 else bills[:-1]  # many pay the current month later
        if h.pk in resident_houses:  # a resident login has this month's bill to pay online
            paying = [b for b in bills if b.period != periods[-1]]
        if roll < 0.14 and len(paying) > 1:
            paying = paying[:1]  # paid the first month only
        amount = sum((b.balance for b in paying), Decimal(0))
        if amount <= 0:
            continue
        day = min(
            calc.parse_period(paying[-1].period).start + timedelta(days=rng.randrange(3, 25)),
            ctx.today,
        )
        if 0.35 < roll < 0.45:
            day = ctx.today - timedelta(days=1)  # yesterday's takings, closed in the cash-up
        elif 0.45 <= roll < 0.5:
            day = ctx.today  # today's takings, still open at the desk
        extra = Decimal("0")
        if roll > 0.97 and not h.is_developer_held:
            extra = (
                services.prepay_room(h).quantize(Decimal("1")) // 4
            )  # a few prepay a quarter or so
        method = rng.choice(["cash", "bank", "pos", "pos", "bank"])
        try:
            services.record_payment(
                actor=cashier,
                house=h,
                amount=amount + extra,
                method=method,
                when=_at(day, rng.randrange(8, 18), rng),
                idempotency_key=f"demo-{h.pk}",
            )
        except DomainError:
            continue


def _collections(ctx, community, demand):
    cashier, manager = ctx.staff["cashier"], ctx.staff["manager"]
    owing = list(
        selectors.overdue(Bill.objects.filter(community=community), ctx.today)
        .values_list("house_id", flat=True)
        .distinct()[:12]
    )
    houses = list(House.objects.filter(pk__in=owing).order_by("id"))
    for i, h in enumerate(houses[:8]):
        action = services.create_collection_action(
            actor=cashier, house=h, kind=CollectionKind.REMINDER, note="短信及电话温馨提示"
        )
        if i % 2 == 0:
            services.deliver_collection_action(
                actor=cashier, action=action, method="短信", proof="短信网关回执"
            )
    if houses and demand:
        notice = services.create_collection_action(
            actor=manager,
            house=houses[0],
            kind=CollectionKind.DEMAND_NOTICE,
            note="书面催告：请于期限内缴清欠费；逾期将依法提起诉讼或申请仲裁（民法典第944条）。",
        )
        services.deliver_collection_action(
            actor=manager, action=notice, method="EMS 挂号信", proof="EMS 1187 2356 0098 签收"
        )
    if len(houses) > 1:
        services.create_collection_action(
            actor=manager,
            house=houses[1],
            kind=CollectionKind.NEGOTIATION,
            note="业主反映楼上渗水未修复，约定先维修后协商缴费。",
        )
