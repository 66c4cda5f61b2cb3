"""Paid home services: the catalogue, an order worked as a service-desk ticket, the quote of
materials, payment online through billing (the company's income, never public income)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from anju.billing import selectors as billing_selectors
from anju.billing.models import Bill, Payment
from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.testing import PASSWORD, api_client
from anju.governance.models import IncomeEntry
from anju.life import selectors, services
from anju.life.models import ServiceOrder
from anju.servicedesk.models import Ticket

from .helpers import finish, offering, on_site, order

pytestmark = pytest.mark.django_db


def test_an_order_is_a_ticket_of_its_own_category_with_the_desks_sla(world):
    o = order(world)
    ticket = Ticket.objects.get(pk=o.ticket_id)
    assert ticket.category == "home_service" and ticket.kind == "repair"
    assert ticket.house_id == world.house.pk and ticket.appointment_at == o.appointment_at
    assert ticket.arrive_due_at == o.appointment_at  # the desk's SLA: the agreed time
    assert o.number.startswith("FW") and o.price == Decimal("180.00")
    assert selectors.order_actions(o) == ["quote", "cancel"]


def test_quote_accepted_adds_materials_and_pauses_the_ticket_until_then(world):
    o = order(world)
    on_site(world, o)
    o = services.quote(
        actor=world.users["technician"], order=o, amount="35.50", note="油烟机清洗剂"
    )
    assert o.status == "quoted" and Ticket.objects.get(pk=o.ticket_id).status == "waiting"
    with pytest.raises(InvalidTransition):  # not before the resident decides
        services.pay(actor=world.users["resident"], order=o)
    o = services.accept_quote(actor=world.users["resident"], order=o)
    assert o.status == "ordered" and o.quote_decision == "accepted"
    assert Ticket.objects.get(pk=o.ticket_id).status == "in_progress"
    assert o.total == Decimal("215.50")


def test_declined_quote_goes_on_at_the_published_price(world):
    o = order(world)
    on_site(world, o)
    o = services.quote(actor=world.users["technician"], order=o, amount="50", note="新滤网")
    o = services.decline_quote(actor=world.users["resident"], order=o)
    assert o.total == Decimal("180.00") and o.quote_decision == "declined"


def test_quote_refused_for_a_service_whose_price_includes_materials(world):
    o = order(world, offering(world, name="擦玻璃", materials_extra=False))
    on_site(world, o)
    with pytest.raises(InvalidTransition):
        services.quote(actor=world.users["technician"], order=o, amount="10", note="x")


def test_bad_quote_names_the_field_and_changes_nothing(world):
    o = order(world)
    on_site(world, o)
    for amount in ("-1", "0", "abc", "1.234"):
        with pytest.raises(DomainError) as refused:
            services.quote(actor=world.users["technician"], order=o, amount=amount, note="x")
        assert "amount" in refused.value.fields
    assert ServiceOrder.objects.get(pk=o.pk).status == "ordered"


def test_paying_after_the_work_is_a_bill_paid_online_and_never_public_income(world, settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"
    o = order(world)
    on_site(world, o)
    o = services.quote(actor=world.users["technician"], order=o, amount="20", note="清洁剂")
    o = services.accept_quote(actor=world.users["resident"], order=o)
    finish(world, o)
    o.refresh_from_db()
    assert "pay" in selectors.order_actions(o)
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    started = client.post(f"/app/life/orders/{o.pk}/pay/")
    assert started.status_code == 302 and "/app/billing/pay/?bills=" in started["Location"]
    o.refresh_from_db()
    assert o.status == "unpaid" and o.amount == Decimal("200.00")
    bill = billing_selectors.charge_bills([services.order_source(o)])[services.order_source(o)]
    assert bill.total == Decimal("200.00") and bill.house_id == world.house.pk
    # Billing's own online flow with the test provider.
    client.post("/app/bills/pay/", {"house": world.house.pk})
    payment = Payment.objects.get(status="pending")
    client.post(f"/app/bills/pay/test/{payment.pk}/")
    o.refresh_from_db()
    assert o.status == "paid" and o.paid_method == "test"
    assert Bill.objects.get(pk=bill.pk).status == "paid"
    assert not IncomeEntry.objects.exists()  # the company's own income, not public income
    # The report by service counts it.
    rows = selectors.income_by_service(ServiceOrder.objects.all())
    assert rows == [
        {"offering": o.offering_id, "name": "深度保洁", "orders": 1, "amount": Decimal("200.00")}
    ]
    # The resident confirms and rates: the ticket's own rating.
    services.rate(actor=world.users["resident"], order=o, score=5, comment="很干净")
    ticket = Ticket.objects.get(pk=o.ticket_id)
    assert ticket.rating == 5 and ticket.status == "confirmed"


def test_cancel_before_it_is_taken_on_and_not_after(world):
    o = order(world)
    o = services.cancel(actor=world.users["resident"], order=o)
    assert o.status == "cancelled" and Ticket.objects.get(pk=o.ticket_id).status == "cancelled"
    other = order(world)
    on_site(world, other)
    with pytest.raises(InvalidTransition) as refused:
        services.cancel(actor=world.users["resident"], order=other)
    assert refused.value.status == 409


def test_order_refusals(world):
    service = offering(world)
    with pytest.raises(DomainError) as refused:  # too soon
        services.place_order(
            actor=world.users["resident"],
            offering=service,
            house=world.house,
            appointment_at=timezone.now() + timedelta(minutes=5),
        )
    assert "appointment_at" in refused.value.fields
    with pytest.raises(DomainError) as refused:  # not their home
        services.place_order(
            actor=world.users["resident"],
            offering=service,
            house=world.houses[1],
            appointment_at=timezone.now() + timedelta(days=1),
        )
    assert "house" in refused.value.fields
    hidden = offering(world, name="草稿", published=False)
    with pytest.raises(DomainError):
        order(world, hidden)
    with pytest.raises(Forbidden):
        services.quote(actor=world.users["neighbour"], order=order(world), amount="1", note="x")


def test_company_wide_offering_is_offered_in_every_community(world):
    service = services.save_offering(
        actor=world.users["org_admin"],
        organization=world.org,
        name="家电清洗",
        price="99",
        unit="台",
        description="空调一台",
    )
    assert service.community_id is None
    assert service in selectors.catalogue(world.users["resident"])
    with pytest.raises(Forbidden):  # a community's manager keeps only the community's
        services.save_offering(
            actor=world.users["manager"],
            organization=world.org,
            name="x",
            price="1",
            unit="次",
            description="x",
        )
    assert order(world, service).community_id == world.community.pk


def test_api_contract(world):
    client = api_client(world.users["manager"])
    made = client.post(
        "/api/v1/service-offerings/",
        {
            "community": world.community.pk,
            "name": "管道疏通",
            "price": "80.00",
            "unit": "次",
            "description": "含上门",
            "materials_extra": True,
            "published": True,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    resident = api_client(world.users["resident"])
    listed = resident.get("/api/v1/service-offerings/").json()
    assert [r["name"] for r in listed["results"]] == ["管道疏通"]
    when = (timezone.now() + timedelta(days=1)).isoformat()
    placed = resident.post(
        "/api/v1/service-orders/",
        {
            "offering": made.json()["id"],
            "house": world.house.pk,
            "appointment_at": when,
            "note": "",
        },
        format="json",
    )
    assert placed.status_code == 201, placed.content
    pk = placed.json()["id"]
    wrong = resident.post(f"/api/v1/service-orders/{pk}/accept-quote/")
    assert wrong.status_code == 409 and "cancel" in wrong.json()["error"]["allowed"]
    early = resident.post(f"/api/v1/service-orders/{pk}/pay/")
    assert early.status_code == 409
    quoted = api_client(world.users["manager"]).post(
        f"/api/v1/service-orders/{pk}/quote/", {"amount": "12.00", "note": "配件"}, format="json"
    )
    assert quoted.status_code == 200 and quoted.json()["status"] == "quoted", quoted.content
    declined = resident.post(f"/api/v1/service-orders/{pk}/decline-quote/")
    assert declined.json()["quote_decision"] == "declined"
    cancelled = resident.post(f"/api/v1/service-orders/{pk}/cancel/", {}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    outsider = api_client(world.users["outsider"])
    assert outsider.get(f"/api/v1/service-orders/{pk}/").status_code == 404


def test_portal_pages_render(world):
    service = offering(world)
    order(world, service)
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    for url in ("/app/life/services/", f"/app/life/services/{service.pk}/", "/app/life/orders/"):
        page = client.get(url)
        assert page.status_code == 200, url
    assert "深度保洁" in client.get("/app/life/services/").content.decode()
    staff = Client()
    assert staff.login(username="manager", password=PASSWORD)
    for url in ("/console/life/services/", "/console/life/orders/", "/console/life/report/"):
        assert staff.get(url).status_code == 200, url
    o = ServiceOrder.objects.get()
    assert staff.get(f"/console/life/orders/{o.pk}/").status_code == 200


def _paid(world):
    """An order worked, billed and paid at the desk (cash)."""
    from anju.billing import services as billing

    o = order(world)
    on_site(world, o)
    finish(world, o)
    o = services.pay(actor=world.users["resident"], order=o)
    billing.record_payment(
        actor=world.users["cashier"], house=world.house, amount=o.amount, method="cash"
    )
    o.refresh_from_db()
    assert o.status == "paid"
    return o


def test_a_paid_order_is_refunded_through_billings_credit_note_and_refund(world):
    from anju.billing.models import CreditNote, WalletEntry

    o = _paid(world)
    assert "refund" in selectors.order_actions(o)
    with pytest.raises(Forbidden):  # the resident asks; the cashier or the manager refunds
        services.refund(actor=world.users["resident"], order=o, reason="未上门")
    with pytest.raises(DomainError) as refused:
        services.refund(actor=world.users["cashier"], order=o, reason="  ")
    assert "reason" in refused.value.fields
    o = services.refund(actor=world.users["cashier"], order=o, reason="投诉属实，全额退款")
    assert o.status == "refunded" and o.refunded_amount == Decimal("180.00")
    assert o.refunded_by_id == world.users["cashier"].pk and not o.refund_kept
    note = CreditNote.objects.get()
    assert note.amount == Decimal("180.00") and "投诉属实" in note.reason
    bill = billing_selectors.charge_bills([services.order_source(o)])[services.order_source(o)]
    assert Bill.objects.get(pk=bill.pk).credited == Decimal("180.00")
    # Paid back: the credit went to the prepayment and straight out again.
    kinds = list(WalletEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert kinds[-2:] == [("credit", Decimal("180.00")), ("refund", Decimal("-180.00"))]
    assert billing_selectors.wallet_balances([world.house.pk]).get(world.house.pk, 0) == 0
    assert not IncomeEntry.objects.exists()
    # Once: a second refund is a 409 naming what is allowed.
    with pytest.raises(InvalidTransition) as again:
        services.refund(actor=world.users["manager"], order=o, reason="再退")
    assert again.value.status == 409 and "refund" not in again.value.allowed


def test_a_refund_may_stay_as_the_households_prepayment(world):
    o = _paid(world)
    o = services.refund(
        actor=world.users["manager"], order=o, reason="改约未成", keep_as_prepayment=True
    )
    assert o.refund_kept and o.refunded_amount == Decimal("180.00")
    balances = billing_selectors.wallet_balances([world.house.pk])
    assert balances[world.house.pk] == Decimal("180.00")


def test_refund_only_of_a_paid_order_409(world):
    o = order(world)
    with pytest.raises(InvalidTransition) as refused:
        services.refund(actor=world.users["cashier"], order=o, reason="x")
    assert refused.value.status == 409 and "cancel" in refused.value.allowed
    o = services.cancel(actor=world.users["resident"], order=o)
    with pytest.raises(InvalidTransition):
        services.refund(actor=world.users["cashier"], order=o, reason="x")


def test_refund_api_and_console(world):
    o = _paid(world)
    url = f"/api/v1/service-orders/{o.pk}/refund/"
    assert api_client(world.users["resident"]).post(url, {"reason": "x"}).status_code in (403, 404)
    assert api_client(world.users["technician"]).post(url, {"reason": "x"}).status_code in (
        403,
        404,
    )
    missing = api_client(world.users["cashier"]).post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    done = api_client(world.users["cashier"]).post(url, {"reason": "未上门"}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "refunded" and body["refunded_amount"] == "180.00"
    assert body["refund_reason"] == "未上门" and body["allowed_actions"] == ["rate"]
    again = api_client(world.users["cashier"]).post(url, {"reason": "再退"}, format="json")
    assert again.status_code == 409
    # The console shows the refund on the order; the button is for a paid order only.
    other = _paid(world)
    client = Client()
    assert client.login(username="cashier", password=PASSWORD)
    page = client.get(f"/console/life/orders/{other.pk}/").content.decode()
    assert 'id="refund-order"' in page
    client.post(
        f"/console/life/orders/{other.pk}/refund/",
        {"reason": "服务未完成", "keep_as_prepayment": "on"},
    )
    other.refresh_from_db()
    assert other.status == "refunded" and other.refund_kept
    page = client.get(f"/console/life/orders/{other.pk}/").content.decode()
    assert 'id="order-refund"' in page and 'id="refund-order"' not in page
    resident = Client()
    assert resident.login(username="resident", password=PASSWORD)
    portal = resident.get("/app/life/orders/").content.decode()
    assert f'id="order-refund-{other.pk}"' in portal and "服务未完成" in portal
