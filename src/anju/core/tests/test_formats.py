from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from anju.core import formats


def test_money_two_places_separators_sign():
    assert formats.money(Decimal("693.580000000000")) == "¥693.58"
    assert formats.money(Decimal("1234567.005")) == "¥1,234,567.01"
    assert formats.money(-12) == "-¥12.00"
    assert formats.money("0") == "¥0.00"
    assert formats.money(None) == ""
    assert formats.money(Decimal("5"), sign=False) == "5.00"
    with pytest.raises(TypeError):
        formats.money(0.1)


def test_number():
    assert formats.number(Decimal("1234.500")) == "1,234.5"
    assert formats.number(12000) == "12,000"
    assert formats.number(Decimal("0.125"), 2) == "0.13"
    assert formats.number("n/a") == "n/a"


def test_when_is_local_time():
    moment = datetime(2026, 12, 2, 2, 12, tzinfo=UTC)
    assert formats.when(moment) == "2026-12-02 10:12"
    assert formats.when(date(2026, 11, 26)) == "2026-11-26"
    assert formats.when("2026-12-02T02:12") == "2026-12-02 02:12"
    assert formats.day(moment) == "2026-12-02"
    assert formats.clock(moment) == "10:12"


def test_duration_in_both_languages():
    with translation.override("en"):
        assert formats.duration(timedelta(hours=2, minutes=5)) == "2 h 5 min"
        assert formats.duration(timedelta(days=3, hours=4, minutes=9)) == "3 d 4 h"
        assert formats.duration(-3600) == "-1 h"
    with translation.override("zh-hans"):
        assert formats.duration(timedelta(hours=2, minutes=5)) == "2小时5分钟"


def test_phone_and_units():
    assert formats.phone("13912345678") == "139****5678"
    assert formats.with_unit(Decimal("12.50"), "kwh") == "12.5 kWh"
    assert formats.with_unit(23, "celsius") == "23°C"


def test_filters_are_built_in():
    out = Template("{{ a|money }} {{ b|num:1 }} {{ p|phone }}").render(
        Context({"a": Decimal("1000"), "b": Decimal("2.25"), "p": "13800001111"})
    )
    assert out == "¥1,000.00 2.3 138****1111"
