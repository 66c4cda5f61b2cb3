"""Demo: a catalogue of paid home services with published prices, orders in every state (new,
materials quoted, accepted and done, billed, paid and rated, cancelled), an upcoming event that
is full with a waitlist and a past one with photos, check-ins and feedback."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core import demo_photos
from anju.core.errors import DomainError
from anju.core.models import Occupancy, User
from anju.notices import services as notices
from anju.servicedesk import services as servicedesk

from . import services

CATALOGUE = [
    {
        "name": "日常保洁",
        "price": Decimal("45.00"),
        "unit": "小时",
        "description": "擦拭家具、地面清洁、厨卫清洁、倒垃圾；清洁剂和工具由我们带。",
        "materials_extra": False,
    },
    {
        "name": "深度保洁",
        "price": Decimal("260.00"),
        "unit": "次",
        "description": "两名保洁员四小时：油烟机外表、玻璃、卫生间除垢。油烟机拆洗等特殊耗材另计，上门报价经您确认。",
        "materials_extra": True,
    },
    {
        "name": "管道疏通",
        "price": Decimal("80.00"),
        "unit": "次",
        "description": "下水道、地漏、马桶疏通，含上门费；更换配件另计，先报价后施工。",
        "materials_extra": True,
    },
    {
        "name": "开荒保洁",
        "price": Decimal("8.00"),
        "unit": "平方米",
        "description": "装修后全屋清洁，按建筑面积计价，含除胶、除尘。",
        "materials_extra": False,
    },
]
COMPANY_WIDE = {
    "name": "空调清洗",
    "price": Decimal("99.00"),
    "unit": "台",
    "description": "挂机拆洗滤网、蒸发器杀菌清洗，含清洗剂。",
    "materials_extra": False,
}


def _at(day, hour):
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _user(person):
    return User.objects.filter(person=person, is_active=True).first()


def _work(staff, order):
    """The desk dispatches the technician, who takes it on (and finishes it)."""
    tech = staff["tech"]
    ticket = servicedesk.assign(actor=staff["agent"], ticket=order.ticket, assignee=tech)
    ticket = servicedesk.accept(actor=tech, ticket=ticket)
    ticket = servicedesk.arrive(actor=tech, ticket=ticket)
    return tech, ticket


def _pay_online(actor, order):
    """The resident pays the order's bill on the pay page (the test provider's answer)."""
    bill = billing_selectors.charge_bills([services.order_source(order)]).get(
        services.order_source(order)
    )
    payment, _created = billing.start_bills_payment(
        actor=actor, bills=[bill], channel="h5", provider="test"
    )
    billing.confirm_online_payment(
        payment_id=payment.pk,
        provider_ref=f"DEMO{payment.pk:08d}",
        amount_fen=int(payment.amount * 100),
    )


def _orders(ctx, community, offerings, households):
    staff, now = ctx.staff, timezone.now()
    tech = staff["tech"]
    states = ["ordered", "quoted", "done", "unpaid", "paid", "paid", "cancelled", "refunded"]
    for step, (user, house) in zip(states, households, strict=False):
        offering = offerings[1] if step in ("quoted", "done", "paid") else offerings[0]
        try:
            with transaction.atomic():  # one household's story; a refusal skips only it
                _story(ctx, step, user, house, offering, tech, now)
        except DomainError as exc:
            ctx.out.write(f"life: {step} order skipped ({exc.message})\n")


def _story(ctx, step, user, house, offering, tech, now):
    """One order taken as far as ``step``: ordered, quoted, done, unpaid, paid, cancelled or
    refunded (paid, then a complaint upheld and the cashier refunds it)."""
    order = services.place_order(
        actor=user,
        offering=offering,
        house=house,
        appointment_at=now + timedelta(hours=ctx.rng.randint(3, 60)),
        note=ctx.rng.choice(["家里有宠物猫", "请先电话联系", "", "两个卫生间"]),
    )
    if step == "cancelled":
        services.cancel(actor=user, order=order, reason="临时出差")
        return
    if step == "ordered":
        return
    _work(ctx.staff, order)
    if offering.materials_extra:
        order = services.quote(
            actor=tech, order=order, amount="68.00", note="油烟机拆洗专用清洁剂与滤网"
        )
    if step == "quoted":
        return
    if offering.materials_extra:
        order = services.accept_quote(actor=user, order=order)
    order.refresh_from_db()
    servicedesk.resolve(actor=tech, ticket=order.ticket, note="已按约完成，住户验收")
    if step == "done":
        return
    order = services.pay(actor=user, order=order)
    if step == "unpaid":
        return
    _pay_online(user, order)
    order.refresh_from_db()
    if step == "refunded":
        services.rate(actor=user, order=order, score=2, comment="约好的时间迟到两小时")
        services.refund(
            actor=ctx.staff["cashier"], order=order, reason="投诉属实：上门迟到两小时，全额退款"
        )
        return
    services.rate(actor=user, order=order, score=ctx.rng.choice([4, 5, 5]), comment="师傅很细心")


def _events(ctx, community, households):
    staff, today = ctx.staff, ctx.today
    manager = staff["manager"] if community == ctx.communities[0] else staff["manager2"]
    # An upcoming free event, full, with a waitlist.
    day = today + timedelta(days=5)
    upcoming = services.save_event(
        actor=manager,
        community=community,
        title="亲子手工课：做一盏兔子灯",
        description="材料由物业准备，适合5-10岁儿童，每户最多一名家长陪同。",
        starts_at=_at(day, 15),
        ends_at=_at(day, 17),
        place="会所二楼多功能活动室",
        booking=None,
        capacity=8,
        signup_until=_at(day, 12),
        fee=Decimal("0"),
        max_people_per_house=2,
        min_age=5,
        max_age=10,
    )
    for user, house in households[:6]:
        services.sign_up(actor=user, event=upcoming, house=house, people=2)
    # An upcoming paid event with room.
    later = today + timedelta(days=12)
    services.save_event(
        actor=manager,
        community=community,
        title="社区健身操公开课",
        description="专业教练带练，费用含场地与饮用水。",
        starts_at=_at(later, 19),
        ends_at=_at(later, 20),
        place="中心广场",
        booking=None,
        capacity=40,
        signup_until=_at(later, 17),
        fee=Decimal("10.00"),
        max_people_per_house=3,
        min_age=None,
        max_age=None,
    )
    # A past event: sign-ups, check-ins, photos and the feedback survey.
    past_day = today - timedelta(days=9)
    past = services.save_event(
        actor=manager,
        community=community,
        title="邻里节：百家宴",
        description="每户带一道拿手菜，和邻居们一起吃顿饭。",
        starts_at=_at(past_day, 11),
        ends_at=_at(past_day, 14),
        place="中心花园",
        booking=None,
        capacity=60,
        signup_until=_at(past_day, 9),
        fee=Decimal("0"),
        max_people_per_house=4,
        min_age=None,
        max_age=None,
    )
    came = []
    for user, house in households[:8]:
        signup = services.sign_up(
            actor=user,
            event=past,
            house=house,
            people=ctx.rng.randint(1, 4),
            now=_at(past_day, 8) - timedelta(days=2),
        )
        if ctx.rng.random() < 0.85:
            services.check_in(actor=staff["agent"], signup=signup, now=_at(past_day, 11))
            came.append((user, house))
    services.add_photos(
        actor=manager,
        event=past,
        files=[demo_photos.photo(scene, seed=i) for i, scene in enumerate(("tile", "form"))],
        caption="百家宴现场",
    )
    past = services.open_feedback(actor=manager, event=past, now=_at(past_day, 16))
    questions = list(past.survey.questions.order_by("order"))
    for user, house in came[:5]:
        try:
            notices.submit_response(
                actor=user,
                survey=past.survey,
                house=house,
                answers=[
                    {"question": questions[0].pk, "value": ctx.rng.choice([4, 5, 5])},
                    {"question": questions[1].pk, "text": "希望明年多办几次"},
                ],
                now=_at(past_day, 18),
            )
        except DomainError:
            continue


def build(ctx):
    staff = ctx.staff
    services.save_offering(actor=staff["admin"], organization=ctx.organization, **COMPANY_WIDE)
    for community in ctx.communities:
        offerings = [
            services.save_offering(actor=staff["admin"], community=community, **values)
            for values in CATALOGUE
        ]
        # The demo's residents with a login act themselves; the other households ordered and
        # signed up by phone through the service centre (the agent records it for them).
        households, seen = [], set()
        for user, _person, house in ctx.residents:
            if house.community_id == community.pk:
                households.append((user, house))
                seen.add(house.pk)
        for occ in (
            Occupancy.objects.active()
            .filter(community=community, is_payer=True)
            .select_related("house")
            .order_by("pk")[:40]
        ):
            if occ.house_id not in seen and len(households) < 14:
                seen.add(occ.house_id)
                households.append((_user(occ.person) or staff["agent"], occ.house))
        if len(households) < 8:
            continue  # a smaller world: the catalogue alone
        _orders(ctx, community, offerings, households)
        try:
            with transaction.atomic():
                _events(ctx, community, households[:1] + households[7:])
        except DomainError as exc:
            ctx.out.write(f"life: events skipped ({exc.message})\n")
