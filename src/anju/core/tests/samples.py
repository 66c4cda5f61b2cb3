"""Real files for the upload tests, made here (no network, no fixtures on disk): photos drawn with
Pillow (one carrying GPS EXIF), a HEIC made with pillow-heif, a PDF from reportlab, and the
hostile ones (HTML with a script, SVG, an executable renamed .jpg, a PNG decompression bomb)."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

# EXIF tags: Orientation, GPSInfo and the GPS tags inside it.
ORIENTATION, GPS_IFD = 0x0112, 0x8825
GPS = {1: "N", 2: (30.0, 15.0, 36.5), 3: "E", 4: (120.0, 9.0, 12.25)}  # 杭州西湖


def photo(width=1200, height=900, *, colour=(40, 120, 200), label="安居"):
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(240, 200, 60))
    draw.text((20, 20), label.encode("ascii", "ignore").decode() or "photo", fill=(255, 255, 255))
    return image


def jpeg(width=1200, height=900, *, gps=False, orientation=None, **kwargs):
    image = photo(width, height, **kwargs)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update(GPS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png(width=320, height=240):
    out = io.BytesIO()
    photo(width, height).save(out, format="PNG")
    return out.getvalue()


def webp(width=320, height=240):
    out = io.BytesIO()
    photo(width, height).save(out, format="WEBP")
    return out.getvalue()


def heic(width=800, height=600):
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(photo(width, height)).save(out, format="HEIF", quality=80)
    return out.getvalue()


def pdf(text="维修资金使用申请"):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text.encode("ascii", "ignore").decode() or "Anju")
    page.save()
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>fetch('/api/v1/me/').then(r=>r.text())</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
# The start of a Windows executable: "MZ", the DOS stub, the PE header it points to.
EXE = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x00" * 400


def png_bomb(side=30_000):
    """A valid PNG of ``side`` x ``side`` one-bit pixels (900 megapixels) in about 100 KB."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    block = row * 1000
    data = b"".join(packer.compress(block) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def big(megabytes=30):
    """A JPEG header followed by ``megabytes`` of padding: a photo by its first bytes."""
    return jpeg(64, 64)[:-2] + b"\x00" * (megabytes * 1024 * 1024) + b"\xff\xd9"


def upload(content, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)
