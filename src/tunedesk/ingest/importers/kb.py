"""The `kb` importer: knowledge-base articles from Markdown, HTML and Freshdesk solution-article JSON.

One file is one article (`kb:<path relative to the KB folder, without suffix>`), except a Freshdesk
`solution_articles.json`, where each array element is one article (`freshdesk:<id>`, or `freshdesk:<id>/<lang>`
for a translated file such as `solution_articles_fr.json`) and a bad element is a Rejected `articles[3]`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from bs4 import BeautifulSoup
from pydantic import BaseModel, ConfigDict

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject, require
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.fields import as_dict
from tunedesk.records import Article, ImportedRecord
from tunedesk.text.html import html_to_text

_MARKDOWN = (".md", ".markdown")
_HTML = (".html", ".htm")
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_TRANSLATION = re.compile(r"_([a-z]{2}(?:-[a-zA-Z]{2})?)$")
_FRESHDESK_STATUS = {1: "draft", 2: "published"}
_FRESHDESK_METADATA = ("folder_id", "category_id", "agent_id", "type", "created_at")
_FRESHDESK_KEYS = ('"folder_id"', '"title"')


class KbOptions(BaseModel):
    """Options of the `kb` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str | None = None
    """The source label: default `kb` for files and `freshdesk` for Freshdesk articles."""
    encoding: Encoding = "utf-8"
    """The text encoding of Markdown and HTML files."""
    root: str | None = None
    """The folder article ids are relative to; unset: the folder given, or the common folder of the files given."""


