"""Fill msgstr entries of a .po file from a {msgid: translation} JSON file (plural: one form).

.venv/bin/python scripts/po_fill.py src/anju/core/locale/zh_Hans/LC_MESSAGES/django.po zh.json
"""

import json
import re
import sys
from pathlib import Path


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_path, mapping):
    text = Path(po_path).read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    out, done = [], 0
    for block in blocks:
        match = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if match:
            msgid = "".join(
                json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1))
            )
            ctx = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
            if ctx:  # a context entry is keyed "context\u0004msgid", as gettext keys it
                msgid = (
                    "".join(
                        json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', ctx.group(1))
                    )
                    + "\x04"
                    + msgid
                )
            if msgid in mapping:
                value = quote(mapping[msgid])
                block = re.sub(
                    r"^#, fuzzy\n|^#, fuzzy, ",
                    lambda m: "#, " if m.group(0).endswith(", ") else "",
                    block,
                    flags=re.M,
                )
                if "msgid_plural" in block:
                    block = re.sub(
                        r'^msgstr\[0\] (?:".*"\n?)+',
                        lambda _m, value=value: f"msgstr[0] {value}\n",
                        block + "\n",
                        flags=re.M,
                    ).rstrip("\n")
                else:
                    block = re.sub(
                        r'^msgstr (?:".*"\n?)+',
                        lambda _m, value=value: f"msgstr {value}\n",
                        block + "\n",
                        flags=re.M,
                    ).rstrip("\n")
                done += 1
        out.append(block)
    Path(po_path).write_text("\n\n".join(out), encoding="utf-8")
    return done


if __name__ == "__main__":
    mapping = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    print(f"filled {fill(sys.argv[1], mapping)} entries")
