from datetime import date
from decimal import Decimal

import pytest

from anju.billing import services
from anju.billing.choices import Method


@pytest.fixture
def fees(world):
    """A published property fee (area) and a fixed fee in the world's first community."""
    admin = world.users["org_admin"]
    area = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price=Decimal("2.5000"),
        unit="元/m²·月",
        basis="前期物业服务合同第5条",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    fixed = services.create_fee_item(
        actor=admin,
        community=world.community,
        name="垃圾清运费",
        method=Method.FIXED,
        unit_price=Decimal("10.0000"),
        unit="元/户·月",
        basis="合同附件2",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    return {"area": area, "fixed": fixed}


@pytest.fixture
def posted(world, fees):
    """January 2027 billed and posted for the first community."""
    run = services.create_billing_run(
        actor=world.users["org_admin"], community=world.community, period="2027-01"
    )
    return services.post_billing_run(actor=world.users["org_admin"], run=run)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The WeChat nonce memory (replay refusal) and the serial notices live in the cache: each
    test starts without the last one's."""
    from django.core.cache import cache

    cache.clear()
    yield
