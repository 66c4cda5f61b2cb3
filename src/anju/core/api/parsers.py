"""The API's JSON parser: a body is one JSON object, at most ``ANJU_API_MAX_BODY_BYTES`` long
and ``ANJU_API_MAX_JSON_DEPTH`` deep, without a NUL character (PostgreSQL cannot store one)."""

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def too_deep(text, limit):
    """True when the JSON ``text`` nests arrays and objects deeper than ``limit``, decided
    without parsing (Python's parser would exhaust the stack on a deep enough body)."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def has_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def check_body(data):
    """A parsed body: one object, no NUL in any of its strings (400 naming the field)."""
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"body": [_("Send a JSON object.")]})
    errors = {}
    for key, value in data.items():
        if has_nul(key):
            errors["body"] = [_("A field name contains a NUL character.")]
        elif has_nul(value):
            errors[key] = [_("The NUL character (\\u0000) is not allowed.")]
    if errors:
        raise exceptions.ValidationError(errors)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.ANJU_API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            )
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(_("JSON parse error - %s") % exc) from None
        depth = settings.ANJU_API_MAX_JSON_DEPTH
        if too_deep(text, depth):
            raise exceptions.ValidationError(
                {"body": [_("The JSON is nested deeper than %(depth)s levels.") % {"depth": depth}]}
            )
        try:
            data = json.loads(text, parse_constant=self._constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(_("JSON parse error - %s") % exc) from None
        return check_body(data)

    @staticmethod
    def _constant(name):
        raise ValueError(f"{name} is not valid JSON")
