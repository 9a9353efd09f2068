"""Recorded calls, transcribed by the customer's own pipeline → Ticket (one file is one call, one record).

Formats: WebVTT, SRT and speech-to-text JSON (transcripts_text.py, transcripts_json.py). Consecutive cues of one
speaker merge into one turn. Which speaker is the agent: the `agent_speakers` option, else the first speaker who
greets as a company does ("thank you for calling", "you've reached", "vous êtes bien chez", a name in
`company_names`; greetings in English, French, German, Spanish, Italian, Portuguese and Dutch, accents optional) in
their first turns, else the first speaker; the rule and its reason are in the ticket's metadata. A call with one
speaker, no text, a bad or backwards timestamp, or a cue without a speaker before any labelled one is one Rejected
naming the file and the cue.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tunedesk.errors import RecordError
from tunedesk.ingest.importers import register
from tunedesk.ingest.importers.base import Importer, reject
from tunedesk.ingest.importers.chatjsonl import Encoding
from tunedesk.ingest.importers.payload import decode
from tunedesk.ingest.importers.transcripts_json import json_cues
from tunedesk.ingest.importers.transcripts_text import Cue, CueError, is_vtt, looks_like_srt, srt_cues, vtt_cues
from tunedesk.records import ImportedRecord, Message, Participant, Role, Ticket

_SUFFIXES = (".vtt", ".srt", ".json")
_JSON_MARKS = re.compile(r'"(?:utterances|speaker_labels|audio_segments|jobName)"\s*:')
_DEEPGRAM = re.compile(r'"request_id"\s*:')
_GENERIC_LABEL = re.compile(r"^(?:speaker[ _-]?\w{1,3}|spk_\d+|[A-Z]|\d+|agent|customer|caller|callee|unknown)$",
                            re.IGNORECASE)
# An agent's greeting per language, written without accents: the greeting rule compares text and patterns with
# accents removed (`_fold_accents`), as speech-to-text output often drops them ("merci d'avoir appele").
# Whole phrases only: a customer's "merci" or "gracias" is no greeting.
GREETINGS: dict[str, list[str]] = {
    "en": [
        r"\bthank(?:s| you) for (?:calling|contacting|holding)\b", r"\byou(?:'|’)?ve reached\b",
        r"\bhow (?:can|may) I (?:help|assist)\b", r"\bwelcome to\b", r"\bthis is \w+ (?:from|at|with)\b",
        r"\bmy name is \w+,? (?:and )?(?:I(?:'|’)?ll|I will|how)\b",
    ],
    "fr": [
        r"\bmerci (?:d['’ ]?avoir (?:appele|contacte)|de votre appel|pour votre appel)\b",
        r"\bvous etes bien (?:chez|au|aux|a)\b", r"\bbienvenue (?:chez|au|a)\b",
        r"\b(?:comment|en quoi) (?:puis[- ]je|est[- ]ce que je peux|je peux) vous (?:aider|etre utile)\b",
    ],
    "de": [
        r"\bdank(?:e|eschon)? fu(?:e)?r ihren anruf\b", r"\bsie sind (?:hier )?verbunden mit\b",
        r"\bsie sprechen mit\b", r"\bwillkommen bei\b",
        r"\bwie kann ich (?:ihnen|dir) (?:helfen|behilflich sein)\b", r"\bwas kann ich fu(?:e)?r sie tun\b",
    ],
    "es": [
        r"\bgracias por (?:llamar|su llamada|comunicarse)\b", r"\ble atiende\b", r"\bbienvenid[oa]s? a\b",
        r"\b(?:en que|como) (?:le |la |te )?(?:puedo|podemos) ayudar(?:le|la|lo|te)?\b",
    ],
    "it": [
        r"\bgrazie per (?:aver(?:e)? chiamato|la (?:sua )?chiamata)\b", r"\ble risponde\b",
        r"\b(?:come|in cosa|in che cosa) posso (?:aiutarla|aiutarti|aiutarvi|esserle utile)\b",
    ],
    "pt": [
        r"\bobrigad[oa] por (?:ligar|ter ligado|entrar em contato|sua (?:ligacao|chamada))\b",
        r"\bbem[- ]vind[oa]s? (?:a|ao)\b", r"\b(?:como|em que) (?:posso|poderia) (?:lhe |te )?ajud(?:ar|a-l[oa])\b",
    ],
    "nl": [
        r"\b(?:bedankt|dank u(?: wel)?) voor (?:het bellen|uw (?:oproep|telefoontje))\b",
        r"\bu (?:bent (?:door)?verbonden met|spreekt met)\b", r"\bwelkom bij\b",
        r"\b(?:waarmee|hoe) kan ik (?:u|je) (?:helpen|van dienst zijn)\b",
    ],
}
DEFAULT_PHRASES = [phrase for phrases in GREETINGS.values() for phrase in phrases]


def _as_text(values: object) -> object:
    return [str(v) for v in values] if isinstance(values, list) else values  # YAML reads `[0, 1]` as numbers


class TranscriptOptions(BaseModel):
    """Options of the `transcripts` importer."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    source_name: str = Field(default="transcripts", pattern=r"^[^:\s]+$")
    """Prefix of ticket ids (`transcripts:<file name without suffix>`)."""
    encoding: Encoding = "utf-8"
    """Text encoding of the files."""
    agent_speakers: Annotated[list[str], BeforeValidator(_as_text)] = Field(default_factory=list)
    """Speaker labels or names of agents (`Agent`, `SPEAKER_01`, `spk_1`, `B`, `1`; case-insensitive); unset or
    none of them in a call: the greeting rule decides."""
    company_names: list[str] = Field(default_factory=list)
    """The company's names: a speaker who says one in their first turns greets as the agent."""
    agent_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_PHRASES))
    """Regular expressions of an agent's greeting, matched case- and accent-insensitively (`appelé` matches
    `appele`). The defaults cover English, French, German, Spanish, Italian, Portuguese and Dutch ("thank you for
    calling", "merci d'avoir appelé", "vous êtes bien chez", "danke für Ihren Anruf", "Sie sind verbunden mit",
    "gracias por llamar", "le atiende", "grazie per aver chiamato", "obrigado por ligar", "bedankt voor het
    bellen", and "how can I help you" in each); setting the option replaces them all."""
    greeting_turns: int = Field(2, ge=1, le=10)
    """How many of each speaker's first turns the greeting rule reads."""


