"""The `docs` importer: product documentation, a folder of Markdown, HTML and PDF files.

Markdown and plain text are read as the `kb` importer reads them (YAML front matter, title from the first heading).
An HTML page keeps only its main content (`main`, `article`, `[role=main]`, else the body) without navigation,
header, footer or sidebars, and is titled by its first `<h1>`, else `<title>`. A PDF is one article, or, when it has
an outline (bookmarks) and `pdf_sections` is on, one article per top-level outline entry (see `docs_pdf`); PDF text
needs the optional `pypdf` (`pip install 'tunedesk[docs]'`). Ids are `docs:<path relative to the folder>` (PDF
sections add `#<n>`). Images, style sheets, scripts and fonts are skipped; any other file is a Rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.docs_pages import content_text, parse_html
from tunedesk.ingest.importers.docs_pdf import pdf_articles, require_pypdf
from tunedesk.ingest.importers.kb import KbImporter, common_root, relative_id
from tunedesk.records import Article, ImportedRecord

_TEXT = (".md", ".markdown", ".txt")
_HTML = (".html", ".htm")
_ASSETS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".map", ".woff",
                     ".woff2", ".ttf", ".eot", ".json", ".xml", ".inv", ".buildinfo"})
_MAIN = ("main", "article", "[role=main]", ".document", ".md-content", "#content")


class DocsOptions(BaseModel):
    """Options of the `docs` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str = "docs"
    """The source label, and the prefix of article ids."""
    encoding: Encoding = "utf-8"
    """The text encoding of Markdown and HTML files."""
    root: str | None = None
    """The folder article ids are relative to; unset: the folder given, or the common folder of the files given."""
    pdf_sections: bool = True
    """One article per top-level outline entry of a PDF that has an outline; false: one article per PDF."""


@register("docs")
class DocsImporter(Importer):
    """Product documentation: Markdown, HTML and PDF files (PDF through the optional `pypdf`)."""

    name = "docs"
    suffixes = (*_TEXT, *_HTML, ".pdf")
    Options = DocsOptions
    options: DocsOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """True for PDF files (Markdown and HTML are claimed by `kb` unless the source names `docs`)."""
        return path.suffix.lower() == ".pdf" and head.startswith("%PDF-")

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The articles of one file, or of every documentation file under a folder."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """Articles from files and folders; ids are paths relative to `root` (see the options)."""
        paths = list(paths)
        root = Path(self.options.root) if self.options.root else common_root(paths)
        files = [f for p in paths for f in (_doc_files(p) if p.is_dir() else [p]) if not _generated(f, root)]
        if any(f.suffix.lower() == ".pdf" for f in files):
            require_pypdf()  # before reading anything: a missing extra is a setup error, not bad data
        source = self.options.source_name
        kb = KbImporter({"source_name": source, "encoding": self.options.encoding, "root": str(root)})
        for file in files:
            suffix = file.suffix.lower()
            if suffix in _TEXT:
                yield from kb.read_files([file])
            elif suffix in _HTML or suffix == ".pdf":
                yield from self._read_guarded(file, root)
            elif suffix not in _ASSETS:
                yield reject(file, "file", f"not a documentation file type ({suffix or 'no suffix'}); use .md, "
                             ".html or .pdf")

    def _read_guarded(self, file: Path, root: Path) -> Iterator[ImportedRecord]:
        external_id = relative_id(file, root)
        source = self.options.source_name
        try:
            if file.suffix.lower() == ".pdf":
                yield from pdf_articles(file, source, external_id, self.options.pdf_sections)
                return
            yield html_page(file.read_bytes().decode(self.options.encoding).lstrip("\ufeff"), source, external_id)
        except (OSError, UnicodeDecodeError, ValueError, RecordError) as exc:
            yield reject(file, "file", exc)


def html_page(html: str, source: str, external_id: str) -> Article:
    """A documentation page: its main content, without the site's navigation, as an article."""
    soup = parse_html(html)
    heading = soup.find("h1") or soup.find("title")
    title = heading.get_text(" ", strip=True) if heading else ""
    body = content_text(soup, _MAIN)
    if title and body.startswith(title):
        body = body[len(title):]
    if not body.strip():
        raise RecordError("page has no text in its main content", field="body")
    return Article(id=f"{source}:{external_id}", source=source, external_id=external_id,
                   title=title or external_id.rpartition("/")[2], body=body.strip())


def _doc_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _generated(file: Path, root: Path) -> bool:
    """Hidden files and the folders a site generator writes beside the pages (`_static`, `_sources`, `_images`)."""
    try:
        parts = file.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = (file.name,)
    return any(part.startswith((".", "_")) for part in parts)
