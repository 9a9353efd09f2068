"""What the knowledge-base export importers (`confluence`, `notion`, `sharepoint`, `docs`) share: the files of an
export, whether a folder or a zip, as members named by their path inside the export; and the text of an HTML page
with the site's chrome (navigation, breadcrumbs, footer) taken out."""

from __future__ import annotations

import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from bs4 import BeautifulSoup, Tag

from tunedesk.errors import RecordError
from tunedesk.ingest.importers.base import reject
from tunedesk.ingest.importers.kb import common_root
from tunedesk.records import ImportedRecord, Rejected
from tunedesk.text.html import html_to_text

MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""A zip member larger than this once unpacked is quarantined instead of read (a zip bomb, a video)."""
CHROME = ("nav", "header", "footer", "aside", "script", "style", "[role=navigation]", "[role=banner]",
          "[role=contentinfo]", "#breadcrumbs", ".breadcrumbs", "#footer", "#navigation")
"""Page furniture that is not the article: menus, breadcrumbs, headers and footers."""


@dataclass(frozen=True)
class Member:
    """One file of an export: its path inside the export, where to say it is, and the file or zip entry holding it."""

    name: str
    where: str
    file: Path
    entry: zipfile.ZipInfo | None = None

    def read(self) -> bytes:
        """The file's bytes (a zip entry over MAX_MEMBER_BYTES unpacked is a RecordError)."""
        if self.entry is None:
            return self.file.read_bytes()
        if self.entry.file_size > MAX_MEMBER_BYTES:
            raise RecordError(f"{self.entry.file_size} bytes unpacked, over the {MAX_MEMBER_BYTES} limit",
                              field="size")
        with self.open() as fh:
            return fh.read(MAX_MEMBER_BYTES)

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The file as a stream, for a parser that reads as it goes (a large `entities.xml`)."""
        if self.entry is None:
            with open(self.file, "rb") as fh:
                yield fh
            return
        with zipfile.ZipFile(self.file) as archive, archive.open(self.entry) as fh:
            yield fh

    @property
    def path(self) -> PurePosixPath:
        """The path inside the export."""
        return PurePosixPath(self.name)


@dataclass
class Export:
    """The members of one export: a zip file, or the loose files and folders given together."""

    source: Path
    members: list[Member]


def read_exports(paths: Iterable[Path], scratch: Path | None = None) -> tuple[list[Export], list[Rejected]]:
    """Each zip (given, or in a folder given) as its own export, the other files (folders expanded) as one;
    unreadable zips as rejections. With a `scratch` folder, a zip inside a zip (Notion delivers
    `Export-<id>.zip` holding `Export-<id>-Part-1.zip`, …) is unpacked there and read as an export of its own."""
    paths = list(paths)
    files = [f for p in paths for f in (_files(p) if p.is_dir() else [p])]
    archives = [f for f in files if f.suffix.lower() == ".zip" or zipfile.is_zipfile(f)]
    loose = [f for f in files if f not in archives]
    exports: list[Export] = []
    rejected: list[Rejected] = []
    for path in archives:
        try:
            exports += _archive_exports(path, scratch)
        except (OSError, zipfile.BadZipFile) as exc:
            rejected.append(reject(path, "file", f"unreadable zip: {exc}"))
    if loose:
        root = common_root(paths).resolve()
        exports.append(Export(root, [_file_member(f, root) for f in loose]))
    return exports, rejected


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _file_member(path: Path, root: Path) -> Member:
    try:
        name = path.resolve().relative_to(root).as_posix()
    except ValueError:
        name = path.name
    return Member(name, str(path), path)


def _zip_members(path: Path, label: str | None = None) -> list[Member]:
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    return [Member(i.filename.replace("\\", "/"), f"{label or path}!{i.filename}", path, i) for i in infos
            if not any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(i.filename).parts)]


def _archive_exports(path: Path, scratch: Path | None) -> list[Export]:
    """The zip as an export; with a scratch folder, each zip inside it unpacked into a folder of its own there
    and read as a further export (the outer one kept only when it holds anything else)."""
    members = _zip_members(path)
    inner = [m for m in members if m.path.suffix.lower() == ".zip"] if scratch is not None else []
    if not inner:
        return [Export(path, members)]
    rest = [m for m in members if m not in inner]
    folder = Path(tempfile.mkdtemp(dir=scratch))  # part zips of two exports share names: one folder per archive
    own = [Export(path, rest)] if rest else []
    return own + [_unpacked(m, folder / f"{n}-{m.path.name}") for n, m in enumerate(inner)]


def _unpacked(member: Member, target: Path) -> Export:
    """A zip inside the export, copied out to `target` and read as an export named by where it was."""
    with member.open() as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    return Export(target, _zip_members(target, member.where))


def zip_names(path: Path, limit: int = 2000) -> list[str]:
    """The first member names of a zip, for `sniff`; [] when the file is not a readable zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [name.replace("\\", "/") for name in archive.namelist()[:limit]]
    except (OSError, zipfile.BadZipFile):
        return []


def member_text(member: Member, encoding: str = "utf-8") -> str:
    """A member decoded, or a RecordError naming the line where the bytes stop being `encoding`."""
    data = member.read()
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RecordError(f"bytes not valid {encoding} at line {line}", field="encoding") from None


def read_members(members: Iterable[Member],
                 read: Callable[[Member], Iterable[ImportedRecord]]) -> Iterator[ImportedRecord]:
    """`read(member)` for each member, any failure of one member quarantined with its reason."""
    for member in members:
        try:
            yield from read(member)
        except (OSError, ValueError, RecordError, zipfile.BadZipFile) as exc:
            yield reject(member.where, "file", exc)


def parse_html(html: str) -> BeautifulSoup:
    """A lenient parse of a page (an XHTML prolog or odd markup only makes bs4 warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(html, "lxml")


def content_text(soup: BeautifulSoup | Tag, selectors: Iterable[str], chrome: Iterable[str] = CHROME) -> str:
    """The plain text of the first element matching one of `selectors` (else the body), chrome removed."""
    content = next((found for s in selectors if (found := soup.select_one(s)) is not None), None)
    if content is None:
        content = soup.find("body") or soup
    for selector in chrome:
        for element in content.select(selector):
            element.decompose()
    return html_to_text(str(content), drop_quotes=False)
