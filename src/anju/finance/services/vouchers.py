"""Accounting vouchers (记账凭证) from the day's money: the chart-of-accounts mapping of a
company, the rules per event kind, the composition (every voucher balances), and the xlsx
layouts of 金蝶 (KIS / K3 Cloud) and 用友 (U8 / T+) as data.

Rules (debit / credit), one voucher per kind and day (or month):
  bills posted          receivable / revenue of the fee item (net) + output VAT
  payment (per method)  cash, bank or online clearing / receivable + prepayments (the rest)
  prepayment used       prepayments / receivable
  credit note           revenue of the fee item (net) + output VAT / receivable;
                        a part already paid: receivable / prepayments
  refund                prepayments / bank
  deposit received      cash or bank / deposits held (returned: the other way)
  public income         bank / public income (parking on shared roads: parking income);
                        a reasonable cost: public income / bank
Opening balances are not the day's business and are left out.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from anju.billing import selectors as billing_selectors
from anju.core import audit
from anju.core.errors import refuse
from anju.core.money import ZERO, quantize
from anju.core.text import clean_line
from anju.governance import selectors as governance_selectors

from ..choices import Grain, VoucherFormat
from ..models import AccountMapping, HeldDeposit

# role -> (code, name): the defaults of 小企业会计准则 / 企业会计准则 a company may override.
DEFAULT_CHART = {
    "cash": ("1001", "库存现金"),
    "bank": ("1002", "银行存款"),
    "online": ("1012", "其他货币资金-第三方支付"),
    "receivable": ("1122", "应收账款-物业费"),
    "prepayments": ("2203", "预收账款-预存物业费"),
    "deposits_held": ("2241.01", "其他应付款-押金"),
    "maintenance_fund": ("2241.02", "其他应付款-代管维修资金"),
    "public_income": ("2241.03", "其他应付款-公共收益"),
    "parking_income": ("2241.04", "其他应付款-公共收益-停车"),
    "output_vat": ("2221.01.02", "应交税费-应交增值税-销项税额"),
    "revenue": ("6001", "主营业务收入-物业服务"),
}
REVENUE_PREFIX = "revenue:"  # "revenue:<fee item name>": a fee item's own revenue account
METHOD_ACCOUNT = {"cash": "cash", "bank": "bank", "pos": "bank"}  # the rest: online clearing

# The import layouts: (column header, field of an entry row). Data, not code: a company whose
# version names a column differently changes the header here.
LAYOUTS = {
    VoucherFormat.KINGDEE: {
        "sheet": "凭证",
        "word": "记",
        "columns": [
            ("日期", "date"),
            ("会计期间", "period"),
            ("凭证字", "word"),
            ("凭证号", "number"),
            ("分录号", "line"),
            ("摘要", "summary"),
            ("科目代码", "code"),
            ("科目名称", "name"),
            ("币别", "currency"),
            ("借方金额", "debit"),
            ("贷方金额", "credit"),
            ("制单", "preparer"),
        ],
    },
    VoucherFormat.YONYOU: {
        "sheet": "凭证导入",
        "word": "记",
        "columns": [
            ("制单日期", "date"),
            ("凭证类别", "word"),
            ("凭证编号", "number"),
            ("附单据数", "attachments"),
            ("摘要", "summary"),
            ("科目编码", "code"),
            ("科目名称", "name"),
            ("借方金额", "debit"),
            ("贷方金额", "credit"),
            ("制单人", "preparer"),
        ],
    },
}


@dataclass
class Voucher:
    day: date
    kind: str
    summary: str
    entries: list = field(default_factory=list)  # (summary, role, debit, credit)

    def add(self, role, debit=ZERO, credit=ZERO, summary=None):
        if debit or credit:
            self.entries.append((summary or self.summary, role, quantize(debit), quantize(credit)))

    @property
    def debit(self):
        return sum((e[2] for e in self.entries), ZERO)

    @property
    def credit(self):
        return sum((e[3] for e in self.entries), ZERO)

    @property
    def balanced(self):
        return self.debit == self.credit


# --- the chart ----------------------------------------------------------------------------------


def chart_of(organization_id):
    """The company's chart: {role: (code, name, vat_rate or None)}, defaults filled in."""
    chart = {role: (code, name, None) for role, (code, name) in DEFAULT_CHART.items()}
    chart["revenue"] = (*DEFAULT_CHART["revenue"], settings.ANJU_FINANCE_VAT_RATE)
    for row in AccountMapping.objects.filter(organization_id=organization_id):
        chart[row.key] = (row.code, row.name, row.vat_rate)
    return chart


def revenue_role(chart, fee_item):
    role = REVENUE_PREFIX + fee_item
    return role if role in chart else "revenue"


