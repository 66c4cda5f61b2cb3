"""WeChat (issue 19) against a local fake WeChat server: web OAuth login on /app/ (bound,
unbound then bound by a login, a forged or foreign state, a replayed or expired code), the
mini-program login with its bind ticket, unbinding, and subscribe messages with a cached token."""

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from anju.core import wechat
from anju.core.models import AuditEntry, Login, WechatIdentity
from anju.core.testing import PASSWORD

from .fakes import FakeWechat

pytestmark = pytest.mark.django_db

MP_APP, MP_SECRET = "wxmp0000000001", "mp-secret"
MINI_APP, MINI_SECRET = "wxmini00000001", "mini-secret"
WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) MicroMessenger/8.0.50 NetType/WIFI"
MP, MINIAPP = WechatIdentity.Kind.MP, WechatIdentity.Kind.MINIAPP


@pytest.fixture
def fake(settings):
    cache.clear()
    with FakeWechat({MP_APP: MP_SECRET, MINI_APP: MINI_SECRET}) as server:
        settings.ANJU_WECHAT_API_BASE = server.url
        settings.ANJU_WECHAT_MP = {"appid": MP_APP, "secret": MP_SECRET}
        settings.ANJU_WECHAT_MINIAPP = {"appid": MINI_APP, "secret": MINI_SECRET}
        settings.ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID = "tmpl-notice"
        yield server
    cache.clear()


def browser():
    return Client(HTTP_USER_AGENT=WECHAT_UA)


def start(client, next_url="/app/"):
    response = client.get("/app/wechat/login/", {"next": next_url})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    query = parse_qs(target.query)
    assert target.fragment == "wechat_redirect"
    assert query["appid"] == [MP_APP] and query["scope"] == ["snsapi_base"]
    assert query["response_type"] == ["code"]
    assert urlsplit(query["redirect_uri"][0]).path == "/app/wechat/callback/"
    return query["state"][0]


def callback(client, state, code):
    return client.get("/app/wechat/callback/", {"state": state, "code": code})


def oauth_calls(fake):
    return [r for r in fake.requests if r[1] == "/sns/oauth2/access_token"]


def bind(user, openid, kind=MP):
    appid = MP_APP if kind == MP else MINI_APP
    return wechat.bind(actor=user, user=user, app_id=appid, openid=openid, kind=kind)


# -- web OAuth --------------------------------------------------------------------------------


def test_a_bound_openid_signs_its_user_in(world, fake):
    resident = world.users["resident"]
    bind(resident, "o-resident")
    client = browser()
    state = start(client, "/app/me/")
    response = callback(client, state, fake.code_for(MP_APP, "o-resident"))
    assert response.status_code == 302 and response["Location"] == "/app/me/"
    assert client.get("/app/me/").status_code == 200
    assert Login.objects.filter(user=resident, kind=Login.Kind.SESSION).count() == 1


def test_an_unbound_openid_is_bound_by_the_next_login(world, fake):
    resident = world.users["resident"]
    client = browser()
    state = start(client)
    response = callback(client, state, fake.code_for(MP_APP, "o-new", unionid="u-1"))
    assert response.status_code == 302 and response["Location"].startswith("/app/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert 'id="wechat-pending"' in page.content.decode()
    assert 'id="wechat-login"' not in page.content.decode()  # no loop back to WeChat
    login = client.post("/app/login/", {"username": "13900001111", "password": PASSWORD})
    assert login.status_code == 302
    identity = WechatIdentity.objects.get(openid="o-new")
    assert (identity.user, identity.app_id, identity.kind, identity.unionid) == (
        resident,
        MP_APP,
        MP,
        "u-1",
    )
    assert AuditEntry.objects.filter(action="core.wechat.bound", actor=resident).exists()
    assert wechat.openid_for(resident) == "o-new" and wechat.openid_for(resident, MINIAPP) is None
    # Next time WeChat alone signs them in.
    other = browser()
    callback(other, start(other), fake.code_for(MP_APP, "o-new"))
    assert other.get("/app/me/").status_code == 200


def test_a_forged_state_is_refused_before_any_code_exchange(world, fake):
    bind(world.users["resident"], "o-resident")
    client = browser()
    start(client)
    response = callback(client, "0" * 56, fake.code_for(MP_APP, "o-resident"))
    assert response.status_code == 302 and response["Location"].startswith("/app/login/")
    assert oauth_calls(fake) == [] and "_auth_user_id" not in client.session


def test_a_state_started_in_another_browser_is_refused(world, fake):
    bind(world.users["resident"], "o-resident")
    attacker = browser()
    state = start(attacker)
    victim = browser()
    callback(victim, state, fake.code_for(MP_APP, "o-resident"))
    assert oauth_calls(fake) == [] and "_auth_user_id" not in victim.session


def test_a_state_is_used_once_and_expires(world, fake, settings):
    bind(world.users["resident"], "o-resident")
    client = browser()
    state = start(client)
    callback(client, state, fake.code_for(MP_APP, "o-resident"))
    assert client.get("/app/me/").status_code == 200
    client.post("/app/logout/")
    callback(client, state, fake.code_for(MP_APP, "o-resident"))
    assert "_auth_user_id" not in client.session  # the used state
    state = start(client)
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.ANJU_WECHAT_STATE_SECONDS + 5)
    ):
        callback(client, state, fake.code_for(MP_APP, "o-resident"))
    assert "_auth_user_id" not in client.session


