"""SMS gateways (issue 19): the log backend, Alibaba Cloud and Tencent Cloud SendSms against
local fake servers that recompute the signature as the provider does and refuse bad signatures,
stale timestamps and replayed nonces; templates; a refusal is logged, never raised."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from anju.core import notifications, sms
from anju.core.notifications import notify, sms_backend

from .fakes import FakeAliyun, FakeTencent

TEMPLATES = {
    "code": "SMS_1",
    "notice": {"id": "SMS_9", "params": ["content"]},
}
TENCENT_TEMPLATES = {"code": "1001", "notice": "1009"}


@pytest.fixture
def aliyun(settings):
    with FakeAliyun() as fake:
        settings.ANJU_SMS_BACKEND = "anju.core.sms.AliyunSmsBackend"
        settings.ANJU_SMS_TEMPLATES = TEMPLATES
        settings.ANJU_ALIYUN_SMS = {
            "access_key_id": fake.key_id,
            "access_key_secret": fake.secret,
            "sign_name": "安居物业",
            "endpoint": fake.url + "/",
        }
        yield fake


@pytest.fixture
def tencent(settings):
    with FakeTencent() as fake:
        settings.ANJU_SMS_BACKEND = "anju.core.sms.TencentSmsBackend"
        settings.ANJU_SMS_TEMPLATES = TENCENT_TEMPLATES
        settings.ANJU_TENCENT_SMS = {
            "secret_id": fake.secret_id,
            "secret_key": fake.secret_key,
            "sdk_app_id": fake.app_id,
            "sign_name": "安居物业",
            "region": "ap-guangzhou",
            "endpoint": fake.url + "/",
        }
        yield fake


# -- the log backend ---------------------------------------------------------------------------


def test_log_backend_is_the_default_and_writes_one_line_with_the_full_phone(caplog):
    assert isinstance(sms_backend(), sms.LogSmsBackend)
    assert notifications.LogSmsBackend is sms.LogSmsBackend
    with caplog.at_level(logging.INFO, logger="anju.sms"):
        assert sms_backend().send("13900001111", "您的验证码 123456\n5分钟内有效", template="code")
    lines = [r.getMessage() for r in caplog.records if r.name == "anju.sms"]
    assert lines == ["sms 13900001111 您的验证码 123456 5分钟内有效"]
    assert sms.LogSmsBackend.sent[-1] == ("13900001111", "您的验证码 123456\n5分钟内有效")


# -- documented signature examples -------------------------------------------------------------


def test_aliyun_signature_matches_the_documented_example():
    # Alibaba Cloud's SMS signature page: AccessKeyId testId, secret testSecret, GET.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sms.aliyun_signature("GET", params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_tc3_signature_matches_the_documented_example():
    # Tencent Cloud's "Signature v3" page: CVM DescribeInstances, timestamp 1551113065.
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    signature, signed, scope = sms.tc3_signature(
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        timestamp=1551113065,
        payload=payload,
    )
    assert (signed, scope) == ("content-type;host", "2019-02-25/cvm/tc3_request")
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


# -- Alibaba Cloud ----------------------------------------------------------------------------


def test_aliyun_sends_a_code_through_its_template(aliyun):
    assert sms_backend().send(
        "+86 139 0000 1111", "验证码 123456", template="code", params={"code": "123456"}
    )
    assert aliyun.sent == [("13900001111", "安居物业", "SMS_1", {"code": "123456"})]


def test_aliyun_free_text_goes_through_the_notice_template(aliyun):
    assert sms_backend().send("13900001111", "停水通知 明天9点")
    assert aliyun.sent[-1][2:] == ("SMS_9", {"content": "停水通知 明天9点"})


def test_aliyun_refuses_a_wrong_secret_and_the_caller_gets_false(aliyun, settings, caplog):
    settings.ANJU_ALIYUN_SMS = {**settings.ANJU_ALIYUN_SMS, "access_key_secret": "wrong"}
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert (
            sms_backend().send("13900001111", "x", template="code", params={"code": "1"}) is False
        )
    assert aliyun.sent == []
    assert "code=SignatureDoesNotMatch" in caplog.text
    assert "13900001111" not in caplog.text  # the failure log masks the phone


def test_aliyun_refuses_a_stale_timestamp(aliyun, caplog):
    stale = sms.AliyunSmsBackend(clock=lambda: datetime.now(UTC) - timedelta(minutes=16))
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert stale.send("13900001111", "x") is False
    assert "InvalidTimeStamp.Expired" in caplog.text
    fresh = sms.AliyunSmsBackend(clock=lambda: datetime.now(UTC) - timedelta(minutes=14))
    assert fresh.send("13900001111", "x")


def test_aliyun_refuses_a_replayed_nonce(aliyun):
    assert sms_backend().send("13900001111", "first")
    method, path, query, headers, body = aliyun.requests[-1]
    import urllib.request

    replay = urllib.request.Request(aliyun.url + path, data=body, headers=headers, method=method)
    try:
        urllib.request.urlopen(replay, timeout=5)  # noqa: S310 - the local fake
        raise AssertionError("the replay was accepted")
    except urllib.error.HTTPError as exc:
        assert json.loads(exc.read())["Code"] == "SignatureNonceUsed"
    assert len(aliyun.sent) == 1


def test_every_aliyun_request_has_a_new_nonce(aliyun):
    for _ in range(3):
        assert sms_backend().send("13900001111", "x")
    assert len(aliyun.nonces) == 3


def test_aliyun_business_refusal_is_logged_with_its_code(aliyun, caplog):
    aliyun.reply = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert sms_backend().send("13900001111", "x") is False
    assert "code=isv.BUSINESS_LIMIT_CONTROL" in caplog.text


def test_an_unreachable_gateway_is_a_logged_failure(settings, caplog):
    settings.ANJU_SMS_BACKEND = "anju.core.sms.AliyunSmsBackend"
    settings.ANJU_SMS_TEMPLATES = TEMPLATES
    settings.ANJU_OUTBOUND_TIMEOUT_SECONDS = 1
    settings.ANJU_ALIYUN_SMS = {
        "access_key_id": "a",
        "access_key_secret": "b",
        "sign_name": "c",
        "endpoint": "http://127.0.0.1:9/",  # discard port: nothing listens
    }
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert sms_backend().send("13900001111", "x") is False
    assert "code=unreachable" in caplog.text


def test_no_template_configured_is_a_logged_failure(aliyun, settings, caplog):
    settings.ANJU_SMS_TEMPLATES = {}
    with caplog.at_level(logging.ERROR, logger="anju.sms"):
        assert sms_backend().send("13900001111", "x") is False
    assert "no_template" in caplog.text and aliyun.requests == []


@pytest.mark.django_db
def test_notify_by_sms_survives_a_refusing_gateway(
    world, aliyun, settings, django_capture_on_commit_callbacks
):
    settings.ANJU_ALIYUN_SMS = {**settings.ANJU_ALIYUN_SMS, "access_key_secret": "wrong"}
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify([world.users["resident"]], "停水通知", "明天9点", channels=("inbox", "sms"))
    assert len(rows) == 1 and rows[0].pk  # the inbox row stands; the SMS failure was logged
    assert aliyun.requests and aliyun.sent == []


# -- Tencent Cloud ----------------------------------------------------------------------------


def test_tencent_sends_a_code_with_its_parameters_in_order(tencent):
    assert sms_backend().send("13900001111", "验证码", template="code", params={"code": "654321"})
    assert tencent.sent == [("+8613900001111", "安居物业", "1001", ["654321"])]
    headers = tencent.requests[-1][3]
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-region"] == "ap-guangzhou"


def test_tencent_refuses_a_wrong_key(tencent, settings, caplog):
    settings.ANJU_TENCENT_SMS = {**settings.ANJU_TENCENT_SMS, "secret_key": "wrong"}
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert sms_backend().send("13900001111", "x") is False
    assert "code=AuthFailure.SignatureFailure" in caplog.text and tencent.sent == []


def test_tencent_refuses_more_than_five_minutes_of_clock_skew(tencent, caplog):
    now = int(datetime.now(UTC).timestamp())
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert sms.TencentSmsBackend(clock=lambda: now - 301).send("13900001111", "x") is False
    assert "AuthFailure.SignatureExpire" in caplog.text
    assert sms.TencentSmsBackend(clock=lambda: now - 290).send("13900001111", "x")


def test_tencent_signs_with_the_utc_date_across_midnight_in_shanghai(tencent):
    # 00:30 in Shanghai is still the previous day in UTC: the scope must use the UTC date.
    with time_machine.travel(datetime(2026, 12, 3, 0, 30, tzinfo=UTC) - timedelta(hours=8)):
        assert sms_backend().send("13900001111", "x")


def test_tencent_per_number_refusal_is_logged_with_its_code(tencent, caplog):
    tencent.reply = {"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}
    with caplog.at_level(logging.WARNING, logger="anju.sms"):
        assert sms_backend().send("13900001111", "x") is False
    assert "code=LimitExceeded.PhoneNumberDailyLimit" in caplog.text
