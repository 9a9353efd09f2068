"""The XML form of a Confluence space export: `entities.xml`, Hibernate objects one after another.

A page is an `<object class="Page">` with `title`, `contentStatus`, `lastModificationDate`, a `space` and `parent`
reference, and an `originalVersion` reference on every historical version; its text is in an `<object
class="BodyContent">` whose `content` property points back at it, in Confluence storage format (XHTML with `ac:` and
`ri:` elements). Only current pages become articles (`confluence:<page id>`): historical versions, drafts and
trashed pages are skipped. Macros keep their text (rich-text and plain-text bodies); their parameters, images and
attachments are dropped; a link to a page keeps the page's title.
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

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_DROPPED = ("ac:parameter", "ac:image", "ri:attachment", "ac:placeholder")
_CURRENT = (None, "", "current")


@dataclass
class _Object:
    cls: str
    id: str
    properties: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)


def xml_articles(member: Member, source: str) -> Iterator[ImportedRecord]:
    """The current pages of an `entities.xml`; a page without title or text is a Rejected `Page <id>`."""
    with member.open() as stream:
        objects, broken = _objects(stream)
    bodies = {o.references.get("content"): o.properties.get("body", "") for o in objects if o.cls == "BodyContent"}
    titles = {o.id: o.properties.get("title", "") for o in objects if o.cls == "Page"}
    spaces = {o.id: o.properties.get("name") or o.properties.get("key") or o.id for o in objects if o.cls == "Space"}
    for page in (o for o in objects if o.cls == "Page" and _is_current(o)):
        try:
            yield _article(page, bodies, titles, spaces, source)
        except RecordError as exc:
            yield reject(member.where, f"Page {page.id}", exc, raw=page.properties)
    if broken:
        yield reject(member.where, "file", f"{broken}; objects after it not read")


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


def _objects(stream: IO[bytes]) -> tuple[list[_Object], str]:
    """Every object of the file, read as it streams in, and where the XML breaks ("" when it does not)."""
    found: list[_Object] = []
    events = etree.iterparse(stream, events=("end",), tag="object", resolve_entities=False,
                             no_network=True, huge_tree=True, load_dtd=False)
    try:
        for _, element in events:
            if element.getparent() is not None and element.getparent().tag == "hibernate-generic":
                found.append(_object(element))
                element.clear()
    except etree.XMLSyntaxError as exc:
        return found, f"invalid XML: {exc.msg}"
    return found, ""


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
