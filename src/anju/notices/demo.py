"""Demo story for notices: a 停水 notice most people have read, warm reminders (one published,
some waiting for approval), an event and a 公示, a staff notice, a quarterly survey with results
and last quarter for comparison, suggestions with replies and a 座谈会 with action items."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from anju.core.models import Occupancy

from . import services
from .choices import QuestionKind
from .models import (
    Answer,
    Notice,
    NoticeReceipt,
    ReminderProposal,
    SolarTerm,
    Survey,
    SurveyResponse,
)

TEXTS = [
    "电梯高峰期等待时间较长，希望增加检修频次",
    "保洁阿姨很负责，楼道很干净",
    "地下车库照明不足",
    "希望增加电动车充电桩",
    "门岗对外来人员登记不严",
    "绿化带杂草较多，需要及时修剪",
    "物业费收支希望每季度公示",
    "报修后师傅当天就来了，很满意",
    "小区夜间噪音扰民，希望加强管理",
    "快递柜数量不够",
]


def _aware(day, hour=9, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _backdate(notice, when):
    Notice.objects.filter(pk=notice.pk).update(
        published_at=when, created_at=when - timedelta(hours=2)
    )
    NoticeReceipt.objects.filter(notice=notice).update(delivered_at=when)


def _read_some(notice, rng, share, when):
    ids = list(NoticeReceipt.objects.filter(notice=notice).values_list("pk", flat=True))
    chosen = [i for i in ids if rng.random() < share]
    for index, pk in enumerate(chosen):
        NoticeReceipt.objects.filter(pk=pk).update(
            read_at=when + timedelta(minutes=5 + index * 7 % 2880)
        )


def _notices(ctx, community, manager):
    rng, today = ctx.rng, ctx.today
    outage = services.create_notice(
        actor=manager,
        community=community,
        kind="outage",
        pinned=True,
        title="停水通知：12月1日 9:00-17:00 二次供水水箱清洗",
        body=f"尊敬的{community.name}业主/住户：\n为保障饮用水卫生，我司将于12月1日9:00-17:00对二次供水水箱进行清洗消毒，"
        "期间小区全部楼栋停水。请提前做好储水准备，恢复供水初期如有浑浊请放水片刻。\n给您带来不便，敬请谅解！",
    )
    services.publish_notice(actor=manager, notice=outage)
    _backdate(outage, _aware(today - timedelta(days=3), 10))
    _read_some(outage, rng, 0.68, _aware(today - timedelta(days=3), 10))

    event = services.create_notice(
        actor=manager,
        community=community,
        kind="event",
        title="邻里节：周六上午中心花园义诊和旧物交换",
        body="欢迎业主朋友参加邻里节，社区医院医生现场义诊量血压，旧物交换区请带上闲置物品。",
    )
    services.publish_notice(actor=manager, notice=event)
    _backdate(event, _aware(today - timedelta(days=9), 15))
    _read_some(event, rng, 0.45, _aware(today - timedelta(days=9), 15))

    publicity = services.create_notice(
        actor=manager,
        community=community,
        kind="publicity",
        title="2026年第三季度公共收益收支情况公示",
        body="本季度电梯广告、停车场地租金等公共收益共计 86,420.00 元，支出明细见附件，公示期 15 天。",
    )
    services.publish_notice(actor=manager, notice=publicity)
    _backdate(publicity, _aware(today - timedelta(days=20), 9))
    _read_some(publicity, rng, 0.52, _aware(today - timedelta(days=20), 9))
    services.archive_notice(actor=manager, notice=publicity)

    staff = services.create_notice(
        actor=manager,
        community=community,
        audience_kind="staff",
        staff_roles=["technician", "guard", "cleaner"],
        title="寒潮来临前公共区域防冻检查安排",
        body="请维修、秩序维护和保洁班组本周五前完成室外管道、消防水泵房的防冻检查。",
    )
    services.publish_notice(actor=manager, notice=staff)

    scheduled = services.create_notice(
        actor=manager,
        community=community,
        kind="notice",
        title="消防演练通知",
        body="12月5日上午10:00在3幢前广场举行消防疏散演练，届时警报鸣响，请勿惊慌。",
    )
    services.schedule_notice(
        actor=manager, notice=scheduled, publish_at=_aware(today + timedelta(days=2), 8)
    )
    services.create_notice(
        actor=manager,
        community=community,
        kind="notice",
        title="（草稿）春节期间物业服务安排",
        body="春节期间客服中心值班时间……",
    )


def _reminders(ctx, community, manager):
    today = ctx.today
    term = SolarTerm.objects.filter(name="立冬", year=today.year).first()
    if term is not None and term.date < today:
        services.run_engine(today=term.date - timedelta(days=3), communities=[community])
        proposal = ReminderProposal.objects.filter(
            community=community, template__key="winter-cold"
        ).first()
        if proposal is not None:
            proposal = services.approve_proposal(actor=manager, proposal=proposal)
            when = _aware(term.date - timedelta(days=3), 9)
            _backdate(proposal.notice, when)
            _read_some(proposal.notice, ctx.rng, 0.58, when)
            ReminderProposal.objects.filter(pk=proposal.pk).update(decided_at=when)
        ReminderProposal.objects.filter(community=community, status="proposed").update(
            status="dismissed"
        )
    services.record_weather(
        actor=manager,
        community=community,
        day=today + timedelta(days=1),
        max_temp=4,
        min_temp=-3,
        conditions=["cold"],
    )
    services.create_policy_change(
        actor=manager,
        community=community,
        title="《生活垃圾分类管理办法》新规",
        summary="厨余垃圾定时定点投放，大件垃圾需预约清运",
        effective_on=today + timedelta(days=5),
    )
    services.run_engine(today=today, communities=[community])


def _answers(survey, response, rng, mood):
    """Drawn answers, built and checked as the survey service builds a resident's."""
    rows = []
    for q in survey.questions.all():
        if q.kind == QuestionKind.RATING:
            raw = {"value": max(1, min(5, round(rng.gauss(mood, 0.9))))}
        elif q.kind == QuestionKind.NPS:
            raw = {"value": max(0, min(10, round(rng.gauss(mood * 2, 1.8))))}
        elif q.kind == QuestionKind.MULTIPLE:
            raw = {"choices": sorted(rng.sample(range(len(q.options)), 2))}
        elif rng.random() < 0.3:
            raw = {"text": rng.choice(TEXTS)}
        else:
            continue
        row = services.answer_row(survey, q, raw, survey.anonymous)
        row.response = response
        rows.append(row)
    return rows


