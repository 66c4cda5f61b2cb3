"""Uploads (issue 16): content sniffed from the bytes, allow-lists per use, size and pixel limits,
random stored names, images re-encoded without their metadata, and files served only through a
view that asks the owning object's scope; embedded, behind nginx, or from S3 with signed URLs."""

import importlib
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import override_settings
from django.urls import clear_url_caches
from PIL import Image

from anju.core.models import Attachment
from anju.servicedesk.models import Ticket

from . import samples

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def report(api, world, *files, user="resident"):
    return api(world.users[user]).post(
        TICKETS,
        {
            "community": world.community.pk,
            "house": world.house.pk,
            "kind": "repair",
            "category": "water",
            "description": "厨房水管漏水",
            "attachments": list(files),
        },
        format="multipart",
    )


def reported_photo(api, world, content=None, name="leak.jpg", user="resident"):
    response = report(api, world, samples.upload(content or samples.jpeg(), name), user=user)
    assert response.status_code == 201, response.content
    return Attachment.objects.get(object_id=str(response.json()["id"]))


BAD = {
    "html": lambda: samples.upload(samples.HTML, "photo.html", "text/html"),
    "svg": lambda: samples.upload(samples.SVG, "photo.svg", "image/svg+xml"),
    "exe renamed .jpg": lambda: samples.upload(samples.EXE, "photo.jpg", "image/jpeg"),
    "30 MB": lambda: samples.upload(samples.big(30), "big.jpg", "image/jpeg"),
    "png bomb": lambda: samples.upload(samples.png_bomb(), "bomb.png", "image/png"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_upload_is_refused_naming_the_field_and_nothing_is_stored(kind, world, api, media):
    response = report(api, world, samples.upload(samples.jpeg(), "good.jpg"), BAD[kind]())
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == ["attachments"]
    assert error["message"].startswith("附件")  # the field, in the user's language
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_refusal_on_the_portal_keeps_what_was_typed(world, client, media):
    client.force_login(world.users["resident"])
    response = client.post(
        "/app/tickets/new/",
        {
            "house": world.house.pk,
            "kind": "repair",
            "urgency": "normal",
            "category": "water",
            "description": "卫生间漏水，楼下天花板在滴水",
            "photos": samples.upload(samples.SVG, "leak.svg", "image/svg+xml"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "卫生间漏水，楼下天花板在滴水" in page
    assert "leak.svg" in page and "JPEG" in page
    assert Ticket.objects.count() == 0 and stored_files(media) == []


def test_too_many_files_are_refused(world, api, settings, media):
    settings.ANJU_UPLOAD_MAX_FILES = 2
    response = report(api, world, *[samples.upload(samples.png(), f"{i}.png") for i in range(3)])
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["attachments"]
    assert stored_files(media) == []


def test_gps_and_all_exif_are_stripped_and_orientation_applied(world, api, media):
    original = samples.jpeg(1200, 900, gps=True, orientation=6)  # rotated 90° on the phone
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(samples.GPS_IFD)
    attachment = reported_photo(api, world, original)
    content = attachment.file.read()
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG"
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Exif" not in content and b"PhoneMaker" not in content
    assert image.size == (900, 1200)  # the orientation applied, then dropped
    assert (attachment.width, attachment.height) == (900, 1200)
    assert attachment.media_type == "image/jpeg" and attachment.size == len(content)
    thumbnail = Image.open(attachment.thumbnail.open("rb"))
    assert max(thumbnail.size) == 640 and thumbnail.size == (480, 640)
    assert not thumbnail.getexif()


def test_heic_is_accepted_and_stored_as_jpeg(world, api, media):
    attachment = reported_photo(api, world, samples.heic(), "IMG_0001.HEIC")
    assert attachment.media_type == "image/jpeg"
    assert attachment.file.name.endswith(".jpg")
    assert attachment.name == "IMG_0001.HEIC"  # what the phone called it, kept as data
    assert Image.open(attachment.file.open("rb")).format == "JPEG"


@pytest.mark.parametrize(
    ("content", "ext"), [(samples.png, "png"), (samples.webp, "webp"), (samples.jpeg, "jpg")]
)
def test_stored_under_a_random_name_with_the_sniffed_extension(content, ext, world, api, media):
    # The name says .gif; the bytes decide.
    attachment = reported_photo(api, world, content(), "../../etc/passwd\x07 报修.gif")
    assert re.fullmatch(rf"attachments/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{ext}", attachment.file.name)
    assert attachment.name == "passwd 报修.gif"
    assert attachment.thumbnail.name.startswith(attachment.file.name.rsplit(".", 1)[0])
    assert [p.name for p in stored_files(media) if "passwd" in p.name] == []


# -- serving ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 200),  # the reporter
        ("tenant", 200),  # lives in the same house
        ("agent", 200),  # staff of the community
        ("neighbour", 404),  # another resident of the community
        ("stranger", 404),  # a resident of another company
        ("outsider", 404),  # another company's admin
        ("manager2", 404),  # staff of another community of the same company
        (None, 404),  # anonymous
    ],
)
def test_the_file_answers_only_who_may_see_its_ticket(who, status, world, api, client, media):
    attachment = reported_photo(api, world)
    if who:
        client.force_login(world.users[who])
    for url in (f"/files/{attachment.pk}/", f"/files/{attachment.pk}/thumbnail/"):
        response = client.get(url)
        assert response.status_code == status, (who, url)
    if status == 404:
        assert response.content == client.get("/files/999999/").content
        return
    response = client.get(f"/files/{attachment.pk}/")
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()


def test_a_pdf_is_served_as_a_download_without_thumbnail(world, api, client, media):
    from anju.governance.tests.factories import open_vote

    vote, _ = open_vote(world, days=20)
    vote.status = "noticed"
    vote.save(update_fields=["status"])
    committee = api(world.users["committee"])
    response = committee.post(
        f"/api/v1/votes/{vote.pk}/attachments/",
        {"file": samples.upload(samples.pdf(), "方案.pdf", "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    row = response.json()[0]
    assert row["content_type"] == "application/pdf" and row["thumbnail_url"] is None
    client.force_login(world.users["resident"])
    download = client.get(row["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(f"{row['url']}thumbnail/").status_code == 404


def test_media_is_not_served_even_with_debug_on(world, api, client, media):
    attachment = reported_photo(api, world)
    import anju.urls

    try:
        with override_settings(DEBUG=True):
            importlib.reload(anju.urls)
            clear_url_caches()
            client.force_login(world.users["outsider"])
            response = client.get(f"/media/{attachment.file.name}")
            assert response.status_code == 404
    finally:
        importlib.reload(anju.urls)
        clear_url_caches()


def test_behind_nginx_the_view_answers_with_x_accel_redirect(world, api, client, settings, media):
    attachment = reported_photo(api, world)
    settings.ANJU_FILES_ACCEL_PREFIX = "/protected-files/"
    client.force_login(world.users["resident"])
    response = client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-files/{attachment.file.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""
    thumbnail = client.get(f"/files/{attachment.pk}/thumbnail/")
    assert thumbnail["X-Accel-Redirect"] == f"/protected-files/{attachment.thumbnail.name}"
    client.force_login(world.users["neighbour"])
    assert "X-Accel-Redirect" not in client.get(f"/files/{attachment.pk}/")


# -- S3-compatible storage -------------------------------------------------------------------

S3 = {
    "ANJU_S3_BUCKET": "anju-files",
    "ANJU_S3_REGION": "cn-north-1",
    "ANJU_S3_ENDPOINT_URL": "",
    "ANJU_S3_ACCESS_KEY_ID": "anju-test-key",
    "ANJU_S3_SECRET_ACCESS_KEY": "anju-test-secret",
    "ANJU_S3_URL_TTL_SECONDS": 120,
}


def test_s3_storage_redirects_to_a_short_lived_signed_url(world, api, client, settings):
    import boto3
    import requests
    import time_machine
    from moto import mock_aws

    from anju.settings import s3_storage

    for name, value in S3.items():
        setattr(settings, name, value)
    with mock_aws():
        s3 = boto3.client(
            "s3",
            region_name=S3["ANJU_S3_REGION"],
            aws_access_key_id=S3["ANJU_S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3["ANJU_S3_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(
            Bucket=S3["ANJU_S3_BUCKET"],
            CreateBucketConfiguration={"LocationConstraint": S3["ANJU_S3_REGION"]},
        )
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage(settings)}
        attachment = reported_photo(api, world)
        key = attachment.file.name
        assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", key)
        stored = s3.get_object(Bucket=S3["ANJU_S3_BUCKET"], Key=key)["Body"].read()
        assert Image.open(io.BytesIO(stored)).format == "JPEG"

        client.force_login(world.users["neighbour"])
        assert client.get(f"/files/{attachment.pk}/").status_code == 404

        client.force_login(world.users["resident"])
        response = client.get(f"/files/{attachment.pk}/")
        assert response.status_code == 302
        assert "no-store" in response["Cache-Control"]
        url = response["Location"]
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        assert urlparse(url).path.endswith(key)
        assert query["X-Amz-Expires"] == "120"
        assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        assert query["response-content-type"] == "image/jpeg"
        assert query["response-content-disposition"].startswith("inline")
        # The signature S3 would compute for that moment, key and secret: sign it again.
        with (
            time_machine.travel(_amz_date(query["X-Amz-Date"]), tick=False),
            override_settings(USE_TZ=True),
        ):
            again = s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": S3["ANJU_S3_BUCKET"],
                    "Key": key,
                    "ResponseContentDisposition": query["response-content-disposition"],
                    "ResponseContentType": "image/jpeg",
                },
                ExpiresIn=120,
            )
        assert parse_qs(urlparse(again).query)["X-Amz-Signature"][0] == query["X-Amz-Signature"]
        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200 and fetched.content == stored
        thumbnail = client.get(f"/files/{attachment.pk}/thumbnail/")
        assert thumbnail.status_code == 302
        assert urlparse(thumbnail["Location"]).path.endswith(attachment.thumbnail.name)


def _amz_date(text):
    from datetime import UTC, datetime

    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


# -- spreadsheets for imports ----------------------------------------------------------------


def test_an_import_that_is_not_a_real_xlsx_is_refused(world, api):
    response = api(world.users["manager"]).post(
        "/api/v1/imports/",
        {
            "community": world.community.pk,
            "dry_run": True,
            "file": samples.upload(samples.HTML, "houses.xlsx", "application/vnd.ms-excel"),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["file"]


def _workbook(rows=1):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["楼栋", "房号", "表", "日期", "读数"])
    for i in range(rows):
        sheet.append(["1幢", f"1-{i:04d}", "水", "2026-11-01", i])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("url", ["/api/v1/imports/", "/api/v1/meter-readings/import/"])
def test_an_import_over_the_size_limit_is_refused(url, world, api, settings):
    settings.ANJU_UPLOAD_SPREADSHEET_MAX_MB = 1
    big = samples.upload(
        _workbook()[:-22] + b"\0" * (1024 * 1024 + 1) + _workbook()[-22:], "readings.xlsx"
    )
    response = api(world.users["manager"]).post(
        url, {"community": world.community.pk, "dry_run": True, "file": big}, format="multipart"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == ["file"] and "1 MB" in error["message"]


def test_rows_stored_before_checking_get_their_facts_or_a_note(world, media):
    """The data migration (core 0007, and facilities 0004 for the old file fields): an image is
    re-encoded without its EXIF under a new random name with a thumbnail, a PDF gets its type and
    size, an HTML page or a missing file a note, and neither is ever served."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import Client

    from anju.core.attachments import fill_legacy

    ticket_type = ContentType.objects.get_for_model(Ticket)

    def legacy(name, content=None):
        if content is not None:
            default_storage.save(name, ContentFile(content))
        return Attachment.objects.create(
            organization=world.org,
            community=world.community,
            content_type=ticket_type,
            object_id="1",
            file=name,
            name=f"Report photo: {name.rsplit('/', 1)[-1]}",
        )

    photo = legacy("attachments/2026/10/leak.jpg", samples.jpeg(gps=True))
    shared = legacy("attachments/2026/10/leak.jpg")  # a second row on the same file
    document = samples.pdf()
    pdf = legacy("attachments/2026/10/plan.pdf", document)
    page = legacy("attachments/2026/10/x.html", samples.HTML)
    gone = legacy("attachments/2026/10/gone.jpg")
    fill_legacy(Attachment.objects.filter(media_type="").order_by("id"))
    for row in (photo, shared, pdf, page, gone):
        row.refresh_from_db()
    assert photo.media_type == "image/jpeg" and photo.thumbnail and photo.width == 1200
    assert re.fullmatch(r"attachments/2026/10/[0-9a-f]{32}\.jpg", photo.file.name)
    assert shared.file.name == photo.file.name and shared.thumbnail.name == photo.thumbnail.name
    assert not Image.open(photo.file.open("rb")).getexif()
    assert not default_storage.exists("attachments/2026/10/leak.jpg")  # the EXIF went with it
    assert pdf.media_type == "application/pdf" and pdf.size == len(document) and not pdf.note
    assert page.note and page.media_type == "application/octet-stream"
    assert gone.note and gone.media_type == ""
    client = Client()
    client.force_login(world.users["root"])
    assert client.get(f"/files/{page.pk}/").status_code == 404
    assert client.get(f"/files/{gone.pk}/").status_code == 404
