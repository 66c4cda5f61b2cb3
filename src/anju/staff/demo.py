"""Demo: last month's evaluations of the field staff of the first community, one acknowledged,
so that 员工考核 and 我的考核 have content beside 员工绩效."""

from datetime import timedelta

from . import services

EVALUATIONS = [
    ("tech2", (5, 4, 5, 5), "响应及时，维修质量好；注意工完场清。"),
    ("guard", (4, 4, 3, 5), "巡更认真；夜班有一次漏巡，需按时打卡。"),
    ("cleaner", (5, 5, 4, 4), "楼道保洁到位，住户多次表扬。"),
    ("agent", (5, 4, 4, 5), "首问负责落实好，回访及时。"),
]


def build(ctx):
    community = ctx.communities[0]
    manager = ctx.staff["manager"]
    period = f"{ctx.today.replace(day=1) - timedelta(days=1):%Y-%m}"
    for index, (login, (attitude, quality, timeliness, discipline), comment) in enumerate(
        EVALUATIONS
    ):
        evaluation = services.record_evaluation(
            actor=manager,
            community=community,
            staff=ctx.staff[login],
            period=period,
            attitude=attitude,
            quality=quality,
            timeliness=timeliness,
            discipline=discipline,
            comment=comment,
        )
        if index == 0:
            services.acknowledge(actor=ctx.staff[login], evaluation=evaluation)
    ctx.out.write(f"Staff: {len(EVALUATIONS)} evaluations for {period}.\n")
