"""Every finance write: keyword-only actor, atomic, audited. ``opening``: the 期初 import."""

from .opening import (
    SHEETS,
    check_opening,
    parse_opening,
    post_opening,
    reverse_opening,
    template_bytes,
)

__all__ = [
    "SHEETS",
    "check_opening",
    "parse_opening",
    "post_opening",
    "reverse_opening",
    "template_bytes",
]
