"""The street office's monthly sorting report as an Excel workbook (openpyxl, like
``core.excel``): a summary sheet (weights per category in the jurisdiction's names, the
inspections by grade, the correct sorting rate) and a sheet of the rate per building."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font


def _sheet(ws, title, headers, rows):
    ws.title = str(title)[:31]
    ws.append([str(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for column in ("A", "B", "C", "D", "E"):
        ws.column_dimensions[column].width = 18
    ws.freeze_panes = "A2"


def workbook(report) -> bytes:
    wb = Workbook()
    summary = [
        (_("community"), report.community.name),
        (_("month"), f"{report.month:%Y-%m}"),
        (_("rules"), f"{report.rules.name}（{report.rules.citation}）" if report.rules else ""),
    ]
    summary += [(f"{name} (kg)", float(kg)) for _code, name, kg in report.weights]
    summary += [
        (_("total (kg)"), float(report.total_kg)),
        (_("inspections"), report.inspections),
        (_("correctly sorted"), report.correct),
        (_("minor mistakes"), report.minor),
        (_("not sorted"), report.wrong),
        (_("correct sorting rate (%)"), float(report.rate) if report.rate is not None else ""),
    ]
    summary += [
        (_("pickups collected: %(kind)s") % {"kind": kind}, n) for kind, n in report.pickups.items()
    ]
    _sheet(wb.active, _("Monthly report"), [_("item"), _("value")], summary)
    _sheet(
        wb.create_sheet(),
        _("Rate per building"),
        [_("building"), _("inspections"), _("correctly sorted"), _("correct sorting rate (%)")],
        [
            (
                b.building or _("whole community"),
                b.total,
                b.correct,
                float(b.rate) if b.rate is not None else "",
            )
            for b in report.buildings
        ],
    )
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filename(report):
    return f"waste-report-{report.community.pk}-{report.month:%Y-%m}.xlsx"
