"""Subtitle-style call transcripts → cues: WebVTT (`<v Speaker>` voice tags or `Speaker: ` prefixes) and SRT
(`Speaker: ` or `[SPEAKER_00]: ` prefixes). A cue without a speaker continues the previous cue's speaker.

A malformed timing line is a CueError naming the cue and its line; markup (`<i>`, `<c.loud>`, inline timestamps)
is dropped and entities are decoded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tunedesk.errors import RecordError

# Minutes and seconds of one or two digits and a fraction of one to three: Microsoft Teams writes `0:0:1.5`.
_VTT_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})\.(\d{1,3})")
_SRT_TIME = re.compile(r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})")
_TIMING = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+([^>]+)>")
_TAG = re.compile(r"</?[^>\n]*>")
_PREFIX = re.compile(  # `Name: text` or `[SPEAKER_00]: text`; a colon not followed by a space (10:30) is no prefix
    r"^\s*(?:\[(?P<bracket>[^\]\n]{1,40})\]\s*:|(?P<plain>[^\s:\[\]][^:\n]{0,39}?)\s*:)(?:\s+(?P<text>.*))?$",
    re.DOTALL)
_NOT_A_NAME = re.compile(r"[.?!,;\"]")
_VTT_SKIPPED = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    """One timed piece of speech: where it is in the file, who spoke (None: the previous speaker), what was said."""

    locator: str
    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


class CueError(RecordError):
    """A cue (or the file, locator `file`) that makes the whole call unreadable."""

    def __init__(self, locator: str, reason: str, field: str | None = None) -> None:
        # the problem first, so the ingest summary groups reasons by it; then where
        super().__init__(f"{reason} in {locator}" if locator != "file" else reason, field)
        self.locator = locator


def is_vtt(head: str) -> bool:
    """True when the text opens with the WebVTT signature."""
    return head.lstrip("\ufeff").startswith("WEBVTT")


def looks_like_srt(head: str) -> bool:
    """True when the text opens with an SRT cue: a number, then a `00:00:01,000 --> …` line."""
    lines = [line.strip() for line in head.lstrip("\ufeff").splitlines()[:3]]
    return len(lines) >= 2 and lines[0].isdigit() and bool(_SRT_TIME.match(lines[1])) and "-->" in lines[1]


def vtt_cues(text: str) -> list[Cue]:
    """The cues of a WebVTT file (NOTE, STYLE and REGION blocks skipped)."""
    blocks = list(_blocks(text))
    if not blocks or not is_vtt(blocks[0][1][0]):
        raise CueError("line 1", "not a WebVTT file: the first line must start with WEBVTT")
    cues: list[Cue] = []
    for line, block in blocks[1:]:
        if block[0].split(" ", 1)[0] in _VTT_SKIPPED:
            continue
        cues += _cue(block, line, len(cues) + 1, _VTT_TIME, "00:00:01.000 --> 00:00:04.000", vtt=True)
    return cues


def srt_cues(text: str) -> list[Cue]:
    """The cues of an SRT file (the numbering line is optional)."""
    cues: list[Cue] = []
    for line, block in _blocks(text):
        if block[0].strip().isdigit() and len(block) > 1:
            block, line = block[1:], line + 1
        cues += _cue(block, line, len(cues) + 1, _SRT_TIME, "00:00:01,000 --> 00:00:04,000", vtt=False)
    return cues


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each run of non-blank lines."""
    block: list[str] = []
    start = 1
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _cue(block: list[str], line: int, number: int, clock: re.Pattern[str], example: str, vtt: bool) -> list[Cue]:
    """The cue of one block (several when a WebVTT cue holds several voices)."""
    if "-->" not in block[0] and len(block) > 1 and "-->" in block[1]:  # a cue identifier line comes first
        block, line = block[1:], line + 1
    locator = f"cue {number} (line {line})"
    timing = _TIMING.match(block[0])
    if timing is None:
        raise CueError(locator, f"no timing line: expected '{example}', got {block[0][:60]!r}")
    start, end = (_seconds(value, clock, locator) for value in timing.groups())
    payload = "\n".join(block[1:])
    voices = list(_VOICE.finditer(payload)) if vtt else []
    if not voices:
        speaker, said = _prefixed(_plain(payload))
        return [Cue(locator, speaker, said, start, end)]
    spans = []
    for i, voice in enumerate(voices):
        stop = voices[i + 1].start() if i + 1 < len(voices) else len(payload)
        spans.append(Cue(locator, voice.group(1).strip(), _plain(payload[voice.end():stop]), start, end))
    return spans


def _seconds(value: str, clock: re.Pattern[str], locator: str) -> float:
    found = clock.fullmatch(value)
    if found is None or int(found.group(2)) > 59 or int(found.group(3)) > 59:
        raise CueError(locator, f"bad timestamp: {value[:30]!r}")
    hours, minutes, seconds, fraction = found.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction) / 10 ** len(fraction)


def _plain(payload: str) -> str:
    """Cue text without markup, its wrapped lines joined."""
    return " ".join(html.unescape(_TAG.sub("", payload)).split())


def _prefixed(text: str) -> tuple[str | None, str]:
    """(speaker, text) when the text opens with `Name: ` or `[Name]: `, else (None, text)."""
    found = _PREFIX.match(text)
    if found is None:
        return None, text
    name = (found.group("bracket") or found.group("plain")).strip()
    if len(name.split()) > 4 or _NOT_A_NAME.search(name):
        return None, text
    return name, (found.group("text") or "").strip()
