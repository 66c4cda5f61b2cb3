"""Each billing measure is defined once (billing.selectors) and every reader shows the same
number: the overdue card, the arrears page, the aging report and the comparison metric; the
bill balance in the model, the database, the API, the desk page and the PDF."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from anju.billing import pdf, reports, selectors, services
from anju.billing.models import Bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_world(world, fees):
    """Two past periods posted (both overdue today), one house partly paid, one line credited."""
    admin = world.users["org_admin"]
    for period in ("2026-01", "2026-02"):
        run = services.create_billing_run(actor=admin, community=world.community, period=period)
        services.post_billing_run(actor=admin, run=run)
    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="100.00", method="cash"
    )
    line = Bill.objects.filter(house=world.house).order_by("period")[1].lines.first()
    services.issue_credit_note(
        actor=world.users["finance"], line=line, amount=Decimal("3.50"), reason="测试红冲"
    )
    return world


def _card(world, who="manager"):
    request = RequestFactory().get("/console/")
    request.user = world.users[who]
    request.community_id = None
    config = apps.get_app_config("billing")
    arrears = reverse("console:billing-arrears")
    return next(c for c in config.dashboard_cards(request) if c.get("link") == arrears)


def test_card_arrears_page_report_and_metric_count_the_same_overdue(overdue_world, client):
    world = overdue_world
    user = world.users["manager"]
    bills = Bill.objects.visible_to(user, "billing.bill.view")
    total = selectors.overdue_total(bills)
    assert total > 0
    card = _card(world)
    assert f"¥{total:,.2f}" in card["note"]
    client.force_login(user)
    page = client.get("/console/billing/arrears/").context
    rows = page["rows"]
    assert card["value"] == page["paginator"].count == len(rows)
    assert sum(r[1] for r in rows) == total
    assert Decimal(reports.arrears_aging(bills)["total"]) == total
    today = timezone.localdate()
    metrics = {
        m.key: m
        for m in reports.community_metrics(
            user, [world.community.pk], today - timedelta(days=30), today
        )
    }
    assert metrics["overdue_amount"].values[world.community.pk] == total
    assert metrics["overdue_houses"].values[world.community.pk] == len({r[0] for r in rows})
    # A bill due today is not overdue yet; one due yesterday is.
    assert not selectors.overdue(bills, as_of=min(b.due_date for b in bills)).exists()


def test_balance_is_the_same_in_model_database_api_page_and_pdf(overdue_world, api, client):
    world = overdue_world
    bill = (
        Bill.objects.filter(house=world.house, paid__gt=0).first()
        or Bill.objects.filter(house=world.house, credited__gt=0).first()
    )
    bill.refresh_from_db()
    expected = bill.total + bill.late_fee - bill.paid - bill.credited
    assert bill.balance == expected
    assert Bill.objects.annotate(b=selectors.balance()).get(pk=bill.pk).b == expected
    assert selectors.house_arrears(world.house) == sum(
        (b.balance for b in selectors.of_party(Bill.objects.filter(house=world.house))),
        Decimal("0"),
    )
    body = api(world.users["finance"]).get(f"/api/v1/bills/{bill.pk}/").json()
    assert Decimal(body["balance"]) == expected
    client.force_login(world.users["cashier"])
    page = client.get(f"/console/billing/desk/?house={world.house.pk}").content.decode()
    assert f"¥{expected}" in page
    from anju.billing.tests.test_wechat_pdf import _pdftotext

    assert f"¥{expected}" in _pdftotext(pdf.bill_pdf(bill))
