"""Excel (.xlsx) export for every list, with headers in the user's language."""

import html
from decimal import Decimal
from io import BytesIO

from django.utils.html import strip_tags
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter


def _label(serializer, name):
    field = getattr(serializer, "fields", {}).get(name) if serializer is not None else None
    label = getattr(field, "label", None)
    return str(label) if label else name


def _cell(value):
    if isinstance(value, Decimal):
        return value
    if hasattr(value, "__html__"):  # a list column's markup (a tag, a link): its text
        value = html.unescape(strip_tags(str(value)))
    if isinstance(value, str):
        try:
            if value and value.replace(".", "", 1).lstrip("-").isdigit() and "." in value:
                return Decimal(value)
        except ArithmeticError:
            return value
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if value is None or isinstance(value, int | float | bool):
        return value
    return str(value)


def workbook_bytes(title, headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(title)[:31] or "Sheet"
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append([_cell(v) for v in row])
    for index, header in enumerate(headers, start=1):
        width = max(len(str(header)) * 2, 10)
        ws.column_dimensions[get_column_letter(index)].width = min(width, 40)
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_rows(serializer, fields, rows) -> bytes:
    headers = [_label(serializer, f) for f in fields]
    return workbook_bytes("export", headers, ([row.get(f) for f in fields] for row in rows))


def xlsx_response(content, filename):
    """A workbook's bytes as a download named ``filename``."""
    from django.http import HttpResponse

    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
