"""The `notion` importer: a Notion "Markdown & CSV" export, as the zip Notion gives or its unzipped folder.

Every page is `Title <32-hex id>.md`, its subpages in the folder `Title <id>/` beside it. A page is one article
`notion:<id>` (the id from the file name), titled by its first `# heading` (else the file name), its category the
title of the page or database above it. A database is `Name <id>.csv` (newer exports add `Name <id>_all.csv`, with
every row; that one is read when present) whose rows link by title to the row pages in `Name <id>/`; a row page
starts with its properties (`Key: value` lines), kept as metadata with the row's columns. A row without a page is an
article `notion:<database id>/<title>` whose body is its other columns. Pages holding only links to subpages are
navigation and skipped, as are images and other attachments. A page or row that cannot be read is a Rejected naming
the file, the row and the field.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.docs_pages import Member, member_text, read_exports, read_members, zip_names
from tunedesk.records import Article, ImportedRecord

_NAMED = re.compile(r"^(?P<title>.*?)\s*(?P<id>[0-9a-f]{32})(?P<all>_all)?$")
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_PROPERTY = re.compile(r"^([^:\n]{1,60}):[ \t]*(.*)$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_UNSAFE = re.compile(r"[^\w ]+")
_TRUNCATED = 40
"""Notion shortens long titles in file names; a name at least this long may be the start of its row's title."""
_PART = re.compile(r"Export-[0-9a-f-]{36}-Part-\d+\.zip", re.IGNORECASE)
"""A part of a large Notion export: the zip Notion delivers holds one zip per part."""
_NAV_LINE = re.compile(r"^\s*(?:[-*]\s*)?\[[^\]]*\]\([^)]*\.(?:md|csv)\)\s*$", re.IGNORECASE)


