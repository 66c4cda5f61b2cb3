"""E-invoices (电子发票): the request (scope, paid bills only, the tax number), the state
machine, nothing invoiced twice (also under real concurrent transactions on PostgreSQL), the
诺诺 adapter against the fake platform (signature checked as the platform does), the red-letter
reversal that frees the bills, the invoices needing one after a refund, the API's paths."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.core.errors import Conflict, DomainError, InvalidTransition
from anju.finance import invoicing, selectors, services
from anju.finance.choices import InvoiceStatus
from anju.finance.models import Invoice, InvoiceLine
from anju.finance.services.invoices import NotFound

from .fakes import FakeNuonuo

pytestmark = pytest.mark.django_db

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17):
    """GB 32100-2015's check character, written here from the standard (not the service's)."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + ALPHABET[(31 - total % 31) % 31]


COMPANY = uscc("91330106MA2B3C4D5")


def paid_bill(world, house_index=0, amount="106.00", source=None):
    house = world.houses[house_index]
    bill = billing.charge_service_fee(
        actor=world.users["org_admin"],
        house=house,
        amount=amount,
        description="物业服务费",
        source=source
        or f"test:{house.pk}:{amount}:{Invoice.objects.count()}:{InvoiceLine.objects.count()}",
        item_name="物业服务费",
    )
    billing.record_payment(actor=world.users["cashier"], house=house, amount=amount, method="cash")
    bill.refresh_from_db()
    assert bill.status == "paid"
    return bill


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


# --- the request --------------------------------------------------------------------------


def test_tax_number_is_a_checked_unified_social_credit_code():
    assert services.clean_tax_number(COMPANY.lower()) == COMPANY
    assert services.clean_tax_number("") == ""
    for bad in (COMPANY[:-1], COMPANY[:-1] + ("0" if COMPANY[-1] != "0" else "1"), "I" * 18):
        with pytest.raises(DomainError) as exc:
            services.clean_tax_number(bad)
        assert "tax_number" in exc.value.fields


