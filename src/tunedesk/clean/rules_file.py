"""The workspace's redaction.yaml: written by `init` from the documented default, loaded by clean."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tunedesk.clean.redact import RedactionRules, load_redaction_rules
from tunedesk.errors import ConfigError

if TYPE_CHECKING:
    from tunedesk.workspace import Workspace

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


def load_workspace_rules(ws: Workspace) -> RedactionRules:
    """The workspace's rules; a missing file is an error, never a silent switch to no redaction."""
    path = ws.path(ws.config.redaction)
    if not path.is_file():
        raise ConfigError(str(path), [f"redaction: file not found; `tunedesk init {ws.root}` writes the default"])
    return load_redaction_rules(path)
