"""QR labels: an SVG per asset or checkpoint, and A4 sheets of labels as PDF (reportlab, with
the built-in Chinese CID font so no font file is needed)."""

from dataclasses import dataclass
from io import BytesIO

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


@dataclass
class Label:
    title: str
    subtitle: str
    qr_text: str
    footer: str


def asset_url(asset, base_url=""):
    return f"{base_url.rstrip('/')}/app/facilities/a/{asset.qr_token}/"


def asset_label(asset, base_url=""):
    return Label(
        title=asset.name,
        subtitle=f"{asset.code} · {asset.location or asset.community.name}",
        qr_text=asset_url(asset, base_url),
        footer=_("Scan to report a fault"),
    )


def checkpoint_label(checkpoint):
    return Label(
        title=checkpoint.name,
        subtitle=f"{checkpoint.route.name} · {checkpoint.order}",
        qr_text=checkpoint.qr_text,
        footer=_("Patrol checkpoint"),
    )


def point_label(point):
    return Label(
        title=point.name,
        subtitle=point.route.name,
        qr_text=f"ANJU-IP:{point.qr_token}",
        footer=_("Inspection point"),
    )


def qr_svg(text, scale=4):
    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=scale, xmldecl=True)
    return buffer.getvalue().decode()


def _ensure_font():
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _draw_qr(pdf, text, x, y, size):
    qr = segno.make(text, error="m")
    matrix = list(qr.matrix_iter(scale=1, border=2))
    cell = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    x + col_index * cell,
                    y + size - (row_index + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def _wrap(text, size, width, lines):
    """Break ``text`` into at most ``lines`` lines that fit ``width`` points (CJK has no spaces)."""
    out, current = [], ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, FONT, size) > width:
            out.append(current)
            current = char
            if len(out) == lines:
                out[-1] = out[-1][:-1] + "…"
                return out
        else:
            current += char
    if current:
        out.append(current)
    return out


def label_sheet(assets=(), *, base_url="", labels=None, heading=""):
    """An A4 PDF of 3 x 7 labels, each with its QR code, name, code/location and what to do."""
    _ensure_font()
    items = list(labels or []) + [asset_label(a, base_url) for a in assets]
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(heading or _("QR labels"))
    cols, rows = 3, 7
    margin_x, margin_y = 8 * mm, 12 * mm
    width = (A4[0] - 2 * margin_x) / cols
    height = (A4[1] - 2 * margin_y) / rows
    qr_size = min(height - 8 * mm, 30 * mm)
    for index, label in enumerate(items):
        slot = index % (cols * rows)
        if index and slot == 0:
            pdf.showPage()
        col, row = slot % cols, slot // cols
        x = margin_x + col * width
        y = A4[1] - margin_y - (row + 1) * height
        pdf.setStrokeColorRGB(0.75, 0.75, 0.75)
        pdf.setDash(2, 2)
        pdf.rect(x + 1 * mm, y + 1 * mm, width - 2 * mm, height - 2 * mm, stroke=1, fill=0)
        pdf.setDash()
        _draw_qr(pdf, label.qr_text, x + 3 * mm, y + 4 * mm, qr_size)
        text_x = x + 5 * mm + qr_size
        text_width = width - qr_size - 8 * mm
        pdf.setFillColorRGB(0, 0, 0)
        top = y + height - 8 * mm
        for size, text, lines in ((10, label.title, 3), (7, label.subtitle, 2)):
            pdf.setFont(FONT, size)
            for line in _wrap(text, size, text_width, lines):
                pdf.drawString(text_x, top, line)
                top -= size * 1.3
            top -= 2
        pdf.setFont(FONT, 7)
        bottom = y + 5 * mm
        for line in reversed(_wrap(label.footer, 7, text_width, 2)):
            pdf.drawString(text_x, bottom, line)
            bottom += 9
    if not items:
        pdf.setFont(FONT, 12)
        pdf.drawString(margin_x, A4[1] - margin_y - 10 * mm, _("No labels to print."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
