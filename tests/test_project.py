"""Project-level checks: migrations in step, production checklist, the console command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "src"), env.get("PYTHONPATH", "")])
    )
    env.update(extra)
    return env


def _python(args, env, cwd):
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=cwd)


def _check_deploy(env, cwd):
    return _python(["-m", "anju.cli", "check", "--deploy", "--fail-level", "WARNING"], env, cwd)


@pytest.mark.django_db
def test_migrations_are_in_step_with_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_passes_with_documented_variables(tmp_path):
    env = _env(
        SECRET_KEY="x7#kq2!vL9@pR4$wZ8&nT1^mB6*cF3(hJ5)dG0-sY2+eU7=aQ9_iO4~rK8|tN3",
        ANJU_FIELD_KEY="a-separate-long-random-key-for-personal-data-2026",
        ALLOWED_HOSTS="wy.example.com",
        CSRF_TRUSTED_ORIGINS="https://wy.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ANJU_DATA_DIR=str(tmp_path),
    )
    result = _check_deploy(env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_without_field_key(tmp_path):
    env = _env(
        SECRET_KEY="x7#kq2!vL9@pR4$wZ8&nT1^mB6*cF3(hJ5)dG0-sY2+eU7=aQ9_iO4~rK8|tN3",
        ALLOWED_HOSTS="wy.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ANJU_DATA_DIR=str(tmp_path),
    )
    env.pop("ANJU_FIELD_KEY", None)
    result = _check_deploy(env, tmp_path)
    assert result.returncode != 0
    assert "anju.W001" in result.stdout + result.stderr
    assert "ANJU_FIELD_KEY" in result.stdout + result.stderr


def test_check_deploy_fails_without_secret_key(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ANJU_DATA_DIR=str(tmp_path))
    result = _check_deploy(env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["ture", "enabled", "2"])
def test_a_mistyped_boolean_setting_is_refused_not_read_as_false(tmp_path, value):
    env = _env(ANJU_DATA_DIR=str(tmp_path), SECURE_SSL_REDIRECT=value)
    result = _python(["-c", "import anju.settings"], env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECURE_SSL_REDIRECT" in result.stderr


def test_demo_command_builds_a_story(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", ANJU_DATA_DIR=str(tmp_path))
    subprocess.run(
        [sys.executable, "-m", "anju.cli", "migrate", "-v0"], env=env, check=True, cwd=tmp_path
    )
    result = subprocess.run(
        [sys.executable, "-m", "anju.cli", "demo", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "anju2026" in result.stdout and "manager" in result.stdout and "cashier" in result.stdout
    again = subprocess.run(
        [sys.executable, "-m", "anju.cli", "demo", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert again.returncode == 0 and "already" in again.stdout


def test_openapi_schema_is_valid_and_warning_free(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ANJU_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "anju.cli",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "/api/v1/houses/" in (tmp_path / "schema.yaml").read_text()


def test_the_readme_lists_every_domain_setting_as_the_code_defines_it():
    from anju import domain_settings

    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- domain-settings:start -->\n", "\n<!-- domain-settings:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == domain_settings.markdown(), "run python -m anju.domain_settings"


@pytest.mark.parametrize(
    "name, raw",
    [
        ("ANJU_VOTE_NOTICE_DAYS", "fifteen"),
        ("ANJU_VOTE_NOTICE_DAYS", "-1"),
        ("ANJU_PAYMENT_ALLOCATION", "newest_first"),
        ("ANJU_LATE_DAILY_RATE_MAX", "NaN"),
        ("ANJU_SERVICEDESK_ESCALATION_MINUTES", "120,30"),
        ("ANJU_FACILITIES_HAZARD_DAYS", "[1, 2]"),
        ("ANJU_SERVICEDESK_SLA", "{not json"),
    ],
)
def test_a_bad_domain_setting_stops_anju_naming_it(name, raw):
    from django.core.exceptions import ImproperlyConfigured

    from anju import domain_settings

    with pytest.raises(ImproperlyConfigured, match=name):
        domain_settings.load({name: raw})


def test_domain_settings_come_from_the_environment_typed():
    from decimal import Decimal

    from anju import domain_settings

    values = domain_settings.load(
        {
            "ANJU_VOTE_NOTICE_DAYS": "7",
            "ANJU_LATE_DAILY_RATE_MAX": "0.0003",
            "ANJU_SERVICEDESK_ESCALATION_MINUTES": "0, 15, 60",
            "ANJU_SERVICEDESK_SLA": '{"1": {"P1": [5, 20, 120]}}',
        }
    )
    assert values["ANJU_VOTE_NOTICE_DAYS"] == 7
    assert values["ANJU_LATE_DAILY_RATE_MAX"] == Decimal("0.0003")
    assert values["ANJU_SERVICEDESK_ESCALATION_MINUTES"] == (0, 15, 60)
    assert values["ANJU_SERVICEDESK_SLA"] == {"1": {"P1": [5, 20, 120]}}
    assert values["ANJU_MONEY_MAX"] == 100_000_000  # unset: the default


def test_an_sla_table_from_the_environment_applies(settings):
    from anju import domain_settings
    from anju.servicedesk.conf import sla_minutes

    settings.ANJU_SERVICEDESK_SLA = domain_settings.load(
        {"ANJU_SERVICEDESK_SLA": '{"1": {"P1": [5, 20, 120]}}'}
    )["ANJU_SERVICEDESK_SLA"]
    assert sla_minutes(1, "P1") == (5, 20, 120)
