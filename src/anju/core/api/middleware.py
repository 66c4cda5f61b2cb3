"""Every answer under ``/api/`` in the error format, also those Django makes before or after
DRF: an unknown URL (404), an exception in a view (500, logged with its traceback), a request
Django refuses while reading it (400, 413), a body over ``ANJU_API_MAX_BODY_BYTES`` (413)."""

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response

logger = logging.getLogger("anju.api")

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    502: "unavailable",
    503: "unavailable",
    504: "unavailable",
}


def _messages():
    return {
        400: _("The request could not be read."),
        401: _("Authentication credentials were not provided."),
        403: _("You do not have permission to perform this action."),
        404: _("Not found."),
        405: _("Method not allowed."),
        413: _("The request is too large."),
        429: _("Too many requests: try again later."),
        500: _("Something went wrong on our side; it has been logged."),
        503: _("The service is unavailable for a moment: try again shortly."),
    }


def error_json(status, message=None, code=None, fields=None):
    body = {
        "code": code or CODES.get(status, "error"),
        "message": str(message or _messages().get(status) or _("Error.")),
        "fields": fields or {},
    }
    return JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})


def is_api(request):
    return request.path_info.startswith("/api/")


def body_limit(request):
    """Bytes a request body may have: uploads (multipart) as many files as allowed of the
    largest kind, anything else ``ANJU_API_MAX_BODY_BYTES``."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        largest = max(
            settings.ANJU_UPLOAD_PHOTO_MAX_MB,
            settings.ANJU_UPLOAD_DOCUMENT_MAX_MB,
            settings.ANJU_UPLOAD_SPREADSHEET_MAX_MB,
        )
        return (settings.ANJU_UPLOAD_MAX_FILES * largest + 1) * 1024 * 1024
    return settings.ANJU_API_MAX_BODY_BYTES


def too_large():
    return error_json(
        413,
        _("The request body is larger than %(limit)s bytes.")
        % {"limit": settings.ANJU_API_MAX_BODY_BYTES},
    )


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_json(400, _("Content-Length is not a number."))
        if length > body_limit(request):
            return too_large()
        response = self.get_response(request)
        if response.status_code < 400 or isinstance(response, Response):
            return response  # DRF's own answers are in the format already (api/errors.py)
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        replaced = error_json(response.status_code)
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced

    def process_exception(self, request, exception):
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        if isinstance(exception, SuspiciousOperation):
            logging.getLogger(f"django.security.{type(exception).__name__}").error("%s", exception)
            return error_json(400)
        if isinstance(exception, Http404 | PermissionDenied):
            return None  # Django's answer (404, 403) is turned into JSON on the way out
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        signals.got_request_exception.send(sender=None, request=request)
        return error_json(500)
