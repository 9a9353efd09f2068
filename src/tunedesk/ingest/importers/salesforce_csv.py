"""Salesforce CSV exports (Data Loader, Data Export, Bulk API): which file holds which object, read row by row.

A table is known by its header, not its file name (Data Loader writes `extract.csv` with upper-case headers):
CaseComment (`ParentId`, `CommentBody`), EmailMessage (`ParentId`, `TextBody` or `HtmlBody`) and Case (`Id` with
`CaseNumber` or another column only a Case has, such as `Origin`; or `Id`, `Subject` and `Status` without the
`ParentId`, `WhatId` or `WhoId` of an email or a task). A full Case extract has a `ParentId` too (the parent case):
the Case's own columns decide. A zip (the weekly Data Export) is read member by member; the export's other
objects (Account.csv, Task.csv, …) are not tickets and are passed over, but a member that is meant to be a case table
(named Case.csv, CaseComment.csv or EmailMessage.csv, or with a column only those have) whose header is not one is
kept as a Table of kind None, for the importer to reject. A folder is the importer's to judge: it passes over a
folder's other objects where the folder holds a case table.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tunedesk.ingest.importers.csvrows import CsvRow, csv_rows

CASE, COMMENT, EMAIL = "Case", "CaseComment", "EmailMessage"
_FIELD_LIMIT = 64 * 1024 * 1024  # an email body of a whole thread can exceed the stdlib's 128 KiB per field
_CASE_ONLY = frozenset({"casenumber", "origin", "suppliedemail", "suppliedname", "isescalated"})
_OTHER_LINKS = frozenset({"parentid", "whatid", "whoid"})  # EmailMessage, Task and Event have Subject and Status too
_TABLE_NAMES = frozenset({"case", "casecomment", "emailmessage"})
_SIGNATURES = frozenset({"casenumber", "commentbody", "textbody", "htmlbody"})


@dataclass(frozen=True)
class Table:
    """One CSV file of one object: its kind (None: meant to be a case table, but its header is not one), the name
    quarantine records carry, and the file to read."""

    kind: str | None
    label: str
    path: Path


def table_kind(header_line: str) -> str | None:
    """Case, CaseComment or EmailMessage by the column names of a CSV header line; None for anything else."""
    names = _header_names(header_line)
    if "parentid" in names and "commentbody" in names:
        return COMMENT
    if "parentid" in names and names & {"textbody", "htmlbody"}:
        return EMAIL
    if "id" in names and (names & _CASE_ONLY or ({"subject", "status"} <= names and not names & _OTHER_LINKS)):
        return CASE
    return None


def meant_as_case_table(file_name: str, header_line: str) -> bool:
    """True for a CSV named as the Data Export names a case table, or with a column only those tables have."""
    stem = file_name.replace("\\", "/").rpartition("/")[2].rpartition(".")[0].lower()
    return stem in _TABLE_NAMES or bool(_header_names(header_line) & _SIGNATURES)


def _header_names(header_line: str) -> set[str]:
    try:
        return {name.strip().strip("\ufeff").lower() for name in next(csv.reader([header_line]))}
    except (csv.Error, StopIteration):
        return set()


def header_line(path: Path, encoding: str) -> str:
    """The first line of a CSV file; "" when it cannot be read (the reader reports why)."""
    try:
        with open(path, "rb") as fh:
            return _first_line(fh, encoding)
    except OSError:
        return ""


def _first_line(stream: IO[bytes], encoding: str) -> str:
    """A CSV's header line, decoded leniently (a bad byte must not hide which table it is)."""
    return stream.readline(1 << 16).decode(encoding, errors="replace")


def zip_has_cases(path: Path) -> bool:
    """True for a zip holding a Case table (the weekly Data Export)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(_member_kind(archive, info) == CASE for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def tables(path: Path, scratch: Path, encoding: str) -> list[Table]:
    """The Salesforce tables of a CSV file or a zip (members extracted to `scratch`), a file meant as a case table
    with an unknown header as kind None, other objects left out; raises OSError/BadZipFile."""
    if zipfile.is_zipfile(path):
        return list(_zip_tables(path, scratch, encoding))
    with open(path, "rb") as fh:
        first = _first_line(fh, encoding)
    kind = table_kind(first)
    return [Table(kind, str(path), path)] if kind or meant_as_case_table(path.name, first) else []


def _zip_tables(path: Path, scratch: Path, encoding: str) -> Iterator[Table]:
    with zipfile.ZipFile(path) as archive:
        for number, info in enumerate(archive.infolist()):
            if info.is_dir() or not info.filename.lower().endswith(".csv"):
                continue
            with archive.open(info) as member:
                first = _first_line(member, encoding)
            kind, label = table_kind(first), f"{path}!/{info.filename}"
            if kind is None:
                if meant_as_case_table(info.filename, first):
                    yield Table(None, label, path)
                continue
            target = scratch / f"{number}.csv"
            with archive.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            yield Table(kind, label, target)


def _member_kind(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    if info.is_dir() or not info.filename.lower().endswith(".csv"):
        return None
    with archive.open(info) as member:
        return table_kind(_first_line(member, "utf-8"))


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
