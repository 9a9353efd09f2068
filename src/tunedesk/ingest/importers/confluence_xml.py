"""The XML form of a Confluence space export: `entities.xml`, Hibernate objects one after another.

A page is an `<object class="Page">` with `title`, `contentStatus`, `lastModificationDate`, a `space` and `parent`
reference, and an `originalVersion` reference on every historical version; its text is in an `<object
class="BodyContent">` whose `content` property points back at it, in Confluence storage format (XHTML with `ac:` and
`ri:` elements). Only current pages become articles (`confluence:<page id>`): historical versions, drafts and
trashed pages are skipped. Macros keep their text (rich-text bodies, and plain-text bodies such as code as
preformatted lines); their parameters, images and attachments are dropped; a link to a page keeps the page's title.

The file is read object by object, so one bad object spoils only itself: control characters XML forbids (Confluence
lets them into page text) are removed first, and a page, or the body of a page, that still does not parse is a
Rejected `Page <id>`; a file that ends inside an object keeps the pages before it and adds a Rejected `file`.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from bs4 import BeautifulSoup
from lxml import etree

from tunedesk.errors import RecordError
from tunedesk.ingest.importers.base import reject
from tunedesk.ingest.importers.docs_pages import Member
from tunedesk.records import Article, ImportedRecord
from tunedesk.text.html import html_to_text

# A CDATA inside a page body (a code macro's text) ends `]]>`, or `]] >` where Confluence wrote it into the CDATA of
# entities.xml, which cannot hold a `]]>`.
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\] ?>", re.DOTALL)
_DROPPED = ("ac:parameter", "ac:image", "ri:attachment", "ac:placeholder")
_CURRENT = (None, "", "current")
_BLOCK = 1 << 20
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))  # not allowed in XML 1.0, even escaped
_MARK = re.compile(rb"<!\[CDATA\[|<!--|<object[\s>]|</object\s*>")
_MARK_ENDS = {b"<![CDATA[": b"]]>", b"<!--": b"-->"}
_HEAD = re.compile(rb'<object[^>]*?\sclass="([^"]*)"[^>]*>\s*<id name="id">\s*([^<\s]*)')
_CONTENT_OF = re.compile(rb'<property name="content"[^>]*>\s*<id name="id">\s*([^<\s]+)')
_STATUS = re.compile(rb'<property name="contentStatus">(?:<!\[CDATA\[)?\s*(\w*)')
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)


@dataclass
class _Object:
    cls: str
    id: str
    properties: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)


@dataclass
class _Export:
    """The objects of an entities.xml that parse; the pages that do not, or whose body does not, by page id (with
    why and the raw text); and why the file ends early ("" when it does not)."""

    objects: list[_Object] = field(default_factory=list)
    broken_pages: dict[str, tuple[str, str]] = field(default_factory=dict)
    broken_bodies: dict[str, tuple[str, str]] = field(default_factory=dict)
    cut: str = ""


def xml_articles(member: Member, source: str) -> Iterator[ImportedRecord]:
    """The current pages of an `entities.xml`; a page without title or text, or that does not parse, is a Rejected
    `Page <id>`."""
    with member.open() as stream:
        export = _objects(stream)
    objects = export.objects
    if not (objects or export.broken_pages or export.cut):
        yield reject(member.where, "file", "no <object> elements: not the entities.xml of a Confluence XML export")
        return
    bodies = {o.references.get("content"): o.properties.get("body", "") for o in objects if o.cls == "BodyContent"}
    titles = {o.id: o.properties.get("title", "") for o in objects if o.cls == "Page"}
    spaces = {o.id: o.properties.get("name") or o.properties.get("key") or o.id for o in objects if o.cls == "Space"}
    for page in (o for o in objects if o.cls == "Page" and _is_current(o)):
        if page.id in export.broken_bodies:
            reason, raw = export.broken_bodies[page.id]
            yield reject(member.where, f"Page {page.id}", f"its BodyContent is not readable: {reason}", raw=raw,
                         field="body")
            continue
        try:
            yield _article(page, bodies, titles, spaces, source)
        except RecordError as exc:
            yield reject(member.where, f"Page {page.id}", exc, raw=page.properties)
    for page_id, (reason, raw) in export.broken_pages.items():
        yield reject(member.where, f"Page {page_id}", reason, raw=raw)
    if export.cut:
        yield reject(member.where, "file", export.cut)


def _is_current(page: _Object) -> bool:
    return "originalVersion" not in page.references and page.properties.get("contentStatus") in _CURRENT


def _article(page: _Object, bodies: dict[str | None, str], titles: dict[str, str], spaces: dict[str, str],
             source: str) -> Article:
    title = page.properties.get("title", "").strip()
    if not title:
        raise RecordError("page has no title", field="title")
    if page.id not in bodies:
        raise RecordError("no BodyContent object points at this page", field="bodyContents")
    body = storage_text(bodies[page.id])
    if not body:
        raise RecordError("the page body has no text", field="body")
    metadata: dict[str, object] = {"version": page.properties.get("version")}
    metadata["space"] = spaces.get(page.references.get("space", ""))
    parent = titles.get(page.references.get("parent", ""))
    metadata["parent"] = parent
    return Article(id=f"{source}:{page.id}", source=source, external_id=page.id, title=title, body=body,
                   category=parent or None,
                   updated_at=_time(page.properties.get("lastModificationDate")),
                   metadata={k: v for k, v in metadata.items() if v is not None})


def _objects(stream: IO[bytes]) -> _Export:
    """Every object of the file, each parsed on its own as it streams in, control characters removed first."""
    export = _Export()
    for chunk, complete in _object_chunks(stream):
        chunk = chunk.translate(None, _CONTROL)
        if not complete:
            export.cut = f"invalid XML: the file ends inside {_describe(chunk)}; objects after it not read"
            continue
        try:
            export.objects.append(_object(etree.fromstring(chunk, _PARSER)))
        except etree.XMLSyntaxError as exc:
            _set_aside(export, chunk, f"invalid XML in {_describe(chunk)}: {exc.msg}")
    return export


def _object_chunks(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each top-level `<object>…</object>` as bytes, found block by block with CDATA sections and comments stepped
    over, and whether it is complete (the file may end inside the last one)."""
    buffer, pos, start, depth, closing = bytearray(), 0, -1, 0, b""
    while block := stream.read(_BLOCK):
        buffer += block
        while True:
            if closing:
                end = buffer.find(closing, pos)
                if end < 0:
                    pos = max(pos, len(buffer) - 2)  # the end mark may be cut by the end of the block
                    break
                pos, closing = end + len(closing), b""
                continue
            found = _MARK.search(buffer, pos)
            if found is None:
                pos = max(pos, len(buffer) - 9)  # a mark may be cut by the end of the block
                break
            mark, pos = found.group(), found.end()
            if mark in _MARK_ENDS:
                closing = _MARK_ENDS[mark]
            elif mark.startswith(b"</"):
                depth = max(depth - 1, 0)
                if depth == 0 and start >= 0:
                    yield bytes(buffer[start:pos]), True
                    start = -1
            else:
                start, depth = (found.start() if depth == 0 else start), depth + 1
        keep = start if start >= 0 else pos
        del buffer[:keep]
        pos, start = pos - keep, (0 if start >= 0 else -1)
    if start >= 0:
        yield bytes(buffer[start:]), False


