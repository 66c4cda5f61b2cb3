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
