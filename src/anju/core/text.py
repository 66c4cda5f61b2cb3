"""Free text as it enters Anju, cleaned once for every entry point (API serializers, console
and portal forms, Excel imports): control characters and the bidirectional-text controls that
can disguise a name (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) are removed; multi-line
text keeps its line breaks and tabs. Free text (a TextField) is at most ANJU_TEXT_MAX_CHARS.

``install()`` (CoreConfig.ready) applies it to every DRF ``CharField`` and Django form
``CharField`` that trims whitespace (passwords do not, and are left as typed)."""

import re

from django.conf import settings

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = "".join(chr(c) for c in range(32)) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xA0))
_LINE = re.compile("[" + re.escape(_CONTROLS + BIDI) + "]")
_MULTILINE = re.compile("[" + re.escape(_CONTROLS.replace("\n", "").replace("\t", "") + BIDI) + "]")


def clean_line(value):
    """A name or one-line text: no control or bidi characters (a line break becomes a space)."""
    if not isinstance(value, str):
        return value
    return _LINE.sub("", value.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


def clean_text(value):
    """Multi-line text: line breaks (normalised to \\n) and tabs kept, other controls removed."""
    if not isinstance(value, str):
        return value
    return _MULTILINE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def max_chars():
    return settings.ANJU_TEXT_MAX_CHARS


def _drf_multiline(field):
    return getattr(field, "style", {}).get("base_template") == "textarea.html" or getattr(
        field, "multiline", False
    )


def install():
    from django import forms
    from django.core.validators import MaxLengthValidator
    from rest_framework import fields

    if getattr(fields.CharField, "_anju_text", False):
        return

    drf_to_internal = fields.CharField.to_internal_value
    drf_run_validators = fields.CharField.run_validators

    def to_internal_value(self, data):
        value = drf_to_internal(self, data)
        if not self.trim_whitespace:
            return value
        cleaned = clean_text(value) if _drf_multiline(self) else clean_line(value)
        return cleaned.strip()

    def run_validators(self, value):
        if self.max_length is None and isinstance(value, str) and len(value) > max_chars():
            self.fail("max_length", max_length=max_chars())
        return drf_run_validators(self, value)

    fields.CharField.to_internal_value = to_internal_value
    fields.CharField.run_validators = run_validators
    fields.CharField._anju_text = True

    form_to_python = forms.CharField.to_python
    form_validators = forms.CharField.run_validators

    def form_python(self, value):
        value = form_to_python(self, value)
        if not self.strip or not isinstance(value, str):
            return value
        multiline = isinstance(self.widget, forms.Textarea)
        return (clean_text(value) if multiline else clean_line(value)).strip()

    def form_run_validators(self, value):
        if self.max_length is None and isinstance(value, str) and len(value) > max_chars():
            MaxLengthValidator(max_chars())(value)
        return form_validators(self, value)

    forms.CharField.to_python = form_python
    forms.CharField.run_validators = form_run_validators
