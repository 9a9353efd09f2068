"""Reply extraction for plain-text messages: drop quoted history and a trailing signature.

Line and regex based, all patterns precompiled: the clean stage runs `extract_reply` on every message, so the
common case (a short message with nothing to strip) must cost a few microseconds.
"""

from __future__ import annotations

import re

# A header introducing quoted history: "On <date>, <name> wrote:" and its translations. Clients wrap it over up to
# three lines, so it is matched on a window of lines that ends with the line ending in ':'.
_ATTRIBUTION = re.compile(
    r"[ \t]*(?:-+[ \t]*)?(?:On|Le|El|Il|Em|Op|Den|W[ \t]+dniu)\b.*"
    r"(?:\bwrote|\ba[ \t]+écrit|\bescribió|\bha[ \t]+scritto|\bescreveu|\bskrev|\bnapisał(?:\(a\)|a)?|\bpisze)"
    r"[ \t]*:[ \t]*"
    r"|[ \t]*(?:Am|Op)\b.*\b(?:schrieb|schreef)\b.*:[ \t]*"
    r"|.*\d.*[ \t]написал(?:\(а\)|а|и)?[ \t]*:[ \t]*",
    re.DOTALL,
)
# A line ending in ':' that carries a year or an address, or ends in "wrote:" ("Yesterday at 15:02, Nik wrote:",
# as some clients write the date), directly above a quoted block (mail.ru, Yandex, Android, Apple Mail).
_COLON_ATTRIBUTION = re.compile(r"[^>]*?(?:\b(?:19|20)\d\d\b|@).*:[ \t]*|[^>]*\bwrote[ \t]*:[ \t]*")
# Everything from these lines on is history, not reply.
_CUT_LINE = re.compile(
    r"[ \t]*-{2,}[ \t]*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Исходное сообщение|Forwarded message|Message transféré|Weitergeleitete Nachricht)[ \t]*-{2,}[ \t]*"
    r"|[ \t]*_{10,}[ \t]*"
    r"|[ \t]*(?:Begin forwarded message|Début du message réexpédié)[ \t]*:?[ \t]*",
    re.IGNORECASE,
)
_LABEL_LINE = re.compile(
    r"[ \t]*\**(?P<label>From|Sent|Date|To|Subject|Cc|Von|Gesendet|Datum|An|Betreff|De|Envoyé|À|Objet|Para"
    r"|Enviado|Fecha|Asunto|От|Отправлено|Дата|Кому|Тема|Копия)[ \t]*:",
    re.IGNORECASE,
)
_LABEL_KIND = {
    "from": "from", "von": "from", "de": "from", "от": "from",
    "sent": "date", "date": "date", "gesendet": "date", "datum": "date", "envoyé": "date", "enviado": "date",
    "fecha": "date", "отправлено": "date", "дата": "date",
    "to": "to", "an": "to", "à": "to", "para": "to", "кому": "to",
    "subject": "subject", "betreff": "subject", "objet": "subject", "asunto": "subject", "тема": "subject",
    "cc": "cc", "копия": "cc",
}
_MAX_LABEL_CHARS = 16
_SEPARATOR_LINE = re.compile(r"^[ \t]*[-_=*]{2,}[ \t]*$")
# Text-level necessary conditions for the line tests above, so that most messages are never split into lines:
# a cut line's words after its dashes, "Begin forwarded message", a line ending in ':' or starting with a From
# label.
_RULE_WORDS = re.compile(
    r"--[ \t]*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Исходное сообщение|Forwarded message|Message transféré|Weitergeleitete Nachricht)",
    re.IGNORECASE,
)
_FORWARD_WORDS = re.compile(r"Begin forwarded message|Début du message réexpédié", re.IGNORECASE)
_ENDS_WITH_COLON = re.compile(r":[^\S\n]*$", re.MULTILINE)  # a line whose stripped form ends in ':'
# On the reversed text: a line `[ \t]*\**From[ \t]*:` (any From label, as _LABEL_LINE reads it) …
_FROM_LABEL_BACKWARDS = re.compile(r":[ \t]*(?:morF|noV|eD|тО)\**[ \t]*(?:\n|\Z)", re.IGNORECASE)
# … and a ':' with at most 15 characters before it on its line once leading whitespace is stripped.
_NEAR_START_BACKWARDS = re.compile(r":[^\n]{0,15}[^\S\n]*(?:\n|\Z)")

_MOBILE_SIGNATURE = re.compile(
    r"(?:Sent (?:from|with|via) (?:my )?\w[\w .&'’()/-]{0,40}"
    r"|Get Outlook for (?:iOS|Android)\S*|Sent from (?:Mail|Outlook) for Windows[\w .]{0,20}"
    r"|Envoyé de mon \w[\w ]{0,30}|Von meinem \w[\w ]{0,30} gesendet|Enviado desde mi \w[\w ]{0,30})",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"(?:best|best regards|best wishes|kind regards|warm regards|warmest regards|regards|many thanks"
    r"|thanks|thank you|thanks again|thanks so much|thanks in advance|cheers|sincerely|yours sincerely"
    r"|yours truly|all the best|happy trails|take care|respectfully|with thanks)[ \t]*[,.!]?",
    re.IGNORECASE,
)
# First letters of the footers and valedictions, so that most lines skip the regular expressions.
_MOBILE_HEADS = frozenset({"sent", "get ", "envo", "von ", "envi"})
_VALEDICTION_HEADS = frozenset({"bes", "kin", "war", "reg", "man", "tha", "che", "sin", "you", "all", "hap", "tak",
                                "res", "wit"})
