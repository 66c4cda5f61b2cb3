"""Every menu entry of each role, as they see it (issue 18, "Done means"): the desk: company admin, community manager, agent, cashier and finance.

On the demo data, each login opens the page it lands on and every entry of its menu, in
Chinese and in English, at 390 px and at 1366 px, in headless Chromium. The walk fails on a
4xx/5xx answer, a console error, horizontal overflow, a target under 44 x 44 px on the phone,
English words, raw codes or msgids on a Chinese page, and Chinese interface text on an English
page (``tests/ui_audit.py``). The findings are also written to var/screens/.
"""

import pytest
import ui_audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGINS = ["admin", "manager", "agent", "cashier", "finance"]


def test_every_menu_entry_reads_right(live_server, browser):
    lines = ui_audit.walk_demo(live_server, browser, LOGINS, "walk-desk")
    findings = [line for line in lines if line.startswith("  ")]
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings[:80])
