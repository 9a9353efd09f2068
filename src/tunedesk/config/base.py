"""The base of every tunedesk.yaml section."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config section: unknown keys are errors, every field documented."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_assignment=True)


def check_regexes(patterns: list[str]) -> list[str]:
    """A field validator's body: every pattern must compile (all bad ones named at once)."""
    bad = []
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            bad.append(f"{p!r}: {exc}")
    if bad:
        raise ValueError("invalid regular expression " + "; ".join(bad))
    return patterns
