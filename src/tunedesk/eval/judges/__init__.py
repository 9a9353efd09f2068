"""The judge registry: short names (`rubric`, …) to judge classes, looked up by `eval.judge`.

Built-ins register exactly as a third party would, with the `register` decorator; they are imported on first lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tunedesk.errors import ConfigError
from tunedesk.plugins import Builtins

BUILTIN_MODULES = ("rubric", "llm")

JUDGES: dict[str, type] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a judge available under a short name."""

    def add(cls: type) -> type:
        cls.name = name  # type: ignore[attr-defined]
        JUDGES[name] = cls
        return cls

    return add


_BUILTINS = Builtins("tunedesk.eval.judges", BUILTIN_MODULES, group="tunedesk.judges")


def _load() -> None:
    _BUILTINS.load()


def get_judge(name: str, **kwargs: Any) -> Any:
    """A judge built from its short name and options, or a ConfigError naming `eval.judge`."""
    _load()
    if name not in JUDGES:
        known = ", ".join(sorted(JUDGES)) or "none"
        raise ConfigError("eval.judge", [f"eval.judge: unknown judge {name!r}; known judges: {known}"])
    return JUDGES[name](**kwargs)
