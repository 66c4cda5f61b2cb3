"""期初: a community's balances from the old system, imported from one workbook.

Sheets (Chinese or English titles and headers; ``template_bytes`` writes an empty one):
  欠费 / arrears:          楼栋, 房号, 收费项目, 期间, 金额, 原到期日, 说明
  预存 / prepayments:      楼栋, 房号, 金额
  押金 / deposits:         楼栋, 房号, 项目, 金额, 收取日期
  维修资金 / fund:         楼栋, 房号, 余额
  历史收款 / payments:     楼栋, 房号, 日期, 金额, 方式, 单号
``check_opening`` reads and validates the whole workbook and keeps it as an import with its
dry-run report (every bad row by sheet, row and field; nothing else is written).
``post_opening`` posts a checked import as a whole: arrears as open bills due on their original
due date (billing's ``post_opening_bill``: late charges and the limitation clock run from it),
prepayments into the wallets, deposits held, maintenance-fund balances through governance, and
the historic payments for the record; then the reconciliation of the file's totals with what
was posted. ``reverse_opening`` takes the whole import back until a payment touches it.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core import audit, bounds
from anju.core.errors import Conflict, DomainError, refuse
from anju.core.models import House
from anju.core.money import ZERO, quantize
from anju.core.numbering import next_number
from anju.core.text import clean_line
from anju.governance import services as governance
from anju.governance.choices import FundEntryKind

from ..choices import DepositStatus, EntryKind, ImportStatus
from ..models import HeldDeposit, HistoricPayment, OpeningEntry, OpeningImport
from ..selectors import reconciliation

# kind -> (sheet title as written in the template, other accepted titles, columns)
SHEETS = {
    EntryKind.ARREARS: (
        "欠费",
        {"arrears"},
        ["building", "number", "fee_item", "period", "amount", "due_date", "description"],
    ),
    EntryKind.PREPAYMENT: ("预存", {"prepayments", "prepayment"}, ["building", "number", "amount"]),
    EntryKind.DEPOSIT: (
        "押金",
        {"deposits", "deposit"},
        ["building", "number", "description", "amount", "received_on"],
    ),
    EntryKind.FUND: ("维修资金", {"fund", "maintenance fund"}, ["building", "number", "amount"]),
    EntryKind.PAYMENT: (
        "历史收款",
        {"payments", "historic payments"},
        ["building", "number", "paid_on", "amount", "method", "reference"],
    ),
}
# column -> (header as written in the template, other accepted headers)
HEADERS = {
    "building": ("楼栋", {"building"}),
    "number": ("房号", {"number", "house"}),
    "fee_item": ("收费项目", {"fee_item", "fee item"}),
    "period": ("期间", {"period", "所属期"}),
    "amount": ("金额", {"amount", "余额", "balance"}),
    "due_date": ("原到期日", {"due_date", "due date", "到期日"}),
    "description": ("说明", {"description", "项目", "note"}),
    "received_on": ("收取日期", {"received_on", "received on"}),
    "paid_on": ("日期", {"paid_on", "date", "收款日期"}),
    "method": ("方式", {"method", "收款方式"}),
    "reference": ("单号", {"reference", "收据号"}),
}
TEMPLATE_HEADERS = {
    EntryKind.DEPOSIT: {"description": "项目"},
    EntryKind.FUND: {"amount": "余额"},
}


def template_bytes() -> bytes:
    """The empty opening workbook to fill in, one example row per sheet."""
    examples = {
        EntryKind.ARREARS: ["1幢", "101", "物业服务费", "2025-03", "356.00", "2025-03-31", ""],
        EntryKind.PREPAYMENT: ["1幢", "102", "1200.00"],
        EntryKind.DEPOSIT: ["1幢", "103", "装修押金", "2000.00", "2025-06-01"],
        EntryKind.FUND: ["1幢", "101", "8650.00"],
        EntryKind.PAYMENT: ["1幢", "101", "2025-02-10", "356.00", "现金", "SJ-0001"],
    }
    wb = Workbook()
    wb.remove(wb.active)
    for kind, (title, _aliases, columns) in SHEETS.items():
        ws = wb.create_sheet(title)
        names = TEMPLATE_HEADERS.get(kind, {})
        ws.append([names.get(c, HEADERS[c][0]) for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.append(examples[kind])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reading ----------------------------------------------------------------------------------


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return clean_line(str(value)).strip()


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-")
    if not text:
        return None
    return date.fromisoformat(text)


def _money(value):
    text = _text(value).replace(",", "").replace("¥", "")
    amount = Decimal(text)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise InvalidOperation
    return amount


def _period(value):
    if isinstance(value, datetime | date):
        return f"{value:%Y-%m}"
    return _text(value)


def _sheet_rows(ws, columns):
    iterator = ws.iter_rows(values_only=True)
    try:
        header = next(iterator)
    except StopIteration:
        return []
    index = {}
    for i, title in enumerate(header):
        title = _text(title).lower()
        for column in columns:
            main, aliases = HEADERS[column]
            if title == main.lower() or title in aliases:
                index.setdefault(column, i)
    out = []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append((number, {c: values[i] if i < len(values) else None for c, i in index.items()}))
    return out


class _Checker:
    """Reads a workbook against a community: the valid rows per kind and every error."""

    def __init__(self, community):
        self.community = community
        self.errors = []
        self.rows = 0
        self.valid = defaultdict(list)
        self.houses = {
            (b, n): (pk, has_fund)
            for pk, b, n, has_fund in House.objects.filter(community=community).values_list(
                "pk", "building__name", "number", "fund_account"
            )
        }
        self.items = {i.name: i for i in community.fee_items.filter(published=True)}
        # What posted imports brought in already: the same debt or balance twice is refused.
        posted = OpeningEntry.objects.filter(
            community=community, opening__status=ImportStatus.POSTED
        )
        self.done_arrears = set(
            posted.filter(kind=EntryKind.ARREARS).values_list("house_id", "fee_item_id", "period")
        )
        self.done_prepaid = set(
            posted.filter(kind=EntryKind.PREPAYMENT).values_list("house_id", flat=True)
        )

    def error(self, sheet, row, field, message):
        self.errors.append({"sheet": sheet, "row": row, "field": field, "message": str(message)})

    def read(self, fileobj):
        try:
            workbook = load_workbook(fileobj, read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError(
                _("The file is not a readable .xlsx workbook."), fields={"file": [str(exc)[:200]]}
            ) from exc
        titles = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        found = False
        for kind, (title, aliases, columns) in SHEETS.items():
            ws = next((titles[t] for t in {title.lower(), *aliases} if t in titles), None)
            if ws is None:
                continue
            found = True
            rows = _sheet_rows(ws, columns)
            if len(rows) > settings.ANJU_FINANCE_OPENING_MAX_ROWS:
                self.error(
                    title,
                    1,
                    "file",
                    _("At most %(n)s rows per sheet.")
                    % {"n": settings.ANJU_FINANCE_OPENING_MAX_ROWS},
                )
                continue
            seen = set()
            for row, data in rows:
                self.rows += 1
                getattr(self, f"_{kind}")(title, row, data, seen)
        workbook.close()
        if not found:
            raise DomainError(
                _("The workbook has none of the sheets 欠费, 预存, 押金, 维修资金, 历史收款."),
                fields={"file": [_("Use the template.")]},
            )

    def _house(self, sheet, row, data):
        key = (_text(data.get("building")), _text(data.get("number")))
        if not key[0] or not key[1]:
            self.error(sheet, row, "number", _("The building and house number are required."))
            return None
        if key not in self.houses:
            self.error(
                sheet,
                row,
                "number",
                _("Unknown house %(building)s-%(number)s.")
                % {"building": key[0], "number": key[1]},
            )
            return None
        return self.houses[key]

    def _amount(self, sheet, row, data, field="amount"):
        try:
            amount = _money(data.get(field))
        except (InvalidOperation, ValueError):
            self.error(sheet, row, field, _("Enter an amount in yuan with at most two decimals."))
            return None
        if amount <= 0:
            self.error(sheet, row, field, _("The amount must be more than zero."))
            return None
        problem = bounds.money_problem(amount)
        if problem:
            self.error(sheet, row, field, problem)
            return None
        return amount

    def _date(self, sheet, row, data, field, required):
        try:
            day = _day(data.get(field))
        except (ValueError, TypeError):
            self.error(sheet, row, field, _("Enter the date as 2025-03-31."))
            return False
        if day is None and required:
            self.error(sheet, row, field, _("The date is required."))
            return False
        if day is not None and not date(1990, 1, 1) <= day <= timezone.localdate():
            self.error(sheet, row, field, _("The date must be between 1990 and today."))
            return False
        return day

    def _arrears(self, sheet, row, data, seen):
        before = len(self.errors)
        house = self._house(sheet, row, data)
        name = _text(data.get("fee_item"))
        item = self.items.get(name)
        if item is None:
            self.error(
                sheet,
                row,
                "fee_item",
                _("No published fee item “%(name)s” in this community.") % {"name": name},
            )
        period = _period(data.get("period"))
        try:
            period = billing_selectors.period_key(period)
        except DomainError:
            self.error(sheet, row, "period", _("Enter the period as 2025-03, 2025-Q1 or 2025."))
            period = None
        amount = self._amount(sheet, row, data)
        due = self._date(sheet, row, data, "due_date", required=True)
        if len(self.errors) > before:
            return
        key = (house[0], item.pk, period)
        if key in seen:
            self.error(sheet, row, "period", _("This house, fee item and period is listed twice."))
            return
        if key in self.done_arrears:
            self.error(sheet, row, "period", _("A posted import already brought in this debt."))
            return
        seen.add(key)
        self.valid[EntryKind.ARREARS].append(
            {
                "row": row,
                "house": house[0],
                "fee_item": item.pk,
                "period": period,
                "amount": str(amount),
                "due_date": str(due),
                "description": _text(data.get("description"))[:200],
            }
        )

    def _one_per_house(self, sheet, row, house, seen):
        if house[0] in seen:
            self.error(sheet, row, "number", _("This house is listed twice on the sheet."))
            return False
        seen.add(house[0])
        return True

    def _prepayment(self, sheet, row, data, seen):
        before = len(self.errors)
        house = self._house(sheet, row, data)
        amount = self._amount(sheet, row, data)
        if len(self.errors) > before or not self._one_per_house(sheet, row, house, seen):
            return
        if house[0] in self.done_prepaid:
            self.error(sheet, row, "number", _("A posted import already brought in this balance."))
            return
        self.valid[EntryKind.PREPAYMENT].append(
            {"row": row, "house": house[0], "amount": str(amount)}
        )

    def _deposit(self, sheet, row, data, seen):
        before = len(self.errors)
        house = self._house(sheet, row, data)
        amount = self._amount(sheet, row, data)
        description = _text(data.get("description"))
        if not description:
            self.error(sheet, row, "description", _("Say what the deposit is for."))
        received = self._date(sheet, row, data, "received_on", required=False)
        if len(self.errors) > before:
            return
        self.valid[EntryKind.DEPOSIT].append(
            {
                "row": row,
                "house": house[0],
                "amount": str(amount),
                "description": description[:200],
                "received_on": str(received) if received else None,
            }
        )

    def _fund(self, sheet, row, data, seen):
        before = len(self.errors)
        house = self._house(sheet, row, data)
        amount = self._amount(sheet, row, data)
        if len(self.errors) > before or not self._one_per_house(sheet, row, house, seen):
            return
        if house[1]:
            self.error(sheet, row, "number", _("The house already has a maintenance fund account."))
            return
        self.valid[EntryKind.FUND].append({"row": row, "house": house[0], "amount": str(amount)})

    def _payment(self, sheet, row, data, seen):
        before = len(self.errors)
        house = self._house(sheet, row, data)
        amount = self._amount(sheet, row, data)
        paid_on = self._date(sheet, row, data, "paid_on", required=True)
        if len(self.errors) > before:
            return
        self.valid[EntryKind.PAYMENT].append(
            {
                "row": row,
                "house": house[0],
                "amount": str(amount),
                "paid_on": str(paid_on),
                "method": _text(data.get("method"))[:40],
                "reference": _text(data.get("reference"))[:100],
            }
        )

    def totals(self):
        return {
            kind: {
                "rows": len(self.valid[kind]),
                "amount": str(
                    quantize(sum((Decimal(r["amount"]) for r in self.valid[kind]), ZERO))
                ),
            }
            for kind in SHEETS
        }


def parse_opening(community, fileobj):
    """The dry run of a workbook: ``({"rows", "errors", "totals"}, valid rows per kind)``."""
    checker = _Checker(community)
    checker.read(fileobj)
    report = {"rows": checker.rows, "errors": checker.errors, "totals": checker.totals()}
    return report, {k: checker.valid[k] for k in SHEETS}


@transaction.atomic
def check_opening(*, actor, community, fileobj, filename=""):
    """Read and check a workbook (the dry run) and keep it as an import: ready to post when it
    has no error, else kept with its errors for the record (it cannot be posted)."""
    report, data = parse_opening(community, fileobj)
    opening = OpeningImport.objects.create(
        organization_id=community.organization_id,
        community=community,
        number=next_number("QC", community.pk),
        filename=clean_line(filename)[:200],
        status=ImportStatus.INVALID if report["errors"] else ImportStatus.CHECKED,
        rows=report["rows"],
        report=report,
        data=data if not report["errors"] else {},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor,
        "finance.opening.checked",
        opening,
        after={"rows": report["rows"], "errors": len(report["errors"])},
    )
    return opening


def _fund_rate(amount, area):
    """The rate per m² that opens an account at exactly ``amount`` (governance opens accounts
    at area × rate; a balance carried over is not a rate)."""
    rate = Decimal(amount) / Decimal(area)
    if quantize(Decimal(area) * rate) != Decimal(amount):  # pragma: no cover - 28 digits
        raise DomainError(_("The fund balance cannot be carried over exactly."))
    return rate


@transaction.atomic
def post_opening(*, actor, opening, on_progress=None):
    """Post a checked import as a whole (``on_progress(done, total, message)`` hears of each
    row, for a job's progress bar); then reconcile the file's totals with what was posted."""
    opening = OpeningImport.objects.select_for_update().get(pk=opening.pk)
    OpeningImport.machine.check("post", opening.status)
    community = opening.community
    data = opening.data
    house_ids = {r["house"] for rows in data.values() for r in rows}
    houses = House.objects.in_bulk(list(house_ids))
    items = {i.pk: i for i in community.fee_items.all()}
    total = sum(len(rows) for rows in data.values())
    entries, done = [], 0
    note = _("Opening import %(number)s") % {"number": opening.number}

    def entry(kind, row, target, **extra):
        nonlocal done
        entries.append(
            OpeningEntry(
                organization_id=opening.organization_id,
                community_id=community.pk,
                opening=opening,
                house_id=row["house"],
                kind=kind,
                sheet_row=row["row"],
                amount=Decimal(row["amount"]),
                target_id=target,
                **extra,
            )
        )
        done += 1
        if on_progress is not None and (done % 100 == 0 or done == total):
            on_progress(done, total, _("rows posted"))

    for row in data.get(EntryKind.ARREARS, []):
        bill = billing.post_opening_bill(
            actor=actor,
            house=houses[row["house"]],
            fee_item=items[row["fee_item"]],
            period=row["period"],
            amount=Decimal(row["amount"]),
            due_date=date.fromisoformat(row["due_date"]),
            source=f"finance.opening:{opening.pk}:{row['row']}",
            description=row.get("description") or note,
        )
        entry(EntryKind.ARREARS, row, bill.pk, fee_item_id=row["fee_item"], period=row["period"])
    for row in data.get(EntryKind.PREPAYMENT, []):
        wallet_entry = billing.post_opening_prepayment(
            actor=actor, house=houses[row["house"]], amount=Decimal(row["amount"]), note=note
        )
        entry(EntryKind.PREPAYMENT, row, wallet_entry.pk)
    deposits = []
    for row in data.get(EntryKind.DEPOSIT, []):
        deposit = HeldDeposit.objects.create(
            organization_id=opening.organization_id,
            community=community,
            house_id=row["house"],
            description=row["description"],
            amount=Decimal(row["amount"]),
            received_on=row["received_on"],
            opening=opening,
        )
        deposits.append(deposit)
        entry(EntryKind.DEPOSIT, row, deposit.pk)
    for row in data.get(EntryKind.FUND, []):
        house = houses[row["house"]]
        if hasattr(house, "fund_account"):
            raise Conflict(
                _("%(house)s has a maintenance fund account by now; check the file again.")
                % {"house": house},
                code="fund_exists",
                allowed=[],
            )
        (account,) = governance.open_fund_accounts(
            actor=actor,
            community=community,
            rate_per_m2=_fund_rate(row["amount"], house.area),
            houses=[house],
        )
        entry(EntryKind.FUND, row, account.pk)
    for row in data.get(EntryKind.PAYMENT, []):
        payment = HistoricPayment.objects.create(
            organization_id=opening.organization_id,
            community=community,
            house_id=row["house"],
            paid_on=row["paid_on"],
            amount=Decimal(row["amount"]),
            method=row["method"],
            reference=row["reference"],
            opening=opening,
        )
        entry(EntryKind.PAYMENT, row, payment.pk)
    OpeningEntry.objects.bulk_create(entries, batch_size=2000)
    opening.status = ImportStatus.POSTED
    opening.posted_at = timezone.now()
    opening.posted_by = actor if getattr(actor, "pk", None) else None
    opening.reconciliation = reconciliation(opening)
    opening.save(update_fields=["status", "posted_at", "posted_by", "reconciliation"])
    audit.record(actor, "finance.opening.posted", opening, after=opening.reconciliation)
    return opening


def _blockers(opening):
    """Why the import can no longer be reversed: what payments and use have touched."""
    entries = OpeningEntry.objects.filter(opening=opening).select_related("house__fund_account")
    reasons = []
    bill_ids = [e.target_id for e in entries if e.kind == EntryKind.ARREARS]
    paid = billing.opening_bills_touched(bill_ids)
    if paid:
        reasons.append(
            _("%(n)s imported bills have been paid in part or in full.") % {"n": len(paid)}
        )
    prepaid = defaultdict(Decimal)
    for e in entries:
        if e.kind == EntryKind.PREPAYMENT:
            prepaid[e.house_id] += e.amount
    balances = billing_selectors.wallet_balances(list(prepaid))
    used = [h for h, amount in prepaid.items() if balances.get(h, ZERO) < amount]
    if used:
        reasons.append(
            _("The imported prepayment of %(n)s houses has been used.") % {"n": len(used)}
        )
    for e in entries:
        if e.kind == EntryKind.FUND:
            account = e.house.fund_account
            if account.balance < e.amount:
                reasons.append(
                    _("The maintenance fund of %(house)s has been drawn on.") % {"house": e.house}
                )
    return reasons


@transaction.atomic
def reverse_opening(*, actor, opening, reason):
    """Take a posted import back as a whole: credit notes on its bills, its prepayments out of
    the wallets, its deposits and fund balances reversed. Refused (409, with the reason) once a
    payment or a use has touched any of it."""
    opening = OpeningImport.objects.select_for_update().get(pk=opening.pk)
    OpeningImport.machine.check("reverse", opening.status)
    reason = clean_line(reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason for the reversal."))
    blockers = _blockers(opening)
    if blockers:
        raise Conflict(
            _("This import can no longer be reversed: %(why)s") % {"why": " ".join(blockers)},
            code="opening_touched",
            allowed=[],
            reasons=blockers,
        )
    text = _("Reversal of opening import %(number)s: %(reason)s") % {
        "number": opening.number,
        "reason": reason,
    }
    entries = list(OpeningEntry.objects.filter(opening=opening).select_related("house"))
    bills = {
        b.pk: b
        for b in billing_selectors.bills_by_id(
            [e.target_id for e in entries if e.kind == EntryKind.ARREARS]
        )
    }
    for e in entries:
        if e.kind == EntryKind.ARREARS:
            billing.reverse_opening_bill(actor=actor, bill=bills[e.target_id], reason=text)
        elif e.kind == EntryKind.PREPAYMENT:
            billing.reverse_opening_prepayment(
                actor=actor, house=e.house, amount=e.amount, reason=text
            )
        elif e.kind == EntryKind.FUND:
            governance.post_entry(
                type(e.house.fund_account).objects.select_for_update().get(house=e.house),
                FundEntryKind.REVERSAL,
                -e.amount,
                actor=actor,
                memo=text,
            )
    HeldDeposit.objects.filter(opening=opening).update(status=DepositStatus.REVERSED)
    opening.status = ImportStatus.REVERSED
    opening.reversed_at = timezone.now()
    opening.reverse_reason = reason[:300]
    opening.save(update_fields=["status", "reversed_at", "reverse_reason"])
    audit.record(actor, "finance.opening.reversed", opening, after={"reason": reason})
    return opening
