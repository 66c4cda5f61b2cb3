"""Attachments: the one way a file enters Anju, and (with ``core.files``) the one way it leaves.

An upload is judged by its bytes, never by its name or the content type the client claims:
``filetype`` sniffs it, the use's allow-list (``PHOTOS``, ``DOCUMENTS``, ...) decides, the size,
count and pixel limits are settings. Images are decoded and written again with Pillow: the
orientation applied, every metadata block (EXIF with its GPS position: PIPL; XMP; comments)
left behind, HEIC turned into JPEG so browsers show it, and a phone-sized thumbnail beside it.
PDFs are checked as PDFs and served as downloads. The file is stored under a random name
(``attachments/YYYY/MM/<uuid>.<ext of the stored type>``); what the phone called it is data.

``prepare`` does all the checking and work before anything is stored, so a refusal (a
``DomainError`` on the field, in the user's language) stores nothing and the caller's
transaction rolls back whole; ``attach`` then writes the files and their rows.

A model whose objects carry files declares ``attachments = attachments.relation()`` and
``attachments_view_permission``: the permission its ``visible_to`` is asked with before a file
of one of its objects is served (``core.files``) or listed.
"""

import io
import re
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from .errors import DomainError

try:  # HEIC/HEIF (iPhones' default) through libheif
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - a deployment without pillow-heif refuses HEIC
    pillow_heif = None

JPEG, PNG, WEBP, HEIC, HEIF = "image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What an accepted type is stored as: (stored type, extension, Pillow format or None).
STORED = {
    JPEG: (JPEG, "jpg", "JPEG"),
    PNG: (PNG, "png", "PNG"),
    WEBP: (WEBP, "webp", "WEBP"),
    HEIC: (JPEG, "jpg", "JPEG"),  # re-encoded: few browsers show HEIC
    HEIF: (JPEG, "jpg", "JPEG"),
    PDF: (PDF, "pdf", None),
}
# Types the serving view gives out; anything else (an old row's HTML) is never served.
SERVED = {JPEG, PNG, WEBP, PDF}
IMAGES = {JPEG, PNG, WEBP, HEIC, HEIF}


@dataclass(frozen=True)
class Accept:
    """An allow-list for one use: the sniffed types accepted and how to name them to the user."""

    types: frozenset
    label: object  # lazy text, e.g. "a photo (JPEG, PNG, WebP or HEIC)"


PHOTOS = Accept(frozenset(IMAGES), gettext_lazy("a photo (JPEG, PNG, WebP or HEIC)"))
DOCUMENTS = Accept(frozenset({PDF}), gettext_lazy("a PDF document"))
PHOTOS_OR_DOCUMENTS = Accept(
    frozenset(IMAGES | {PDF}), gettext_lazy("a photo (JPEG, PNG, WebP or HEIC) or a PDF document")
)

# The names services and forms give their file fields, as the user reads them.
FIELD_LABELS = {
    "attachments": gettext_lazy("attachments"),
    "photos": gettext_lazy("photos"),
    "photo": gettext_lazy("photo"),
    "file": gettext_lazy("file"),
    "scan": gettext_lazy("scan"),
    "evidence": gettext_lazy("evidence"),
    "documents": gettext_lazy("documents"),
    "attachment": gettext_lazy("attachment"),
}


def relation():
    """The ``attachments`` of a model with files (a generic relation: prefetchable, and deleted
    with the object)."""
    return GenericRelation("core.Attachment", object_id_field="object_id")


# -- limits (settings, read when used so tests and deployments can change them) -------------


def _mb(name, default):
    return int(getattr(settings, name, default)) * 1024 * 1024


def photo_limit():
    return _mb("ANJU_UPLOAD_PHOTO_MAX_MB", 10)


def document_limit():
    return _mb("ANJU_UPLOAD_DOCUMENT_MAX_MB", 20)


def spreadsheet_limit():
    return _mb("ANJU_UPLOAD_SPREADSHEET_MAX_MB", 10)


def max_files():
    return int(getattr(settings, "ANJU_UPLOAD_MAX_FILES", 9))


def max_pixels():
    return int(getattr(settings, "ANJU_UPLOAD_MAX_MEGAPIXELS", 90)) * 1_000_000


def thumbnail_edge():
    return int(getattr(settings, "ANJU_UPLOAD_THUMBNAIL_PX", 640))


def limit_for(media_type):
    return document_limit() if media_type == PDF else photo_limit()


# -- checking and preparing ------------------------------------------------------------------


