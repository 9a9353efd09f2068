"""`tunedesk init`: the files of a new workspace — tunedesk.yaml, policies.yaml, redaction.yaml, the system prompt
template, kb/ — blank and documented, or filled with the Trailhead Outfitters example corpus."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tunedesk.config import CONFIG_NAME, Config, SourceConfig
from tunedesk.config.render import render_config
from tunedesk.errors import WorkspaceError
from tunedesk.pii.rules import default_redaction_yaml
from tunedesk.prompt.system import DEFAULT_TEMPLATE

GITIGNORE = """\
# Private to this workspace: the store holds the raw exports (PII), reports show redactions in context.
tunedesk.db*
reports/
quarantine/
runs/
data/
"""

BLANK_POLICIES = """\
# policies.yaml — your CURRENT policies. They are written into every system prompt, so a policy changes
# without retraining; historical answers that contradict them are flagged when the training set is built.
brand: My Company
version: "1"
voice:
  tone: friendly, concise and practical
  greeting: "Hi {name},"
  sign_off: "Best regards,\\nThe My Company support team"
# Checkable facts: a value, the sentence for the prompt, and regexes capturing a value claimed in an answer.
facts:
  return_window_days:
    value: 30
    kind: number
    unit: days
    topic: returns
    text: Items can be returned within 30 days of delivery.
    patterns:
      - '(\\d+)[- ]day (?:return|refund)'
      - 'within (\\d+) days'
sections:
  returns: Items can be returned unused within 30 days of delivery for a full refund.
"""

KB_README = """\
# Knowledge base
Put your help-centre articles here as Markdown (optionally with YAML front matter: title, category, tags, url) or
HTML. `tunedesk ingest` reads this folder; the server retrieves from it and the eval checks replies against it.
"""


@dataclass
class InitResult:
    """What `init` wrote and what it kept."""

    root: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    example_tickets: int = 0


def init_workspace(path: Path | str, example: bool = False, force: bool = False,
                   example_tickets: int = 1500) -> InitResult:
    """Create a workspace; existing files are kept unless `force`, so init can be rerun safely."""
    root = Path(path).resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    result = InitResult(root=root)
    files = _example_files() if example else _blank_files()
    for name, text in files.items():
        _write(root / name, text, force, result)
    (root / "kb").mkdir(exist_ok=True)
    if example:
        result.example_tickets = _write_example_data(root, force, result, example_tickets)
    else:
        _write(root / "kb" / "README.md", KB_README, force, result)
    return result


def _write(target: Path, text: str, force: bool, result: InitResult) -> None:
    if target.exists() and not force:
        result.kept.append(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    result.written.append(target)


def _blank_files() -> dict[str, str]:
    return {
        CONFIG_NAME: render_config(Config()),
        "policies.yaml": BLANK_POLICIES,
        "redaction.yaml": default_redaction_yaml(),
        "prompts/system.md.j2": _system_template(),
        ".gitignore": GITIGNORE,
    }


def _system_template() -> str:
    return DEFAULT_TEMPLATE.read_text(encoding="utf-8")


def _example_files() -> dict[str, str]:
    from tunedesk import example
    config = Config(
        name="trailhead",
        sources=[SourceConfig(path="exports/", format="zendesk",
                              options={"category_field": example.CATEGORY_FIELD_ID})],
    )
    config.escalation.categories = list(example.ESCALATION)
    # The brand's own contacts, and its product names and colours: "Sierra Loft fleece" is not a person.
    allow = [example.BRAND, example.SUPPORT_EMAIL, example.SITE_URL, example.STORE_PHONE, example.STORE_ADDRESS,
             *(p.name for p in example.catalog.PRODUCTS), *example.catalog.COLOURS]
    return {
        CONFIG_NAME: render_config(config),
        "policies.yaml": example.policies_yaml(),
        "redaction.yaml": default_redaction_yaml(allowlist=allow),
        "prompts/system.md.j2": _system_template(),
        ".gitignore": GITIGNORE,
    }


def _write_example_data(root: Path, force: bool, result: InitResult, tickets: int) -> int:
    from tunedesk import example

    export = root / "exports" / "zendesk_tickets.jsonl"
    if export.exists() and not force:
        result.kept.append(export.parent)
        return sum(1 for _ in export.open(encoding="utf-8"))
    summary = example.write_example(root, n_tickets=tickets)
    result.written.extend(p for p in summary.paths if p.name != "policies.yaml")
    return summary.tickets
