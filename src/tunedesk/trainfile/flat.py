"""Flattened rows (prompt/completion, instruction) read back into chat turns.

OpenAI's legacy prompt/completion files end every prompt with a separator and every completion with a stop
sequence; in a chat template the role markers and the EOS token do that job, so both are left out of the turns.
tunedesk build flattens a conversation into a transcript: a prompt reads `<system prompt>\\n\\nCustomer: …\\n\\n
Agent: …\\n\\nAgent:`, an instruction row has the system prompt as `instruction` and the transcript as `input`.
The transcript's Customer paragraphs are the customer text its system prompt was rendered for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunedesk.trainfile.reading import RawRow

SEPARATORS = ("\n\n### =>\n\n", "\n\n###\n\n", "\n\n===>\n\n", "\n\n--->\n\n", "\n\n===\n\n", "\n\n---\n\n", " ->")
"""Prompt separators prepare_data suggested; the one every prompt ends with is taken off."""
STOPS = (" [END]", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%", "\n")
"""Completion stop sequences prepare_data suggested; the one every completion ends with is taken off."""
CUSTOMER = "Customer: "
AGENT = "Agent:"
_PARAGRAPHS = re.compile(r"\n\n(?=(?:Customer|Agent): )")


@dataclass(frozen=True)
class LegacyMarkers:
    """The separator every prompt and the stop every completion of a file ends with ("" when none)."""

    separator: str = ""
    stop: str = ""


NO_MARKERS = LegacyMarkers()


def legacy_markers(rows: list[RawRow]) -> LegacyMarkers:
    """The known separator and stop sequence shared by all prompts and completions of a prompt/completion file."""
    prompts = [p for row in rows if isinstance(p := row.data.get("prompt"), str)]
    completions = [c for row in rows if isinstance(c := row.data.get("completion"), str)]
    separator = next((s for s in SEPARATORS if prompts and all(p.endswith(s) for p in prompts)), "")
    stop = next((s for s in STOPS if completions and all(c.endswith(s) for c in completions)), "")
    return LegacyMarkers(separator, stop)


def without_end(text: object, end: str) -> object:
    """The text without a trailing marker (anything else as it is)."""
    if end and isinstance(text, str) and text.endswith(end) and len(text) > len(end):
        return text[: -len(end)]
    return text


def split_prompt(prompt: str) -> tuple[str | None, str]:
    """(system prompt, transcript) of a prompt flattened by tunedesk build; (None, prompt) for any other prompt."""
    head, found, rest = prompt.partition("\n\n" + CUSTOMER)
    if not found or not head.strip():
        return None, prompt
    transcript = CUSTOMER + rest
    trailer = "\n\n" + AGENT
    return head, transcript[: -len(trailer)] if transcript.endswith(trailer) else transcript


def customer_paragraphs(text: str) -> list[str]:
    """What the customer wrote in a user turn: the Customer paragraphs of a transcript, else the whole text."""
    if not text.startswith(CUSTOMER):
        return [text]
    return [p[len(CUSTOMER) :] for p in _PARAGRAPHS.split(text) if p.startswith(CUSTOMER)]
