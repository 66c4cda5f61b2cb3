"""System checks for production configuration."""

from django.core import checks


def _ids(**kwargs):
    return {m.id for m in checks.run_checks(tags=[checks.Tags.security], **kwargs)}


def test_missing_field_key_is_warned_in_production(settings):
    settings.EMBEDDED, settings.DEBUG = False, False
    settings.ANJU_FIELD_KEY = ""
    assert "anju.W001" in _ids()
    assert "anju.W001" in _ids(include_deployment_checks=True)
    settings.ANJU_FIELD_KEY = "a-long-random-key-kept-apart-from-SECRET_KEY"
    assert "anju.W001" not in _ids(include_deployment_checks=True)


def test_no_field_key_warning_in_embedded_mode(settings):
    settings.EMBEDDED, settings.ANJU_FIELD_KEY = True, ""
    assert "anju.W001" not in _ids()
