"""PDF manuals as articles, through the optional `pypdf` (the `docs` extra), imported only when a PDF is read.

Without an outline (or with `pdf_sections` off) a PDF is one article `docs:<path>`, titled by the document's title
metadata, else its first line of text. With an outline, each top-level entry is one article `docs:<path>#<n>`
titled by the entry, holding its pages up to the next entry's first page (pages before the first entry go to the
first one; entries starting on the same page share it). A page whose text cannot be extracted is a Rejected
`page <n>` and left out of its article; a section or document with no extractable text (a scan, which would need
OCR) is a Rejected naming it.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunedesk.errors import IngestError, RecordError
from tunedesk.ingest.importers.base import reject
from tunedesk.records import Article, ImportedRecord

if TYPE_CHECKING:
    from pypdf import PdfReader

EXTRA_HINT = "PDF documentation needs pypdf: pip install 'tunedesk[docs]' (or pip install 'pypdf>=4')"


def require_pypdf() -> Any:
    """The `pypdf` module, or an IngestError naming the `docs` extra that installs it."""
    try:
        return importlib.import_module("pypdf")
    except ImportError:
        raise IngestError(EXTRA_HINT) from None


def pdf_articles(path: Path, source: str, external_id: str, sections: bool) -> Iterator[ImportedRecord]:
    """The article (or one per top-level outline entry) of one PDF file, and a Rejected per unreadable page."""
    reader = _open(path)
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # pypdf raises many kinds on broken content; keep the other pages
            texts.append("")
            yield reject(path, f"page {number}", f"text not extractable: {type(exc).__name__}: {exc}", field="text")
    starts = _outline_starts(reader) if sections else []
    if not starts:
        title = _metadata_title(reader) or _first_line("\n".join(texts)) or path.stem
        yield _article(path, source, external_id, title, texts, "document")
        return
    for index, (title, start) in enumerate(starts):
        first = 0 if index == 0 else start
        end = max(starts[index + 1][1], start + 1) if index + 1 < len(starts) else len(texts)
        yield _article(path, source, f"{external_id}#{index + 1}", title, texts[first:end],
                       f"section {index + 1} ({title})")


def _open(path: Path) -> PdfReader:
    pypdf = require_pypdf()
    try:
        reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
        if reader.is_encrypted and not _decrypted(reader):
            raise RecordError("the PDF is encrypted with a password", field="encryption")
        len(reader.pages)  # a broken page tree fails here rather than half way
    except RecordError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file; quarantine the file
        raise RecordError(f"unreadable PDF: {type(exc).__name__}: {exc}", field="pdf") from None
    return reader


def _decrypted(reader: PdfReader) -> bool:
    """Whether an encrypted PDF opens without a password (many are encrypted only to restrict printing)."""
    from pypdf.errors import DependencyError  # pypdf is there: the reader exists

    try:
        return bool(reader.decrypt(""))
    except DependencyError:  # AES needs the cryptography package
        raise RecordError("the PDF is AES-encrypted: reading it needs the `cryptography` package "
                          "(pip install cryptography)", field="encryption") from None


def _outline_starts(reader: PdfReader) -> list[tuple[str, int]]:
    """The (title, first page index) of each top-level outline entry with a page, in page order."""
    try:
        outline = reader.outline
    except Exception:  # a broken outline only costs the sections, not the text
        return []
    starts = []
    for entry in outline:
        if isinstance(entry, list):
            continue  # the children of the entry before it
        page = reader.get_destination_page_number(entry)
        title = str(entry.title or "").strip()
        if page is not None and title:
            starts.append((title, page))
    return sorted(starts, key=lambda item: item[1])


def _article(path: Path, source: str, external_id: str, title: str, texts: list[str], what: str) -> ImportedRecord:
    body = "\n\n".join(text.strip() for text in texts if text.strip())
    if not body:
        return reject(path, what, "no extractable text (a scanned PDF needs OCR first)", field="text")
    return Article(id=f"{source}:{external_id}", source=source, external_id=external_id, title=title, body=body,
                   metadata={"file": path.name, "pages": len(texts)})


def _metadata_title(reader: PdfReader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # broken metadata: fall back to the text
        return ""
    return str(title).strip() if title else ""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