@dataclass
class Turn:
    """Consecutive cues of one speaker."""

    speaker: str
    text: str
    start: float | None
    end: float | None
    cues: int = 1


@dataclass
class _Decision:
    agents: set[str]
    rule: str
    reason: str
    speakers: list[str] = field(default_factory=list)


@register("transcripts")
class TranscriptImporter(Importer):
    """Call transcripts (WebVTT, SRT, AssemblyAI, Deepgram, WhisperX, AWS Transcribe): one call, one ticket."""

    name: ClassVar[str] = "transcripts"
    suffixes: ClassVar[tuple[str, ...]] = _SUFFIXES
    Options = TranscriptOptions
    options: TranscriptOptions

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """`.vtt`/`.srt` files or text opening like them, and JSON with speaker turns of a speech-to-text tool."""
        if path.suffix.lower() in (".vtt", ".srt") or is_vtt(head) or looks_like_srt(head):
            return True
        if head.lstrip("\ufeff \t\r\n")[:1] != "{":
            return False
        if _JSON_MARKS.search(head) or (_DEEPGRAM.search(head) and '"results"' in head):
            return True
        return '"speaker"' in head and ('"segments"' in head or '"audio_url"' in head)

    def read(self, path: Path) -> Iterator[ImportedRecord]:
        """The call of one file."""
        return self.read_files([path])

    def read_files(self, paths: Iterable[Path]) -> Iterator[ImportedRecord]:
        """One outcome per file; a second file of the same name is rejected (the same call in two formats)."""
        seen: dict[str, Path] = {}
        for path in _files(paths):
            if path.stem in seen:
                yield reject(path, "file", f"duplicate call id {path.stem!r} (first read from {seen[path.stem]})")
                continue
            seen[path.stem] = path
            try:
                yield self._call(path)
            except RecordError as exc:
                yield reject(path, exc.locator if isinstance(exc, CueError) else "file", exc, raw=_preview(path))
            except OSError as exc:
                yield reject(path, "file", exc)
            except Exception as exc:  # a surprising payload must never stop an import
                yield reject(path, "file", f"unexpected {type(exc).__name__}: {exc}", raw=_preview(path))

    def _call(self, path: Path) -> Ticket:
        kind, cues, started = _cues(path, self.options.encoding)
        turns = merge_turns(cues)
        decision = agent_decision(turns, self.options)
        messages = [
            Message(role=Role.agent if t.speaker in decision.agents else Role.customer, body=t.text,
                    author=t.speaker, created_at=_at(started, t.start))
            for t in turns
        ]
        people = [Participant(name=s, role=Role.agent if s in decision.agents else Role.customer)
                  for s in decision.speakers if not _GENERIC_LABEL.match(s)]
        ends = [t.end for t in turns if t.end is not None]
        metadata = {
            "format": kind, "speakers": decision.speakers, "agent_speakers": sorted(decision.agents),
            "agent_rule": decision.rule, "agent_reason": decision.reason, "cues": len(cues), "turns": len(turns),
        }
        if ends:
            metadata["duration_s"] = round(max(ends), 3)
        name = self.options.source_name
        return Ticket(id=Ticket.make_id(name, path.stem), source=name, external_id=path.stem, messages=messages,
                      participants=people, channel="phone", created_at=started, metadata=metadata)


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES)
        else:
            yield path


