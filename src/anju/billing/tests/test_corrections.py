"""Credit notes, late-charge waivers and prepayment refunds from the cashier desk (console):
finance and managers correct accounts, cashiers only see them; another community's or
company's objects are 404; the service's refusals land on the form and change nothing."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from anju.billing import services
from anju.billing.choices import Method, WalletEntryKind
from anju.billing.models import Bill, BillLine, CreditNote, LateCharge, Wallet, WalletEntry
from anju.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(world):
    """A posted January bill with a late charge accrued on its unpaid part."""
    admin = world.users["org_admin"]
    item = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="物业费",
        method=Method.AREA,
        unit_price="10",
        unit="元/m²·月",
        effective_from=date(2026, 1, 1),
        published=True,
        due_days=14,
        late_daily_rate="0.0005",
        late_grace_days=5,
    )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    services.post_billing_run(actor=admin, run=run)
    services.accrue_late_charges(as_of=date(2027, 2, 9))
    line = BillLine.objects.get(house=world.house, fee_item=item)
    return line, LateCharge.objects.get(line=line)


def test_desk_offers_corrections_to_finance_only(world, late, client):
    line, charge = late
    desk = f"/console/billing/desk/?house={world.house.pk}"
    client.force_login(world.users["finance"])
    text = client.get(desk).content.decode()
    assert f"/console/billing/lines/{line.pk}/credit/" in text
    assert f"/console/billing/late-charges/{charge.pk}/waive/" in text
    client.force_login(world.users["cashier"])
    text = client.get(desk).content.decode()
    assert "/credit/" not in text and "/waive/" not in text
    assert client.get(f"/console/billing/lines/{line.pk}/credit/").status_code == 403


def test_credit_note_from_the_desk(world, late, client):
    line, _charge = late
    client.force_login(world.users["finance"])
    url = f"/console/billing/lines/{line.pk}/credit/"
    text = client.get(url).content.decode()
    assert "可冲减" in text or "Can still be credited" in text
    assert f'value="{line.amount}"' in text  # the whole line is offered
    r = client.post(url, {"amount": "100.00", "reason": "面积登记有误，按实测面积更正"})
    assert r.status_code == 302 and r["Location"].endswith(f"?house={world.house.pk}")
    note = CreditNote.objects.get(line=line)
    assert note.amount == Decimal("100.00") and note.created_by == world.users["finance"]
    assert Bill.objects.get(pk=line.bill_id).credited == Decimal("100.00")
    assert AuditEntry.objects.filter(action="billing.creditnote.issued").exists()
    page = client.get(r["Location"]).content.decode()
    assert note.number in page  # the success message names it


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "99999.00", "reason": "太多"}, "amount"),  # more than the line
        ({"amount": "10.00", "reason": "  "}, "reason"),
        ({"amount": "-1", "reason": "负数"}, "amount"),
    ],
)
def test_refused_credit_changes_nothing_and_keeps_the_input(world, late, client, data, field):
    line, _charge = late
    client.force_login(world.users["finance"])
    r = client.post(f"/console/billing/lines/{line.pk}/credit/", data)
    assert r.status_code == 200
    assert r.context["form"].errors.get(field), r.context["form"].errors
    assert f'value="{data["amount"]}"' in r.content.decode()
    assert not CreditNote.objects.exists()


def test_waive_late_charge_from_the_desk(world, late, client):
    _line, charge = late
    client.force_login(world.users["manager"])
    url = f"/console/billing/late-charges/{charge.pk}/waive/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"reason": ""})
    assert r.status_code == 200 and r.context["form"].errors["reason"]
    r = client.post(url, {"reason": "首次逾期，经理批准减免"})
    assert r.status_code == 302
    charge.refresh_from_db()
    assert charge.waived and charge.waived_by == world.users["manager"]
    assert client.get(url).status_code == 404  # nothing left to waive


def test_refund_prepayment_from_the_desk(world, late, client):
    with time_machine.travel("2027-01-31 12:00 +0800"):
        services.record_payment(
            actor=world.users["cashier"], house=world.house, amount="5000.00", method="cash"
        )
    wallet = Wallet.objects.get(house=world.house)
    assert wallet.balance > 0
    client.force_login(world.users["finance"])
    desk = client.get(f"/console/billing/desk/?house={world.house.pk}").content.decode()
    assert f"/console/billing/prepayments/{wallet.pk}/refund/" in desk
    url = f"/console/billing/prepayments/{wallet.pk}/refund/"
    r = client.post(url, {"amount": str(wallet.balance + 1), "reason": "退房"})
    assert r.status_code == 200 and r.context["form"].errors["amount"]
    r = client.post(url, {"amount": "100.00", "reason": "服务于2027-03-01终止，退还预存"})
    assert r.status_code == 302
    entry = WalletEntry.objects.get(kind=WalletEntryKind.REFUND)
    assert entry.amount == Decimal("-100.00")
    assert Wallet.objects.get(pk=wallet.pk).balance == wallet.balance - Decimal("100.00")


def test_other_community_and_company_are_404(world, late, client):
    line, charge = late
    wallet = Wallet.objects.get_or_create(
        house=world.house,
        defaults={"organization_id": world.house.organization_id, "community": world.community},
    )[0]
    urls = [
        f"/console/billing/lines/{line.pk}/credit/",
        f"/console/billing/late-charges/{charge.pk}/waive/",
        f"/console/billing/prepayments/{wallet.pk}/refund/",
    ]
    for who in ("manager2", "outsider"):
        client.force_login(world.users[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
            assert client.post(url, {"amount": "1.00", "reason": "x"}).status_code == 404
    assert not CreditNote.objects.exists()
    charge.refresh_from_db()
    assert not charge.waived
