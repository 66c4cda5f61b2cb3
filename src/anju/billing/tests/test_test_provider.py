"""The test payment provider exists only where it is configured, and its callback needs the
paying user (session or token) or the signed token issued when the payment was started."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from anju.billing.choices import PaymentMethod, PaymentStatus
from anju.billing.models import Bill, Payment
from anju.core.testing import api_client, api_token

pytestmark = pytest.mark.django_db
CALLBACK = "/api/v1/payments/callback/test/"


@pytest.fixture
def test_provider(settings):
    settings.ANJU_PAYMENT_PROVIDER = "test"


def _start(world, user="resident"):
    r = api_client(world.users[user]).post(
        "/api/v1/payments/online/", {"house": world.house.pk}, format="json"
    )
    assert r.status_code == 201, r.content
    return r.json()


def _body(order, **extra):
    return {"out_trade_no": order["out_trade_no"], "amount_fen": 26000, **extra}


def _assert_refused(r, status, payment_id):
    assert r.status_code == status, r.content
    error = r.json()["error"]
    assert error["code"] and error["message"] and "fields" in error
    assert Payment.objects.get(pk=payment_id).status == "pending"


def test_no_test_provider_without_the_setting(world, posted, settings, client):
    """The embedded default is no longer the test provider: without ANJU_PAYMENT_PROVIDER=test
    the callback is unknown and a resident's online payment goes to WeChat Pay."""
    settings.ANJU_PAYMENT_PROVIDER = ""
    settings.ANJU_WECHAT_PAY = {}
    payment = Payment.objects.create(
        organization=world.org,
        community=world.community,
        house=world.house,
        amount="260.00",
        method=PaymentMethod.TEST,
        status=PaymentStatus.PENDING,
    )
    trade_no = f"AJ{payment.pk:014d}"
    r = client.post(
        CALLBACK, {"out_trade_no": trade_no, "amount_fen": 26000}, content_type="application/json"
    )
    _assert_refused(r, 404, payment.pk)
    started = api_client(world.users["resident"]).post(
        "/api/v1/payments/online/", {"house": world.house.pk}, format="json"
    )
    assert started.status_code == 400
    assert started.json()["error"]["code"] == "provider_unconfigured"
    assert Payment.objects.count() == 1
    client.force_login(world.users["resident"])
    assert client.get(f"/app/bills/pay/test/{payment.pk}/").status_code == 404


def test_anonymous_callback_is_refused(world, posted, test_provider, client):
    order = _start(world)
    r = client.post(CALLBACK, _body(order["order"]), content_type="application/json")
    _assert_refused(r, 403, order["payment"]["id"])
    assert Bill.objects.get(house=world.house).paid == 0


def test_someone_elses_login_cannot_confirm(world, posted, test_provider):
    order = _start(world)
    for user in ("neighbour", "outsider", "stranger"):
        r = api_client(world.users[user]).post(CALLBACK, _body(order["order"]), format="json")
        _assert_refused(r, 404, order["payment"]["id"])


def test_the_paying_users_token_confirms(world, posted, test_provider, client):
    order = _start(world)
    token = api_token(world.users["resident"])
    r = client.post(
        CALLBACK,
        _body(order["order"]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert r.status_code == 200 and r.json()["code"] == "SUCCESS", r.content
    assert Payment.objects.get(pk=order["payment"]["id"]).status == "succeeded"


def test_signed_token_confirms_once_and_only_its_payment(world, posted, test_provider, client):
    first = _start(world)
    token = first["order"]["callback_token"]
    other = Payment.objects.create(
        organization=world.org,
        community=world.community,
        house=world.house,
        amount="260.00",
        method=PaymentMethod.TEST,
        status=PaymentStatus.PENDING,
    )
    forged = {"out_trade_no": f"AJ{other.pk:014d}", "amount_fen": 26000, "token": token}
    r = client.post(CALLBACK, forged, content_type="application/json")
    _assert_refused(r, 403, other.pk)
    bad = _body(first["order"], token=token[:-2] + "xx")
    _assert_refused(
        client.post(CALLBACK, bad, content_type="application/json"), 403, first["payment"]["id"]
    )
    for _ in range(2):  # a repeated notification changes nothing more
        r = client.post(
            CALLBACK, _body(first["order"], token=token), content_type="application/json"
        )
        assert r.status_code == 200 and r.json()["code"] == "SUCCESS", r.content
    assert Bill.objects.get(house=world.house).paid == 260


def test_signed_token_expires(world, posted, test_provider, client, settings):
    order = _start(world)
    later = timezone.now() + timedelta(seconds=settings.ANJU_TEST_PAYMENT_TOKEN_SECONDS + 5)
    with time_machine.travel(later):
        r = client.post(
            CALLBACK,
            _body(order["order"], token=order["order"]["callback_token"]),
            content_type="application/json",
        )
    _assert_refused(r, 403, order["payment"]["id"])


def test_malformed_test_callback_is_400(world, posted, test_provider):
    resident = api_client(world.users["resident"])
    for body in (b"[1]", b"{", b'{"out_trade_no": "AJ1"}', b'{"out_trade_no": 5}'):
        r = resident.post(CALLBACK, body, content_type="application/json")
        assert r.status_code in (400, 404), (body, r.content)
        assert "error" in r.json()


def test_repeated_start_with_one_key_answers_the_first_payment(world, posted, test_provider):
    resident = api_client(world.users["resident"])
    first = resident.post(
        "/api/v1/payments/online/",
        {"house": world.house.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    again = resident.post(
        "/api/v1/payments/online/",
        {"house": world.house.pk, "idempotency_key": "k-1"},
        format="json",
    )
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    other = resident.post(
        "/api/v1/payments/online/",
        {"house": world.house.pk, "amount": "1.00", "idempotency_key": "k-1"},
        format="json",
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert Payment.objects.count() == 1
