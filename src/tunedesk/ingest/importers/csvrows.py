"""Reading a CSV file row by row, leniently: the delimiter sniffed (and checked against the header), rows numbered
as a spreadsheet shows them, and a broken record spoiling its own line but not the file (an unbalanced quote that
swallowed the lines below it is taken back)."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tunedesk.ingest.importers.chatjsonl import DecodedLine, read_lines

SNIFF_LINES = 50
DELIMITERS = ",;\t|"


class CsvRow(NamedTuple):
    """One record: its row number, its values by header name, its raw text, and why it is unusable (or None)."""

    number: int
    values: dict[str, str]
    raw: str
    error: str | None


def csv_rows(path: Path, encoding: str, delimiter: str | None) -> Iterator[CsvRow]:
    """The header row, then every record keyed by header name; a broken record spoils one line, not the file."""
    feed = _LineFeed(read_lines(path, encoding))
    sample = "".join(line.text for line in feed.peek(SNIFF_LINES))
    reader = csv.reader(feed, delimiter=delimiter or sniff_delimiter(sample))
    header: list[str] | None = None
    number = 0
    while True:
        feed.taken = []
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield CsvRow(number, {}, _raw(feed.taken), f"unreadable CSV: {exc}")
            continue
        taken = feed.taken
        error = next((line.error for line in taken if line.error), None)
        if header is None:
            header = [name.strip() for name in fields]
            yield CsvRow(number, dict.fromkeys(header, ""), _raw(taken), error)
        elif len(fields) != len(header) and len(taken) > 1:
            # An unbalanced quote swallowed the lines below it: quarantine its first line, re-read the rest.
            feed.push_back(taken[1:])
            reason = f"row has {len(fields)} fields, the header has {len(header)} (unbalanced quote?)"
            yield CsvRow(number, {}, taken[0].text, taken[0].error or reason)
        elif any(fields):  # a blank line keeps its row number on screen but is no record
            reason = f"row has {len(fields)} fields, the header has {len(header)}"
            yield CsvRow(number, dict(zip(header, fields, strict=False)), _raw(taken),
                       error or (reason if len(fields) != len(header) else None))


class _LineFeed:
    """Feeds decoded lines to csv.reader, remembering which lines the current record used; lines can go back."""

    def __init__(self, lines: Iterator[DecodedLine]) -> None:
        self._lines = lines
        self._pending: deque[DecodedLine] = deque()
        self.taken: list[DecodedLine] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = self._pending.popleft() if self._pending else next(self._lines)
        self.taken.append(line)
        return line.text

    def peek(self, count: int) -> list[DecodedLine]:
        """The next `count` lines, without consuming them."""
        while len(self._pending) < count:
            line = next(self._lines, None)
            if line is None:
                break
            self._pending.append(line)
        return list(self._pending)[:count]

    def push_back(self, lines: list[DecodedLine]) -> None:
        """Make these lines the next ones read."""
        self._pending.extendleft(reversed(lines))


def _raw(lines: list[DecodedLine]) -> str:
    return "".join(line.text for line in lines)


def sniff_delimiter(sample: str) -> str:
    """csv.Sniffer's guess when the header line agrees with it, else the candidate the header uses most."""
    header = sample.split("\n", 1)[0]
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guess = ""
    if guess and guess in header:
        return guess
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