def _survey(ctx, community, manager, year, quarter, mood, share, close):
    rng = ctx.rng
    survey = services.create_quarterly_survey(
        actor=manager, community=community, year=year, quarter=quarter
    )
    survey = services.open_survey(actor=manager, survey=survey)
    start = _aware(ctx.today - timedelta(days=100 if close else 12), 9)
    Survey.objects.filter(pk=survey.pk).update(opens_at=start)
    skip = {house.pk for _user, _person, house in ctx.residents}
    invited = [h for h in survey.invitations.values_list("house_id", flat=True) if h not in skip]
    owners = dict(
        Occupancy.objects.filter(house_id__in=invited, relation="owner").values_list(
            "house_id", "person_id"
        )
    )
    responses = [
        SurveyResponse(
            organization_id=survey.organization_id,
            community_id=survey.community_id,
            survey=survey,
            house_id=h,
            person_id=owners.get(h),
            submitted_at=start + timedelta(hours=rng.randrange(24 * 10)),
        )
        for h in invited
        if rng.random() < share
    ]
    SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    answers = []
    for response in responses:
        answers += _answers(survey, response, rng, mood)
    Answer.objects.bulk_create(answers, batch_size=2000)
    Survey.objects.filter(pk=survey.pk).update(response_count=len(responses))
    survey.refresh_from_db()
    if close:
        services.close_survey(actor=manager, survey=survey, now=start + timedelta(days=20))
    return survey