@dataclass
class Prepared:
    """An upload that passed: the bytes to store (re-encoded), their thumbnail, their facts."""

    name: str  # the original name, cleaned
    media_type: str  # what is stored, e.g. image/jpeg for a HEIC
    extension: str
    content: bytes
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None

    @property
    def size(self):
        return len(self.content)


def clean_name(name):
    """The original file name as data: no directories, no control or format characters, no
    surrounding blanks, at most 200 characters ("" stays "")."""
    base = re.split(r"[/\\]", str(name or ""))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip(" .")
    return base[:200]


class _Refusal:
    """Builds the refusals of one field: the message names the field, in the user's language."""

    def __init__(self, field, label):
        self.field = field
        self.label = label if label is not None else FIELD_LABELS.get(field, field)

    def __call__(self, message, **params):
        text = _("%(field)s: %(message)s") % {
            "field": self.label,
            "message": message % params if params else message,
        }
        raise DomainError(text, fields={self.field: [text]}, code="invalid_file")


def _as_list(files):
    if files is None:
        return []
    if isinstance(files, list | tuple):
        return [f for f in files if f is not None]
    if hasattr(files, "read") or isinstance(files, Prepared):
        return [files]
    return [f for f in files if f is not None]


def _size_of(upload):
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    return size


def _read(upload, limit):
    """The upload's bytes, never more than ``limit`` + 1 of them."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        parts, total = [], 0
        for chunk in upload.chunks():
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                break
        data = b"".join(parts)
    else:
        data = upload.read(limit + 1)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return data[: limit + 1]


def sniff(data):
    """The media type the bytes are, by their signature (None when unknown)."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def prepare(files, *, field, accept=PHOTOS, label=None):
    """Check every upload in ``files`` (one, a list, or none) against ``accept`` and the limits,
    and re-encode it: a list of ``Prepared``. The first bad one refuses them all, with the field
    and the file named; nothing is stored either way. ``Prepared`` items pass through."""
    refuse = _Refusal(field, label)
    items = _as_list(files)
    if len(items) > max_files():
        refuse(_("at most %(count)s files at once."), count=max_files())
    largest = max(limit_for(t) for t in accept.types)
    prepared = []
    for upload in items:
        if isinstance(upload, Prepared):
            prepared.append(upload)
            continue
        name = clean_name(getattr(upload, "name", ""))
        shown = name or _("the file")
        size = _size_of(upload)
        if not size:
            refuse(_("“%(name)s” is empty."), name=shown)
        if size > largest:  # refused before reading it
            refuse(_too_big(), name=shown, size=_in_mb(size), limit=_in_mb(largest))
        data = _read(upload, largest)
        media_type = sniff(data)
        if media_type not in accept.types or media_type not in STORED:
            refuse(
                _("“%(name)s” is not accepted here; send %(accepted)s."),
                name=shown,
                accepted=accept.label,
            )
        if len(data) > limit_for(media_type):
            refuse(
                _too_big(), name=shown, size=_in_mb(len(data)), limit=_in_mb(limit_for(media_type))
            )
        if media_type in IMAGES:
            prepared.append(_image(data, media_type, name, shown, refuse))
        else:
            prepared.append(_pdf(data, name, shown, refuse))
    return prepared


def _too_big():
    return _("“%(name)s” is %(size)s MB; the limit is %(limit)s MB.")


def _in_mb(size):
    value = size / 1024 / 1024
    return f"{value:.1f}".removesuffix(".0")


def _image(data, media_type, name, shown, refuse):
    stored_type, extension, pillow_format = STORED[media_type]
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, limit
            try:
                with Image.open(io.BytesIO(data)) as source:
                    if source.width * source.height > limit:
                        raise Image.DecompressionBombError
                    source.seek(0)  # the first frame of an animation
                    source.load()
                    image = ImageOps.exif_transpose(source)
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse(
            _("“%(name)s” has too many pixels; the limit is %(limit)s megapixels."),
            name=shown,
            limit=limit // 1_000_000,
        )
    except Exception:  # noqa: BLE001  (truncated or corrupt: Pillow raises many kinds)
        refuse(_("“%(name)s” cannot be read as an image."), name=shown)
    icc = image.info.get("icc_profile")  # colour, not about anyone: kept so colours stay true
    transparency = image.info.get("transparency")
    image.info = {}  # EXIF, XMP, comments, text chunks: none of it is written again
    content = _encode(image, pillow_format, icc=icc, transparency=transparency)
    thumb = image.copy()
    thumb.thumbnail((thumbnail_edge(), thumbnail_edge()), Image.Resampling.LANCZOS)
    thumbnail = _encode(_flatten(thumb), "JPEG", quality=80)
    return Prepared(
        name=name,
        media_type=stored_type,
        extension=extension,
        content=content,
        thumbnail=thumbnail,
        width=image.width,
        height=image.height,
    )


