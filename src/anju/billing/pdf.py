"""PDF documents with Chinese text: receipts, bill statements, the collections case packet.
ReportLab's built-in CID font STSong-Light needs no font file on the server."""

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anju.core import formats

from . import reports, selectors, services
from .models import Allocation, BillLine, CollectionAction

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("t", fontName=FONT, fontSize=16, leading=22, spaceAfter=6)
BODY = ParagraphStyle("b", fontName=FONT, fontSize=10, leading=15)
SMALL = ParagraphStyle("s", fontName=FONT, fontSize=8.5, leading=12)


def _table(rows, widths=None):
    table = Table(
        [[Paragraph(str(c), SMALL) for c in row] for row in rows], colWidths=widths, repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def response(content, name):
    """A PDF answered inline (shown in the browser), named ``name``.pdf."""
    answer = HttpResponse(content, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return answer


def _build(story, title):
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    doc.build(story)
    return buffer.getvalue()


def _bill_lines(bill):
    rows = [[_("Fee item"), _("How it was computed"), _("Amount")]]
    for line in bill.lines.select_related("fee_item"):
        rows.append([line.fee_item.name, reports.explain_line(line), formats.money(line.amount)])
    for lc in bill.late_charges.all():
        state = _("waived") if lc.waived else ""
        rows.append(
            [
                _("Late charge") + f" {state}",
                _("simple interest %(rate)s per day on the unpaid principal, %(start)s to %(end)s")
                % {
                    "rate": (lc.detail or {}).get("rate", ""),
                    "start": (lc.detail or {}).get("from", ""),
                    "end": (lc.detail or {}).get("to", ""),
                },
                formats.money(lc.amount),
            ]
        )
    return rows


def receipt_pdf(payment):
    house = payment.house
    story = [
        Paragraph(_("Receipt") + f" {payment.receipt_number}", TITLE),
        Paragraph(f"{house.community.name} · {house}", BODY),
        Paragraph(
            _("Amount")
            + f": {formats.money(payment.amount)} · {payment.get_method_display()} · "
            + formats.when(payment.paid_at),
            BODY,
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [[_("Bill"), _("Period"), _("Fee item"), _("Applied")]]
    for a in Allocation.objects.filter(payment=payment).select_related("bill", "line__fee_item"):
        rows.append(
            [
                a.bill.number or f"#{a.bill_id}",
                a.bill.period,
                a.line.fee_item.name if a.line else _("Late charge"),
                formats.money(a.amount),
            ]
        )
    if payment.to_wallet:
        rows.append(["—", "—", _("Prepayment"), formats.money(payment.to_wallet)])
    story.append(_table(rows, [35 * mm, 25 * mm, 70 * mm, 40 * mm]))
    if payment.received_by:
        story.append(
            Paragraph(
                _("Cashier") + f": {payment.received_by.get_full_name() or payment.received_by}",
                BODY,
            )
        )
    return _build(story, payment.receipt_number)


def bill_pdf(bill):
    story = [
        Paragraph(_("Bill") + f" {bill.period}", TITLE),
        Paragraph(
            f"{bill.community.name} · {bill.house} · {bill.get_payer_kind_display()} {bill.payer_name}",
            BODY,
        ),
        Paragraph(_("Due date") + f": {bill.due_date:%Y-%m-%d}", BODY),
        Spacer(1, 4 * mm),
        _table(_bill_lines(bill), [30 * mm, 115 * mm, 25 * mm]),
        Spacer(1, 3 * mm),
        Paragraph(
            _("Total")
            + f" {formats.money(bill.total)} · "
            + _("Paid")
            + f" {formats.money(bill.paid)} · "
            + pgettext("bill", "Balance")
            + f" {formats.money(bill.balance)}",
            BODY,
        ),
    ]
    return _build(story, f"bill-{bill.pk}")


def case_packet_pdf(house):
    """案件材料: bills, notices and delivery evidence for a lawsuit or arbitration."""
    story = [
        Paragraph(_("Case packet") + f" · {house.community.name} {house}", TITLE),
        Paragraph(
            pgettext("amount", "Overdue")
            + f": {formats.money(selectors.overdue_amount(house))} · "
            + _("as of")
            + f" {timezone.localdate():%Y-%m-%d}",
            BODY,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("Open bills"), TITLE),
    ]
    # The owner's bills only: the developer's, for the time before delivery, are not the
    # owner's debt (物业服务收费管理办法第16条).
    owners = selectors.of_party(selectors.open_bills(house.bills.all()))
    for bill in owners.order_by("due_date"):
        clock = services.limitation(bill)
        story.append(
            Paragraph(
                f"{bill.period} · "
                + _("due")
                + f" {bill.due_date} · "
                + _("balance")
                + f" {formats.money(bill.balance)} · "
                + _("limitation expires")
                + f" {clock['expires']}",
                BODY,
            )
        )
        story.append(_table(_bill_lines(bill), [30 * mm, 115 * mm, 25 * mm]))
        story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(_("Notices and delivery evidence"), TITLE))
    rows = [[_("Number"), _("Kind"), _("Created"), _("Deadline"), _("Delivered"), _("Proof")]]
    for a in CollectionAction.objects.filter(house=house).order_by("created_at"):
        rows.append(
            [
                a.number,
                a.get_kind_display(),
                f"{timezone.localtime(a.created_at):%Y-%m-%d}",
                a.deadline or "—",
                formats.when(a.delivered_at) if a.delivered_at else "—",
                f"{a.delivery_method} {a.delivery_proof}",
            ]
        )
    story.append(_table(rows))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(services.ART_944, SMALL))
    return _build(story, f"case-{house.pk}")


__all__ = ["BillLine", "bill_pdf", "case_packet_pdf", "receipt_pdf"]
