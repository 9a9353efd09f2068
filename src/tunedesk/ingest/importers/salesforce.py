"""Salesforce Service Cloud Cases → Ticket, from a CSV export or REST API JSON.

Records (one outcome each): a Case — a row of a Case table (CSV file, or a file of a Data Export zip or folder) or a
`records[i]` of a query result (`{"totalSize", "done", "records": [{"attributes": {"type": "Case"}, …}]}`), with its
children embedded as `CaseComments.records` / `EmailMessages.records`. CaseComment and EmailMessage rows or records
are auxiliary: joined to their case by `ParentId` across every file read (15- and 18-character ids alike); a bad
child row that names no case is one Rejected; children whose case is not in the files are one Rejected per case.
Any other object in a JSON query is one Rejected per record. The mapping is in salesforce_case.py and
docs/sources_tickets.md.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import ClassVar

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.fields import as_dict, get_dict, get_list
from tunedesk.ingest.importers.payload import Unit, guarded, payload_keys, plan_file
from tunedesk.ingest.importers.salesforce_case import (
    CHILD_TYPES,
    Child,
    FieldMap,
    SalesforceOptions,
    case_ticket,
    sf_id,
)
from tunedesk.ingest.importers.salesforce_csv import (
    CASE,
    Table,
    header_line,
    table_kind,
    table_rows,
    tables,
    zip_has_cases,
)
from tunedesk.records import ImportedRecord, Rejected, Ticket

_SOBJECT = re.compile(r'"attributes"\s*:\s*\{[^{}]*?"type"\s*:\s*"(?:Case|CaseComment|EmailMessage)"')
_SUFFIXES = (".csv", ".zip", ".json")
_NDJSON = "one JSON value per line: save each REST API query result as one JSON document"
_CHILD_KEYS = {"CaseComments": "CaseComment", "EmailMessages": "EmailMessage"}
_NOT_A_TABLE = ("not a Salesforce Case, CaseComment or EmailMessage CSV (header lacks Id with CaseNumber, or ParentId "
                "with CommentBody, TextBody or HtmlBody)")


class _Children:
    """CaseComments and EmailMessages by their case's 18-character id, until the case is converted."""

    def __init__(self) -> None:
        self.by_case: dict[str, list[Child]] = {}
        self.origins: dict[str, str] = {}
        self.joined: set[str] = set()

    def add(self, case_id: str, child: Child, origin: str) -> None:
        """Keep one child for its case."""
        self.by_case.setdefault(case_id, []).append(child)
        self.origins.setdefault(case_id, origin)

    def take(self, case_id: str) -> list[Child]:
        """The children of a case (a case read twice takes them twice)."""
        self.joined.add(case_id)
        return self.by_case.get(case_id, [])

    def leftovers(self) -> Iterator[Rejected]:
        """One Rejected per case whose children were read but whose Case was not."""
        for case_id, children in self.by_case.items():
            if case_id not in self.joined:
                reason = (f"{len(children)} CaseComment/EmailMessage record(s) of Case {case_id}, but the Case is not "
                          "in the files read: import Case.csv (or the Case query) together with its children")
                yield reject(self.origins[case_id], f"case {case_id}", reason, raw=[c.fields for c in children])


@register("salesforce")
class SalesforceImporter(Importer):
    """Salesforce Service Cloud Cases with CaseComments and EmailMessages (see the module docstring)."""

    name: ClassVar[str] = "salesforce"
    suffixes: ClassVar[tuple[str, ...]] = _SUFFIXES
    Options = SalesforceOptions
    options: SalesforceOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """A Case, CaseComment or EmailMessage CSV table, a Data Export zip with cases, or API JSON of them."""
        suffix = path.suffix.lower()
        if suffix == ".zip":
            return zip_has_cases(path)
        if head.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
            return bool(_SOBJECT.search(head))
        return suffix == ".csv" and table_kind(head.split("\n", 1)[0]) is not None

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The cases of one file (its children in other files are joined by `read_files`)."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Read children first, from every file, then convert each case with its children joined. In a folder that
        holds a case table (a Data Export unzipped), the export's other objects are passed over, as in the zip."""
        children = _Children()
        files = [file for path in paths for file in _files(path)]
        export_folders = _case_table_folders(files, self.options.encoding)
        with tempfile.TemporaryDirectory(prefix="tunedesk-salesforce-") as scratch:
            csv_tables: list[Table] = []
            json_units: list[tuple[Path, list[Unit | Rejected]]] = []
            for number, path in enumerate(files):
                if path.suffix.lower() == ".json" or _looks_like_json(path):
                    units = plan_file(path, self.options.encoding, partial(_plan, children))
                    json_units.append((path, [reject(path, "file", _NDJSON)] if units is None else units))
                    continue
                found, rejected = _tables(path, Path(scratch) / str(number), self.options.encoding,
                                          in_export=path.parent in export_folders)
                csv_tables += found
                yield from rejected
            for table in csv_tables:
                if table.kind != CASE:
                    yield from self._absorb_rows(table, children)
            for path, units in json_units:
                convert = partial(self._convert_json, children)
                for unit in units:
                    yield unit if isinstance(unit, Rejected) else guarded(convert, path, *unit)
            for table in csv_tables:
                if table.kind == CASE:
                    yield from self._case_rows(table, children)
        yield from children.leftovers()

    def _absorb_rows(self, table: Table, children: _Children) -> Iterator[Rejected]:
        kind = str(table.kind)
        for row, fields in table_rows(table, self.options.encoding):
            locator = f"row {row.number}"
            parent = sf_id(fields.get("parentid"))
            if row.error or parent is None:
                reason = row.error or _no_parent(kind, fields.get("parentid"))
                yield reject(table.label, locator, reason, raw=row.raw, field=None if row.error else "ParentId")
                continue
            children.add(parent, Child(kind, f"{Path(table.label).name} {locator}", fields), table.label)

    def _case_rows(self, table: Table, children: _Children) -> Iterator[ImportedRecord]:
        for row, fields in table_rows(table, self.options.encoding):
            locator = f"row {row.number}"
            if row.error:
                yield reject(table.label, locator, row.error, raw=row.raw)
                continue
            try:
                yield case_ticket(fields, children.take(sf_id(fields.get("id")) or ""), self.options)
            except RecordError as exc:
                yield reject(table.label, locator, exc, raw=row.raw)

    def _convert_json(self, children: _Children, path: Path, locator: str, raw: object) -> Ticket:
        record = as_dict(raw, "")
        fields = normalise(record)
        embedded = []
        for key, kind in _CHILD_KEYS.items():
            for i, item in enumerate(get_list(get_dict(record, key), "records", key)):
                embedded.append(Child(kind, f"{locator}.{key}.records[{i}]", normalise(as_dict(item, key))))
        joined = children.take(sf_id(fields.get("id")) or "")
        return case_ticket(fields, [*embedded, *joined], self.options)