def test_resident_requests_an_invoice_of_their_paid_bill_with_the_tax_separated(world):
    bill = paid_bill(world, amount="106.00")
    answer = client(world.users["resident"]).post(
        "/api/v1/invoices/",
        {"bills": [bill.pk], "title": "某某科技有限公司", "tax_number": COMPANY},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "requested"
    assert data["buyer_kind"] == "company"
    assert Decimal(data["amount"]) == Decimal("106.00")
    assert Decimal(data["tax"]) == Decimal("6.00")  # 6% VAT inside 106.00 (ANJU_FINANCE_VAT_RATE)
    line = data["lines"][0]
    assert line["bill"] == bill.pk and Decimal(line["net"]) == Decimal("100.00")
    assert data["allowed_actions"] == ["issue", "reject"]


def test_another_house_bill_is_404_and_an_unpaid_one_400(world):
    theirs = paid_bill(world, house_index=1)
    c = client(world.users["resident"])
    answer = c.post("/api/v1/invoices/", {"bills": [theirs.pk], "title": "张三"}, format="json")
    assert answer.status_code == 404
    assert (
        c.post(
            "/api/v1/invoices/", {"bills": [99999999], "title": "张三"}, format="json"
        ).status_code
        == 404
    )
    answer = c.post(
        "/api/v1/invoices/",
        {"bills": [], "title": "张三"},
        format="json",
    )
    assert answer.status_code == 400
    answer = c.post(
        "/api/v1/invoices/",
        {"bills": [paid_bill(world).pk], "title": "X公司", "buyer_kind": "company"},
        format="json",
    )
    assert answer.status_code == 400 and "tax_number" in answer.json()["error"]["fields"]
    unpaid = billing.charge_service_fee(
        actor=world.users["org_admin"],
        house=world.houses[0],
        amount="50.00",
        description="x",
        source="test:unpaid",
        item_name="物业服务费",
    )
    answer = c.post("/api/v1/invoices/", {"bills": [unpaid.pk], "title": "张三"}, format="json")
    assert answer.status_code == 400 and "bills" in answer.json()["error"]["fields"]
    assert not Invoice.objects.exists()


def test_a_bill_is_on_one_live_invoice_and_its_payment_too(world):
    bill = paid_bill(world)
    actor = world.users["resident"]
    services.request_invoice(actor=actor, bills=[bill.pk], title="张三")
    with pytest.raises(Conflict):
        services.request_invoice(actor=actor, bills=[bill.pk], title="张三")
    payment = billing_selectors.settled_pairs(bill_ids=[bill.pk]).pop()[0]
    with pytest.raises(Conflict):
        services.request_invoice(actor=world.users["finance"], payments=[payment], title="张三")
    answer = client(actor).post(
        "/api/v1/invoices/", {"bills": [bill.pk], "title": "张三"}, format="json"
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "already_invoiced"
    assert InvoiceLine.objects.filter(bill=bill, live=True).count() == 1


def test_rejecting_frees_the_bill(world):
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    services.reject_invoice(actor=world.users["finance"], invoice=invoice, reason="抬头有误")
    again = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    assert again.pk != invoice.pk


# --- issuing and the state machine ---------------------------------------------------------


def test_issue_with_the_local_platform_then_no_second_issue(world):
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    invoice = services.issue_invoice(
        actor=world.users["finance"], invoice=invoice, provider=invoicing.LocalProvider()
    )
    assert invoice.status == InvoiceStatus.ISSUED and invoice.invoice_number and invoice.pdf_url
    with pytest.raises(InvalidTransition) as exc:
        services.issue_invoice(
            actor=world.users["finance"], invoice=invoice, provider=invoicing.LocalProvider()
        )
    assert exc.value.allowed == ["reverse"]


def test_issue_without_a_platform_is_refused_and_nothing_changes(world, settings):
    settings.ANJU_INVOICE_PROVIDER = ""
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    with pytest.raises(DomainError) as exc:
        services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert exc.value.code == "invoice_provider_unconfigured"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REQUESTED


def test_reverse_before_issue_is_409(world):
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    with pytest.raises(InvalidTransition):
        services.reverse_invoice(
            actor=world.users["finance"],
            invoice=invoice,
            reason="x",
            provider=invoicing.LocalProvider(),
        )


# --- the 诺诺 adapter against the fake platform ----------------------------------------------


@pytest.fixture
def nuonuo(settings):
    with FakeNuonuo() as fake:
        settings.ANJU_INVOICE_PROVIDER = "nuonuo"
        settings.ANJU_NUONUO = fake.settings()
        yield fake


def test_nuonuo_issues_signed_requests_and_keeps_the_pdf_link(world, nuonuo):
    bill = paid_bill(world, amount="212.00")
    invoice = services.request_invoice(
        actor=world.users["resident"], bills=[bill.pk], title="某某科技有限公司", tax_number=COMPANY
    )
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert invoice.status == InvoiceStatus.ISSUED, invoice.message
    assert invoice.provider == "nuonuo" and invoice.serial in nuonuo.invoices
    assert invoice.pdf_url.endswith(".pdf") and invoice.ofd_url.endswith(".ofd")
    order = nuonuo.invoices[invoice.serial]["order"]
    assert order["buyerTaxNum"] == COMPANY and order["orderNo"] == invoice.number
    detail = order["invoiceDetail"][0]
    assert (detail["taxIncludedAmount"], detail["taxExcludedAmount"], detail["tax"]) == (
        "212.00",
        "200.00",
        "12.00",
    )
    assert detail["taxRate"] == "0.06"
    # every request went through the platform's own signature check
    assert len(nuonuo.senids) == 2


def test_nuonuo_refuses_a_wrong_signature_and_the_invoice_is_failed(world, nuonuo, settings):
    settings.ANJU_NUONUO = {**nuonuo.settings(), "app_secret": "not-the-secret"}
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert invoice.status == InvoiceStatus.FAILED and "签名错误" in invoice.message
    assert not nuonuo.invoices
    # with the right secret it can be issued again
    settings.ANJU_NUONUO = nuonuo.settings()
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert invoice.status == InvoiceStatus.ISSUED


def test_nuonuo_signing_then_issued_on_refresh(world, nuonuo):
    nuonuo.pending = 1
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert invoice.status == InvoiceStatus.ISSUING and invoice.serial
    invoice = services.refresh_invoice(actor=None, invoice=invoice)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.invoice_number


def test_nuonuo_platform_failure_is_kept(world, nuonuo):
    nuonuo.fail_with = "购方名称不合法"
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    assert invoice.status == InvoiceStatus.FAILED and invoice.message == "购方名称不合法"


def test_red_letter_reversal_frees_the_bills(world, nuonuo):
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    invoice = services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    invoice = services.reverse_invoice(actor=world.users["finance"], invoice=invoice, reason="退款")
    assert invoice.status == InvoiceStatus.REVERSED and invoice.red_number.startswith("9")
    red = nuonuo.red_calls[0]
    assert red["invoiceType"] == "2" and red["invoiceNum"] == invoice.invoice_number
    assert red["invoiceDetail"][0]["taxIncludedAmount"] == "-106.00"
    assert not InvoiceLine.objects.filter(invoice=invoice, live=True).exists()
    again = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    assert again.status == InvoiceStatus.REQUESTED
    with pytest.raises(InvalidTransition):
        services.reverse_invoice(actor=world.users["finance"], invoice=invoice, reason="again")
    assert len(nuonuo.red_calls) == 1


def test_a_credit_note_on_an_invoiced_bill_lists_it_as_needing_red_letter(world):
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    services.issue_invoice(
        actor=world.users["finance"], invoice=invoice, provider=invoicing.LocalProvider()
    )
    base = Invoice.objects.all()
    assert not selectors.needing_reversal(base).exists()
    billing.issue_credit_note(
        actor=world.users["manager"], line=bill.lines.first(), amount="106.00", reason="退费"
    )
    assert list(selectors.needing_reversal(base)) == [invoice]


# --- the API's paths -----------------------------------------------------------------------


def test_api_issue_and_reverse_paths_and_who_may(
    world, settings, django_capture_on_commit_callbacks
):
    settings.ANJU_INVOICE_PROVIDER = "local"
    bill = paid_bill(world)
    resident = client(world.users["resident"])
    created = resident.post(
        "/api/v1/invoices/", {"bills": [bill.pk], "title": "张三"}, format="json"
    )
    pk = created.json()["id"]
    assert resident.post(f"/api/v1/invoices/{pk}/issue/").status_code == 403
    assert client(world.users["neighbour"]).get(f"/api/v1/invoices/{pk}/").status_code == 404
    assert client(world.users["outsider"]).post(f"/api/v1/invoices/{pk}/issue/").status_code == 404
    finance = client(world.users["finance"])
    with django_capture_on_commit_callbacks(execute=True):
        issued = finance.post(f"/api/v1/invoices/{pk}/issue/")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    from anju.core.models import Notification

    assert Notification.objects.filter(
        user=world.users["resident"], event="finance.invoice.issued"
    ).exists()
    assert finance.post(f"/api/v1/invoices/{pk}/issue/").status_code == 409
    assert finance.post(f"/api/v1/invoices/{pk}/reverse/", {}, format="json").status_code == 400
    reversed_ = finance.post(f"/api/v1/invoices/{pk}/reverse/", {"reason": "退款"}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    listed = resident.get("/api/v1/invoices/").json()
    assert [row["id"] for row in listed["results"]] == [pk]


def test_invoice_payments_of_a_house(world):
    bill = paid_bill(world, amount="300.00")
    payment = billing_selectors.payments_by_id(
        [p for p, _b in billing_selectors.settled_pairs(bill_ids=[bill.pk])]
    ).get()
    invoice = services.request_invoice(
        actor=world.users["finance"], payments=[payment.pk], title="张三"
    )
    assert invoice.amount == Decimal("300.00") and invoice.lines.get().payment_id == payment.pk
    with pytest.raises(Conflict):
        services.request_invoice(actor=world.users["finance"], payments=[payment.pk], title="张三")
    with pytest.raises(NotFound):
        services.request_invoice(
            actor=world.users["neighbour"], payments=[payment.pk], title="王五"
        )
    with pytest.raises(Conflict):  # the bill that payment settled is invoiced with it
        services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")


def test_list_queries_do_not_grow(world, django_assert_max_num_queries):
    for _ in range(6):
        services.request_invoice(
            actor=world.users["resident"], bills=[paid_bill(world).pk], title="张三"
        )
    finance = client(world.users["finance"])
    with django_assert_max_num_queries(12):
        assert len(finance.get("/api/v1/invoices/").json()["results"]) == 6


# --- real concurrency on PostgreSQL ---------------------------------------------------------


def _race(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(("ok", work()))
        except Exception as exc:  # noqa: BLE001 - the outcome of each contender is the test
            results.append(("error", exc))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_and_issues_never_invoice_twice(world):
    bill = paid_bill(world)
    resident = world.users["resident"]
    results = _race(
        4, lambda: services.request_invoice(actor=resident, bills=[bill.pk], title="张三").pk
    )
    ok = [r for kind, r in results if kind == "ok"]
    errors = [r for kind, r in results if kind == "error"]
    assert len(ok) == 1, results
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert InvoiceLine.objects.filter(bill=bill, live=True).count() == 1

    calls = []

    class Counting(invoicing.LocalProvider):
        def issue(self, order):
            calls.append(order.order_no)
            return super().issue(order)

    invoice = Invoice.objects.get(pk=ok[0])
    results = _race(
        4,
        lambda: (
            services.issue_invoice(
                actor=world.users["finance"], invoice=invoice, provider=Counting()
            ).status
        ),
    )
    assert [r for kind, r in results if kind == "ok"] == [InvoiceStatus.ISSUED], results
    assert all(isinstance(r, InvalidTransition) for kind, r in results if kind == "error")
    assert len(calls) == 1
    # the database itself refuses a second live line of the bill (the index under the service)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            organization_id=bill.organization_id,
            community_id=bill.community_id,
            house_id=bill.house_id,
            invoice=invoice,
            bill=bill,
            item="x",
            amount="1.00",
            vat_rate="0.06",
            net="0.94",
            tax="0.06",
        )


def test_the_sweep_asks_about_invoices_being_signed(world, nuonuo):
    nuonuo.pending = 1
    bill = paid_bill(world)
    invoice = services.request_invoice(actor=world.users["resident"], bills=[bill.pk], title="张三")
    services.issue_invoice(actor=world.users["finance"], invoice=invoice)
    from anju.finance import tasks

    assert tasks.refresh_issuing_invoices() == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
