"""Faults outside Anju: the database gone (PostgreSQL restarting, failing over, unreachable).

Such a request answers 503 with ``Retry-After`` (``ANJU_RETRY_AFTER_SECONDS``), never a 500:
under ``/api/`` in the error format with ``code: "unavailable"``, elsewhere as a small page that
needs neither the database nor a template. Three doors lead here: ``DatabaseOutageMiddleware``
for exceptions of views, the DRF exception handler (``core.api.errors``) for API views, and
``server_error`` (``handler500``) for those raised in other middleware. An idle pooled connection
that died meanwhile is found by ``CONN_HEALTH_CHECKS`` before it is used, so that request works.
"""

import logging

import psycopg
from django import db
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger(__name__)
OUTAGES = (db.OperationalError, db.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def is_outage(exc) -> bool:
    return isinstance(exc, OUTAGES)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _log(request, exc):
    log.error("database unavailable during %s %s: %s", request.method, request.path, exc)


def api_body():
    message = _("The service is briefly unavailable. Please try again in a moment.")
    return {"error": {"code": "unavailable", "message": message, "fields": {}}}


def api_response():
    """The DRF answer (core.api.errors calls it for an outage inside an API view)."""
    from rest_framework.response import Response

    headers = {"Retry-After": str(settings.ANJU_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return Response(api_body(), status=503, headers=headers)


def unavailable_response(request):
    retry = str(settings.ANJU_RETRY_AFTER_SECONDS)
    if _is_api(request):
        response = JsonResponse(api_body(), status=503)
    else:
        title = escape(_("Briefly unavailable"))
        text = escape(_("The service is briefly unavailable. Please try again in a moment."))
        response = HttpResponse(
            f'<!doctype html><html><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = retry
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view that lost its database answers 503 (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        _log(request, exception)
        return unavailable_response(request)


def server_error(request, *args, **kwargs):
    """``handler500``: an outage met outside a view (in middleware) is a 503 too."""
    import sys

    exc = sys.exc_info()[1]
    if is_outage(exc):
        _log(request, exc)
        return unavailable_response(request)
    return defaults.server_error(request, *args, **kwargs)
