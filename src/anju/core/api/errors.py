"""The error format of ARCHITECTURE.md: {"error": {"code", "message", "fields"}}."""

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .. import faults
from ..errors import DomainError

logger = logging.getLogger("anju.api")


class RelatedNotFound(exceptions.NotFound):
    """A referenced object is unknown or outside the caller's scope (404, naming the field)."""

    def __init__(self, field, detail=None):
        super().__init__(detail or _("%(field)s: not found.") % {"field": field})
        self.field = field


def _first_message(data):
    if isinstance(data, dict):
        for value in data.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _first_message(value)
            if found:
                return found
    elif data:
        return str(data)
    return ""


def _plain(data):
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return str(data)


def error_response(code, message, status_code, fields=None, **extra):
    body = {"code": code, "message": str(message), "fields": fields or {}}
    body.update(extra)
    return Response({"error": body}, status=status_code)


def exception_handler(exc, context):
    if faults.is_outage(exc):  # the database is gone: 503 unavailable (core.faults)
        return faults.api_response()
    if isinstance(exc, DomainError):
        extra = {k: v for k, v in exc.extra.items() if v is not None}
        return error_response(exc.code, exc.message, exc.status, _plain(exc.fields), **extra)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return error_response("invalid", _first_message(fields), 400, _plain(fields))
    if isinstance(exc, DataError):
        # A value the database cannot store (text past a column's length, a number out of its
        # range) that no validator caught: the client's input, refused, not a server error.
        logger.warning("Input the database refused: %s", exc)
        return error_response(
            "invalid", _("A value is too long or out of range."), status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _first_message(fields)
        field = next(iter(fields), None)
        if field and field != "non_field_errors":
            message = f"{field}: {message}"
        return error_response("invalid", message, status.HTTP_400_BAD_REQUEST, _plain(fields))
    fields = {exc.field: [str(exc.detail)]} if isinstance(exc, RelatedNotFound) else {}
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    response.data = {"error": {"code": code, "message": str(exc.detail), "fields": fields}}
    return response