def test_a_replayed_code_is_refused(world, fake):
    bind(world.users["resident"], "o-resident")
    code = fake.code_for(MP_APP, "o-resident")
    first = browser()
    callback(first, start(first), code)
    assert first.get("/app/me/").status_code == 200
    second = browser()
    response = callback(second, start(second), code)
    assert "_auth_user_id" not in second.session
    assert response["Location"].startswith("/app/login/")


def test_an_expired_code_and_a_wrong_secret_are_refused(world, fake, settings):
    bind(world.users["resident"], "o-resident")
    client = browser()
    state = start(client)
    code = fake.code_for(MP_APP, "o-resident")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        callback(client, state, code)
    assert "_auth_user_id" not in client.session
    settings.ANJU_WECHAT_MP = {"appid": MP_APP, "secret": "wrong"}
    callback(client, start(client), fake.code_for(MP_APP, "o-resident"))
    assert "_auth_user_id" not in client.session


def test_the_login_page_offers_wechat_only_inside_wechat(world, fake, settings):
    assert 'id="wechat-login"' in browser().get("/app/login/").content.decode()
    assert 'id="wechat-login"' not in Client().get("/app/login/").content.decode()
    settings.ANJU_WECHAT_MP = {"appid": "", "secret": ""}
    assert 'id="wechat-login"' not in browser().get("/app/login/").content.decode()


def test_inside_wechat_a_page_needing_login_starts_wechat_login_by_itself(world, fake, settings):
    settings.ANJU_WECHAT_AUTO_LOGIN = True
    response = browser().get("/app/login/", {"next": "/app/me/"})
    assert response.status_code == 302 and response["Location"].startswith("/app/wechat/login/")
    # Not after logging out (a bare login page), not outside WeChat, not when turned off.
    assert browser().get("/app/login/").status_code == 200
    assert Client().get("/app/login/", {"next": "/app/me/"}).status_code == 200
    settings.ANJU_WECHAT_AUTO_LOGIN = False
    assert browser().get("/app/login/", {"next": "/app/me/"}).status_code == 200


def test_a_resident_unbinds_on_their_profile(world, fake):
    resident, neighbour = world.users["resident"], world.users["neighbour"]
    mine = bind(resident, "o-resident")
    theirs = bind(neighbour, "o-neighbour")
    client = browser()
    client.force_login(resident)
    page = client.get("/app/me/").content.decode()
    assert f"/app/me/wechat/{mine.pk}/unbind/" in page
    assert client.post(f"/app/me/wechat/{theirs.pk}/unbind/").status_code == 404
    assert client.post(f"/app/me/wechat/{mine.pk}/unbind/").status_code == 302
    assert not WechatIdentity.objects.filter(pk=mine.pk).exists()
    assert WechatIdentity.objects.filter(pk=theirs.pk).exists()
    assert AuditEntry.objects.filter(action="core.wechat.unbound", actor=resident).exists()


def test_an_openid_is_never_taken_from_its_user(world, fake):
    bind(world.users["resident"], "o-resident")
    assert bind(world.users["neighbour"], "o-resident") is None
    assert WechatIdentity.objects.get(openid="o-resident").user == world.users["resident"]


# -- mini program -----------------------------------------------------------------------------


def miniapp_login(client, code):
    return client.post(
        "/api/v1/auth/wechat/miniapp/", {"code": code}, content_type="application/json"
    )


def test_miniapp_login_of_a_bound_openid_issues_a_token(world, fake, client):
    bind(world.users["resident"], "m-resident", MINIAPP)
    response = miniapp_login(client, fake.code_for(MINI_APP, "m-resident"))
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert Login.objects.filter(user=world.users["resident"], kind=Login.Kind.TOKEN).count() == 1


def test_miniapp_unbound_gets_a_ticket_that_a_later_login_binds(world, fake, client):
    response = miniapp_login(client, fake.code_for(MINI_APP, "m-new"))
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "wechat_not_bound" and error["bind_ticket"]
    login = client.post(
        "/api/v1/auth/token/",
        {
            "username": "13900001111",
            "password": PASSWORD,
            "wechat_bind_ticket": error["bind_ticket"],
        },
        content_type="application/json",
    )
    assert login.status_code == 200 and login.json()["wechat_bound"] is True
    assert wechat.openid_for(world.users["resident"], MINIAPP) == "m-new"
    assert miniapp_login(client, fake.code_for(MINI_APP, "m-new")).status_code == 200


