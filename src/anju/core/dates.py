"""Dates from query strings: Django's ``parse_date`` answers None for a malformed value but
raises for a well-formed impossible one (2026-02-30); a page or API must answer neither with a
500. ``parse_day`` answers None for both."""

from datetime import timedelta

from django.utils.dateparse import parse_date


def parse_day(value):
    """The date in ``value`` (YYYY-MM-DD), or None when it is empty, malformed or impossible."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def period(params, days=30, strict=False):
    """(start, end) dates of a report from ``from`` and ``to`` in ``params`` (a query dict): by
    default the ``days`` days up to today. A page (``strict`` False) takes what it can read and
    falls back to the defaults; an API (``strict``) refuses a date it cannot read, or a start
    after the end, naming the parameter."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from .errors import refuse

    if strict:
        for name in ("from", "to"):
            if params.get(name) and parse_day(params[name]) is None:
                refuse(name, _("Use the date format YYYY-MM-DD."))
    end = parse_day(params.get("to")) or timezone.localdate()
    start = parse_day(params.get("from")) or end - timedelta(days=days - 1)
    if start > end:
        if strict:
            refuse("from", _("The start must not be after the end."))
        start = end
    return start, end
