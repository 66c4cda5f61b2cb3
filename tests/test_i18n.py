"""Chinese is the default language and English the source: every app ships a complete zh_Hans
catalog, compiled, and in step with the source strings."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import polib_lite  # noqa: E402

APPS = sorted(p.name for p in (ROOT / "src" / "anju").iterdir() if (p / "apps.py").exists())


def _uses_gettext(app_dir: Path) -> bool:
    for path in app_dir.rglob("*"):
        if "tests" in path.parts or "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix in (".py", ".html", ".txt") and (
            "gettext" in path.read_text(encoding="utf-8", errors="ignore")
            or "{% translate" in path.read_text(encoding="utf-8", errors="ignore")
        ):
            return True
    return False


@pytest.mark.parametrize("app", APPS)
def test_catalog_complete_and_compiled(app):
    app_dir = ROOT / "src" / "anju" / app
    if not _uses_gettext(app_dir):
        pytest.skip(f"{app} has no translatable strings yet")
    po = app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert po.exists(), f"missing {po.relative_to(ROOT)}: run scripts/i18n.py {app}"
    missing = polib_lite.untranslated(po)
    assert not missing, f"{app}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert mo.exists(), f"missing {mo.relative_to(ROOT)}: run scripts/i18n.py {app} --compile"
    with mo.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    for msgid, _msgstr, _fuzzy in polib_lite.entries(po):
        msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        compiled = {
            k for k in catalog if (k[0] if isinstance(k, tuple) else k).split("\x04")[-1] == msgid
        }
        assert compiled, (
            f"{app}: .mo is stale, {msgid!r} not compiled; run scripts/i18n.py {app} --compile"
        )


@pytest.mark.parametrize("app", APPS)
def test_catalog_in_step_with_source(app, tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("ANJU_REQUIRE_SERVICES") == "1":
            pytest.fail("gettext is required in CI")
        pytest.skip("needs GNU gettext")
    app_dir = ROOT / "src" / "anju" / app
    if not _uses_gettext(app_dir):
        pytest.skip(f"{app} has no translatable strings yet")
    copy = tmp_path / app
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "locale").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "anju.settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
        ),
    }
    subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "-i",
            "tests/*",
            "-i",
            "migrations/*",
        ],
        cwd=copy,
        check=True,
        env=env,
        capture_output=True,
    )
    fresh = {
        m
        for m, _s, _f in polib_lite.entries(
            copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        )
    }
    committed = {
        m
        for m, _s, _f in polib_lite.entries(
            app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        )
    }
    new = sorted(fresh - committed)
    assert not new, (
        f"{app}: source strings missing from the catalog (run scripts/i18n.py {app}): {new[:8]}"
    )
