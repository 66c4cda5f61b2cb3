"""Resolve a merge conflict in an app's zh_Hans catalog by merging translations, not lines.

    .venv/bin/python scripts/po_merge.py src/anju/core/locale/zh_Hans/LC_MESSAGES/django.po ...

For each conflicted catalog: read the base, ours and theirs versions from the index, keep every
translation either side has (a side that changed an entry since the base wins), regenerate the
catalog from the merged code with makemessages, fill it with the merged translations and
compile it. Then `git add` the catalog.
"""

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def parse(text):
    """{key: msgstr} with keys as gettext keys them ("ctx\\x04msgid"), strings decoded."""
    out = {}
    for block in text.split("\n\n"):
        fields, current = {}, None
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            head = line.split(" ", 1)[0]
            if head in ("msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]"):
                current = head
                fields[current] = ""
                line = line[len(head) :]
            elif not line.startswith('"'):
                current = None
                continue
            if current:
                fields[current] += "".join(json.loads(p) for p in QUOTED.findall(line))
        msgid = fields.get("msgid")
        if not msgid:
            continue
        key = fields["msgctxt"] + "\x04" + msgid if "msgctxt" in fields else msgid
        msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
        if msgstr and "#, fuzzy" not in block:
            out[key] = msgstr
    return out


def stage(n, path):
    result = subprocess.run(
        ["git", "show", f":{n}:{path}"], cwd=ROOT, capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else ""


def merge(path):
    rel = str(Path(path).resolve().relative_to(ROOT))
    base, ours, theirs = (parse(stage(n, rel)) for n in (1, 2, 3))
    merged = dict(ours)
    for key, value in theirs.items():
        if key not in ours or base.get(key) != value:
            merged[key] = value
    Path(ROOT / rel).write_text(stage(2, rel) or stage(3, rel), encoding="utf-8")
    app = Path(rel).parts[2]
    subprocess.run([sys.executable, "scripts/i18n.py", app], cwd=ROOT, check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(merged, handle, ensure_ascii=False)
    subprocess.run([sys.executable, "scripts/po_fill.py", rel, handle.name], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "scripts/i18n.py", app, "--compile"], cwd=ROOT, check=True)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        merge(arg)
