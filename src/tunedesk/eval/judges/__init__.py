"""The judge registry: short names (`rubric`, `llm`, …) to judge classes, looked up by `eval.judge`.

Built-ins register exactly as a third party would, with the `register` decorator; they are imported on first lookup,
and third-party packages expose modules under the entry-point group `tunedesk.judges`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tunedesk.plugins import Builtins, Registry

if TYPE_CHECKING:
    from tunedesk.eval.judges.base import Judge

BUILTIN_MODULES = ("rubric", "llm")

JUDGES: Registry[type] = Registry("judge", "eval.judge", Builtins("tunedesk.eval.judges", BUILTIN_MODULES,
                                                                   group="tunedesk.judges"))
register = JUDGES.register


def get_judge(name: str, **kwargs: object) -> Judge:
    """A judge built from its short name and options, or a ConfigError naming `eval.judge`."""
    return JUDGES.get(name)(**kwargs)