def _flatten(image):
    """RGB for JPEG: transparency laid on white."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _encode(image, pillow_format, *, icc=None, transparency=None, quality=85):
    out = io.BytesIO()
    options = {"icc_profile": icc} if icc else {}
    if pillow_format == "JPEG":
        _flatten(image).save(out, format="JPEG", quality=quality, optimize=True, **options)
    elif pillow_format == "PNG":
        if transparency is not None and image.mode in ("P", "L", "RGB"):
            options["transparency"] = transparency
        image.save(out, format="PNG", optimize=True, **options)
    else:
        image.save(out, format=pillow_format, quality=quality, **options)
    return out.getvalue()


def _pdf(data, name, shown, refuse):
    # A PDF starts with its header and ends with a cross-reference pointer and %%EOF.
    tail = data[-2048:]
    if not data.startswith(b"%PDF-") or b"%%EOF" not in tail or b"startxref" not in tail:
        refuse(_("“%(name)s” is not a complete PDF document."), name=shown)
    return Prepared(name=name, media_type=PDF, extension="pdf", content=data)


def check_workbook(upload, *, field="file", label=None):
    """An Excel upload for an import: a real .xlsx (an Office Open XML zip with a workbook part,
    not bombed) within ``ANJU_UPLOAD_SPREADSHEET_MAX_MB``. Returns the upload, rewound; it is
    read, not stored."""
    refuse = _Refusal(field, label)
    if upload is None:
        refuse(_("choose an .xlsx file."))
    name = clean_name(getattr(upload, "name", "")) or _("the file")
    limit = spreadsheet_limit()
    size = _size_of(upload)
    if size > limit:
        refuse(_too_big(), name=name, size=_in_mb(size), limit=_in_mb(limit))
    data = _read(upload, limit)
    not_xlsx = _("“%(name)s” is not an Excel workbook (.xlsx).")
    if not data.startswith(b"PK\x03\x04"):
        refuse(not_xlsx, name=name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        refuse(not_xlsx, name=name)
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        refuse(not_xlsx, name=name)
    if unpacked > 20 * limit:  # shared strings and sheets compress ~10x; a bomb far more
        refuse(_too_big(), name=name, size=_in_mb(unpacked), limit=_in_mb(20 * limit))
    upload.seek(0)
    return upload


# -- storing ---------------------------------------------------------------------------------


def _stem():
    return uuid.uuid4().hex


def attach(obj, files, *, actor=None, field, accept=PHOTOS, caption="", label=None):
    """Check ``files`` (see ``prepare``) and store each as an attachment of ``obj``: the list of
    new ``Attachment`` rows. Call it inside the service's transaction."""
    prepared = prepare(files, field=field, accept=accept, label=label)
    return [store(obj, item, actor=actor, caption=caption) for item in prepared]


def store(obj, item: Prepared, *, actor=None, caption=""):
    from .models import Attachment

    stem = _stem()
    attachment = Attachment(
        organization_id=obj.organization_id,
        community_id=getattr(obj, "community_id", None),
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        name=item.name,
        caption=str(caption)[:100],
        media_type=item.media_type,
        size=item.size,
        width=item.width,
        height=item.height,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(f"{stem}.{item.extension}", ContentFile(item.content), save=False)
    if item.thumbnail is not None:
        attachment.thumbnail.save(f"{stem}.thumb.jpg", ContentFile(item.thumbnail), save=False)
    attachment.save()
    return attachment


def share(attachment, obj, *, caption=None):
    """The same stored file attached to one more object (a failed checklist's photo on the
    ticket it opened, and still on the checklist): a second row, no second copy."""
    from .models import Attachment

    return Attachment.objects.create(
        organization_id=obj.organization_id,
        community_id=getattr(obj, "community_id", None),
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        file=attachment.file.name,
        thumbnail=attachment.thumbnail.name,
        name=attachment.name,
        caption=attachment.caption if caption is None else str(caption)[:100],
        media_type=attachment.media_type,
        size=attachment.size,
        width=attachment.width,
        height=attachment.height,
        uploaded_by_id=attachment.uploaded_by_id,
    )


def hand_over(attachment, obj):
    """``attachment`` now belongs to ``obj`` (stored before ``obj`` had an id)."""
    from .models import Attachment

    attachment.content_type = ContentType.objects.get_for_model(obj)
    attachment.object_id = str(obj.pk)
    Attachment.objects.filter(pk=attachment.pk).update(
        content_type=attachment.content_type, object_id=attachment.object_id
    )
    return attachment


# -- reading ---------------------------------------------------------------------------------


def of(obj):
    """The attachments of ``obj``, oldest first (its prefetched ``attachments`` when loaded)."""
    from .models import Attachment

    cache = getattr(obj, "_prefetched_objects_cache", {})
    if "attachments" in cache:
        return list(cache["attachments"])
    return list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).order_by("id")
    )


