"""Chinese is the default language and English the source: every app ships a complete zh_Hans
catalog, compiled, and in step with the source strings."""

import gettext
import os
import re
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


def _catalogs():
    for po in sorted((ROOT / "src" / "anju").glob("*/locale/zh_Hans/LC_MESSAGES/django.po")):
        yield po.parts[-5], po


def test_one_translation_per_msgid_across_catalogs():
    """Django merges every app's catalog and the first app wins: one msgid translated two ways
    shows the wrong word in one of the apps (ticket numbers headed 房号, votes 打开). A word
    that means two things gets a context (``pgettext``)."""
    seen: dict[str, dict[str, str]] = {}
    for app, po in _catalogs():
        for msgid, msgstr, _fuzzy in polib_lite.entries(po, context=True):
            seen.setdefault(msgid, {})[app] = msgstr
    clashes = {
        msgid.replace("\x04", " | "): by_app
        for msgid, by_app in seen.items()
        if len(set(by_app.values())) > 1
    }
    assert not clashes, f"{len(clashes)} msgids translated differently: " + "; ".join(
        f"{msgid!r} {by_app}" for msgid, by_app in sorted(clashes.items())[:20]
    )


def test_no_fuzzy_guesses():
    """makemessages guesses a translation from a similar string and marks it fuzzy; gettext
    ignores it, so the page shows English; a guess left in the catalog is a missing entry."""
    fuzzy = [
        f"{app}: {msgid!r}"
        for app, po in _catalogs()
        for msgid, _msgstr, is_fuzzy in polib_lite.entries(po)
        if is_fuzzy
    ]
    assert not fuzzy, fuzzy[:20]


GLOSS = re.compile(r"(?<=[A-Za-z.])\s*\([\u3400-\u9fff、/·]+\)")


def test_english_source_strings_carry_no_chinese_glosses():
    """English pages read as English: a source string like "Public order (治安)" leaves its
    Chinese gloss on the English page. (Chinese data the user must type, such as the values of
    an Excel template, and statute citations stay.)"""
    glossed = [
        f"{app}: {msgid!r}"
        for app, po in _catalogs()
        for msgid, _msgstr, _fuzzy in polib_lite.entries(po)
        if GLOSS.search(msgid)
    ]
    assert not glossed, f"{len(glossed)} glossed: {glossed[:20]}"


def test_templates_hold_no_untranslated_chinese():
    """Interface text in templates goes through ``{% translate %}``; Chinese written straight
    into a template shows on the English page."""
    cjk = re.compile(r"[\u3400-\u9fff]")
    found = []
    for path in (ROOT / "src" / "anju").glob("*/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # Comments, the brand, and the msgids of translate tags (test_..._glosses reads those).
            text = re.sub(r"\{#.*?#\}|<!--.*?-->|\{% *translate .*?%\}", "", line)
            # The brand, and the language picker's names of languages in themselves.
            for name in ("安居", "简体中文"):
                text = text.replace(name, "")
            if cjk.search(text):
                found.append(f"{path.relative_to(ROOT)}:{number}: {text.strip()[:80]}")
    assert not found, found[:20]
