"""Demo: the first community's doors behind its gateway (the east gate first, a building
entrance, the garage) with a resident's openings, visitor passes in every state (valid, not yet
valid, used up, expired, revoked, one with a plate), walk-in visitors waiting, let in and
declined, goods release passes and face recognition offered by consent — all through the
services, the past ones on a back-dated clock."""

from datetime import timedelta

from django.utils import timezone

from anju.core.models import Building
from anju.iot import services as iot

from . import services
from .choices import CredentialKind, DoorKind


def _doors(ctx, community, manager, resident_house):
    gateway, _key = iot.create_gateway(actor=manager, community=community, name="门禁网关")
    building = resident_house.building if resident_house else None
    building = building or Building.objects.filter(community=community).order_by("pk").first()
    specs = [
        ("DOOR-EAST", "东门人行闸", DoorKind.COMMUNITY_GATE, None),
        ("DOOR-B1", f"{building.name}单元门", DoorKind.BUILDING_ENTRANCE, building),
        ("DOOR-GARAGE", "地下车库人行门", DoorKind.GARAGE, None),
    ]
    doors = []
    for code, name, kind, where in specs:
        device = iot.register_device(
            actor=manager, community=community, code=code, name=f"{name}门禁控制器", kind="other"
        )
        doors.append(
            services.save_door(
                actor=manager,
                community=community,
                name=name,
                kind=kind,
                device=device,
                building=where,
            )
        )
    return gateway, doors


def build(ctx):
    community = ctx.communities[0]
    manager, guard = ctx.staff["manager"], ctx.staff["guard"]
    residents = [(u, h) for u, _p, h in ctx.residents if h.community_id == community.pk]
    resident, house = residents[0] if residents else (None, None)
    gateway, doors = _doors(ctx, community, manager, house)
    if resident is None:
        ctx.out.write("Gate: doors only (no resident with a login in the first community).\n")
        return
    now = timezone.now()
    rng = ctx.rng

    # Openings: two acknowledged by the gateway, one still waiting for it.
    for door, ok in ((doors[0], True), (doors[1], True), (doors[0], None)):
        command = services.open_door(actor=resident, door=door)
        if ok is not None:
            services.acknowledge(gateway=gateway, command_id=command.pk, ok=ok)

    # Visitor passes in every state.
    def issue(name, start, hours, entries=1, at=None, **extra):
        return services.issue_pass(
            actor=resident,
            house=house,
            visitor_name=name,
            valid_from=start,
            valid_until=start + timedelta(hours=hours),
            entries=entries,
            now=at,
            **extra,
        )

    issue("王晓明", now - timedelta(hours=1), 6, entries=2, visitor_phone="13812345678")
    issue("陈师傅", now - timedelta(minutes=30), 8, plate="浙A8K2M5")
    issue("刘阿姨", now + timedelta(days=1), 10, visitor_phone="13698765432")
    used = issue("赵磊", now - timedelta(hours=3), 4)
    services.verify_pass(actor=guard, code=used.code, gate="东门", at=now - timedelta(hours=2))
    earlier = now - timedelta(days=3)
    expired = issue("孙丽", earlier, 5, entries=3, at=earlier - timedelta(hours=1))
    services.verify_pass(
        actor=guard, code=expired.code, gate="东门", at=earlier + timedelta(hours=1)
    )
    revoked = issue("周杰", now + timedelta(hours=2), 3)
    services.revoke_pass(actor=resident, visitor_pass=revoked)

    # Walk-ins: one at the gate now, one let in, one declined.
    for name, answer in (("快递员 李强", True), ("推销员", False), ("钱伟", None)):
        walk_in = services.register_walk_in(
            actor=guard,
            house=house,
            visitor_name=name,
            visitor_phone=f"139{rng.randrange(10**8):08d}",
            purpose="送货上门" if answer else "",
            gate="东门",
        )
        if answer is not None:
            services.answer_walk_in(actor=resident, walk_in=walk_in, confirm=answer)

    # Goods release: one for today, one let out.
    today = timezone.localdate()
    services.apply_release(
        actor=resident, house=house, items=["旧沙发一张", "书柜一个"], date=today
    )
    out = services.apply_release(actor=resident, house=house, items=["纸箱三个"], date=today)
    services.release_goods(actor=guard, release=out)

    # Cards and face recognition by consent.
    services.issue_credential(
        actor=manager,
        house=house,
        person=resident.person,
        kind=CredentialKind.CARD,
        number=f"{rng.randrange(10**10):010d}",
    )
    services.set_face_recognition(actor=manager, community=community, enabled=True)
    ctx.out.write("Gate: 3 doors, 6 visitor passes, 3 walk-ins, 2 goods release passes.\n")