def _set_aside(export: _Export, chunk: bytes, reason: str) -> None:
    """Remember a current page that does not parse, or the page whose body does not; other objects hold no text."""
    head = _HEAD.search(chunk)
    cls, object_id = (head.group(1).decode(), head.group(2).decode()) if head else ("", "")
    raw = chunk.decode("utf-8", errors="replace")
    status = _STATUS.search(chunk)
    if cls == "Page" and b'name="originalVersion"' not in chunk and (not status or status.group(1) == b"current"):
        export.broken_pages[object_id] = (reason, raw)
    elif cls == "BodyContent" and (content := _CONTENT_OF.search(chunk)):
        export.broken_bodies[content.group(1).decode()] = (reason, raw)


def _describe(chunk: bytes) -> str:
    head = _HEAD.search(chunk)
    return f"object {head.group(1).decode()} {head.group(2).decode()}".rstrip() if head else "an object"


def _object(element: etree._Element) -> _Object:
    obj = _Object(cls=element.get("class", ""), id=(element.findtext("id") or "").strip())
    for prop in element.findall("property"):
        name = prop.get("name", "")
        reference = prop.find("id")
        if reference is not None:
            obj.references[name] = (reference.text or "").strip()
        else:
            obj.properties[name] = prop.text or ""
    return obj


def storage_text(xhtml: str) -> str:
    """Plain text of a page in Confluence storage format: macros reduced to their text."""
    markup = _CDATA.sub(lambda m: htmllib.escape(m.group(1)), xhtml)
    soup = BeautifulSoup(f"<div>{markup}</div>", "html.parser")
    for body in soup.find_all("ac:plain-text-body"):
        body.name = "pre"  # code and other plain-text macro bodies keep their lines
    for name in _DROPPED:
        for element in soup.find_all(name):
            element.decompose()
    for link in soup.find_all("ac:link"):
        page = link.find("ri:page")
        if not link.get_text(strip=True) and page is not None:
            link.string = str(page.get("ri:content-title", ""))
    return html_to_text(str(soup), drop_quotes=False).strip()


def _time(value: str | None) -> datetime | None:
    """`2023-03-01 10:00:00.000` as written by the export (UTC); an unreadable one is left out."""
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None
