"""Serving attachments: ``/files/<id>/`` and ``/files/<id>/thumbnail/``.

The file answers only a user who may see the object it belongs to (``attachments.owner_visible``);
anyone else, anonymous users included, gets the same 404 as for an id that does not exist. Then,
by deployment:

- embedded (the default, ``make run``): Django streams the file;
- behind nginx (``ANJU_FILES_ACCEL_PREFIX`` set): an empty answer whose ``X-Accel-Redirect``
  sends nginx to its internal location for the file (README has the snippet);
- S3-compatible storage (``ANJU_S3_BUCKET`` set): a redirect to a signed URL that lives
  ``ANJU_S3_URL_TTL_SECONDS``.

Images are shown inline, PDFs downloaded; always ``nosniff`` and private caching."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from . import attachments
from .models import Attachment


def _find(request, pk):
    attachment = Attachment.objects.select_related("content_type").filter(pk=pk).first()
    if (
        attachment is None
        or attachment.media_type not in attachments.SERVED
        or not attachments.owner_visible(attachment, request.user)
    ):
        raise Http404
    return attachment


def _headers(response, attachment, media_type, filename):
    inline = media_type.startswith("image/")
    response["Content-Type"] = media_type
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _serve(request, attachment, stored, media_type, filename):
    storage = stored.storage
    if _is_s3(storage):
        url = storage.url(
            stored.name,
            parameters={
                "ResponseContentType": media_type,
                "ResponseContentDisposition": content_disposition_header(
                    not media_type.startswith("image/"), filename
                ),
            },
            expire=int(getattr(settings, "ANJU_S3_URL_TTL_SECONDS", 300)),
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"  # the signature expires; ask again
        return response
    prefix = getattr(settings, "ANJU_FILES_ACCEL_PREFIX", "")
    if prefix:
        response = HttpResponse()
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(stored.name)
        return _headers(response, attachment, media_type, filename)
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return _headers(FileResponse(handle), attachment, media_type, filename)


def _is_s3(storage):
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(getattr(storage, "_wrapped", storage), S3Storage)


def _download_name(attachment, extension):
    stem = (attachment.name or "").rsplit(".", 1)[0] or f"attachment-{attachment.pk}"
    return f"{stem}.{extension}"


@require_safe
def serve(request, pk):
    attachment = _find(request, pk)
    extension = attachment.file.name.rsplit(".", 1)[-1]
    return _serve(
        request,
        attachment,
        attachment.file,
        attachment.media_type,
        _download_name(attachment, extension),
    )


@require_safe
def thumbnail(request, pk):
    attachment = _find(request, pk)
    if not attachment.thumbnail:
        raise Http404
    return _serve(
        request,
        attachment,
        attachment.thumbnail,
        "image/jpeg",
        _download_name(attachment, "jpg"),
    )