@register("kb")
class KbImporter(Importer):
    """Knowledge-base articles: Markdown (with YAML front matter), HTML pages, Freshdesk solution articles."""

    name = "kb"
    suffixes = (*_MARKDOWN, *_HTML, ".json")
    Options = KbOptions
    options: KbOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for Markdown and HTML files, and for JSON holding Freshdesk solution articles."""
        suffix = path.suffix.lower()
        if suffix in _MARKDOWN or suffix in _HTML:
            return True
        return head.lstrip()[:1] in ("[", "{") and all(key in head for key in _FRESHDESK_KEYS) and (
            '"description' in head)

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The articles of one file, or of every KB file under a folder."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Articles from files and folders; ids are paths relative to `root` (see the options)."""
        paths = list(paths)
        files = [f for p in paths for f in (_kb_files(p) if p.is_dir() else [p])]
        root = Path(self.options.root) if self.options.root else common_root(paths)
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                yield reject(file, "file", exc)
                continue
            yield from self._read_file(file, data, root)

    def _read_file(self, path: Path, data: bytes, root: Path) -> Iterator[ImportedRecord]:
        if path.suffix.lower() not in (*self.suffixes, ".txt"):
            yield reject(path, "file", f"not a KB file type ({path.suffix or 'no suffix'}); use .md, .html or .json")
            return
        try:
            text = data.decode(self.options.encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            yield reject(path, f"line {line}", f"bytes not valid {self.options.encoding} at line {line}",
                         raw=data[:2000].decode(self.options.encoding, errors="replace"), field="encoding")
            return
        if not text.strip():
            yield reject(path, "file", "empty file")
            return
        suffix = path.suffix.lower()
        if suffix == ".json":
            yield from _freshdesk_articles(path, text, self.options.source_name or "freshdesk")
            return
        source = self.options.source_name or self.name
        external_id = relative_id(path, root)
        try:
            yield (_html_article if suffix in _HTML else _markdown_article)(path, text, source, external_id)
        except RecordError as exc:
            yield reject(path, "file", exc, raw=text)


def _kb_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in KbImporter.suffixes
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def common_root(paths: list[Path]) -> Path:
    """The folder ids are relative to: the one folder given, else the deepest folder holding every path."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0]
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in paths]
    return Path(os.path.commonpath(folders)) if folders else Path(".")


def relative_id(path: Path, root: Path) -> str:
    """A file's id: its path below root without the suffix (its name when it is not below root)."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path.name)
    return relative.with_suffix("").as_posix()


def _markdown_article(path: Path, text: str, source: str, external_id: str) -> Article:
    """A Markdown file: title from front matter, else the first `# heading` (then dropped from the body), else name."""
    front, body = _front_matter(text)
    title = front.get("title")
    heading = _HEADING.search(body)
    if not title and heading:
        title = heading.group(1)
        body = body[:heading.start()] + body[heading.end():]
    if not body.strip():
        raise RecordError("empty article", field="body")
    return Article(
        id=f"{source}:{external_id}", source=source, external_id=external_id, title=str(title or path.stem).strip(),
        body=body.strip(), url=_optional_text(front.get("url")), category=_optional_text(front.get("category")),
        tags=_tags(front.get("tags")), updated_at=_time(front.get("updated_at") or front.get("updated")
                                                        or front.get("date")),
        metadata=_json_safe({k: v for k, v in front.items() if k not in _FRONT_MATTER_FIELDS}),
    )


_FRONT_MATTER_FIELDS = frozenset({"title", "url", "category", "tags", "updated_at", "updated", "date"})


def _front_matter(text: str) -> tuple[dict[object, object], str]:
    """The YAML front matter (between `---` lines at the top) and the Markdown body after it."""
    if not text.startswith("---"):
        return {}, text
    end = _FRONT_MATTER_END.search(text, 3)
    if text[3:text.find("\n")].strip() or end is None:
        return {}, text  # a `---` rule, not front matter
    try:
        front = yaml.safe_load(text[3:end.start()]) or {}
    except yaml.YAMLError as exc:
        raise RecordError(f"invalid YAML front matter: {exc}".replace("\n", " "), field="front_matter") from None
    if not isinstance(front, dict):
        raise RecordError(f"front matter must be a mapping, got {type(front).__name__}", field="front_matter")
    return front, text[end.end():]


def _html_article(path: Path, html: str, source: str, external_id: str) -> Article:
    """An HTML page: title from `<title>`, else the first `<h1>`, else the file name."""
    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    body = html_to_text(html, drop_quotes=False)
    if not body.strip():
        raise RecordError("empty article", field="body")
    return Article(id=f"{source}:{external_id}", source=source, external_id=external_id,
                   title=title or path.stem, body=body)


def _freshdesk_articles(path: Path, text: str, source: str) -> Iterator[ImportedRecord]:
    """Each element of a Freshdesk solution-articles payload (a list, or one object) is one article."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield reject(path, "file", f"invalid JSON: {exc}", raw=text)
        return
    translation = _TRANSLATION.search(path.stem)
    language = translation.group(1) if translation and path.stem.startswith("solution_articles_") else None
    items = payload if isinstance(payload, list) else [payload]
    for index, item in enumerate(items):
        try:
            yield _freshdesk_article(item, source, language)
        except RecordError as exc:
            yield reject(path, f"articles[{index}]", exc, raw=item)


def _freshdesk_article(raw: object, source: str, language: str | None) -> Article:
    item = as_dict(raw, "")
    article_id = require(item, "id", (int, str))
    if isinstance(article_id, bool) or not str(article_id).strip():
        raise RecordError(f"expected an integer or string id, got {article_id!r}", field="id")
    html = item.get("description")
    body = html_to_text(html, drop_quotes=False) if isinstance(html, str) and html.strip() else ""
    if not body:
        plain = item.get("description_text")
        body = plain.strip() if isinstance(plain, str) else ""
    if not body:
        raise RecordError("no text in description or description_text", field="description")
    status = item.get("status")
    metadata = {key: item[key] for key in _FRESHDESK_METADATA if item.get(key) is not None}
    if status is None:
        metadata["status"] = "published"
    elif isinstance(status, int) and not isinstance(status, bool):
        metadata["status"] = _FRESHDESK_STATUS.get(status, str(status))
    else:
        raise RecordError(f"expected an integer status, got {type(status).__name__}", field="status")
    if language:
        metadata["language"] = language
    external_id = f"{article_id}/{language}" if language else str(article_id)
    return Article(
        id=f"{source}:{external_id}", source=source, external_id=external_id,
        title=str(require(item, "title", str)).strip(), body=body, tags=_tags(item.get("tags")),
        updated_at=_time(item.get("updated_at")), metadata=_json_safe(metadata),
    )


def _optional_text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _tags(value: object) -> list[str]:
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list):
        return [str(tag).strip() for tag in value if str(tag).strip()]
    return []


def _time(value: object) -> datetime | None:
    """A front-matter or JSON timestamp; an unreadable one is left out rather than losing the article."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_safe(metadata: Mapping[str, object] | Mapping[object, object]) -> dict[str, object]:
    """YAML gives dates and non-string keys; the store wants plain JSON."""
    return json.loads(json.dumps({str(k): v for k, v in metadata.items()}, default=str))
