from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from anju.billing import services as billing
from anju.billing.choices import Method


@pytest.fixture
def fee(world):
    """A published property fee with a contractual late charge (日万分之五, 15 days' grace)."""
    return billing.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price=Decimal("2.5000"),
        unit="元/m²·月",
        basis="物业服务合同第5条",
        effective_from=date(2024, 1, 1),
        published=True,
        late_daily_rate="0.0005",
        late_grace_days=15,
    )


def workbook(sheets, name="opening.xlsx"):
    """An .xlsx upload of ``{title: [header, *rows]}``."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


GOOD = {
    "欠费": [
        ["楼栋", "房号", "收费项目", "期间", "金额", "原到期日", "说明"],
        ["1幢", "1-0101", "物业服务费", "2025-01", "250.00", date(2025, 1, 31), "原系统"],
        ["1幢", "1-0101", "物业服务费", "2025-02", "250.00", "2025-02-28", ""],
        ["1幢", "1-0201", "物业服务费", "2025-01", "252.50", "2025-01-31", ""],
    ],
    "预存": [["楼栋", "房号", "金额"], ["1幢", "1-0301", "600.00"]],
    "押金": [
        ["楼栋", "房号", "项目", "金额", "收取日期"],
        ["1幢", "1-0401", "装修押金", "2000.00", "2025-06-01"],
    ],
    "维修资金": [["楼栋", "房号", "余额"], ["1幢", "1-0101", "8650.37"]],
    "历史收款": [
        ["楼栋", "房号", "日期", "金额", "方式", "单号"],
        ["1幢", "1-0201", "2024-12-10", "252.50", "现金", "SJ-1"],
    ],
}