def vat_split(gross, rate):
    """价税分离: (net, tax) of a tax-inclusive amount, the tax rounded once."""
    if not rate:
        return quantize(gross), ZERO
    net = quantize(Decimal(gross) / (1 + Decimal(rate)))
    return net, quantize(gross) - net


@transaction.atomic
def set_account(*, actor, organization, key, code, name, vat_rate=None):
    """Set the company's account of one role (or of one fee item's revenue, ``revenue:<name>``)."""
    key, code, name = clean_line(key).strip(), clean_line(code).strip(), clean_line(name).strip()
    if key not in DEFAULT_CHART and not (key.startswith(REVENUE_PREFIX) and len(key) > 8):
        refuse("key", _("Choose one of the roles of the chart, or revenue:<fee item>."))
    if not code:
        refuse("code", _("Enter the account code."))
    if not name:
        refuse("name", _("Enter the account name."))
    if vat_rate is not None:
        vat_rate = Decimal(str(vat_rate))
        if not Decimal("0") <= vat_rate <= Decimal("0.2"):
            refuse("vat_rate", _("The VAT rate is between 0 and 0.2."))
        if not key.startswith("revenue"):
            refuse("vat_rate", _("Only a revenue account has a VAT rate."))
    row, created = AccountMapping.objects.update_or_create(
        organization=organization,
        key=key,
        defaults={"code": code[:40], "name": name[:100], "vat_rate": vat_rate},
    )
    audit.record(
        actor,
        "finance.account.set",
        row,
        after={"key": key, "code": code, "name": name, "vat_rate": str(vat_rate)},
    )
    return row


# --- the rules ----------------------------------------------------------------------------------


def _bucket(day, grain):
    if grain == Grain.MONTH:
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return following.fromordinal(following.toordinal() - 1)
    return day


def compose(events, chart, grain=Grain.DAY):
    """Vouchers of ``events`` (dicts with ``day`` and ``kind``, see ``events_of``), one per
    kind and day (or month), each balanced: a voucher that is not is a bug, refused here."""
    groups = defaultdict(list)
    for event in events:
        groups[(_bucket(event["day"], grain), event["kind"])].append(event)
    vouchers = []
    for (day, kind), group in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
        voucher = Voucher(day, kind, _summary(kind, day, grain))
        RULES[kind](voucher, group, chart)
        if not voucher.entries:
            continue
        if not voucher.balanced:  # pragma: no cover - the rules balance by construction
            raise AssertionError(f"voucher {kind} {day} does not balance")
        vouchers.append(voucher)
    return vouchers


def _summary(kind, day, grain):
    when = f"{day:%Y-%m}" if grain == Grain.MONTH else f"{day:%Y-%m-%d}"
    labels = {
        "bills": _("Fees billed"),
        "payment": _("Fees received"),
        "prepayment_used": _("Prepayments used on bills"),
        "credit": _("Credit notes"),
        "refund": _("Prepayments refunded"),
        "deposit": _("Deposits"),
        "public_income": _("Public income"),
    }
    return f"{labels[kind]} {when}"


def _bills(voucher, group, chart):
    by_item = defaultdict(Decimal)
    for e in group:
        by_item[e["fee_item"]] += e["amount"]
    for item, gross in sorted(by_item.items()):
        role = revenue_role(chart, item)
        net, tax = vat_split(gross, chart[role][2])
        voucher.add("receivable", debit=gross, summary=f"{voucher.summary} {item}")
        voucher.add(role, credit=net, summary=f"{voucher.summary} {item}")
        voucher.add("output_vat", credit=tax, summary=f"{voucher.summary} {item}")


def _payments(voucher, group, chart):
    for e in sorted(group, key=lambda e: e["method"]):
        role = METHOD_ACCOUNT.get(e["method"], "online")
        voucher.add(role, debit=e["amount"])
        voucher.add("receivable", credit=e["amount"] - e["to_wallet"])
        voucher.add("prepayments", credit=e["to_wallet"])


def _prepayment_used(voucher, group, chart):
    used = sum((-e["amount"] for e in group), ZERO)
    voucher.add("prepayments", debit=used)
    voucher.add("receivable", credit=used)


def _credits(voucher, group, chart):
    by_item, to_wallet = defaultdict(Decimal), ZERO
    for e in group:
        if e.get("fee_item") is None:
            to_wallet += e["amount"]
        else:
            by_item[e["fee_item"]] += e["amount"]
    for item, gross in sorted(by_item.items()):
        role = revenue_role(chart, item)
        net, tax = vat_split(gross, chart[role][2])
        voucher.add(role, debit=net, summary=f"{voucher.summary} {item}")
        voucher.add("output_vat", debit=tax, summary=f"{voucher.summary} {item}")
        voucher.add("receivable", credit=gross, summary=f"{voucher.summary} {item}")
    voucher.add("receivable", debit=to_wallet)
    voucher.add("prepayments", credit=to_wallet)


