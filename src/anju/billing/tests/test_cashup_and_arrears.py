"""The cash-up uses the cashier's community and asks rather than guesses; the arrears list has
every overdue house, a page at a time, and its card counts its total (issue 18)."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse

from anju.billing import services
from anju.billing.choices import Method
from anju.billing.models import Bill, CashUp
from anju.billing.views.desk import ArrearsView
from anju.core.choices import Role
from anju.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(world, fees):
    services.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="车位管理费",
        method=Method.AREA,
        unit_price=Decimal("1.2000"),
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
    return world


def test_a_cashier_of_one_community_cashes_up_that_one(world, client):
    client.force_login(world.users["cashier"])
    response = client.get(reverse("console:billing-cashup"))
    assert response.context["community"] == world.community


def test_a_cashier_of_two_communities_is_asked_which(world, client):
    both = make_user(
        "cashier2",
        org=world.org,
        role=Role.CASHIER,
        communities=[world.community, world.community2],
    )
    client.force_login(both)
    response = client.get(reverse("console:billing-cashup"))
    assert response.context["community"] is None
    assert set(response.context["choices"]) == {world.community, world.community2}
    assert 'id="cashup-choose"' in response.content.decode()
    response = client.post(reverse("console:billing-cashup"), {"day": "2026-12-01"})
    assert response.status_code == 302 and not CashUp.objects.exists()
    chosen = client.get(reverse("console:billing-cashup"), {"community": world.community2.pk})
    assert chosen.context["community"] == world.community2


def test_the_arrears_list_pages_through_every_house_and_its_card_counts_them(
    overdue, client, monkeypatch
):
    world = overdue
    monkeypatch.setattr(ArrearsView, "paginate_by", 1)
    client.force_login(world.users["manager"])
    first = client.get(reverse("console:billing-arrears"))
    total = first.context["paginator"].count
    assert total > 1 and len(first.context["rows"]) == 1
    second = client.get(reverse("console:billing-arrears"), {"page": 2})
    assert second.context["rows"][0][0] != first.context["rows"][0][0]
    request = RequestFactory().get("/console/")
    request.user, request.community_id = world.users["manager"], None
    card = next(
        c
        for c in apps.get_app_config("billing").dashboard_cards(request)
        if c.get("link") == reverse("console:billing-arrears")
    )
    assert card["value"] == total
