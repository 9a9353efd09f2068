"""A workspace: one folder per support model, holding its config, policies, rules, KB, store and artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tunedesk.config import CONFIG_NAME, Config, load_config
from tunedesk.config.policies import Policies, load_policies
from tunedesk.errors import ConfigError, WorkspaceError
from tunedesk.pii.redact import RedactionRules, load_redaction_rules
from tunedesk.store import Store, open_store


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

    def redaction_rules(self) -> RedactionRules:
        """The workspace's redaction rules; a missing file is an error, never a silent switch to no redaction."""
        path = self.path(self.config.redaction)
        if not path.is_file():
            raise ConfigError(str(path), [f"redaction: file not found; `tunedesk init {self.root}` writes the default"])
        return load_redaction_rules(path)
