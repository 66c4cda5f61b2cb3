"""What a payment channel needs to know about the payer's side of the request: the WeChat
openid (JSAPI), the client IP (H5) and the kind of browser (the channel offered)."""

import logging
import re

from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

OPENID_FOR = "anju.core.wechat.openid_for"


def payer_openid(request) -> str | None:
    """The payer's openid for the official account: the one the WeChat login put in the
    session, else ``anju.core.wechat.openid_for(user)`` where that module exists."""
    openid = request.session.get("wechat_openid") if hasattr(request, "session") else None
    if openid:
        return str(openid)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        openid_for = import_string(OPENID_FOR)
    except ImportError:
        return None
    try:
        return openid_for(user) or None
    except Exception:  # a lookup failure must not break paying another way
        log.exception("openid_for failed")
        return None


def client_ip(request) -> str:
    """The payer's IP (WeChat H5 wants it): REMOTE_ADDR, which the reverse proxy sets."""
    return request.META.get("REMOTE_ADDR") or "127.0.0.1"


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
