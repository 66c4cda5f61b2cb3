"""Governance demo: in 翠湖花园 a closed vote with its result, a vote in progress with realistic
turnout, a noticed vote; fund accounts with a lift repair and one house below 30%; a quarter of
public income with costs and evidence; a published disclosure and a draft for this quarter."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import models
from django.utils import timezone

from anju.core import attachments, demo_photos
from anju.core.models import Attachment, House

from . import selectors, services, tally
from .choices import Channel
from .models import Ballot, Elector, FundAccount, Vote


def _at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _ballots(vote, electors, choices, start, end, rng, paper_by, scan):
    """Append a chain of ballots in bulk (demo speed): the links ``services.cast_ballot`` saves."""
    prev, seq, rows = vote.head_hash or tally.GENESIS, vote.last_seq, []
    span = (end - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in electors)
    for elector, choice, when in zip(electors, choices, times, strict=True):
        seq += 1
        paper = elector.person_id is None or rng.random() < 0.15
        channel = Channel.PAPER if paper else Channel.ONLINE
        ballot = services.link_ballot(
            vote,
            seq=seq,
            prev_hash=prev,
            elector=elector,
            person_id=elector.person_id,
            choice=choice,
            channel=channel,
            cast_at=when,
            recorded_by=paper_by if paper else None,
        )
        rows.append(ballot)
        prev = ballot.hash
    Ballot.objects.bulk_create(rows, batch_size=2000)
    _paper_scans([b for b in rows if b.channel == Channel.PAPER], scan, paper_by)
    Vote.objects.filter(pk=vote.pk).update(last_seq=seq, head_hash=prev)
    vote.last_seq, vote.head_hash = seq, prev
    return rows


def _paper_scans(ballots, scan, by):
    """The scan on each demo paper ballot: stored once, a row per ballot (ballots are written in
    bulk here, so their scan goes in by the historical route: the ballot's own row)."""
    if not ballots:
        return
    first = attachments.store(ballots[0], scan, actor=by, caption="纸质表决票")
    rows = [first] + Attachment.objects.bulk_create(
        [
            Attachment(
                organization_id=b.organization_id,
                community_id=b.community_id,
                content_type_id=first.content_type_id,
                object_id=str(b.pk),
                file=first.file.name,
                thumbnail=first.thumbnail.name,
                name=first.name,
                caption=first.caption,
                media_type=first.media_type,
                size=first.size,
                width=first.width,
                height=first.height,
                uploaded_by=by,
            )
            for b in ballots[1:]
        ]
    )
    for ballot, row in zip(ballots, rows, strict=True):
        ballot.scan_id = row.pk
    # Ballots refuse updates through their manager; the demo sets the scan it would have
    # been inserted with (bulk inserts cannot know the ballot ids first).
    models.QuerySet(Ballot).bulk_update(ballots, ["scan"], batch_size=2000)


def _vote(ctx, community, title, matter, text, opens_day, days):
    committee = ctx.staff["committee"]
    opens = _at(opens_day)
    vote = services.create_vote(
        actor=committee,
        community=community,
        title=title,
        matter=matter,
        text=text,
        opens_at=opens,
        closes_at=opens + timedelta(days=days),
    )
    services.publish_notice(
        vote, actor=committee, now=opens - timedelta(days=selectors.notice_days() + 1)
    )
    return vote


def build(ctx):
    rng = ctx.rng
    today = ctx.today
    cuihu, jinxiu = ctx.communities
    committee, finance, manager = ctx.staff["committee"], ctx.staff["finance"], ctx.staff["manager"]
    # One drawn scan of a signed paper ballot, checked once and stored for each paper ballot.
    scan = attachments.prepare(
        demo_photos.photo("form", name="纸质表决票扫描件.jpg"), field="scan"
    )[0]

    # 1. A closed vote: renewing the property service contract (item 4, ordinary majority).
    closed = _vote(
        ctx,
        cuihu,
        "续聘安居物业服务有限公司（2027—2029年）",
        "hire_or_dismiss_manager",
        "业主委员会提议续聘安居物业服务有限公司，服务期三年，物业费标准不变。",
        today - timedelta(days=25),
        14,
    )
    closed = services.open_vote(closed, actor=committee, now=closed.opens_at)
    electors = list(Elector.objects.filter(vote=closed).order_by("?"))
    resident_people = {p.pk for _, p, _ in ctx.residents}
    voters = [e for e in electors if e.person_id in resident_people or rng.random() < 0.8]
    choices = [rng.choices(["yes", "no", "abstain"], [78, 14, 8])[0] for _ in voters]
    _ballots(
        closed,
        voters,
        choices,
        closed.opens_at,
        closed.closes_at - timedelta(hours=2),
        rng,
        committee,
        scan,
    )
    services.close_vote(closed, actor=committee, now=closed.closes_at + timedelta(minutes=1))

    # 2. A vote in progress: changing the use of a common green strip (item 8, three quarters).
    current = _vote(
        ctx,
        cuihu,
        "3幢西侧绿地改建为非机动车充电棚",
        "change_common_use",
        "拟将3幢西侧约120平方米绿地改建为非机动车充电棚，费用由公共收益列支，"
        "充电收益扣除电费和维护成本后归全体业主所有。",
        today - timedelta(days=3),
        14,
    )
    current = services.open_vote(current, actor=committee, now=current.opens_at)
    electors = list(Elector.objects.filter(vote=current).order_by("?"))
    first_resident = ctx.residents[0][1].pk if ctx.residents else None
    voters = [e for e in electors if e.person_id != first_resident and rng.random() < 0.52]
    choices = [rng.choices(["yes", "no", "abstain"], [70, 22, 8])[0] for _ in voters]
    now = timezone.now()
    _ballots(
        current,
        voters,
        choices,
        current.opens_at,
        min(now, current.closes_at) - timedelta(minutes=5),
        rng,
        committee,
        scan,
    )

    # 3. A noticed vote in the other community, opening in 16 days.
    noticed = services.create_vote(
        actor=manager,
        community=jinxiu,
        title="修订《锦绣华庭管理规约》",
        matter="management_statute",
        text="修订宠物管理、装修时间和公共区域堆物条款。",
        opens_at=_at(today + timedelta(days=16)),
        closes_at=_at(today + timedelta(days=30)),
    )
    services.publish_notice(noticed, actor=ctx.staff["manager2"], now=timezone.now())

    # 4. Maintenance fund: accounts from the initial deposit by area, one lift repair, one house low.
    for community, rate in ((cuihu, Decimal("65")), (jinxiu, Decimal("80"))):
        services.open_fund_accounts(actor=finance, community=community, rate_per_m2=rate)
    lift_houses = list(House.objects.filter(community=cuihu, building__name="2幢").order_by("pk"))
    if lift_houses:
        request = services.create_fund_request(
            actor=manager,
            community=cuihu,
            title="2幢1单元电梯曳引机更换",
            houses=lift_houses,
            estimated_cost=Decimal("86000"),
            remainder_house=lift_houses[0],
            emergency=True,
            emergency_kind="lift",
            justification="2幢1单元电梯曳引机轴承损坏，特种设备检验机构要求停用整改，住户中有多名高龄老人，紧急更换。",
        )
        services.start_works(request, actor=manager, contractor="杭州奥迅电梯工程有限公司")
        services.apply_for_disbursement(request, actor=manager, actual_cost=Decimal("85360.00"))
        services.approve_fund_request(request, actor=finance)
        services.disburse_fund_request(request, actor=finance)
    roof = (
        House.objects.filter(community=cuihu, building__name="5幢", floor=11).order_by("pk").first()
    )
    if roof is not None:
        account = FundAccount.objects.get(house=roof)
        request = services.create_fund_request(
            actor=manager,
            community=cuihu,
            title=f"{roof}顶层屋面渗漏维修",
            houses=[roof],
            estimated_cost=(account.balance * Decimal("0.75")).quantize(Decimal("0.01")),
            emergency=True,
            emergency_kind="roof",
            justification="顶层卧室连续雨天渗漏，墙面霉变，需立即修复防水层。",
        )
        services.start_works(request, actor=manager, contractor="浙江雨虹防水工程有限公司")
        services.apply_for_disbursement(request, actor=manager, actual_cost=request.estimated_cost)
        services.approve_fund_request(request, actor=finance)
        services.disburse_fund_request(request, actor=finance)
    services.create_fund_request(
        actor=manager,
        community=cuihu,
        title="1—6幢单元门禁系统更新",
        houses=list(House.objects.filter(community=cuihu, usage="residential")),
        estimated_cost=Decimal("132000"),
    )

    # 5. Public income of the last quarter and this one, with costs and their evidence.
    quarter_start = today.replace(day=1) - timedelta(days=62)
    entries = [
        ("income", "lift_ads", "36000.00", "梯媒广告季度费（分众传媒）", "分众传媒"),
        ("income", "parking", "18450.00", "共有道路临时停车费", ""),
        ("income", "venue", "2400.00", "会所活动室场地租金", "翠湖舞蹈队"),
        ("income", "telecom", "6000.00", "楼顶通信基站场地费", "中国移动杭州分公司"),
        ("cost", "parking", "3200.00", "停车管理员劳务及道闸电费", "杭州安泊停车管理有限公司"),
        ("cost", "lift_ads", "1800.00", "广告代理服务费", "杭州广联代理"),
    ]
    for i, (kind, category, amount, description, party) in enumerate(entries):
        evidence = (
            demo_photos.photo("form", seed=i, name=f"发票-{i + 1}.jpg") if kind == "cost" else None
        )
        services.record_income(
            actor=finance,
            community=cuihu,
            kind=kind,
            category=category,
            amount=Decimal(amount),
            occurred_on=quarter_start + timedelta(days=7 + i * 9),
            description=description,
            counterparty=party,
            evidence=evidence,
        )
    services.allocate_income(
        actor=finance,
        community=cuihu,
        period_start=quarter_start,
        period_end=quarter_start + timedelta(days=60),
        fund_share="1/2",
    )
    services.record_income(
        actor=finance,
        community=cuihu,
        kind="income",
        category="lift_ads",
        amount=Decimal("12000.00"),
        occurred_on=today - timedelta(days=3),
        description="梯媒广告月度费",
        counterparty="分众传媒",
    )

    # 6. A published disclosure for the last quarter and a draft for this one.
    published = services.generate_disclosure(
        actor=finance,
        community=cuihu,
        period_start=quarter_start,
        period_end=quarter_start + timedelta(days=60),
        title="翠湖花园物业服务公示（上季度）",
    )
    services.publish_disclosure(published, actor=finance)
    services.generate_disclosure(
        actor=finance,
        community=cuihu,
        period_start=today.replace(day=1),
        period_end=today,
        title="翠湖花园物业服务公示（本季度，草稿）",
    )
    ctx.out.write(
        f"Governance: votes {closed.number} (closed), {current.number} (open), fund accounts, "
        f"public income, disclosure {published.number}.\n"
    )
