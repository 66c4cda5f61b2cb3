"""Demo: a month of service-desk history in both communities, tickets in every state (some
overdue, some rated, some reopened, a complaint with the manager's answer), return visits due
today, a duty roster and technician skills. The tickets are the rows an intake writes
(``services.ticket_row``), bulk-created with back-dated clocks."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from anju.core import attachments, demo_photos
from anju.core.choices import Role
from anju.core.demo import DEMO_PASSWORD
from anju.core.errors import DomainError
from anju.core.models import Membership, NumberSequence, Occupancy, User

from . import conf, services
from .choices import NUMBER_PREFIX, Kind, Priority
from .models import DutyShift, ReturnVisit, StaffSkill, Ticket, TicketEvent, TicketPause, WorkItem
from .services import sla_for, ticket_row, triage_priority

REPAIRS = [
    ("water", "厨房水龙头一直滴水，关不紧"),
    ("water", "卫生间地漏反水，有异味"),
    ("water", "楼上渗水，客厅天花板有水印"),
    ("electricity", "家里跳闸，部分插座没电"),
    ("electricity", "楼道声控灯不亮"),
    ("elevator", "2号电梯运行时有异响"),
    ("elevator", "电梯按钮失灵，按了没反应"),
    ("door", "单元门禁刷卡无反应"),
    ("door", "入户门锁芯卡住，钥匙拧不动"),
    ("roof_leak", "顶楼下雨后墙面渗水"),
    ("gas", "厨房有燃气味，已开窗"),
    ("cleaning", "地下车库入口有积水和垃圾"),
    ("greening", "楼下树枝太密，挡住二楼窗户"),
]
COMPLAINTS = [
    ("noise", "楼上晚上十一点后还在装修，影响休息"),
    ("parking", "有外来车辆长期占用消防通道"),
    ("cleaning", "垃圾桶满了两天没人清理"),
    ("neighbour", "邻居在楼道堆放杂物"),
]
INQUIRIES = [
    ("fees", "想咨询物业费能否按季度缴纳"),
    ("fees", "车位管理费怎么收"),
    ("other", "快递柜什么时候恢复使用"),
]
SUGGESTIONS = [("greening", "建议在儿童游乐区增加遮阳棚"), ("security", "建议东门晚上增加照明")]
PRAISES = [("other", "王师傅维修认真负责，特此表扬"), ("security", "保安大哥帮忙搬东西，很热心")]
RESOLUTIONS = [
    "更换阀芯，试水正常",
    "疏通地漏，已清理",
    "更换空开，线路检查正常",
    "调整门禁读卡器，测试正常",
    "已联系电梯维保单位处理，运行正常",
    "更换灯具",
    "已清理完毕",
    "已修剪树枝",
]
COMMENTS = {
    5: ["师傅很专业，速度快", "非常满意，谢谢", "上门准时"],
    4: ["修好了，就是来得有点晚", "还不错"],
    3: ["一般", "等了挺久"],
    2: ["第二次才修好"],
    1: ["态度不好，问题没解决"],
}


def _aware(day, hour, minute):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


# Extra service staff for a roster with days off: (username, name, role, community index).
ROSTER_STAFF = [
    ("agent2", "何静", Role.AGENT, None),
    ("tech3", "钱师傅 钱国栋", Role.TECHNICIAN, 1),
]
SKILLS = {
    "tech": ("plumbing", "electrical", "building", "carpentry"),
    "tech2": ("elevator", "gas", "electrical", "greening"),
    "tech3": ("plumbing", "electrical", "carpentry", "cleaning"),
    "agent": ("service",),
    "agent2": ("service",),
}
# The weekly pattern per community index: (username, duty, weekdays Mon=0, from, until); an
# end at or before the start is the next morning. The 24-hour service line is staffed from the
# company's call centre (the same two agents for both communities), the managers take the
# day and Saturday; 王师傅 works in both communities on alternate days, the others in one; each
# technician has evening on-call turns and a day off a week. At night (22:00-08:00) 甲一's
# technicians take turns on call from home; 甲二 has no night technician, a gap the workbench
# and the dispatch form show (with who comes on next), and the 24-hour line has nobody
# between midnight and 08:00, which they show too.
WEEK = {
    0: [
        ("agent", "agent", "01234", "08:00", "16:00"),
        ("agent", "agent", "5", "16:00", "00:00"),
        ("agent2", "agent", "01234", "16:00", "00:00"),
        ("agent2", "agent", "6", "08:00", "16:00"),
        ("manager", "manager", "01234", "08:30", "17:30"),
        ("manager", "manager", "5", "08:00", "16:00"),
        ("tech2", "technician", "123456", "08:00", "17:00"),
        ("tech2", "technician", "1356", "17:00", "22:00"),
        ("tech", "technician", "024", "08:00", "17:00"),
        ("tech", "technician", "024", "17:00", "22:00"),
        ("tech2", "technician", "0246", "22:00", "08:00"),
        ("tech", "technician", "135", "22:00", "08:00"),
    ],
    1: [
        ("agent", "agent", "01234", "08:00", "16:00"),
        ("agent", "agent", "5", "16:00", "00:00"),
        ("agent2", "agent", "01234", "16:00", "00:00"),
        ("agent2", "agent", "6", "08:00", "16:00"),
        ("manager2", "manager", "01234", "08:30", "17:30"),
        ("manager2", "manager", "5", "08:00", "16:00"),
        ("tech3", "technician", "012346", "08:00", "17:00"),
        ("tech3", "technician", "0246", "17:00", "22:00"),
        ("tech", "technician", "135", "08:00", "17:00"),
        ("tech", "technician", "135", "17:00", "22:00"),
    ],
}


def _roster(ctx, today):
    """Two more service staff, everyone's skills, and the roster of this week and the next."""
    org = ctx.organization
    password = make_password(DEMO_PASSWORD)
    for username, full_name, role, community_index in ROSTER_STAFF:
        user = User.objects.create(
            username=username,
            first_name=full_name.split(" ")[-1],
            password=password,
            home_organization=org,
        )
        membership = Membership.objects.create(user=user, organization=org, role=role)
        if community_index is not None:
            membership.communities.set([ctx.communities[community_index]])
        ctx.staff[username] = user
    StaffSkill.objects.bulk_create(
        [
            StaffSkill(organization=org, user=ctx.staff[username], skill=skill)
            for username, skills in SKILLS.items()
            for skill in skills
        ],
        ignore_conflicts=True,
    )
    monday = today - timedelta(days=today.weekday())
    shifts = []
    for index, community in enumerate(ctx.communities):
        for username, role, weekdays, start, end in WEEK.get(index, []):
            h1, m1 = map(int, start.split(":"))
            h2, m2 = map(int, end.split(":"))
            for week in (0, 7):
                for weekday in weekdays:
                    day = monday + timedelta(days=week + int(weekday))
                    end_day = day + timedelta(days=1) if (h2, m2) <= (h1, m1) else day
                    shifts.append(
                        DutyShift(
                            organization=org,
                            community=community,
                            user=ctx.staff[username],
                            role=role,
                            starts_at=_aware(day, h1, m1),
                            ends_at=_aware(end_day, h2, m2),
                        )
                    )
    DutyShift.objects.bulk_create(shifts)