_MAX_LINES_UNDER_MOBILE = 3
_MAX_SIGNATURE_LINES = 8
_MAX_SIGNATURE_LINE_CHARS = 72
_MAX_SIGNATURE_LINE_WORDS = 10


def strip_quoted(text: str) -> str:
    """The reply without quoted history: `>` lines and everything after a reply or forward header are dropped.

    A reply header followed by `>` lines only removes that quote (answers written below it stay); other headers cut
    everything after them, unless nothing precedes them (a bare forward keeps its text). A message that is nothing
    but `>` lines comes back empty.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    may_mark = _may_have_markers(text)
    if not may_mark and (">" not in text or not _has_quoted_line(text)):
        return text.strip()  # no marker and no quoted line: what the line scan below returns
    lines = text.split("\n")
    markers = _find_markers(lines) if may_mark else {}
    if not markers and not (">" in text and any(_is_quoted(line) for line in lines)):
        return text.strip()
    kept: list[str] = []
    forwarded = False  # a header with nothing above it: the message is a forward, keep all of it
    i = 0
    while i < len(lines):
        marker = markers.get(i)
        if marker is not None:
            kind, end = marker
            if kind == "attribution" and _quote_follows(lines, end):
                i = end
                continue
            if not forwarded and _has_content(kept):
                break
            forwarded = True
        line = lines[i]
        if not _is_quoted(line) and (line.strip() or (kept and kept[-1].strip())):
            kept.append(line)
        i += 1
    return _trim(kept)


def strip_signature(text: str) -> str:
    """The message without a trailing signature; never strips a message to nothing or cuts lines in the middle."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    lines = text.split("\n")
    # A first line with content (neither blank nor a separator) leaves content above every cut below it: only a
    # text that opens with a separator character needs `_has_content` line by line.
    opens_with_content = bool(text) and text[0] not in "-_=*"

    def leaves_content(cut: int) -> bool:
        return cut > 0 if opens_with_content else _has_content(lines[:cut])

    end = len(lines)
    if "\n--" in text:
        cut = _delimited_signature(lines, text.count("\n", 0, text.find("\n--")) + 1)
        if cut is not None and leaves_content(cut):
            end = cut
    for _ in range(3):  # a mobile footer under a valediction block: peel one layer per pass
        cut = _trailing_signature(lines, end)
        if cut is None or not leaves_content(cut):
            break
        end = cut
    return text if end == len(lines) else "\n".join(lines[:end]).strip()


def extract_reply(text: str) -> str:
    """The new text of a message: quoted history and the trailing signature removed."""
    return strip_signature(strip_quoted(text))


def _may_have_markers(text: str) -> bool:
    """False when `_find_markers` finds nothing, decided on the text without splitting it into lines.

    Every marker line ends in ':' (a reply header), or is a cut line (a rule of dashes before its words, ten
    underscores, "Begin forwarded message"), or opens a header block: a ':' among its first 16 characters, and a
    From line (`From`, `Von`, `De`, `От`, which has a ':' too) in the block.
    """
    if "_" * 10 in text or _RULE_WORDS.search(text):  # it starts with "--": `re` scans for that literal
        return True
    if ("orward" in text and _found_at(text, "orward", 7, _FORWARD_WORDS)) or (
            "réexpédié" in text and _found_at(text, "réexpédié", 17, _FORWARD_WORDS)):
        return True
    if ":" not in text:
        return False
    if _ENDS_WITH_COLON.search(text):
        return True
    # The other two tests look back from a colon to the start of its line: on the reversed text, where a
    # regular expression starts from the colon (a literal, which `re` scans for fast).
    backwards = text[::-1]
    return _FROM_LABEL_BACKWARDS.search(backwards) is not None and _NEAR_START_BACKWARDS.search(backwards) is not None


