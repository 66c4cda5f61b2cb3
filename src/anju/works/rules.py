"""Rule data of the works in a home, each rule with its source beside it.

- ``PROHIBITED`` and ``NEEDS_APPROVAL``: 住宅室内装饰装修管理办法（建设部令第110号）第五至八条.
  Source note: the text in ``shared/reference/laws/`` is transcribed from a secondary source (a
  local reprint of the national rule); check it against the official text before relying on
  the wording.
- ``working_hours(jurisdiction)``: no national rule fixes renovation hours; local rules leave
  them to the 装饰装修管理协议 (上海市住宅物业管理规定第五十七条, 北京市物业管理条例第七十九条:
  the agreement states 施工时间). The figures are UNCONFIRMED and are the setting
  ``ANJU_WORKS_HOURS`` (per jurisdiction code, the most specific prefix wins).
- ``warranty_years(part)``: 物业管理条例第三十一条 (the developer bears the warranty for the
  periods the state fixes); the periods themselves are 建设工程质量管理条例第四十条, which is not
  in the reference folder: they are the UNCONFIRMED setting ``ANJU_WORKS_WARRANTY_YEARS``.
- ``handover_checklist(usage)``: the items checked at handover per house type (the company's
  practice, not law).
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

LAW = "住宅室内装饰装修管理办法（建设部令第110号）"
SOURCE_NOTE = _(
    "Transcribed from a secondary source (a local reprint); check against the official text."
)


@dataclass(frozen=True)
class Rule:
    code: str
    text: object  # lazy translation
    article: str


# 第五条: prohibited outright (the applicant declares none of these is planned).
PROHIBITED = [
    Rule(
        "structure",
        _("Changing the main structure or the load-bearing structure without a design plan"),
        f"{LAW}第五条第（一）项",
    ),
    Rule(
        "dry_to_wet",
        _("Turning a room or balcony without waterproofing into a bathroom or kitchen"),
        f"{LAW}第五条第（二）项",
    ),
    Rule(
        "bearing_openings",
        _(
            "Enlarging door or window openings in a load-bearing wall, or removing the brick or "
            "concrete wall to a balcony"
        ),
        f"{LAW}第五条第（三）项",
    ),
    Rule(
        "energy",
        _("Damaging the original energy-saving installations"),
        f"{LAW}第五条第（四）项",
    ),
    Rule(
        "safety",
        _("Anything else that affects the structure or safe use of the building"),
        f"{LAW}第五条第（五）项",
    ),
]

# 第六至八条: allowed only with the approval (or plan) named.
NEEDS_APPROVAL = [
    Rule(
        "build",
        _("Building a structure (needs the planning authority's approval)"),
        f"{LAW}第六条第（一）项",
    ),
    Rule(
        "facade",
        _(
            "Changing the facade or opening doors or windows in a non-load-bearing outer wall "
            "(needs the planning authority's approval)"
        ),
        f"{LAW}第六条第（二）项",
    ),
    Rule(
        "heating",
        _("Changing heating pipes or installations (needs the heating company's approval)"),
        f"{LAW}第六条第（三）项",
    ),
    Rule(
        "gas",
        _("Changing gas pipes or installations (needs the gas company's approval)"),
        f"{LAW}第六条第（四）项",
    ),
    Rule(
        "floor_load",
        _("Adding floor load beyond the design standard (needs a designer's plan)"),
        f"{LAW}第七条",
    ),
    Rule(
        "waterproofing",
        _(
            "Changing the waterproofing of a bathroom or kitchen (needs a plan to the standard "
            "and a closed water test)"
        ),
        f"{LAW}第八条",
    ),
]
APPROVAL_CODES = {rule.code for rule in NEEDS_APPROVAL}
PROHIBITED_CODES = {rule.code for rule in PROHIBITED}
# 第八条: a renovation that changes a wet room's waterproofing is accepted only after the test.
WATER_TEST = "water_test"

# The items of completion acceptance; the closed water test is required where 第八条 applies.
ACCEPTANCE_ITEMS = [
    Rule("structure_intact", _("Load-bearing walls, beams and columns intact"), f"{LAW}第五条"),
    Rule("facade_intact", _("Facade and outer windows as approved"), f"{LAW}第六条"),
    Rule(
        "pipes_intact", _("Heating and gas pipes untouched or changed as approved"), f"{LAW}第六条"
    ),
    Rule(WATER_TEST, _("Closed water test of the wet rooms passed (48 hours)"), f"{LAW}第八条"),
    Rule("debris_cleared", _("Renovation waste cleared from the common parts"), ""),
]


def needs_water_test(works) -> bool:
    return "waterproofing" in set(works or ())


# --- working hours ----------------------------------------------------------------------------


def _hours_table():
    return settings.ANJU_WORKS_HOURS


def working_hours(jurisdiction: str) -> dict:
    """``{"weekday": [[from, until], ...], "weekend": [...]}`` for a jurisdiction code: the most
    specific entry of ANJU_WORKS_HOURS (330106, then 330100, then 330000, then 000000)."""
    table = _hours_table()
    code = (jurisdiction or "000000").strip()
    for candidate in (code, code[:4] + "00", code[:2] + "0000", "000000"):
        if candidate in table:
            return table[candidate]
    return {"weekday": [], "weekend": []}


def _clock(text):
    return time.fromisoformat(text)


def may_work(jurisdiction: str, at: datetime) -> bool:
    """Whether noisy works may go on at ``at`` (local time) in the jurisdiction."""
    rule = working_hours(jurisdiction)
    spans = rule.get("weekend" if at.weekday() >= 5 else "weekday", [])
    now = at.time()
    return any(_clock(start) <= now < _clock(end) for start, end in spans)


def hours_text(jurisdiction: str) -> str:
    rule = working_hours(jurisdiction)

    def spans(key):
        return ", ".join(f"{a}–{b}" for a, b in rule.get(key, [])) or "—"

    return f"{_('Weekdays')} {spans('weekday')}; {_('weekends')} {spans('weekend')}"


# --- the developer's warranty by part --------------------------------------------------------

WARRANTY_PARTS = {
    "structure": _("Foundation and main structure"),
    "waterproofing": _("Roof and wet-room waterproofing, outer walls"),
    "heating": _("Heating and cooling systems"),
    "electrical": _("Electrical pipes, lines and equipment"),
    "plumbing": _("Water supply and drainage"),
    "decoration": _("Decoration works"),
}
WARRANTY_ARTICLE = "物业管理条例第三十一条；建设工程质量管理条例第四十条（期限未核对）"


def warranty_years(part: str):
    """Years of the developer's warranty for ``part`` (None: the design life of the building)."""
    return settings.ANJU_WORKS_WARRANTY_YEARS.get(part)