def _voice(ctx, community, manager, agent):
    today = ctx.today
    residents = [(u, p, h) for u, p, h in ctx.residents if h.community_id == community.pk]
    asks = [
        (
            "北门增设电动车充电桩",
            "晚上充电位经常满，希望增加充电口",
            "facilities",
            "已在北门新增10个充电口，12月起投入使用。",
        ),
        (
            "3幢前绿化修剪",
            "树枝挡住二楼窗户，采光不好",
            "greening",
            "绿化班组已于周三完成修剪，感谢反馈。",
        ),
        ("快递柜不够用", "晚上下班经常没有空格口", None, None),
        ("地库出口减速带", "出口坡道车速过快，建议增设减速带", "security", None),
    ]
    for index, (title, body, dimension, reply) in enumerate(asks):
        actor = residents[index % len(residents)][0] if residents else manager
        suggestion = services.submit_suggestion(
            actor=actor,
            community=community,
            title=title,
            body=body,
            anonymous=index == 2,
            dimension=dimension or "overall",
        )
        if reply:
            services.reply_suggestion(actor=agent, suggestion=suggestion, reply=reply)
    meeting = services.create_meeting(
        actor=manager,
        community=community,
        title="2026年第四季度业主座谈会",
        held_at=_aware(today - timedelta(days=6), 19),
        place="物业服务中心二楼会议室",
        attendees=[
            {"name": "黄志远", "role": "业委会主任"},
            {"name": "陈立新", "role": "小区主任"},
            {"name": "李晓雯", "role": "客服主管"},
        ]
        + [{"name": p.name, "role": "业主", "person": p} for _u, p, _h in residents[:2]],
    )
    services.record_minutes(
        actor=manager,
        meeting=meeting,
        minutes=(
            "一、业主反映电动车充电难，物业承诺12月中旬前在北门增设充电桩；\n"
            "二、地下车库照明不足，年底前更换为LED灯；\n三、冬季防冻：物业对室外管道进行包裹保温；\n"
            "四、业主建议每季度公示公共收益，物业同意在公告栏和App同步公示。"
        ),
    )
    done = services.add_action_item(
        actor=manager,
        meeting=meeting,
        title="室外管道防冻包裹",
        owner=ctx.staff["tech"],
        due_on=today - timedelta(days=2),
    )
    services.close_action_item(actor=manager, item=done, resolution="已完成1-6幢室外管道包裹")
    services.add_action_item(
        actor=manager,
        meeting=meeting,
        title="北门增设电动车充电桩",
        owner=ctx.staff["tech2"],
        due_on=today + timedelta(days=14),
    )
    services.add_action_item(
        actor=manager,
        meeting=meeting,
        title="地下车库照明更换LED",
        owner=ctx.staff["tech"],
        due_on=today - timedelta(days=1),
    )
    services.create_meeting(
        actor=manager,
        community=community,
        title="春节前安全工作座谈会",
        held_at=_aware(today + timedelta(days=20), 19),
        place="物业服务中心",
    )


def build(ctx):
    manager, agent = ctx.staff["manager"], ctx.staff["agent"]
    a, b = ctx.communities
    year, quarter = ctx.today.year, (ctx.today.month - 1) // 3 + 1
    prev_year, prev_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    for community, boss, mood in ((a, manager, 3.9), (b, ctx.staff["manager2"], 3.6)):
        _notices(ctx, community, boss)
        _reminders(ctx, community, boss)
        _survey(ctx, community, boss, prev_year, prev_quarter, mood - 0.3, 0.55, close=True)
        _survey(ctx, community, boss, year, quarter, mood, 0.48, close=False)
    _voice(ctx, a, manager, agent)
    # Two residents with logins answer for themselves; one is unhappy with repairs (a follow-up ticket).
    current = Survey.objects.filter(community=a, period=f"{year}Q{quarter}").first()
    for index, (user, _person, house) in enumerate(
        r for r in ctx.residents if r[2].community_id == a.pk
    ):
        if index > 0 or current is None:
            break
        rows = []
        for q in current.questions.all():
            if q.kind == "rating":
                rows.append({"question": q.pk, "value": 2 if q.dimension == "repair" else 4})
            elif q.kind == "nps":
                rows.append({"question": q.pk, "value": 7})
            elif q.kind == "multiple":
                rows.append({"question": q.pk, "choices": [1]})
            else:
                rows.append({"question": q.pk, "text": "报修后等了三天才上门"})
        services.submit_response(actor=user, survey=current, answers=rows, house=house)
    ctx.out.write(
        "Notices: notices, warm reminders, quarterly surveys, suggestions and a meeting.\n"
    )
