"""Demo story for facilities and safety (UX.md): lifts with certificates (one expiring soon),
maintenance tasks in every state, an inspection route, patrol nights with a missed checkpoint and a
long gap, hazards at every step, fire extinguishers (one expiring), incidents and drills."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from anju.core import demo_photos
from anju.core.models import Building

from . import services
from .choices import AssetCategory, TaskStatus
from .models import (
    Asset,
    InspectionTask,
    MaintenancePlan,
    MaintenanceTask,
    PatrolShift,
)

LIFT_MAKERS = [
    ("奥的斯", "GeN2-MR", "杭州奥的斯电梯维保有限公司", "0571-86001234"),
    ("日立", "MCA", "日立电梯(中国)杭州分公司", "0571-85002345"),
    ("三菱", "LEHY-III", "上海三菱电梯浙江维保中心", "0571-87003456"),
]


def _aware(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _assets(ctx, community, index, manager):
    rng = ctx.rng
    buildings = list(
        Building.objects.filter(community=community).exclude(name__in=["地下车库", "沿街商铺"])
    )
    rows = []
    n = 0
    for b in buildings:
        for unit in (1, 2):
            n += 1
            maker, model, contractor, phone = LIFT_MAKERS[(n + index) % 3]
            installed = date(2019, 3, 1) + timedelta(days=rng.randrange(200))
            rows.append(
                {
                    "building": b,
                    "place": f"{unit}单元",
                    "code": f"DT-{n:02d}",
                    "name": f"{b.name}{unit}单元客梯",
                    "category": AssetCategory.ELEVATOR,
                    "maker": maker,
                    "model_number": model,
                    "serial_number": f"{maker[:1]}{rng.randrange(10**7):07d}",
                    "installed_on": installed,
                    "warranty_until": installed + timedelta(days=730),
                    "contractor": contractor,
                    "contractor_phone": phone,
                    "expected_life_years": 15,
                }
            )
    others = [
        ("SB-01", "生活水泵 1#", AssetCategory.WATER_PUMP, "地下泵房", "格兰富", 10),
        ("SB-02", "生活水泵 2#", AssetCategory.WATER_PUMP, "地下泵房", "格兰富", 10),
        ("PD-01", "高压配电柜", AssetCategory.POWER, "配电房", "施耐德", 20),
        ("PD-02", "低压配电柜", AssetCategory.POWER, "配电房", "正泰", 20),
        ("XF-01", "火灾自动报警及联动系统", AssetCategory.FIRE_SYSTEM, "消防控制室", "海湾", 12),
        ("XF-02", "消防喷淋系统", AssetCategory.FIRE_SYSTEM, "全小区", "", 20),
        ("JK-01", "监控系统主机", AssetCategory.CCTV, "监控中心", "海康威视", 6),
        ("MJ-01", "东门人行闸机", AssetCategory.ACCESS_GATE, "东门", "捷顺", 8),
        ("MJ-02", "车库道闸", AssetCategory.ACCESS_GATE, "车库入口", "捷顺", 8),
        ("ZM-01", "景观路灯回路", AssetCategory.LIGHTING, "中心花园", "", 10),
    ]
    for code, name, category, place, maker, life in others:
        rows.append(
            {
                "place": place,
                "code": code,
                "name": name,
                "category": category,
                "maker": maker,
                "installed_on": date(2019, 5, 20),
                "expected_life_years": life,
            }
        )
    today = ctx.today
    for i in range(1, 19):
        b = buildings[i % len(buildings)]
        expires = today + timedelta(days=rng.randrange(120, 700))
        if i == 3:
            expires = today + timedelta(days=12)  # one expiring soon
        if i == 7:
            expires = today + timedelta(days=45)
        rows.append(
            {
                "building": b,
                "place": f"{1 + i % 2}单元一楼楼道",
                "code": f"MHQ-{i:02d}",
                "name": "干粉灭火器 MFZ/ABC4",
                "category": AssetCategory.EXTINGUISHER,
                "maker": "淮海消防",
                "installed_on": date(2023, 3, 1),
                "expires_on": expires,
            }
        )
    for i in range(1, 5):
        rows.append(
            {
                "building": buildings[i % len(buildings)],
                "place": "楼前",
                "code": f"XHS-{i:02d}",
                "name": "室外消火栓",
                "category": AssetCategory.HYDRANT,
                "installed_on": date(2019, 5, 1),
                "expires_on": None,
            }
        )
    for row in rows:
        services.create_asset(actor=manager, community=community, **row)
    return list(Asset.objects.filter(community=community))


def _certificates(ctx, community, assets, index, manager):
    today = ctx.today
    rows = []
    lifts = [a for a in assets if a.category == AssetCategory.ELEVATOR]
    for n, lift in enumerate(lifts):
        rows.append(
            {
                "asset": lift,
                "kind": "use_registration",
                "number": f"梯11浙A{index}{n:03d}(19)",
                "authority": "杭州市市场监督管理局"
                if index == 0
                else "上海市浦东新区市场监督管理局",
                "issued_on": lift.installed_on + timedelta(days=20),
            }
        )
        expires = today + timedelta(days=40 + (n * 23) % 300)
        if n == 1:
            expires = today + timedelta(days=18)  # inspection must be requested now
        rows.append(
            {
                "asset": lift,
                "kind": "periodic_inspection",
                "number": f"DT{today.year}-{index}{n:04d}",
                "authority": "特种设备检测研究院",
                "issued_on": expires - timedelta(days=365),
                "expires_on": expires,
            }
        )
    fire = next(a for a in assets if a.category == AssetCategory.FIRE_SYSTEM)
    rows.append(
        {
            "asset": fire,
            "kind": "fire_test",
            "number": f"XFJC-{today.year - 1}-{index}88",
            "authority": "浙江消防检测有限公司",
            "issued_on": today - timedelta(days=300),
            "expires_on": today + timedelta(days=65),
        }
    )
    for row in rows:
        services.add_certificate(actor=manager, **row)
    services.sweep_certificate_expiry(today)


def _maintenance(ctx, community, assets, manager, tech):
    today = ctx.today
    start = today - timedelta(days=35)
    by_cat = {}
    for a in assets:
        by_cat.setdefault(a.category, []).append(a)
    lift_check = [
        {"key": "brake", "label": "制动器动作可靠"},
        {"key": "door", "label": "层门门锁电气触点清洁可靠"},
        {"key": "oil", "label": "曳引机油位", "type": "number", "min": 2, "max": 8, "unit": "cm"},
        {"key": "alarm", "label": "轿厢紧急报警装置有效"},
    ]
    plans = [
        services.create_plan(
            actor=manager,
            community=community,
            name="电梯半月维保 (TSG T5002)",
            category="elevator",
            kind="maintenance",
            frequency="every_n_days",
            interval=15,
            starts_on=start,
            assets=by_cat.get("elevator", []),
            checklist=lift_check,
            assignee=tech,
        ),
        services.create_plan(
            actor=manager,
            community=community,
            name="电梯月度自行检查",
            category="elevator",
            kind="self_check",
            frequency="monthly",
            interval=1,
            starts_on=start + timedelta(days=3),
            assets=by_cat.get("elevator", []),
            checklist=[{"label": "运行平稳无异响"}, {"label": "应急照明有效"}],
            assignee=tech,
        ),
        services.create_plan(
            actor=manager,
            community=community,
            name="灭火器月度检查",
            category="extinguisher",
            kind="monthly_check",
            frequency="monthly",
            interval=1,
            starts_on=start + timedelta(days=5),
            assets=by_cat.get("extinguisher", []),
            checklist=[{"label": "压力表指针在绿区"}, {"label": "铅封完好"}],
            assignee=tech,
        ),
        services.create_plan(
            actor=manager,
            community=community,
            name="生活水泵季度保养",
            category="water_pump",
            kind="maintenance",
            frequency="quarterly",
            interval=1,
            starts_on=start + timedelta(days=20),
            assets=by_cat.get("water_pump", []),
            checklist=[
                {"label": "轴承润滑"},
                {"label": "出水压力", "type": "number", "min": 0.3, "max": 0.6, "unit": "MPa"},
            ],
            assignee=tech,
        ),
        services.create_plan(
            actor=manager,
            community=community,
            name="建筑消防设施年度全面检测",
            category="fire_system",
            kind="full_test",
            frequency="yearly",
            interval=1,
            starts_on=today + timedelta(days=65),
            assets=by_cat.get("fire_system", []),
            checklist=[{"label": "第三方检测报告已归档"}],
        ),
    ]
    services.generate_tasks(
        actor=manager,
        today=start,
        until=today + timedelta(days=35),
        plans=MaintenancePlan.objects.filter(pk__in=[p.pk for p in plans]),
    )
    past = list(
        MaintenanceTask.objects.filter(plan__in=plans, due_on__lt=today)
        .select_related("plan", "asset")
        .order_by("due_on", "pk")
    )
    rng = ctx.rng
    failed_done = False
    for i, task in enumerate(past):
        if i % 11 == 5:
            continue  # left undone -> overdue below, one ticket each
        answers = {}
        for item in task.plan.checklist:
            answers[item["key"]] = (
                "5"
                if item.get("type") == "number" and "oil" in item["key"]
                else ("0.45" if item.get("type") == "number" else True)
            )
        if not failed_done and task.plan.category == "elevator" and i > 3:
            answers["brake"] = False
            failed_done = True
        services.complete_task(
            task,
            actor=tech,
            answers=answers,
            readings={"运行次数": str(rng.randrange(20000, 90000))},
            notes="" if answers.get("brake", True) else "制动器闸瓦磨损，已报修更换",
        )
        done_at = _aware(task.due_on, 9 + rng.randrange(8), rng.randrange(60))
        MaintenanceTask.objects.filter(pk=task.pk).update(
            completed_at=done_at, started_at=done_at - timedelta(minutes=40)
        )
    services.sweep_overdue_tasks(today)
    todays = MaintenanceTask.objects.filter(
        plan__in=plans, due_on__gte=today, status=TaskStatus.SCHEDULED
    ).first()
    if todays is not None:
        services.start_task(todays, actor=tech)
    later = MaintenanceTask.objects.filter(
        plan__in=plans, due_on__gt=today, status=TaskStatus.SCHEDULED
    ).last()
    if later is not None:
        services.cancel_task(later, actor=manager, reason="与年检日期冲突，改期")


def _inspection(ctx, community, assets, manager, worker):
    today = ctx.today
    pump = next(a for a in assets if a.category == AssetCategory.WATER_PUMP)
    power = next(a for a in assets if a.category == AssetCategory.POWER)
    route = services.create_inspection_route(
        actor=manager,
        community=community,
        name="设备房日常巡检",
        points=[
            {
                "name": "生活水泵房",
                "asset": pump,
                "offset_minutes": 0,
                "tolerance_minutes": 15,
                "checklist": [
                    {"key": "leak", "label": "无漏水、无异响"},
                    {
                        "key": "pressure",
                        "label": "出水压力",
                        "type": "number",
                        "min": 0.3,
                        "max": 0.6,
                        "unit": "MPa",
                    },
                ],
            },
            {
                "name": "配电房",
                "asset": power,
                "offset_minutes": 30,
                "tolerance_minutes": 15,
                "checklist": [{"key": "temp", "label": "室温正常、无焦味"}],
            },
            {
                "name": "消防控制室",
                "place": "物业中心一楼",
                "offset_minutes": 60,
                "tolerance_minutes": 15,
                "checklist": [
                    {"key": "panel", "label": "报警主机无故障信号"},
                    {"key": "duty", "label": "值班记录完整"},
                ],
            },
        ],
    )
    plan = services.create_inspection_plan(
        actor=manager,
        route=route,
        shift_name="早班",
        start_time=time(8, 30),
        duration_minutes=120,
        assignee=worker,
    )
    services.generate_inspection_tasks(
        first_day=today - timedelta(days=7), last_day=today + timedelta(days=1)
    )
    points = list(route.points.order_by("order"))
    for task in InspectionTask.objects.filter(plan=plan, day__lt=today).order_by("day"):
        offset = (task.day - today).days
        for point in points:
            if offset == -3 and point.order == 3:
                continue  # a point left out: the round ends overdue
            if offset == -6:
                break  # a round nobody walked: missed
            scanned = task.starts_at + timedelta(
                minutes=point.offset_minutes + ctx.rng.randrange(-5, 20)
            )
            answers = {"leak": True, "pressure": "0.42", "temp": True, "panel": True, "duty": True}
            if offset == -2 and point.order == 1:
                answers = {"leak": False, "pressure": "0.25"}
            services.check_in(
                actor=worker,
                point=point,
                task=task,
                scanned_at=scanned,
                answers={
                    k: v for k, v in answers.items() if k in {i["key"] for i in point.checklist}
                },
                note="泵体法兰渗水" if offset == -2 and point.order == 1 else "",
            )
    services.sweep_inspection_tasks(timezone.now())


def _cleaning_inspection(ctx, community, manager, cleaner):
    """The cleaner's own round: public areas checked twice a day, today's points still to do."""
    route = services.create_inspection_route(
        actor=manager,
        community=community,
        name="公共区域保洁巡查",
        kind="cleaning",
        points=[
            {
                "name": "1号楼大堂",
                "place": "1号楼一楼",
                "offset_minutes": 0,
                "tolerance_minutes": 20,
                "checklist": [
                    {"key": "floor", "label": "地面干净无水渍"},
                    {"key": "glass", "label": "门窗玻璃无污渍"},
                ],
            },
            {
                "name": "地下车库电梯厅",
                "place": "B1",
                "offset_minutes": 30,
                "tolerance_minutes": 20,
                "checklist": [{"key": "bins", "label": "垃圾桶已清运"}],
            },
            {
                "name": "垃圾分类投放点",
                "place": "北门",
                "offset_minutes": 60,
                "tolerance_minutes": 20,
                "checklist": [{"key": "sorted", "label": "分类投放点整洁、无满溢"}],
            },
        ],
    )
    for shift_name, start in (("上午", time(9, 0)), ("下午", time(15, 0))):
        services.create_inspection_plan(
            actor=manager,
            route=route,
            shift_name=shift_name,
            start_time=start,
            duration_minutes=90,
            assignee=cleaner,
        )
    services.generate_inspection_tasks(first_day=ctx.today, last_day=ctx.today + timedelta(days=1))


def _patrol(ctx, community, manager, guard):
    today = ctx.today
    rng = ctx.rng
    route = services.create_patrol_route(
        actor=manager,
        community=community,
        name="夜间外围巡更",
        idle_minutes=60,
        checkpoints=[
            {
                "name": "东门岗亭",
                "place": "东门",
                "opens_after_minutes": 0,
                "closes_after_minutes": 30,
            },
            {
                "name": "地下车库B1",
                "place": "车库",
                "opens_after_minutes": 30,
                "closes_after_minutes": 70,
            },
            {
                "name": "3幢后侧围墙",
                "place": "北围墙",
                "opens_after_minutes": 70,
                "closes_after_minutes": 110,
            },
            {
                "name": "中心花园",
                "place": "花园",
                "opens_after_minutes": 110,
                "closes_after_minutes": 150,
            },
            {
                "name": "北门",
                "place": "北门",
                "opens_after_minutes": 150,
                "closes_after_minutes": 180,
            },
        ],
    )
    checkpoints = list(route.checkpoints.order_by("order"))
    for back in range(14, 0, -1):
        day = today - timedelta(days=back)
        shift = services.create_shift(
            actor=manager,
            route=route,
            guard=guard,
            name="夜班",
            starts_at=_aware(day, 22),
            ends_at=_aware(day, 22) + timedelta(hours=3),
        )
        planned = []
        for cp in checkpoints:
            if back == 2 and cp.order == 3:
                continue  # a missed checkpoint two nights ago
            if back == 5 and cp.order in (3, 4):
                continue  # a long gap: possible sleeping
            minute = cp.opens_after_minutes + rng.randrange(2, 28)
            if back == 9 and cp.order == 2:
                minute = cp.closes_after_minutes + 6  # late
            planned.append((shift.starts_at + timedelta(minutes=minute), cp))
        for step in range(0, 200, 5):
            now = shift.starts_at + timedelta(minutes=step)
            while planned and planned[0][0] <= now:
                when, cp = planned.pop(0)
                services.record_scan(
                    actor=guard,
                    checkpoint=cp,
                    scanned_at=when,
                    by=guard,
                    now=when + timedelta(seconds=rng.randrange(2, 40)),
                    client_id=f"demo-{shift.pk}-{cp.pk}",
                )
            services.sweep_patrols(now=now)
    # Today's day shift is running: the first checkpoint was missed.
    now = timezone.now()
    current = services.create_shift(
        actor=manager,
        route=route,
        guard=guard,
        name="白班",
        starts_at=now - timedelta(minutes=75),
        ends_at=now + timedelta(minutes=105),
    )
    services.record_scan(
        actor=guard,
        checkpoint=checkpoints[1],
        scanned_at=now - timedelta(minutes=38),
        by=guard,
        now=now - timedelta(minutes=38),
    )
    services.sweep_patrols(now=now)
    return current


def _safety(ctx, community, manager, tech, guard):
    today = ctx.today
    now = timezone.now()
    b = Building.objects.filter(community=community).first()
    h1 = services.report_hazard(
        actor=guard,
        community=community,
        category="fire",
        severity="high",
        building=b,
        place=f"{b.name}2单元楼道",
        description="楼道内电动车充电，飞线拉至屋内",
        responsible=tech,
        deadline=today,
        found_at=now - timedelta(days=1, hours=3),
        photos=[demo_photos.photo("stair", seed=1)],
    )
    services.rectify_hazard(
        h1, actor=tech, rectification="已劝离电动车并拆除飞线，张贴禁止楼道充电告示"
    )
    h2 = services.report_hazard(
        actor=guard,
        community=community,
        category="electrical",
        severity="medium",
        place="地下车库配电箱",
        description="配电箱门锁损坏，箱门无法关闭",
        responsible=tech,
        deadline=today + timedelta(days=2),
        found_at=now - timedelta(hours=5),
    )
    h3 = services.report_hazard(
        actor=guard,
        community=community,
        category="structural",
        severity="low",
        place="3幢外立面",
        description="外墙瓷砖空鼓，有脱落风险",
        responsible=tech,
        deadline=today + timedelta(days=20),
        found_at=now - timedelta(days=12),
        photos=[demo_photos.photo("tile", seed=3), demo_photos.photo("tile", seed=4)],
    )
    services.report_hazard(
        actor=guard,
        community=community,
        category="traffic",
        severity="low",
        place="东门车道",
        description="减速带螺丝松动",
        responsible=tech,
        deadline=today + timedelta(days=1),
        found_at=now - timedelta(days=2),
    )
    from .models import Hazard

    Hazard.objects.filter(pk=h3.pk).update(deadline=today - timedelta(days=3))
    services.sweep_overdue_hazards(today)
    h4 = services.report_hazard(
        actor=guard,
        community=community,
        category="public_order",
        severity="low",
        place="中心花园",
        description="夜间照明不足",
        responsible=tech,
        deadline=today + timedelta(days=5),
        found_at=now - timedelta(days=25),
    )
    services.rectify_hazard(h4, actor=tech, rectification="更换4盏LED庭院灯")
    services.verify_hazard(h4, actor=manager, passed=True)
    services.close_hazard(h4, actor=manager)
    del h2

    incident = services.open_incident(
        actor=guard,
        community=community,
        kind="fire",
        place="5幢架空层",
        description="有住户在架空层焚烧杂物，烟雾较大",
        occurred_at=now - timedelta(days=3, hours=2),
    )
    base = incident.occurred_at
    services.record_incident_step(
        incident,
        actor=guard,
        step="stop",
        at=base + timedelta(minutes=4),
        note="秩序维护员到场劝阻，用灭火器扑灭余火",
    )
    services.record_incident_step(
        incident,
        actor=guard,
        step="report",
        at=base + timedelta(minutes=9),
        authority="文新派出所 / 西湖区消防救援大队",
        note="拨打119、110报告并拍照留存",
    )
    services.record_incident_step(
        incident,
        actor=guard,
        step="assist",
        at=base + timedelta(minutes=40),
        note="配合消防人员调取监控，提供当事人住址",
    )
    services.close_incident(incident, actor=manager)
    open_one = services.open_incident(
        actor=guard,
        community=community,
        kind="public_order",
        place="东门",
        description="外来人员强行尾随进入小区发放小广告",
        occurred_at=now - timedelta(hours=2),
    )
    services.record_incident_step(
        open_one,
        actor=guard,
        step="stop",
        at=now - timedelta(hours=1, minutes=50),
        note="劝离并登记，广告已清理",
    )

    held = services.plan_drill(
        actor=manager,
        community=community,
        kind="fire_drill",
        title="秋季消防疏散演练",
        planned_at=now - timedelta(days=20),
        place="中心广场",
    )
    services.record_drill(
        held,
        actor=manager,
        held_at=now - timedelta(days=20),
        summary="参加住户与员工共46人，疏散用时4分10秒；演示灭火器使用。",
        attendees=["陈立新", "刘振华", "王德明", "赵永强", "张桂英", "业主代表 黄志远"],
        follow_ups=[
            {"text": "3幢应急照明灯2盏不亮，更换", "due_on": str(today)},
            "增加楼道禁止堆物宣传",
        ],
    )
    services.complete_follow_up(held, actor=manager, index=1)
    services.plan_drill(
        actor=manager,
        community=community,
        kind="elevator_rescue",
        title="电梯困人应急救援演练",
        planned_at=now + timedelta(days=6),
        place="1幢1单元",
    )
    services.plan_drill(
        actor=manager,
        community=community,
        kind="training",
        title="新员工消防安全培训",
        planned_at=now + timedelta(days=10),
        place="物业中心会议室",
    )


def build(ctx):
    staff = ctx.staff
    a, b = ctx.communities
    for index, (community, manager) in enumerate(((a, staff["manager"]), (b, staff["manager2"]))):
        assets = _assets(ctx, community, index, manager)
        _certificates(ctx, community, assets, index, manager)
        _maintenance(
            ctx, community, assets, manager, staff["tech"] if index == 0 else staff["tech"]
        )
        if index == 0:
            _inspection(ctx, community, assets, manager, staff["tech"])
            _cleaning_inspection(ctx, community, manager, staff["cleaner"])
            _patrol(ctx, community, manager, staff["guard"])
            _safety(ctx, community, manager, staff["tech2"], staff["guard"])
    ctx.out.write(
        f"Facilities: {Asset.objects.filter(organization=ctx.organization).count()} assets, "
        f"{MaintenanceTask.objects.filter(organization=ctx.organization).count()} maintenance tasks, "
        f"{PatrolShift.objects.filter(organization=ctx.organization).count()} patrol shifts.\n"
    )
