"""The package's schema as a document, rendered from the tables themselves:
``docs/handover-schema.md`` is its output (``python -m anju.handover.schema``; a test keeps
the two equal) and every package carries it as ``schema.md``."""

from django.db import models
from django.utils import translation

from anju.core.money import MoneyField

from . import tables as T

SCHEMA_VERSION = 1  # a change of meaning or shape of any table is a new version

INTRO = """# The handover package (交接资料), schema version {version}

What `anju export_community <id> <file.zip>` and the console's page `/console/handover/` write,
and what `anju import_community <file.zip> --organization <id>` and the same page read: a
community's whole record in open formats, for the company that takes over its management
(物业服务企业的交接, 《物业管理条例》第五十九条、《民法典》第九百四十九条).

## The file

A zip holding:

| path | what |
|---|---|
| `manifest.json` | `format` (`"anju-handover"`), `schema_version`, `generated_at` (ISO 8601), `source` (the community: reference, name, code, address, jurisdiction, service level, service phone, developer, and the company's name), `id_numbers` (whether people's ID numbers are in), `tables` (the table names), `counts` (rows per table) and `sums` (every money column's sum per table as `"<table>.<field>"`, plus `arrears.balance`, what open bills still owe, and `deposit.held`, the deposits not yet returned) |
| `tables/<table>.json` | the rows of one table: a JSON list of objects, one per row, with the fields below |
| `handover.xlsx` | the same tables for people to read: one sheet per table, a header row of field names |
| `files/<n>.<ext>` | the attachments of the rows in the package (ticket photos, vote documents ...), listed in the table `attachment` |
| `schema.md` | this document |

## Values

- Every row has `id`, a package-local reference `"<table>:<n>"` (`"house:12"`); a field that
  links to another row holds that row's reference, or `null`. The numbers mean nothing outside
  the package: the importing installation gives every row a new key and remaps the references.
- Money and other decimals are strings (`"1234.50"`), never floating point; dates are
  `YYYY-MM-DD`; times are ISO 8601 with their UTC offset; JSON fields are as recorded.
- A link to a staff account (who received a payment, who is assigned) is the person's name, for
  the record; accounts do not travel and the field is empty after an import.
- The rows are as recorded: posted bills and payments keep their numbers, amounts and dates,
  and are not posted again on import. A ticket's link to what raised it (an alarm, an
  inspection), a bill's billing run, a fund entry's use request and the rows an opening import
  checked do not travel.
- `organization` and `community` are not written: they are the receiver's.

## Personal data (PIPL)

People are written with the minimum the receiving company needs to serve and bill them: name
and phone, and their relation to each house (table `occupancy`). The people are those who live
in or own a house of the community, pay or are liable for its bills, or reported one of its open
tickets. ID numbers are not written unless the export is asked for them explicitly
(`--id-numbers`, or the box on the console page), for a receiver entitled to them by contract or
the owners' decision; they are then written decrypted and `manifest.json` says
`"id_numbers": true`. Staff accounts, logins, resident accounts, messages and the audit log do
not travel. The package holds personal data: the command writes it readable by its owner only,
and the console serves it only to the company's admins.

## Importing

The import runs in one transaction. It is refused, and writes nothing, when the file is not a
zip or is damaged, when it is not an Anju handover package or of another schema version, when a
house of the package already exists in the receiving company's community of the same name (the
package was imported before), or when what it wrote does not add up to the manifest's counts and
sums. The community is the receiving company's community of the same name when it has set one
up, else a new one with the source's details. A provider's transaction number already known to
the installation is left empty on the payment (it stays in the package). The import is written
to the audit log.

The derived tables `arrears` (per house: open bills, balance, oldest due date) and `attachment`
are read, not imported as rows: arrears follow from the bills; the files are stored again as
the new rows' attachments.

## Tables

In the order an import writes them.
"""


def kind_of(f) -> str:
    if f.is_relation:
        if T.is_user_link(f):
            return "staff member's name (text, not imported)"
        return "the rule set: `{jurisdiction, effective_from}`"
    if isinstance(f, MoneyField):
        return "money (decimal string, 2 places)"
    if isinstance(f, models.DecimalField):
        return f"decimal string ({f.decimal_places} places)"
    if isinstance(f, models.DateTimeField):
        return "date and time (ISO 8601)"
    if isinstance(f, models.DateField):
        return "date (YYYY-MM-DD)"
    if isinstance(f, models.BooleanField):
        return "true or false"
    if isinstance(f, models.IntegerField):
        return "integer"
    if isinstance(f, models.JSONField):
        return "JSON"
    if isinstance(f, models.FileField):
        return "file name"
    if getattr(f, "max_length", None):
        return f"text (at most {f.max_length})"
    return "text"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def field_row(table, f) -> str:
    kind = f"reference to `{table.refs[f.name]}`" if f.name in table.refs else kind_of(f)
    notes = []
    if f.choices:
        notes.append("one of " + ", ".join(f"`{value}`" for value, _label in f.choices))
    if f.null:
        notes.append("may be null")
    if f.name == "id_number":
        notes.append("only when the export asked for ID numbers")
    return f"| `{f.name}` | {_cell(f.verbose_name)} | {kind} | {_cell('; '.join(notes))} |"


def render() -> str:
    with translation.override("en"):
        parts = [INTRO.format(version=SCHEMA_VERSION)]
        for table in T.TABLES:
            model = table.Model
            parts.append(f"### `{table.name}`: {_cell(table.label)}\n")
            doc = " ".join((model.__doc__ or "").split())
            parts.append(f"{doc}\n" if doc else "")
            parts.append("| field | meaning | value | notes |\n|---|---|---|---|")
            parts.append("| `id` | this row | reference `" + table.name + ":<n>` | |")
            for f in T.carried_fields(table, id_numbers=True):
                parts.append(field_row(table, f))
            for name, target in table.m2m.items():
                label = model._meta.get_field(name).verbose_name
                parts.append(f"| `{name}` | {_cell(label)} | list of references to `{target}` | |")
            if table.left_out:
                parts.append("\nNot carried: " + ", ".join(f"`{n}`" for n in table.left_out) + ".")
            parts.append("")
        parts.append(DERIVED)
    return "\n".join(parts).rstrip() + "\n"


DERIVED = """### `arrears`: what each house still owes (derived)

| field | meaning | value | notes |
|---|---|---|---|
| `house` | the house | reference to `house` | |
| `bills` | open bills | integer | |
| `balance` | what they still owe, late charges included | money (decimal string, 2 places) | |
| `oldest_due` | the oldest open bill's due date | date (YYYY-MM-DD) | |

### `attachment`: the files (derived)

| field | meaning | value | notes |
|---|---|---|---|
| `id` | this file | reference `attachment:<n>` | |
| `owner` | the row it is attached to | reference to any table | |
| `file` | its path in the zip | text (`files/<n>.<ext>`) | |
| `name` | the name it was uploaded with | text | |
| `caption` | its caption | text | |
| `media_type` | its content type | text | `image/jpeg`, `image/png`, `image/webp` or `application/pdf` |
| `created_at` | when it was uploaded | date and time (ISO 8601) | not imported: the new file is dated by the import |
"""


if __name__ == "__main__":  # pragma: no cover - ``python -m anju.handover.schema``
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    django.setup()
    print(render(), end="")
