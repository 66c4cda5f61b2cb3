"""Domain settings: every business number Anju does not hard-code, in one typed table.

DOMAIN.md says an UNCONFIRMED number is a setting, never a constant. Each setting here has a
name (also its environment variable), a type, a default, bounds and a meaning. ``anju.settings``
loads them all from the environment (``load``); a value of the wrong type or out of bounds
stops Anju at start with ``ImproperlyConfigured`` naming it, never a silent default. Code reads
them as ``django.conf.settings.<NAME>`` (tests override them with the ``settings`` fixture).
Table-valued settings (an SLA table, days per hazard severity) are JSON in the environment.

The README's "Domain settings" table is generated from this table:
``python -m anju.domain_settings`` prints it (tests/test_project.py keeps them equal).

This module imports nothing of Django but ImproperlyConfigured: settings.py loads it first.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str  # int, decimal, bool, choice, int_list, json
    default: Any
    meaning: str
    low: Any = None
    high: Any = None
    choices: tuple = ()
    unconfirmed: bool = False
    area: str = "core"

    def parse(self, raw: str):
        """The value of ``raw`` (an environment string), or ImproperlyConfigured."""
        try:
            value = self._convert(raw.strip())
        except (ValueError, InvalidOperation, json.JSONDecodeError, TypeError) as exc:
            raise ImproperlyConfigured(f"{self.name}={raw!r}: {self._expected()}") from exc
        self.check(value)
        return value

    def _convert(self, raw):
        if self.kind == "int":
            return int(raw)
        if self.kind == "decimal":
            value = Decimal(raw)
            if not value.is_finite():
                raise ValueError(raw)
            return value
        if self.kind == "bool":
            word = raw.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise ValueError(raw)
            return word in TRUE_WORDS
        if self.kind == "choice":
            if raw not in self.choices:
                raise ValueError(raw)
            return raw
        if self.kind == "int_list":
            return tuple(int(part) for part in raw.split(",") if part.strip())
        if self.kind == "str_list":
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if self.kind == "json":
            value = json.loads(raw)
            if not isinstance(value, type(self.default)):
                raise TypeError(raw)
            return value
        raise AssertionError(self.kind)

    def _expected(self):
        return {
            "int": "a whole number",
            "decimal": "a decimal number",
            "bool": "1/true/yes/on or 0/false/no/off",
            "choice": "one of " + ", ".join(self.choices),
            "int_list": "whole numbers separated by commas",
            "str_list": "words separated by commas",
            "json": f"a JSON {type(self.default).__name__}",
        }[self.kind] + self._bounds()

    def _bounds(self):
        if self.low is not None and self.high is not None:
            return f" from {self.low} to {self.high}"
        if self.low is not None:
            return f" of at least {self.low}"
        return ""

    def check(self, value):
        items = value if self.kind == "int_list" else (value,)
        for item in items:
            if self.kind in ("int", "decimal", "int_list") and (
                (self.low is not None and item < self.low)
                or (self.high is not None and item > self.high)
            ):
                raise ImproperlyConfigured(f"{self.name}={value!r}: {self._expected()}")
        if self.kind == "int_list" and list(value) != sorted(value):
            raise ImproperlyConfigured(f"{self.name}={value!r}: list the steps in rising order")
        return value

    def shown_default(self):
        if self.kind in ("int_list", "str_list"):
            return ",".join(str(v) for v in self.default) or "(none)"
        if self.kind == "json":
            return json.dumps(self.default, separators=(",", ":"))
        if self.kind == "bool":
            return "1" if self.default else "0"
        return str(self.default)


S = Setting
SETTINGS: list[Setting] = [
    # --- core
    S(
        "ANJU_PERSONAL_DATA_RETENTION_DAYS",
        "int",
        3 * 365,
        "days after a person left (no login) before their phone and ID number are blanked (PIPL "
        "第19条: no longer than needed)",
        low=30,
    ),
    # --- accounts (self-service sign-up, SMS codes)
    S(
        "ANJU_ACCOUNTS_CODE_MINUTES",
        "int",
        5,
        "minutes an SMS code stays valid",
        low=1,
        high=30,
        area="accounts",
    ),
    S(
        "ANJU_ACCOUNTS_CODE_INTERVAL_SECONDS",
        "int",
        60,
        "seconds before the same phone may be sent another SMS code",
        low=10,
        high=3600,
        area="accounts",
    ),
    S(
        "ANJU_ACCOUNTS_CODES_PER_PHONE_DAY",
        "int",
        10,
        "SMS codes one phone is sent per day",
        low=1,
        high=100,
        area="accounts",
    ),
    S(
        "ANJU_ACCOUNTS_CODES_PER_ADDRESS_HOUR",
        "int",
        30,
        "SMS codes asked for from one client address per hour",
        low=1,
        high=10000,
        area="accounts",
    ),
    S(
        "ANJU_ACCOUNTS_CODE_ATTEMPTS",
        "int",
        5,
        "wrong tries after which an SMS code is dead",
        low=1,
        high=20,
        area="accounts",
    ),
    S("ANJU_IMPORT_MAX_ROWS", "int", 50000, "rows one Excel import takes", low=1),
    S(
        "ANJU_TEXT_MAX_CHARS",
        "int",
        20000,
        "longest free text (descriptions, notes); names and one-line text lose control and "
        "bidirectional-override characters, multi-line text keeps its line breaks",
        low=100,
    ),
    S("ANJU_FLOOR_MIN", "int", -10, "lowest floor a house may be on", low=-100, high=0),
    S("ANJU_FLOOR_MAX", "int", 200, "highest floor a house may be on", low=1, high=500),
    S(
        "ANJU_AREA_MIN_M2",
        "decimal",
        Decimal("1"),
        "smallest building area of a house (m²)",
        low=Decimal("0.01"),
    ),
    S(
        "ANJU_AREA_MAX_M2",
        "decimal",
        Decimal("100000"),
        "largest building area of a house (m²)",
        low=Decimal("1"),
    ),
    S(
        "ANJU_TEMP_MIN_C",
        "int",
        -60,
        "lowest weather temperature a reminder takes (°C)",
        low=-100,
        high=0,
    ),
    S(
        "ANJU_TEMP_MAX_C",
        "int",
        60,
        "highest weather temperature a reminder takes (°C)",
        low=0,
        high=100,
    ),
    S(
        "ANJU_MONEY_MAX",
        "int",
        100_000_000,
        "largest money amount entered anywhere (yuan)",
        low=1,
        unconfirmed=True,
    ),
    # --- billing
    S(
        "ANJU_DEMAND_DEADLINE_DAYS",
        "int",
        30,
        "shortest deadline a written demand for arrears gives (民法典第944条 合理期限)",
        low=1,
        unconfirmed=True,
        area="billing",
    ),
    S(
        "ANJU_PREPAY_MAX_MONTHS",
        "int",
        12,
        "most months of fees a house may prepay (local rule)",
        low=1,
        unconfirmed=True,
        area="billing",
    ),
    S(
        "ANJU_BILLING_PREVIEW_KEEP_DAYS",
        "int",
        7,
        "days an unposted billing preview keeps its staged lines (posting it later computes them "
        "again)",
        low=1,
        area="billing",
    ),
    S(
        "ANJU_PAYMENT_ALLOCATION",
        "choice",
        "statutory",
        "how a payment settles debts: statutory (民法典第560、561条: oldest debt first, late charge "
        "before principal) or principal_first where the service contract agrees so",
        choices=("statutory", "principal_first"),
        area="billing",
    ),
    S(
        "ANJU_LATE_DAILY_RATE_MAX",
        "decimal",
        Decimal("0.0005"),
        "highest late charge per day a fee item may carry (0.0005 = 0.05 % a day); a late charge "
        "exists only where the service contract sets one (民法典第585条)",
        low=Decimal("0"),
        high=Decimal("0.01"),
        unconfirmed=True,
        area="billing",
    ),
    # --- governance
    S(
        "ANJU_VOTE_NOTICE_DAYS",
        "int",
        15,
        "days a vote's announcement (公告) is out before the vote opens",
        low=0,
        area="governance",
    ),
    S(
        "ANJU_VOTE_MAX_DAYS_AHEAD",
        "int",
        365,
        "how far ahead a vote may open (days)",
        low=1,
        unconfirmed=True,
        area="governance",
    ),
    S(
        "ANJU_VOTE_MAX_DAYS",
        "int",
        180,
        "how long a vote may last (days)",
        low=1,
        unconfirmed=True,
        area="governance",
    ),
    # --- service desk
    S(
        "ANJU_SERVICEDESK_SLA",
        "json",
        {},
        'SLA minutes per service level and priority, e.g. {"1": {"P1": [10, 30, 240]}} for '
        "accept, arrive, resolve (empty: the defaults of servicedesk/conf.py, DOMAIN.md §5); a "
        "community's SLA policy rows win over it",
        area="servicedesk",
    ),
    S(
        "ANJU_SERVICEDESK_CATEGORIES",
        "json",
        {},
        'default priority and skill per ticket category, e.g. {"water": ["P1", "plumbing"]} '
        "(merged over servicedesk/conf.py)",
        area="servicedesk",
    ),
    S(
        "ANJU_SERVICEDESK_ESCALATION_MINUTES",
        "int_list",
        (0, 30, 120),
        "minutes after a missed SLA step at which the assignee, the community manager and the "
        "company are told",
        low=0,
        area="servicedesk",
    ),
    S(
        "ANJU_SERVICEDESK_RETURN_VISIT_HOURS",
        "int",
        24,
        "hours after a ticket is resolved that its return visit is due",
        low=1,
        area="servicedesk",
    ),
    S(
        "ANJU_SERVICEDESK_AUTO_DISPATCH_PRIORITIES",
        "str_list",
        (),
        "priorities (e.g. P1,P2) dispatched at once to the technician on duty with the skill",
        area="servicedesk",
    ),
    # --- facilities
    S(
        "ANJU_FACILITIES_CERTIFICATE_ALERT_DAYS",
        "int",
        30,
        "days before a certificate expires that the alert is raised",
        low=1,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_INSPECTION_REQUEST_MONTHS",
        "int",
        1,
        "months before expiry that the periodic inspection is requested (特种设备安全法第40条)",
        low=1,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_EQUIPMENT_EXPIRY_DAYS",
        "int",
        60,
        "fire equipment (extinguishers...) listed as expiring this many days ahead",
        low=1,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_GENERATE_AHEAD_DAYS",
        "int",
        35,
        "days ahead that maintenance tasks are generated",
        low=1,
        high=366,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_OVERDUE_GRACE_DAYS",
        "int",
        0,
        "days after its due date that a maintenance task becomes overdue",
        low=0,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_HAZARD_DAYS",
        "json",
        {"low": 7, "medium": 3, "high": 1},
        "days to rectify a hazard by severity when no deadline is given",
        unconfirmed=True,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_PATROL_IDLE_MINUTES",
        "int",
        60,
        "longest gap without a scan during a patrol shift (routes may override)",
        low=1,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_PATROL_MISSED_GRACE_MINUTES",
        "int",
        0,
        "minutes after a checkpoint window closes before it counts as missed",
        low=0,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_OFFLINE_AFTER_SECONDS",
        "int",
        120,
        "a scan received this long after it was made counts as an off-line scan",
        low=1,
        area="facilities",
    ),
    S(
        "ANJU_FACILITIES_CLOCK_SKEW_SECONDS",
        "int",
        300,
        "how far in the future a scan time may be (phone clocks drift)",
        low=0,
        area="facilities",
    ),
    # --- IoT
    S(
        "ANJU_IOT_OFFLINE_AFTER_MINUTES",
        "int",
        30,
        "a device silent this long is offline (an alarm, and a ticket for a technician)",
        low=1,
        area="iot",
    ),
    S(
        "ANJU_IOT_CLOCK_SKEW_SECONDS",
        "int",
        300,
        "readings more than this far in the future are refused",
        low=0,
        area="iot",
    ),
    S(
        "ANJU_IOT_BATCH_LIMIT",
        "int",
        5000,
        "the most readings one ingest call takes",
        low=1,
        area="iot",
    ),
    S(
        "ANJU_IOT_USAGE_SPIKE_FACTOR",
        "decimal",
        Decimal("1.5"),
        "a meter's day is unusual above this many times the median of the two weeks before",
        low=Decimal("1"),
        area="iot",
    ),
    # --- shared spaces
    S(
        "ANJU_SPACES_CHECKIN_EARLY_MINUTES",
        "int",
        15,
        "minutes before the start that a booker may check in",
        low=0,
        area="spaces",
    ),
    S(
        "ANJU_SPACES_NO_SHOW_GRACE_MINUTES",
        "int",
        15,
        "minutes after the start after which a booking not checked in is a no-show",
        low=0,
        area="spaces",
    ),
    S(
        "ANJU_SPACES_CANCEL_BEFORE_MINUTES",
        "int",
        60,
        "minutes before the start up to which a resident may cancel (staff any time before)",
        low=0,
        area="spaces",
    ),
    S(
        "ANJU_SPACES_NO_SHOW_LIMIT",
        "int",
        3,
        "no-shows in 30 days after which a house may not book for a while",
        low=1,
        area="spaces",
    ),
    # --- parking
    S(
        "ANJU_PARKING_VEHICLES_PER_HOUSE",
        "int",
        3,
        "active vehicles a house may register for parking",
        low=1,
        high=50,
        area="parking",
    ),
    S(
        "ANJU_PARKING_PASS_REMIND_DAYS",
        "int_list",
        (15, 3),
        "days before a pass ends on which its household is reminded (once each)",
        low=0,
        high=90,
        unconfirmed=True,
        area="parking",
    ),
    S(
        "ANJU_VISITOR_RETENTION_DAYS",
        "int",
        30,
        "days the visitor log (and a visitor pass after its end) is kept before it is deleted",
        low=1,
        high=365,
        unconfirmed=True,
        area="gate",
    ),
    S(
        "ANJU_GATE_PASS_MAX_DAYS",
        "int",
        7,
        "the longest window a resident may give a visitor pass, in days",
        low=1,
        high=90,
        unconfirmed=True,
        area="gate",
    ),
    S(
        "ANJU_GATE_PASS_MAX_ENTRIES",
        "int",
        10,
        "the most entries one visitor pass may allow",
        low=1,
        high=100,
        area="gate",
    ),
    S(
        "ANJU_WORKS_HOURS",
        "json",
        {
            "000000": {
                "weekday": [["08:00", "12:00"], ["14:00", "18:00"]],
                "weekend": [["09:00", "12:00"], ["14:00", "17:00"]],
            }
        },
        "renovation working hours per jurisdiction code (the most specific prefix wins): "
        "weekday and weekend spans of noisy works; no national rule fixes them, the "
        "renovation agreement states them (上海市住宅物业管理规定第57条, 北京市物业管理条例第79条)",
        unconfirmed=True,
        area="works",
    ),
    S(
        "ANJU_WORKS_WARRANTY_YEARS",
        "json",
        {
            "structure": None,
            "waterproofing": 5,
            "heating": 2,
            "electrical": 2,
            "plumbing": 2,
            "decoration": 2,
        },
        "years of the developer's warranty by part from delivery (null: the design life); "
        "建设工程质量管理条例第40条, not in the reference texts",
        unconfirmed=True,
        area="works",
    ),
    S(
        "ANJU_WORKS_RENOVATION_DEPOSIT",
        "decimal",
        Decimal("2000.00"),
        "renovation deposit (¥) proposed when a renovation is approved",
        low=Decimal("0"),
        high=Decimal("100000"),
        unconfirmed=True,
        area="works",
    ),
    S(
        "ANJU_WORKS_CARD_DEPOSIT",
        "decimal",
        Decimal("50.00"),
        "deposit (¥) per access card issued at handover",
        low=Decimal("0"),
        high=Decimal("1000"),
        unconfirmed=True,
        area="works",
    ),
    # --- community life (paid services, events)
    S(
        "ANJU_LIFE_ORDER_LEAD_MINUTES",
        "int",
        60,
        "minutes ahead of now that a paid home service can be booked at the earliest",
        low=0,
        high=7 * 24 * 60,
        area="life",
    ),
    S(
        "ANJU_LIFE_ORDER_DAYS_AHEAD",
        "int",
        30,
        "days ahead up to which a paid home service can be booked",
        low=1,
        high=365,
        area="life",
    ),
    S(
        "ANJU_LIFE_CHECKIN_EARLY_MINUTES",
        "int",
        60,
        "minutes before an event starts that its check-in QR code is accepted",
        low=0,
        high=24 * 60,
        area="life",
    ),
    # --- green living
    S(
        "ANJU_GREEN_MAX_WEIGHT_KG",
        "decimal",
        Decimal("2000"),
        "largest weight in kg one collection log may record (a typo guard)",
        low=Decimal("1"),
        high=Decimal("100000"),
        unconfirmed=True,
        area="green",
    ),
    S(
        "ANJU_GREEN_POINTS_CORRECT_SORTING",
        "int",
        5,
        "green points a household earns for an inspection that finds its waste correctly sorted",
        low=0,
        high=1000,
        unconfirmed=True,
        area="green",
    ),
    S(
        "ANJU_GREEN_POINTS_MAX_ENTRY",
        "int",
        10000,
        "most green points one ledger entry may award or spend",
        low=1,
        high=1000000,
        area="green",
    ),
    S(
        "ANJU_GREEN_DECORATION_HOLIDAYS",
        "str_list",
        (
            "new_year",
            "spring_festival",
            "lantern",
            "labour_day",
            "dragon_boat",
            "mid_autumn",
            "national_day",
        ),
        "holidays of the calendar (keys) that get a community decoration plan, with the seasons",
        area="green",
    ),
    S(
        "ANJU_GREEN_DECORATION_LEAD_DAYS",
        "int",
        30,
        "days before a holiday or season the calendar proposes its decoration plan",
        low=1,
        high=120,
        area="green",
    ),
    # --- people
    S(
        "ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS",
        "int_list",
        (30, 60),
        "days before a licence expires on which its holder and the managers are told (each once)",
        low=1,
        high=365,
        unconfirmed=True,
        area="people",
    ),
    S(
        "ANJU_PEOPLE_LATE_GRACE_MINUTES",
        "int",
        5,
        "minutes after a shift starts before a clock-in counts as late (and before its end, "
        "a clock-out as leaving early)",
        low=0,
        high=120,
        unconfirmed=True,
        area="people",
    ),
    S(
        "ANJU_PEOPLE_OVERTIME_MINUTES",
        "int",
        30,
        "minutes past the end of a shift after which the time worked counts as overtime",
        low=0,
        high=600,
        unconfirmed=True,
        area="people",
    ),
    S(
        "ANJU_PEOPLE_CLOCK_WINDOW_HOURS",
        "int",
        4,
        "hours before a shift starts and after it ends within which a clock-in or -out belongs to it",
        low=1,
        high=12,
        area="people",
    ),
    S(
        "ANJU_PEOPLE_PASS_MARK",
        "int",
        80,
        "default pass mark (of 100) of a course's quiz",
        low=1,
        high=100,
        unconfirmed=True,
        area="people",
    ),
    # --- finance
    S(
        "ANJU_FINANCE_OPENING_MAX_ROWS",
        "int",
        50000,
        "most rows per sheet of an opening-balance (期初) workbook",
        low=1,
        high=500000,
        area="finance",
    ),
    S(
        "ANJU_FINANCE_OPENING_JOB_ROWS",
        "int",
        2000,
        "opening imports with more rows than this are posted as a background job",
        low=1,
        area="finance",
    ),
    S(
        "ANJU_FINANCE_BANK_MATCH_DAYS",
        "int",
        3,
        "days a bank statement line may be away from a payment's date and still match it "
        "automatically (bank booking delays)",
        low=0,
        high=31,
        unconfirmed=True,
        area="finance",
    ),
    S(
        "ANJU_FINANCE_VAT_RATE",
        "decimal",
        Decimal("0.06"),
        "VAT rate of property services (物业服务, 6%) the vouchers separate from the revenue "
        "where the company's chart sets no other rate for a fee item",
        low=Decimal("0"),
        high=Decimal("0.2"),
        unconfirmed=True,
        area="finance",
    ),
]
del S
BY_NAME = {s.name: s for s in SETTINGS}


def load(environ=None) -> dict[str, Any]:
    """Every domain setting's value: from ``environ`` (os.environ) where set, else its default."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        values[setting.name] = setting.default if raw in (None, "") else setting.parse(raw)
    return values


def app_settings(settings_module, area: str) -> dict[str, Any]:
    """``{short_name: value}`` of one app's settings, e.g. ``facilities`` ->
    ``{"certificate_alert_days": 30, ...}`` (read through ``django.conf.settings``)."""
    prefix = f"ANJU_{area.upper()}_"
    return {
        s.name.removeprefix(prefix).lower(): getattr(settings_module, s.name)
        for s in SETTINGS
        if s.area == area
    }


def markdown() -> str:
    """The README table."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        note = " UNCONFIRMED (DOMAIN.md)." if s.unconfirmed else ""
        rows.append(f"| `{s.name}` | `{s.shown_default()}` | {s.meaning}.{note} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover - documentation helper
    sys.stdout.write(markdown() + "\n")
