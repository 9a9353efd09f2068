"""The `sharepoint` importer: SharePoint Online site pages, from Microsoft Graph JSON or saved pages.

Graph JSON: a `sitePage` (`GET /sites/{site}/pages/{id}/microsoft.graph.sitePage?$expand=canvasLayout`) or a list
of them (`{"value": [...]}`); each page is one article `sharepoint:<name without .aspx>` (else `<id>`; the same
id as the page's downloaded `.aspx`), its text the `innerHtml` of the text web parts of `canvasLayout` (horizontal
sections, then the vertical section) or of a `webParts` list, plus the searchable plain texts of the other web
parts; title, `webUrl`, `lastModifiedDateTime` and `description` are kept.
Saved pages (`.aspx` as downloaded from the Site Pages library, or a page saved from the browser as `.html`): the
canvas in `mso:CanvasContent1` (modern pages) or `mso:WikiField` (classic wiki pages), else every text web part of
the rendered canvas; the article id is `sharepoint:<file name without suffix>`. A page that cannot be read is a
Rejected naming the file, the page (`value[2]`) and the field.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject, require
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.docs_pages import content_text, parse_html
from tunedesk.ingest.importers.fields import as_dict, get_dict, get_list, get_str
from tunedesk.records import Article, ImportedRecord
from tunedesk.text.html import html_to_text

_MSO_FIELD = re.compile(r"<mso:(CanvasContent1|WikiField)\b[^>]*>(.*?)</mso:\1>", re.DOTALL | re.IGNORECASE)
_MSO_TITLE = re.compile(r"<mso:Title\b[^>]*>(.*?)</mso:Title>", re.DOTALL | re.IGNORECASE)
_JSON_MARKERS = ('"canvasLayout"', "microsoft.graph.sitePage", '"webParts"')
_PAGE_MARKERS = ("mso:CanvasContent1", "mso:WikiField", "data-sp-canvascontrol", "data-sp-feature-tag",
                 "SharePoint:", "_spPageContextInfo")
_TEXT_PARTS = "[data-sp-feature-tag='Rich Text Editor'], [data-sp-rte]"  # one per text web part of the canvas
_CANVAS = ("#spPageCanvasContent", ".CanvasZone", ".ms-rte-layoutszone-inner", "main", "article")


class SharePointOptions(BaseModel):
    """Options of the `sharepoint` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str = "sharepoint"
    """The source label, and the prefix of article ids."""
    encoding: Encoding = "utf-8"
    """The text encoding of saved `.aspx` and `.html` pages."""


@register("sharepoint")
class SharePointImporter(Importer):
    """SharePoint Online site pages: Graph `sitePage` JSON, downloaded `.aspx` and saved `.html` pages."""

    name = "sharepoint"
    suffixes = (".json", ".aspx", ".html", ".htm")
    Options = SharePointOptions
    options: SharePointOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for Graph site-page JSON, any `.aspx`, and saved pages carrying SharePoint's canvas markers."""
        suffix = path.suffix.lower()
        if suffix == ".json":
            return head.lstrip()[:1] == "{" and any(marker in head for marker in _JSON_MARKERS)
        if suffix == ".aspx":
            return True
        return suffix in (".html", ".htm") and any(marker in head for marker in _PAGE_MARKERS)

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The pages of one file."""
        data = path.read_bytes()
        try:
            text = data.decode(self.options.encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            yield reject(path, f"line {line}", f"bytes not valid {self.options.encoding} at line {line}",
                         field="encoding")
            return
        source = self.options.source_name
        if path.suffix.lower() == ".json":
            yield from _graph_pages(path, text, source)
            return
        try:
            yield saved_page(path, text, source)
        except RecordError as exc:
            yield reject(path, "file", exc, raw=text)


def _graph_pages(path: Path, text: str, source: str) -> Iterator[ImportedRecord]:
    """Each `sitePage` of a Graph response (one page, or a collection under `value`)."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield reject(path, "file", f"invalid JSON: {exc}", raw=text)
        return
    if isinstance(payload, dict) and isinstance(payload.get("value"), list):
        items, locator = payload["value"], "value[{}]"
    else:
        items, locator = [payload], "page"
    for index, item in enumerate(items):
        try:
            yield graph_page(item, source)
        except RecordError as exc:
            yield reject(path, locator.format(index), exc, raw=item)


