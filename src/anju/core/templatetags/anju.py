"""Filters every template has without ``{% load %}`` (``TEMPLATES`` builtins):
``{{ amount|money }}`` ¥1,234.50 · ``{{ n|num }}`` / ``{{ n|num:1 }}`` 1,234.5 ·
``{{ moment|when }}`` 2026-11-26 14:30 · ``{{ d|day }}`` · ``{{ t|clock }}`` 14:30 ·
``{{ span|duration }}`` 2小时5分钟 · ``{{ moment|soon }}`` 今天 14:30 · ``{{ phone|phone }}`` 139****5678 ·
``{{ value|unit:"kwh" }}`` 12.5 kWh. The functions are ``anju.core.formats``; exports use the
same ones."""

from django import template

from .. import formats

register = template.Library()

register.filter("money", formats.money)
register.filter("when", formats.when)
register.filter("day", formats.day)
register.filter("clock", formats.clock)
register.filter("duration", formats.duration)
register.filter("soon", formats.soon)
register.filter("phone", formats.phone)
register.filter("unitname", formats.unit_label)


@register.filter("num")
def num(value, places=None):
    return formats.number(value, places)


@register.filter("unit")
def unit(value, code):
    return formats.with_unit(value, code)
