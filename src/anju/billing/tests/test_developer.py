"""The developer's charges stay the developer's (物业服务收费管理办法第16条).

A house delivered inside a billing period: the owner is billed from the delivery day, the
developer for the days before it, on a bill of its own. The residents neither see nor pay the
developer's bills; the developer's payment settles only those."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from anju.billing import selectors, services
from anju.billing.models import Bill, BillLine, Payment
from anju.core.errors import DomainError
from anju.core.testing import api_client

pytestmark = pytest.mark.django_db

PERIOD = "2027-01"


def _run(world, period=PERIOD):
    admin = world.users["org_admin"]
    run = services.create_billing_run(actor=admin, community=world.community, period=period)
    return services.post_billing_run(actor=admin, run=run)


@pytest.fixture
def delivered(world, fees):
    """The resident's house, delivered on 17 January 2027, and January billed."""
    house = world.house
    house.delivered_on = date(2027, 1, 17)
    house.save()
    world.community.developer = "甲置业有限公司"
    world.community.save()
    run = _run(world)
    return house, run


def _bills(house):
    return {b.payer_kind: b for b in Bill.objects.filter(house=house)}


def test_the_days_before_delivery_are_billed_to_the_developer(world, fees, delivered):
    house, run = delivered
    bills = _bills(house)
    assert set(bills) == {"owner", "developer"}
    owner, developer = bills["owner"], bills["developer"]
    assert developer.payer_name == "甲置业有限公司" and developer.payer_id is None
    assert owner.payer == world.people["owner"]
    # Each periodic item is split by days: 16 before delivery, 15 from it; together a month.
    for item in fees.values():
        mine = BillLine.objects.get(bill=owner, fee_item=item)
        theirs = BillLine.objects.get(bill=developer, fee_item=item)
        assert (mine.kind, theirs.kind) == ("regular", "before")
        assert (mine.detail["days"], theirs.detail["days"]) == (15, 16)
        full = item.unit_price * (house.area if item.method == "area" else 1)
        assert abs(mine.amount + theirs.amount - full) <= Decimal("0.01")
    assert run.result["bills"] == Bill.objects.filter(run=run).count()


def test_a_second_run_of_the_period_bills_nothing_again(world, fees, delivered):
    house, _run_ = delivered
    before = Bill.objects.count(), BillLine.objects.count()
    again = _run(world)
    assert again.result["bills"] == 0 and again.result["lines"] == 0
    assert (Bill.objects.count(), BillLine.objects.count()) == before


def test_a_period_billed_to_the_developer_before_the_delivery_was_known(world, fees):
    """January billed while the house was unsold (the developer's, in full); the delivery on
    the 17th recorded afterwards: nothing is billed twice."""
    house = world.house
    house.sold = False
    house.save()
    _run(world)
    house.sold, house.delivered_on = True, date(2027, 1, 17)
    house.save()
    again = _run(world)
    assert again.result["lines"] == 0
    assert list(Bill.objects.filter(house=house).values_list("payer_kind", flat=True)) == [
        "developer"
    ]


def test_residents_payments_never_settle_the_developers_bills(world, fees, delivered):
    house, _run_ = delivered
    bills = _bills(house)
    cashier = world.users["cashier"]
    owed = selectors.house_arrears(house)
    assert owed == bills["owner"].total
    assert selectors.house_arrears(house, developer=True) == bills["developer"].total
    # The owner pays what they owe and one month ahead: the developer's bill stays open.
    services.record_payment(actor=cashier, house=house, amount=owed + Decimal("100"), method="cash")
    bills = _bills(house)
    assert bills["owner"].status == "paid"
    assert bills["developer"].status == "open" and bills["developer"].paid == 0
    # The prepayment is the residents' money: using it does not touch the developer's bill.
    assert services.settle_wallet(actor=cashier, house=house) == 0
    assert _bills(house)["developer"].paid == 0


def test_the_developer_pays_its_own_bills_and_no_more(world, fees, delivered):
    house, _run_ = delivered
    cashier = world.users["cashier"]
    owed = selectors.house_arrears(house, developer=True)
    with pytest.raises(DomainError) as refused:
        services.record_payment(
            actor=cashier, house=house, amount=owed + 1, method="bank", developer=True
        )
    assert "amount" in refused.value.fields
    assert not Payment.objects.exists()
    payment = services.record_payment(
        actor=cashier, house=house, amount=owed, method="bank", developer=True
    )
    assert payment.for_developer and payment.payer_name == "甲置业有限公司"
    assert payment.to_wallet == 0
    bills = _bills(house)
    assert bills["developer"].status == "paid" and bills["owner"].status == "open"
    assert selectors.house_arrears(house) == bills["owner"].total


def test_collections_against_the_owner_count_only_the_owners_side(world, fees, delivered):
    house, _run_ = delivered
    later = date(2027, 6, 1)
    assert selectors.overdue_amount(house, later) == _bills(house)["owner"].total
    assert (
        selectors.overdue_amount(house, later, developer=True) == _bills(house)["developer"].total
    )


