"""Take Chinese glosses out of English source strings: "Public order (治安)" becomes "Public
order" in the code and templates of an app, and its catalog keeps the Chinese translation.

    .venv/bin/python scripts/degloss.py billing facilities ...

Rewrites the literal where it is written in one piece; prints those it could not find (a
string split over several literals) to be edited by hand. Then refreshes the app's catalog
(scripts/i18n.py) and fills the new msgids with the old translations, and compiles.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import polib_lite  # noqa: E402

GLOSS = re.compile(r"(?<=[A-Za-z.])\s*\([\u3400-\u9fff、/·]+\)")


def main(apps):
    for app in apps:
        app_dir = ROOT / "src" / "anju" / app
        po = app_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        renames = {}
        for msgid, msgstr, _fuzzy in polib_lite.entries(po, context=True):
            if GLOSS.search(msgid.split("\x04")[-1]):
                renames[msgid] = (GLOSS.sub("", msgid), msgstr)
        files = [
            p
            for p in app_dir.rglob("*")
            if p.suffix in (".py", ".html") and "migrations" not in p.parts and p.is_file()
        ]
        missing = []
        for old_key, (new_key, _msgstr) in renames.items():
            old, new = old_key.split("\x04")[-1], new_key.split("\x04")[-1]
            found = False
            for path in files:
                text = path.read_text(encoding="utf-8")
                changed = text
                for quote in ('"', "'"):
                    changed = changed.replace(quote + old + quote, quote + new + quote)
                if changed != text:
                    path.write_text(changed, encoding="utf-8")
                    found = True
            if not found:
                missing.append(old)
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "i18n.py"), app],
            check=True,
            capture_output=True,
        )
        mapping = {new_key: msgstr for new_key, msgstr in renames.values() if msgstr}
        fill = ROOT / "var" / f"degloss-{app}.json"
        fill.parent.mkdir(exist_ok=True)
        fill.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "po_fill.py"), str(po), str(fill)], check=True
        )
        print(f"{app}: {len(renames)} glosses taken out; by hand: {missing}")


if __name__ == "__main__":
    main(sys.argv[1:])