def build(ctx):
    rng = ctx.rng
    org = ctx.organization
    staff = ctx.staff
    agent, tech, tech2 = staff["agent"], staff["tech"], staff["tech2"]
    managers = {0: staff["manager"], 1: staff["manager2"]}
    now = timezone.now()
    today = timezone.localdate(now)

    _roster(ctx, today)

    owners = {}
    for occ in Occupancy.objects.filter(organization=org, relation="owner").select_related(
        "person", "house"
    ):
        owners.setdefault(occ.community_id, []).append((occ.house, occ.person))
    resident_homes = {p.pk: h for (_u, p, h) in ctx.residents}

    tickets, plans = [], []
    sequences = {}

    def number(kind, community_id, when):
        day = timezone.localdate(when)
        key = (NUMBER_PREFIX[kind], community_id, day)
        sequences[key] = sequences.get(key, 0) + 1
        return f"{key[0]}-{day:%Y%m%d}-{sequences[key]:04d}"

    slas = {}

    def new_ticket(community, kind, category, text, opened, house=None, person=None, channel=None):
        priority = triage_priority(category, "normal", kind)
        if category in ("gas",):
            priority = Priority.P1
        key = (community.pk, priority)
        if key not in slas:
            slas[key] = sla_for(community, priority)
        location = (
            ""
            if house
            else rng.choice(["3号楼大堂", "地下车库B区", "东门", "中心花园", "2号楼电梯厅"])
        )
        channel = channel or rng.choice(["phone", "portal", "portal", "walk_in", "staff"])
        # The row an intake writes (services.ticket_row): due times, skill, building, phone.
        return ticket_row(
            community=community,
            kind=kind,
            category=category,
            description=text,
            priority=priority,
            sla=slas[key],
            opened_at=opened,
            number=number(kind, community.pk, opened),
            channel=channel,
            house=house,
            reporter=person,
            created_by=agent,
            first_responder=agent,
            location=location,
        )

    for index, community in enumerate(ctx.communities):
        homes = owners.get(community.pk, [])
        if not homes:
            continue
        per_day = (5, 9) if index == 0 else (3, 6)
        for days_ago in range(30, -1, -1):
            day = today - timedelta(days=days_ago)
            for _ in range(rng.randint(*per_day)):
                hour = rng.choice([7, 8, 9, 9, 10, 11, 13, 14, 15, 16, 17, 19, 20, 21, 23])
                opened = _aware(day, hour, rng.randrange(60))
                if opened > now - timedelta(minutes=20):
                    continue
                roll = rng.random()
                if roll < 0.70:
                    kind, (category, text) = Kind.REPAIR, rng.choice(REPAIRS)
                elif roll < 0.80:
                    kind, (category, text) = Kind.COMPLAINT, rng.choice(COMPLAINTS)
                elif roll < 0.90:
                    kind, (category, text) = Kind.INQUIRY, rng.choice(INQUIRIES)
                elif roll < 0.95:
                    kind, (category, text) = Kind.SUGGESTION, rng.choice(SUGGESTIONS)
                else:
                    kind, (category, text) = Kind.PRAISE, rng.choice(PRAISES)
                house, person = rng.choice(homes)
                common = (
                    kind == Kind.REPAIR
                    and category in ("elevator", "cleaning", "greening")
                    or rng.random() < 0.1
                )
                t = new_ticket(
                    community, kind, category, text, opened, None if common else house, person
                )
                tickets.append(t)
                plans.append((t, index))

    # The demo residents' own story: one awaiting confirmation and rating, one being worked on.
    photographed = []
    for user, person, house in ctx.residents[:3]:
        community = next(c for c in ctx.communities if c.pk == house.community_id)
        t1 = new_ticket(
            community,
            Kind.REPAIR,
            "water",
            "阳台水管接口漏水",
            now - timedelta(hours=20),
            house,
            person,
            "portal",
        )
        t2 = new_ticket(
            community,
            Kind.REPAIR,
            "electricity",
            "卧室插座没电",
            now - timedelta(hours=1),
            house,
            person,
            "portal",
        )
        tickets += [t1, t2]
        plans += [(t1, "resident_resolved"), (t2, "resident_working")]
        photographed.append((t1, user, "leak", "报修照片"))
        photographed.append((t2, user, "tile", "插座面板照片"))  # on a technician's open task
    del resident_homes

    Ticket.objects.bulk_create(tickets, batch_size=500)
    events, visits, items, pauses = [], [], [], []

    def event(t, action, at, actor, before, note="", data=None, public=True):
        events.append(
            TicketEvent(
                organization=org,
                community_id=t.community_id,
                ticket=t,
                action=action,
                from_status=before,
                to_status=t.status,
                actor=actor,
                actor_label=(actor.get_full_name() or actor.username) if actor else "系统",
                note=note,
                data=data or {},
                public=public,
                at=at,
            )
        )

    for t, plan in plans:
        age = now - t.opened_at
        worker = tech2 if t.skill in ("elevator", "gas", "greening") else tech
        manager = managers[0 if plan in (0, "resident_resolved", "resident_working") else 1]
        t.status = "new"
        event(
            t,
            "open",
            t.opened_at,
            agent if t.channel in ("phone", "walk_in") else None,
            "",
            t.description,
            {"channel": t.channel, "priority": t.priority},
        )
        late = rng.random() < 0.12
        if plan == "resident_resolved":
            stage = "resolved"
        elif plan == "resident_working":
            stage = "accepted"
        elif t.kind != Kind.REPAIR:
            stage = (
                "closed" if age > timedelta(days=2) else rng.choice(["new", "resolved", "closed"])
            )
        elif age < timedelta(hours=2):
            stage = rng.choice(["new", "assigned", "accepted"])
        elif age < timedelta(days=1):
            stage = rng.choice(
                ["assigned", "accepted", "in_progress", "waiting", "resolved", "resolved"]
            )
        elif age < timedelta(days=3):
            stage = rng.choice(["in_progress", "resolved", "confirmed", "closed", "closed", "new"])
        else:
            stage = "cancelled" if rng.random() < 0.02 else "closed"
        order = ["new", "assigned", "accepted", "in_progress", "resolved", "confirmed", "closed"]
        target = order.index(stage) if stage in order else (3 if stage == "waiting" else 0)
        clock = t.opened_at
        if stage == "cancelled":
            t.status = "cancelled"
            t.closed_at = clock + timedelta(minutes=30)
            event(t, "cancel", t.closed_at, agent, "new", "住户已自行处理")
            continue
        if t.kind == Kind.REPAIR and target >= 1:
            clock += timedelta(minutes=rng.randint(2, 25))
            t.status, t.assignee, t.assigned_at = "assigned", worker, clock
            event(
                t,
                "assign",
                clock,
                agent,
                "new",
                data={"assignee": worker.get_full_name() or worker.username},
            )
        if t.kind == Kind.REPAIR and target >= 2:
            accept_after = (t.accept_due_at - t.opened_at) * (
                rng.uniform(1.2, 3) if late else rng.uniform(0.2, 0.9)
            )
            clock = max(clock + timedelta(minutes=1), t.opened_at + accept_after)
            t.status, t.accepted_at = "accepted", clock
            event(t, "accept", clock, worker, "assigned")
        if t.kind == Kind.REPAIR and target >= 3:
            arrive_after = (t.arrive_due_at - t.opened_at) * (
                rng.uniform(1.1, 2.5) if late else rng.uniform(0.3, 0.95)
            )
            clock = max(clock + timedelta(minutes=5), t.opened_at + arrive_after)
            if clock > now:
                clock = now - timedelta(minutes=5)
            t.status, t.arrived_at = "in_progress", clock
            event(t, "arrive", clock, worker, "accepted")
        if stage == "waiting":
            t.status, t.paused_from, t.paused_at = (
                "waiting",
                "in_progress",
                clock + timedelta(minutes=10),
            )
            event(t, "wait", t.paused_at, worker, "in_progress", "业主需自购配件，约好明天再来")
            pauses.append(
                TicketPause(
                    organization=org,
                    community_id=t.community_id,
                    ticket=t,
                    started_by=worker,
                    reason="业主需自购配件，约好明天再来",
                    started_at=t.paused_at,
                )
            )
            continue
        if target >= 4:
            resolve_after = (t.resolve_due_at - t.opened_at) * (
                rng.uniform(1.05, 2) if late else rng.uniform(0.1, 0.9)
            )
            clock = max(clock + timedelta(minutes=20), t.opened_at + resolve_after)
            if clock > now:
                clock = now - timedelta(minutes=2)
            t.status, t.resolved_at = "resolved", clock
            t.resolution = rng.choice(RESOLUTIONS) if t.kind == Kind.REPAIR else "已电话答复住户"
            actor = worker if t.kind == Kind.REPAIR else agent
            if t.kind == Kind.REPAIR and rng.random() < 0.15:
                qty = Decimal(rng.choice([1, 1, 2]))
                price = Decimal(rng.choice(["15.00", "35.00", "80.00"]))
                items.append(
                    WorkItem(
                        organization=org,
                        community_id=t.community_id,
                        ticket=t,
                        kind="material",
                        description=rng.choice(["水龙头阀芯", "空气开关", "门锁锁芯", "LED灯泡"]),
                        quantity=qty,
                        unit="个",
                        unit_price=price,
                        amount=qty * price,
                        chargeable=True,
                        created_by=worker,
                        created_at=clock,
                    )
                )
                t.chargeable, t.charge_amount = True, qty * price
            if t.kind == Kind.COMPLAINT:
                t.response = "经核查情况属实，已安排专人处理并加强巡查，感谢您的监督。"
                t.responded_by, t.responded_at = manager, clock
                event(t, "respond", clock, manager, "resolved", t.response)
            event(
                t,
                "resolve",
                clock,
                actor,
                "in_progress" if t.kind == Kind.REPAIR else "new",
                t.resolution,
            )
            visit_due = clock + timedelta(hours=conf.return_visit_hours())
            if rng.random() < 0.06 and t.kind == Kind.REPAIR and target >= 6:
                t.reopen_count = 1
                event(t, "reopen", clock + timedelta(hours=3), None, "resolved", "还是有点漏")
            if target >= 5 and t.kind == Kind.REPAIR:
                t.status, t.confirmed_at = "confirmed", clock + timedelta(hours=rng.randint(1, 8))
                event(t, "confirm", t.confirmed_at, None, "resolved")
            if target >= 5 and rng.random() < 0.65:
                score = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 10, 6, 4])[0]
                t.rating, t.rating_comment = score, rng.choice(COMMENTS[score])
                t.rated_at = (t.confirmed_at or clock) + timedelta(minutes=10)
                event(t, "rate", t.rated_at, None, t.status, t.rating_comment, {"score": score})
            if target >= 6:
                done = visit_due - timedelta(hours=rng.randint(1, 20))
                unhappy = (t.rating or 5) <= 2
                visits.append(
                    ReturnVisit(
                        organization=org,
                        community_id=t.community_id,
                        ticket=t,
                        agent=agent,
                        status="done",
                        due_at=visit_due,
                        created_at=clock,
                        outcome="satisfied" if not unhappy else "unreachable",
                        note="" if not unhappy else "电话无人接听",
                        done_by=agent,
                        done_at=done,
                    )
                )
                event(t, "return-visit", done, agent, t.status, "", {"outcome": "satisfied"})
                before = t.status
                t.status, t.closed_at = "closed", done
                event(t, "close", done, agent, before)
            else:
                # some visits due today, some tomorrow
                visits.append(
                    ReturnVisit(
                        organization=org,
                        community_id=t.community_id,
                        ticket=t,
                        agent=agent,
                        status="pending",
                        created_at=clock,
                        due_at=min(visit_due, now + timedelta(hours=rng.randint(1, 6))),
                    )
                )
    Ticket.objects.bulk_update(
        [t for t, _ in plans],
        [
            "status",
            "assignee",
            "assigned_at",
            "accepted_at",
            "arrived_at",
            "resolved_at",
            "confirmed_at",
            "closed_at",
            "paused_at",
            "paused_from",
            "resolution",
            "rating",
            "rating_comment",
            "rated_at",
            "reopen_count",
            "chargeable",
            "charge_amount",
            "response",
            "responded_by",
            "responded_at",
        ],
        batch_size=500,
    )
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    ReturnVisit.objects.bulk_create(visits, batch_size=500)
    WorkItem.objects.bulk_create(items, batch_size=500)
    # Keep the readable-number counters ahead of the history we wrote.
    for (prefix, community_id, day), last in sequences.items():
        seq, _ = NumberSequence.objects.get_or_create(
            prefix=prefix, community_id=community_id, day=day
        )
        if seq.last < last:
            seq.last = last
            seq.save(update_fields=["last"])
    TicketPause.objects.bulk_create(pauses)
    # Real photos on the residents' leak reports, as their phones would send them.
    for i, (ticket, user, scene, caption) in enumerate(photographed):
        attachments.attach(
            ticket,
            [demo_photos.photo(scene, seed=i)],
            actor=user,
            field="photos",
            caption=caption,
        )
    told = _live_story(ctx, agent, tech, now)
    print(
        f"servicedesk: {len(tickets)} tickets, {len(visits)} return visits, "
        f"{told} live repairs with their messages",
        file=ctx.out,
    )


