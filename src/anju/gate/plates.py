"""Plate numbers as typed by a resident or read by a camera: one spelling to compare."""

import re

PLATE = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$")


def normalize(plate) -> str:
    """Upper case, without spaces, dots and dashes: 浙A·12345 -> 浙A12345."""
    return re.sub(r"[\s·.\-]", "", str(plate or "")).upper()


def valid(plate) -> bool:
    return bool(PLATE.match(plate))
