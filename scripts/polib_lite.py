"""Minimal .po reader: enough to find untranslated or fuzzy entries."""

from pathlib import Path


def entries(path, context=False):
    """Yield (msgid, msgstr, fuzzy) for each entry of a .po file (plural forms joined); with
    ``context`` the msgid is ``"<msgctxt>\x04<msgid>"`` for entries that have one, as gettext
    keys them."""
    text = Path(path).read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgctxt, msgid, msgstr, current = [], [], [], None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith("msgctxt "):
                current = msgctxt
                current.append(line[8:].strip()[1:-1])
            elif line.startswith("msgid_plural"):
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
            key = "".join(msgid)
            if context and msgctxt:
                key = "".join(msgctxt) + "\x04" + key
            yield key, "".join(msgstr), fuzzy


def untranslated(path):
    return [msgid for msgid, msgstr, fuzzy in entries(path) if not msgstr or fuzzy]
