from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from anju.billing import services as billing
from anju.billing.choices import Method
from anju.core.models import Entrance, House
from anju.core.tests.samples import jpeg, upload
from anju.facilities import services as facilities
from anju.finance import services as finance
from anju.finance.tests.conftest import GOOD, workbook
from anju.governance import services as governance
from anju.servicedesk import services as servicedesk


@pytest.fixture
def stocked(world):
    """The world's first community with a record in every table the package carries."""
    admin = world.users["org_admin"]
    c = world.community
    area = billing.create_fee_item(
        actor=admin,
        community=c,
        name="物业服务费",
        method=Method.AREA,
        unit_price=Decimal("2.5000"),
        unit="元/m²·月",
        basis="物业服务合同第5条",
        effective_from=date(2024, 1, 1),
        published=True,
        late_daily_rate="0.0005",
    )
    billing.create_fee_item(
        actor=admin,
        community=c,
        name="垃圾清运费",
        method=Method.FIXED,
        unit_price=Decimal("10.0000"),
        unit="元/户·月",
        effective_from=date(2024, 1, 1),
        published=True,
    )
    run = billing.create_billing_run(actor=admin, community=c, period="2026-01")
    billing.post_billing_run(actor=admin, run=run)
    opening = finance.check_opening(actor=admin, community=c, fileobj=workbook(GOOD))
    assert opening.report["errors"] == []
    finance.post_opening(actor=admin, opening=opening)
    billing.accrue_late_charges(community=c)
    h0, h1 = world.houses[0], world.houses[1]
    entrance = Entrance.objects.create(
        organization=world.org, community=c, building=world.building, name="1单元"
    )
    House.objects.filter(pk=h0.pk).update(entrance=entrance)
    billing.record_payment(actor=world.users["cashier"], house=h0, amount="100.00", method="cash")
    billing.record_payment(actor=world.users["cashier"], house=h1, amount="1000.00", method="cash")
    line = h0.bills.order_by("pk").first().lines.first()
    billing.issue_credit_note(actor=admin, line=line, amount="5.00", reason="面积更正")
    finance.record_deposit(actor=admin, house=h1, description="装修押金", amount="3000.00")
    governance.open_fund_accounts(
        actor=admin, community=c, rate_per_m2="50", houses=[world.houses[2]]
    )
    lift = facilities.create_asset(
        actor=admin,
        community=c,
        name="1幢客梯",
        category="elevator",
        code="DT-01",
        building=world.building,
    )
    facilities.create_plan(
        actor=admin,
        community=c,
        name="半月保",
        category="elevator",
        frequency="every_n_days",
        interval=15,
        starts_on=timezone.localdate() - timedelta(days=30),
        assets=[lift],
    )
    facilities.generate_tasks(
        today=timezone.localdate() - timedelta(days=30),
        until=timezone.localdate() - timedelta(days=1),
    )
    ticket = servicedesk.open_ticket(
        actor=world.users["agent"],
        community=c,
        kind="repair",
        category="water",
        description="厨房漏水",
        channel="phone",
        house=h0,
        reporter=world.people["owner"],
        attachments=[upload(jpeg(320, 240))],
    )
    opens = timezone.now() + timedelta(days=20)
    vote = governance.create_vote(
        actor=admin,
        community=c,
        title="选聘物业服务企业",
        matter="rules_of_procedure",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
        buildings=[world.building],
    )
    disclosure = governance.generate_disclosure(
        actor=admin, community=c, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
    )
    return SimpleNamespace(
        world=world, area=area, lift=lift, ticket=ticket, vote=vote, disclosure=disclosure
    )
