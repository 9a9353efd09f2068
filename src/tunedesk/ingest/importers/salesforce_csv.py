"""Salesforce CSV exports (Data Loader, Data Export, Bulk API): which file holds which object, read row by row.

A table is known by its header, not its file name (Data Loader writes `extract.csv` with upper-case headers):
Case (`Id` with `CaseNumber`, or `Subject` with `Status`), CaseComment (`ParentId`, `CommentBody`) and
EmailMessage (`ParentId`, `TextBody` or `HtmlBody`). A zip (the weekly Data Export) is read member by member;
the export's other objects (Account.csv, User.csv, …) are not tickets and are passed over.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tunedesk.ingest.importers.csvrows import CsvRow, csv_rows

CASE, COMMENT, EMAIL = "Case", "CaseComment", "EmailMessage"
_FIELD_LIMIT = 64 * 1024 * 1024  # an email body of a whole thread can exceed the stdlib's 128 KiB per field


@dataclass(frozen=True)
class Table:
    """One CSV file of one object: its kind, the name quarantine records carry, and the file to read."""

    kind: str
    label: str
    path: Path


def table_kind(header_line: str) -> str | None:
    """Case, CaseComment or EmailMessage by the column names of a CSV header line; None for anything else."""
    try:
        names = {name.strip().strip("\ufeff").lower() for name in next(csv.reader([header_line]))}
    except (csv.Error, StopIteration):
        return None
    if "parentid" in names and "commentbody" in names:
        return COMMENT
    if "parentid" in names and names & {"textbody", "htmlbody"}:
        return EMAIL
    if "id" in names and ("casenumber" in names or {"subject", "status"} <= names) and "parentid" not in names:
        return CASE
    return None


def zip_has_cases(path: Path) -> bool:
    """True for a zip holding a Case table (the weekly Data Export)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(_member_kind(archive, info) == CASE for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def tables(path: Path, scratch: Path, encoding: str) -> list[Table]:
    """The Salesforce tables of a CSV file or a zip (members extracted to `scratch`); raises OSError/BadZipFile."""
    if zipfile.is_zipfile(path):
        return list(_zip_tables(path, scratch))
    with open(path, "rb") as fh:
        first = fh.readline(1 << 16).decode(encoding, errors="replace")
    kind = table_kind(first)
    return [Table(kind, str(path), path)] if kind else []


def _zip_tables(path: Path, scratch: Path) -> Iterator[Table]:
    with zipfile.ZipFile(path) as archive:
        for number, info in enumerate(archive.infolist()):
            kind = _member_kind(archive, info)
            if kind is None:
                continue
            target = scratch / f"{number}.csv"
            with archive.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            yield Table(kind, f"{path}!/{info.filename}", target)


def _member_kind(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    if info.is_dir() or not info.filename.lower().endswith(".csv"):
        return None
    with archive.open(info) as member:
        return table_kind(member.readline(1 << 16).decode("utf-8", errors="replace"))


def table_rows(table: Table, encoding: str) -> Iterator[tuple[CsvRow, dict[str, object]]]:
    """Every record of a table after its header, with its fields keyed by lower-case column name."""
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    rows = csv_rows(table.path, encoding, ",")
    if next(rows, None) is None:
        return
    for row in rows:
        fields: dict[str, object] = {}
        for name, value in row.values.items():
            if value != "":
                fields[name.strip().lower()] = value.replace("\r\n", "\n")
        yield row, fields
