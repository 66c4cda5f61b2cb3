"""Query-string filters of the ticket list, parsed directly: django-filter's form machinery
(deep copies of eleven filters and a query to validate each related id) cost more than the
rest of a "my tickets" request. Unknown ids simply match nothing (scoping hides what is not
the caller's anyway); malformed values answer 400 naming the parameter. ``created_after`` and
``created_before`` are local days, both included, on the time a ticket was opened."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from .choices import Category, Channel, Kind, Priority, Status

ID_FILTERS = ("community", "house", "building", "assignee", "first_responder", "reporter")
CHOICE_FILTERS = {
    "kind": Kind,
    "category": Category,
    "status": Status,
    "priority": Priority,
    "channel": Channel,
}


def parse(params):
    """{field attname: value} of the filters in a query string; 400 naming each bad one."""
    lookups, errors = {}, {}
    for name in ID_FILTERS:
        value = params.get(name)
        if not value:
            continue
        if not (value.isdecimal() and len(value) < 19):  # what int() reads, and a BIGINT holds
            errors[name] = [_("Enter a whole number.")]
        else:
            lookups[f"{name}_id"] = int(value)
    for name, choices in CHOICE_FILTERS.items():
        value = params.get(name)
        if not value:
            continue
        if value not in choices.values:
            errors[name] = [
                _("Select a valid choice. %(value)s is not one of the available choices.")
                % {"value": value}
            ]
        else:
            lookups[name] = value
    since, until = _day(params, "created_after", errors), _day(params, "created_before", errors)
    if since and until and until < since:
        errors["created_before"] = [_("The last day must not be before the first.")]
    if since:
        lookups["opened_at__gte"] = _start_of(since)
    if until:
        lookups["opened_at__lt"] = _start_of(until + timedelta(days=1))
    if errors:
        raise ValidationError(errors)
    return lookups


def _day(params, name, errors):
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Use the date format YYYY-MM-DD.")]
        return None


def _start_of(day):
    """Midnight of a local day (tickets are opened in the community's time, Beijing time)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class TicketFilterBackend(BaseFilterBackend):
    """The ticket list's query-string filters (``parse``) for DRF, with their OpenAPI parameters."""

    def filter_queryset(self, request, queryset, view):
        lookups = parse(request.query_params)
        return queryset.filter(**lookups) if lookups else queryset

    def get_schema_operation_parameters(self, view):
        parameters = [
            {
                "name": name,
                "required": False,
                "in": "query",
                "schema": {"type": "integer"},
            }
            for name in ID_FILTERS
        ]
        parameters += [
            {
                "name": name,
                "required": False,
                "in": "query",
                "schema": {"type": "string", "enum": list(choices.values)},
            }
            for name, choices in CHOICE_FILTERS.items()
        ]
        parameters += [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "boolean"},
            }
            for name, description in (
                ("open", "Only open tickets (new, assigned, accepted, in progress, waiting)."),
                (
                    "overdue",
                    "Only overdue tickets: open, past their resolve-by time, the clock running "
                    "(a ticket waiting for the resident is paused, not overdue).",
                ),
            )
        ]
        parameters += [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string", "format": "date"},
            }
            for name, description in (
                ("created_after", "Only tickets opened on this local day or later."),
                ("created_before", "Only tickets opened on this local day or earlier."),
            )
        ]
        return parameters