def under_warranty(part: str, delivered_on: date | None, on: date) -> bool:
    years = warranty_years(part)
    if years is None or delivered_on is None:
        return True
    try:
        ends = delivered_on.replace(year=delivered_on.year + int(years))
    except ValueError:  # 29 February
        ends = delivered_on.replace(year=delivered_on.year + int(years), day=28)
    return on < ends


# --- handover checklists per house type ------------------------------------------------------

_HOME = [
    ("doors_windows", _("Doors and windows open, close and lock"), "decoration"),
    ("walls_floors", _("Walls, ceilings and floors without cracks or hollows"), "structure"),
    ("waterproofing", _("No leaks in bathrooms, kitchen and balcony"), "waterproofing"),
    ("plumbing", _("Taps, drains and toilets work"), "plumbing"),
    ("electrical", _("Sockets, switches and the distribution box work"), "electrical"),
    ("heating", _("Heating or air-conditioning connections in place"), "heating"),
    ("intercom", _("Intercom and door access work"), "electrical"),
]
_SHOP = [
    ("doors_windows", _("Shutters, doors and windows open, close and lock"), "decoration"),
    ("walls_floors", _("Walls, ceilings and floors without cracks or hollows"), "structure"),
    ("plumbing", _("Water supply and drainage work"), "plumbing"),
    ("electrical", _("Power supply and the distribution box work"), "electrical"),
    ("fire", _("Fire sprinklers and detectors in place"), "electrical"),
]
_PARKING = [
    ("markings", _("Space markings and number visible"), "decoration"),
    ("floor", _("Floor without cracks or standing water"), "structure"),
]
CHECKLISTS = {"residential": _HOME, "commercial": _SHOP, "parking": _PARKING}


def handover_checklist(usage: str):
    """``[(code, text, warranty part)]`` checked at the handover of a house of ``usage``."""
    return CHECKLISTS.get(usage, _HOME)
