"""Photos for the demo (``anju demo``), drawn with Pillow: no network, no files in the repo.
Each is a plain phone-sized JPEG of a scene (a leak under a sink, a cracked tile, a dark stair
light, a paper form) so that the photo paths of the product show something under ``make run``."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

SIZE = (1280, 960)


def _canvas(rng, top, bottom):
    image = Image.new("RGB", SIZE, top)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1]):  # a soft gradient, as light falls in a room
        t = y / SIZE[1]
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (SIZE[0], y)], fill=colour)
    for _ in range(600):  # a little grain
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        draw.point((x, y), fill=tuple(max(0, c - rng.randrange(20)) for c in bottom))
    return image, draw


def _leak(rng):
    image, draw = _canvas(rng, (214, 208, 198), (150, 140, 128))
    draw.rectangle((180, 120, 1100, 520), fill=(235, 235, 232), outline=(120, 120, 120), width=6)
    draw.rectangle((560, 520, 720, 900), fill=(170, 170, 175))  # the cabinet's pipe
    draw.line((640, 520, 640, 900), fill=(110, 110, 118), width=22)
    draw.ellipse((380, 780, 980, 930), fill=(120, 150, 190))  # the puddle
    for i in range(5):
        y = 560 + i * 45
        draw.ellipse((630, y, 652, y + 30), fill=(90, 130, 200))
    return image


def _tile(rng):
    image, draw = _canvas(rng, (200, 196, 186), (176, 170, 160))
    for x in range(0, SIZE[0], 160):
        draw.line((x, 0, x, SIZE[1]), fill=(140, 136, 128), width=4)
    for y in range(0, SIZE[1], 160):
        draw.line((0, y, SIZE[0], y), fill=(140, 136, 128), width=4)
    points = [(480, 320)]
    for _ in range(9):
        x, y = points[-1]
        points.append((x + rng.randrange(30, 90), y + rng.randrange(-40, 70)))
    draw.line(points, fill=(60, 56, 52), width=7)
    return image


def _stair(rng):
    image, draw = _canvas(rng, (58, 60, 70), (22, 22, 28))
    for i in range(7):
        y = 420 + i * 70
        draw.rectangle((200 + i * 60, y, 1280, y + 70), fill=(80 - i * 5, 80 - i * 5, 88 - i * 5))
    draw.ellipse((560, 80, 720, 200), fill=(95, 95, 90), outline=(40, 40, 40), width=5)
    return image


def _form(rng):
    image, draw = _canvas(rng, (120, 110, 96), (96, 88, 76))
    draw.rectangle((300, 60, 980, 920), fill=(250, 250, 246))
    for i in range(14):
        y = 160 + i * 52
        draw.line((360, y, 920 - rng.randrange(0, 200), y), fill=(90, 90, 90), width=5)
    draw.rectangle((380, 820, 520, 870), outline=(40, 40, 40), width=4)
    draw.line((390, 850, 420, 865, 510, 825), fill=(30, 60, 160), width=6)  # the tick
    draw.arc((700, 790, 900, 890), 200, 340, fill=(30, 30, 120), width=6)  # the signature
    return image


SCENES = {"leak": _leak, "tile": _tile, "stair": _stair, "form": _form}


def photo(scene, *, seed=0, name=None):
    """A demo photo as an upload (what a phone would send): a JPEG named like one."""
    rng = random.Random(f"{scene}-{seed}")
    image = SCENES[scene](rng).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    name = name or f"IMG_{20260000 + rng.randrange(10000):08d}.jpg"
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
