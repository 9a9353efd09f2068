"""A workspace: one folder per support model, holding its config, policies, rules, KB, store and artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tunedesk.config import CONFIG_NAME, Config, SourceConfig, load_config
from tunedesk.config_yaml import render_config
from tunedesk.errors import WorkspaceError
from tunedesk.policies import Policies, load_policies
from tunedesk.store import Store, open_store

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
class Workspace:
    """An opened workspace: its root, resolved config and lazily opened store."""

    root: Path
    config: Config
    overrides: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path | str, overrides: list[str] | None = None) -> Workspace:
        """Open the workspace at `path`, validating its tunedesk.yaml with the overrides applied."""
        root = Path(path).resolve()
        config_path = root / CONFIG_NAME
        if not config_path.is_file():
            hint = f"run `tunedesk init {path}` first" if not root.exists() else f"no {CONFIG_NAME} in it"
            raise WorkspaceError(f"{root} is not a tunedesk workspace: {hint}")
        return cls(root=root, config=load_config(config_path, overrides), overrides=list(overrides or []))

    def path(self, relative: str | Path) -> Path:
        """A workspace-relative path made absolute."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def output_dir(self, name: str) -> Path:
        """A folder for outputs (reports, quarantine, data, runs), created on demand."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @cached_property
    def store(self) -> Store:
        """The workspace's store, opened and migrated on first use."""
        return open_store(self.config.store.url, self.root)

    def policies(self) -> Policies:
        """The current policies."""
        return load_policies(self.path(self.config.policies))


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
    from tunedesk.clean.rules_file import default_redaction_yaml

    return {
        CONFIG_NAME: render_config(Config()),
        "policies.yaml": BLANK_POLICIES,
        "redaction.yaml": default_redaction_yaml(),
        "prompts/system.md.j2": _system_template(),
        ".gitignore": GITIGNORE,
    }


def _system_template() -> str:
    from tunedesk.prompting import DEFAULT_TEMPLATE

    return DEFAULT_TEMPLATE.read_text(encoding="utf-8")


def _example_files() -> dict[str, str]:
    from tunedesk import example
    from tunedesk.clean.rules_file import default_redaction_yaml

    config = Config(
        name="trailhead",
        sources=[SourceConfig(path="exports/", format="zendesk",
                              options={"category_field": example.CATEGORY_FIELD_ID})],
    )
    config.escalation.categories = list(example.ESCALATION)
    allow = [example.BRAND, example.SUPPORT_EMAIL, example.SITE_URL, example.STORE_PHONE, example.STORE_ADDRESS]
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
