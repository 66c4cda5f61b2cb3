"""E-invoice pages: the resident's 我的发票 and request form (own paid bills only, errors on
the field, a bill of another home 404), finance's list with the issue button and the invoice
page with the red-letter reversal."""

import pytest
from django.test import Client

from anju.core.testing import PASSWORD
from anju.finance import invoicing, services
from anju.finance.choices import InvoiceStatus
from anju.finance.models import Invoice

from .test_invoices import paid_bill

pytestmark = pytest.mark.django_db


def login(user):
    c = Client()
    c.login(username=user.username, password=PASSWORD)
    return c


def test_resident_requests_and_sees_their_invoice(world):
    bill = paid_bill(world)
    theirs = paid_bill(world, house_index=1)
    c = login(world.users["resident"])
    page = c.get("/app/finance/invoices/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{bill.pk}"' in body and f'value="{theirs.pk}"' not in body
    # a title is needed: the form comes back with the message on the field, the tick kept
    again = c.post("/app/finance/invoices/new/", {"bills": [bill.pk], "title": ""})
    assert again.status_code == 200 and "checked" in again.content.decode()
    assert not Invoice.objects.exists()
    assert (
        c.post("/app/finance/invoices/new/", {"bills": [theirs.pk], "title": "张三"}).status_code
        == 404
    )
    done = c.post("/app/finance/invoices/new/", {"bills": [bill.pk], "title": "张三"})
    assert done.status_code == 302 and done["Location"] == "/app/finance/invoices/"
    listed = c.get("/app/finance/invoices/").content.decode()
    assert "张三" in listed
    invoice = Invoice.objects.get()
    services.issue_invoice(
        actor=world.users["finance"], invoice=invoice, provider=invoicing.LocalProvider()
    )
    listed = c.get("/app/finance/invoices/").content.decode()
    assert f"/app/finance/invoices/{invoice.number}/preview/" in listed
    preview = c.get(f"/app/finance/invoices/{invoice.number}/preview/")
    assert preview.status_code == 200
    assert (
        login(world.users["neighbour"])
        .get(f"/app/finance/invoices/{invoice.number}/preview/")
        .status_code
        == 404
    )


def test_finance_issues_from_the_list_and_reverses_on_the_invoice(world, settings):
    settings.ANJU_INVOICE_PROVIDER = "local"
    for _ in range(3):
        services.request_invoice(
            actor=world.users["resident"], bills=[paid_bill(world).pk], title="张三"
        )
    c = login(world.users["finance"])
    listed = c.get("/console/finance/invoices/")
    assert listed.status_code == 200 and listed.content.decode().count('value="issue"') == 3
    invoice = Invoice.objects.order_by("pk").first()
    answer = c.post(f"/console/finance/invoices/{invoice.pk}/", {"action": "issue", "next": "list"})
    assert answer.status_code == 302 and answer["Location"] == "/console/finance/invoices/"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    page = c.get(f"/console/finance/invoices/{invoice.pk}/")
    assert page.status_code == 200 and 'value="reverse"' in page.content.decode()
    c.post(f"/console/finance/invoices/{invoice.pk}/", {"action": "reverse", "reason": "退款"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.REVERSED
    # residents and other companies' staff never reach the console pages
    assert login(world.users["resident"]).get("/console/finance/invoices/").status_code == 302
    assert (
        login(world.users["outsider"]).get(f"/console/finance/invoices/{invoice.pk}/").status_code
        == 404
    )
    assert (
        login(world.users["agent"])
        .post(f"/console/finance/invoices/{invoice.pk}/", {"action": "issue"})
        .status_code
        == 403
    )


def test_console_list_queries_do_not_grow(world, django_assert_max_num_queries):
    for _ in range(5):
        services.request_invoice(
            actor=world.users["resident"], bills=[paid_bill(world).pk], title="张三"
        )
    c = login(world.users["finance"])
    c.get("/console/finance/invoices/")
    with django_assert_max_num_queries(25):
        assert c.get("/console/finance/invoices/").status_code == 200
