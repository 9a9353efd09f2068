"""tunedesk.yaml: the typed workspace configuration, validated at once, with `key=value` overrides.

Every field has a docstring; `tunedesk config --explain` prints them, and the YAML written by `init` mirrors them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from tunedesk.config.base import Section
from tunedesk.config.data import (
    AugmentConfig,
    CannotKnowRule,
    CleanConfig,
    DatasetConfig,
    DedupConfig,
    EscalationConfig,
    EscalationRule,
    IngestConfig,
    ModelConfig,
    SourceConfig,
    StoreConfig,
)
from tunedesk.config.deployment import DeploymentConfig
from tunedesk.config.policies import format_validation_errors
from tunedesk.config.serve import ServeConfig
from tunedesk.config.stages import DriftConfig, EvalConfig, GateConfig, TrainConfig
from tunedesk.errors import ConfigError

CONFIG_NAME = "tunedesk.yaml"

__all__ = ["CONFIG_NAME", "AugmentConfig", "CannotKnowRule", "CleanConfig", "Config", "DatasetConfig", "DedupConfig",
           "EscalationConfig", "EscalationRule", "IngestConfig", "ModelConfig", "SourceConfig", "StoreConfig",
           "dump_config", "explain", "load_config", "merge", "parse_overrides"]


class Config(Section):
    """The whole tunedesk.yaml."""

    name: str = "support"
    """A short name for this support model (shown in reports and the model registry)."""
    policies: str = "policies.yaml"
    """The current policies file, relative to the workspace."""
    redaction: str = "redaction.yaml"
    """The PII redaction rules file, relative to the workspace."""
    kb: str | None = "kb"
    """The knowledge-base folder ingested with the sources; null for none."""
    store: StoreConfig = Field(default_factory=StoreConfig)
    """Where records live."""
    sources: list[SourceConfig] = Field(default_factory=list)
    """Exports that `tunedesk ingest` reads when run without paths."""
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    """Ingest limits."""
    clean: CleanConfig = Field(default_factory=CleanConfig)
    """Cleaning and quality filters."""
    escalation: EscalationConfig = Field(default_factory=EscalationConfig)
    """What must go to a human."""
    model: ModelConfig = Field(default_factory=ModelConfig)
    """The base model and its limits."""
    dataset: DatasetConfig = Field(default_factory=DatasetConfig)
    """How training sets are built and split."""
    train: TrainConfig = Field(default_factory=TrainConfig)
    """How the model is fine-tuned."""
    eval: EvalConfig = Field(default_factory=EvalConfig)
    """How models are evaluated on the held-out set."""
    gate: GateConfig = Field(default_factory=GateConfig)
    """What a model must reach on the held-out set before `tunedesk promote` makes it production."""
    drift: DriftConfig = Field(default_factory=DriftConfig)
    """When `tunedesk drift` says to retrain."""
    serve: ServeConfig = Field(default_factory=ServeConfig)
    """The API server: guardrails, routing, rollout, backends, limits."""
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    """Where the model will be served and its latency budget (read by `tunedesk brief`)."""


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """`clean.min_csat=4` style overrides as a nested dict (values parsed as YAML scalars)."""
    nested: dict[str, Any] = {}
    problems = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key or not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*", key):
            problems.append(f"{item!r}: expected key=value with a dotted key, e.g. clean.min_csat=4")
            continue
        value = yaml.safe_load(raw) if raw.strip() else ""
        node = nested
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                problems.append(f"{key}: conflicts with another override")
                break
        else:
            node[parts[-1]] = value
    if problems:
        raise ConfigError("command-line overrides", problems)
    return nested


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `extra` into a copy of `base` (dicts merge, anything else replaces)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: Path, overrides: list[str] | None = None) -> Config:
    """Read tunedesk.yaml, apply overrides, validate, and report every problem at once."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), [f"cannot read: {exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), [f"(top level): expected a mapping of settings, got {type(data).__name__}"])
    data = merge(data, parse_overrides(overrides or []))
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), format_validation_errors(exc)) from None


def explain(model: type[BaseModel] = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """Every config key with its default and docstring, for `tunedesk config --explain`."""
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            rows.append((key, "", field.description or ""))
            rows.extend(explain(annotation, key + "."))
            continue
        default = field.get_default(call_default_factory=True)
        shown = json.dumps(_plain(default), default=str)
        rows.append((key, shown if len(shown) < 60 else shown[:57] + "...", field.description or ""))
    return rows


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_config(config: Config) -> str:
    """The resolved config as YAML (written next to every output it produced)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

