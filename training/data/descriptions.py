"""Column descriptions: the user's HomeCredit_columns_description.csv, else the shipped copy.

The catalogue and the dashboard show Home Credit's own wording for each raw column. A user who
has the Kaggle file may have a newer or annotated copy, so it wins when present; otherwise the
copy shipped in shared/column_descriptions.json is used, so descriptions never go missing.

Kaggle distributes this one file in Latin-1 (a byte 0x85 in NAME_INCOME_TYPE's text), unlike the
data files, which are UTF-8. It is decoded as UTF-8 when that works (a re-saved copy) and as
Latin-1 otherwise, which, like the shipped copy, maps every byte to one character and never fails.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from shared.tables import DESCRIPTION_FILE, TABLES, description_rows
from training.data.sources import resolve_source
from training.errors import DataError

Descriptions = dict[tuple[str, str], str]
# The description file names a few keys differently from the tables themselves.
_ALIASES = {"SK_BUREAU_ID": "SK_ID_BUREAU"}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_description_rows(text: str, file: str) -> list[tuple[str, str, str]]:
    """(Table, Row, Description) from the file's text; its first, unnamed column is an index."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    try:
        table_at, row_at, text_at = (header.index(n) for n in ("Table", "Row", "Description"))
    except ValueError as error:
        raise DataError(
            "the header lacks one of Table, Row, Description",
            file=file,
            example=f"header: {', '.join(header)}",
            expected="Kaggle's columns ',Table,Row,Description,Special'",
        ) from error
    width = max(table_at, row_at, text_at) + 1
    return [
        (fields[table_at].strip(), fields[row_at].strip(), fields[text_at].strip())
        for fields in reader
        if len(fields) >= width
    ]


def _by_table(rows: Iterable[tuple[str, str, str]]) -> Descriptions:
    """Keyed by contract table name: a row about application_{train|test} serves both tables."""
    tables_for: dict[str, list[str]] = {}
    for table in TABLES.values():
        tables_for.setdefault(table.description_table, []).append(table.name)
    found: Descriptions = {}
    for description_table, column, text in rows:
        name = _ALIASES.get(column.strip(), column.strip())
        for table in tables_for.get(description_table, []):
            if name in TABLES[table]:
                found[(table, name)] = text.strip()
    return found


def shipped_descriptions() -> Descriptions:
    return _by_table((t, r, d) for t, r, d, _ in description_rows())


def read_descriptions(path: str | Path | None = None) -> Descriptions:
    """(table, column) -> description, from the data at `path` if it has the Kaggle file.

    `path` may be the description file itself, or anything `open_tables` accepts. Columns the
    user's file does not describe keep the shipped description.
    """
    descriptions = shipped_descriptions()
    if path is None:
        return descriptions
    target = Path(path)
    if target.is_file() and target.name.lower() == DESCRIPTION_FILE.lower():
        file: Path | None = target
    else:
        file = resolve_source(target, names=()).descriptions
    if file is None:
        return descriptions
    text = _decode(file.read_bytes())
    descriptions.update(_by_table(parse_description_rows(text, str(file))))
    return descriptions
