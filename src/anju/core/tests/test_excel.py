"""List exports: a list column that shows markup on screen (a status tag, a link) is its text in
the workbook; decimals stay numbers."""

import io
from decimal import Decimal

import openpyxl
from django.utils.html import format_html

from anju.core.excel import workbook_bytes


def test_markup_becomes_text_and_numbers_stay_numbers():
    content = workbook_bytes(
        "告警",
        ["状态", "工单", "金额"],
        [
            [
                format_html('<span class="tag ok">{}</span>', "在线"),
                format_html(
                    '<a href="{}">{}</a>', "/console/tickets/1/", "BX-20261128-0001 & 更多"
                ),
                Decimal("12.50"),
            ]
        ],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    row = [cell.value for cell in sheet[2]]
    assert row[0] == "在线" and row[1] == "BX-20261128-0001 & 更多"
    assert row[2] == 12.5
