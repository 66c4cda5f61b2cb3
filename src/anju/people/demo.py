"""Demo: the first community's people on record with their licences (王师傅's lift licence
expiring within the month), the suggested licence requirements switched on, a fire-safety
session with its quiz, four weeks of clock-ins against the duty roster with a few late ones, a
pending clock correction, two people who left (with exit interviews), a care talk and staff
suggestions."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from anju.servicedesk import selectors as desk
from anju.servicedesk import services as desk_services

from . import services
from .choices import CertificateKind, ClockKind, CourseTopic, Employment, Position

CENTRE = {0: ("30.274100", "120.155100"), 1: ("31.230400", "121.473700")}

PEOPLE = [  # login, name, position, years employed, contractor
    ("manager", "陈立新", Position.MANAGER, 6, ""),
    ("agent", "李晓雯", Position.AGENT, 3, ""),
    ("tech", "王德明", Position.TECHNICIAN, 8, ""),
    ("tech2", "赵永强", Position.TECHNICIAN, 2, ""),
    ("guard", "刘振华", Position.GUARD, 1, "安邦保安服务有限公司"),
    ("cleaner", "张桂英", Position.CLEANER, 4, "洁美保洁服务有限公司"),
]

QUIZ = [
    {
        "question": "发现火情首先应当？",
        "options": ["立即报警并疏散", "先拍照", "继续工作"],
        "answer": 0,
    },
    {
        "question": "干粉灭火器使用前应？",
        "options": ["拔掉保险销", "倒置摇晃三分钟", "加水"],
        "answer": 0,
    },
    {"question": "消防通道可以堆放杂物吗？", "options": ["可以", "不可以"], "answer": 1},
    {
        "question": "消防控制室值班应？",
        "options": ["持证上岗、24小时值班", "白天有人即可"],
        "answer": 0,
    },
]


def _aware(day, hour=0, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build(ctx):
    today = ctx.today
    admin, manager = ctx.staff["admin"], ctx.staff["manager"]
    community = ctx.communities[0]
    services.adopt_suggested_requirements(actor=admin, organization=ctx.organization)
    for index, place in enumerate(ctx.communities[:2]):
        lat, lng = CENTRE.get(index, CENTRE[0])
        services.set_site(actor=admin, community=place, latitude=lat, longitude=lng, radius_m=300)
    people = {}
    for login, name, position, years, contractor in PEOPLE:
        hired = today - timedelta(days=365 * years + 40)
        people[login] = services.hire(
            actor=admin,
            community=community,
            user=ctx.staff.get(login),
            name=name,
            position=position,
            employment=Employment.OUTSOURCED if contractor else Employment.OWN,
            contractor=contractor,
            hire_date=hired,
            probation_end=hired + timedelta(days=90),
            emergency_contact="家属",
        )
    cook = services.hire(
        actor=admin,
        community=community,
        name="何春花",
        position=Position.COOK,
        hire_date=today - timedelta(days=400),
        probation_end=today - timedelta(days=310),
    )
    certificates = [
        (people["tech"], CertificateKind.ELECTRICIAN, "T330106197805", 900),
        (people["tech"], CertificateKind.LIFT, "TS3301-2021-0417", 25),  # expiring this month
        (people["tech2"], CertificateKind.LIFT, "TS3301-2024-1093", 1000),
        (people["tech2"], CertificateKind.ELECTRICIAN, "T330106199104", 1500),
        (people["guard"], CertificateKind.SECURITY_GUARD, "浙保3301202400871", None),
        (people["manager"], CertificateKind.FIRE_OPERATOR, "3301202300456", 1200),
        (cook, CertificateKind.HEALTH, "杭健2026-07781", 200),
    ]
    for employee, kind, number, days in certificates:
        expires = today + timedelta(days=days) if days else None
        issued = (expires or today) - timedelta(days=365 * 4 if days and days > 365 else 300)
        services.add_certificate(
            actor=admin,
            employee=employee,
            kind=kind,
            number=number,
            issuer="杭州市市场监督管理局" if kind == CertificateKind.LIFT else "",
            issued_on=min(issued, today - timedelta(days=30)),
            expires_on=expires,
        )
    for login in ("tech2", "guard"):
        for key in ("company", "duties", "safety", "service"):
            services.tick_onboarding(actor=manager, employee=people[login], item=key)

    # Training: a fire-safety course and last month's session with its quiz.
    fire = services.create_course(
        actor=admin,
        organization=ctx.organization,
        title="消防安全与灭火器使用",
        topic=CourseTopic.FIRE,
        pass_mark=75,
        quiz=QUIZ,
        yearly_for=[Position.GUARD, Position.TECHNICIAN, Position.CLEANER],
    )
    services.create_course(
        actor=admin,
        organization=ctx.organization,
        title="服务礼仪与沟通话术",
        topic=CourseTopic.ETIQUETTE,
        yearly_for=[Position.AGENT, Position.MANAGER],
    )
    session = services.hold_session(
        actor=manager,
        community=community,
        course=fire,
        held_on=today - timedelta(days=20),
        trainer="市消防支队 周教官",
    )
    for login, answers in (
        ("guard", [0, 0, 1, 0]),
        ("tech2", [0, 0, 1, 1]),
        ("cleaner", [0, 1, 0, 1]),
    ):
        services.record_attendance(
            actor=manager, session=session, employee=people[login], answers=answers
        )

    # Four weeks of roster behind this week (copied through the service desk), then clocks.
    monday = today - timedelta(days=today.weekday())
    for weeks in (1, 2, 3, 4):
        desk_services.copy_duty_week(
            actor=manager,
            community=community,
            from_day=monday,
            to_day=monday - timedelta(weeks=weeks),
        )
    lat, lng = CENTRE[0]
    now = timezone.now()
    clockers = {people[k].user_id: people[k] for k in ("manager", "agent", "tech2")}
    shifts = desk.duty_shifts(
        community.pk, list(clockers), _aware(monday - timedelta(weeks=4)), now
    )
    late = 0
    for n, shift in enumerate(s for s in shifts if s.ends_at < now - timedelta(hours=1)):
        user = shift.user
        if n % 17 == 5:
            continue  # forgot to clock: absent, or a correction below
        minutes = ctx.rng.randint(-12, 3)
        if n % 11 == 3:
            minutes, late = ctx.rng.randint(8, 25), late + 1
        services.clock(
            actor=user,
            kind=ClockKind.IN,
            lat=lat,
            lng=lng,
            at=shift.starts_at + timedelta(minutes=minutes),
        )
        services.clock(
            actor=user,
            kind=ClockKind.OUT,
            lat=lat,
            lng=lng,
            at=shift.ends_at + timedelta(minutes=ctx.rng.randint(0, 20)),
        )
    services.request_correction(
        actor=ctx.staff["agent"],
        kind=ClockKind.OUT,
        at=now - timedelta(days=2, hours=3),
        reason="手机没电，下班忘记打卡，值班记录可查。",
    )

    # Two people who left, with exit interviews; a care talk.
    for name, position, days, left_days, reason, note in (
        ("马小龙", Position.GUARD, 70, 15, "pay", "同行待遇高出五百元，夜班补贴少。"),
        ("孙丽", Position.CLEANER, 500, 40, "workload", "两栋楼一个人做，太累。"),
    ):
        gone = services.hire(
            actor=admin,
            community=community,
            name=name,
            position=position,
            hire_date=today - timedelta(days=days),
            probation_end=today - timedelta(days=days - 90),
        )
        services.separate(
            actor=manager, employee=gone, on=today - timedelta(days=left_days), reason=reason
        )
        services.record_exit_interview(
            actor=manager, employee=gone, reasons=[reason], note=note, would_return=reason == "pay"
        )
    services.record_care_talk(
        actor=manager,
        employee=people["guard"],
        notes="夜班多，家里孩子小，想调整班次。",
        follow_up="与保安公司协调每周最多两个夜班",
        follow_up_due=today + timedelta(days=14),
    )

    # Staff suggestions: one adopted and done with a reward, one waiting, one not adopted.
    adopted = services.submit_suggestion(
        actor=ctx.staff["tech2"],
        title="水泵房加装水位报警",
        body="二次供水水箱水位低时自动短信提醒值班技工，避免停水投诉。",
    )
    services.answer_suggestion(
        actor=manager, suggestion=adopted, adopt=True, answer="采纳，本月实施。", reward="200.00"
    )
    services.complete_suggestion(actor=manager, suggestion=adopted)
    services.submit_suggestion(
        actor=ctx.staff["guard"], title="地库出口加装凸面镜", body="B1出口转弯视线差，易刮碰。"
    )
    declined = services.submit_suggestion(
        actor=ctx.staff["cleaner"], title="垃圾房改为24小时开放", body="方便晚归住户投放。"
    )
    services.answer_suggestion(
        actor=manager,
        suggestion=declined,
        adopt=False,
        answer="按垃圾分类定时定点投放规定暂不调整，将增设临时投放点。",
    )
    # 主任季度考核 of last quarter, beside the community's measures.
    this_quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last = this_quarter - timedelta(days=1)
    services.record_review(
        actor=admin,
        community=community,
        manager=manager,
        quarter=f"{last.year}-Q{(last.month - 1) // 3 + 1}",
        leadership=4,
        service=5,
        safety=4,
        team=3,
        comment="服务满意度稳步提升；保安流失偏高，需关注夜班排班与待遇。",
    )
    ctx.out.write(
        f"People: {len(PEOPLE) + 3} employees, {len(certificates)} licences, "
        f"clock-ins for {len(shifts)} shifts ({late} late), 2 separations, 3 suggestions.\n"
    )
