"""Dates from query strings: Django's ``parse_date`` answers None for a malformed value but
raises for a well-formed impossible one (2026-02-30); a page or API must answer neither with a
500. ``parse_day`` answers None for both."""

from django.utils.dateparse import parse_date


def parse_day(value):
    """The date in ``value`` (YYYY-MM-DD), or None when it is empty, malformed or impossible."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None
