"""Calls to outside services (SMS gateways, WeChat): one small HTTP client on the standard
library, with a timeout on every call and the answer's status and JSON body back, errors
included (a provider's refusal is an answer, not an exception). Only an unreachable service or
an answer that is not JSON raises ``OutboundError``."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class OutboundError(Exception):
    """The service could not be reached, or answered something that is not JSON."""


def call(method, url, *, headers=None, body: bytes | None = None) -> tuple[int, dict]:
    """(HTTP status, JSON object answered). ``url`` comes from settings, never from input."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.ANJU_OUTBOUND_TIMEOUT_SECONDS
        ) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 4xx/5xx still carry the provider's error body
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise OutboundError(f"{url}: {exc}") from exc
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise OutboundError(f"{url}: answer is not JSON (HTTP {status})") from exc
    if not isinstance(data, dict):
        raise OutboundError(f"{url}: answer is not a JSON object (HTTP {status})")
    return status, data