def by_object(model, ids):
    """{object id: [attachments]} for many objects of ``model``, in one query."""
    from .models import Attachment

    found = {}
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(i) for i in ids],
    ).order_by("id")
    for attachment in rows:
        found.setdefault(attachment.object_id, []).append(attachment)
    return {pk: found.get(str(pk), []) for pk in ids}


def describe(attachment):
    """An attachment as every API object lists it."""
    return {
        "id": attachment.pk,
        "url": attachment.url,
        "name": attachment.name,
        "content_type": attachment.media_type,
        "size": attachment.size,
        "thumbnail_url": attachment.thumbnail_url,
    }


def readable(model, user):
    """The objects of ``model`` whose files ``user`` may fetch: ``visible_to(user, perm)`` with
    the permission the model declares (``attachments_view_permission``), or the model's own
    ``attachments_readable_by(user)`` where its readers are not its scope (a notice's readers are
    its recipients). None for a model that declares nothing: it serves no file."""
    perm = getattr(model, "attachments_view_permission", None)
    if model is None or not perm:
        return None
    if hasattr(model, "attachments_readable_by"):
        return model.attachments_readable_by(user)
    manager = model._default_manager
    return manager.visible_to(user, perm) if hasattr(manager, "visible_to") else None


def owner_visible(attachment, user):
    """May ``user`` see the object ``attachment`` belongs to (``readable``)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    objects = readable(attachment.content_type.model_class(), user)
    if objects is None:
        return False
    try:
        return objects.filter(pk=attachment.object_id).exists()
    except (ValueError, TypeError):  # an object id that is no key of that model
        return False


# -- rows from before this module (data migrations) ------------------------------------------


def fill_legacy(rows, storage=None):
    """Bring attachments stored before uploads were checked up to date (``rows``: historical
    model instances, as a data migration has them). Each stored file is read once, however many
    rows share it: an accepted image is re-encoded (metadata dropped) under a random name with its
    thumbnail and the old file removed; a PDF gets its facts; a missing file, or one of a type
    that is not served, gets a note and is never served."""
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    by_name = {}
    for row in rows:
        by_name.setdefault(row.file.name or "", []).append(row)
    for name, group in by_name.items():
        values = _legacy_facts(storage, name)
        for row in group:
            for key, value in values.items():
                setattr(row, key, value)
            row.save(update_fields=list(values))


def _legacy_facts(storage, name):
    if not name or not storage.exists(name):
        return {"note": "文件在迁移时已不存在 (file missing at migration)"[:200], "media_type": ""}
    with storage.open(name, "rb") as handle:
        data = handle.read()
    media_type = sniff(data)
    facts = {"size": len(data), "media_type": media_type or "application/octet-stream"}
    if media_type in IMAGES:
        try:
            item = _image(data, media_type, "", name, _Refusal("file", "file"))
        except DomainError as exc:
            return facts | {"media_type": "application/octet-stream", "note": str(exc)[:200]}
        stem, folder = _stem(), name.rsplit("/", 1)[0] if "/" in name else "attachments"
        new_name = storage.save(f"{folder}/{stem}.{item.extension}", ContentFile(item.content))
        thumb = storage.save(f"{folder}/{stem}.thumb.jpg", ContentFile(item.thumbnail))
        storage.delete(name)  # the original still carried its EXIF
        return {
            "file": new_name,
            "thumbnail": thumb,
            "size": item.size,
            "media_type": item.media_type,
            "width": item.width,
            "height": item.height,
        }
    if media_type == PDF:
        return facts
    return facts | {"note": f"不予提供: {facts['media_type']} (type not served)"[:200]}
