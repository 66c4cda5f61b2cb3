"""Drop the guesses makemessages made (``#, fuzzy`` entries): their msgstr is emptied so that
``scripts/i18n.py`` lists them as untranslated.

    .venv/bin/python scripts/po_unfuzzy.py src/anju/core/locale/zh_Hans/LC_MESSAGES/django.po
"""

import re
import sys
from pathlib import Path


def unfuzzy(path):
    text = Path(path).read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    out, n = [], 0
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if i > 0 and any(line.startswith("#,") and "fuzzy" in line for line in lines):
            kept = []
            for line in lines:
                if line.startswith("#|"):
                    continue
                if line.startswith("#,"):
                    flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
                    if flags:
                        kept.append("#, " + ", ".join(flags))
                    continue
                kept.append(line)
            block = "\n".join(kept)
            block = re.sub(
                r'(msgstr(\[\d+\])?) "(?:[^"\\]|\\.)*"(\n"(?:[^"\\]|\\.)*")*', r'\1 ""', block
            )
            n += 1
        out.append(block)
    Path(path).write_text("\n\n".join(out), encoding="utf-8")
    return n


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {unfuzzy(arg)} guesses dropped")
