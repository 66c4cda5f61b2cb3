"""Chinese number plates (机动车号牌, GA 36-2018): the ordinary blue/yellow plate of 7 characters
and the green new-energy plate of 8. A pure function; special plates (警, 学, 挂, 使, 领, 港, 澳)
are not accepted yet."""

import re

from django.utils.translation import gettext as _

from anju.core.errors import refuse

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_P = f"[{PROVINCES}]"
_SERIAL = "[A-HJ-NP-Z0-9]"  # letters and digits, without I and O
ORDINARY = re.compile(rf"^{_P}[A-Z]{_SERIAL}{{5}}$")
# New energy, small vehicles: D (pure electric) or F (other new energy) at position 3, then a
# letter or digit, then 4 digits; large vehicles: 5 digits, then D or F at position 8.
NEW_ENERGY_SMALL = re.compile(rf"^{_P}[A-Z][DF]{_SERIAL}[0-9]{{4}}$")
NEW_ENERGY_LARGE = re.compile(rf"^{_P}[A-Z][0-9]{{5}}[DF]$")
_SEPARATORS = re.compile(r"[\s·•・.\-]")


def normalize(raw) -> str:
    """Upper case, without spaces, middle dots or dashes: "京a·12345" -> "京A12345"."""
    return _SEPARATORS.sub("", str(raw or "")).upper()


def plate_problem(raw) -> str | None:
    """Why ``raw`` is not a plate number, or None."""
    plate = normalize(raw)
    if not plate:
        return _("Enter the plate number.")
    if plate[0] not in PROVINCES:
        return _("A plate number starts with a province's abbreviation, such as 京 or 粤.")
    if len(plate) == 7:
        if ORDINARY.match(plate):
            return None
        return _(
            "After the province, a plate number has a letter and five letters or digits "
            "(no I or O)."
        )
    if len(plate) == 8:
        if NEW_ENERGY_SMALL.match(plate) or NEW_ENERGY_LARGE.match(plate):
            return None
        return _(
            "A new-energy plate number has D or F as its third character (small vehicles) "
            "or as its last (large vehicles)."
        )
    return _("A plate number has 7 characters (8 for new-energy vehicles).")


def check_plate(raw, field="plate") -> str:
    """The normalised plate number of ``raw``, or a refusal naming ``field``."""
    problem = plate_problem(raw)
    if problem:
        refuse(field, problem)
    return normalize(raw)