def _found_at(text: str, word: str, offset: int, pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` matches where it would put `word` at `offset` of its match (cut-line words hold the word
    at a fixed offset, and `_is_cut_line` requires it on the line)."""
    found = text.find(word)
    while found >= 0:
        if found >= offset and pattern.match(text, found - offset):
            return True
        found = text.find(word, found + 1)
    return False


def _has_quoted_line(text: str) -> bool:
    """`any(_is_quoted(line) for line in text.split("\\n"))`: a '>' with only whitespace before it on its line."""
    found = text.find(">")
    while found >= 0:
        if not text[text.rfind("\n", 0, found) + 1:found].strip():
            return True
        found = text.find(">", found + 1)
    return False


def _find_markers(lines: list[str]) -> dict[int, tuple[str, int]]:
    """Line index where history starts → (kind, index of the first line after the marker).

    Cheap string tests pick the few candidate lines; the regular expressions only run on those.
    """
    markers: dict[int, tuple[str, int]] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped[0] == ">":
            continue
        if stripped[-1] == ":":
            start = _attribution_start(lines, i)
            if start is not None:
                markers.setdefault(start, ("attribution", i + 1))
                continue
        if _is_cut_line(stripped) or (":" in stripped[:_MAX_LABEL_CHARS] and _is_header_block(lines, i)):
            markers[i] = ("cut", i + 1)
    return markers


def _is_cut_line(stripped: str) -> bool:
    """An "Original Message" / "Forwarded message" rule, an Outlook underscore rule, "Begin forwarded message"."""
    cheap = "--" in stripped or "__" in stripped or "orward" in stripped or "réexpédié" in stripped
    return cheap and _CUT_LINE.fullmatch(stripped) is not None


def _attribution_start(lines: list[str], end: int) -> int | None:
    """The first line of a reply header ending at line `end`, trying one, two and three lines."""
    for start in range(end, max(end - 3, -1), -1):
        if start < end and not lines[start].strip():
            break
        if _ATTRIBUTION.fullmatch("\n".join(lines[start:end + 1])):
            return start
    if _COLON_ATTRIBUTION.fullmatch(lines[end]) and _quote_follows(lines, end + 1):
        return end
    return None


def _is_header_block(lines: list[str], start: int) -> bool:
    """True when line `start` opens a From/Sent/To/Subject block (Outlook, forwarded headers)."""
    kinds: set[str] = set()
    misses = 0
    for line in lines[start:start + 8]:
        match = _LABEL_LINE.match(line)
        if match:
            kinds.add(_LABEL_KIND[match.group("label").lower()])
        elif line.strip():
            misses += 1  # one wrapped continuation line is tolerated
            if misses > 1:
                break
        elif kinds:
            break
    return "from" in kinds and len(kinds) >= 3


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return _is_quoted(line)
    return False


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _has_content(lines: list[str]) -> bool:
    return any(line.strip() and not _SEPARATOR_LINE.match(line) for line in lines)


def _trim(lines: list[str]) -> str:
    end = len(lines)
    while end and (not lines[end - 1].strip() or _SEPARATOR_LINE.match(lines[end - 1])):
        end -= 1
    return "\n".join(lines[:end]).strip()


def _delimited_signature(lines: list[str], first: int) -> int | None:
    """The first "--" line (trailing whitespace allowed) from line `first` on (at least 1), or None."""
    for i in range(first, len(lines)):
        line = lines[i]
        if line[:2] == "--" and line.rstrip() == "--":
            return i
    return None


def _trailing_signature(lines: list[str], end: int) -> int | None:
    """Among lines[:end], a mobile footer among the last 3 lines, or a valediction above at most 8 short
    signature lines: the index of its line, or None."""
    seen = 0
    kinds = _KINDS
    for i in range(end - 1, -1, -1):
        kind = kinds.get(lines[i])
        if kind is None:
            kind = _signature_kind(lines[i])
        if not kind:  # blank
            continue
        if (kind & _MOBILE and seen < _MAX_LINES_UNDER_MOBILE) or kind & _VALEDICTION_LINE:
            return i
        seen += 1
        if seen > _MAX_SIGNATURE_LINES or not kind & _SIGNATURE_LINE:
            return None
    return None


_NON_BLANK, _MOBILE, _VALEDICTION_LINE, _SIGNATURE_LINE = 1, 2, 4, 8
# Line → what it can be at the end of a message, as bits; signatures and valedictions repeat from message to
# message, so each distinct line is classified once (bounded: cleared when full).
_KINDS: dict[str, int] = {}
_MAX_CACHED_LINES = 65_536


def _signature_kind(line: str) -> int:
    """What a line not seen before can be at the end of a message (0 blank, else the bits), remembered in `_KINDS`."""
    if len(_KINDS) >= _MAX_CACHED_LINES:
        _KINDS.clear()
    kind = _KINDS[line] = _line_kind(line.strip())
    return kind


def _line_kind(line: str) -> int:
    if not line:
        return 0
    kind = _NON_BLANK
    head = line[:4].lower()
    if head in _MOBILE_HEADS and _MOBILE_SIGNATURE.fullmatch(line):
        kind |= _MOBILE
    if head[:3] in _VALEDICTION_HEADS and _VALEDICTION.fullmatch(line):
        kind |= _VALEDICTION_LINE
    if _is_signature_line(line):
        kind |= _SIGNATURE_LINE
    return kind


def _is_signature_line(line: str) -> bool:
    """A name, title, phone, URL or company: short, and not a question or a sentence."""
    return (
        len(line) <= _MAX_SIGNATURE_LINE_CHARS
        and not line.endswith("?")
        and line.count(" ") < _MAX_SIGNATURE_LINE_WORDS
    )