def _live_story(ctx, agent, tech, now):
    """Repairs the demo residents report now, through the services: their inbox and the
    technician's hold the real messages of each step (派单, 接单, 预约, 完工)."""
    stories = [
        ("water", "卫生间地漏返水，地面有积水", ("assign", "accept", "appoint")),
        ("electricity", "客厅插座没电，空开跳了合不上", ("assign", "accept", "arrive", "resolve")),
    ]
    done = 0
    for (user, person, house), (category, text, steps) in zip(ctx.residents, stories, strict=False):
        try:
            ticket = services.create_ticket(
                actor=user,
                community=house.community,
                kind="repair",
                category=category,
                description=text,
                channel="portal",
                house=house,
                reporter=person,
            )
            for step in steps:
                if step == "assign":
                    ticket = services.assign(actor=agent, ticket=ticket, assignee=tech)
                elif step == "accept":
                    ticket = services.accept(actor=tech, ticket=ticket)
                elif step == "appoint":
                    when = timezone.localtime(now + timedelta(days=1)).replace(hour=10, minute=0)
                    ticket = services.set_appointment(
                        actor=agent, ticket=ticket, appointment_at=when
                    )
                elif step == "arrive":
                    ticket = services.arrive(actor=tech, ticket=ticket)
                elif step == "resolve":
                    ticket = services.resolve(actor=tech, ticket=ticket, note="更换了空气开关")
            done += 1
        except DomainError as error:  # the demo goes on without this story
            print(f"servicedesk: live repair skipped ({error})", file=ctx.out)
    return done
