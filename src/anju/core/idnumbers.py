"""Resident identity card numbers (居民身份证号码, GB 11643-1999), checked the same way wherever
one is taken: the people API and console, the Excel import, searches.

A number is 17 digits (6 for the place of registration, 8 for the birth date, 3 for the
sequence) and a check digit (ISO 7064 MOD 11-2, ``X`` for 10). People type them on phones with
Chinese input methods, so full-width digits and ``ｘ`` are read as ASCII; any other non-ASCII
digit (Arabic-Indic, superscripts, ...) is refused, since ``str.isdigit()`` would take it.
Legacy 15-digit numbers (first-generation cards: 2-digit year, no check digit) are converted
to 18 by inserting ``19`` before the year and computing the check digit.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError

FIELD = "id_number"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900
ASCII_DIGITS = frozenset("0123456789")

# Full-width digits (U+FF10-FF19) and letters x/X, as Chinese input methods type them.
_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "ｘ": "X", "Ｘ": "X", "x": "X"}
)


def check_digit(body17: str) -> str:
    """The GB 11643 check character of 17 ASCII digits."""
    return CHECK_CODES[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]


def checksum_ok(number: str) -> bool:
    """True when ``number`` is 17 ASCII digits and its right check character."""
    return (
        len(number) == 18
        and set(number[:17]) <= ASCII_DIGITS
        and check_digit(number[:17]) == number[17]
    )


def birth_date(number: str) -> date | None:
    """The birth date written in an 18-character number, or None if it is no calendar date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _refuse(message):
    raise DomainError(message, fields={FIELD: [message]})


def normalise(value) -> str:
    """The number as stored: 18 ASCII characters (or "" for none). Raises ``DomainError``
    naming ``id_number`` with a message in the active language for anything else."""
    text = "".join(str(value or "").split()).translate(_FULL_WIDTH).upper()
    if not text:
        return ""
    if not text.isascii():
        _refuse(_("The ID number may contain only the digits 0-9 and a final X."))
    if len(text) == 15:
        if not set(text) <= ASCII_DIGITS:
            _refuse(_("A 15-digit ID number may contain only the digits 0-9."))
        text = text[:6] + "19" + text[6:]
        text += check_digit(text)
    if len(text) != 18:
        _refuse(_("Enter an 18-character resident ID number (or a 15-digit old one)."))
    if not set(text[:17]) <= ASCII_DIGITS or text[17] not in ASCII_DIGITS | {"X"}:
        _refuse(_("The ID number may contain only the digits 0-9 and a final X."))
    born = birth_date(text)
    if born is None:
        _refuse(
            _("The birth date in the ID number (%(digits)s) is not a real date.")
            % {"digits": text[6:14]}
        )
    if born > timezone.localdate():
        _refuse(
            _("The birth date in the ID number (%(date)s) is in the future.")
            % {"date": born.isoformat()}
        )
    if born.year < EARLIEST_BIRTH_YEAR:
        _refuse(
            _("The birth date in the ID number (%(date)s) is before 1900.")
            % {"date": born.isoformat()}
        )
    if not checksum_ok(text):
        _refuse(_("The ID number's check digit does not match; check the number for a typo."))
    return text


def search_key(value) -> str:
    """The number as stored when it is valid, else the text as typed (a search for an invalid
    number finds nothing rather than failing)."""
    try:
        return normalise(value)
    except DomainError:
        return str(value or "").strip().upper()
