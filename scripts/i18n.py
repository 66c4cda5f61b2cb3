"""Refresh an app's zh_Hans catalog and list what still needs translating.

    .venv/bin/python scripts/i18n.py core          # makemessages + report untranslated
    .venv/bin/python scripts/i18n.py core --compile
Needs GNU gettext (apt-get install gettext).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    app = sys.argv[1]
    app_dir = ROOT / "src" / "anju" / app
    (app_dir / "locale").mkdir(exist_ok=True)
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
        cwd=app_dir,
        check=True,
        env=env,
    )
    import po_unfuzzy

    # makemessages guesses translations for new strings from similar old ones ("Password
    # changed" -> "密码"); a guess is worse than nothing: drop them, so they are listed below.
    po_unfuzzy.unfuzzy(app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    if "--compile" in sys.argv:
        subprocess.run(
            [sys.executable, "-P", "-m", "django", "compilemessages", "-l", "zh_Hans"],
            cwd=app_dir,
            check=True,
            env=env,
        )
    import polib_lite

    po = app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = polib_lite.untranslated(po)
    for msgid in missing:
        print("UNTRANSLATED:", msgid)
    print(f"{len(missing)} untranslated in {po.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
