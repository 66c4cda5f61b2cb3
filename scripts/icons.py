"""Draw the web app icons (core/static/anju/icon-<size>.png) from the house of icon.svg.

The square is full-bleed brand blue (a phone masks it round or rounded); the house sits inside
the maskable safe zone (the centre 80%). Run after changing the mark:
    .venv/bin/python scripts/icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "src/anju/core/static/anju"
BRAND = (15, 108, 189, 255)
# icon.svg's house on its 64-unit grid: roof apex, eaves, walls and the door opening.
HOUSE = [(12, 34), (32, 16), (52, 34), (52, 52), (38, 52), (38, 38), (26, 38), (26, 52), (12, 52)]
SCALE = 0.82  # of the 64 grid, around its centre: inside the maskable safe zone


def draw(size: int) -> Image.Image:
    factor = 4  # draw large, then shrink: smooth edges without an anti-aliasing pass
    big = size * factor
    image = Image.new("RGBA", (big, big), BRAND)
    unit = big / 64

    def point(x, y):
        return ((32 + (x - 32) * SCALE) * unit, (34 + (y - 34) * SCALE) * unit)

    ImageDraw.Draw(image).polygon([point(x, y) for x, y in HOUSE], fill=(255, 255, 255, 255))
    return image.resize((size, size), Image.LANCZOS).convert("RGB")


def main():
    for size in (180, 192, 512):
        path = OUT / f"icon-{size}.png"
        draw(size).save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