def test_a_bind_ticket_binds_for_a_signed_in_client_and_expires(world, fake, client, settings):
    error = miniapp_login(client, fake.code_for(MINI_APP, "m-new")).json()["error"]
    from anju.core.testing import api_token

    auth = {"HTTP_AUTHORIZATION": f"Token {api_token(world.users['neighbour'])}"}
    later = timezone.now() + timedelta(seconds=settings.ANJU_WECHAT_BIND_TICKET_SECONDS + 5)
    with time_machine.travel(later):
        expired = client.post(
            "/api/v1/me/wechat/",
            {"bind_ticket": error["bind_ticket"]},
            content_type="application/json",
            **auth,
        )
    assert expired.status_code == 400 and expired.json()["error"]["code"] == "wechat_bind_refused"
    response = client.post(
        "/api/v1/me/wechat/",
        {"bind_ticket": error["bind_ticket"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    assert wechat.openid_for(world.users["neighbour"], MINIAPP) == "m-new"
    forged = client.post(
        "/api/v1/me/wechat/",
        {"bind_ticket": error["bind_ticket"] + "x"},
        content_type="application/json",
        **auth,
    )
    assert forged.status_code == 400


def test_miniapp_replayed_or_foreign_code_is_refused(world, fake, client):
    bind(world.users["resident"], "m-resident", MINIAPP)
    code = fake.code_for(MINI_APP, "m-resident")
    assert miniapp_login(client, code).status_code == 200
    replay = miniapp_login(client, code)
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "wechat_code_invalid"
    # A code of the official account is not the mini program's.
    assert miniapp_login(client, fake.code_for(MP_APP, "m-resident")).status_code == 400


def test_miniapp_login_is_404_when_not_set_up(world, settings, client):
    settings.ANJU_WECHAT_MINIAPP = {"appid": "", "secret": ""}
    response = miniapp_login(client, "x")
    assert response.status_code == 404 and response.json()["error"]["code"]


# -- subscribe messages -----------------------------------------------------------------------


def test_subscribe_channel_sends_with_one_cached_token(world, fake):
    resident = world.users["resident"]
    channel = wechat.WechatSubscribeChannel()
    assert channel.available_for(resident) is False
    bind(resident, "m-resident", MINIAPP)
    assert channel.available_for(resident) is True
    assert channel.send(
        resident,
        "您的报修已派单：厨房水龙头漏水严重需要尽快处理",
        "师傅今天下午到",
        "/app/tickets/5/",
    )
    assert channel.send(resident, "停水通知", "明天9点", "")
    assert fake.token_calls == 1 and len(fake.messages) == 2
    first = fake.messages[0]
    assert first["touser"] == "m-resident" and first["template_id"] == "tmpl-notice"
    assert len(first["data"]["thing1"]["value"]) <= 20
    assert first["data"]["thing2"]["value"] == "师傅今天下午到"
    assert first["page"] == "pages/index/index?link=%2Fapp%2Ftickets%2F5%2F"


def test_subscribe_channel_fetches_a_new_token_when_wechat_drops_it(world, fake):
    resident = world.users["resident"]
    bind(resident, "m-resident", MINIAPP)
    channel = wechat.WechatSubscribeChannel()
    assert channel.send(resident, "a", "b", "")
    fake.tokens.clear()  # WeChat no longer knows the cached token (40001)
    assert channel.send(resident, "c", "d", "")
    assert fake.token_calls == 2 and len(fake.messages) == 2


def test_subscribe_refusal_is_logged_not_raised(world, fake, caplog, settings):
    resident = world.users["resident"]
    bind(resident, "m-resident", MINIAPP)
    fake.refuse_send = (43101, "user refuse to accept the msg")
    channel = wechat.WechatSubscribeChannel()
    with caplog.at_level(logging.WARNING, logger="anju.wechat"):
        assert channel.send(resident, "a", "b", "") is False
    assert "code=43101" in caplog.text
    settings.ANJU_WECHAT_MINIAPP = {"appid": MINI_APP, "secret": "wrong"}
    cache.clear()
    assert channel.send(resident, "a", "b", "") is False
    assert channel.send(world.users["neighbour"], "a", "b", "") is False  # not bound


def test_a_persons_data_export_lists_their_wechat_bindings(world, fake):
    from anju.core.privacy import personal_data

    bind(world.users["resident"], "o-resident")
    data = personal_data(world.users["resident"])
    assert [(w["kind"], w["openid"]) for w in data["wechat"]] == [("mp", "o-resident")]
