"""Speech-to-text JSON with speaker turns → cues, for the tools call centres commonly use:

- AssemblyAI: `utterances[]` (`speaker`, `text`, `start`/`end` in milliseconds);
- Deepgram: `results.utterances[]` (`speaker`, `transcript`, seconds), else the diarized words of
  `results.channels[0].alternatives[0].words`;
- WhisperX (pyannote diarization): `segments[]` with `speaker`, `text`, seconds;
- AWS Transcribe: `results.audio_segments[]`, else `results.items[]` with their speaker from the item or from
  `results.speaker_labels.segments[].items`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from tunedesk.errors import RecordError
from tunedesk.ingest.importers.fields import get_time
from tunedesk.ingest.importers.payload import payload_keys
from tunedesk.ingest.importers.transcripts_text import Cue, CueError

Found = tuple[str, list[Cue], datetime | None]
"""The tool's name, its cues, and when the call started when the payload says."""


def json_cues(payload: object) -> Found:
    """The cues of a speech-to-text payload, or a CueError naming the bad entry."""
    if not isinstance(payload, dict):
        raise CueError("file", f"not a transcript ({payload_keys(payload)})")
    results = payload.get("results")
    if isinstance(payload.get("utterances"), list):
        return "assemblyai", _entries(payload["utterances"], "utterances", "text", 1000), None
    if isinstance(payload.get("segments"), list):
        return "whisperx", _entries(payload["segments"], "segments", "text", 1), None
    if isinstance(results, dict) and ("speaker_labels" in results or "audio_segments" in results):
        return "aws_transcribe", _aws(results), None
    if isinstance(results, dict):
        return "deepgram", _deepgram(results), _started(payload)
    raise CueError("file", "not a transcript: expected AssemblyAI `utterances`, Deepgram `results`, WhisperX "
                           f"`segments` or AWS Transcribe `results.speaker_labels` ({payload_keys(payload)})")


def _entries(items: list[object], where: str, text_key: str, per_second: float) -> list[Cue]:
    cues = []
    for i, item in enumerate(items):
        locator = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise CueError(locator, f"expected an object, got {type(item).__name__}")
        text = item.get(text_key)
        if text is not None and not isinstance(text, str):
            raise CueError(locator, f"expected text, got {type(text).__name__}", field=text_key)
        start, end = (_time(item.get(key), locator, key, per_second) for key in ("start", "end"))
        cues.append(Cue(locator, _speaker(item.get("speaker"), locator), " ".join((text or "").split()), start, end))
    return cues


def _deepgram(results: Mapping[str, object]) -> list[Cue]:
    if isinstance(results.get("utterances"), list):
        return _entries(results["utterances"], "results.utterances", "transcript", 1)  # type: ignore[arg-type]
    try:
        words = results["channels"][0]["alternatives"][0]["words"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise CueError("file", "Deepgram results without `utterances` or diarized words (request utterances=true "
                               "and diarize=true)") from None
    if not isinstance(words, list):
        raise CueError("results.channels[0].alternatives[0].words", "expected a list")
    for i, word in enumerate(words):
        if isinstance(word, dict) and "punctuated_word" in word:
            words[i] = {**word, "word": word["punctuated_word"]}
    return _words(_entries(words, "results.channels[0].alternatives[0].words", "word", 1))


def _aws(results: Mapping[str, object]) -> list[Cue]:
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments:
        labelled = [{**s, "speaker": s.get("speaker_label")} if isinstance(s, dict) else s for s in segments]
        return _aws_entries(labelled, "results.audio_segments", "transcript")
    items = results.get("items")
    if not isinstance(items, list):
        raise CueError("file", "AWS Transcribe results without `items` or `audio_segments`")
    by_start = _aws_speakers(results.get("speaker_labels"))
    cues = []
    for i, item in enumerate(items):
        locator = f"results.items[{i}]"
        if not isinstance(item, dict):
            raise CueError(locator, f"expected an object, got {type(item).__name__}")
        alternatives = item.get("alternatives")
        first = alternatives[0] if isinstance(alternatives, list) and alternatives else {}
        content = first.get("content") if isinstance(first, dict) else None
        if not isinstance(content, str):
            raise CueError(locator, "no alternatives[0].content", field="alternatives")
        if item.get("type") == "punctuation":  # no speaker, no time: it joins the word before it
            cues.append(Cue(locator, None, content))
            continue
        speaker = item.get("speaker_label") or by_start.get(str(item.get("start_time")))
        start, end = (_time(item.get(key), locator, key, 1) for key in ("start_time", "end_time"))
        cues.append(Cue(locator, _speaker(speaker, locator), content, start, end))
    return _words(cues)


def _aws_entries(items: list[object], where: str, text_key: str) -> list[Cue]:
    renamed = [{**i, "start": i.get("start_time"), "end": i.get("end_time")} if isinstance(i, dict) else i
               for i in items]
    return _entries(renamed, where, text_key, 1)


def _aws_speakers(labels: object) -> dict[str, str]:
    """Item start time → speaker label, from `speaker_labels.segments[].items` (bad entries are skipped)."""
    found: dict[str, str] = {}
    segments = labels.get("segments") if isinstance(labels, dict) else None
    for segment in segments if isinstance(segments, list) else []:
        items = segment.get("items") if isinstance(segment, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("speaker_label"), str):
                found[str(item.get("start_time"))] = item["speaker_label"]
    return found


def _words(words: list[Cue]) -> list[Cue]:
    """Words as cues, runs of one speaker joined (punctuation without a space before it)."""
    cues: list[Cue] = []
    for word in words:
        last = cues[-1] if cues else None
        if last is not None and word.speaker in (None, last.speaker):
            glue = "" if word.start is None and word.speaker is None else " "
            end = word.end if word.end is not None else last.end
            cues[-1] = Cue(last.locator, last.speaker, f"{last.text}{glue}{word.text}", last.start, end)
        else:
            cues.append(word)
    return cues


def _speaker(value: object, locator: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CueError(locator, f"expected a speaker label, got {type(value).__name__}", field="speaker")
    return str(value)


def _time(value: object, locator: str, key: str, per_second: float) -> float | None:
    """A timestamp in seconds (AWS writes numbers as text); a bad one is a CueError naming the entry."""
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise CueError(locator, f"bad timestamp: {str(value)[:30]!r}", field=key)
    return number / per_second


def _started(payload: Mapping[str, object]) -> datetime | None:
    """Deepgram's `metadata.created`, when the call was transcribed (the closest to a call time it gives)."""
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        return None
    try:
        return get_time(metadata, "created", "metadata")
    except RecordError:
        return None
