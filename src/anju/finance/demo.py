"""Finance demo: the second community was taken over from another property company's system:
its opening balances (old arrears due months ago, prepayments, deposits held, historic
payments) imported from a workbook, checked and posted through the services; the company's
own revenue account for the property fee and a decoration deposit taken at the desk. The
vouchers of the month are the billing demo's money, composed when asked."""

from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook

from anju.billing import selectors as billing_selectors
from anju.core.choices import HouseUsage
from anju.core.models import House

from . import services


def _months_back(today, n):
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def opening_workbook(community, today, rng, fee_item="物业服务费"):
    """The old system's export, as the template lays it out."""
    homes = list(
        House.objects.filter(community=community, usage=HouseUsage.RESIDENTIAL)
        .select_related("building")
        .order_by("id")
    )
    wb = Workbook()
    wb.remove(wb.active)
    arrears = wb.create_sheet("欠费")
    arrears.append(["楼栋", "房号", "收费项目", "期间", "金额", "原到期日", "说明"])
    for house in homes[-6:]:
        for back in (8, 7, 6):
            start = _months_back(today, back)
            due = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            arrears.append(
                [
                    house.building.name,
                    house.number,
                    fee_item,
                    f"{start:%Y-%m}",
                    f"{house.area * 2 + rng.randrange(0, 50):.2f}",
                    due,
                    "原系统欠费",
                ]
            )
    prepaid = wb.create_sheet("预存")
    prepaid.append(["楼栋", "房号", "金额"])
    for house in homes[1:4]:
        prepaid.append([house.building.name, house.number, f"{rng.randrange(3, 12) * 100}.00"])
    deposits = wb.create_sheet("押金")
    deposits.append(["楼栋", "房号", "项目", "金额", "收取日期"])
    for house in homes[4:6]:
        deposits.append(
            [house.building.name, house.number, "装修押金", "2000.00", today - timedelta(days=60)]
        )
    payments = wb.create_sheet("历史收款")
    payments.append(["楼栋", "房号", "日期", "金额", "方式", "单号"])
    for i, house in enumerate(homes[:5]):
        payments.append(
            [
                house.building.name,
                house.number,
                today - timedelta(days=200 + i),
                f"{house.area * 2:.2f}",
                "现金",
                f"OLD-{1000 + i}",
            ]
        )
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "原系统期初余额.xlsx"
    return buffer


def _bank_statement(ctx, finance, community):
    """The bank's export of the last month, each transfer and card payment on its line (a day
    late, as banks book): every line matches; one bank charge is money out."""
    start = ctx.today - timedelta(days=30)
    payments = list(billing_selectors.received_by_bank(community, start, ctx.today))
    rows = ["交易日期,摘要,贷方发生额,借方发生额,对方户名,交易流水号"]
    for i, p in enumerate(payments):
        day = min(p.paid_on + timedelta(days=1), ctx.today)
        rows.append(
            f"{day},物业费 {p.receipt_number},{p.amount},,{p.payer_name or '业主'},D{i:05d}"
        )
    rows.append(f"{ctx.today},账户管理费,,10.00,,FEE0001")
    if not payments:  # a transfer nobody can place yet: left for a person to match
        rows.append(f"{ctx.today},转账,500.00,,个人,U0001")
    upload = BytesIO("\n".join(rows).encode("gb18030"))
    statement = services.import_statement(
        actor=finance, community=community, bank="icbc", upload=upload, filename="工行对账单.csv"
    )
    if not statement.lines.filter(status="unmatched").exists():
        services.close_statement(actor=finance, statement=statement)


def build(ctx):
    finance = ctx.staff["finance"]
    # The company's own revenue account for the property fee (6% VAT, price and tax apart).
    services.set_account(
        actor=finance,
        organization=ctx.organization,
        key="revenue:物业服务费",
        code="6001.01",
        name="主营业务收入-物业服务费",
        vat_rate="0.06",
    )
    first = ctx.communities[0]
    homes = list(House.objects.filter(community=first).order_by("id")[:3])
    if homes:
        services.record_deposit(
            actor=finance, house=homes[-1], description="装修押金", amount="3000.00", method="bank"
        )
    _bank_statement(ctx, finance, first)
    community = ctx.communities[-1]
    opening = services.check_opening(
        actor=finance,
        community=community,
        fileobj=opening_workbook(community, ctx.today, ctx.rng),
        filename="原系统期初余额.xlsx",
    )
    if opening.report["errors"]:
        ctx.out.write(f"  finance: opening import has errors {opening.report['errors'][:3]}\n")
        return
    services.post_opening(actor=finance, opening=opening)
    ctx.out.write(f"  finance: opening balances {opening.number} posted in {community.name}\n")
