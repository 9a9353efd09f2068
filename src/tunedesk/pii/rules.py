"""The workspace's redaction.yaml: written by `init` from the documented default, loaded by clean."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

DEFAULT_RULES = Path(__file__).with_name("redaction_default.yaml")


def default_redaction_yaml(allowlist: Iterable[str] = ()) -> str:
    """The commented default rules, with the brand's own contacts in the allowlist."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    items = list(allowlist)
    if items:
        block = "allowlist:\n" + "".join(f"  - {json.dumps(item, ensure_ascii=False)}\n" for item in items)
        if "\nallowlist: []\n" not in text:
            raise AssertionError("redaction_default.yaml must contain an `allowlist: []` line")
        text = text.replace("\nallowlist: []\n", "\n" + block, 1)
    return text