def graph_page(raw: object, source: str) -> Article:
    """One Graph `sitePage` as an article."""
    page = as_dict(raw, "")
    guid = str(require(page, "id", str)).strip()
    name = get_str(page, "name") or ""
    page_id = name.removesuffix(".aspx") or guid  # the file name, as a downloaded `.aspx` of the same page has
    title = (get_str(page, "title") or get_str(page, "name") or "").strip()
    if not title:
        raise RecordError("page has no title or name", field="title")
    parts = [part for part in (_web_part_text(w, where) for w, where in _web_parts(page)) if part]
    if not parts:
        raise RecordError("no text web part with text", field="canvasLayout")
    description = get_str(page, "description")
    metadata = {k: v for k, v in {"graph_id": guid, "name": name, "description": description,
                                  "pageLayout": get_str(page, "pageLayout")}.items() if v}
    return Article(id=f"{source}:{page_id}", source=source, external_id=page_id, title=title,
                   body="\n\n".join(parts), url=get_str(page, "webUrl"),
                   updated_at=_time(get_str(page, "lastModifiedDateTime")), metadata=metadata)


def _web_parts(page: dict[str, object]) -> Iterator[tuple[object, str]]:
    """Every web part of the page in reading order, with the field path that names it."""
    layout = get_dict(page, "canvasLayout")
    for s, section in enumerate(get_list(layout, "horizontalSections", "canvasLayout")):
        where = f"canvasLayout.horizontalSections[{s}]"
        for c, column in enumerate(get_list(as_dict(section, where), "columns", where)):
            column_where = f"{where}.columns[{c}]"
            for w, part in enumerate(get_list(as_dict(column, column_where), "webparts", column_where)):
                yield part, f"{column_where}.webparts[{w}]"
    vertical = get_dict(layout, "verticalSection", "canvasLayout")
    for w, part in enumerate(get_list(vertical, "webparts", "canvasLayout.verticalSection")):
        yield part, f"canvasLayout.verticalSection.webparts[{w}]"
    for w, part in enumerate(get_list(page, "webParts")):
        yield part, f"webParts[{w}]"


def _web_part_text(raw: object, where: str) -> str:
    """A text web part's `innerHtml` as text; another web part's searchable plain texts."""
    part = as_dict(raw, where)
    inner = get_str(part, "innerHtml", where)
    if inner is not None:
        return html_to_text(inner, drop_quotes=False).strip()
    processed = get_dict(get_dict(part, "data", where), "serverProcessedContent", f"{where}.data")
    texts = get_list(processed, "searchablePlainTexts", f"{where}.data.serverProcessedContent")
    return "\n".join(str(t.get("value", "")).strip() for t in texts if isinstance(t, dict) and t.get("value"))


def saved_page(path: Path, text: str, source: str) -> Article:
    """A downloaded `.aspx` or a page saved from the browser as an article."""
    stored = _MSO_FIELD.search(text)
    soup = parse_html(text)
    title_tag = soup.select_one("[data-automation-id='pageHeader'] h1") or soup.find("title")
    mso_title = _MSO_TITLE.search(text)
    title = (htmllib.unescape(mso_title.group(1)).strip() if mso_title else "") or (
        title_tag.get_text(" ", strip=True) if title_tag else "") or path.stem
    if stored:
        body = html_to_text(htmllib.unescape(stored.group(2)), drop_quotes=False).strip()
        field = f"mso:{stored.group(1)}"
    else:
        body, field = _rendered_canvas(soup), "canvas"
    if not body:
        raise RecordError("the page has no text", field=field)
    return Article(id=f"{source}:{path.stem}", source=source, external_id=path.stem, title=title, body=body,
                   metadata={"file": path.name})


def _rendered_canvas(soup: BeautifulSoup) -> str:
    """The text of every text web part of a page saved from the browser, in page order (each sits in a canvas control
    of its own); a page without them gives its whole canvas."""
    found = soup.select(_TEXT_PARTS)
    ids = {id(part) for part in found}
    outermost = [part for part in found if not any(id(parent) in ids for parent in part.parents)]
    texts = [content_text(part, ()).strip() for part in outermost]
    return "\n\n".join(t for t in texts if t) or content_text(soup, _CANVAS).strip()


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