def _files(path: Path) -> list[Path]:
    """The file as given; a folder gives its CSV, zip and JSON files."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
    return [path]


def _looks_like_json(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    except OSError:
        return False


def _case_table_folders(files: list[Path], encoding: str) -> set[Path]:
    """The folders holding a CSV case table: there, the export's other objects (Account.csv, …) are no mistake.
    Their headers are read before the files themselves, so that every rejection comes in the order of the files."""
    folders: set[Path] = set()
    for path in files:
        if path.suffix.lower() == ".csv" and path.parent not in folders and table_kind(header_line(path, encoding)):
            folders.add(path.parent)
    return folders


def _tables(path: Path, scratch: Path, encoding: str, in_export: bool) -> tuple[list[Table], list[Rejected]]:
    """The case tables of a CSV file or a zip, and a Rejected for each file meant as one whose header is not one,
    for a zip without a case table, and for any other CSV unless it sits beside case tables (`in_export`)."""
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        found = tables(path, scratch, encoding)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        return [], [reject(path, "file", exc)]
    bad = [reject(t.label, "file", _NOT_A_TABLE) for t in found if t.kind is None]
    if not found and zipfile.is_zipfile(path):
        bad.append(reject(path, "file", "no Case, CaseComment or EmailMessage CSV in the zip"))
    elif not found and not in_export:
        bad.append(reject(path, "file", _NOT_A_TABLE))
    return [t for t in found if t.kind is not None], bad


# ---------------------------------------------------------------- REST API JSON


def _plan(children: _Children, path: Path, payload: object) -> list[Unit | Rejected]:
    """Case records become units; children are kept for their case; any other object is one Rejected."""
    if isinstance(payload, dict) and isinstance(payload.get("records"), list):
        records, key = payload["records"], "records"
    elif isinstance(payload, list):
        records, key = payload, ""
    elif isinstance(payload, dict) and _type(payload):
        records, key = [payload], None
    else:
        return [reject(path, "file", f"no Salesforce records in this payload ({payload_keys(payload)})", raw=payload)]
    units: list[Unit | Rejected] = []
    for i, record in enumerate(records):
        label = "record" if key is None else f"{key}[{i}]"
        kind = _type(record)
        if kind == CASE:
            units.append((label, record))
        elif kind in CHILD_TYPES and isinstance(record, dict):
            parent = sf_id(record.get("ParentId"))
            if parent is None:
                units.append(reject(path, label, _no_parent(kind, record.get("ParentId")), raw=record,
                                    field="ParentId"))
            else:
                children.add(parent, Child(kind, f"{path.name} {label}", normalise(record)), str(path))
        else:
            reason = f"not a Case, CaseComment or EmailMessage (attributes.type {kind!r})"
            units.append(reject(path, label, reason, raw=record))
    return units


def _no_parent(kind: str, value: object) -> str:
    """Why a comment or email without a case is set aside: no ParentId, or the null id of an empty lookup (an email
    of an opportunity or a contact, say)."""
    reason = f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind} without a ParentId cannot be joined to its case"
    if isinstance(value, str) and value.strip():
        reason += f" (ParentId {value.strip()} is Salesforce's null id: the lookup is empty)"
    return reason


def _type(record: object) -> str | None:
    """The sObject type of a record: `attributes.type`, else guessed from its fields."""
    if not isinstance(record, dict):
        return None
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and isinstance(attributes.get("type"), str):
        return attributes["type"]
    if "CommentBody" in record:
        return "CaseComment"
    if "TextBody" in record or "HtmlBody" in record:
        return "EmailMessage"
    return CASE if "CaseNumber" in record else None


def normalise(record: Mapping[str, object]) -> FieldMap:
    """A JSON record as lower-case field names; a relationship (`"Contact": {"Email": …}`) as `contact.email`."""
    fields: FieldMap = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            if "records" not in value:
                fields.update({f"{key}.{k}".lower(): v for k, v in value.items() if k != "attributes"})
            continue
        fields[key.lower()] = value
    return fields
