"""Finance demo: the second community was taken over from another property company's system:
its opening balances (old arrears due months ago, prepayments, deposits held, historic
payments) imported from a workbook, checked and posted through the services; the company's
own revenue account for the property fee and a decoration deposit taken at the desk. The
vouchers of the month are the billing demo's money, composed when asked. Residents' e-invoices of
paid bills, issued through the local sandbox platform (one for a company, one waiting, one
reversed by a red-letter invoice)."""

from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook

from anju.billing import selectors as billing_selectors
from anju.core.choices import HouseUsage
from anju.core.models import House

from . import selectors, services


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
    _invoices(ctx, finance)
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


def _invoices(ctx, finance):
    """E-invoices: residents asked for invoices of their paid bills in the portal (one for a
    company with its tax number), the office asked for others at the desk; finance issued most
    through the local sandbox platform, one waits to be issued and one was reversed by a
    red-letter invoice after a refund."""
    from .invoicing import LocalProvider
    from .services.invoices import uscc_check_char

    provider = LocalProvider()
    company_number = "91330106MA2B3C4D5" + uscc_check_char("91330106MA2B3C4D5")
    first = ctx.communities[0]
    askers = [(user, person.name, house) for user, person, house in ctx.residents]
    resident_houses = {house.pk for _u, _n, house in askers}
    others = House.objects.filter(community=first).exclude(pk__in=resident_houses).order_by("id")
    for house in others[:40]:
        if len(askers) >= 7:
            break
        bill = billing_selectors.paid_bills_of([house.pk]).first()
        if bill is not None:
            askers.append((finance, bill.payer_name or str(house), house))
    made = issued = 0
    for user, name, house in askers:
        paid = list(billing_selectors.paid_bills_of([house.pk])[:3])
        taken = selectors.invoiced_bill_ids([b.pk for b in paid])
        paid = [b for b in paid if b.pk not in taken][:2]
        if not paid:
            continue
        company = made == 1
        invoice = services.request_invoice(
            actor=user,
            bills=[b.pk for b in paid],
            title="杭州云栖科技有限公司" if company else name,
            tax_number=company_number if company else "",
        )
        made += 1
        if made in (3, 6):
            continue  # waiting for finance to issue
        invoice = services.issue_invoice(actor=finance, invoice=invoice, provider=provider)
        issued += 1
        if made == 5:
            services.reverse_invoice(
                actor=finance, invoice=invoice, reason="业主退费，红冲原发票", provider=provider
            )
    ctx.out.write(f"  finance: {made} e-invoices requested, {issued} issued\n")
