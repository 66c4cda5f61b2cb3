"""What people read on the billing pages: amounts written one way (¥12,345.60), the desk finding
a house by the label printed everywhere, explanations without raw codes, receipts named 收据."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from anju.billing import reports, selectors, services
from anju.billing.choices import Method
from anju.billing.models import Bill, BillLine
from anju.core.models import House

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(world, fees):
    """A large fee so the amounts need thousands separators, posted and overdue."""
    services.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="车位管理费",
        method=Method.AREA,
        unit_price=Decimal("123.4560"),
        unit="元/m²·月",
        basis="合同附件3",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    run = services.create_billing_run(
        actor=world.users["org_admin"], community=world.community, period="2027-01"
    )
    services.post_billing_run(actor=world.users["org_admin"], run=run)
    Bill.objects.update(due_date=date(2026, 1, 31))
    return Bill.objects.get(house=world.house)


def test_arrears_rows_are_rounded_to_the_fen(world, big):
    rows = selectors.arrears_rows(Bill.objects.all(), date(2026, 3, 1))
    owed = next(r["owed"] for r in rows if r["house_id"] == world.house.pk)
    assert owed == big.balance and owed.as_tuple().exponent == -2


def test_arrears_page_and_desk_write_amounts_with_separators(world, big, client):
    client.force_login(world.users["cashier"])
    expected = f"¥{big.balance:,.2f}"  # 100 m² × 123.456 + 250 + 10 = ¥12,605.60
    assert expected == "¥12,605.60"
    text = client.get("/console/billing/arrears/").content.decode()
    assert expected in text and "0000" not in text.split("<main")[-1]
    text = client.get(f"/console/billing/desk/?house={world.house.pk}").content.decode()
    assert expected in text and "¥12,345.60" in text
    assert "¥12605.60" not in text and "¥12345.60" not in text


def test_bill_lines_name_the_area_source_not_its_code(world, big):
    line = BillLine.objects.filter(bill=big).select_related("fee_item").first()
    with translation.override("zh-hans"):
        text = reports.explain_line(line)
    assert "registry" not in text and "不动产登记" in text
    with translation.override("en"):
        assert "(Real-estate registry)" in reports.explain_line(line)


@pytest.mark.parametrize(
    "q", ["1幢-1-0101", "1幢 1-0101", "1-0101", "张三", "13900001111", "1111", "李四"]
)
def test_desk_finds_a_house_by_its_label_parts_owner_and_phone(world, big, client, q):
    client.force_login(world.users["cashier"])
    label = str(House.objects.select_related("building").get(pk=world.house.pk))
    assert label == "1幢-1-0101"
    r = client.get("/console/billing/desk/", {"q": q})
    assert r.context["house"] == world.house or world.house in r.context["matches"], q


def test_desk_search_finds_nothing_for_a_stranger(world, big, client):
    client.force_login(world.users["cashier"])
    r = client.get("/console/billing/desk/", {"q": "赵六"})
    assert r.context["house"] is None and not r.context["matches"]


def test_receipt_is_shou_ju_with_a_readable_time(world, big, client):
    payment = services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="1000.00", method="cash"
    )
    client.force_login(world.users["cashier"])
    with translation.override("zh-hans"):
        text = client.get(f"/console/billing/desk/?house={world.house.pk}").content.decode()
    assert "回执" not in text and "收据" in text
    assert payment.paid_at.isoformat()[:16] not in text
    from anju.core import formats

    assert formats.when(payment.paid_at) in text and "¥1,000.00" in text


def test_demo_payments_are_never_in_the_future():
    """Today's demo takings happen before the demo was built, not later today."""
    import random

    from django.utils import timezone

    from anju.billing.demo import _at

    rng = random.Random(7)
    today = timezone.localdate()
    now = timezone.now()
    moments = [_at(today, hour, rng) for hour in range(0, 24)]
    assert all(m <= now for m in moments)
    assert _at(today - timedelta(days=3), 9, rng) < now


@pytest.mark.parametrize("who", ["manager", "cashier"])
def test_cards_open_lists_of_exactly_what_they_count(world, big, client, who):
    from django.apps import apps
    from django.test import RequestFactory

    from anju.core import formats

    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount="1000.00", method="cash"
    )
    request = RequestFactory().get("/console/")
    request.user, request.community_id = world.users[who], None
    cards = apps.get_app_config("billing").dashboard_cards(request)
    client.force_login(world.users[who])
    by_title = {str(c["title"]): c for c in cards}
    overdue = by_title["Houses in arrears"] if "Houses in arrears" in by_title else cards[0]
    arrears = client.get(overdue["link"]).context
    assert arrears["paginator"].count == overdue["value"] == len(arrears["rows"])
    assert formats.money(sum(r[1] for r in arrears["rows"])) in overdue["note"]
    received = next(c for c in cards if c is not overdue)
    page = client.get(received["link"])
    listed = page.context["object_list"]
    assert formats.money(sum(p.amount for p in listed)) == received["value"] == "¥1,000.00"
    assert page.context["paginator"].count == len(listed) == 1