def _cues(path: Path, encoding: str) -> tuple[str, list[Cue], datetime | None]:
    """The file's format, its cues and, where the payload says, when the call started."""
    text = decode(path.read_bytes(), encoding, "file")
    if not text.strip():
        raise CueError("file", "empty file")
    if is_vtt(text):
        return "webvtt", vtt_cues(text), None
    if path.suffix.lower() == ".srt" or looks_like_srt(text):
        return "srt", srt_cues(text), None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        if path.suffix.lower() == ".vtt":
            raise CueError("line 1", "not a WebVTT file: the first line must start with WEBVTT") from None
        raise CueError("file", f"broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    return json_cues(payload)


def merge_turns(cues: list[Cue]) -> list[Turn]:
    """Turns from cues: times checked, unlabelled cues given the previous speaker, one speaker's cues merged."""
    turns: list[Turn] = []
    speaker: str | None = None
    last_start = 0.0
    for cue in cues:
        if cue.start is not None:
            if cue.end is not None and cue.end < cue.start:
                raise CueError(cue.locator, f"cue ends before it starts: {cue.end:g} s < {cue.start:g} s")
            if cue.start < last_start:
                reason = f"cues out of order: starts at {cue.start:g} s, before the cue before it ({last_start:g} s)"
                raise CueError(cue.locator, reason)
            last_start = cue.start
        speaker = cue.speaker or speaker
        if speaker is None:
            raise CueError(cue.locator, "no speaker: label cues with <v Name>, 'Name: ' or the tool's speaker field")
        if not cue.text.strip():
            continue
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            last.text, last.cues = f"{last.text} {cue.text}".strip(), last.cues + 1
            last.end = cue.end if cue.end is not None else last.end
        else:
            turns.append(Turn(speaker, cue.text.strip(), cue.start, cue.end))
    _check_speakers(turns, len(cues))
    return turns


def _check_speakers(turns: list[Turn], cues: int) -> None:
    if not turns:
        raise CueError("file", f"no text: none of the {cues} cue(s) holds words")
    speakers = {t.speaker for t in turns}
    if len(speakers) == 1:
        raise CueError("file", f"only one speaker ({turns[0].speaker!r}) in {cues} cue(s): a call needs a customer "
                               "and an agent (is the transcript diarized?)")


def agent_decision(turns: list[Turn], options: TranscriptOptions) -> _Decision:
    """Which speakers are agents, by which rule, and why (recorded in the ticket's metadata)."""
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    wanted = {s.strip().lower() for s in options.agent_speakers}
    listed = {s for s in speakers if s.lower() in wanted}
    if listed and len(listed) < len(speakers):
        return _Decision(listed, "option", f"listed in agent_speakers: {', '.join(sorted(listed))}", speakers)
    note = ""
    if listed:
        note = "; every speaker is in agent_speakers, so the option cannot tell the customer"
    elif wanted:
        note = "; no speaker of this call is in agent_speakers"
    greeter = _greeter(turns, options)
    if greeter is not None:
        speaker, turn, phrase = greeter
        return _Decision({speaker}, "greeting", f"{speaker!r} greets as the agent in turn {turn}: {phrase!r}{note}",
                         speakers)
    return _Decision({speakers[0]}, "first_speaker", f"{speakers[0]!r} speaks first and no speaker greets as the "
                                                     f"agent{note}", speakers)


def _greeter(turns: list[Turn], options: TranscriptOptions) -> tuple[str, int, str] | None:
    """The first speaker whose first turns hold a greeting: (speaker, turn number, the words matched).

    Text and patterns are compared without accents, so "Merci d'avoir appelé" and a transcript's "merci d'avoir
    appele" match either spelling; the words reported are the turn's own.
    """
    patterns = _greeting_patterns(tuple(options.agent_phrases), tuple(options.company_names))
    read: dict[str, int] = {}
    for number, turn in enumerate(turns, start=1):
        read[turn.speaker] = read.get(turn.speaker, 0) + 1
        if read[turn.speaker] > options.greeting_turns:
            continue
        text = unicodedata.normalize("NFC", turn.text)
        folded = _fold_accents(text)
        for pattern in patterns:
            if found := pattern.search(folded):
                return turn.speaker, number, text[found.start():found.end()]
    return None


@functools.lru_cache(maxsize=32)
def _greeting_patterns(phrases: tuple[str, ...], company_names: tuple[str, ...]) -> list[re.Pattern[str]]:
    """The greeting phrases and company names as accent-free, case-insensitive patterns: compiled once per set of
    options, not once per call (an import reads thousands of calls with the same options)."""
    sources = [*phrases, *(rf"\b{re.escape(name)}\b" for name in company_names if name)]
    return [re.compile(_fold_accents(source), re.IGNORECASE) for source in sources]


def _fold_accents(text: str) -> str:
    """The text with each accented letter replaced by its base letter (é → e, ü → u, ç → c), one character for one,
    so that a match in the folded text has the same span in the text."""
    return text if text.isascii() else "".join(map(_base_letter, text))


@functools.lru_cache(maxsize=4096)
def _base_letter(char: str) -> str:
    """The letter without its accents; a character whose decomposition is not one letter plus marks stays as is."""
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def _at(started: datetime | None, offset: float | None) -> datetime | None:
    return started + timedelta(seconds=offset) if started is not None and offset is not None else None


def _preview(path: Path) -> str:
    try:
        return path.read_bytes()[:2000].decode("utf-8", errors="replace")
    except OSError:
        return ""
