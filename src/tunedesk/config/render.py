"""Render a config model as commented YAML: each key preceded by its docstring, so the file documents itself."""

from __future__ import annotations

import textwrap

import yaml
from pydantic import BaseModel

from tunedesk.config import Config

HEADER = """\
# tunedesk.yaml — the whole configuration of this support model's workspace.
# Every key is documented above it. Override any key for one command: `tunedesk clean clean.min_csat=4`.
# `tunedesk config --explain` lists every key with its default; `tunedesk config` shows the resolved values.
"""


def render_config(config: Config) -> str:
    """The config as YAML with a comment above every key."""
    return HEADER + "\n" + "".join(_render_model(config, indent=0))


def _render_model(model: BaseModel, indent: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.description:
            for line in textwrap.wrap(field.description, width=max(40, 116 - indent), break_on_hyphens=False):
                lines.append(f"{pad}# {line}\n")
        if isinstance(value, BaseModel) and not type(value).model_fields:
            lines.append(f"{pad}{name}: {{}}\n")
        elif isinstance(value, BaseModel):
            lines.append(f"{pad}{name}:\n")
            lines.extend(_render_model(value, indent + 2))
        else:
            lines.append(_render_value(name, value, indent))
        if indent == 0:
            lines.append("\n")
    return lines


def _render_value(name: str, value: object, indent: int) -> str:
    plain = _plain(value)
    pad = " " * indent
    if isinstance(plain, (list, dict)) and plain:
        dumped = yaml.safe_dump({name: plain}, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
        return textwrap.indent(dumped, pad)
    dumped = yaml.safe_dump(plain, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    dumped = dumped.removesuffix("\n...").removesuffix("...").strip()
    return f"{pad}{name}: {dumped}\n"


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value.model_dump(mode="json").items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
