"""policies.yaml: the company's *current* policies, as typed facts plus prose sections.

Facts carry a value and the patterns that find a claimed value in an answer, so that build can flag
historical answers contradicting today's policy and the eval rubric can check policy accuracy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tunedesk.errors import ConfigError

FactKind = Literal["number", "money", "text", "email", "phone", "url", "hours"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Fact(_Strict):
    """One checkable policy fact, e.g. the return window."""

    value: str | int | float
    """The current value: 30, 75.0, "support@example.com"."""
    kind: FactKind = "number"
    """How to compare a claimed value: number (with unit), money, text, email, phone, url, hours."""
    unit: str | None = None
    """Unit of a number: days, business_days, hours, years, percent."""
    topic: str
    """The category the fact belongs to (returns, shipping, …)."""
    text: str
    """The sentence that states the fact in the system prompt."""
    patterns: list[str] = Field(default_factory=list)
    """Regular expressions with one group capturing a value claimed in an answer (case-insensitive)."""

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                compiled = re.compile(p)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {p!r}: {exc}") from None
            if compiled.groups < 1:
                raise ValueError(f"pattern {p!r} needs a group capturing the claimed value")
        return patterns


class Voice(_Strict):
    """How the brand sounds."""

    tone: str = "friendly, concise and practical"
    """Adjectives for the system prompt."""
    greeting: str = "Hi {name},"
    """How replies open; {name} is the customer's first name when known."""
    sign_off: str = "Best regards,\nThe support team"
    """How replies end."""
    refusal: str = "I'm sorry, but I can only help with questions about our products, orders and services."
    """The polite refusal for off-topic questions."""


class Policies(_Strict):
    """The whole policies.yaml."""

    brand: str
    """The company name as customers know it."""
    version: str
    """A label for this version of the policies (a date is fine); recorded with every dataset and run."""
    voice: Voice = Field(default_factory=Voice)
    facts: dict[str, Fact] = Field(default_factory=dict)
    """Checkable facts by key (return_window_days, free_shipping_threshold, …)."""
    sections: dict[str, str] = Field(default_factory=dict)
    """Prose policy by topic, rendered into the system prompt."""


def load_policies(path: Path) -> Policies:
    """Read and validate policies.yaml, reporting every problem at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from None
    try:
        return Policies.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), format_validation_errors(exc)) from None


def format_validation_errors(exc: ValidationError) -> list[str]:
    """Pydantic errors as `dotted.key: message (got value)` lines."""
    lines = []
    for err in exc.errors():
        key = dotted_key(err["loc"])
        got = err.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{key}: {err['msg']}{shown}")
    return lines


def dotted_key(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the key a user edits: `escalation.rules[0].patterns`."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"
