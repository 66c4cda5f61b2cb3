"""Content-Security-Policy without inline script, and a Permissions-Policy, on every page."""

import re
from pathlib import Path

import pytest

ANJU = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_no_template_has_inline_script_or_handlers():
    found = []
    for path in sorted(ANJU.glob("*/templates/**/*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER):
            found += [f"{path.relative_to(ANJU)}: {m.group(0)}" for m in pattern.finditer(text)]
        if "javascript:" in text:
            found.append(f"{path.relative_to(ANJU)}: javascript: URL")
    assert not found, "\n".join(found)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/console/login/", "/app/login/", "/api/v1/", "/healthz"])
def test_policy_headers(client, url):
    r = client.get(url)
    csp = _directives(r["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert "'self'" in csp["img-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    policy = r["Permissions-Policy"]
    for feature in ("microphone=()", "payment=()", "usb=()"):
        assert feature in policy
    assert "geolocation=(self)" in policy  # an inspection records where it was done


def test_extra_image_origin_from_the_environment(monkeypatch):
    import importlib

    import anju.settings as anju_settings

    monkeypatch.setenv("ANJU_CSP_IMG_SRC", "https://anju-files.oss-cn-hangzhou.aliyuncs.com")
    try:
        fresh = importlib.reload(anju_settings)
        img = fresh.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        assert "https://anju-files.oss-cn-hangzhou.aliyuncs.com" in img
    finally:
        monkeypatch.delenv("ANJU_CSP_IMG_SRC")
        importlib.reload(anju_settings)