def _refunds(voucher, group, chart):
    refunded = sum((-e["amount"] for e in group), ZERO)
    voucher.add("prepayments", debit=refunded)
    voucher.add("bank", credit=refunded)


def _deposits(voucher, group, chart):
    for e in group:
        role = METHOD_ACCOUNT.get(e.get("method") or "cash", "online")
        if e["amount"] >= 0:
            voucher.add(role, debit=e["amount"])
            voucher.add("deposits_held", credit=e["amount"])
        else:
            voucher.add("deposits_held", debit=-e["amount"])
            voucher.add(role, credit=-e["amount"])


def _public_income(voucher, group, chart):
    for e in group:
        role = "parking_income" if e.get("category") == "parking" else "public_income"
        if e["income"]:
            voucher.add("bank", debit=e["amount"])
            voucher.add(role, credit=e["amount"])
        else:
            voucher.add(role, debit=e["amount"])
            voucher.add("bank", credit=e["amount"])


RULES = {
    "bills": _bills,
    "payment": _payments,
    "prepayment_used": _prepayment_used,
    "credit": _credits,
    "refund": _refunds,
    "deposit": _deposits,
    "public_income": _public_income,
}
EVENT_KINDS = tuple(RULES)


def events_of(community, start, end):
    """The community's money events from ``start`` to ``end``: billing's day book, the
    deposits received and returned, the public income and costs."""
    book = billing_selectors.day_book(community, start, end)
    events = [{**r, "kind": "bills"} for r in book["lines"]]
    events += [{**r, "kind": "payment"} for r in book["payments"]]
    for r in book["wallet"]:
        if r["kind"] == "settle":
            events.append({**r, "kind": "prepayment_used"})
        elif r["kind"] == "refund":
            events.append({**r, "kind": "refund"})
        else:  # a credit note's paid part back into the wallet
            events.append({"day": r["day"], "kind": "credit", "amount": r["amount"]})
    events += [{**r, "kind": "credit"} for r in book["credits"]]
    deposits = HeldDeposit.objects.filter(community=community, opening__isnull=True)
    for d in deposits.filter(received_on__gte=start, received_on__lte=end):
        events.append(
            {"day": d.received_on, "kind": "deposit", "amount": d.amount, "method": d.method}
        )
    for d in deposits.filter(returned_on__gte=start, returned_on__lte=end):
        events.append(
            {"day": d.returned_on, "kind": "deposit", "amount": -d.amount, "method": d.method}
        )
    entries = governance_selectors.period_totals(community, start, end)["entries"]
    for e in entries.order_by("occurred_on", "pk"):
        events.append(
            {
                "day": e.occurred_on,
                "kind": "public_income",
                "amount": e.amount,
                "income": e.kind == "income",
                "category": e.category,
            }
        )
    return events


def vouchers_for(community, start, end, grain=Grain.DAY):
    """The community's vouchers from ``start`` to ``end`` (a read: nothing is stored)."""
    if end < start:
        refuse("to", _("The end date is before the start date."))
    if (end - start).days > 366:
        refuse("to", _("At most one year at a time."))
    return compose(events_of(community, start, end), chart_of(community.organization_id), grain)


def voucher_rows(vouchers, chart, layout_key, preparer=""):
    """Entry rows as the layout names them: vouchers numbered from 1 within each month."""
    layout = LAYOUTS[layout_key]
    numbers = defaultdict(int)
    for voucher in vouchers:
        month = f"{voucher.day:%Y-%m}"
        numbers[month] += 1
        for line, (summary, role, debit, credit) in enumerate(voucher.entries, 1):
            code, name, _rate = chart[role]
            yield {
                "date": voucher.day,
                "period": month,
                "word": layout["word"],
                "number": numbers[month],
                "line": line,
                "attachments": 0,
                "summary": summary,
                "code": code,
                "name": name,
                "currency": "RMB",
                "debit": debit,
                "credit": credit,
                "preparer": preparer,
            }


def voucher_workbook(vouchers, chart, layout_key, preparer="") -> bytes:
    layout = LAYOUTS[layout_key]
    wb = Workbook()
    ws = wb.active
    ws.title = layout["sheet"]
    ws.append([header for header, _key in layout["columns"]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in voucher_rows(vouchers, chart, layout_key, preparer):
        ws.append([row[key] for _header, key in layout["columns"]])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
