"""Minimal .po reader: enough to find untranslated or fuzzy entries."""

from pathlib import Path


def entries(path):
    """Yield (msgid, msgstr, fuzzy) for each entry of a .po file (plural forms joined)."""
    text = Path(path).read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith("msgid_plural"):
                current = None
            elif line.startswith("msgid "):
                current = msgid
                current.append(line[6:].strip()[1:-1])
            elif line.startswith("msgstr"):
                current = msgstr
                current.append(line.split(" ", 1)[1].strip()[1:-1])
            elif line.startswith('"') and current is not None:
                current.append(line.strip()[1:-1])
        if msgid and "".join(msgid):
            yield "".join(msgid), "".join(msgstr), fuzzy


def untranslated(path):
    return [msgid for msgid, msgstr, fuzzy in entries(path) if not msgstr or fuzzy]
