"""Demo: in the first community, a renovation under way (approved with conditions, its deposit
collected, two workers with permits, an inspection that found a problem), another waiting for
review, card deposits held for a few homes, a tool lent against a deposit, a handover with a
defect raised on the developer's warranty, and a tenant's move-out in progress (cards back,
deposit still to refund). All through the services."""

from datetime import timedelta
from decimal import Decimal

from anju.core import services as core
from anju.core.choices import HouseUsage, Relation
from anju.core.models import House, Occupancy

from . import services
from .choices import DepositKind


def _tenancy(ctx, community, actor, homes):
    tenancy = (
        Occupancy.objects.filter(community=community, relation=Relation.TENANT, until__isnull=True)
        .select_related("house", "person")
        .order_by("pk")
        .first()
    )
    if tenancy is not None:
        return tenancy
    person = core.create_person(actor=actor, organization=ctx.organization, name="钱租客")
    return core.create_occupancy(
        actor=actor,
        house=homes[-1],
        person=person,
        relation=Relation.TENANT,
        since=ctx.today - timedelta(days=400),
    )


def build(ctx):
    community = ctx.communities[0]
    manager = ctx.staff["manager"]
    tech = ctx.staff.get("tech") or ctx.staff.get("guard") or manager
    cashier = ctx.staff.get("cashier") or manager
    today = ctx.today
    resident_homes = [
        (user, person, house)
        for user, person, house in ctx.residents
        if house.community_id == community.pk
    ]
    homes = list(
        House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL)
        .select_related("building")
        .order_by("pk")[:12]
    )
    if len(homes) < 4:
        return
    # A renovation under way: applied by a resident, approved, deposit collected, inspected.
    user, person, house = resident_homes[0] if resident_homes else (manager, None, homes[0])
    renovation = services.apply(
        actor=user,
        house=house,
        contractor="安居家装工程有限公司",
        contractor_phone="13812345678",
        description="厨房、卫生间翻新（更换防水层），客厅铺木地板，全屋墙面刷漆。",
        starts=today,
        ends=today + timedelta(days=60),
        works=["waterproofing"],
        applicant=person,
    )
    services.add_worker(actor=manager, renovation=renovation, name="周师傅", trade="泥瓦工")
    services.add_worker(actor=manager, renovation=renovation, name="吴师傅", trade="水电工")
    services.approve(
        actor=manager,
        renovation=renovation,
        conditions="建筑垃圾袋装后当日运至指定堆放点；电梯内铺设保护。",
        deposit=Decimal("2000.00"),
    )
    services.collect(actor=cashier, deposit=services.renovation_deposit(renovation), method="cash")
    services.inspect(
        actor=tech,
        renovation=renovation,
        findings="楼道内堆放建筑垃圾未清运，消防通道受阻；已要求当日清理。",
        passed=False,
    )
    # Another application waiting for review.
    services.apply(
        actor=manager,
        house=homes[1],
        contractor="城东装饰队",
        description="阳台封窗，卧室更换地板。",
        starts=today + timedelta(days=7),
        ends=today + timedelta(days=37),
        works=["facade"],
    )
    # Card deposits held for homes handed over, and a tool lent.
    for home in homes[2:5]:
        services.collect_deposit(
            actor=cashier,
            house=home,
            kind=DepositKind.CARD,
            amount=Decimal("100.00"),
            method="cash",
            description="门禁卡2张",
        )
    tool = services.open_deposit(
        actor=manager,
        house=homes[5] if len(homes) > 5 else homes[2],
        kind=DepositKind.TOOL,
        amount=Decimal("200.00"),
        description="借用人字梯",
    )
    services.collect(actor=cashier, deposit=tool, method="wechat", reference="4200001234202612")
    # A handover with a defect on the developer's warranty.
    handover_house = homes[6] if len(homes) > 6 else homes[3]
    owner = (
        Occupancy.objects.filter(house=handover_house, relation=Relation.OWNER)
        .select_related("person")
        .first()
    )
    if owner is not None:
        move_in = services.start_move_in(
            actor=manager, house=handover_house, person=owner.person, on=today
        )
        results = {code: {"ok": True} for code, _label, _part in services.checklist_of(move_in)}
        results["waterproofing"] = {"ok": False, "note": "主卫天花板有水渍，疑似楼上渗漏"}
        services.check_items(actor=manager, move=move_in, results=results)
    # A tenant's move-out in progress: card deposit held, cards returned, not yet completed.
    tenancy = _tenancy(ctx, community, manager, homes)
    services.collect_deposit(
        actor=cashier,
        house=tenancy.house,
        kind=DepositKind.CARD,
        amount=Decimal("50.00"),
        method="cash",
        description="门禁卡1张",
        payer=tenancy.person,
    )
    move_out = services.start_move_out(
        actor=manager, occupancy=tenancy, on=today + timedelta(days=3)
    )
    services.return_cards(actor=manager, move=move_out, cards=1)
    ctx.out.write("Works: 2 renovations, 6 deposits, a handover and a move-out in progress.\n")
