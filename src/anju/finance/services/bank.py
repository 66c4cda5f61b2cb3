"""银行对账: statements imported from the banks' CSV or xlsx exports (column maps per bank as
data), their credit lines matched to payments received by bank transfer or card by amount,
date and reference: automatically where exactly one payment fits, by hand otherwise.

A line fits a payment of the same amount paid within ANJU_FINANCE_BANK_MATCH_DAYS of the
line's date that no other line holds; a payment whose receipt number or reference appears in
the line's text fits best. Automatic matching takes the single best fit and leaves every tie
(two payments of the same amount that day) to a person. A line repeated in the file or
already imported with another statement (same date, amount and bank serial) is skipped and
counted as a duplicate."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from anju.billing import selectors as billing_selectors
from anju.core import audit
from anju.core.errors import Conflict, DomainError, refuse
from anju.core.text import clean_line

from ..choices import LineStatus
from ..models import BankLine, BankStatement

# bank -> its name and, per field, the column headers its export uses. Data: a bank that
# renames a column gets one more header here.
BANK_LAYOUTS = {
    "icbc": {
        "name": "中国工商银行",
        "date": ["交易日期", "入账日期"],
        "credit": ["贷方发生额", "收入金额"],
        "reference": ["摘要", "用途", "附言"],
        "counterparty": ["对方户名", "对方单位"],
        "serial": ["交易流水号", "流水号"],
    },
    "ccb": {
        "name": "中国建设银行",
        "date": ["交易时间", "记账日期"],
        "credit": ["贷方金额"],
        "reference": ["摘要", "备注"],
        "counterparty": ["对方户名"],
        "serial": ["账户明细编号-交易流水号", "流水号"],
    },
    "abc": {
        "name": "中国农业银行",
        "date": ["交易日期"],
        "credit": ["收入金额"],
        "reference": ["交易用途", "摘要"],
        "counterparty": ["对方户名"],
        "serial": ["交易流水号"],
    },
    "boc": {
        "name": "中国银行",
        "date": ["交易日期"],
        "credit": ["交易金额"],
        "reference": ["附言", "摘要"],
        "counterparty": ["对方账户名称"],
        "serial": ["交易流水号"],
    },
    "cmb": {
        "name": "招商银行",
        "date": ["交易日"],
        "credit": ["贷方金额"],
        "reference": ["摘要", "用途"],
        "counterparty": ["收(付)方名称"],
        "serial": ["流水号"],
    },
    "generic": {
        "name": "通用格式",
        "date": ["日期", "date"],
        "credit": ["金额", "收入", "amount"],
        "reference": ["摘要", "附言", "reference"],
        "counterparty": ["对方户名", "counterparty"],
        "serial": ["流水号", "serial"],
    },
}


def _table(upload):
    """Rows of a CSV (UTF-8 or GBK) or xlsx upload, as lists of cells."""
    data = upload.read()
    if data.startswith(b"PK\x03\x04"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError(
                _("The file is not a readable .xlsx workbook."), fields={"file": [str(exc)[:200]]}
            ) from exc
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        refuse("file", _("The file is neither CSV nor xlsx."))
    return list(csv.reader(io.StringIO(text)))


def _header(rows, layout):
    """The header row (the first with a date and an amount column) and the column of each field."""
    for index, row in enumerate(rows[:20]):
        names = [clean_line(str(c or "")).strip() for c in row]
        columns = {}
        for field in ("date", "credit", "reference", "counterparty", "serial"):
            for header in layout[field]:
                if header in names:
                    columns[field] = names.index(header)
                    break
        if "date" in columns and "credit" in columns:
            return index, columns
    raise DomainError(
        _("No header row with a date and an amount column of this bank's layout."),
        fields={"file": [_("Choose the right bank, or use the generic layout.")]},
    )


def _cell_day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_line(str(value or "")).strip()[:10].replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return date.fromisoformat(text)


def _cell_amount(value):
    text = clean_line(str(value if value is not None else "")).strip().replace(",", "")
    if not text:
        return None
    amount = Decimal(text)
    if not amount.is_finite():
        raise InvalidOperation
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def import_statement(*, actor, community, bank, upload, filename=""):
    """Read a statement's credit lines, skip duplicates, then match what fits uniquely.
    Rows that cannot be read are reported by row and field; nothing is written if any is."""
    layout = BANK_LAYOUTS.get(bank)
    if layout is None:
        refuse("bank", _("Choose one of the banks listed."))
    rows = _table(upload)
    start, columns = _header(rows, layout)
    errors, lines, seen, duplicates = [], [], set(), 0
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(c not in (None, "") for c in row):
            continue

        def cell(field, row=row):
            i = columns.get(field)
            return row[i] if i is not None and i < len(row) else None

        try:
            amount = _cell_amount(cell("credit"))
        except (InvalidOperation, ValueError):
            errors.append({"row": number, "field": "amount", "message": _("Not an amount.")})
            continue
        if amount is None or amount <= 0:
            continue  # a debit line (money out): not a payment received
        try:
            day = _cell_day(cell("date"))
        except (ValueError, TypeError):
            errors.append({"row": number, "field": "date", "message": _("Not a date.")})
            continue
        serial = clean_line(str(cell("serial") or "")).strip()[:60]
        key = (day, amount, serial)
        if serial and (
            key in seen
            or BankLine.objects.filter(
                community=community, day=day, amount=amount, serial=serial
            ).exists()
        ):
            duplicates += 1
            continue
        seen.add(key)
        lines.append(
            BankLine(
                organization_id=community.organization_id,
                community=community,
                row=number,
                day=day,
                amount=amount,
                serial=serial,
                reference=clean_line(str(cell("reference") or "")).strip()[:200],
                counterparty=clean_line(str(cell("counterparty") or "")).strip()[:200],
            )
        )
    if errors:
        raise DomainError(
            _("%(n)s rows of the statement cannot be read; nothing was imported.")
            % {"n": len(errors)},
            fields={"file": [f"{e['row']}: {e['message']}" for e in errors[:20]]},
            rows=errors,
        )
    if not lines:
        refuse("file", _("The statement has no new credit line."))
    statement = BankStatement.objects.create(
        organization_id=community.organization_id,
        community=community,
        bank=bank,
        filename=clean_line(filename)[:200],
        first_day=min(line.day for line in lines),
        last_day=max(line.day for line in lines),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for line in lines:
        line.statement = statement
    BankLine.objects.bulk_create(lines)
    matched = auto_match(statement)
    statement.report = {"lines": len(lines), "duplicates": duplicates, "matched": matched}
    statement.save(update_fields=["report"])
    audit.record(actor, "finance.bank.imported", statement, after=statement.report)
    return statement


def _window(line):
    days = timedelta(days=settings.ANJU_FINANCE_BANK_MATCH_DAYS)
    return line.day - days, line.day + days


def candidates(line):
    """The payments that fit ``line``: same amount, paid within the window, held by no other
    line; those whose receipt number or reference is in the line's text first."""
    start, end = _window(line)
    payments = list(
        billing_selectors.received_by_bank(line.community, start, end)
        .filter(amount=line.amount, bank_line__isnull=True)
        .select_related("house__building")
    )
    text = f"{line.reference} {line.counterparty}"

    def named(p):
        return any(ref and ref in text for ref in (p.receipt_number, p.reference))

    return sorted(payments, key=lambda p: (not named(p), abs((p.paid_on - line.day).days))), [
        p for p in payments if named(p)
    ]