class NotionOptions(BaseModel):
    """Options of the `notion` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str = "notion"
    """The source label, and the prefix of article ids."""
    encoding: Encoding = "utf-8"
    """The text encoding of the pages and CSV files (Notion writes UTF-8)."""


@register("notion")
class NotionImporter(Importer):
    """A Notion Markdown & CSV export: pages as articles, database rows without a page from their columns."""

    name = "notion"
    suffixes = (".md", ".csv", ".zip")
    Options = NotionOptions
    options: NotionOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for a page or database file named with a Notion id, or a zip of them."""
        suffix = path.suffix.lower()
        if suffix in (".md", ".csv"):
            return _NAMED.match(path.stem) is not None
        if suffix == ".zip":
            names = [PurePosixPath(n) for n in zip_names(path)]
            return any((n.suffix == ".md" and _NAMED.match(n.stem)) or _PART.fullmatch(n.name) for n in names)
        return False

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The articles of one export zip, folder or file."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """The articles of every export given (zips each on their own, loose files together, the part zips of a
        zip as Notion delivers a large workspace); an export with no page or database in it is one rejection."""
        with tempfile.TemporaryDirectory(prefix="tunedesk-notion-") as scratch:
            exports, rejected = read_exports(paths, Path(scratch))
            yield from rejected
            for export in exports:
                found = 0
                for record in self._read_export(export.members):
                    found += 1
                    yield record
                if not found:
                    yield reject(export.source, "file", "no Notion pages (`Title <32-hex id>.md`) or databases "
                                 "(`Name <id>.csv`) in this export")

    def _read_export(self, members: list[Member]) -> Iterator[ImportedRecord]:
        pages = {m.name: m for m in members if m.path.suffix.lower() == ".md"}
        tables = _databases([m for m in members if m.path.suffix.lower() == ".csv"])
        rows: dict[str, dict[str, str]] = {}
        for table in tables:
            yield from read_members([table], lambda m: self._read_database(m, pages, rows))
        yield from read_members(pages.values(), lambda m: self._read_page(m, rows.get(m.name)))

    def _read_database(self, table: Member, pages: dict[str, Member],
                       rows: dict[str, dict[str, str]]) -> Iterator[ImportedRecord]:
        """Rows with a page are noted for that page; the others are articles from their columns."""
        found = _NAMED.match(table.path.stem)
        database_id = found.group("id") if found else table.path.stem
        database = found.group("title") if found else table.path.stem
        folder = table.path.parent / (table.path.stem.removesuffix("_all"))
        row_pages = [name for name in pages if PurePosixPath(name).parent == folder]
        reader = csv.DictReader(io.StringIO(member_text(table, self.options.encoding)))
        title_key = reader.fieldnames[0] if reader.fieldnames else ""
        seen: set[str] = set()
        for row in reader:
            try:
                values = _row_values(row, title_key)
                title = values.pop(title_key)
                if (page := _row_page(title, row_pages)) is not None:
                    rows[page] = {"database": database, **values}
                    continue
                yield _row_article(values, title, database, f"{database_id}/{_unique(title, seen)}",
                                   self.options.source_name)
            except RecordError as exc:
                yield reject(table.where, f"line {reader.line_num}", exc, raw=row)

    def _read_page(self, page: Member, row: dict[str, str] | None) -> Iterator[ImportedRecord]:
        text = member_text(page, self.options.encoding)
        found = _NAMED.match(page.path.stem)
        if found is None:
            raise RecordError("not a Notion page name (`Title <32-hex id>.md`)", field="file name")
        heading = _HEADING.search(text)
        title = (heading.group(1).strip() if heading else "") or found.group("title")
        body = text[heading.end():] if heading else text
        metadata: dict[str, object] = {"file": page.name}
        if row is not None:
            properties, body = _properties(body)
            metadata.update({**properties, **row})
        kept = "\n".join(line for line in _IMAGE.sub("", body).splitlines() if not _NAV_LINE.match(line)).strip()
        if not kept and row is not None:
            kept = "\n".join(f"{k}: {v}" for k, v in metadata.items() if k not in ("file", "database") and v)
        if not kept:
            if body.strip():
                return  # only links to its subpages: navigation, not an article
            raise RecordError("page has no text besides its title", field="body")
        parent = _NAMED.match(page.path.parent.name)
        source = self.options.source_name
        yield Article(id=f"{source}:{found.group('id')}", source=source, external_id=found.group("id"), title=title,
                      body=kept, category=parent.group("title") if parent else None,
                      tags=_tags(metadata.get("Tags")), metadata=metadata)


def _databases(tables: list[Member]) -> list[Member]:
    """The CSV files to read: `Name <id>_all.csv` in place of `Name <id>.csv` where both exist."""
    names = {t.name for t in tables}
    return [t for t in tables if str(t.path.with_name(t.path.stem + "_all.csv")) not in names]


def _row_page(title: str, names: list[str]) -> str | None:
    """The page file of a database row: Notion drops `?`, `/` and the like from file names and shortens long ones."""
    wanted = _comparable(title)
    for name in names:
        found = _NAMED.match(PurePosixPath(name).stem)
        have = _comparable(found.group("title") if found else PurePosixPath(name).stem)
        if have == wanted or (len(have) >= _TRUNCATED and wanted.startswith(have)):
            return name
    return None


def _comparable(title: str) -> str:
    return " ".join(_UNSAFE.sub(" ", title).lower().split())


def _row_values(row: dict[str | None, str | list[str] | None], title_key: str) -> dict[str, str]:
    if None in row:
        raise RecordError(f"{len(row[None] or [])} more cells than columns", field="columns")
    values = {str(k): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
    if not values.get(title_key):
        raise RecordError("row has no title", field=title_key or "title")
    return values


def _row_article(values: dict[str, str], title: str, database: str, external_id: str, source: str) -> Article:
    body = "\n".join(f"{key}: {value}" for key, value in values.items() if value)
    if not body:
        raise RecordError("row has no text besides its title", field="columns")
    return Article(id=f"{source}:{external_id}", source=source, external_id=external_id, title=title, body=body,
                   category=database, tags=_tags(values.get("Tags")), metadata={"database": database, **values})


def _unique(title: str, seen: set[str]) -> str:
    candidate, n = title, 1
    while candidate in seen:
        n += 1
        candidate = f"{title} ({n})"
    seen.add(candidate)
    return candidate


def _properties(body: str) -> tuple[dict[str, str], str]:
    """The `Key: value` lines that open a database row page, and the text after them."""
    lines = body.lstrip("\n").split("\n")
    properties: dict[str, str] = {}
    for index, line in enumerate(lines):
        if not line.strip():
            return properties, "\n".join(lines[index:])
        found = _PROPERTY.match(line)
        if found is None:
            break
        properties[found.group(1).strip()] = found.group(2).strip()
    else:
        return properties, ""
    return {}, body  # the first paragraph is prose, not properties


def _tags(value: object) -> list[str]:
    return [tag.strip() for tag in value.split(",") if tag.strip()] if isinstance(value, str) else []