def test_residents_do_not_see_the_developers_bills_or_payments(world, fees, delivered):
    house, _run_ = delivered
    services.record_payment(
        actor=world.users["cashier"],
        house=house,
        amount=selectors.house_arrears(house, developer=True),
        method="bank",
        developer=True,
    )
    resident = api_client(world.users["resident"])
    kinds = [b["payer_kind"] for b in resident.get("/api/v1/bills/").json()["results"]]
    assert kinds == ["owner"]
    developer_bill = _bills(house)["developer"]
    assert resident.get(f"/api/v1/bills/{developer_bill.pk}/").status_code == 404
    assert resident.get("/api/v1/payments/").json()["count"] == 0
    # Staff of the community see both.
    staff = api_client(world.users["cashier"])
    got = staff.get(f"/api/v1/bills/?house={house.pk}").json()["results"]
    assert sorted(b["payer_kind"] for b in got) == ["developer", "owner"]
    assert staff.get("/api/v1/payments/").json()["results"][0]["for_developer"] is True


def test_the_api_takes_the_developers_payment(world, fees, delivered):
    house, _run_ = delivered
    owed = selectors.house_arrears(house, developer=True)
    staff = api_client(world.users["cashier"])
    body = {"house": house.pk, "amount": str(owed + 1), "method": "bank", "for_developer": True}
    refused = staff.post("/api/v1/payments/", body, format="json")
    assert refused.status_code == 400 and "amount" in refused.json()["error"]["fields"]
    body["amount"] = str(owed)
    made = staff.post("/api/v1/payments/", body, format="json")
    assert made.status_code == 201 and made.json()["for_developer"] is True
    assert _bills(house)["developer"].status == "paid"
    # Another company's admin cannot pay (or see) this house's bills.
    outsider = api_client(world.users["outsider"])
    assert outsider.post("/api/v1/payments/", body, format="json").status_code in (400, 404)


def test_the_cashier_desk_shows_and_takes_the_developers_side(client, world, fees, delivered):
    house, _run_ = delivered
    client.force_login(world.users["cashier"])
    url = reverse("console:billing-desk")
    page = client.get(url, {"house": house.pk}).content.decode()
    assert "甲置业有限公司" in page and 'name="developer-amount"' in page
    owed = selectors.house_arrears(house, developer=True)
    form = {
        "house": house.pk,
        "developer-amount": str(owed + 5),
        "developer-method": "bank",
        "developer-reference": "回单 0117",
    }
    again = client.post(url, form)
    assert again.status_code == 200 and not Payment.objects.exists()
    assert "回单 0117" in again.content.decode()  # what was typed stays
    form["developer-amount"] = str(owed)
    done = client.post(url, form)
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert payment.for_developer and payment.reference == "回单 0117"
    assert _bills(house)["developer"].status == "paid"
    assert _bills(house)["owner"].status == "open"


def test_the_arrears_list_keeps_the_developers_row_apart(client, world, fees, delivered):
    house, _run_ = delivered
    with time_machine.travel(date(2027, 6, 1)):
        client.force_login(world.users["manager"])
        response = client.get(reverse("console:billing-arrears"))
    rows = response.context["rows"]
    mine = [(owed, developer) for h, owed, _o, _d, _last, developer in rows if h.pk == house.pk]
    bills = _bills(house)
    assert sorted(mine) == sorted(
        [(bills["owner"].balance, False), (bills["developer"].balance, True)]
    )
    # The developer's row offers the desk, not a collection step against the owner.
    page = response.content.decode()
    assert f"?house={house.pk}#developer" in page


def test_the_three_scope_forms_agree_on_the_developers_bills(world, fees, delivered):
    """scope_q (the ORM), scope_sql (hand-written statements) and object_visible (a loaded
    object) hide the same rows from residents and show them to staff."""
    from django.db import connection

    from anju.core.scoping import object_visible, scope_sql

    house, _run_ = delivered
    every = list(Bill.objects.all())
    for name in ("resident", "tenant", "cashier", "outsider"):
        user = world.users[name]
        orm = set(Bill.objects.visible_to(user, "billing.bill.view").values_list("pk", flat=True))
        where, params = scope_sql(Bill, user, "billing.bill.view") or ("1 = 1", [])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM billing_bill WHERE {where}", params)  # noqa: S608
            sql = {row[0] for row in cursor.fetchall()}
        loaded = {b.pk for b in every if object_visible(b, user, "billing.bill.view")}
        assert orm == sql == loaded, name
    resident = world.users["resident"]
    seen = Bill.objects.visible_to(resident, "billing.bill.view")
    assert set(seen.values_list("payer_kind", flat=True)) == {"owner"}
    assert (
        Bill.objects.visible_to(world.users["cashier"], "billing.bill.view")
        .filter(payer_kind="developer", house=house)
        .exists()
    )


def test_the_case_packet_against_the_owner_holds_only_the_owners_bills(world, fees, delivered):
    """The lawsuit packet (a real PDF, read back as text) and the collection step's page list
    the owner's bills; the developer's bill of the same house is not the owner's debt."""
    from anju.billing import pdf
    from anju.billing.tests.test_wechat_pdf import _pdftotext

    house, _run_ = delivered
    bills = _bills(house)
    text = _pdftotext(pdf.case_packet_pdf(house))
    assert f"¥{bills['owner'].balance}" in text
    assert f"¥{bills['developer'].balance}" not in text
    assert str(selectors.overdue_amount(house, date(2099, 1, 1))) == str(bills["owner"].balance)
