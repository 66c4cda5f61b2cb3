"""Query parameters that views read themselves (not through a FilterSet): each read once,
here, and a value that cannot be read is 400 naming the parameter, never ignored."""

from datetime import date

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
MAX_ID = 2**63 - 1


def refuse(name, message):
    raise ValidationError({name: [message]})


def _raw(params, name):
    value = params.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def identifier(params, name):
    """An object id (a positive whole number), or None when the parameter is absent."""
    value = _raw(params, name)
    if value is None:
        return None
    if not (value.isdecimal() and value.isascii() and 0 < int(value) <= MAX_ID):
        refuse(name, _("Enter a whole number."))
    return int(value)


def integer(params, name, default=None, minimum=None, maximum=None):
    value = _raw(params, name)
    if value is None:
        return default
    try:
        number = int(value) if value.isascii() else None
    except ValueError:
        number = None
    if (
        number is None
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    ):
        refuse(
            name,
            _("Enter a whole number from %(min)s to %(max)s.")
            % {
                "min": "—" if minimum is None else minimum,
                "max": "—" if maximum is None else maximum,
            },
        )
    return number


def flag(params, name, default=False):
    """A yes/no parameter: 1/true/yes/on or 0/false/no/off."""
    value = _raw(params, name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    refuse(name, _("Enter true or false."))


def day(params, name, default=None):
    """A date as YYYY-MM-DD."""
    value = _raw(params, name)
    if value is None:
        return default
    try:
        return date.fromisoformat(value) if len(value) == 10 else refuse(name, "")
    except (ValueError, ValidationError):
        refuse(name, _("Use the date format YYYY-MM-DD."))


def choice(params, name, choices, default=None):
    value = _raw(params, name)
    if value is None:
        return default
    if value not in choices:
        refuse(
            name,
            _("Select a valid choice. %(value)s is not one of the available choices.")
            % {"value": value},
        )
    return value
