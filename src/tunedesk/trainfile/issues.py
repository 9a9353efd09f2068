"""Problems found in a training file: stable codes, each with the severity it always has, and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

SEVERITY: dict[str, Severity] = {
    # The file and its rows.
    "unreadable_file": "error",
    "invalid_json": "error",
    "not_an_object": "error",
    "missing_messages": "error",
    "message_missing_key": "error",
    "message_unrecognized_key": "error",
    "unrecognized_role": "error",
    "missing_content": "error",
    "no_assistant_message": "error",
    # The conversation as the chat template renders it.
    "roles_not_alternating": "error",
    "last_turn_not_assistant": "error",
    "no_chat_template": "error",
    "template_error": "error",
    "no_eos_after_assistant": "error",
    "special_token_in_content": "error",
    "reply_cut_off": "error",
    "no_trained_tokens": "error",
    "stale_system_prompt": "error",
    "bad_escalation_marker": "error",
    # Advice: training still works.
    "too_long": "warning",
    "template_changes_content": "warning",
    "few_examples": "warning",
    "duplicate": "warning",
    "shared_prefix": "warning",
    "prompt_separator": "warning",
    "completion_leading_space": "warning",
    "completion_stop": "warning",
    "shouting": "warning",
    "surrounding_whitespace": "warning",
    "missing_system_prompt": "warning",
    "marker_in_non_escalation": "warning",
    "metadata_missing": "warning",
}


@dataclass
class Issue:
    """One problem found: a stable code, its severity, a message for a person, and where (1-based file line)."""

    code: str
    severity: Severity
    message: str
    line: int | None = None
    field: str | None = None


def issue(code: str, message: str, line: int | None = None, field: str | None = None) -> Issue:
    """An issue with the severity its code always has."""
    return Issue(code, SEVERITY[code], message, line, field)
