"""What a payment channel needs to know about the payer's side of the request: the WeChat
openid (JSAPI), the client IP (H5) and the kind of browser (the channel offered)."""

import re

from anju.core import logins, wechat


def payer_openid(request) -> str | None:
    """The payer's openid for the official account: the one their WeChat login bound to them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return wechat.openid_for(user)


def client_ip(request) -> str:
    """The payer's IP (WeChat H5 wants it): the same client address the login list records."""
    return logins.client_address(request) or "127.0.0.1"


MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS", re.IGNORECASE)


def browser_kind(request) -> str:
    """ "wechat" inside WeChat (MicroMessenger), "mobile" in a phone browser, else "desktop"."""
    agent = request.headers.get("User-Agent", "")
    if "MicroMessenger" in agent:
        return "wechat"
    if MOBILE.search(agent):
        return "mobile"
    return "desktop"


CHANNELS_FOR = {
    "wechat": ("jsapi",),
    "mobile": ("h5", "alipay_wap"),
    "desktop": ("native", "alipay_page"),
}