def auto_match(statement):
    """Match every unmatched line with exactly one best fit; returns how many were matched."""
    matched = 0
    for line in statement.lines.filter(status=LineStatus.UNMATCHED).select_related("community"):
        fits, named = candidates(line)
        choice = named[0] if len(named) == 1 else (fits[0] if len(fits) == 1 else None)
        if choice is not None:
            _match(line, choice, actor=None, automatic=True)
            matched += 1
    return matched


def _match(line, payment, *, actor, automatic):
    line.payment, line.status = payment, LineStatus.MATCHED
    line.matched_by = actor if getattr(actor, "pk", None) else None
    line.matched_automatically = automatic
    line.save(update_fields=["payment", "status", "matched_by", "matched_automatically"])


@transaction.atomic
def match_line(*, actor, line, payment):
    """Match a line to a payment by hand: same community and amount, a payment no other line
    holds; the date may be outside the automatic window (a late booking)."""
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.statement.status != "open":
        raise Conflict(_("The statement is closed."), code="closed", allowed=[])
    if line.status == LineStatus.MATCHED:
        raise Conflict(
            _("This line is matched already; unmatch it first."),
            code="matched",
            allowed=["unmatch"],
        )
    if payment.community_id != line.community_id or payment.method not in ("bank", "pos"):
        refuse("payment", _("Choose a payment of this community received by bank or card."))
    if payment.status != "succeeded":
        refuse("payment", _("The payment has not succeeded."))
    if payment.amount != line.amount:
        refuse(
            "payment",
            _("The payment is ¥%(p)s, the line ¥%(l)s.") % {"p": payment.amount, "l": line.amount},
        )
    if BankLine.objects.filter(payment=payment).exists():
        refuse("payment", _("Another statement line holds this payment."))
    _match(line, payment, actor=actor, automatic=False)
    audit.record(actor, "finance.bank.matched", line, after={"payment": payment.pk})
    return line


@transaction.atomic
def unmatch_line(*, actor, line):
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.statement.status != "open":
        raise Conflict(_("The statement is closed."), code="closed", allowed=[])
    before = line.payment_id
    line.payment, line.status, line.matched_automatically = None, LineStatus.UNMATCHED, False
    line.save(update_fields=["payment", "status", "matched_automatically"])
    audit.record(actor, "finance.bank.unmatched", line, before={"payment": before})
    return line


@transaction.atomic
def close_statement(*, actor, statement):
    """A statement whose every line is matched closes its days."""
    statement = BankStatement.objects.select_for_update().get(pk=statement.pk)
    BankStatement.machine.check("close", statement.status)
    left = statement.lines.filter(status=LineStatus.UNMATCHED).count()
    if left:
        raise Conflict(
            _("%(n)s lines are not matched yet.") % {"n": left}, code="unmatched", allowed=[]
        )
    statement.status = BankStatement.machine.check("close", statement.status)
    statement.save(update_fields=["status"])
    audit.record(actor, "finance.bank.closed", statement, after={"status": statement.status})
    return statement
